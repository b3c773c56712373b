package clock

import "io"

// defaultZoneConfig on Windows: Go takes the zone from the registry at start,
// ignores $TZ, and offers no way to re-read it, so the zone is time.Local and
// a change takes effect when the agent restarts.
func defaultZoneConfig() zoneConfig {
	return zoneConfig{}
}

// watchZone is not supported here: a nil channel and a nil closer.
func watchZone(dir string, names []string, onChange func()) (<-chan struct{}, io.Closer) {
	return nil, nil
}
