// Package atomicfile replaces a file so that a reader, or the agent after a crash, sees either
// the old content or the new one, never a mix or a truncated file.
//
// A write creates a temporary file in the target's directory (so that the rename cannot cross
// file systems), writes the content, fsyncs it, sets the asked mode (explicitly, so the umask
// does not matter) and renames it over the target; then it fsyncs the directory, so that the
// rename itself survives a power cut. On any failure before the rename the temporary file is
// removed and the target is untouched. A missing directory is created 0700.
//
// WriteFileSyncLater is the same write with both fsyncs left to a function the caller runs
// later: the new content is in place when it returns, and becomes durable when the caller asks.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNotDurable marks a failed fsync after the rename: the new content is in place and is what
// every reader now sees, so the write happened; only its survival across a power cut is in
// doubt. Callers may test for it with errors.Is and treat the write as done.
var ErrNotDurable = errors.New("in place but not durable")

// fsyncDir makes a rename in a directory durable; tests replace it to make it fail.
var fsyncDir = syncDir

// TempPrefix starts the name of the temporary file a write of path creates, in path's
// directory (random digits follow). A file with this prefix that is still there when no write
// runs is the trace of a crash between create and rename, and may be removed.
func TempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// WriteFile replaces path with data, with mode perm, durably: when it returns nil the new
// content survives a power cut. An error wrapping ErrNotDurable means the content is in place
// but the directory fsync failed.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	if err := write(path, data, perm, true); err != nil {
		return err
	}
	return syncDirOf(path)
}

// WriteFileSyncLater replaces path with data, with mode perm, without waiting for the disk:
// when it returns nil the new content is in place for every reader, and sync (never nil then)
// makes it durable (fsync of the file, then of the directory). Until sync has run, a power cut
// may bring back the old content, or on some file systems an empty file. An error from sync
// wraps ErrNotDurable.
func WriteFileSyncLater(path string, data []byte, perm fs.FileMode) (sync func() error, err error) {
	if err := write(path, data, perm, false); err != nil {
		return nil, err
	}
	return func() error { return syncFileAndDir(path) }, nil
}

// write puts data into a temporary file next to path and renames it over path, fsyncing the
// file first when durable. On failure path is untouched and the temporary file is gone.
func write(path string, data []byte, perm fs.FileMode, durable bool) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create directory %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, TempPrefix(path)+"*") // 0600 until the Chmod below
	if err != nil {
		return fmt.Errorf("create temporary file for %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close() // a second Close after a failed one only reports ErrClosed
			_ = os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("chmod %s: %w", tmp, err)
	}
	if durable {
		if err := f.Sync(); err != nil {
			return fmt.Errorf("sync %s: %w", tmp, err)
		}
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s to %s: %w", tmp, path, err)
	}
	return nil
}

// syncFileAndDir makes a file written by WriteFileSyncLater durable: its data, then the
// directory entry the rename changed.
func syncFileAndDir(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%w: open %s to sync it: %w", ErrNotDurable, path, err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%w: sync %s: %w", ErrNotDurable, path, err)
	}
	return syncDirOf(path)
}

func syncDirOf(path string) error {
	if err := SyncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("%w: %w", ErrNotDurable, err)
	}
	return nil
}

// SyncDir makes a rename or a removal in dir durable (a no-op where the system journals
// directory changes itself and offers no directory fsync, as on Windows).
func SyncDir(dir string) error {
	if err := fsyncDir(dir); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}
