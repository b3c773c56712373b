package clock

import (
	"slices"
	"sync"
	"time"
)

// Fake is a manual clock for tests: no goroutines sleeping, fully
// deterministic. Time moves only through Set and Advance, and every event
// they cause is in the timers' channels when they return.
type Fake struct {
	mu          sync.Mutex
	now         time.Time
	loc         *time.Location
	timers      map[*fakeTimer]struct{}
	zoneChanges chan struct{}
}

var _ Clock = (*Fake)(nil)

// NewFake returns a Fake clock reading now in loc (UTC when loc is nil).
func NewFake(now time.Time, loc *time.Location) *Fake {
	if loc == nil {
		loc = time.UTC
	}
	return &Fake{
		now:         now.Round(0),
		loc:         loc,
		timers:      make(map[*fakeTimer]struct{}),
		zoneChanges: make(chan struct{}, 1),
	}
}

// Now returns the fake wall-clock time in the fake location.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now.In(f.loc)
}

// Location returns the location last given to NewFake or SetLocation.
func (f *Fake) Location() *time.Location {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.loc
}

// ZoneChanges signals after SetLocation.
func (f *Fake) ZoneChanges() <-chan struct{} { return f.zoneChanges }

// NewTimer returns a disarmed fake timer driven by Set and Advance.
func (f *Fake) NewTimer() (Timer, error) {
	t := &fakeTimer{fake: f, events: make(chan Event, 1)}
	f.mu.Lock()
	f.timers[t] = struct{}{}
	f.mu.Unlock()
	return t, nil
}

// Set jumps the wall clock to t, forward or back, as a user setting the clock
// would: every armed timer gets Jumped, then Fired if t is at or after its
// instant (which, by the coalescing rule, stays hidden behind a pending
// Jumped; the receiver finds the instant reached when it re-evaluates).
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = t.Round(0)
	for timer := range f.timers {
		if timer.at.IsZero() {
			continue
		}
		deliver(timer.events, Jumped)
		timer.fireIfDueLocked()
	}
}

// Advance moves the clock forward by d without a jump, as time passing does:
// timers whose instant is reached get Fired. A negative d is a bug in the
// test and panics; use Set to move the clock back.
func (f *Fake) Advance(d time.Duration) {
	if d < 0 {
		panic("clock: Fake.Advance with a negative duration; use Set to move the clock back")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	for timer := range f.timers {
		timer.fireIfDueLocked()
	}
}

// SetLocation changes the zone, as the user picking another one would, and
// signals ZoneChanges. It does not touch timers: they wait for instants.
func (f *Fake) SetLocation(loc *time.Location) {
	if loc == nil {
		loc = time.UTC
	}
	f.mu.Lock()
	f.loc = loc
	f.mu.Unlock()
	signal(f.zoneChanges)
}

// Armed returns the instants armed across all open timers, earliest first,
// so tests can assert for example that nothing is armed when idle.
func (f *Fake) Armed() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	var armed []time.Time
	for timer := range f.timers {
		if !timer.at.IsZero() {
			armed = append(armed, timer.at)
		}
	}
	slices.SortFunc(armed, func(a, b time.Time) int { return a.Compare(b) })
	return armed
}

// fakeTimer is a Timer of a Fake; all its state is guarded by fake.mu.
type fakeTimer struct {
	fake   *Fake
	at     time.Time // armed instant; zero when disarmed
	closed bool
	events chan Event
}

func (t *fakeTimer) Arm(at time.Time) {
	t.fake.mu.Lock()
	defer t.fake.mu.Unlock()
	if t.closed {
		return
	}
	t.at = at.Round(0)
	t.fireIfDueLocked()
}

func (t *fakeTimer) C() <-chan Event { return t.events }

func (t *fakeTimer) Close() error {
	t.fake.mu.Lock()
	defer t.fake.mu.Unlock()
	t.closed = true
	t.at = time.Time{}
	delete(t.fake.timers, t)
	return nil
}

// fireIfDueLocked delivers Fired and disarms when the armed instant has been
// reached. The caller holds fake.mu.
func (t *fakeTimer) fireIfDueLocked() {
	if t.at.IsZero() || t.fake.now.Before(t.at) {
		return
	}
	t.at = time.Time{}
	deliver(t.events, Fired)
}
