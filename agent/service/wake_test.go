package service

import (
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"alarmd/agent/alarm"
	"alarmd/agent/api"
	"alarmd/agent/clock"
	"alarmd/agent/ringer"
	"alarmd/agent/store"
)

// recordingWake is a wake timer that records what it was armed with.
type recordingWake struct {
	mu   sync.Mutex
	arms []time.Time
}

func (w *recordingWake) Arm(at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.arms = append(w.arms, at)
}

func (w *recordingWake) last() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.arms) == 0 {
		return time.Time{}
	}
	return w.arms[len(w.arms)-1]
}

func (w *recordingWake) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.arms)
}

// newWakeHarness is newHarness with a wake timer (nil: the agent cannot wake the machine).
func newWakeHarness(t *testing.T, now time.Time, timer WakeTimer, def alarm.Defaults) *harness {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "data", "alarms.json"))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, clk: clock.NewFake(now, now.Location()), store: st, notif: newFakeNotifier(), timers: &manualTimers{}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h.ringer = ringer.New(ringer.Options{Notifier: h.notif, Log: log, AfterFunc: h.timers.afterFunc})
	h.arms = make(chan time.Time, 100)
	wo := WakeOptions{Timer: timer, Lead: time.Minute}
	if timer == nil {
		wo = WakeOptions{Problem: "the agent does not hold CAP_WAKE_ALARM", Setup: "sudo /x/alarmd wake setup"}
	}
	h.svc = New(Options{Store: st, Clock: h.clk, Ringer: h.ringer, Log: log, Version: "test", PID: 1, Defaults: def, Wake: wo})
	h.svc.armed = func(at time.Time) { h.arms <- at }
	h.start()
	return h
}

func builtin() alarm.Defaults {
	return alarm.Defaults{Snooze: 10 * time.Minute, Ring: 5 * time.Minute, Late: 10 * time.Minute, Fade: 10 * time.Second, Volume: 100}
}

func TestWakeTimerFollowsThePlan(t *testing.T) {
	loc := time.UTC
	now := time.Date(2026, 12, 1, 22, 0, 0, 0, loc)
	w := &recordingWake{}
	h := newWakeHarness(t, now, w, builtin())
	if !w.last().IsZero() {
		t.Fatalf("armed %v with no alarm", w.last())
	}
	// A timer (relative) does not wake the machine; the ring timer is still armed for it.
	h.add("in 25m", "Tea")
	if !w.last().IsZero() {
		t.Errorf("a timer armed the wake timer at %v", w.last())
	}
	n := w.count()
	// A clock-time alarm does: at the ring minus the lead.
	a := h.add("07:30", "Wake up")
	want := time.Date(2026, 12, 2, 7, 29, 0, 0, loc)
	if got := w.last(); !got.Equal(want) {
		t.Errorf("wake armed at %v, want %v (07:30 − 60 s)", got, want)
	}
	if st := h.svc.Status(); !strings.Contains(st.Wake, "for alarm "+itoa(a.ID)) {
		t.Errorf("status wake = %q", st.Wake)
	}
	// --no-wake on an earlier clock-time alarm leaves the wake where it was.
	off := false
	h.add("06:00", "Quiet", func(r *api.AddRequest) { r.Wake = &off })
	if got := w.last(); !got.Equal(want) {
		t.Errorf("a --no-wake alarm moved the wake to %v", got)
	}
	// --wake on a timer makes it wake the machine.
	on := true
	h.add("in 2h", "Oven", func(r *api.AddRequest) { r.Wake = &on })
	if got, want := w.last(), now.Add(2*time.Hour-time.Minute); !got.Equal(want) {
		t.Errorf("a --wake timer: wake at %v, want %v", got, want)
	}
	if n2 := w.count(); n2 <= n {
		t.Errorf("no re-arm after adding alarms")
	}
	// Deleting every wake-enabled alarm disarms it.
	for _, v := range h.svc.List() {
		if v.Alarm.WakesMachine() {
			if err := h.svc.Delete(v.ID, "test"); err != nil {
				t.Fatal(err)
			}
		}
	}
	h.settle()
	if got := w.last(); !got.IsZero() {
		t.Errorf("wake still armed at %v with no wake-enabled alarm", got)
	}
}

func TestWakeWithinTheLeadWakesAtTheRing(t *testing.T) {
	now := time.Date(2026, 12, 1, 7, 29, 30, 0, time.UTC)
	w := &recordingWake{}
	h := newWakeHarness(t, now, w, builtin())
	h.add("07:30", "Wake up")
	if got, want := w.last(), time.Date(2026, 12, 1, 7, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("30 s before the ring, wake armed at %v, want the ring itself %v", got, want)
	}
}

func TestConfigDefaultWakeOff(t *testing.T) {
	now := time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC)
	w := &recordingWake{}
	def := builtin()
	off := false
	def.Wake = &off
	h := newWakeHarness(t, now, w, def)
	a := h.add("07:30", "Wake up")
	if a.Wake == nil || *a.Wake {
		t.Errorf("with [defaults] wake = false the alarm stores wake %v", a.Wake)
	}
	if !w.last().IsZero() {
		t.Errorf("armed %v although [defaults] wake = false", w.last())
	}
}

func TestPrepareSleepListsWhatWillNotRing(t *testing.T) {
	now := time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC)
	h := newWakeHarness(t, now, nil, builtin())
	h.add("07:30", "Wake up")
	h.add("in 25m", "Tea") // a timer asks for no wake
	h.add("2026-12-05 09:00", "Far away")
	got := h.svc.PrepareSleep(24 * time.Hour)
	if len(got) != 1 || got[0] != "Wake up at 07:30" {
		t.Errorf("PrepareSleep = %q, want [Wake up at 07:30]", got)
	}
	if st := h.svc.Status(); !strings.Contains(st.Wake, "off: the agent does not hold CAP_WAKE_ALARM") || !strings.Contains(st.Wake, "sudo /x/alarmd wake setup") {
		t.Errorf("status wake = %q", st.Wake)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
