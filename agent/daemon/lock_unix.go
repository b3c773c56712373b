//go:build unix

package daemon

import (
	"errors"

	"golang.org/x/sys/unix"
)

// lockPath is the file the flock is taken on: the pidfile itself, since flock is advisory and
// does not stop reading or writing it.
func lockPath(pidfile string) string { return pidfile }

// processExists reports whether pid names a process (possibly another user's, or a zombie).
func processExists(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}
