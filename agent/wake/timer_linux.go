package wake

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Timer is the wake timer: a timerfd on CLOCK_REALTIME_ALARM, armed with
// TFD_TIMER_ABSTIME|TFD_TIMER_CANCEL_ON_SET at a wall-clock instant. When that instant comes
// while the machine is suspended, the kernel programs the RTC to resume it (DESIGN §15). Like the
// ring timer (agent/clock) it is non-blocking and read through Go's poller, so nothing wakes
// while it waits, and it is disarmed (no flags, off the clock-was-set list) when no alarm asks
// for a wake. It never rings anything: the ring stays on the ring timer, at its instant.
type Timer struct {
	file  *os.File
	raw   syscall.RawConn
	fired chan time.Time
	done  chan struct{}

	mu        sync.Mutex
	at        time.Time // armed instant; zero when disarmed
	lastFired time.Time // the last armed instant that expired
	closed    bool
}

// Open creates the wake timer. Without CAP_WAKE_ALARM in the effective set it does not try;
// EPERM, EINVAL and EOPNOTSUPP from the kernel mean no waking too. Every such error wraps
// ErrUnavailable and says why in one line.
func Open() (*Timer, error) {
	if !HasEffective() {
		return nil, unavailable("the agent does not hold CAP_WAKE_ALARM")
	}
	fd, err := unix.TimerfdCreate(unix.CLOCK_REALTIME_ALARM, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	switch {
	case errors.Is(err, unix.EPERM):
		return nil, unavailable("timerfd_create(CLOCK_REALTIME_ALARM): EPERM (the capability is not honoured here)")
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.EOPNOTSUPP):
		return nil, unavailable("timerfd_create(CLOCK_REALTIME_ALARM): %v (the kernel has no alarm timers or no RTC that can wake the machine)", errnoName(err))
	case err != nil:
		return nil, unavailable("timerfd_create(CLOCK_REALTIME_ALARM): %v", err)
	}
	file := os.NewFile(uintptr(fd), "wake-timerfd")
	raw, err := file.SyscallConn()
	if err != nil {
		_ = file.Close()
		return nil, fmt.Errorf("wake timerfd raw conn: %w", err)
	}
	t := &Timer{file: file, raw: raw, fired: make(chan time.Time, 1), done: make(chan struct{})}
	go t.readLoop()
	return t, nil
}

// errnoName spells an errno the way the man pages do.
func errnoName(err error) string {
	var errno unix.Errno
	if errors.As(err, &errno) {
		if name := unix.ErrnoName(errno); name != "" {
			return name
		}
	}
	return err.Error()
}

// Arm sets the wall-clock instant to wake the machine at; zero disarms. Arming the instant
// already armed makes no system call, so re-planning between alarms costs nothing.
func (t *Timer) Arm(at time.Time) {
	at = at.Round(0)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed || at.Equal(t.at) {
		return
	}
	t.at = at
	if err := t.setLocked(); err != nil {
		slog.Error("arm the wake timer", "at", at, "err", err)
	}
}

// Armed is the instant armed now, zero when disarmed.
func (t *Timer) Armed() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.at
}

// LastFired is the last armed instant that expired, zero when none has.
func (t *Timer) LastFired() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lastFired
}

// Fired delivers each armed instant as it expires (buffered 1; a pending one is replaced).
func (t *Timer) Fired() <-chan time.Time { return t.fired }

// Close releases the timerfd and waits for its reader.
func (t *Timer) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	t.mu.Unlock()
	err := t.file.Close()
	<-t.done
	if err != nil {
		return fmt.Errorf("close the wake timerfd: %w", err)
	}
	return nil
}

// setLocked programs the kernel from t.at; the caller holds t.mu.
func (t *Timer) setLocked() error {
	flags := 0
	var spec unix.ItimerSpec
	if !t.at.IsZero() {
		flags = unix.TFD_TIMER_ABSTIME | unix.TFD_TIMER_CANCEL_ON_SET
		sec, nsec := t.at.Unix(), t.at.Nanosecond()
		if sec < 0 || (sec == 0 && nsec == 0) {
			sec, nsec = 0, 1 // all zero would disarm; the past fires at once
		}
		spec.Value = unix.NsecToTimespec(sec*int64(time.Second) + int64(nsec))
	}
	var setErr error
	if err := t.raw.Control(func(fd uintptr) { setErr = unix.TimerfdSettime(int(fd), flags, &spec, nil) }); err != nil {
		return fmt.Errorf("wake timerfd control: %w", err)
	}
	if setErr != nil {
		return fmt.Errorf("timerfd_settime: %w", setErr)
	}
	return nil
}

func (t *Timer) readLoop() {
	defer close(t.done)
	var buf [8]byte
	for {
		n, err := t.file.Read(buf[:])
		switch {
		case err == nil && n == 8:
			t.expired()
		case errors.Is(err, unix.ECANCELED):
			// The clock was set. The kernel fails every read until the timer is set again; the
			// scheduler re-plans on its own timer's report and re-arms this one with its new
			// instant, but until then it stays armed at the old one.
			t.mu.Lock()
			if !t.closed {
				if err := t.setLocked(); err != nil {
					slog.Error("re-arm the wake timer after a clock change", "err", err)
				}
			}
			t.mu.Unlock()
		case errors.Is(err, os.ErrClosed):
			return
		default:
			slog.Error("wake timerfd read failed; the wake timer stopped", "n", n, "err", err)
			return
		}
	}
}

// expired records and reports the armed instant once it has been reached; an expiry left over
// from an instant Arm has since replaced is dropped.
func (t *Timer) expired() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.at.IsZero() || time.Now().Before(t.at) {
		return
	}
	at := t.at
	t.lastFired, t.at = at, time.Time{}
	select {
	case <-t.fired:
	default:
	}
	t.fired <- at
}
