//go:build e2e

package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"alarmd/agent/api"
)

// desk drives the real zenity dialogs the agent shows in the headless session, as a person
// would, on the session's X11 screen (x11Screen in desktop_x11_e2e_test.go).
type desk struct {
	t *testing.T
	s *x11Screen
}

func newDesk(t *testing.T) *desk {
	for _, tool := range []string{"zenity", "xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (scripts/deps.sh test installs it)", tool)
		}
	}
	return &desk{t: t, s: newX11(t)}
}

// windows lists the visible windows titled exactly title.
func (d *desk) windows(title string) []string { return x11Windows(title) }

// wait waits for a visible window titled title and gives it the focus.
func (d *desk) wait(title string) string { d.t.Helper(); return d.s.waitWindow(d.t, title) }

// gone waits for window id to go away.
func (d *desk) gone(id, title string) { d.t.Helper(); d.s.windowGone(d.t, id, title) }

// keys types into the focused window: "type:text" types text, anything else is a key name.
func (d *desk) keys(seq ...string) { d.t.Helper(); d.s.keys(d.t, seq...) }

// answer waits for the dialog titled title, takes a screenshot, types seq and waits for the
// dialog to close.
func (d *desk) answer(title, shot string, seq ...string) {
	d.t.Helper()
	w := d.wait(title)
	d.shot(shot)
	d.keys(seq...)
	d.gone(w, title)
}

func (d *desk) shot(name string) { d.t.Helper(); d.s.shot(d.t, name) }

func down(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = "Down"
	}
	return s
}

// TestAlarmsWindowByClicking runs the Alarms window as a person would: `alarmd open` starts the
// agent and shows it, a second open shows no second window; a weekdays 06:45 alarm with the bell
// sound and a 5 min snooze is made in the New alarm form, its time is changed to 07:00, its next
// ring skipped, the History read after a ring, and it is deleted; Cancel at each step changes
// nothing; the window closes when the agent stops.
func TestAlarmsWindowByClicking(t *testing.T) {
	d := newDesk(t)
	a := newAgentEnv(t)
	alarms := func() []api.Alarm { return a.list() }

	start := time.Now()
	out := a.must("open")
	if !strings.Contains(out, "started") {
		t.Fatalf("open with no agent: %q, want it started", out)
	}
	win := d.wait("Alarms")
	t.Logf("figure: alarmd open with no agent running -> Alarms window on screen: %v", time.Since(start).Round(time.Millisecond))
	d.shot("empty-window")

	// A second open brings nothing new: the same one window.
	start = time.Now()
	if out := a.must("open"); !strings.Contains(out, "open already") {
		t.Errorf("second open said %q", out)
	}
	t.Logf("figure: second alarmd open answered in %v", time.Since(start).Round(time.Millisecond))
	if w := d.windows("Alarms"); len(w) != 1 || w[0] != win {
		t.Fatalf("after a second open: Alarms windows %v, want only %s", w, win)
	}

	// New… then Cancel: nothing added. While the form is open a timer rings and ends: dialogs
	// never hold the agent up.
	d.keys("alt+n")
	w := d.wait("New alarm")
	a.must("add", "in", "2s", "Rings beside the form", "--ring", "1s")
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(a.must("history"), "Rings beside the form"); {
		if time.Now().After(deadline) {
			t.Fatalf("the timer did not ring and end while the form was open; log:\n%s", a.log())
		}
		time.Sleep(200 * time.Millisecond)
	}
	d.shot("new-form-open-while-ringing")
	d.keys("Escape")
	d.gone(w, "New alarm")
	d.wait("Alarms")
	if n := len(alarms()); n != 0 {
		t.Fatalf("Cancel in the form added %d alarms", n)
	}

	// The bell's place in the Sound combo.
	var sounds struct {
		Sounds []struct{ Name string } `json:"sounds"`
	}
	if err := json.Unmarshal([]byte(a.must("sounds", "--json")), &sounds); err != nil {
		t.Fatal(err)
	}
	bell := slices.IndexFunc(sounds.Sounds, func(s struct{ Name string }) bool { return s.Name == "bell" })
	if bell < 0 {
		t.Fatal("no bell sound")
	}

	// New…: 06:45, Gym, weekdays, bell, 5 min.
	start = time.Now()
	d.keys("alt+n")
	w = d.wait("New alarm")
	t.Logf("figure: Alt+N (New…) -> form on screen: %v", time.Since(start).Round(time.Millisecond))
	seq := []string{"type:6:45", "Tab", "type:Gym", "Tab"}
	seq = append(seq, down(3)...) // Repeat: once, daily, weekdays
	seq = append(seq, "Tab")
	seq = append(seq, down(bell+1)...) // Sound
	seq = append(seq, "Tab")
	seq = append(seq, down(2)...) // Snooze: 1 min, 5 min
	d.keys(seq...)
	d.shot("new-form-filled")
	d.keys("Tab", "Tab", "Return") // past Cancel to Add alarm
	d.gone(w, "New alarm")
	d.wait("Alarms")
	d.shot("window-with-gym")
	list := alarms()
	if len(list) != 1 {
		t.Fatalf("after the form: %d alarms, want 1", len(list))
	}
	gym := list[0]
	if gym.Title() != "Gym" || gym.Repeat.String() != "weekdays" || gym.Sound != "bell" ||
		time.Duration(gym.Snooze) != 5*time.Minute || gym.Next.Format("15:04") != "06:45" {
		t.Fatalf("the form made %+v (next %v), want Gym weekdays 06:45 bell 5m", gym.Alarm, gym.Next)
	}

	card, edit := fmt.Sprintf("Alarm %d", gym.ID), fmt.Sprintf("Edit alarm %d", gym.ID)
	// Change… → Edit… → When: 07:00. First Cancel in the entry: nothing changes.
	d.keys("Home", "Return")
	d.answer(card, "card", "Return")                // Edit…
	d.answer(edit, "edit-fields", "Home", "Return") // When is the first field
	d.answer(edit, "edit-when-cancel", "Escape")
	d.answer(edit, "edit-fields-again", "Home", "Return")
	d.answer(edit, "edit-when", "ctrl+a", "type:7:00", "Return")
	d.answer(edit, "edit-fields-after", "Escape") // Done
	d.wait("Alarms")
	if got := alarms()[0]; got.Next.Format("15:04") != "07:00" || got.Repeat.String() != "weekdays" {
		t.Fatalf("after editing the time: %+v next %v", got.Alarm, got.Next)
	}

	// Skip next: Back first (nothing), then Skip next.
	d.keys("Home", "Return")
	d.answer(card, "card-back", "Escape")
	d.wait("Alarms")
	if got := alarms()[0]; got.Skip != 0 {
		t.Fatalf("Back skipped: %+v", got.Alarm)
	}
	d.keys("Home", "Return")
	d.answer(card, "card-skip", "alt+s")
	d.wait("Alarms")
	d.shot("window-skipped")
	if got := alarms()[0]; got.Skip != 1 {
		t.Fatalf("Skip next: skip %d, want 1", got.Skip)
	}

	// A ring while the window is open: the agent rings on, and History shows it.
	a.must("add", "in", "2s", "Tea", "--ring", "1s")
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(a.must("history"), "Tea") {
		if time.Now().After(deadline) {
			t.Fatalf("the timer did not ring and end while the window was open; log:\n%s", a.log())
		}
		time.Sleep(200 * time.Millisecond)
	}
	d.keys("Escape") // the list on screen is from before the ring; reopen it fresh
	a.must("open")
	d.wait("Alarms")
	d.keys("alt+h")
	w = d.wait("History")
	d.shot("history")
	d.keys("Escape")
	d.gone(w, "History")

	// Delete: Keep first, then Delete.
	a.must("open")
	d.wait("Alarms")
	d.keys("Home", "Return")
	d.answer(card, "card-delete", "alt+d")
	d.answer("Delete alarm", "delete-ask-keep", "Escape")
	d.wait("Alarms")
	if n := len(alarms()); n != 1 {
		t.Fatalf("Keep deleted: %d alarms", n)
	}
	d.keys("Home", "Return")
	d.answer(card, "card-delete-2", "alt+d")
	d.answer("Delete alarm", "delete-ask", "Return")
	win = d.wait("Alarms")
	d.shot("window-empty-again")
	if n := len(alarms()); n != 0 {
		t.Fatalf("Delete left %d alarms", n)
	}

	// The window closes when the agent stops.
	a.must("stop")
	d.gone(win, "Alarms")
}
