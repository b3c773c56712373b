// Package paths is the one place that knows where alarmd keeps its files (DESIGN §2).
//
// Every path derives from the XDG base-directory variables, so tests and users can move the
// whole installation by setting them. Resolve only computes; the Ensure methods create the
// directories and check that the private ones really are private.
package paths

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/adrg/xdg"
)

// AppName is the directory name used under each XDG base directory.
const AppName = "alarmd"

// Paths holds every file and directory alarmd uses.
type Paths struct {
	ConfigFile       string // $XDG_CONFIG_HOME/alarmd/config.toml
	DataDir          string // $XDG_DATA_HOME/alarmd (0700)
	AlarmsFile       string // DataDir/alarms.json (0600)
	SoundsDir        string // DataDir/sounds
	StateDir         string // $XDG_STATE_HOME/alarmd (0700)
	LogFile          string // StateDir/alarmd.log
	HistoryFile      string // StateDir/history.jsonl
	RuntimeDir       string // $XDG_RUNTIME_DIR/alarmd, or StateDir/run without XDG_RUNTIME_DIR (0700)
	PidFile          string // RuntimeDir/alarmd.pid
	SocketFile       string // RuntimeDir/alarmd.sock
	AutostartDesktop string // $XDG_CONFIG_HOME/autostart/alarmd.desktop
	SystemdUnit      string // $XDG_CONFIG_HOME/systemd/user/alarmd.service

	// runtimeBase is $XDG_RUNTIME_DIR when it was used, "" when RuntimeDir is the fallback
	// under StateDir. EnsureRuntimeDir checks it too: a private subdirectory inside a directory
	// someone else controls is not private.
	runtimeBase string
}

// xdgMu serialises xdg.Reload, which rewrites adrg/xdg's package variables; without it two
// concurrent Resolve calls would race. No other alarmd package reads those variables.
var xdgMu sync.Mutex

// Resolve computes the paths from the current environment. It creates nothing.
//
// adrg/xdg reads the environment once, at init. Resolve calls xdg.Reload first so that it sees
// the environment as it is now (tests set the variables with t.Setenv, after init), and keeps
// adrg/xdg's platform defaults (~/.local/share, ~/Library/Application Support, %LOCALAPPDATA%)
// and its rule that a relative value is invalid and falls back to the default. The runtime
// directory is the exception: adrg/xdg substitutes a guess (/run/user/UID) when
// XDG_RUNTIME_DIR is unset, but DESIGN §2 wants StateDir/run then, so that variable is inspected
// here as well.
func Resolve() (Paths, error) {
	xdgMu.Lock()
	xdg.Reload()
	configHome, dataHome, stateHome, runtimeHome := xdg.ConfigHome, xdg.DataHome, xdg.StateHome, xdg.RuntimeDir
	xdgMu.Unlock()

	if err := checkHome(); err != nil {
		return Paths{}, err
	}
	for _, b := range []struct{ name, dir string }{
		{"XDG_CONFIG_HOME", configHome},
		{"XDG_DATA_HOME", dataHome},
		{"XDG_STATE_HOME", stateHome},
	} {
		if !filepath.IsAbs(b.dir) {
			return Paths{}, fmt.Errorf("resolve paths: %s resolved to %q, which is not an absolute path", b.name, b.dir)
		}
	}

	var p Paths
	p.ConfigFile = filepath.Join(configHome, AppName, "config.toml")
	p.DataDir = filepath.Join(dataHome, AppName)
	p.AlarmsFile = filepath.Join(p.DataDir, "alarms.json")
	p.SoundsDir = filepath.Join(p.DataDir, "sounds")
	p.StateDir = filepath.Join(stateHome, AppName)
	p.LogFile = filepath.Join(p.StateDir, "alarmd.log")
	p.HistoryFile = filepath.Join(p.StateDir, "history.jsonl")
	if runtimeFromEnv() && filepath.IsAbs(runtimeHome) {
		p.runtimeBase = filepath.Clean(runtimeHome)
		p.RuntimeDir = filepath.Join(p.runtimeBase, AppName)
	} else {
		p.RuntimeDir = filepath.Join(p.StateDir, "run")
	}
	p.PidFile = filepath.Join(p.RuntimeDir, "alarmd.pid")
	p.SocketFile = filepath.Join(p.RuntimeDir, "alarmd.sock")
	p.AutostartDesktop = filepath.Join(configHome, "autostart", "alarmd.desktop")
	p.SystemdUnit = filepath.Join(configHome, "systemd", "user", "alarmd.service")
	return p, nil
}

// runtimeFromEnv reports whether adrg/xdg took RuntimeDir from XDG_RUNTIME_DIR rather than from
// its default: the variable is set and is absolute, or starts with one of the two home
// prefixes adrg/xdg expands ("~" and "$HOME").
func runtimeFromEnv() bool {
	v := os.Getenv("XDG_RUNTIME_DIR")
	return filepath.IsAbs(v) || strings.HasPrefix(v, "~") || strings.HasPrefix(v, "$HOME")
}

// checkHome refuses to resolve when a default would be needed but the home directory is
// unknown: adrg/xdg then silently uses "/", and alarmd would try to write to /.local/share.
func checkHome() error {
	if !homeNeededForDefaults() {
		return nil
	}
	if _, err := os.UserHomeDir(); err == nil {
		return nil
	}
	for _, name := range []string{"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"} {
		if !filepath.IsAbs(os.Getenv(name)) {
			return fmt.Errorf("resolve paths: HOME is not set and %s is not an absolute path; set HOME or the XDG_* variables", name)
		}
	}
	return nil
}

// List returns (name, path) pairs in a stable order, for `alarmd paths`.
func (p Paths) List() [][2]string {
	return [][2]string{
		{"config", p.ConfigFile},
		{"data", p.DataDir},
		{"alarms", p.AlarmsFile},
		{"sounds", p.SoundsDir},
		{"state", p.StateDir},
		{"log", p.LogFile},
		{"history", p.HistoryFile},
		{"runtime", p.RuntimeDir},
		{"pidfile", p.PidFile},
		{"socket", p.SocketFile},
		{"autostart", p.AutostartDesktop},
		{"systemd-unit", p.SystemdUnit},
	}
}

// EnsureDataDir creates DataDir with mode 0700, and tightens it to 0700 if it exists with a
// wider mode and belongs to the current user.
func (p Paths) EnsureDataDir() error {
	if err := ensureOwnDir(p.DataDir); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	return nil
}

// EnsureStateDir creates StateDir with mode 0700, and tightens it to 0700 if it exists with a
// wider mode and belongs to the current user.
func (p Paths) EnsureStateDir() error {
	if err := ensureOwnDir(p.StateDir); err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	return nil
}

// EnsureRuntimeDir creates RuntimeDir (and missing parents) with mode 0700 and then refuses it,
// with an error naming the directory and what is wrong, when it or $XDG_RUNTIME_DIR is not a
// directory owned by the current user or is accessible to group or others. Unlike the data and
// state directories, a too-open runtime directory is not silently fixed: the socket and pidfile
// in it may already have been exposed, or someone else set it up that way, so the user decides.
func (p Paths) EnsureRuntimeDir() error {
	if p.RuntimeDir == "" {
		return errors.New("runtime dir: path is empty")
	}
	if p.runtimeBase == "" {
		// Fallback under StateDir: that one is ours, so make sure it exists privately first.
		if err := p.EnsureStateDir(); err != nil {
			return fmt.Errorf("runtime dir: %w", err)
		}
	} else {
		if err := os.MkdirAll(p.runtimeBase, 0o700); err != nil {
			return fmt.Errorf("runtime dir: create XDG_RUNTIME_DIR: %w", err)
		}
		if err := checkPrivate(p.runtimeBase, "XDG_RUNTIME_DIR"); err != nil {
			return fmt.Errorf("runtime dir: %w", err)
		}
	}
	if err := os.Mkdir(p.RuntimeDir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("runtime dir: %w", err)
	}
	if err := checkPrivate(p.RuntimeDir, "runtime dir"); err != nil {
		return err // it already says "runtime dir …"
	}
	return nil
}

// ensureOwnDir creates dir 0700 (parents too) and tightens an existing one we own.
func ensureOwnDir(dir string) error {
	if dir == "" {
		return errors.New("path is empty")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return tightenOwnDir(dir)
}
