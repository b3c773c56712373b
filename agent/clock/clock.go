// Package clock is the scheduler's view of wall-clock time (DESIGN §7).
//
// Alarms are wall-clock instants, so waiting for them with Go's monotonic
// timers is wrong twice over: a monotonic sleep does not advance while the
// machine is suspended, and it ignores the user setting the clock. This
// package therefore offers a Timer that fires at a wall-clock instant and
// reports clock jumps (on Linux a timerfd on CLOCK_REALTIME; elsewhere a
// bounded sleep that re-checks the wall clock), and a Location that follows
// changes of the system time zone, which Go caches once per process.
//
// The scheduler depends on the Clock interface only; System returns the real
// clock and NewFake a manual one for deterministic tests.
package clock

import (
	"fmt"
	"time"
)

// Event is what a Timer reports.
type Event int

const (
	// Fired means the armed wall-clock instant has been reached. The timer is
	// one-shot: after Fired it is disarmed until Arm is called again.
	Fired Event = iota + 1
	// Jumped means the wall clock was set (forward or back, or it moved on
	// resume on some systems); the receiver should re-evaluate everything
	// derived from the time, the zone included. The armed instant stays
	// armed unless the jump passed it; then it fired, and that Fired may
	// have coalesced into this Jumped.
	Jumped
)

// String names the event for logs.
func (e Event) String() string {
	switch e {
	case Fired:
		return "fired"
	case Jumped:
		return "jumped"
	default:
		return fmt.Sprintf("Event(%d)", int(e))
	}
}

// Timer waits for a wall-clock instant. Only one instant is armed at a time.
type Timer interface {
	// Arm sets the instant to fire at (replacing any earlier one); a zero
	// time disarms. Arming an instant already past fires promptly. It is safe
	// to call from any goroutine, also while an event is being delivered.
	Arm(at time.Time)
	// C delivers events. It is buffered 1 and events coalesce, so the sender
	// never blocks: a pending Jumped absorbs a later Fired, and a later
	// Jumped replaces a pending Fired, because re-evaluating after a jump
	// covers everything a Fired would have asked for. C is never closed.
	C() <-chan Event
	// Close releases the timer and stops its goroutine, if any. Arm after
	// Close does nothing.
	Close() error
}

// Clock is the source of wall-clock time and timers; the scheduler takes it
// as a dependency.
type Clock interface {
	// Now is wall-clock now with the monotonic reading stripped (Round(0)),
	// in Location().
	Now() time.Time
	// NewTimer returns a disarmed timer.
	NewTimer() (Timer, error)
	// Location is the current local zone, re-read when it may have changed;
	// never the time.Local cached at process start. The same pointer is
	// returned for as long as the zone stays the same.
	Location() *time.Location
	// ZoneChanges signals when the system zone may have changed. It is a nil
	// channel (blocks forever) where that is not supported. It is buffered 1
	// and signals coalesce; it is meant for a single receiver.
	ZoneChanges() <-chan struct{}
}

// deliver puts ev into the one-slot channel ch without blocking. Jumped is
// the stronger event, so it replaces a pending Fired; anything else coalesces
// with what is already pending. Callers serialise their sends per channel
// (one goroutine, or under a lock), which keeps the replace step exact.
func deliver(ch chan Event, ev Event) {
	select {
	case ch <- ev:
		return
	default:
	}
	if ev != Jumped {
		return
	}
	select {
	case <-ch:
	default:
	}
	select {
	case ch <- ev:
	default:
	}
}

// signal puts a token into the one-slot channel ch without blocking; a token
// already pending stands for this one too.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
