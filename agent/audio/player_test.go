package audio

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopxl/beep/v2"
)

// testTiming shortens the Player's delays so tests finish in milliseconds.
var testTiming = timing{
	buffer:         20 * time.Millisecond,
	openTimeout:    200 * time.Millisecond,
	callTimeout:    200 * time.Millisecond,
	consumeTimeout: 200 * time.Millisecond,
	consumeMin:     10 * time.Millisecond,
	idleLinger:     20 * time.Millisecond,
	closeTimeout:   300 * time.Millisecond,
}

// fakeDevice stands in for the speaker. While resumed and consuming, it
// pulls from the Player the way a sound card would, only 20 times faster
// than real time, and records the loudest sample it saw.
type fakeDevice struct {
	events    chan string
	initErr   error
	resumeErr error
	initBlock chan struct{} // when set, Init waits for it to close
	consume   bool          // whether the "device" pulls samples at all

	mu      sync.Mutex
	root    beep.Streamer
	running bool
	peak    float64
	stop    chan struct{}
}

func newFake(consume bool) *fakeDevice {
	return &fakeDevice{events: make(chan string, 64), consume: consume, stop: make(chan struct{})}
}

func (f *fakeDevice) Init(rate beep.SampleRate, bufferSize int) error {
	f.events <- "init"
	if f.initBlock != nil {
		<-f.initBlock
	}
	return f.initErr
}

func (f *fakeDevice) Play(s beep.Streamer) {
	f.mu.Lock()
	f.root = s
	f.mu.Unlock()
	f.events <- "play"
	if f.consume {
		go f.pullLoop()
	}
}

func (f *fakeDevice) Suspend() error {
	f.mu.Lock()
	f.running = false
	f.mu.Unlock()
	f.events <- "suspend"
	return nil
}

func (f *fakeDevice) Resume() error {
	f.events <- "resume"
	if f.resumeErr != nil {
		return f.resumeErr
	}
	f.mu.Lock()
	f.running = true
	f.mu.Unlock()
	return nil
}

func (f *fakeDevice) pullLoop() {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	buf := make([][2]float64, int(outputRate)/50) // 20 ms a tick, 20x real time
	for {
		select {
		case <-f.stop:
			return
		case <-tick.C:
		}
		f.mu.Lock()
		running, root := f.running, f.root
		f.mu.Unlock()
		if !running {
			continue
		}
		root.Stream(buf)
		loud := false
		f.mu.Lock()
		for _, s := range buf {
			f.peak = max(f.peak, math.Abs(s[0]), math.Abs(s[1]))
			loud = loud || math.Abs(s[0]) > 0.1
		}
		f.mu.Unlock()
		if loud {
			select {
			case f.events <- "loud":
			default: // the test is not listening for it
			}
		}
	}
}

func (f *fakeDevice) takePeak() float64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.peak
	f.peak = 0
	return p
}

func expectEvent(t *testing.T, f *fakeDevice, want string) {
	t.Helper()
	deadline := time.After(time.Second)
	for {
		select {
		case got := <-f.events:
			if got == want {
				return
			}
		case <-deadline:
			t.Fatalf("device event %q did not happen within 1 s", want)
		}
	}
}

func newTestPlayer(t *testing.T, dev *fakeDevice) (*Player, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	p := newPlayer(slog.New(slog.NewTextHandler(logs, nil)), dev, testTiming)
	t.Cleanup(func() {
		p.Close()
		close(dev.stop)
		if dev.initBlock != nil {
			close(dev.initBlock)
		}
	})
	return p, logs
}

// waitUnavailable waits for the Player to give up on the device.
func waitUnavailable(t *testing.T, p *Player) {
	t.Helper()
	select {
	case <-p.unavailable:
	case <-time.After(time.Second):
		t.Fatalf("audio not declared unavailable within 1 s; state %q", p.State())
	}
}

func TestPlayerLifecycle(t *testing.T) {
	dev := newFake(true)
	p, logs := newTestPlayer(t, dev)
	if s := p.State(); s != "idle (not opened yet)" {
		t.Fatalf("State before any sound = %q", s)
	}
	if err := p.Start(1, Source{Name: "beep"}, 1, 0); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, dev, "init")
	expectEvent(t, dev, "play")
	expectEvent(t, dev, "resume")
	if s := p.State(); s != "ok" {
		t.Fatalf("State while playing = %q", s)
	}
	expectEvent(t, dev, "loud")
	p.Stop(1)
	p.Stop(1) // idempotent
	expectEvent(t, dev, "suspend")
	if dev.takePeak() < 0.3 {
		t.Error("the device never received the beep")
	}

	// The next sound resumes the suspended speaker; it is not opened again.
	if err := p.Start(2, Source{Name: "chime"}, 0.5, 0); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, dev, "resume")
	if err := p.Start(3, Source{Name: "bell"}, 0.5, 0); err != nil {
		t.Fatal(err)
	}
	p.StopAll()
	expectEvent(t, dev, "suspend")
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(4, Source{Name: "beep"}, 1, 0); !errors.Is(err, errClosed) {
		t.Fatalf("Start after Close = %v, want errClosed", err)
	}
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("unexpected warnings:\n%s", logs)
	}
	for {
		select {
		case ev := <-dev.events:
			if ev == "init" {
				t.Error("speaker initialised twice")
			}
			continue
		default:
		}
		break
	}
}

func TestPlayerNothingConsumed(t *testing.T) {
	dev := newFake(false)
	p, logs := newTestPlayer(t, dev)
	begin := time.Now()
	if err := p.Start(1, DefaultSource(), 1, 0); err != nil {
		t.Fatalf("first Start = %v; it must not wait for the device", err)
	}
	if d := time.Since(begin); d > 100*time.Millisecond {
		t.Errorf("Start took %v", d)
	}
	waitUnavailable(t, p)
	if s := p.State(); s != "unavailable (no audio device: nothing consumed samples)" {
		t.Errorf("State = %q", s)
	}
	expectEvent(t, dev, "suspend") // a speaker nobody listens to must not spin
	begin = time.Now()
	if err := p.Start(2, DefaultSource(), 1, 0); err == nil || !strings.Contains(err.Error(), "nothing consumed") {
		t.Errorf("Start after the device failed = %v", err)
	}
	if err := p.PlayOnce(context.Background(), DefaultSource(), 1); err == nil {
		t.Error("PlayOnce succeeded without a device")
	}
	if d := time.Since(begin); d > 50*time.Millisecond {
		t.Errorf("failing Start/PlayOnce took %v, want immediate", d)
	}
	if n := countLines(logs.String(), "audio unavailable"); n != 1 {
		t.Errorf("%d log lines about unavailable audio, want 1:\n%s", n, logs)
	}
}

// TestPlayerDriverError is the case of no sound card: gopxl's Init returns
// nil and the driver's open error comes out of Resume.
func TestPlayerDriverError(t *testing.T) {
	dev := newFake(true)
	dev.resumeErr = errors.New(`failed to resume the speaker: oto: ALSA error at snd_pcm_open: "default": No such file or directory`)
	p, logs := newTestPlayer(t, dev)
	if err := p.Start(1, DefaultSource(), 1, 0); err != nil {
		t.Fatal(err)
	}
	waitUnavailable(t, p)
	if s := p.State(); !strings.HasPrefix(s, "unavailable (open audio device: failed to resume the speaker: oto: ALSA error") {
		t.Errorf("State = %q", s)
	}
	if n := countLines(logs.String(), "audio unavailable"); n != 1 {
		t.Errorf("%d log lines about unavailable audio, want 1:\n%s", n, logs)
	}
}

func TestPlayerInitHangs(t *testing.T) {
	dev := newFake(true)
	dev.initBlock = make(chan struct{})
	p, _ := newTestPlayer(t, dev)
	begin := time.Now()
	if err := p.Start(1, DefaultSource(), 1, 0); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begin); d > 100*time.Millisecond {
		t.Errorf("Start took %v while the device hangs", d)
	}
	waitUnavailable(t, p)
	if s := p.State(); !strings.Contains(s, "no answer within") {
		t.Errorf("State = %q", s)
	}
	begin = time.Now()
	p.Close()
	if d := time.Since(begin); d > 100*time.Millisecond {
		t.Errorf("Close took %v", d)
	}
}

func TestPlayerFallsBackWhenSourceDoesNotOpen(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "broken.mp3")
	if err := os.WriteFile(bad, []byte("not audio at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	dev := newFake(true)
	p, logs := newTestPlayer(t, dev)
	if err := p.Start(7, Source{Name: "broken.mp3", Path: bad}, 1, 0); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, dev, "loud")
	p.Stop(7)
	expectEvent(t, dev, "suspend")
	if dev.takePeak() < 0.1 {
		t.Error("the default clip did not play")
	}
	if n := countLines(logs.String(), "using the default clip"); n != 1 {
		t.Errorf("%d fallback log lines, want 1:\n%s", n, logs)
	}
}

// TestMixerFallsBackWhenSourceBreaksMidway drives the mix directly, with a
// source that fails after 1000 frames: the voice continues with the default
// clip, and the failure is logged once.
func TestMixerFallsBackWhenSourceBreaksMidway(t *testing.T) {
	logs := &syncBuffer{}
	p := newPlayer(slog.New(slog.NewTextHandler(logs, nil)), newFake(false), testTiming)
	src := constSource(5000, 0.25)
	src.failAt = 1000
	p.voices[voiceKey{id: 3}] = newVoice("flaky", src, outputRate, true, newEnvelope(1, 0))
	out := make([][2]float64, 512)
	var peakAfter float64
	for i := range 200 {
		p.stream(out)
		if i == 0 && out[0][0] != 0.25 {
			t.Fatalf("first frame %v, want 0.25", out[0][0])
		}
		if i > 3 {
			for _, s := range out {
				peakAfter = max(peakAfter, math.Abs(s[0]))
			}
		}
	}
	if len(p.voices) != 1 || !p.voices[voiceKey{id: 3}].fellBack {
		t.Fatalf("voice did not fall back: %+v", p.voices)
	}
	if !src.closed {
		t.Error("broken source not closed")
	}
	if peakAfter < 0.3 { // the clips peak at 0.5; the const source is 0.25
		t.Errorf("after the failure the peak is %v: the default clip is not playing", peakAfter)
	}
	if n := countLines(logs.String(), "broke while playing"); n != 1 {
		t.Errorf("%d log lines, want 1:\n%s", n, logs)
	}
}

// TestMixerSumsVoices checks that concurrent alarms mix: two constant
// voices add up, and stopping one leaves the other.
func TestMixerSumsVoices(t *testing.T) {
	p := newPlayer(nil, newFake(false), testTiming)
	a, b := constSource(300, 0.25), constSource(700, 0.5)
	p.voices[voiceKey{id: 1}] = newVoice("a", a, outputRate, true, newEnvelope(1, 0))
	p.voices[voiceKey{id: 2}] = newVoice("b", b, outputRate, true, newEnvelope(0.5, 0))
	out := make([][2]float64, 2000)
	if n, ok := p.stream(out); n != len(out) || !ok {
		t.Fatalf("stream = %d, %v", n, ok)
	}
	for i, s := range out {
		if math.Abs(s[0]-0.5) > 1e-12 || math.Abs(s[1]-0.5) > 1e-12 {
			t.Fatalf("frame %d = %v, want 0.25 + 0.5*0.5 = 0.5", i, s)
		}
	}
	p.Stop(1)
	p.stream(out)
	if out[0][0] != 0.25 || out[len(out)-1][0] != 0.25 {
		t.Fatalf("after Stop(1): %v, want 0.25", out[0])
	}
	p.Stop(2)
	p.stream(out)
	for _, s := range out {
		if s != [2]float64{} {
			t.Fatal("silence expected with no voices")
		}
	}
	if !a.closed || !b.closed {
		t.Error("stopped sources were not closed")
	}
}

func TestPlayOnce(t *testing.T) {
	dev := newFake(true)
	p, _ := newTestPlayer(t, dev)
	begin := time.Now()
	if err := p.PlayOnce(context.Background(), Source{Name: "beep"}, 1); err != nil {
		t.Fatal(err)
	}
	// The 1 s clip plays 20x faster on the fake device.
	if d := time.Since(begin); d > 900*time.Millisecond {
		t.Errorf("PlayOnce took %v", d)
	}
	if dev.takePeak() < 0.3 {
		t.Error("the clip did not reach the device")
	}
	if p.hasVoices() {
		t.Error("voice left in the mix")
	}
}

func TestPlayOnceCancel(t *testing.T) {
	dev := newFake(false) // nothing drains it: only the context can end it
	p, _ := newTestPlayer(t, dev)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		expectEvent(t, dev, "play")
		cancel()
	}()
	if err := p.PlayOnce(ctx, Source{Name: "bell"}, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("PlayOnce = %v, want context.Canceled", err)
	}
	if p.hasVoices() {
		t.Error("cancelled voice left in the mix")
	}
}

func TestPlayOnceRefusesBrokenFile(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "broken.wav")
	if err := os.WriteFile(bad, []byte("nope"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, _ := newTestPlayer(t, newFake(true))
	if err := p.PlayOnce(context.Background(), Source{Path: bad}, 1); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("PlayOnce(broken) = %v", err)
	}
	if s := p.State(); s != "idle (not opened yet)" {
		t.Errorf("a refused file opened the device: %q", s)
	}
}
