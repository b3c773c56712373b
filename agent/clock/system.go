package clock

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// SystemClock is the real clock: the system's wall clock, its timers
// (timerfd on Linux) and its current zone. Close it to stop watching the
// zone.
type SystemClock struct {
	zone    *zoneSource
	changes <-chan struct{}
	watcher io.Closer // nil when zone changes are not watched

	closeOnce sync.Once
	closeErr  error
}

var _ Clock = (*SystemClock)(nil)

// System returns the real clock. Where zone changes cannot be watched it
// logs one line and ZoneChanges returns a nil channel; that is not an error.
func System() (*SystemClock, error) {
	return newSystemClock(defaultZoneConfig())
}

// newSystemClock builds a SystemClock on the given zone sources; tests use
// it with a temporary directory.
func newSystemClock(cfg zoneConfig) (*SystemClock, error) {
	c := &SystemClock{zone: newZoneSource(cfg)}
	if cfg.etcDir != "" && cfg.localtimePath != "" {
		c.changes, c.watcher = watchZone(cfg.etcDir, cfg.watchedNames(), c.zone.invalidate)
	}
	return c, nil
}

// Now returns wall-clock now without a monotonic reading, in Location().
func (c *SystemClock) Now() time.Time {
	return time.Now().Round(0).In(c.Location())
}

// NewTimer returns a disarmed wall-clock timer.
func (c *SystemClock) NewTimer() (Timer, error) {
	t, err := newSystemTimer()
	if err != nil {
		return nil, fmt.Errorf("new timer: %w", err)
	}
	return t, nil
}

// Location returns the system's current zone (see zoneSource for the rules).
func (c *SystemClock) Location() *time.Location { return c.zone.location() }

// ZoneChanges signals when the system zone may have changed; nil when that
// cannot be watched.
func (c *SystemClock) ZoneChanges() <-chan struct{} { return c.changes }

// Close stops watching for zone changes. Timers are closed by their owners.
func (c *SystemClock) Close() error {
	c.closeOnce.Do(func() {
		if c.watcher != nil {
			if err := c.watcher.Close(); err != nil {
				c.closeErr = fmt.Errorf("close zone watcher: %w", err)
			}
		}
	})
	return c.closeErr
}
