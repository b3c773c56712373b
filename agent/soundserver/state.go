// Package soundserver watches the default output of a sound server that speaks the PulseAudio
// protocol (PulseAudio itself, or PipeWire's pulse server): whether it is muted and how loud it
// is, learnt from the server's change events rather than by asking on a timer (DESIGN §16). It
// can also unmute and raise that output while an alarm rings and put it back afterwards
// (Unmuter).
package soundserver

import (
	"fmt"
	"slices"
)

// LowVolume is the volume, in percent, below which an output counts as silent.
const LowVolume = 10

// State is what the agent knows of the default output.
type State struct {
	// Checked is true when a sound server answered and the fields below are its answer.
	Checked bool
	// Reason says why the output cannot be checked, when Checked is false.
	Reason string
	// Sink is the default sink's name (e.g. alsa_output.pci-0000_00_1f.3.analog-stereo).
	Sink    string
	Muted   bool
	Volume  int      // percent of full volume, of the loudest channel
	Volumes []uint32 // the raw channel volumes (0x10000 = 100 %), to put them back exactly
}

// Silent reports whether an alarm played now would not be heard: muted, or below LowVolume.
func (s State) Silent() bool { return s.Checked && (s.Muted || s.Volume < LowVolume) }

// Describe is the state in a few words: "muted", "at 4 %", or for a loud output "at 65 %";
// "" when it cannot be checked.
func (s State) Describe() string {
	switch {
	case !s.Checked:
		return ""
	case s.Muted:
		return "muted"
	}
	return fmt.Sprintf("at %d %%", s.Volume)
}

// Equal compares two states field by field.
func (s State) Equal(o State) bool {
	return s.Checked == o.Checked && s.Reason == o.Reason && s.Sink == o.Sink && s.Muted == o.Muted &&
		s.Volume == o.Volume && slices.Equal(s.Volumes, o.Volumes)
}

// volumeNorm is the protocol's 100 % (PA_VOLUME_NORM).
const volumeNorm = 0x10000

// percentOf is the loudest channel of vols in percent, rounded to the nearest.
func percentOf(vols []uint32) int {
	var top uint32
	for _, v := range vols {
		top = max(top, v)
	}
	return int((uint64(top)*100 + volumeNorm/2) / volumeNorm)
}

// volumesAt returns vols with every channel set to percent (the channel count is the sink's).
func volumesAt(vols []uint32, percent int) []uint32 {
	out := make([]uint32, len(vols))
	for i := range out {
		out[i] = uint32(uint64(percent) * volumeNorm / 100)
	}
	return out
}
