package clock

import (
	"errors"
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func newTestTimerfd(t *testing.T) *timerfdTimer {
	t.Helper()
	timer, err := newTimerfdTimer()
	if err != nil {
		t.Fatalf("newTimerfdTimer: %v", err)
	}
	t.Cleanup(func() { _ = timer.Close() })
	return timer
}

// kernelArmed reads the timerfd's remaining time from the kernel.
func kernelArmed(t *testing.T, timer *timerfdTimer) bool {
	t.Helper()
	var spec unix.ItimerSpec
	var getErr error
	if err := timer.raw.Control(func(fd uintptr) {
		getErr = unix.TimerfdGettime(int(fd), &spec)
	}); err != nil {
		t.Fatalf("control: %v", err)
	}
	if getErr != nil {
		t.Fatalf("timerfd_gettime: %v", getErr)
	}
	return spec.Value.Sec != 0 || spec.Value.Nsec != 0
}

func TestTimerfdFiresAtInstant(t *testing.T) {
	timer := newTestTimerfd(t)
	at := time.Now().Add(50 * time.Millisecond)
	timer.Arm(at)
	if ev := waitEvent(timer.C(), time.Second); ev != Fired {
		t.Fatalf("event = %v, want Fired", ev)
	}
	if now := time.Now(); now.Before(at) {
		t.Errorf("fired %v early", at.Sub(now))
	}
	// Fired cleared the instant, and with no instant neither an expiry nor a clock change
	// delivers anything: a second event would be in the channel already.
	if ev := pending(timer.C()); ev != 0 || kernelArmed(t, timer) {
		t.Errorf("one-shot timer: second event %v, kernel timer armed %v", ev, kernelArmed(t, timer))
	}
}

func TestTimerfdPastFiresPromptly(t *testing.T) {
	timer := newTestTimerfd(t)
	start := time.Now()
	timer.Arm(start.Add(-time.Hour))
	if ev := waitEvent(timer.C(), time.Second); ev != Fired {
		t.Fatalf("event = %v, want Fired", ev)
	}
	if took := time.Since(start); took > 200*time.Millisecond {
		t.Errorf("past instant took %v to fire", took)
	}
	// Instants at or before the epoch are valid "past" too.
	timer.Arm(time.Unix(0, 0))
	if ev := waitEvent(timer.C(), time.Second); ev != Fired {
		t.Fatalf("epoch: event = %v, want Fired", ev)
	}
	timer.Arm(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC))
	if ev := waitEvent(timer.C(), time.Second); ev != Fired {
		t.Fatalf("before epoch: event = %v, want Fired", ev)
	}
}

func TestTimerfdRearmReplaces(t *testing.T) {
	timer := newTestTimerfd(t)
	timer.Arm(time.Now().Add(40 * time.Millisecond))
	later := time.Now().Add(250 * time.Millisecond)
	timer.Arm(later)
	if ev := waitEvent(timer.C(), time.Second); ev != Fired {
		t.Fatalf("event = %v, want Fired", ev)
	}
	if now := time.Now(); now.Before(later) {
		t.Errorf("fired %v before the replacing instant: the first instant was not replaced", later.Sub(now))
	}

	// And a far instant replaced by a near one fires near.
	timer.Arm(time.Now().Add(time.Hour))
	timer.Arm(time.Now().Add(30 * time.Millisecond))
	if ev := waitEvent(timer.C(), time.Second); ev != Fired {
		t.Fatalf("near replacement: event = %v, want Fired", ev)
	}
}

func TestTimerfdDisarm(t *testing.T) {
	timer := newTestTimerfd(t)
	timer.Arm(time.Now().Add(time.Hour))
	timer.Arm(time.Time{})
	if kernelArmed(t, timer) {
		t.Error("kernel timer still armed after Arm(zero)")
	}
	// With no instant, neither an expiry nor a clock change delivers anything (see
	// TestTimerfdStaleExpiryIgnored and TestTimerfdCanceledWhileDisarmedIsSilent).
	if ev := pending(timer.C()); ev != 0 {
		t.Errorf("disarmed timer sent %v", ev)
	}
}

func TestTimerfdCloseEndsReader(t *testing.T) {
	timer, err := newTimerfdTimer()
	if err != nil {
		t.Fatalf("newTimerfdTimer: %v", err)
	}
	timer.Arm(time.Now().Add(time.Hour))
	if err := timer.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case <-timer.done:
	default:
		t.Fatal("reader goroutine still running after Close returned")
	}
	if err := timer.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	logs := captureLogs(t)
	timer.Arm(time.Now()) // must neither fire nor complain
	// The reader is gone, so whatever Arm did is in the channel by now.
	if ev := pending(timer.C()); ev != 0 {
		t.Errorf("closed timer sent %v", ev)
	}
	if logs.Len() != 0 {
		t.Errorf("Arm after Close logged: %s", logs)
	}
}

func TestTimerfdArmConcurrentWithRead(t *testing.T) {
	timer := newTestTimerfd(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			timer.Arm(time.Now().Add(time.Duration(i%3) * time.Millisecond))
		}
	}()
	<-done
	timer.Arm(time.Now().Add(10 * time.Millisecond))
	// Whatever coalesced meanwhile, the last instant fires.
	deadline := time.After(time.Second)
	for {
		select {
		case ev := <-timer.C():
			if ev == Fired && !kernelArmed(t, timer) {
				return
			}
		case <-deadline:
			t.Fatal("no Fired for the last instant")
		}
	}
}

func TestClassifyRead(t *testing.T) {
	pathErr := func(err error) error { return &os.PathError{Op: "read", Path: "timerfd", Err: err} }
	tests := []struct {
		name string
		n    int
		err  error
		want readOutcome
	}{
		{"expiry count", 8, nil, readExpired},
		{"clock set", 0, pathErr(syscall.ECANCELED), readCanceled},
		{"closed", 0, pathErr(os.ErrClosed), readClosed},
		{"short read", 4, nil, readFailed},
		{"eof", 0, io.EOF, readFailed},
		{"other errno", 0, pathErr(syscall.EINVAL), readFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classifyRead(tt.n, tt.err); got != tt.want {
				t.Errorf("classifyRead(%d, %v) = %v, want %v", tt.n, tt.err, got, tt.want)
			}
		})
	}
}

// The system clock may not be set in tests (other things run on the
// machine), so ECANCELED is fed to the read handling directly.
func TestTimerfdCanceledReportsJumpAndRearms(t *testing.T) {
	timer := newTestTimerfd(t)
	timer.Arm(time.Now().Add(time.Hour))
	canceled := &os.PathError{Op: "read", Path: "timerfd", Err: syscall.ECANCELED}
	if !timer.handleRead(0, canceled) {
		t.Fatal("handleRead(ECANCELED) stopped the reader")
	}
	if ev := waitEvent(timer.C(), time.Second); ev != Jumped {
		t.Fatalf("event = %v, want Jumped", ev)
	}
	if !kernelArmed(t, timer) {
		t.Error("timer not re-armed after ECANCELED")
	}
}

func TestTimerfdCanceledWhileDisarmedIsSilent(t *testing.T) {
	timer := newTestTimerfd(t)
	canceled := &os.PathError{Op: "read", Path: "timerfd", Err: syscall.ECANCELED}
	if !timer.handleRead(0, canceled) {
		t.Fatal("handleRead(ECANCELED) stopped the reader")
	}
	// handleRead delivers before it returns, and the never-armed kernel timer gives the reader
	// nothing to deliver.
	if ev := pending(timer.C()); ev != 0 {
		t.Errorf("disarmed timer sent %v", ev)
	}
}

func TestTimerfdStaleExpiryIgnored(t *testing.T) {
	timer := newTestTimerfd(t)
	// An expiry read after Arm moved the instant into the future is stale.
	timer.Arm(time.Now().Add(time.Hour))
	timer.handleRead(8, nil)
	// So is one read after the timer was disarmed.
	timer.Arm(time.Time{})
	timer.handleRead(8, nil)
	// handleRead delivers before it returns; the disarmed kernel timer gives the reader nothing.
	if ev := pending(timer.C()); ev != 0 {
		t.Errorf("stale expiry reported as %v", ev)
	}
}

func TestTimerfdReadFailureSurfacesInClose(t *testing.T) {
	timer, err := newTimerfdTimer()
	if err != nil {
		t.Fatalf("newTimerfdTimer: %v", err)
	}
	if timer.handleRead(0, syscall.EIO) {
		t.Error("handleRead(EIO) wants to keep reading")
	}
	if err := timer.Close(); !errors.Is(err, syscall.EIO) {
		t.Errorf("Close = %v, want the reader's EIO", err)
	}
}

func TestAbsoluteTimespec(t *testing.T) {
	first := unix.NsecToTimespec(1)
	tests := []struct {
		at   time.Time
		want unix.Timespec
	}{
		{time.Unix(0, 0), first},
		{time.Unix(-5, 0), first},
		{time.Unix(0, 7), unix.NsecToTimespec(7)},
		{time.Unix(1_800_000_000, 123), unix.NsecToTimespec(1_800_000_000_000_000_123)},
	}
	for _, tt := range tests {
		if got := absoluteTimespec(tt.at); got != tt.want {
			t.Errorf("absoluteTimespec(%v) = %+v, want %+v", tt.at, got, tt.want)
		}
	}
}

func TestSystemClockTimerIsTimerfd(t *testing.T) {
	c, err := System()
	if err != nil {
		t.Fatalf("System: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	timer, err := c.NewTimer()
	if err != nil {
		t.Fatalf("NewTimer: %v", err)
	}
	defer func() { _ = timer.Close() }()
	if _, ok := timer.(*timerfdTimer); !ok {
		t.Errorf("NewTimer on Linux = %T, want *timerfdTimer", timer)
	}
}

// The reader must park in Go's poller rather than block a thread in read(2);
// only pollable files accept deadlines.
func TestTimerfdIsPolled(t *testing.T) {
	timer := newTestTimerfd(t)
	if err := timer.file.SetReadDeadline(time.Time{}); err != nil {
		t.Errorf("timerfd is not in the poller: %v", err)
	}
}
