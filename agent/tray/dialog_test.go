package tray

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"alarmd/agent/api"
	"alarmd/agent/when"
)

// fakeController records Add calls; the other methods are not used by the dialog flow.
type fakeController struct {
	mu    sync.Mutex
	added []api.AddRequest
	err   error
}

func (f *fakeController) Snapshot() api.Snapshot { return api.Snapshot{} }
func (f *fakeController) Add(r api.AddRequest) (api.Alarm, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return api.Alarm{}, f.err
	}
	f.added = append(f.added, r)
	return api.Alarm{}, nil
}
func (f *fakeController) Edit(int, api.EditRequest, string) (api.Alarm, error) {
	return api.Alarm{}, nil
}
func (f *fakeController) Delete(int, string) error                         { return nil }
func (f *fakeController) Snooze(int, time.Duration, string) ([]int, error) { return nil, nil }
func (f *fakeController) Dismiss(int, string) ([]int, error)               { return nil, nil }
func (f *fakeController) SetPaused(bool) error                             { return nil }
func (f *fakeController) Subscribe() <-chan struct{}                       { return nil }

// scriptedDialog answers from a list; "" with cancel=true is Cancel.
type scriptedDialog struct {
	available bool
	answers   []answer
	log       []string
}

type answer struct {
	text   string
	cancel bool
}

func (d *scriptedDialog) Available() bool { return d.available }
func (d *scriptedDialog) next(kind, prev string) (string, bool, error) {
	d.log = append(d.log, kind+"("+prev+")")
	if len(d.answers) == 0 {
		return "", false, errors.New("no more answers")
	}
	a := d.answers[0]
	d.answers = d.answers[1:]
	return a.text, !a.cancel, nil
}
func (d *scriptedDialog) AskWhen(prev string) (string, bool, error)  { return d.next("when", prev) }
func (d *scriptedDialog) AskLabel(prev string) (string, bool, error) { return d.next("label", prev) }
func (d *scriptedDialog) ShowError(msg string) error {
	first, _, _ := strings.Cut(msg, "\n")
	d.log = append(d.log, "error:"+first)
	if strings.HasPrefix(msg, "cannot read time") && !strings.HasSuffix(msg, "\n\n"+when.AcceptedForms) {
		d.log = append(d.log, "error without the accepted forms")
	}
	return nil
}

func testTray(c Controller, d Dialog, notes *[]string) *Tray {
	return newTray(context.Background(), Options{
		Controller: c, Dialog: d, Log: slog.New(slog.DiscardHandler),
		Now:    func() time.Time { return now },
		Notify: func(title, body string) { *notes = append(*notes, body) },
	})
}

func TestNewAlarmFlow(t *testing.T) {
	long := strings.Repeat("x", 201)
	tests := []struct {
		name    string
		answers []answer
		log     []string
		added   []string // when|label
	}{
		{
			name:    "bad when, then good, with label",
			answers: []answer{{text: "25:00"}, {text: " 7:30 "}, {text: "Wake up"}},
			log:     []string{"when()", `error:cannot read time "25:00"`, "when(25:00)", "label()"},
			added:   []string{"7:30|Wake up"},
		},
		{
			name:    "no label",
			answers: []answer{{text: "in 25m"}, {text: "  "}},
			log:     []string{"when()", "label()"},
			added:   []string{"in 25m|"},
		},
		{
			name:    "label too long is asked again",
			answers: []answer{{text: "noon"}, {text: long}, {text: "Lunch"}},
			log:     []string{"when()", "label()", "error:label", "label(" + long + ")"},
			added:   []string{"noon|Lunch"},
		},
		{name: "cancel when", answers: []answer{{cancel: true}}, log: []string{"when()"}},
		{name: "cancel label", answers: []answer{{text: "7am"}, {cancel: true}}, log: []string{"when()", "label()"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &fakeController{}
			d := &scriptedDialog{available: true, answers: tt.answers}
			var notes []string
			if err := testTray(c, d, &notes).newAlarm(); err != nil {
				t.Fatal(err)
			}
			for i, want := range tt.log {
				if i >= len(d.log) || !strings.HasPrefix(d.log[i], want) {
					t.Fatalf("dialog log %q, want prefixes %q", d.log, tt.log)
				}
			}
			if len(d.log) != len(tt.log) {
				t.Fatalf("dialog log %q, want %q", d.log, tt.log)
			}
			var added []string
			for _, r := range c.added {
				l := ""
				if r.Label != nil {
					l = *r.Label
				}
				added = append(added, r.When+"|"+l)
			}
			if strings.Join(added, ",") != strings.Join(tt.added, ",") {
				t.Errorf("added %q, want %q", added, tt.added)
			}
			if len(notes) != 0 {
				t.Errorf("notifications %q", notes)
			}
		})
	}
}

func TestNewAlarmWithoutDialogProgram(t *testing.T) {
	c := &fakeController{}
	var notes []string
	if err := testTray(c, &scriptedDialog{}, &notes).newAlarm(); err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 || notes[0] != InstallDialogHint || len(c.added) != 0 {
		t.Errorf("notes %q, added %v", notes, c.added)
	}
}

func TestNewAlarmAddRefused(t *testing.T) {
	c := &fakeController{err: errors.New("alarms file is read-only")}
	d := &scriptedDialog{available: true, answers: []answer{{text: "7:30"}, {text: ""}}}
	var notes []string
	if err := testTray(c, d, &notes).newAlarm(); err != nil {
		t.Fatal(err)
	}
	if last := d.log[len(d.log)-1]; last != "error:alarms file is read-only" {
		t.Errorf("dialog log %q", d.log)
	}
}
