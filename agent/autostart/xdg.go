package autostart

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"alarmd/agent/atomicfile"
	"alarmd/assets/templates"
)

// xdgBackend is the XDG autostart entry: a .desktop file that the desktop session (GNOME,
// KDE, Xfce, ... or systemd's xdg-autostart-generator) runs at login. It runs `alarmd start`,
// which daemonizes and is a no-op when an agent already runs.
type xdgBackend struct {
	path string // $XDG_CONFIG_HOME/autostart/alarmd.desktop
}

func (b *xdgBackend) kind() Kind { return XDG }

func (b *xdgBackend) write(_ context.Context, exe string) (string, []string, error) {
	data, err := templates.Render(templates.AutostartDesktop, templates.Data{Exe: exe})
	if err != nil {
		return "", nil, err
	}
	if err := atomicfile.WriteFile(b.path, data, 0o600); err != nil {
		return "", nil, err
	}
	return b.path, nil, nil
}

func (b *xdgBackend) remove(context.Context) (string, []string, error) {
	removed, err := removeFile(b.path)
	if err != nil || !removed {
		return "", nil, err
	}
	return b.path, nil, nil
}

func (b *xdgBackend) read(context.Context) (Entry, bool, error) {
	data, err := os.ReadFile(b.path)
	if errors.Is(err, os.ErrNotExist) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, fmt.Errorf("read %s: %w", b.path, err)
	}
	e := Entry{Kind: XDG, Location: b.path}
	text := string(data)
	exec, ok := readIniKey(text, "Desktop Entry", "Exec")
	if !ok {
		e.Notes = append(e.Notes, "the entry has no Exec= line")
		return e, true, nil
	}
	e.Command = exec
	if args, err := templates.SplitDesktopExec(exec); err != nil {
		e.Notes = append(e.Notes, fmt.Sprintf("cannot read its Exec= line: %v", err))
	} else {
		e.Target = args[0]
	}
	// The two ways a session is told to skip an entry without deleting it.
	if v, _ := readIniKey(text, "Desktop Entry", "Hidden"); strings.EqualFold(v, "true") {
		e.Notes = append(e.Notes, "Hidden=true: the session will not start it")
	}
	if v, _ := readIniKey(text, "Desktop Entry", "X-GNOME-Autostart-enabled"); strings.EqualFold(v, "false") {
		e.Notes = append(e.Notes, "turned off in the session settings (X-GNOME-Autostart-enabled=false)")
	}
	return e, true, nil
}
