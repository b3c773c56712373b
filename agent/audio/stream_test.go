package audio

import (
	"math"
	"testing"
	"time"
)

func TestFadeGainShape(t *testing.T) {
	if db := 20 * math.Log10(fadeGain(0)); math.Abs(db-fadeFloorDB) > 1e-9 {
		t.Errorf("fadeGain(0) = %.2f dB, want the %v dB floor (inaudible, but not zero)", db, fadeFloorDB)
	}
	if g := fadeGain(1); g != 1 {
		t.Errorf("fadeGain(1) = %v, want 1", g)
	}
	// Linear in dB: half-way through a -60 dB ramp is about -30 dB.
	if db := 20 * math.Log10(fadeGain(0.5)); math.Abs(db-(-30)) > 0.5 {
		t.Errorf("fadeGain(0.5) = %.2f dB, want about -30 dB", db)
	}
	prev := -1.0
	for i := 0; i <= 1000; i++ {
		g := fadeGain(float64(i) / 1000)
		if g < prev {
			t.Fatalf("fadeGain not monotonic at %d: %v < %v", i, g, prev)
		}
		prev = g
	}
}

// TestVoiceFadeVolumeAndLoop pulls samples from a looping voice of a
// constant source and checks the envelope: ~0 at the start, volume at
// `fade`, then steady, and that the source keeps looping.
func TestVoiceFadeVolumeAndLoop(t *testing.T) {
	const volume = 0.6
	fade := 500 * time.Millisecond
	src := constSource(1000, 1) // 1000 frames, much shorter than the fade
	v := newVoice("test", src, outputRate, true, newEnvelope(volume, fade))
	total := outputRate.N(2 * time.Second)
	out := make([][2]float64, total)
	for off := 0; off < total; off += 512 {
		n, err := v.stream(out[off:min(off+512, total)])
		if err != nil || n != min(512, total-off) {
			t.Fatalf("stream at %d: n=%d err=%v", off, n, err)
		}
	}
	fadeFrames := outputRate.N(fade)
	if g := out[0][0]; g <= 0 || g > volume*0.0011 {
		t.Errorf("first sample %v, want the -60 dB floor of the volume (%v)", g, volume*0.001)
	}
	if g := out[fadeFrames/10][0]; g > volume*0.01 {
		t.Errorf("10%% into the fade gain is %v, want below -40 dB of volume", g)
	}
	if g := out[fadeFrames/2][0]; math.Abs(20*math.Log10(g/volume)-(-30)) > 0.5 {
		t.Errorf("half-way gain %v is not ~-30 dB below volume", g)
	}
	for _, i := range []int{fadeFrames, fadeFrames + 1, total - 1} {
		if math.Abs(out[i][0]-volume) > 1e-9 || math.Abs(out[i][1]-volume) > 1e-9 {
			t.Errorf("frame %d = %v, want %v (full volume after the fade)", i, out[i], volume)
		}
	}
	for i := 1; i < fadeFrames; i++ {
		if out[i][0] < out[i-1][0] {
			t.Fatalf("envelope decreases at frame %d", i)
		}
	}
	if src.pos == 0 || total/len(src.vals) < 80 {
		t.Fatalf("source was not looped")
	}
}

// TestLooperWrapsInOrder checks that the looper replays the source from its
// first frame, without gaps or repeats, across buffer boundaries.
func TestLooperWrapsInOrder(t *testing.T) {
	src := newRamp(300)
	l := &looper{src: src}
	out := make([][2]float64, 1000)
	for off := 0; off < len(out); off += 128 {
		n, ok := l.Stream(out[off:min(off+128, len(out))])
		if !ok || n != min(128, len(out)-off) {
			t.Fatalf("Stream at %d: n=%d ok=%v", off, n, ok)
		}
	}
	for i := range out {
		if want := float64(i%300+1) / 300; out[i][0] != want {
			t.Fatalf("frame %d = %v, want %v", i, out[i][0], want)
		}
	}
}

func TestLooperEmptySourceEnds(t *testing.T) {
	l := &looper{src: constSource(0, 1)}
	n, ok := l.Stream(make([][2]float64, 64))
	if n != 0 || ok || l.Err() != errNoAudio {
		t.Fatalf("empty source: n=%d ok=%v err=%v, want 0 false errNoAudio", n, ok, l.Err())
	}
}

func TestVoiceResamplesToOutputRate(t *testing.T) {
	src := constSource(22050, 0.5) // 1 s at 22.05 kHz
	v := newVoice("test", src, 22050, false, newEnvelope(1, 0))
	total := 0
	buf := make([][2]float64, 512)
	for {
		n, err := v.stream(buf)
		total += n
		if err != nil {
			t.Fatal(err)
		}
		if n < len(buf) {
			break
		}
	}
	if math.Abs(float64(total-int(outputRate))) > 64 {
		t.Fatalf("1 s at 22050 Hz became %d frames, want about %d", total, outputRate)
	}
}

func TestEnvelopeClampsVolume(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{{-1, 0}, {2, 1}, {math.NaN(), 0}, {0.3, 0.3}} {
		if e := newEnvelope(c.in, 0); e.volume != c.want {
			t.Errorf("newEnvelope(%v).volume = %v, want %v", c.in, e.volume, c.want)
		}
	}
}
