package autostart

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"alarmd/agent/paths"
)

// configPaths returns the XDG autostart entry's and the systemd unit's paths, from
// opts.ConfigHome when set and from alarmd/agent/paths otherwise.
func configPaths(opts Options) (desktop, unit string, err error) {
	if opts.ConfigHome != "" {
		return filepath.Join(opts.ConfigHome, "autostart", "alarmd.desktop"),
			filepath.Join(opts.ConfigHome, "systemd", "user", unitName), nil
	}
	p, err := paths.Resolve()
	if err != nil {
		return "", "", fmt.Errorf("paths: %w", err)
	}
	return p.AutostartDesktop, p.SystemdUnit, nil
}

// launchAgentPath returns ~/Library/LaunchAgents/<label>.plist.
func launchAgentPath(opts Options) (string, error) {
	home := opts.Home
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return "", fmt.Errorf("home directory: %w", err)
		}
	}
	return filepath.Join(home, "Library", "LaunchAgents", LaunchdLabel+".plist"), nil
}

// systemctlOf returns opts.Systemctl or the real systemctl.
func systemctlOf(opts Options) func(ctx context.Context, args ...string) ([]byte, error) {
	if opts.Systemctl != nil {
		return opts.Systemctl
	}
	return runSystemctl
}
