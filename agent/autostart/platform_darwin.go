package autostart

// platformBackends: the LaunchAgent plist.
func platformBackends(opts Options) ([]backend, error) {
	plist, err := launchAgentPath(opts)
	if err != nil {
		return nil, err
	}
	return []backend{&launchdBackend{path: plist}}, nil
}
