package autostart

// platformBackends: the HKCU Run value.
func platformBackends(opts Options) ([]backend, error) {
	return []backend{&registryBackend{key: hkcuRunKey{}}}, nil
}
