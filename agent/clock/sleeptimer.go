package clock

import (
	"sync"
	"time"
)

// The sleeping timer is the wall-clock timer where no timerfd exists. It is
// built on every platform so that its logic is tested on Linux too; only
// timer_other.go puts it into service.

const (
	// maxSleep bounds one sleep, because Go's timers run on the monotonic
	// clock: a wall-clock jump or a suspend is noticed at most this late.
	maxSleep = 30 * time.Second
	// jumpThreshold is how far the wall clock may drift from where the
	// monotonic clock puts it before that counts as the clock being set.
	jumpThreshold = 2 * time.Second
)

// processStart anchors monotonic readings; Sub between two times that both
// carry a monotonic reading uses only that reading.
var processStart = time.Now()

// readSystemClock returns the wall clock and the monotonic clock (as time
// since processStart) from a single reading.
func readSystemClock() (wall time.Time, mono time.Duration) {
	now := time.Now()
	return now.Round(0), now.Sub(processStart)
}

// sleepTimer sleeps at most maxSleep at a time while armed and compares the
// wall clock with the armed instant after each sleep. While disarmed its
// goroutine blocks on channels only, so it never wakes.
type sleepTimer struct {
	readClock func() (wall time.Time, mono time.Duration)
	maxSleep  time.Duration
	sleeper   sleeper // used by the goroutine only

	events chan Event
	rearm  chan struct{} // Arm → goroutine: the armed instant changed
	quit   chan struct{}
	done   chan struct{}

	mu     sync.Mutex
	at     time.Time // armed instant; zero when disarmed
	closed bool

	// Reference reading for jump detection; used by the goroutine only.
	refWall time.Time
	refMono time.Duration
	hasRef  bool
}

// sleeper is the Go timer the goroutine sleeps on between checks; tests substitute one that
// they fire by hand.
type sleeper interface {
	C() <-chan time.Time
	Reset(d time.Duration)
	Stop()
}

// goSleeper is a sleeper on a Go timer.
type goSleeper struct{ timer *time.Timer }

func newGoSleeper() goSleeper {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return goSleeper{t}
}

func (s goSleeper) C() <-chan time.Time   { return s.timer.C }
func (s goSleeper) Reset(d time.Duration) { s.timer.Reset(d) }
func (s goSleeper) Stop()                 { s.timer.Stop() }

func newSleepTimer(readClock func() (time.Time, time.Duration), maxSleep time.Duration) *sleepTimer {
	return newSleepTimerWith(readClock, maxSleep, newGoSleeper())
}

func newSleepTimerWith(readClock func() (time.Time, time.Duration), maxSleep time.Duration, s sleeper) *sleepTimer {
	t := &sleepTimer{
		readClock: readClock,
		maxSleep:  maxSleep,
		sleeper:   s,
		events:    make(chan Event, 1),
		rearm:     make(chan struct{}, 1),
		quit:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	go t.run()
	return t
}

func (t *sleepTimer) Arm(at time.Time) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	t.at = at.Round(0)
	t.mu.Unlock()
	signal(t.rearm)
}

func (t *sleepTimer) C() <-chan Event { return t.events }

func (t *sleepTimer) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	t.at = time.Time{}
	t.mu.Unlock()
	close(t.quit)
	<-t.done
	return nil
}

func (t *sleepTimer) run() {
	defer close(t.done)
	defer t.sleeper.Stop()
	for {
		select {
		case <-t.quit:
			return
		case <-t.rearm:
		case <-t.sleeper.C():
		}
		// Every check ends in exactly one Reset or Stop. Since Go 1.23 both
		// discard a pending expiry, so a stale tick cannot follow a rearm.
		if d, armed := t.check(); armed {
			t.sleeper.Reset(d)
		} else {
			t.sleeper.Stop()
		}
	}
}

// check compares the clocks with the armed instant, delivers what is due and
// returns how long to sleep next, or armed=false when there is nothing to
// wait for (then no reference is kept, so idle time is never taken for a
// jump).
func (t *sleepTimer) check() (sleep time.Duration, armed bool) {
	wall, mono := t.readClock()
	jumped := t.hasRef && jumpedBetween(t.refWall, t.refMono, wall, mono)
	t.refWall, t.refMono, t.hasRef = wall, mono, true

	t.mu.Lock()
	defer t.mu.Unlock()
	if t.at.IsZero() {
		t.hasRef = false
		return 0, false
	}
	if jumped {
		deliver(t.events, Jumped)
	}
	if !wall.Before(t.at) {
		t.at = time.Time{}
		t.hasRef = false
		deliver(t.events, Fired)
		return 0, false
	}
	return min(t.at.Sub(wall), t.maxSleep), true
}

// jumpedBetween reports whether the wall clock moved more than jumpThreshold
// away from where the monotonic clock says it should be.
func jumpedBetween(refWall time.Time, refMono time.Duration, wall time.Time, mono time.Duration) bool {
	drift := wall.Sub(refWall) - (mono - refMono)
	return drift > jumpThreshold || drift < -jumpThreshold
}
