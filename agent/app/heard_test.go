package app

import (
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"alarmd/agent/alarm"
	"alarmd/agent/api"
	"alarmd/agent/clock"
	"alarmd/agent/soundserver"
)

type fakeOutputWatch struct {
	mu sync.Mutex
	st soundserver.State
}

func (f *fakeOutputWatch) State() soundserver.State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st
}
func (f *fakeOutputWatch) Subscribe() <-chan struct{} { return make(chan struct{}) }
func (f *fakeOutputWatch) Refresh()                   {}

type fakeService struct{ snap api.Snapshot }

func (f *fakeService) Snapshot() api.Snapshot { return f.snap }

type fakeRing struct {
	mu      sync.Mutex
	ringing []int
	warned  []string
}

func (f *fakeRing) Ringing() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.ringing)
}

func (f *fakeRing) Warn(title, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.warned = append(f.warned, title+": "+body)
}

func (f *fakeRing) warnings() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.warned)
}

func newTestHeard(now time.Time) (*heard, *fakeOutputWatch, *fakeService, *fakeRing, *clock.Fake) {
	out := &fakeOutputWatch{st: soundserver.State{Checked: true, Sink: "out", Muted: true, Volume: 80}}
	next := api.Alarm{Alarm: alarm.Alarm{ID: 1, Label: "wake"}, Next: now.Add(2 * time.Hour)}
	svc := &fakeService{snap: api.Snapshot{Alarms: []api.Alarm{next}, Next: &next}}
	ring := &fakeRing{}
	clk := clock.NewFake(now, time.UTC)
	h := &heard{out: out, svc: svc, ring: ring, clock: clk, log: slog.New(slog.DiscardHandler), stopped: make(chan struct{})}
	return h, out, svc, ring, clk
}

// TestSilentWarningAtMostHourly: a silent output and an alarm within 12 h warn once; further
// changes within the hour do not; an hour later one more; nothing for a far alarm, a paused
// agent or an audible output.
func TestSilentWarningAtMostHourly(t *testing.T) {
	now := time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)
	h, out, svc, ring, clk := newTestHeard(now)
	h.warnSilent()
	if ring.warnings() != 1 || !strings.Contains(ring.warned[0], "Sound output is muted: wake at Mon 08:00 will only be shown") {
		t.Fatalf("warnings %q", ring.warned)
	}
	h.warnSilent()
	clk.Advance(59 * time.Minute)
	h.warnSilent()
	if ring.warnings() != 1 {
		t.Errorf("%d warnings within the hour", ring.warnings())
	}
	clk.Advance(time.Minute)
	h.warnSilent()
	if ring.warnings() != 2 {
		t.Errorf("no warning an hour later: %d", ring.warnings())
	}

	clk.Advance(2 * time.Hour)
	far := api.Alarm{Alarm: alarm.Alarm{ID: 2}, Next: clk.Now().Add(13 * time.Hour)}
	svc.snap.Next = &far
	h.warnSilent()
	if ring.warnings() != 2 {
		t.Errorf("warned of an alarm 13 h away")
	}
	near := api.Alarm{Alarm: alarm.Alarm{ID: 3}, Next: clk.Now().Add(time.Hour)}
	svc.snap.Next, svc.snap.Paused = &near, true
	h.warnSilent()
	svc.snap.Paused = false
	out.st = soundserver.State{Checked: true, Sink: "out", Volume: 60}
	h.warnSilent()
	if ring.warnings() != 2 {
		t.Errorf("warned while paused or audible: %q", ring.warned)
	}
	out.st = soundserver.State{Checked: true, Sink: "out", Volume: 3}
	h.warnSilent()
	if ring.warnings() != 3 || !strings.HasPrefix(ring.warned[2], "Sound output is at 3 %") {
		t.Errorf("at 3 %%: %q", ring.warned)
	}
}

func TestDecorateStatus(t *testing.T) {
	now := time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)
	h, out, _, _, _ := newTestHeard(now)
	st := h.decorate(api.Status{Audio: "ok"})
	if !strings.HasPrefix(st.Audio, "muted (output out): alarms will only be shown") || st.Output == nil || !st.Output.Silent ||
		!slices.Contains(st.Warnings, "sound output is muted — alarms will only be shown") {
		t.Errorf("muted: %+v", st)
	}
	out.st = soundserver.State{Checked: true, Sink: "out", Volume: 65}
	if st := h.decorate(api.Status{Audio: "ok"}); st.Audio != "ok · output out at 65 %" || len(st.Warnings) != 0 {
		t.Errorf("audible: %+v", st)
	}
	out.st = soundserver.State{Reason: "no sound server"}
	if st := h.decorate(api.Status{Audio: "ok"}); st.Audio != "ok · volume cannot be checked (no sound server)" || st.Output.Checked {
		t.Errorf("no server: %+v", st)
	}
}

// fakeSink is a sound server's sink for the unmuter.
type fakeSink struct {
	mu sync.Mutex
	st soundserver.State
}

func (f *fakeSink) Now() (soundserver.State, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st, nil
}
func (f *fakeSink) SetMute(_ string, m bool) error {
	f.mu.Lock()
	f.st.Muted = m
	f.mu.Unlock()
	return nil
}
func (f *fakeSink) SetVolumes(_ string, v []uint32) error {
	f.mu.Lock()
	f.st.Volumes, f.st.Volume = v, int(uint64(v[0])*100/0x10000)
	f.mu.Unlock()
	return nil
}
func (f *fakeSink) muted() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.st.Muted }

// TestWatchDrivesTheUnmuter: the service's change notices, with what the ringer says rings,
// unmute when ringing starts and mute again when it ends; stopping the agent puts it back too.
func TestWatchDrivesTheUnmuter(t *testing.T) {
	now := time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)
	h, _, _, ring, _ := newTestHeard(now)
	sink := &fakeSink{st: soundserver.State{Checked: true, Sink: "out", Muted: true, Volume: 80, Volumes: []uint32{0xcccc, 0xcccc}}}
	h.unmuter = soundserver.NewUnmuter(sink, filepath.Join(t.TempDir(), "unmute.json"), 50, slog.New(slog.DiscardHandler))
	changes := make(chan struct{})
	h.changes = changes
	done := make(chan struct{})
	go h.watch(done)
	ring.mu.Lock()
	ring.ringing = []int{1}
	ring.mu.Unlock()
	changes <- struct{}{}
	changes <- struct{}{} // the second is read only after the first was handled
	if sink.muted() {
		t.Errorf("still muted while ringing")
	}
	ring.mu.Lock()
	ring.ringing = nil
	ring.mu.Unlock()
	changes <- struct{}{}
	changes <- struct{}{}
	if !sink.muted() {
		t.Errorf("not muted again after the ring")
	}
	ring.mu.Lock()
	ring.ringing = []int{1}
	ring.mu.Unlock()
	changes <- struct{}{}
	changes <- struct{}{}
	close(done)
	<-h.stopped
	if !sink.muted() {
		t.Errorf("stopping while ringing did not put the mute back")
	}
}
