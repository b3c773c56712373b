//go:build unix

package paths

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// homeNeededForDefaults reports whether adrg/xdg derives its defaults from $HOME on this
// platform (it does on Linux and macOS).
func homeNeededForDefaults() bool { return true }

// checkPrivate refuses path unless it is a directory owned by the current user with no group or
// other permission bits. what names the directory in the error ("runtime dir", "XDG_RUNTIME_DIR").
// Our own directory must not be a symlink; XDG_RUNTIME_DIR may be one (the target is checked).
func checkPrivate(path, what string) error {
	stat := os.Lstat
	if what == "XDG_RUNTIME_DIR" {
		stat = os.Stat
	}
	fi, err := stat(path)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s %s is %s, not a directory; remove it or point XDG_RUNTIME_DIR elsewhere", what, path, kindOf(fi))
	}
	if uid, ok := ownerOf(fi); ok && uid != os.Getuid() {
		return fmt.Errorf("%s %s is owned by uid %d, not by the current user (uid %d); refusing to use it", what, path, uid, os.Getuid())
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%s %s has mode %04o, which lets group or others in; fix it with: chmod 700 %s", what, path, perm, path)
	}
	return nil
}

// tightenOwnDir makes an existing directory of ours private (0700). A directory that belongs
// to someone else is refused rather than changed.
func tightenOwnDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is %s, not a directory", dir, kindOf(fi))
	}
	if uid, ok := ownerOf(fi); ok && uid != os.Getuid() {
		return fmt.Errorf("%s is owned by uid %d, not by the current user (uid %d); refusing to use it", dir, uid, os.Getuid())
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("make %s private: %w", dir, err)
		}
	}
	return nil
}

// ownerOf returns the uid that owns fi, when the platform reports one.
func ownerOf(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

// kindOf names what a non-directory is, for error messages.
func kindOf(fi fs.FileInfo) string {
	switch t := fi.Mode().Type(); {
	case t&fs.ModeSymlink != 0:
		return "a symbolic link"
	case t.IsRegular():
		return "a regular file"
	default:
		return "a special file"
	}
}
