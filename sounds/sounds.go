// Package sounds holds the alarm clips bundled with alarmd: short, loopable
// 16-bit mono 44.1 kHz WAV files synthesised by ./gen (CC0-1.0, see README.md).
//
// The clips are embedded in the binary so an alarm can always ring, even with
// no user sound files at all.
package sounds

//go:generate go run ./gen -out .

import (
	"bytes"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
)

//go:embed *.wav
var clips embed.FS

// defaultName is the clip used when an alarm names no sound, and the fallback
// when a sound fails to play.
const defaultName = "chime"

// descriptions says in a few words what each clip sounds like, for
// `alarmd sounds`.
var descriptions = map[string]string{
	"beep":    "classic 880 Hz beep-beep-beep",
	"bell":    "bright bell, struck twice",
	"chime":   "soft two-note chime",
	"digital": "digital watch alarm, 4 kHz bursts",
}

// Names returns the names of the bundled clips (file names without ".wav"),
// sorted.
func Names() []string {
	entries, err := fs.ReadDir(clips, ".")
	if err != nil {
		// The embedded root directory always exists; nothing to report.
		return nil
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".wav"); ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// Default returns the name of the default clip.
func Default() string { return defaultName }

// IsBundled reports whether name is a bundled clip.
func IsBundled(name string) bool {
	return slices.Contains(Names(), name)
}

// Open returns the WAV data of the bundled clip name. Closing it is optional
// (it holds no resources) but keeps callers uniform with files.
func Open(name string) (io.ReadSeekCloser, error) {
	if !IsBundled(name) {
		return nil, fmt.Errorf("unknown bundled sound %q (bundled: %s)", name, strings.Join(Names(), ", "))
	}
	data, err := clips.ReadFile(name + ".wav")
	if err != nil {
		return nil, fmt.Errorf("read bundled sound %q: %w", name, err)
	}
	return nopCloser{bytes.NewReader(data)}, nil
}

// Description returns a short description of the bundled clip name, or ""
// when there is no such clip.
func Description(name string) string {
	if !IsBundled(name) {
		return ""
	}
	return descriptions[name]
}

// nopCloser adds a no-op Close to an in-memory reader.
type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }
