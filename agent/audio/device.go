package audio

import (
	"github.com/gopxl/beep/v2"
	"github.com/gopxl/beep/v2/speaker"
)

// speakerDevice is the process' gopxl speaker. speaker.Init may be called
// only once per process; a second Player's Init fails with the speaker's own
// error, and that Player then reports audio as unavailable.
type speakerDevice struct{}

func (speakerDevice) Init(rate beep.SampleRate, bufferSize int) error {
	return speaker.Init(rate, bufferSize)
}

func (speakerDevice) Play(s beep.Streamer) { speaker.Play(s) }

func (speakerDevice) Suspend() error { return speaker.Suspend() }

func (speakerDevice) Resume() error { return speaker.Resume() }
