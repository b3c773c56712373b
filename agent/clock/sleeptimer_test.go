package clock

import (
	"sync"
	"testing"
	"time"
)

// manualClocks is an injected wall and monotonic clock for the sleeping
// timer; it also counts readings, which shows whether the goroutine woke.
type manualClocks struct {
	mu    sync.Mutex
	wall  time.Time
	mono  time.Duration
	reads int
}

func (m *manualClocks) read() (time.Time, time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reads++
	return m.wall, m.mono
}

// pass moves both clocks forward together, as time passing does.
func (m *manualClocks) pass(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.wall = m.wall.Add(d)
	m.mono += d
}

// setWall moves the wall clock only, as someone setting the clock does.
func (m *manualClocks) setWall(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.wall = m.wall.Add(d)
}

func (m *manualClocks) readCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reads
}

// handSleeper is a sleeper that only the test fires. The goroutine ends every
// check with one Reset or Stop, and each is reported on settled: once a test
// has received it, the check is done and its events, if any, are in the
// timer's channel. So a test can tell "no event" without waiting for one.
type handSleeper struct {
	c       chan time.Time
	settled chan bool // true after Reset (asleep), false after Stop (idle)

	mu     sync.Mutex
	asleep bool
}

func newHandSleeper() *handSleeper {
	// settled is drained after every action; the room is for the Stop on exit.
	return &handSleeper{c: make(chan time.Time, 1), settled: make(chan bool, 16)}
}

func (h *handSleeper) C() <-chan time.Time { return h.c }

func (h *handSleeper) Reset(time.Duration) { h.set(true) }

func (h *handSleeper) Stop() { h.set(false) }

func (h *handSleeper) set(asleep bool) {
	h.mu.Lock()
	h.asleep = asleep
	h.mu.Unlock()
	select {
	case h.settled <- asleep:
	default: // only a test that stopped reading fills it
	}
}

func (h *handSleeper) isAsleep() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.asleep
}

// fire ends the sleep, as the Go timer expiring would.
func (h *handSleeper) fire(t *testing.T) {
	t.Helper()
	h.mu.Lock()
	asleep := h.asleep
	h.asleep = false
	h.mu.Unlock()
	if !asleep {
		t.Fatal("fire: the timer's goroutine is not asleep")
	}
	h.c <- time.Time{}
}

// next waits for the goroutine to finish its next check and reports whether
// it went back to sleep (true) or idle (false).
func (h *handSleeper) next(t *testing.T) bool {
	t.Helper()
	select {
	case asleep := <-h.settled:
		return asleep
	case <-time.After(time.Second):
		t.Fatal("the timer's goroutine did not finish a check within 1 s")
		return false
	}
}

// newTestSleepTimer returns a sleeping timer on manual clocks whose sleeps
// end only when the test fires them.
func newTestSleepTimer(t *testing.T) (*sleepTimer, *manualClocks, *handSleeper) {
	t.Helper()
	clocks := &manualClocks{wall: fakeStart}
	sleep := newHandSleeper()
	timer := newSleepTimerWith(clocks.read, 5*time.Millisecond, sleep)
	t.Cleanup(func() { _ = timer.Close() })
	return timer, clocks, sleep
}

// wake fires the sleep and waits for the check it causes; it reports whether
// the goroutine went back to sleep.
func wake(t *testing.T, sleep *handSleeper) bool {
	t.Helper()
	sleep.fire(t)
	return sleep.next(t)
}

func TestSleepTimerFiresWhenWallReachesInstant(t *testing.T) {
	timer, clocks, sleep := newTestSleepTimer(t)
	timer.Arm(fakeStart.Add(time.Hour))
	if !sleep.next(t) {
		t.Fatal("not asleep after arming an instant an hour ahead")
	}
	if ev := pending(timer.C()); ev != 0 {
		t.Fatalf("event %v before the instant", ev)
	}
	if !wake(t, sleep) {
		t.Fatal("not asleep again after a wake-up before the instant")
	}
	if ev := pending(timer.C()); ev != 0 {
		t.Fatalf("event %v at a wake-up before the instant", ev)
	}
	clocks.pass(time.Hour)
	if wake(t, sleep) {
		t.Error("still asleep after the instant fired")
	}
	if ev := pending(timer.C()); ev != Fired {
		t.Fatalf("event = %v, want Fired", ev)
	}
	// One-shot: the goroutine is idle now, so nothing can send a second event.
	if ev := pending(timer.C()); ev != 0 || sleep.isAsleep() {
		t.Errorf("one-shot timer: second event %v, asleep %v", ev, sleep.isAsleep())
	}
}

func TestSleepTimerFiresOnRealClock(t *testing.T) {
	timer := newSleepTimer(readSystemClock, maxSleep)
	defer func() { _ = timer.Close() }()
	at := time.Now().Add(50 * time.Millisecond)
	timer.Arm(at)
	if ev := waitEvent(timer.C(), time.Second); ev != Fired {
		t.Fatalf("event = %v, want Fired", ev)
	}
	if now := time.Now(); now.Before(at) {
		t.Errorf("fired %v early", at.Sub(now))
	}
}

func TestSleepTimerPastFiresPromptly(t *testing.T) {
	timer, _, sleep := newTestSleepTimer(t)
	timer.Arm(fakeStart.Add(-time.Minute))
	if sleep.next(t) {
		t.Error("asleep after an instant in the past fired")
	}
	if ev := pending(timer.C()); ev != Fired {
		t.Fatalf("event = %v, want Fired at the Arm itself", ev)
	}
}

func TestSleepTimerRearmReplaces(t *testing.T) {
	timer, clocks, sleep := newTestSleepTimer(t)
	timer.Arm(fakeStart.Add(time.Minute))
	sleep.next(t)
	timer.Arm(fakeStart.Add(time.Hour))
	sleep.next(t)
	clocks.pass(2 * time.Minute)
	if !wake(t, sleep) {
		t.Error("not asleep after the replaced instant passed")
	}
	if ev := pending(timer.C()); ev != 0 {
		t.Fatalf("replaced instant fired: %v", ev)
	}
	clocks.pass(time.Hour)
	wake(t, sleep)
	if ev := pending(timer.C()); ev != Fired {
		t.Fatalf("event = %v, want Fired", ev)
	}
}

func TestSleepTimerReportsJumps(t *testing.T) {
	timer, clocks, sleep := newTestSleepTimer(t)
	timer.Arm(fakeStart.Add(24 * time.Hour))
	sleep.next(t) // the check at Arm took the reference reading

	clocks.setWall(-time.Hour)
	wake(t, sleep)
	if ev := pending(timer.C()); ev != Jumped {
		t.Fatalf("clock set back: event = %v, want Jumped", ev)
	}
	clocks.setWall(2 * time.Hour)
	wake(t, sleep)
	if ev := pending(timer.C()); ev != Jumped {
		t.Fatalf("clock set forward: event = %v, want Jumped", ev)
	}
	// Drift within the threshold is not a jump.
	clocks.setWall(time.Second)
	wake(t, sleep)
	if ev := pending(timer.C()); ev != 0 {
		t.Fatalf("1 s drift reported as %v", ev)
	}
	// A jump past the instant: Jumped (the Fired coalesces into it), and
	// the instant is consumed.
	clocks.setWall(48 * time.Hour)
	if wake(t, sleep) {
		t.Error("still asleep after a jump past the instant")
	}
	if ev := pending(timer.C()); ev != Jumped {
		t.Fatalf("jump past the instant: event = %v, want Jumped", ev)
	}
	timer.mu.Lock()
	at := timer.at
	timer.mu.Unlock()
	if !at.IsZero() {
		t.Errorf("instant %v still armed after the jump passed it", at)
	}
}

func TestSleepTimerIdleNeverWakes(t *testing.T) {
	timer, clocks, sleep := newTestSleepTimer(t)
	timer.Arm(fakeStart.Add(time.Hour))
	sleep.next(t)
	wake(t, sleep) // it sleeps and wakes while armed
	wake(t, sleep)
	timer.Arm(time.Time{})
	if sleep.next(t) || sleep.isAsleep() {
		t.Fatal("disarmed timer went back to sleep: it would wake again")
	}
	// Idle, the goroutine waits on Arm and Close alone: nothing can wake it.
	before := clocks.readCount()
	// Idle time is not taken for a jump when it is armed again.
	clocks.setWall(time.Hour)
	timer.Arm(fakeStart.Add(3 * time.Hour))
	if !sleep.next(t) {
		t.Error("not asleep after re-arming")
	}
	if ev := pending(timer.C()); ev != 0 {
		t.Errorf("re-arming after idle reported %v", ev)
	}
	if reads := clocks.readCount() - before; reads != 1 {
		t.Errorf("re-arming read the clocks %d times, want 1 (the check it causes)", reads)
	}
}

func TestSleepTimerCloseEndsGoroutine(t *testing.T) {
	clocks := &manualClocks{wall: fakeStart}
	timer := newSleepTimerWith(clocks.read, 5*time.Millisecond, newHandSleeper())
	timer.Arm(fakeStart.Add(time.Hour))
	if err := timer.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case <-timer.done:
	default:
		t.Fatal("goroutine still running after Close returned")
	}
	if err := timer.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	timer.Arm(fakeStart) // must not fire or block
	// The goroutine is gone, so whatever Arm did is in the channel by now.
	if ev := pending(timer.C()); ev != 0 {
		t.Errorf("closed timer sent %v", ev)
	}
}

func TestJumpedBetween(t *testing.T) {
	tests := []struct {
		name       string
		wall, mono time.Duration
		want       bool
	}{
		{"in step", 30 * time.Second, 30 * time.Second, false},
		{"drift within threshold", 32 * time.Second, 30 * time.Second, false},
		{"set forward", 33 * time.Second, 30 * time.Second, true},
		{"set back", -time.Minute, 30 * time.Second, true},
		{"suspend (monotonic paused)", 8 * time.Hour, 30 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := jumpedBetween(fakeStart, time.Minute, fakeStart.Add(tt.wall), time.Minute+tt.mono)
			if got != tt.want {
				t.Errorf("jumpedBetween = %v, want %v", got, tt.want)
			}
		})
	}
}
