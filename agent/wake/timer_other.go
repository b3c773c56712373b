//go:build !linux

package wake

import "time"

// Timer is the wake timer; only Linux has one (CLOCK_REALTIME_ALARM). Elsewhere Open always
// fails and the methods do nothing.
type Timer struct{}

// Open reports that waking is not available on this platform.
func Open() (*Timer, error) {
	return nil, unavailable("waking the computer for an alarm is built for Linux only")
}

func (t *Timer) Arm(time.Time)           {}
func (t *Timer) Armed() time.Time        { return time.Time{} }
func (t *Timer) LastFired() time.Time    { return time.Time{} }
func (t *Timer) Fired() <-chan time.Time { return nil }
func (t *Timer) Close() error            { return nil }
