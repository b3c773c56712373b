//go:build !linux

package wake

import (
	"fmt"
	"os"
	"path/filepath"
)

// HasEffective is false: capabilities are a Linux matter.
func HasEffective() bool { return false }

// FileHasCap is false: there are no file capabilities here.
func FileHasCap(string) (bool, error) { return false, nil }

// DropInheritable has nothing to drop here.
func DropInheritable() error { return nil }

// Binary is the real path of the running executable.
func Binary() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find this binary: %w", err)
	}
	if real, err := filepath.EvalSymlinks(exe); err == nil {
		exe = real
	}
	return exe, nil
}
