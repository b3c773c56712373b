package autostart

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"alarmd/agent/atomicfile"
	"alarmd/assets/templates"
)

// unitName is the systemd user unit's name.
const unitName = "alarmd.service"

// systemctlTimeout bounds one systemctl call: a wedged user manager must not hang the CLI.
const systemctlTimeout = 10 * time.Second

// systemdBackend is the systemd user unit. It runs `alarmd run` (Type=notify) as part of the
// graphical session, and is enabled with `systemctl --user` when a user manager answers; on a
// machine without one the file is still written and the user is told how to enable it.
type systemdBackend struct {
	path      string // $XDG_CONFIG_HOME/systemd/user/alarmd.service
	systemctl func(ctx context.Context, args ...string) ([]byte, error)
}

func (b *systemdBackend) kind() Kind { return Systemd }

func (b *systemdBackend) write(ctx context.Context, exe string) (string, []string, error) {
	data, err := templates.Render(templates.SystemdUnit, templates.Data{Exe: exe})
	if err != nil {
		return "", nil, err
	}
	if err := atomicfile.WriteFile(b.path, data, 0o600); err != nil {
		return "", nil, err
	}
	if out, err := b.systemctl(ctx, "--user", "daemon-reload"); err != nil {
		return b.path, []string{fmt.Sprintf("written; systemctl --user not available: %s; enable it with: systemctl --user enable --now alarmd",
			systemctlReason(out, err))}, nil
	}
	if out, err := b.systemctl(ctx, "--user", "enable", unitName); err != nil {
		return b.path, []string{fmt.Sprintf("written; systemctl --user enable %s failed: %s", unitName, systemctlReason(out, err))}, nil
	}
	// Not --now: an agent started with `alarmd start` may be running, and a second one
	// would exit with "already running" and make systemd count a failure.
	return b.path, []string{"enabled with systemctl --user; it starts with the next graphical session (now: systemctl --user start alarmd)"}, nil
}

func (b *systemdBackend) remove(ctx context.Context) (string, []string, error) {
	if _, err := os.Lstat(b.path); errors.Is(err, os.ErrNotExist) {
		return "", nil, nil
	}
	var notes []string
	managed := true
	if out, err := b.systemctl(ctx, "--user", "disable", unitName); err != nil {
		managed = false
		// Without a user manager, undo what `systemctl --user enable` would have linked, so
		// no dangling symlink is left behind.
		if err := b.removeWantsLink(); err != nil {
			return "", nil, err
		}
		notes = append(notes, fmt.Sprintf("systemctl --user disable did not run: %s", systemctlReason(out, err)))
	}
	if _, err := removeFile(b.path); err != nil {
		return "", notes, err
	}
	if managed {
		if out, err := b.systemctl(ctx, "--user", "daemon-reload"); err != nil {
			notes = append(notes, fmt.Sprintf("systemctl --user daemon-reload failed: %s", systemctlReason(out, err)))
		}
	}
	return b.path, notes, nil
}

// removeWantsLink deletes graphical-session.target.wants/alarmd.service when it is a
// symlink to our unit.
func (b *systemdBackend) removeWantsLink() error {
	link := filepath.Join(filepath.Dir(b.path), "graphical-session.target.wants", unitName)
	target, err := os.Readlink(link)
	if err != nil {
		return nil // no link, or not a symlink: not ours to touch
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(link), target)
	}
	if filepath.Clean(target) != filepath.Clean(b.path) {
		return nil
	}
	if _, err := removeFile(link); err != nil {
		return err
	}
	return nil
}

func (b *systemdBackend) read(ctx context.Context) (Entry, bool, error) {
	data, err := os.ReadFile(b.path)
	if errors.Is(err, os.ErrNotExist) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, fmt.Errorf("read %s: %w", b.path, err)
	}
	e := Entry{Kind: Systemd, Location: b.path}
	execStart, ok := readIniKey(string(data), "Service", "ExecStart")
	if !ok {
		e.Notes = append(e.Notes, "the unit has no ExecStart= line")
	} else {
		e.Command = execStart
		if args, err := templates.SplitSystemdExec(execStart); err != nil {
			e.Notes = append(e.Notes, fmt.Sprintf("cannot read its ExecStart= line: %v", err))
		} else {
			e.Target = args[0]
		}
	}
	// is-enabled prints the state on stdout and exits non-zero for "disabled"; only an
	// answer without a state means the manager could not be asked.
	out, err := b.systemctl(ctx, "--user", "is-enabled", unitName)
	state := firstLine(out)
	switch {
	case isUnitFileState(state):
		e.Notes = append(e.Notes, "systemctl --user is-enabled: "+state)
	case err != nil:
		e.Notes = append(e.Notes, "systemctl --user not available: "+systemctlReason(out, err))
	}
	return e, true, nil
}

// isUnitFileState reports whether s is one of the states `systemctl is-enabled` prints.
func isUnitFileState(s string) bool {
	switch s {
	case "enabled", "enabled-runtime", "linked", "linked-runtime", "alias", "masked", "masked-runtime",
		"static", "indirect", "disabled", "generated", "transient", "bad", "not-found":
		return true
	}
	return false
}

// runSystemctl is the real systemctl, bounded by systemctlTimeout.
func runSystemctl(ctx context.Context, args ...string) ([]byte, error) {
	path, err := exec.LookPath("systemctl")
	if err != nil {
		return nil, errors.New("systemctl is not installed")
	}
	ctx, cancel := context.WithTimeout(ctx, systemctlTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, args...).CombinedOutput()
	if ctx.Err() != nil {
		return out, fmt.Errorf("systemctl %s: no answer within %v", strings.Join(args, " "), systemctlTimeout)
	}
	if err != nil {
		return out, fmt.Errorf("systemctl %s: %w", strings.Join(args, " "), err)
	}
	return out, nil
}

// systemctlReason is the one line that says why a systemctl call failed: its first line of
// output ("Failed to connect to bus: ..."), else the error.
func systemctlReason(out []byte, err error) string {
	if l := firstLine(out); l != "" {
		return l
	}
	if err != nil {
		return err.Error()
	}
	return "unknown error"
}

func firstLine(out []byte) string {
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return ""
}
