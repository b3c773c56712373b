package clock

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// newSystemTimer returns the platform's wall-clock timer: on Linux a timerfd.
func newSystemTimer() (Timer, error) {
	return newTimerfdTimer()
}

// timerfdTimer waits with a timerfd on CLOCK_REALTIME armed with
// TFD_TIMER_ABSTIME|TFD_TIMER_CANCEL_ON_SET. The kernel fires it at the
// wall-clock instant, also when that passed during suspend, and fails reads
// with ECANCELED when the clock is set. The fd is non-blocking and wrapped
// in an *os.File, so the reader goroutine parks in Go's poller: no thread is
// blocked and, while disarmed, nothing wakes at all.
type timerfdTimer struct {
	file   *os.File
	raw    syscall.RawConn // for timerfd_settime while a Read is pending
	events chan Event
	done   chan struct{} // closed when the reader goroutine has exited

	mu      sync.Mutex
	at      time.Time // armed instant; zero when disarmed
	closed  bool      // Close has begun: the fd must not be used
	readErr error     // why the reader stopped early, if it did

	closeOnce sync.Once
	closeErr  error
}

func newTimerfdTimer() (*timerfdTimer, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_REALTIME, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("create timerfd: %w", err)
	}
	file := os.NewFile(uintptr(fd), "timerfd")
	raw, err := file.SyscallConn()
	if err != nil {
		_ = file.Close()
		return nil, fmt.Errorf("timerfd raw conn: %w", err)
	}
	t := &timerfdTimer{
		file:   file,
		raw:    raw,
		events: make(chan Event, 1),
		done:   make(chan struct{}),
	}
	go t.readLoop()
	return t, nil
}

func (t *timerfdTimer) Arm(at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	t.at = at.Round(0)
	if err := t.setLocked(); err != nil {
		slog.Error("arm timer", "at", at, "err", err)
	}
}

func (t *timerfdTimer) C() <-chan Event { return t.events }

// Close closes the fd, which wakes the pending Read with os.ErrClosed, and
// waits for the reader goroutine to exit.
func (t *timerfdTimer) Close() error {
	t.closeOnce.Do(func() {
		t.mu.Lock()
		t.closed = true
		t.at = time.Time{}
		t.mu.Unlock()
		if err := t.file.Close(); err != nil {
			t.closeErr = fmt.Errorf("close timerfd: %w", err)
		}
		<-t.done
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.closeErr == nil && t.readErr != nil {
			t.closeErr = fmt.Errorf("timerfd reader had stopped: %w", t.readErr)
		}
	})
	return t.closeErr
}

// setLocked programs the kernel timer from t.at. Disarming uses no flags, so
// a disarmed timer is also off the kernel's clock-was-set list: idle means no
// wakeups, not even for clock changes nobody waits for. The caller holds t.mu.
func (t *timerfdTimer) setLocked() error {
	flags := 0
	var spec unix.ItimerSpec
	if !t.at.IsZero() {
		flags = unix.TFD_TIMER_ABSTIME | unix.TFD_TIMER_CANCEL_ON_SET
		spec.Value = absoluteTimespec(t.at)
	}
	var setErr error
	err := t.raw.Control(func(fd uintptr) {
		setErr = unix.TimerfdSettime(int(fd), flags, &spec, nil)
	})
	if err != nil {
		return fmt.Errorf("timerfd control: %w", err)
	}
	if setErr != nil {
		return fmt.Errorf("timerfd_settime: %w", setErr)
	}
	return nil
}

// absoluteTimespec converts a wall-clock instant for TFD_TIMER_ABSTIME. The
// kernel rejects negative seconds and reads an all-zero value as "disarm",
// so instants at or before the epoch become its first nanosecond, which is
// just as past and fires at once. Where time_t is 32 bits, instants beyond
// its range become its last second: still far enough to never fire early.
func absoluteTimespec(at time.Time) unix.Timespec {
	sec, nsec := at.Unix(), at.Nanosecond()
	if sec < 0 || (sec == 0 && nsec == 0) {
		return unix.NsecToTimespec(1)
	}
	ts, err := unix.TimeToTimespec(at)
	if err != nil {
		ts, _ = unix.TimeToTimespec(time.Unix(math.MaxInt32, 0))
	}
	return ts
}

// readOutcome classifies one Read of the timerfd.
type readOutcome int

const (
	readExpired  readOutcome = iota + 1 // 8 bytes: the expiry count
	readCanceled                        // ECANCELED: the clock was set
	readClosed                          // the file was closed: stop
	readFailed                          // anything else: unexpected
)

// classifyRead maps the result of reading the timerfd to what it means. EAGAIN
// and EINTR never get here: the poller retries those.
func classifyRead(n int, err error) readOutcome {
	switch {
	case err == nil && n == 8:
		return readExpired
	case errors.Is(err, unix.ECANCELED):
		return readCanceled
	case errors.Is(err, os.ErrClosed):
		return readClosed
	default:
		return readFailed
	}
}

func (t *timerfdTimer) readLoop() {
	defer close(t.done)
	var buf [8]byte
	for {
		n, err := t.file.Read(buf[:])
		if !t.handleRead(n, err) {
			return
		}
	}
}

// handleRead acts on one read result and reports whether to keep reading.
func (t *timerfdTimer) handleRead(n int, err error) bool {
	switch classifyRead(n, err) {
	case readExpired:
		t.expired()
		return true
	case readCanceled:
		t.canceled()
		return true
	case readClosed:
		return false
	default:
		if err == nil {
			err = fmt.Errorf("short read of %d bytes", n)
		}
		slog.Error("timerfd read failed; timer stopped", "err", err)
		t.mu.Lock()
		t.readErr = err
		t.mu.Unlock()
		return false
	}
}

// expired reports Fired unless the expiry is stale: Arm may have replaced the
// instant between the kernel's expiry and this read, and the kernel's own
// expiry for a past instant may follow one already reported. Fired is only
// sent while the instant armed now has been reached.
func (t *timerfdTimer) expired() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.at.IsZero() || time.Now().Before(t.at) {
		return
	}
	t.at = time.Time{}
	deliver(t.events, Fired)
}

// canceled handles ECANCELED. After a clock change the kernel keeps failing
// reads until the timer is set again, so it is re-armed with the same
// instant (which then fires at once if the jump passed it), and Jumped tells
// the receiver to re-evaluate.
func (t *timerfdTimer) canceled() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	if err := t.setLocked(); err != nil {
		slog.Error("re-arm timer after clock change", "err", err)
	}
	if !t.at.IsZero() {
		deliver(t.events, Jumped)
	}
}
