//go:build windows

package paths

import (
	"fmt"
	"os"
)

// homeNeededForDefaults reports whether adrg/xdg derives its defaults from $HOME on this
// platform. On Windows they come from the known folders (%LOCALAPPDATA% and friends).
func homeNeededForDefaults() bool { return false }

// checkPrivate only checks that path is a directory. Windows has no Unix owner or mode bits
// (os.Stat reports 0777 for every directory); the per-user profile directories that the
// defaults live in are protected by their ACLs instead.
func checkPrivate(path, what string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s %s is not a directory", what, path)
	}
	return nil
}

// tightenOwnDir only checks that dir is a directory; see checkPrivate.
func tightenOwnDir(dir string) error { return checkPrivate(dir, "directory") }
