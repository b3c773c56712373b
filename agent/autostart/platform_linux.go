package autostart

// platformBackends: the XDG autostart entry (the default: every desktop session runs it) and
// the systemd user unit (`enable --systemd`).
func platformBackends(opts Options) ([]backend, error) {
	desktop, unit, err := configPaths(opts)
	if err != nil {
		return nil, err
	}
	return []backend{
		&xdgBackend{path: desktop},
		&systemdBackend{path: unit, systemctl: systemctlOf(opts)},
	}, nil
}
