// Platforms other than Linux (macOS, Windows, the BSDs): no timerfd, so the sleeping timer.
//go:build !linux

package clock

// newSystemTimer returns the platform's wall-clock timer: without a timerfd,
// a goroutine that sleeps at most maxSleep and re-checks the wall clock.
func newSystemTimer() (Timer, error) {
	return newSleepTimer(readSystemClock, maxSleep), nil
}
