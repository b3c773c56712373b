package daemon

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// pidWaitWindow bounds how long a loser of the lock waits for the holder to write its PID: the
// holder writes it right after locking, so an empty file only means we looked in between.
// A variable so tests can shorten it.
var pidWaitWindow = 500 * time.Millisecond

// pidRetryInterval is the pause between looks during pidWaitWindow. A file's contents have no
// change notification worth wiring up for a window this short.
const pidRetryInterval = 10 * time.Millisecond

// Lock is the agent's single-instance pidfile: an exclusive flock held for the agent's whole
// life. The file is never unlinked, not even by Release, because unlinking a locked file would
// let a second agent lock a new file of the same name; a stale file with no holder is simply
// taken over by the next agent.
type Lock struct {
	path  string
	flock *flock.Flock
}

// RunningError says another agent holds the pidfile. PID is 0 when it could not be read.
type RunningError struct {
	PID int
}

// Error returns "already running (pid N)".
func (e *RunningError) Error() string {
	if e.PID <= 0 {
		return "already running (pid unknown)"
	}
	return fmt.Sprintf("already running (pid %d)", e.PID)
}

// AcquireLock takes the pidfile at path (created 0600, its directory 0700 if missing) and
// writes this process's PID into it. If another process holds it, it returns *RunningError
// with that process's PID.
func AcquireLock(path string) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("pidfile directory: %w", err)
	}
	fl := flock.New(lockPath(path), flock.SetPermissions(0o600))
	locked, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock pidfile %s: %w", path, err)
	}
	if !locked {
		return nil, &RunningError{PID: waitForHolderPID(path)}
	}
	if err := writePID(path, os.Getpid()); err != nil {
		_ = fl.Unlock()
		return nil, fmt.Errorf("write pidfile %s: %w", path, err)
	}
	return &Lock{path: path, flock: fl}, nil
}

// Release drops the lock. The file stays (see Lock). Releasing a nil or released Lock is a
// no-op.
func (l *Lock) Release() error {
	if l == nil {
		return nil
	}
	if err := l.flock.Unlock(); err != nil {
		return fmt.Errorf("unlock pidfile %s: %w", l.path, err)
	}
	return nil
}

// Holder reports the PID of the process holding the pidfile at path without keeping the lock:
// 0, nil when nobody holds it (or the file does not exist; it is not created).
func Holder(path string) (int, error) {
	// A shared lock is enough to probe: it fails while an agent holds its exclusive lock, and
	// two concurrent probes (status and doctor) do not trip over each other.
	fl := flock.New(lockPath(path), flock.SetFlag(os.O_RDONLY))
	free, err := fl.TryRLock()
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("probe pidfile %s: %w", path, err)
	}
	if free {
		if err := fl.Unlock(); err != nil {
			return 0, fmt.Errorf("probe pidfile %s: %w", path, err)
		}
		return 0, nil
	}
	pid := waitForHolderPID(path)
	if pid == 0 {
		return 0, fmt.Errorf("pidfile %s is locked but names no running process", path)
	}
	return pid, nil
}

// waitForHolderPID reads the holder's PID, retrying for up to pidWaitWindow while the file is
// empty or names a dead process: a new holder may be between its lock and its write, with the
// previous (killed) agent's PID still in the file. It returns 0 if no live PID appeared.
func waitForHolderPID(path string) int {
	deadline := time.Now().Add(pidWaitWindow)
	for {
		if pid := readPID(path); pid > 0 && processExists(pid) {
			return pid
		}
		if !time.Now().Before(deadline) {
			return 0
		}
		time.Sleep(pidRetryInterval)
	}
}

// readPID returns the PID in the pidfile, or 0 if it is missing, empty or not a number.
func readPID(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// writePID replaces the pidfile's contents with pid. It must rewrite the locked file in place
// (truncate, write, fsync) rather than write-and-rename: a renamed-in file would be a new inode
// that nobody holds a lock on.
func writePID(path string, pid int) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	// A pidfile left by an older version may have a looser mode.
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteString(strconv.Itoa(pid) + "\n"); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Close()
}
