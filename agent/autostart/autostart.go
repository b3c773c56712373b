// Package autostart starts alarmd at login (DESIGN §9): an XDG autostart entry or a systemd user
// unit on Linux, a LaunchAgent on macOS, the HKCU Run value on Windows.
//
// Each mechanism is a backend that can write its entry, remove it and read it back. A Manager
// holds the backends of the platform and keeps at most one of them enabled: enabling one kind
// removes the others, so the agent is never started twice at login. Reading an entry back
// tells which binary it starts, so `status` and `doctor` can say when it points at a binary
// that was moved or deleted, and enabling again rewrites the path.
package autostart

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"alarmd/agent/atomicfile"
)

// Kind names an autostart mechanism.
type Kind string

// The mechanisms. Which ones a platform has is decided by platformBackends.
const (
	// XDG is $XDG_CONFIG_HOME/autostart/alarmd.desktop, started by the desktop session.
	XDG Kind = "xdg"
	// Systemd is the user unit $XDG_CONFIG_HOME/systemd/user/alarmd.service.
	Systemd Kind = "systemd"
	// Launchd is ~/Library/LaunchAgents/<label>.plist on macOS.
	Launchd Kind = "launchd"
	// Registry is the "alarmd" value under HKCU\Software\Microsoft\Windows\CurrentVersion\Run.
	Registry Kind = "registry"
)

// ErrUnsupported is returned when a kind does not exist on this platform.
var ErrUnsupported = errors.New("not available on this platform")

// Entry is one autostart entry as found on disk or in the registry.
type Entry struct {
	Kind Kind `json:"kind"`
	// Location is the entry's file, or the registry key and value name.
	Location string `json:"location"`
	// Command is the command line as written in the entry.
	Command string `json:"command"`
	// Target is the program the entry starts ("" when Command could not be parsed).
	Target string `json:"target"`
	// TargetExists reports whether Target is an existing file.
	TargetExists bool `json:"target_exists"`
	// Current reports whether Target is this alarmd binary.
	Current bool `json:"current"`
	// Notes are further facts worth showing, e.g. "disabled in the session settings" or the
	// systemctl state.
	Notes []string `json:"notes,omitempty"`
}

// Stale reports whether the entry starts some other program than this binary.
func (e Entry) Stale() bool { return !e.Current }

// Status is what `autostart status` shows.
type Status struct {
	// Exe is this binary, the one enable would write.
	Exe string `json:"exe"`
	// Entries are the autostart entries found; normally zero or one.
	Entries []Entry `json:"entries"`
}

// Active returns the first entry found and whether there is one.
func (s Status) Active() (Entry, bool) {
	if len(s.Entries) == 0 {
		return Entry{}, false
	}
	return s.Entries[0], true
}

// Result is what Enable and Disable did.
type Result struct {
	// Written is the entry Enable wrote (zero for Disable).
	Written Entry
	// Removed lists the locations of entries that were removed.
	Removed []string
	// Notes are things the user should know, such as systemctl --user not being available.
	Notes []string
}

// backend is one autostart mechanism.
type backend interface {
	kind() Kind
	// write creates or replaces the entry so that it starts exe; notes go to the user.
	write(ctx context.Context, exe string) (location string, notes []string, err error)
	// remove deletes the entry; location is "" when there was none.
	remove(ctx context.Context) (location string, notes []string, err error)
	// read returns the entry and true, or false when there is none. Target, Command and
	// Notes are filled; TargetExists and Current are the Manager's business.
	read(ctx context.Context) (Entry, bool, error)
}

// Manager enables, disables and inspects alarmd's autostart entries.
type Manager struct {
	// Exe is the absolute path of this alarmd binary, symlinks resolved.
	Exe      string
	backends []backend
}

// New returns the Manager for this platform and this binary.
func New(opts Options) (*Manager, error) {
	exe := opts.Exe
	if exe == "" {
		var err error
		if exe, err = Executable(); err != nil {
			return nil, err
		}
	}
	bs, err := platformBackends(opts)
	if err != nil {
		return nil, fmt.Errorf("autostart: %w", err)
	}
	return &Manager{Exe: exe, backends: bs}, nil
}

// Options configure New. The zero value is right for the command line; tests set the fields
// to work in a temporary directory.
type Options struct {
	// ConfigHome is $XDG_CONFIG_HOME; "" resolves it through alarmd/agent/paths.
	ConfigHome string
	// Home is the home directory (macOS LaunchAgents); "" uses os.UserHomeDir.
	Home string
	// Exe overrides the binary that entries start; "" uses Executable.
	Exe string
	// Systemctl runs `systemctl ARGS...` and returns its combined output; nil runs the real
	// command with a timeout.
	Systemctl func(ctx context.Context, args ...string) ([]byte, error)
}

// Executable returns this binary's absolute path with symlinks resolved, which is what an
// entry must name: a symlink such as ~/.local/bin/alarmd may later point elsewhere, and
// comparing resolved paths is what tells a stale entry from a current one.
func Executable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find this executable: %w", err)
	}
	resolved, err := filepath.EvalSymlinks(exe)
	if err != nil {
		return "", fmt.Errorf("resolve this executable %s: %w", exe, err)
	}
	abs, err := filepath.Abs(resolved)
	if err != nil {
		return "", fmt.Errorf("resolve this executable %s: %w", exe, err)
	}
	return abs, nil
}

// Kinds lists the kinds this platform offers, the default first.
func (m *Manager) Kinds() []Kind {
	out := make([]Kind, 0, len(m.backends))
	for _, b := range m.backends {
		out = append(out, b.kind())
	}
	return out
}

// Default returns the kind Enable uses when none is asked for.
func (m *Manager) Default() Kind {
	if len(m.backends) == 0 {
		return ""
	}
	return m.backends[0].kind()
}

func (m *Manager) backend(k Kind) (backend, error) {
	for _, b := range m.backends {
		if b.kind() == k {
			return b, nil
		}
	}
	return nil, fmt.Errorf("autostart kind %q: %w", k, ErrUnsupported)
}

// Enable writes the entry of kind k ("" for the platform's default) for this binary,
// replacing one that names another path, and then removes the entries of every other kind,
// so that only one mechanism starts the agent.
func (m *Manager) Enable(ctx context.Context, k Kind) (Result, error) {
	if k == "" {
		k = m.Default()
	}
	b, err := m.backend(k)
	if err != nil {
		return Result{}, err
	}
	var res Result
	loc, notes, err := b.write(ctx, m.Exe)
	if err != nil {
		return res, fmt.Errorf("enable %s autostart: %w", k, err)
	}
	res.Notes = append(res.Notes, notes...)
	for _, other := range m.backends {
		if other.kind() == k {
			continue
		}
		removed, notes, err := other.remove(ctx)
		res.Notes = append(res.Notes, notes...)
		if err != nil {
			return res, fmt.Errorf("enable %s autostart: remove the %s entry: %w", k, other.kind(), err)
		}
		if removed != "" {
			res.Removed = append(res.Removed, removed)
		}
	}
	e, ok, err := b.read(ctx)
	if err != nil || !ok {
		// What was just written does not read back: report the write, not a mystery.
		e = Entry{Kind: k, Location: loc, Target: m.Exe}
	}
	res.Written = m.complete(e)
	return res, nil
}

// Disable removes every autostart entry of alarmd. Having none is not an error.
func (m *Manager) Disable(ctx context.Context) (Result, error) {
	var res Result
	var errs []error
	for _, b := range m.backends {
		loc, notes, err := b.remove(ctx)
		res.Notes = append(res.Notes, notes...)
		if err != nil {
			errs = append(errs, fmt.Errorf("disable %s autostart: %w", b.kind(), err))
			continue
		}
		if loc != "" {
			res.Removed = append(res.Removed, loc)
		}
	}
	return res, errors.Join(errs...)
}

// Status reads every kind's entry back.
func (m *Manager) Status(ctx context.Context) (Status, error) {
	st := Status{Exe: m.Exe, Entries: []Entry{}}
	for _, b := range m.backends {
		e, ok, err := b.read(ctx)
		if err != nil {
			return st, fmt.Errorf("read %s autostart entry: %w", b.kind(), err)
		}
		if ok {
			st.Entries = append(st.Entries, m.complete(e))
		}
	}
	return st, nil
}

// complete fills in whether the entry's target exists and is this binary.
func (m *Manager) complete(e Entry) Entry {
	if e.Target == "" {
		return e
	}
	fi, err := os.Stat(e.Target)
	e.TargetExists = err == nil && !fi.IsDir()
	e.Current = samePath(e.Target, m.Exe)
	return e
}

// samePath reports whether a and b name the same file: equal after resolving symlinks, or the
// same file by identity when both exist.
func samePath(a, b string) bool {
	if a == b {
		return true
	}
	ra, errA := filepath.EvalSymlinks(a)
	rb, errB := filepath.EvalSymlinks(b)
	if errA == nil && errB == nil && ra == rb {
		return true
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// removeFile deletes path and syncs its directory. It returns false, nil when there was no
// file.
func removeFile(path string) (bool, error) {
	err := os.Remove(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("remove %s: %w", path, err)
	}
	return true, atomicfile.SyncDir(filepath.Dir(path))
}

// readIniKey returns the value of key in [group] of an INI-style file (desktop entries and
// systemd units share this shape), the first occurrence, and whether it was found.
func readIniKey(data, group, key string) (string, bool) {
	in := false
	for _, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
			continue
		case line[0] == '[':
			in = line == "["+group+"]"
			continue
		}
		if !in {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}
