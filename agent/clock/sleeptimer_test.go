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

// newTestSleepTimer returns a sleeping timer on manual clocks that re-checks
// them every 5 ms of real time while armed.
func newTestSleepTimer(t *testing.T) (*sleepTimer, *manualClocks) {
	t.Helper()
	clocks := &manualClocks{wall: fakeStart}
	timer := newSleepTimer(clocks.read, 5*time.Millisecond)
	t.Cleanup(func() { _ = timer.Close() })
	return timer, clocks
}

func TestSleepTimerFiresWhenWallReachesInstant(t *testing.T) {
	timer, clocks := newTestSleepTimer(t)
	timer.Arm(fakeStart.Add(time.Hour))
	if ev := waitEvent(timer.C(), 50*time.Millisecond); ev != 0 {
		t.Fatalf("event %v before the instant", ev)
	}
	clocks.pass(time.Hour)
	if ev := waitEvent(timer.C(), time.Second); ev != Fired {
		t.Fatalf("event = %v, want Fired", ev)
	}
	if ev := waitEvent(timer.C(), 30*time.Millisecond); ev != 0 {
		t.Errorf("one-shot timer sent a second event %v", ev)
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
	timer, _ := newTestSleepTimer(t)
	timer.Arm(fakeStart.Add(-time.Minute))
	if ev := waitEvent(timer.C(), 200*time.Millisecond); ev != Fired {
		t.Fatalf("event = %v, want Fired", ev)
	}
}

func TestSleepTimerRearmReplaces(t *testing.T) {
	timer, clocks := newTestSleepTimer(t)
	timer.Arm(fakeStart.Add(time.Minute))
	timer.Arm(fakeStart.Add(time.Hour))
	clocks.pass(2 * time.Minute)
	if ev := waitEvent(timer.C(), 50*time.Millisecond); ev != 0 {
		t.Fatalf("replaced instant fired: %v", ev)
	}
	clocks.pass(time.Hour)
	if ev := waitEvent(timer.C(), time.Second); ev != Fired {
		t.Fatalf("event = %v, want Fired", ev)
	}
}

func TestSleepTimerReportsJumps(t *testing.T) {
	timer, clocks := newTestSleepTimer(t)
	timer.Arm(fakeStart.Add(24 * time.Hour))
	waitReads(t, clocks, 2) // a reference reading exists

	clocks.setWall(-time.Hour)
	if ev := waitEvent(timer.C(), time.Second); ev != Jumped {
		t.Fatalf("clock set back: event = %v, want Jumped", ev)
	}
	clocks.setWall(2 * time.Hour)
	if ev := waitEvent(timer.C(), time.Second); ev != Jumped {
		t.Fatalf("clock set forward: event = %v, want Jumped", ev)
	}
	// Drift within the threshold is not a jump.
	clocks.setWall(time.Second)
	if ev := waitEvent(timer.C(), 50*time.Millisecond); ev != 0 {
		t.Fatalf("1 s drift reported as %v", ev)
	}
	// A jump past the instant: Jumped (the Fired coalesces into it), and
	// the instant is consumed.
	clocks.setWall(48 * time.Hour)
	if ev := waitEvent(timer.C(), time.Second); ev != Jumped {
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
	timer, clocks := newTestSleepTimer(t)
	timer.Arm(fakeStart.Add(time.Hour))
	waitReads(t, clocks, 3) // it sleeps and wakes while armed
	timer.Arm(time.Time{})
	time.Sleep(20 * time.Millisecond) // let the disarm be seen
	before := clocks.readCount()
	time.Sleep(100 * time.Millisecond) // 20 sleep periods
	if after := clocks.readCount(); after != before {
		t.Errorf("disarmed timer woke %d times", after-before)
	}
	// Idle time is not taken for a jump when it is armed again.
	clocks.setWall(time.Hour)
	timer.Arm(fakeStart.Add(3 * time.Hour))
	if ev := waitEvent(timer.C(), 50*time.Millisecond); ev != 0 {
		t.Errorf("re-arming after idle reported %v", ev)
	}
}

func TestSleepTimerCloseEndsGoroutine(t *testing.T) {
	clocks := &manualClocks{wall: fakeStart}
	timer := newSleepTimer(clocks.read, 5*time.Millisecond)
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
	if ev := waitEvent(timer.C(), 30*time.Millisecond); ev != 0 {
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

// waitReads waits until the timer read the clocks at least n times.
func waitReads(t *testing.T, clocks *manualClocks, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for clocks.readCount() < n {
		if time.Now().After(deadline) {
			t.Fatalf("timer read the clocks %d times, want %d", clocks.readCount(), n)
		}
		time.Sleep(time.Millisecond)
	}
}
