package window

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"alarmd/agent/alarm"
	"alarmd/agent/api"
	"alarmd/agent/history"
	"alarmd/agent/when"
)

// fakeController records what the window asks of the service.
type fakeController struct {
	mu     sync.Mutex
	alarms []api.Alarm
	added  []api.AddRequest
	edits  []api.EditRequest
	refuse error // Add's answer while set
}

func (f *fakeController) Snapshot() api.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	return api.Snapshot{Alarms: slices.Clone(f.alarms)}
}

func (f *fakeController) Add(r api.AddRequest) (api.Alarm, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refuse != nil {
		err := f.refuse
		f.refuse = nil
		return api.Alarm{}, err
	}
	f.added = append(f.added, r)
	a := api.Alarm{Alarm: alarm.Alarm{ID: len(f.added), Enabled: true}, Next: time.Date(2026, 12, 2, 7, 30, 0, 0, time.UTC)}
	if r.Label != nil {
		a.Label = *r.Label
	}
	f.alarms = append(f.alarms, a)
	return a, nil
}

func (f *fakeController) Edit(id int, r api.EditRequest, from string) (api.Alarm, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if from != history.FromWindow {
		return api.Alarm{}, errors.New("from " + from)
	}
	f.edits = append(f.edits, r)
	return api.Alarm{}, nil
}
func (f *fakeController) Delete(int, string) error                         { return nil }
func (f *fakeController) Snooze(int, time.Duration, string) ([]int, error) { return nil, nil }
func (f *fakeController) Dismiss(int, string) ([]int, error)               { return nil, nil }
func (f *fakeController) Skip(int, int, string) (api.Alarm, error)         { return api.Alarm{}, nil }
func (f *fakeController) Unskip(int, string) (api.Alarm, error)            { return api.Alarm{}, nil }
func (f *fakeController) History(history.Query) ([]history.Entry, error) {
	return nil, nil
}

// step is one scripted dialog: the kind it must be (its first argument) and its answer.
type step struct {
	kind string
	out  string
	ok   bool
	// check looks at the dialog's arguments
	check func(t *testing.T, args []string)
}

// script answers dialogs in order; a dialog past the end fails the test.
type script struct {
	t     *testing.T
	mu    sync.Mutex
	steps []step
	seen  [][]string
}

func (s *script) run(_ context.Context, args ...string) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = append(s.seen, args)
	if len(s.steps) == 0 {
		s.t.Errorf("unexpected dialog %q", args)
		return "", false, errors.New("no more steps")
	}
	st := s.steps[0]
	s.steps = s.steps[1:]
	if args[2] != st.kind {
		s.t.Errorf("dialog %q, want %s", args, st.kind)
	}
	if st.check != nil {
		st.check(s.t, args)
	}
	return st.out, st.ok, nil
}

func newTestWindow(t *testing.T, c *fakeController, steps ...step) (*Window, *script, *[]string) {
	s := &script{t: t, steps: steps}
	var notes []string
	w := New(context.Background(), Options{
		Controller: c, Log: slog.New(slog.DiscardHandler), Program: "zenity", Run: s.run,
		Now:    func() time.Time { return time.Date(2026, 12, 1, 21, 43, 0, 0, time.UTC) },
		Sounds: func() []string { return []string{"beep", "bell"} },
		Notify: func(title, body string) { notes = append(notes, title+": "+body) },
	})
	return w, s, &notes
}

func form(fields ...string) string { return strings.Join(fields, fieldSep) }

func hasArg(args []string, want string) bool {
	return slices.ContainsFunc(args, func(a string) bool { return strings.Contains(a, want) })
}

// A WHEN that does not read shows why, then a prefilled entry; the fixed value is added with the
// form's other values, and the confirmation says what was read.
func TestFormBadWhenIsAskedAgainPrefilled(t *testing.T) {
	c := &fakeController{}
	w, s, notes := newTestWindow(t, c,
		step{kind: "--forms", ok: true, out: form("7:3x", "Gym", "weekdays", "bell", "5 min")},
		step{kind: "--error", check: func(t *testing.T, a []string) {
			if !hasArg(a, "7:3x") {
				t.Errorf("error does not name the input: %q", a)
			}
		}},
		step{kind: "--entry", ok: true, out: "7:30", check: func(t *testing.T, a []string) {
			if i := slices.Index(a, "--entry-text"); i < 0 || a[i+1] != "7:3x" {
				t.Errorf("entry not prefilled with what was typed: %q", a)
			}
		}},
	)
	w.newAlarm()
	if len(c.added) != 1 {
		t.Fatalf("added %+v", c.added)
	}
	r := c.added[0]
	if r.When != "7:30" || *r.Label != "Gym" || r.Repeat != "weekdays" || r.Sound != "bell" || r.Snooze != "5m0s" {
		t.Errorf("added %+v", r)
	}
	if len(*notes) != 1 || !strings.Contains((*notes)[0], "Wed 2 Dec 07:30 — in 9 h 47 min, once") {
		t.Errorf("confirmation %q", *notes)
	}
	if len(s.steps) != 0 {
		t.Errorf("%d dialogs not shown", len(s.steps))
	}
}

// Combos left unchosen come back from zenity as a space each: the alarm is added with the
// defaults the form promises (found by the desktop tests: it was silently dropped).
func TestFormUnchosenCombosAreDefaults(t *testing.T) {
	c := &fakeController{}
	w, s, _ := newTestWindow(t, c, step{kind: "--forms", ok: true, out: form("6:50", "Desk", " ", " ", " ")})
	w.newAlarm()
	if len(c.added) != 1 {
		t.Fatalf("added %+v, want the alarm with defaults", c.added)
	}
	if r := c.added[0]; r.When != "6:50" || *r.Label != "Desk" || r.Repeat != "" || r.Sound != "" || r.Snooze != "" {
		t.Errorf("added %+v", r)
	}
	if len(s.steps) != 0 {
		t.Errorf("%d dialogs not shown", len(s.steps))
	}
}

// A refusal by the agent shows its reason and the form again, whose text repeats what was typed.
func TestFormRefusedShowsReasonAndFormAgain(t *testing.T) {
	c := &fakeController{refuse: errors.New("snooze 5m is too short")}
	w, _, _ := newTestWindow(t, c,
		step{kind: "--forms", ok: true, out: form("7:30", "Gym", "", "", "")},
		step{kind: "--error"},
		step{kind: "--forms", check: func(t *testing.T, a []string) {
			if !hasArg(a, "You typed: When “7:30”, Label “Gym”") {
				t.Errorf("second form does not show the values: %q", a)
			}
		}}, // Cancel
	)
	w.newAlarm()
	if len(c.added) != 0 {
		t.Errorf("added %+v", c.added)
	}
}

// Choose days → the checklist; Cancel anywhere adds nothing.
func TestFormChooseDaysAndCancel(t *testing.T) {
	c := &fakeController{}
	w, _, _ := newTestWindow(t, c,
		step{kind: "--forms", ok: true, out: form("6:45", "", repeatChoose, "", "")},
		step{kind: "--list", ok: true, out: "Mon,Wed"},
	)
	w.newAlarm()
	if len(c.added) != 1 || c.added[0].Repeat != "mon,wed" || c.added[0].Label != nil {
		t.Fatalf("added %+v", c.added)
	}
	c = &fakeController{}
	w, _, _ = newTestWindow(t, c,
		step{kind: "--forms", ok: true, out: form("6:45", "", repeatChoose, "", "")},
		step{kind: "--list"}, // Cancel in the checklist
	)
	w.newAlarm()
	if len(c.added) != 0 {
		t.Errorf("Cancel in the checklist added %+v", c.added)
	}
}

// One window at a time: while one is open a second Open shows nothing, and stopping the agent's
// context ends the open dialog.
func TestOneWindowAtATimeAndClosedByTheAgent(t *testing.T) {
	ctx, stop := context.WithCancel(context.Background())
	opened := make(chan struct{})
	var calls int
	run := func(ctx context.Context, args ...string) (string, bool, error) {
		calls++
		close(opened)
		<-ctx.Done() // a dialog left open until the agent stops
		return "", false, ctx.Err()
	}
	w := New(ctx, Options{Controller: &fakeController{}, Log: slog.New(slog.DiscardHandler), Program: "zenity", Run: run})
	if shown, err := w.Open(); !shown || err != nil {
		t.Fatalf("Open: %v %v", shown, err)
	}
	<-opened
	if shown, err := w.Open(); shown || err != nil {
		t.Errorf("second Open while open: shown %v err %v", shown, err)
	}
	if shown, _ := w.NewAlarm(); shown {
		t.Error("New alarm opened a second dialog beside the window")
	}
	stop()
	w.Wait()
	if w.Busy() || calls != 1 {
		t.Errorf("after the agent stopped: busy %v, %d dialogs", w.Busy(), calls)
	}
}

func TestUntilAndRows(t *testing.T) {
	for d, want := range map[time.Duration]string{
		40 * time.Second: "in 40 s", 12 * time.Minute: "in 12 min", 9*time.Hour + 47*time.Minute: "in 9 h 47 min",
		51 * time.Hour: "in 2 d 3 h", 0: "now",
	} {
		if got := until(d); got != want {
			t.Errorf("until(%v) = %q, want %q", d, got, want)
		}
	}
	now := time.Date(2026, 12, 1, 21, 0, 0, 0, time.UTC)
	a := api.Alarm{Alarm: alarm.Alarm{ID: 3, Label: "Tea", Kind: when.Relative, Enabled: true, Skip: 0}, State: api.StateOn, Next: now.Add(10 * time.Minute)}
	if got := strings.Join(alarmRow(a, now), "|"); got != "3|on|Tue 21:10|timer|Tea|on" {
		t.Errorf("row %q", got)
	}
}

// Other file… asks for a file and takes it only once it decodes; Hear sounds… plays the one
// selected and returns to the form.
func TestOtherFileIsDecodedFirstAndHearSounds(t *testing.T) {
	c := &fakeController{}
	var played []string
	w, s, _ := newTestWindow(t, c,
		step{kind: "--forms", out: btnHear},
		step{kind: "--list", ok: true, out: "bell"},
		step{kind: "--list"}, // Back
		step{kind: "--forms", ok: true, out: form("7:30", "", "", soundOther, "")},
		step{kind: "--file-selection", ok: true, out: "/music/broken.ogg"},
		step{kind: "--error"},
		step{kind: "--file-selection", ok: true, out: "/music/rooster.flac"},
	)
	w.o.PlaySound = func(_ context.Context, name string) error { played = append(played, name); return nil }
	w.o.CheckSound = func(f string) error {
		if strings.Contains(f, "broken") {
			return errors.New("broken.ogg does not decode")
		}
		return nil
	}
	w.newAlarm()
	if len(played) != 1 || played[0] != "bell" {
		t.Errorf("played %q", played)
	}
	if len(c.added) != 1 || c.added[0].Sound != "/music/rooster.flac" {
		t.Errorf("added %+v", c.added)
	}
	if len(s.steps) != 0 {
		t.Errorf("%d dialogs not shown", len(s.steps))
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{10 * time.Second: "10s", 5 * time.Minute: "5m", time.Hour: "1h", 0: "0s", 90 * time.Second: "1m30s"} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
