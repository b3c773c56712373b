// Command gen synthesises the alarm clips bundled in package alarmd/sounds and
// writes them as 16-bit PCM WAV files, 44.1 kHz mono.
//
// The output is deterministic (no randomness, fixed parameters), so running
// `go generate ./sounds` re-creates the committed files byte for byte; a test
// in this directory checks that. Every clip starts and ends on silence so that
// playing it in a loop sounds like a repeating alarm rather than a click.
//
// Usage:
//
//	go run ./sounds/gen -out sounds
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"alarmd/agent/atomicfile"
)

// sampleRate is the rate of every bundled clip; it matches the rate the
// player opens the speaker at, so bundled clips are never resampled.
const sampleRate = 44100

// clip is one bundled sound: its name (the file is name+".wav") and the
// function that synthesises its samples in the range [-1, 1].
type clip struct {
	name  string
	synth func() []float64
}

// clips lists every bundled sound, in file-name order.
var clips = []clip{
	{"beep", synthBeep},
	{"bell", synthBell},
	{"chime", synthChime},
	{"digital", synthDigital},
}

func main() {
	out := flag.String("out", ".", "directory to write the WAV files into")
	flag.Parse()
	if err := writeAll(*out); err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
}

// writeAll synthesises every clip and writes it into dir.
func writeAll(dir string) error {
	for _, c := range clips {
		data := encodeWAV(quantize(c.synth()))
		// Atomic, so an interrupted run never leaves a truncated clip behind; the clips are
		// source files, hence 0644.
		if err := atomicfile.WriteFile(filepath.Join(dir, c.name+".wav"), data, 0o644); err != nil {
			return fmt.Errorf("write clip %s: %w", c.name, err)
		}
	}
	return nil
}

// synthBeep is the classic alarm: three 100 ms beeps at 880 Hz, 100 ms apart,
// then half a second of silence before the pattern repeats.
func synthBeep() []float64 {
	buf := make([]float64, frames(1.0))
	for k := range 3 {
		addTone(buf, 0.2*float64(k), 0.1, 0.005, []partial{{ratio: 1, amp: 1}}, 880)
	}
	normalize(buf, 0.5)
	return buf
}

// synthDigital imitates a digital watch: four short bursts of a band-limited
// square wave at 4096 Hz, then a pause. Only the odd harmonics below the
// Nyquist frequency are summed, so the square stays free of aliasing.
func synthDigital() []float64 {
	buf := make([]float64, frames(1.0))
	square := []partial{{ratio: 1, amp: 1}, {ratio: 3, amp: 1.0 / 3}, {ratio: 5, amp: 1.0 / 5}}
	for k := range 4 {
		addTone(buf, 0.1*float64(k), 0.05, 0.002, square, 4096)
	}
	normalize(buf, 0.4)
	return buf
}

// synthChime is the default: a soft "ding-dong" of two bell-like notes (G5
// then E5) whose few, nearly harmonic partials decay at different speeds.
func synthChime() []float64 {
	buf := make([]float64, frames(1.6))
	soft := []partial{
		{ratio: 1, amp: 1, tau: 0.55},
		{ratio: 2.01, amp: 0.3, tau: 0.3},
		{ratio: 2.76, amp: 0.12, tau: 0.18},
		{ratio: 4.07, amp: 0.05, tau: 0.1},
	}
	addStrike(buf, 0.0, soft, 783.99)
	addStrike(buf, 0.45, soft, 659.26)
	endOnSilence(buf, 0.25, 0.02)
	normalize(buf, 0.5)
	return buf
}

// synthBell is a bright bell struck twice: many inharmonic partials (the
// ratios of a church-bell-like spectrum) with the high ones dying first.
func synthBell() []float64 {
	buf := make([]float64, frames(1.8))
	bright := []partial{
		{ratio: 0.5, amp: 0.5, tau: 0.9},
		{ratio: 1, amp: 1, tau: 0.7},
		{ratio: 1.19, amp: 0.7, tau: 0.5},
		{ratio: 1.5, amp: 0.5, tau: 0.4},
		{ratio: 2.0, amp: 0.6, tau: 0.35},
		{ratio: 2.51, amp: 0.45, tau: 0.25},
		{ratio: 2.66, amp: 0.35, tau: 0.2},
		{ratio: 3.01, amp: 0.3, tau: 0.15},
		{ratio: 4.16, amp: 0.2, tau: 0.1},
		{ratio: 5.43, amp: 0.12, tau: 0.06},
	}
	addStrike(buf, 0.0, bright, 1046.5)
	addStrike(buf, 0.9, bright, 1046.5)
	endOnSilence(buf, 0.3, 0.02)
	normalize(buf, 0.5)
	return buf
}

// partial is one sine component of a sound: frequency as a multiple of the
// note's fundamental, relative amplitude, and decay time constant in seconds
// (0 means no decay).
type partial struct {
	ratio, amp, tau float64
}

// frames converts seconds to a whole number of samples.
func frames(seconds float64) int {
	return int(math.Round(seconds * sampleRate))
}

// addTone adds a steady tone of the given partials starting at start seconds
// and lasting dur seconds, with raised-cosine edges of edge seconds so that it
// starts and stops without a click.
func addTone(buf []float64, start, dur, edge float64, partials []partial, freq float64) {
	first, n, e := frames(start), frames(dur), frames(edge)
	for i := 0; i < n && first+i < len(buf); i++ {
		t := float64(i) / sampleRate
		gain := 1.0
		switch {
		case i < e:
			gain = raisedCosine(float64(i) / float64(e))
		case i >= n-e:
			gain = raisedCosine(float64(n-1-i) / float64(e))
		}
		buf[first+i] += gain * sumPartials(partials, freq, t)
	}
}

// addStrike adds a struck note from start seconds to the end of buf: a 3 ms
// attack, then each partial decays exponentially at its own rate.
func addStrike(buf []float64, start float64, partials []partial, freq float64) {
	first, attack := frames(start), frames(0.003)
	for i := 0; first+i < len(buf); i++ {
		t := float64(i) / sampleRate
		gain := 1.0
		if i < attack {
			gain = raisedCosine(float64(i) / float64(attack))
		}
		buf[first+i] += gain * sumPartials(partials, freq, t)
	}
}

// sumPartials evaluates the partials of a note of fundamental freq at time t
// seconds after the note began.
func sumPartials(partials []partial, freq, t float64) float64 {
	var v float64
	for _, p := range partials {
		a := p.amp
		if p.tau > 0 {
			a *= math.Exp(-t / p.tau)
		}
		v += a * math.Sin(2*math.Pi*p.ratio*freq*t)
	}
	return v
}

// raisedCosine maps x in [0, 1] to a smooth gain from 0 to 1.
func raisedCosine(x float64) float64 {
	return 0.5 - 0.5*math.Cos(math.Pi*x)
}

// endOnSilence fades the last fade+silence seconds of buf out to zero and
// leaves the final silence seconds at exactly zero, so the clip loops cleanly.
func endOnSilence(buf []float64, fade, silence float64) {
	nSilence, nFade := frames(silence), frames(fade)
	end := len(buf) - nSilence
	for i := end; i < len(buf); i++ {
		buf[i] = 0
	}
	for i := 0; i < nFade; i++ {
		buf[end-1-i] *= raisedCosine(float64(i) / float64(nFade))
	}
}

// normalize scales buf so that its largest magnitude is peak.
func normalize(buf []float64, peak float64) {
	var m float64
	for _, v := range buf {
		m = max(m, math.Abs(v))
	}
	if m == 0 {
		return
	}
	for i := range buf {
		buf[i] *= peak / m
	}
}

// quantize converts samples in [-1, 1] to 16-bit signed integers.
func quantize(buf []float64) []int16 {
	out := make([]int16, len(buf))
	for i, v := range buf {
		out[i] = int16(math.Round(math.Max(-1, math.Min(1, v)) * math.MaxInt16))
	}
	return out
}

// encodeWAV wraps mono 16-bit samples at sampleRate in a canonical 44-byte
// RIFF/WAVE header.
func encodeWAV(samples []int16) []byte {
	const (
		channels      = 1
		bitsPerSample = 16
		blockAlign    = channels * bitsPerSample / 8
	)
	dataLen := uint32(len(samples) * blockAlign)
	var b bytes.Buffer
	b.WriteString("RIFF")
	le32(&b, 36+dataLen)
	b.WriteString("WAVEfmt ")
	le32(&b, 16) // size of the PCM fmt chunk
	le16(&b, 1)  // format tag: integer PCM
	le16(&b, channels)
	le32(&b, sampleRate)
	le32(&b, sampleRate*blockAlign)
	le16(&b, blockAlign)
	le16(&b, bitsPerSample)
	b.WriteString("data")
	le32(&b, dataLen)
	for _, s := range samples {
		le16(&b, uint16(s))
	}
	return b.Bytes()
}

func le16(b *bytes.Buffer, v uint16) { b.Write(binary.LittleEndian.AppendUint16(nil, v)) }
func le32(b *bytes.Buffer, v uint32) { b.Write(binary.LittleEndian.AppendUint32(nil, v)) }
