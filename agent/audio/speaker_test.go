package audio

import (
	"context"
	"encoding/binary"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// These tests use the real gopxl speaker. speaker.Init works once per
// process, so TestSpeakerHeadless is the only test in this process that
// opens it, and the no-device case runs in a child process.

// headlessSink describes the ALSA file sink of scripts/headless-session.sh.
type headlessSink struct {
	path     string
	channels int
	byteRate int // bytes a second of 16-bit samples
}

func headless(t *testing.T) headlessSink {
	t.Helper()
	path := os.Getenv("HEADLESS_AUDIO_FILE")
	if os.Getenv("ALSA_CONFIG_PATH") == "" || path == "" {
		t.Skip("needs the headless session of scripts/headless-session.sh (ALSA_CONFIG_PATH and HEADLESS_AUDIO_FILE)")
	}
	rate, channels := 44100, 2
	fields := strings.Fields(os.Getenv("HEADLESS_AUDIO_SOX")) // e.g. -t raw -r 44100 -e signed -b 16 -c 2
	for i := 0; i+1 < len(fields); i++ {
		v, err := strconv.Atoi(fields[i+1])
		switch {
		case err != nil:
		case fields[i] == "-r":
			rate = v
		case fields[i] == "-c":
			channels = v
		}
	}
	return headlessSink{path: path, channels: channels, byteRate: rate * channels * 2}
}

func (h headlessSink) size(t *testing.T) int64 {
	t.Helper()
	fi, err := os.Stat(h.path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// read returns the sink's bytes from offset on, cut to whole frames.
func (h headlessSink) read(t *testing.T, offset int64) []byte {
	t.Helper()
	f, err := os.Open(h.path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b[:len(b)/(2*h.channels)*(2*h.channels)]
}

// loudThreshold separates sound from silence: about -50 dBFS.
const loudThreshold = 100

// firstLoud returns the byte index of the first loud sample in b, or -1.
func firstLoud(b []byte) int {
	for i := 0; i+1 < len(b); i += 2 {
		if v := int16(binary.LittleEndian.Uint16(b[i:])); v > loudThreshold || v < -loudThreshold {
			return i
		}
	}
	return -1
}

// lastLoud returns the byte index of the last loud sample in b, or -1.
func lastLoud(b []byte) int {
	for i := len(b) - 2; i >= 0; i -= 2 {
		if v := int16(binary.LittleEndian.Uint16(b[i:])); v > loudThreshold || v < -loudThreshold {
			return i
		}
	}
	return -1
}

// awaitSound watches the sink grow from offset and returns how long after
// since the first loud sample arrived. The pacer appends 20 ms chunks in
// real time, so the file's growth is the clock.
func (h headlessSink) awaitSound(t *testing.T, offset int64, since time.Time, limit time.Duration) time.Duration {
	t.Helper()
	seen := offset
	for time.Since(since) < limit {
		if h.size(t) > seen {
			b := h.read(t, offset)
			if firstLoud(b) >= 0 {
				return time.Since(since)
			}
			seen = offset + int64(len(b))
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("no sound in %s within %v", h.path, limit)
	return 0
}

// speakerUsed records that this process has initialised the speaker, which
// cannot be done twice (go test -count=2 reruns tests in one process).
var speakerUsed bool

func TestSpeakerHeadless(t *testing.T) {
	sink := headless(t)
	if speakerUsed {
		t.Skip("the speaker was already initialised in this process")
	}
	speakerUsed = true
	dir := t.TempDir()
	tone := filepath.Join(dir, "tone.wav") // continuous, so silence means stopped
	writeSineWAV(t, tone, 44100, 1, 440, 0.5)
	short := filepath.Join(dir, "short.wav")
	writeSineWAV(t, short, 22050, 0.3, 660, 0.5)
	logs := &syncBuffer{}
	p := newPlayer(newTestLogger(logs), speakerDevice{}, defaultTiming)
	defer p.Close()

	// First Start: opens the speaker. speaker.Init itself queues about 150 ms
	// of silence (oto's player buffer plus the driver's) before any streamer
	// can be added, so the first sound of the process comes a little later
	// than the ≤ 150 ms asked of every Start after it.
	if err := os.Truncate(sink.path, 0); err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	if err := p.Start(1, Source{Name: "tone.wav", Path: tone}, 1, 0); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begin); d > 20*time.Millisecond {
		t.Errorf("Start took %v", d)
	}
	latency := sink.awaitSound(t, 0, begin, time.Second)
	t.Logf("first Start → sound: %v", latency)
	if latency > 250*time.Millisecond {
		t.Errorf("first sound %v after the first Start, want ≤ 250 ms", latency)
	}
	time.Sleep(300 * time.Millisecond)
	if s := p.State(); s != "ok" {
		t.Fatalf("State = %q", s)
	}

	// Stop: the sound ends within 300 ms of audio after Stop.
	atStop := sink.size(t)
	if b := sink.read(t, max(atStop-int64(sink.byteRate)/50, 0)); firstLoud(b) < 0 {
		t.Fatal("no sound just before Stop; the test would prove nothing")
	}
	p.Stop(1)
	time.Sleep(600 * time.Millisecond)
	after := sink.read(t, atStop)
	if i := lastLoud(after); i >= 0 {
		tail := time.Duration(i) * time.Second / time.Duration(sink.byteRate)
		t.Logf("sound went on for %v of audio after Stop", tail)
		if tail > 300*time.Millisecond {
			t.Errorf("sound went on for %v after Stop, want ≤ 300 ms", tail)
		}
	}

	// Suspended: nothing more is written.
	idle := sink.size(t)
	time.Sleep(300 * time.Millisecond)
	if grown := sink.size(t) - idle; grown > 0 {
		t.Errorf("sink grew by %d bytes while nothing plays: speaker not suspended", grown)
	}

	// Resume: the next alarm is heard within 150 ms too.
	offset := sink.size(t)
	begin = time.Now()
	if err := p.Start(2, Source{Name: "tone.wav", Path: tone}, 1, 0); err != nil {
		t.Fatal(err)
	}
	latency = sink.awaitSound(t, offset, begin, time.Second)
	t.Logf("Start after suspend → sound: %v", latency)
	if latency > 150*time.Millisecond {
		t.Errorf("sound %v after Start from suspension, want ≤ 150 ms", latency)
	}
	p.StopAll()

	// PlayOnce of a 0.3 s clip at 22.05 kHz (resampled) returns after it.
	offset = sink.size(t)
	begin = time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := p.PlayOnce(ctx, Source{Name: "short.wav", Path: short}, 1); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begin); d < 300*time.Millisecond || d > 900*time.Millisecond {
		t.Errorf("PlayOnce of 0.3 s took %v", d)
	}
	if firstLoud(sink.read(t, offset)) < 0 {
		t.Error("PlayOnce produced no sound")
	}
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("unexpected warnings:\n%s", logs)
	}
}

// childEnv marks the child process of TestSpeakerNoDevice.
const childEnv = "ALARMD_AUDIO_TEST_CHILD"

// TestSpeakerNoDevice runs the real speaker against an ALSA configuration
// whose default device does not exist (in a child process, as speaker.Init
// works once per process): Start must not hang, and audio must be reported
// unavailable within about 2 s.
func TestSpeakerNoDevice(t *testing.T) {
	if os.Getenv(childEnv) == "nodevice" {
		noDeviceChild(t)
		return
	}
	if runtime.GOOS != "linux" {
		t.Skip("the ALSA configuration trick works on Linux only")
	}
	conf := filepath.Join(t.TempDir(), "asound.conf")
	// Only this file is read (not the system's), so no real device can be found.
	if err := os.WriteFile(conf, []byte("pcm.!default { type hw card 99 device 0 }\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestSpeakerNoDevice$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"=nodevice", "ALSA_CONFIG_PATH="+conf)
	out, err := cmd.CombinedOutput()
	t.Logf("child:\n%s", out)
	if err != nil {
		t.Fatalf("child failed: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: TestSpeakerNoDevice") {
		t.Fatal("child did not run the test")
	}
}

func noDeviceChild(t *testing.T) {
	logs := &syncBuffer{}
	p := newPlayer(newTestLogger(logs), speakerDevice{}, defaultTiming)
	defer p.Close()
	begin := time.Now()
	if err := p.Start(1, DefaultSource(), 1, 0); err != nil {
		t.Logf("first Start reported at once: %v", err)
	}
	if d := time.Since(begin); d > 50*time.Millisecond {
		t.Errorf("Start took %v", d)
	}
	select {
	case <-p.unavailable:
	case <-time.After(2500 * time.Millisecond):
		t.Fatalf("not unavailable after %v; State %q", time.Since(begin), p.State())
	}
	t.Logf("unavailable after %v: %s", time.Since(begin), p.State())
	if !strings.HasPrefix(p.State(), "unavailable (") {
		t.Errorf("State = %q", p.State())
	}
	begin = time.Now()
	if err := p.Start(2, DefaultSource(), 1, 0); err == nil {
		t.Error("Start succeeded without a device")
	}
	if d := time.Since(begin); d > 20*time.Millisecond {
		t.Errorf("failing Start took %v", d)
	}
	if n := countLines(logs.String(), "audio unavailable"); n != 1 {
		t.Errorf("%d log lines about unavailable audio, want 1:\n%s", n, logs)
	}
	t.Logf("log: %s", logs)
}
