package audio

import (
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/gopxl/beep/v2"
)

// outputRate is the rate the speaker is opened at; every source is resampled
// to it. Bundled clips are made at this rate, so they are never resampled.
const outputRate beep.SampleRate = 44100

// resampleQuality is beep's interpolation quality (1–64); 4 is transparent
// for alarm sounds at negligible CPU.
const resampleQuality = 4

// fadeFloorDB is where the fade-in starts; the ramp is linear in decibels
// from here to full volume, which sounds like an even rise, unlike a linear
// amplitude ramp that seems to jump early and then stall.
const fadeFloorDB = -60.0

// errNoAudio is reported for a source that ends before producing any frame.
var errNoAudio = errors.New("sound contains no audio")

// looper streams a seekable source over and over, rewinding at its end.
type looper struct {
	src        beep.StreamSeeker
	passFrames int // frames produced since the last rewind
	err        error
}

func (l *looper) Stream(samples [][2]float64) (n int, ok bool) {
	if l.err != nil {
		return 0, false
	}
	for n < len(samples) {
		got, more := l.src.Stream(samples[n:])
		n += got
		l.passFrames += got
		if err := l.src.Err(); err != nil {
			l.err = err
			break
		}
		// A zero-length read that claims more is how the wav decoder ends a
		// truncated file; treat it as the end of the pass too.
		if !more || got == 0 {
			if l.passFrames == 0 {
				l.err = errNoAudio
				break
			}
			if err := l.src.Seek(0); err != nil {
				l.err = fmt.Errorf("rewind: %w", err)
				break
			}
			l.passFrames = 0
		}
	}
	return n, n > 0
}

func (l *looper) Err() error { return l.err }

// fadeGain maps progress x through the fade (0 at its start, 1 at its end) to an amplitude
// factor: a straight line in dB from fadeFloorDB (-60 dB: inaudible, silence to the ear) up to
// 1. It starts at the floor rather than at true zero so that the alarm's first frames already
// carry its sound, a thousandth of its volume: a curve pinned to zero stays below one 16-bit
// step for the first ~100 ms of a 10 s fade, so the sound would in fact begin that much after
// the alarm is due.
func fadeGain(x float64) float64 {
	if x >= 1 {
		return 1
	}
	return math.Pow(10, fadeFloorDB/20*(1-max(x, 0)))
}

// envelope applies volume and the fade-in to a stream of frames at
// outputRate.
type envelope struct {
	volume     float64
	fadeFrames int
	pos        int // frames already shaped
}

func newEnvelope(volume float64, fade time.Duration) envelope {
	if !(volume >= 0) { // also catches NaN
		volume = 0
	}
	return envelope{volume: min(volume, 1), fadeFrames: max(outputRate.N(fade), 0)}
}

// gainAt returns the amplitude factor for frame pos.
func (e *envelope) gainAt(pos int) float64 {
	if pos >= e.fadeFrames {
		return e.volume
	}
	return e.volume * fadeGain(float64(pos)/float64(e.fadeFrames))
}

// apply scales samples in place and advances the envelope.
func (e *envelope) apply(samples [][2]float64) {
	for i := range samples {
		g := e.gainAt(e.pos)
		samples[i][0] *= g
		samples[i][1] *= g
		e.pos++
	}
}

// voice is one sound in the mix: a decoded source, looped or not, resampled
// to outputRate and shaped by its envelope.
type voice struct {
	label    string        // the source, for log lines
	chain    beep.Streamer // decoder → looper → resampler
	closer   io.Closer     // closes the decoder
	env      envelope
	loop     bool
	fellBack bool          // already switched to the default clip once
	err      error         // why a one-shot voice ended early
	done     chan struct{} // closed when the voice leaves the mix
}

// newVoice builds the streamer chain for s, decoded at rate.
func newVoice(label string, s beep.StreamSeekCloser, rate beep.SampleRate, loop bool, env envelope) *voice {
	v := &voice{label: label, env: env, loop: loop, done: make(chan struct{})}
	v.setSource(s, rate)
	return v
}

// setSource replaces the voice's source, keeping its envelope position so a
// fallback continues the fade where it was.
func (v *voice) setSource(s beep.StreamSeekCloser, rate beep.SampleRate) {
	var chain beep.Streamer = s
	if v.loop {
		chain = &looper{src: s}
	}
	if rate != outputRate {
		chain = beep.Resample(resampleQuality, rate, outputRate, chain)
	}
	v.chain, v.closer = chain, s
}

// stream fills samples with the voice's next frames. It returns how many
// frames it produced and, when it produced fewer than asked, why: nil at
// the end of a one-shot sound, or the source's error. A panic in a decoder
// is turned into an error: a file that breaks must not take the agent down.
func (v *voice) stream(samples [][2]float64) (n int, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("decoder failed: %v", p)
		}
	}()
	for n < len(samples) {
		got, ok := v.chain.Stream(samples[n:])
		v.env.apply(samples[n : n+got])
		n += got
		if err := v.chain.Err(); err != nil {
			return n, err
		}
		if !ok || got == 0 {
			if v.loop {
				// A looper only stops on an error, which Err reported above;
				// anything else is a decoder contract violation.
				return n, errNoAudio
			}
			return n, nil
		}
	}
	return n, nil
}

// close releases the decoder and marks the voice done.
func (v *voice) close() {
	if v.closer != nil {
		_ = v.closer.Close()
		v.closer = nil
	}
	select {
	case <-v.done:
	default:
		close(v.done)
	}
}
