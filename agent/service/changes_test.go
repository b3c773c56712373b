package service

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"alarmd/agent/api"
	"alarmd/agent/history"
	"alarmd/agent/notifier"
	"alarmd/agent/when"
)

func ptr[T any](v T) *T { return &v }

// newHarnessWithHistory is newHarness with a history file.
func newHarnessWithHistory(t *testing.T, now time.Time) *harness {
	t.Helper()
	h := newHarness(t, now)
	log, err := history.Open(filepath.Join(t.TempDir(), "history.jsonl"), h.clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	h.svc.o.History = log
	return h
}

func (h *harness) history() []history.Entry {
	h.t.Helper()
	es, err := h.svc.History(history.Query{})
	if err != nil {
		h.t.Fatal(err)
	}
	return es
}

func (h *harness) edit(id int, req api.EditRequest) api.Alarm {
	h.t.Helper()
	a, err := h.svc.Edit(id, req, history.FromCLI)
	if err != nil {
		h.t.Fatalf("edit %d %+v: %v", id, req, err)
	}
	h.settle()
	return a
}

func TestEditChangesOnlyWhatIsGiven(t *testing.T) {
	start := time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC) // a Wednesday
	for _, c := range []struct {
		name  string
		req   api.EditRequest
		check func(t *testing.T, before, after api.Alarm)
	}{
		{"time", api.EditRequest{When: ptr("8:15")}, func(t *testing.T, b, a api.Alarm) {
			if want := time.Date(2026, 11, 25, 8, 15, 0, 0, time.UTC); !a.Next.Equal(want) || a.Label != b.Label || a.Repeat != b.Repeat {
				t.Errorf("next %v (want %v), label %q, repeat %v", a.Next, want, a.Label, a.Repeat)
			}
		}},
		{"label", api.EditRequest{Label: ptr("Gym")}, func(t *testing.T, b, a api.Alarm) {
			if a.Label != "Gym" || !a.Next.Equal(b.Next) || a.Snooze != b.Snooze {
				t.Errorf("%+v", a)
			}
		}},
		{"empty label removes it", api.EditRequest{Label: ptr("")}, func(t *testing.T, b, a api.Alarm) {
			if a.Label != "" || a.Title() != "Alarm" {
				t.Errorf("label %q", a.Label)
			}
		}},
		{"repeat", api.EditRequest{Repeat: ptr("weekends")}, func(t *testing.T, b, a api.Alarm) {
			if want := time.Date(2026, 11, 28, 7, 30, 0, 0, time.UTC); a.Repeat.String() != "weekends" || !a.Next.Equal(want) {
				t.Errorf("repeat %v next %v (want %v)", a.Repeat, a.Next, want)
			}
		}},
		{"once", api.EditRequest{Once: true}, func(t *testing.T, b, a api.Alarm) {
			if a.Recurring() || !a.Next.Equal(b.Next) {
				t.Errorf("repeat %v next %v", a.Repeat, a.Next)
			}
		}},
		{"snooze", api.EditRequest{Snooze: ptr("3m")}, func(t *testing.T, b, a api.Alarm) {
			if a.SnoozeFor() != 3*time.Minute || a.RingFor() != b.RingFor() {
				t.Errorf("%v %v", a.SnoozeFor(), a.RingFor())
			}
		}},
		{"ring", api.EditRequest{Ring: ptr("90s")}, func(t *testing.T, b, a api.Alarm) {
			if a.RingFor() != 90*time.Second {
				t.Errorf("%v", a.RingFor())
			}
		}},
		{"late", api.EditRequest{Late: ptr("0s")}, func(t *testing.T, b, a api.Alarm) {
			if a.LateBy() != 0 {
				t.Errorf("%v", a.LateBy())
			}
		}},
		{"fade", api.EditRequest{Fade: ptr("2s")}, func(t *testing.T, b, a api.Alarm) {
			if a.FadeIn() != 2*time.Second {
				t.Errorf("%v", a.FadeIn())
			}
		}},
		{"volume", api.EditRequest{Volume: ptr(40)}, func(t *testing.T, b, a api.Alarm) {
			if a.VolumePercent() != 40 {
				t.Errorf("%v", a.VolumePercent())
			}
		}},
		{"sound", api.EditRequest{Sound: ptr("bell")}, func(t *testing.T, b, a api.Alarm) {
			if a.Sound != "bell" {
				t.Errorf("%q", a.Sound)
			}
		}},
		{"reminders", api.EditRequest{Remind: ptr("10m,1h")}, func(t *testing.T, b, a api.Alarm) {
			if len(a.Remind) != 2 || time.Duration(a.Remind[0]) != time.Hour {
				t.Errorf("%v", a.Remind)
			}
		}},
		{"wake", api.EditRequest{Wake: ptr(false)}, func(t *testing.T, b, a api.Alarm) {
			if a.Wake == nil || *a.Wake {
				t.Errorf("wake %v", a.Wake)
			}
		}},
		{"several at once", api.EditRequest{When: ptr("6:45"), Label: ptr("Early"), Volume: ptr(70), Repeat: ptr("weekdays")}, func(t *testing.T, b, a api.Alarm) {
			if want := time.Date(2026, 11, 25, 6, 45, 0, 0, time.UTC); !a.Next.Equal(want) || a.Label != "Early" || a.VolumePercent() != 70 || a.Repeat.String() != "weekdays" {
				t.Errorf("%+v next %v", a, a.Next)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, start)
			before := h.add("7:30", "Wake up", func(r *api.AddRequest) { r.Repeat = "daily" })
			after := h.edit(before.ID, c.req)
			c.check(t, before, after)
			if got := h.get(before.ID); got.Next != after.Next || got.Label != after.Label {
				t.Errorf("Get after edit = %+v, Edit answered %+v", got, after)
			}
		})
	}
}

func TestEditRefusesWhatAddRefuses(t *testing.T) {
	h := newHarness(t, time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC))
	a := h.add("7:30", "Wake up", func(r *api.AddRequest) { r.Repeat = "daily" })
	for _, req := range []api.EditRequest{
		{},
		{When: ptr("25:00")},
		{Repeat: ptr("sometimes")},
		{Once: true, Repeat: ptr("daily")},
		{Snooze: ptr("0s")},
		{Ring: ptr("forever")},
		{Volume: ptr(101)},
		{Label: ptr(strings.Repeat("x", 201))},
		{Remind: ptr("-5m")},
		{Remind: ptr("25h")}, // longer than a day, the rule's period
	} {
		_, err := h.svc.Edit(a.ID, req, history.FromCLI)
		if KindOf(err) != BadInput || strings.Contains(err.Error(), "\n") {
			t.Errorf("Edit(%+v) = %v, want one bad-input line", req, err)
		}
	}
	if _, err := h.svc.Edit(99, api.EditRequest{Label: ptr("x")}, history.FromCLI); KindOf(err) != NotFound {
		t.Errorf("edit of an unknown id: %v", err)
	}
	if got := h.get(a.ID); got.Label != "Wake up" || got.Next != a.Next {
		t.Errorf("refused edits changed the alarm: %+v", got)
	}
}

// Editing a ringing alarm stops it first, and the history says so; a changed time on a recurring
// alarm never rings the occurrence that already rang again.
func TestEditRingingAlarmStopsItAndNeverRingsTheSameOccurrenceTwice(t *testing.T) {
	h := newHarnessWithHistory(t, time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC))
	a := h.add("7:30", "Wake up", func(r *api.AddRequest) { r.Repeat = "daily" })
	h.clk.Advance(90 * time.Minute)
	h.expectShown("Wake up", "07:30")
	// Move it to 07:30 again while it rings: today's 07:30 already rang, so tomorrow.
	got := h.edit(a.ID, api.EditRequest{When: ptr("7:30")})
	if got.State == api.StateRinging || h.svc.o.Ringer.IsRinging(a.ID) {
		t.Fatal("still ringing after the edit")
	}
	if want := time.Date(2026, 11, 26, 7, 30, 0, 0, time.UTC); !got.Next.Equal(want) {
		t.Fatalf("next %v, want %v", got.Next, want)
	}
	es := h.history()
	if len(es) != 1 || es[0].End != history.Stopped || es[0].From != history.FromCLI || !es[0].Rang.Equal(h.clk.Now()) {
		t.Fatalf("history %+v", es)
	}
	h.expectNothingShown()
}

// A one-shot that already rang gets a new time: it is switched on for it.
func TestEditOneShotThatRangAndARelativeTimer(t *testing.T) {
	h := newHarness(t, time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC))
	a := h.add("6:10", "Once")
	h.clk.Advance(10 * time.Minute)
	h.expectShown("Once", "06:10")
	if _, err := h.svc.Dismiss(a.ID, history.FromCLI); err != nil {
		t.Fatal(err)
	}
	if got := h.get(a.ID); got.Enabled {
		t.Fatalf("one-shot still on after its ring: %+v", got)
	}
	got := h.edit(a.ID, api.EditRequest{When: ptr("9:00")})
	if !got.Enabled || got.State != api.StateOn || !got.Next.Equal(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("after edit: %+v", got)
	}
	timer := h.add("in 25m", "Tea")
	got = h.edit(timer.ID, api.EditRequest{When: ptr("in 5m")})
	if got.Kind != when.Relative || !got.Next.Equal(h.clk.Now().Add(5*time.Minute)) {
		t.Fatalf("timer after edit: %+v", got)
	}
	h.clk.Advance(5 * time.Minute)
	h.expectShown("Tea", "06:15")
}

func TestSkipAndUnskip(t *testing.T) {
	h := newHarnessWithHistory(t, time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC))
	a := h.add("7:30", "Wake up", func(r *api.AddRequest) { r.Repeat = "daily" })
	once := h.add("8:00", "Once")
	if _, err := h.svc.Skip(once.ID, 1, history.FromCLI); KindOf(err) != BadInput || !strings.Contains(err.Error(), "alarmd disable") {
		t.Errorf("skip of a one-shot: %v", err)
	}
	if _, err := h.svc.Unskip(a.ID, history.FromCLI); KindOf(err) != Conflict {
		t.Errorf("unskip without skips: %v", err)
	}
	got, err := h.svc.Skip(a.ID, 2, history.FromCLI)
	if err != nil || got.Skip != 2 || !got.Next.Equal(time.Date(2026, 11, 27, 7, 30, 0, 0, time.UTC)) {
		t.Fatalf("skip 2: %+v %v", got, err)
	}
	h.settle()
	h.clk.Advance(90 * time.Minute) // today's 07:30: skipped
	h.settle()
	if got := h.get(a.ID); got.State != api.StateOn || got.Skip != 1 {
		t.Fatalf("after the first skipped occurrence: %+v", got)
	}
	h.clk.Set(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)) // tomorrow's 07:30 passed by hours: skipped, not missed
	h.settle()
	if n := h.expectShown("Missed alarm", "Once"); strings.Contains(n.Body, "Wake up") {
		t.Errorf("a skipped occurrence is in the missed summary: %q", n.Body)
	}
	h.expectNothingShown()
	if got := h.get(a.ID); got.Skip != 0 || !got.Next.Equal(time.Date(2026, 11, 27, 7, 30, 0, 0, time.UTC)) {
		t.Fatalf("after both skips: %+v", got)
	}
	var skipped int
	for _, e := range h.history() {
		if e.ID == a.ID {
			if e.End != history.Skipped || e.From != history.FromCLI {
				t.Errorf("history entry %+v", e)
			}
			skipped++
		}
	}
	if skipped != 2 {
		t.Errorf("%d skipped entries, want 2", skipped)
	}
	if _, err := h.svc.Skip(a.ID, 1001, history.FromCLI); KindOf(err) != BadInput {
		t.Errorf("skip 1001: %v", err)
	}
	h.svc.Skip(a.ID, 3, history.FromAPI)
	if got, err := h.svc.Unskip(a.ID, history.FromAPI); err != nil || got.Skip != 0 {
		t.Errorf("unskip: %+v %v", got, err)
	}
}

// A 1 h reminder before 03:30 on the Berlin spring-forward day: 03:30 CEST is 01:30 UTC, so the
// reminder is at 00:30 UTC, 01:30 CET, and says "in 1 h" although the wall clock shows two.
func TestReminderOnTheBerlinGapDay(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	h := newHarness(t, time.Date(2026, 3, 28, 20, 0, 0, 0, berlin))
	a := h.add("3:30", "Bake", func(r *api.AddRequest) { r.Repeat = "daily"; r.Remind = "1h" })
	if want := time.Date(2026, 3, 29, 3, 30, 0, 0, berlin); !a.Next.Equal(want) {
		t.Fatalf("next %v, want %v", a.Next, want)
	}
	h.clk.Set(time.Date(2026, 3, 29, 1, 29, 59, 0, berlin))
	h.expectNothingShown()
	h.clk.Set(time.Date(2026, 3, 29, 1, 30, 0, 0, berlin))
	n := h.expectShown("Bake", "at 03:30 (in 1 h)")
	if n.Urgency != notifier.Normal || n.Expire <= 0 || len(n.Actions) != 1 || n.Actions[0].Label != "Skip this time" {
		t.Errorf("reminder %+v", n)
	}
	// Pressing Skip this time: the alarm does not ring at 03:30, and rings the next day.
	h.notif.events <- notifier.Event{ID: n.Replaces, Action: "skip"}
	deadline := time.Now().Add(time.Second)
	for h.get(a.ID).Skip != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	h.clk.Set(time.Date(2026, 3, 29, 3, 30, 0, 0, berlin))
	h.expectNothingShown()
	if got := h.get(a.ID); !got.Next.Equal(time.Date(2026, 3, 30, 3, 30, 0, 0, berlin)) || got.Skip != 0 {
		t.Fatalf("after the skipped ring: %+v", got)
	}
}

// A reminder whose moment has passed when the alarm is added is not shown late.
func TestReminderThatHasPassedIsNotShown(t *testing.T) {
	h := newHarness(t, time.Date(2026, 11, 25, 7, 25, 0, 0, time.UTC))
	h.add("7:30", "Soon", func(r *api.AddRequest) { r.Remind = "10m" })
	h.expectNothingShown()
	h.clk.Advance(5 * time.Minute)
	h.expectShown("Soon", "07:30") // the ring itself
	h.expectNothingShown()
}

// The history: stopped from the notification, snoozed twice then stopped from the CLI, and left
// to its ring time, each with its ending and source; and the events a watcher sees.
func TestHistoryAndEvents(t *testing.T) {
	h := newHarnessWithHistory(t, time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC))
	events, stop := h.svc.Watch()
	defer stop()
	if ev := <-events; ev.Type != api.EventNext || ev.Alarm != nil {
		t.Fatalf("first event %+v", ev)
	}
	one := h.add("6:01", "One")
	two := h.add("6:02", "Two")
	three := h.add("6:10", "Three")
	h.clk.Set(time.Date(2026, 11, 25, 6, 1, 0, 0, time.UTC))
	n := h.expectShown("One", "06:01")
	h.notif.events <- notifier.Event{ID: n.Replaces, Action: "stop"}
	for deadline := time.Now().Add(time.Second); h.get(one.ID).State != api.StateOff && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	h.clk.Set(time.Date(2026, 11, 25, 6, 2, 0, 0, time.UTC))
	h.expectShown("Two", "06:02")
	for i := range 2 {
		if _, err := h.svc.Snooze(two.ID, time.Minute, history.FromCLI); err != nil {
			t.Fatal(err)
		}
		h.expectShown("Two", "Snoozed")
		h.clk.Advance(time.Minute)
		h.expectShown("Two", "snoozed")
		_ = i
	}
	h.svc.Dismiss(two.ID, history.FromCLI)
	h.clk.Set(time.Date(2026, 11, 25, 6, 10, 0, 0, time.UTC))
	h.expectShown("Three", "06:10")
	h.settle()
	h.timers.fireAll() // the ring time of Three runs out
	for deadline := time.Now().Add(time.Second); len(h.history()) < 3 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	got := map[int]history.Entry{}
	for _, e := range h.history() {
		got[e.ID] = e
	}
	if e := got[one.ID]; e.End != history.Stopped || e.From != history.FromNotification || e.Snoozes != 0 {
		t.Errorf("one: %+v", e)
	}
	if e := got[two.ID]; e.End != history.Stopped || e.From != history.FromCLI || e.Snoozes != 2 ||
		!e.Due.Equal(time.Date(2026, 11, 25, 6, 2, 0, 0, time.UTC)) {
		t.Errorf("two: %+v", e)
	}
	if e := got[three.ID]; e.End != history.NotAcknowledged || e.From != history.FromAgent {
		t.Errorf("three: %+v", e)
	}
	var types []string
	for len(events) > 0 {
		types = append(types, (<-events).Type)
	}
	joined := strings.Join(types, " ")
	for _, want := range []string{"added", "next", "ringing", "stopped", "snoozed"} {
		if !strings.Contains(joined, want) {
			t.Errorf("events %q lack %q", joined, want)
		}
	}
}
