package service

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"alarmd/agent/alarm"
	"alarmd/agent/api"
	"alarmd/agent/clock"
	"alarmd/agent/history"
	"alarmd/agent/notifier"
	"alarmd/agent/ringer"
	"alarmd/agent/store"
)

// fakeNotifier records notifications; tests push button presses into events.
type fakeNotifier struct {
	mu     sync.Mutex
	nextID uint32
	shown  chan notifier.Notification
	closed []uint32
	events chan notifier.Event
	// slowTitle, when set, makes Show of a notification with that title answer only after
	// slowFor, as a hung notification daemon that resumes does.
	slowTitle   string
	slowFor     time.Duration
	slowStarted chan struct{} // closed when the slow Show has begun
}

func newFakeNotifier() *fakeNotifier {
	return &fakeNotifier{shown: make(chan notifier.Notification, 100), events: make(chan notifier.Event, 10)}
}

func (f *fakeNotifier) Show(n notifier.Notification) (uint32, error) {
	if f.slowTitle != "" && n.Title == f.slowTitle {
		close(f.slowStarted)
		time.Sleep(f.slowFor)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	id := n.Replaces
	if id == 0 {
		f.nextID++
		id = f.nextID
	}
	n.Replaces = id // report the id the notification got
	f.shown <- n
	return id, nil
}

func (f *fakeNotifier) CloseNotification(id uint32) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = append(f.closed, id)
	return nil
}

func (f *fakeNotifier) Events() <-chan notifier.Event { return f.events }

// manualTimers stand in for time.AfterFunc in the ringer: tests fire ring timeouts by hand.
type manualTimers struct {
	mu    sync.Mutex
	funcs []func()
}

type manualTimer struct{ stopped bool }

func (m *manualTimer) Stop() bool { s := !m.stopped; m.stopped = true; return s }

func (m *manualTimers) afterFunc(d time.Duration, f func()) ringer.Timer {
	t := &manualTimer{}
	m.mu.Lock()
	m.funcs = append(m.funcs, func() {
		if !t.stopped {
			f()
		}
	})
	m.mu.Unlock()
	return t
}

func (m *manualTimers) fireAll() {
	m.mu.Lock()
	fs := m.funcs
	m.funcs = nil
	m.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

type harness struct {
	t      *testing.T
	clk    *clock.Fake
	store  *store.Store
	notif  *fakeNotifier
	timers *manualTimers
	ringer *ringer.Ringer
	svc    *Service
	cancel func()
	done   chan struct{}
	arms   chan time.Time
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func newHarness(t *testing.T, now time.Time) *harness {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "data", "alarms.json"))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, clk: clock.NewFake(now, now.Location()), store: st, notif: newFakeNotifier(), timers: &manualTimers{}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := ringer.New(ringer.Options{Notifier: h.notif, Log: log, AfterFunc: h.timers.afterFunc})
	h.ringer = r
	h.arms = make(chan time.Time, 100)
	h.svc = New(Options{Store: st, Clock: h.clk, Ringer: r, Log: log, Version: "test", PID: 1,
		Defaults: alarm.Defaults{Snooze: 10 * time.Minute, Ring: 5 * time.Minute, Late: 10 * time.Minute, Fade: 10 * time.Second, Volume: 100}})
	h.svc.armed = func(at time.Time) { h.arms <- at }
	h.start()
	return h
}

func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan struct{})
	go func() { defer close(h.done); _ = h.svc.Run(ctx) }()
	h.t.Cleanup(h.stop)
	h.settle()
}

func (h *harness) stop() {
	h.cancel()
	<-h.done
}

// settle waits until the loop has caught up with everything that happened before the call: it
// nudges the loop and waits for it to re-arm, twice, so an evaluation that was already under way
// when settle began cannot be mistaken for the one that saw the latest state.
func (h *harness) settle() {
	h.t.Helper()
	for i := 0; i < 2; i++ {
		for len(h.arms) > 0 {
			<-h.arms
		}
		h.svc.changed()
		select {
		case <-h.arms:
		case <-time.After(time.Second):
			h.t.Fatal("scheduler loop did not re-arm within 1 s")
		}
	}
}

func (h *harness) add(when, label string, opts ...func(*api.AddRequest)) api.Alarm {
	h.t.Helper()
	req := api.AddRequest{When: when}
	if label != "" {
		req.Label = &label
	}
	for _, o := range opts {
		o(&req)
	}
	a, err := h.svc.Add(req)
	if err != nil {
		h.t.Fatalf("add %q: %v", when, err)
	}
	h.settle()
	return a
}

// expectShown waits for the next notification and checks its title and body.
func (h *harness) expectShown(title, bodyPart string) notifier.Notification {
	h.t.Helper()
	select {
	case n := <-h.notif.shown:
		if n.Title != title || !strings.Contains(n.Body, bodyPart) {
			h.t.Fatalf("notification %q / %q, want %q / …%q…", n.Title, n.Body, title, bodyPart)
		}
		return n
	case <-time.After(time.Second):
		h.t.Fatalf("no notification %q within 1 s", title)
	}
	return notifier.Notification{}
}

// expectNothingShown checks that nothing was shown: once the loop has caught up and the ringer
// has carried out every notification asked for, the fake has received all there is.
func (h *harness) expectNothingShown() {
	h.t.Helper()
	h.settle()
	<-h.ringer.Settled()
	select {
	case n := <-h.notif.shown:
		h.t.Fatalf("unexpected notification %q / %q", n.Title, n.Body)
	default:
	}
}

func (h *harness) get(id int) api.Alarm {
	h.t.Helper()
	a, err := h.svc.Get(id)
	if err != nil {
		h.t.Fatal(err)
	}
	return a
}

func (h *harness) armed() []time.Time { return h.clk.Armed() }

func TestIdleArmsNothing(t *testing.T) {
	h := newHarness(t, time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC))
	if a := h.armed(); len(a) != 0 {
		t.Fatalf("no alarms, but timer armed at %v", a)
	}
	a := h.add("7:30", "Wake up")
	if got := h.armed(); len(got) != 1 || !got[0].Equal(a.Next) {
		t.Fatalf("armed %v, want %v", got, a.Next)
	}
	if err := h.svc.Delete(a.ID, history.FromCLI); err != nil {
		t.Fatal(err)
	}
	h.settle()
	if got := h.armed(); len(got) != 0 {
		t.Fatalf("after delete, timer still armed at %v", got)
	}
}

func TestRelativeRingsAndIsRemovedWhenStopped(t *testing.T) {
	h := newHarness(t, time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC))
	a := h.add("in 25m", "Tea")
	if a.Kind != "relative" || !a.Next.Equal(h.clk.Now().Add(25*time.Minute)) {
		t.Fatalf("added %+v", a)
	}
	h.clk.Advance(25*time.Minute - time.Second)
	h.expectNothingShown()
	h.clk.Advance(time.Second)
	n := h.expectShown("Tea", "Wed 06:25")
	if n.Urgency != notifier.Critical || len(n.Actions) != 3 || n.Actions[1].Label != "Snooze 10 min" || n.Actions[2].Key != "default" {
		t.Errorf("ringing notification %+v", n)
	}
	if got := h.get(a.ID).State; got != api.StateRinging {
		t.Fatalf("state %q, want ringing", got)
	}
	if ids, err := h.svc.Dismiss(0, history.FromCLI); err != nil || len(ids) != 1 {
		t.Fatalf("dismiss: %v %v", ids, err)
	}
	if _, err := h.svc.Get(a.ID); err == nil {
		t.Fatalf("relative alarm still listed after stop")
	}
}

func TestOneShotClockAlarmStaysDisabledAndCanBeReenabled(t *testing.T) {
	h := newHarness(t, time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC))
	a := h.add("7:30", "Wake up")
	h.clk.Advance(90 * time.Minute)
	h.expectShown("Wake up", "07:30")
	// The notification's Stop button.
	h.notif.events <- notifier.Event{ID: 1, Action: "stop"}
	deadline := time.Now().Add(time.Second)
	for h.get(a.ID).State != api.StateOff && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	got := h.get(a.ID)
	if got.State != api.StateOff || got.Enabled || !got.Next.IsZero() {
		t.Fatalf("after stop: %+v", got)
	}
	// Switching it back on sets it for the next 07:30: tomorrow.
	on := true
	re, err := h.svc.Edit(a.ID, api.EditRequest{Enabled: &on}, history.FromCLI)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 26, 7, 30, 0, 0, time.UTC); !re.Next.Equal(want) {
		t.Fatalf("re-enabled next %v, want %v", re.Next, want)
	}
}

func TestLateWithinWindowRingsSayingHowLate(t *testing.T) {
	h := newHarness(t, time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC))
	h.add("7:30", "Wake up")
	// Suspend: the clock jumps 7 minutes past the alarm.
	h.clk.Set(time.Date(2026, 11, 25, 7, 37, 0, 0, time.UTC))
	h.expectShown("Wake up", "late by 7 min")
}

func TestMissedAlarmsMakeOneSummaryAndRecurringMovesOn(t *testing.T) {
	h := newHarness(t, time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC))
	once := h.add("7:30", "Wake up")
	daily := h.add("8:00", "Pills", func(r *api.AddRequest) { r.Repeat = "daily" })
	late := h.add("11:50", "Lunch prep", func(r *api.AddRequest) { r.Late = "20m" })
	// Asleep until noon: 07:30 and 08:00 are hours late; 11:50 is inside its 20 min window.
	h.clk.Set(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	var summary, ring notifier.Notification
	for i := 0; i < 2; i++ {
		select {
		case n := <-h.notif.shown:
			if strings.Contains(n.Title, "missed") {
				summary = n
			} else {
				ring = n
			}
		case <-time.After(time.Second):
			t.Fatal("expected a ring and a summary")
		}
	}
	h.expectNothingShown()
	if summary.Title != "2 missed alarms" || !strings.Contains(summary.Body, "Wake up") || !strings.Contains(summary.Body, "Pills") {
		t.Errorf("summary %q / %q", summary.Title, summary.Body)
	}
	if ring.Title != "Lunch prep" || !strings.Contains(ring.Body, "late by 10 min") {
		t.Errorf("ring %q / %q", ring.Title, ring.Body)
	}
	if got := h.get(once.ID); got.Enabled {
		t.Errorf("missed one-shot still enabled: %+v", got)
	}
	if got := h.get(daily.ID); !got.Next.Equal(time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("daily next %v, want tomorrow 08:00", got.Next)
	}
	_ = late
}

func TestClockBackDoesNotRingTwice(t *testing.T) {
	h := newHarness(t, time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC))
	a := h.add("7:30", "Wake up", func(r *api.AddRequest) { r.Repeat = "daily" })
	h.clk.Advance(30 * time.Minute)
	h.expectShown("Wake up", "07:30")
	if _, err := h.svc.Dismiss(a.ID, history.FromCLI); err != nil {
		t.Fatal(err)
	}
	h.clk.Set(time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC)) // clock set back an half hour
	h.settle()
	h.clk.Advance(31 * time.Minute)
	h.expectNothingShown()
	if got := h.get(a.ID); !got.Next.Equal(time.Date(2026, 11, 26, 7, 30, 0, 0, time.UTC)) {
		t.Errorf("next %v, want tomorrow", got.Next)
	}
}

func TestSnoozeRingsAgain(t *testing.T) {
	h := newHarness(t, time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC))
	a := h.add("7:05", "Wake up", func(r *api.AddRequest) { r.Snooze = "2m" })
	h.clk.Advance(5 * time.Minute)
	first := h.expectShown("Wake up", "07:05")
	h.notif.events <- notifier.Event{ID: first.Replaces, Action: "snooze"}
	sn := h.expectShown("Wake up", "Snoozed until 07:07:00")
	if sn.Replaces != first.Replaces {
		t.Errorf("snoozed notification did not replace the ringing one (%d vs %d)", sn.Replaces, first.Replaces)
	}
	if got := h.get(a.ID).State; got != api.StateSnoozed {
		t.Fatalf("state %q, want snoozed", got)
	}
	h.clk.Advance(2 * time.Minute)
	again := h.expectShown("Wake up", "snoozed")
	if again.Replaces != first.Replaces {
		t.Errorf("re-ring did not replace the notification in place")
	}
	if got := h.get(a.ID).State; got != api.StateRinging {
		t.Fatalf("state %q, want ringing", got)
	}
}

func TestRingTimeoutSaysNotAcknowledged(t *testing.T) {
	h := newHarness(t, time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC))
	a := h.add("7:05", "Wake up", func(r *api.AddRequest) { r.Ring = "3s" })
	h.clk.Advance(5 * time.Minute)
	h.expectShown("Wake up", "07:05")
	h.settle() // the ringing, timeout included, is set up before the loop re-arms
	h.timers.fireAll()
	h.expectShown("Wake up", "not acknowledged")
	deadline := time.Now().Add(time.Second)
	for h.get(a.ID).Enabled && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := h.get(a.ID); got.Enabled || got.State != api.StateOff {
		t.Fatalf("after timeout: %+v", got)
	}
}

func TestDSTGapShiftsDailyAlarm(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	h := newHarness(t, time.Date(2026, 3, 28, 12, 0, 0, 0, berlin))
	a := h.add("2:30", "Gap", func(r *api.AddRequest) { r.Repeat = "daily" })
	want := time.Date(2026, 3, 29, 3, 30, 0, 0, berlin) // 02:30 does not exist that night
	if !a.Next.Equal(want) {
		t.Fatalf("next %v, want %v", a.Next, want)
	}
	h.clk.Advance(want.Sub(h.clk.Now()))
	h.expectShown("Gap", "03:30")
	h.svc.Dismiss(0, history.FromCLI)
	if got := h.get(a.ID).Next; !got.Equal(time.Date(2026, 3, 30, 2, 30, 0, 0, berlin)) {
		t.Fatalf("next after the gap day %v", got)
	}
}

func TestZoneChangeMovesLocalAlarms(t *testing.T) {
	berlin, ny := mustLoc(t, "Europe/Berlin"), mustLoc(t, "America/New_York")
	h := newHarness(t, time.Date(2026, 11, 25, 5, 0, 0, 0, berlin))
	local := h.add("7:30", "Wake up")
	instant := h.add("in 3h", "Call")
	h.clk.SetLocation(ny)
	h.settle()
	// 05:00 Berlin is 23:00 the day before in New York: the wall-clock alarm for 25 Nov 07:30
	// now means 07:30 in New York; the instant stays put.
	if got := h.get(local.ID).Next; !got.Equal(time.Date(2026, 11, 25, 7, 30, 0, 0, ny)) {
		t.Errorf("local alarm after zone change: %v", got)
	}
	if got := h.get(instant.ID).Next; !got.Equal(instant.Next) {
		t.Errorf("instant moved with the zone: %v vs %v", got, instant.Next)
	}
	armed := h.armed()
	if len(armed) != 1 || !armed[0].Equal(instant.Next) {
		t.Errorf("armed %v, want the earlier instant %v", armed, instant.Next)
	}
}

func TestPausedSkipsSilently(t *testing.T) {
	h := newHarness(t, time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC))
	a := h.add("7:05", "Wake up", func(r *api.AddRequest) { r.Repeat = "daily" })
	if err := h.svc.SetPaused(true); err != nil {
		t.Fatal(err)
	}
	h.settle()
	h.clk.Advance(5 * time.Minute)
	h.expectNothingShown()
	h.svc.SetPaused(false)
	h.settle()
	h.expectNothingShown()
	if got := h.get(a.ID).Next; !got.Equal(time.Date(2026, 11, 26, 7, 5, 0, 0, time.UTC)) {
		t.Errorf("next %v", got)
	}
}

func TestAddRejectsBadOptions(t *testing.T) {
	h := newHarness(t, time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC))
	empty, ctl, long := "", "a\x00b", strings.Repeat("é", 201)
	for _, req := range []api.AddRequest{
		{When: "25:00"},
		{When: "7:30", Label: &empty},
		{When: "7:30", Label: &ctl},
		{When: "7:30", Label: &long},
		{When: "7:30", Snooze: "0s"},
		{When: "7:30", Ring: "forever"},
		{When: "7:30", Late: "-1m"},
		{When: "7:30", Volume: 101},
		{When: "7:30", Repeat: "sometimes"},
	} {
		_, err := h.svc.Add(req)
		se, ok := err.(*Error)
		if !ok || se.Kind != BadInput || strings.Contains(se.Msg, "\n") {
			t.Errorf("Add(%+v) = %v, want a one-line bad-input error", req, err)
		}
	}
	if n := len(h.svc.List()); n != 0 {
		t.Errorf("%d alarms after bad adds", n)
	}
}

func TestZeroLateAndFadeMeanZero(t *testing.T) {
	h := newHarness(t, time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC))
	a := h.add("7:05", "Strict", func(r *api.AddRequest) { r.Late, r.Fade = "0s", "0s" })
	if got := h.get(a.ID); got.LateBy() != 0 || got.FadeIn() != 0 {
		t.Fatalf("late %v fade %v, want 0 and 0", got.LateBy(), got.FadeIn())
	}
	d := h.add("7:05", "Default")
	if got := h.get(d.ID); got.LateBy() != 10*time.Minute || got.FadeIn() != 10*time.Second {
		t.Fatalf("defaults not stored: late %v fade %v", got.LateBy(), got.FadeIn())
	}
	// One minute late: the default window rings it, the zero window reports it missed.
	h.clk.Set(time.Date(2026, 11, 25, 7, 6, 0, 0, time.UTC))
	var titles []string
	for i := 0; i < 2; i++ {
		select {
		case n := <-h.notif.shown:
			titles = append(titles, n.Title+": "+n.Body)
		case <-time.After(time.Second):
			t.Fatalf("got %q, want a ring and a missed summary", titles)
		}
	}
	joined := strings.Join(titles, " | ")
	if !strings.Contains(joined, "Default: Wed 07:05 · late by 1 min") || !strings.Contains(joined, "Missed alarm: Wed 07:05 Strict") {
		t.Errorf("notifications %q", joined)
	}
}

// TestUnwritableStoreRingsFromMemory: when alarms.json cannot be written (full disk, read-only
// file system) a due alarm still rings, its occurrence is kept in memory so it does not ring
// again, user changes are refused with the reason, and the first write that works saves all.
func TestUnwritableStoreRingsFromMemory(t *testing.T) {
	h := newHarness(t, time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC))
	a := h.add("7:05", "Wake up", func(r *api.AddRequest) { r.Repeat = "daily" })
	dir := filepath.Dir(h.store.Path())
	if err := os.Rename(dir, dir+".away"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("not a directory"), 0o600); err != nil { // every write now fails
		t.Fatal(err)
	}
	h.clk.Advance(5 * time.Minute)
	h.expectShown("Wake up", "07:05")
	if _, err := h.svc.Dismiss(a.ID, history.FromCLI); err != nil {
		t.Fatalf("dismiss in memory mode: %v", err)
	}
	h.settle()
	h.clk.Advance(time.Minute) // the occurrence is recorded in memory: it does not ring again
	h.expectNothingShown()
	st := h.svc.Status()
	if !strings.Contains(strings.Join(st.Warnings, "\n"), "cannot be written") {
		t.Errorf("status warnings %q", st.Warnings)
	}
	if _, err := h.svc.Add(api.AddRequest{When: "9:00"}); err == nil || !strings.Contains(err.Error(), "save alarms") {
		t.Fatalf("add while unwritable: %v, want a save error", err)
	}
	// The disk is fine again: the next change writes everything, the record included.
	os.Remove(dir)
	if err := os.Rename(dir+".away", dir); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Add(api.AddRequest{When: "9:00"}); err != nil {
		t.Fatalf("add after recovery: %v", err)
	}
	again, err := store.Open(h.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	d := again.Snapshot()
	if len(d.Alarms) != 2 || d.Alarms[0].Done.IsZero() {
		t.Fatalf("file after recovery: %+v", d.Alarms)
	}
	if w := h.svc.Status().Warnings; len(w) != 0 {
		t.Errorf("warnings after recovery: %q", w)
	}
}

// TestSlowNotificationServerDelaysNothing: the notification server answers the first alarm's
// Notify only after 5 s. Meanwhile the control operations answer, the second alarm (due 2 s
// after the first) rings at its instant, and the first can be dismissed; the late answer then
// changes nothing: each alarm rang once.
func TestSlowNotificationServerDelaysNothing(t *testing.T) {
	h := newHarness(t, time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC))
	h.notif.slowTitle, h.notif.slowFor, h.notif.slowStarted = "first", 5*time.Second, make(chan struct{})
	first := h.add("7:00:10", "first")
	second := h.add("7:00:12", "second")
	start := time.Now()
	h.clk.Advance(10 * time.Second)
	h.settle()
	if got := h.get(first.ID); got.State != api.StateRinging {
		t.Fatalf("first alarm: %+v", got)
	}
	<-h.notif.slowStarted // its Notify is on the bus (a stop before would cancel it unsent)
	h.clk.Advance(2 * time.Second)
	h.settle()
	if got := h.get(second.ID); got.State != api.StateRinging {
		t.Fatalf("second alarm not ringing at its instant: %+v", got)
	}
	h.expectShown("second", "07:00")
	if n := len(h.svc.List()); n != 2 {
		t.Fatalf("List: %d alarms", n)
	}
	if ids, err := h.svc.Dismiss(first.ID, history.FromCLI); err != nil || len(ids) != 1 {
		t.Fatalf("Dismiss first: %v %v", ids, err)
	}
	if waited := time.Since(start); waited >= 5*time.Second {
		t.Fatalf("the operations took %v: they waited for the slow Notify", waited)
	}
	select { // the late answer
	case n := <-h.notif.shown:
		if n.Title != "first" {
			t.Fatalf("late notification %q", n.Title)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the slow Notify never returned")
	}
	<-h.ringer.Settled()
	h.notif.mu.Lock()
	closed := slices.Clone(h.notif.closed)
	h.notif.mu.Unlock()
	if !slices.Contains(closed, 2) { // the fake gave "second" id 1 and the late "first" id 2
		t.Errorf("the dismissed alarm's notification was not closed after its late answer: closed %v", closed)
	}
	h.expectNothingShown()
	if got := h.get(first.ID); got.State != api.StateOff || got.Enabled {
		t.Errorf("first after dismiss: %+v", got)
	}
}
