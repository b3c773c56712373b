package config

import "fmt"

// Audio is the [audio] section: what alarmd may do to the sound output (DESIGN §16).
type Audio struct {
	// Unmute: while an alarm rings, unmute the default output and raise it to MinVolume, and
	// put both back once nothing rings. Off by default.
	Unmute bool
	// MinVolume is the volume, in percent, Unmute raises a quieter output to.
	MinVolume int
}

// DefaultAudio is the [audio] section when the file says nothing.
func DefaultAudio() Audio { return Audio{MinVolume: 50} }

// audioFile is the TOML layout of [audio].
type audioFile struct {
	Unmute    bool `toml:"unmute"`
	MinVolume *int `toml:"min_volume"`
}

// audioOf checks [audio]: a min_volume outside 10-100 % is replaced by the default (below 10 %
// the output would still count as silent).
func audioOf(path string, f audioFile, warns *[]string) Audio {
	a := DefaultAudio()
	a.Unmute = f.Unmute
	if v := f.MinVolume; v != nil {
		if *v < 10 || *v > 100 {
			*warns = append(*warns, fmt.Sprintf("%s: audio.min_volume = %d is not a percentage from 10 to 100; using %d", path, *v, a.MinVolume))
		} else {
			a.MinVolume = *v
		}
	}
	return a
}
