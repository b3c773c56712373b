// Platforms other than Linux and Windows (macOS, the BSDs): /etc/localtime, read, not watched.
//go:build !linux && !windows

package clock

import (
	"io"
	"os"
)

// defaultZoneConfig is where other Unix systems (macOS, the BSDs) keep their
// zone, as Go reads it at start. Changes are not watched there; the zone is
// re-read on clock jumps and before each ring instead.
func defaultZoneConfig() zoneConfig {
	return zoneConfig{localtimePath: "/etc/localtime", lookupEnv: os.LookupEnv}
}

// watchZone is not supported here: a nil channel and a nil closer.
func watchZone(dir string, names []string, onChange func()) (<-chan struct{}, io.Closer) {
	return nil, nil
}
