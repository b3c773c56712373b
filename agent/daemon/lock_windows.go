package daemon

import "os"

// lockPath is the file the lock is taken on. Windows byte-range locks are mandatory (even for
// other handles of the same process), so the PID cannot live in the locked file's first byte;
// the lock goes on a sibling file instead.
func lockPath(pidfile string) string { return pidfile + ".lock" }

// processExists reports whether pid names a process.
func processExists(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	_ = p.Release()
	return true
}
