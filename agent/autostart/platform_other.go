// Platforms other than Linux, macOS and Windows (the BSDs, other Unix desktops): XDG autostart.
//go:build !linux && !darwin && !windows

package autostart

// platformBackends: other Unix desktops (the BSDs) follow the XDG autostart specification.
func platformBackends(opts Options) ([]backend, error) {
	desktop, _, err := configPaths(opts)
	if err != nil {
		return nil, err
	}
	return []backend{&xdgBackend{path: desktop}}, nil
}
