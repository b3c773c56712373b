package window

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"alarmd/agent/api"
	"alarmd/agent/history"
	"alarmd/agent/when"
)

// Button labels of the window. The extra buttons have mnemonics (Alt+letter), which is also how
// the end-to-end tests press them.
const (
	btnChange  = "Change…"
	btnNew     = "_New…" // extra buttons take mnemonics: Alt+N
	btnHistory = "_History"
	btnEdit    = "Edit…" // an OK label shows an underscore as it is: none
	btnOff     = "Switch _off"
	btnOn      = "Switch _on"
	btnSkip    = "_Skip next"
	btnUnskip  = "_Unskip"
	btnDelete  = "_Delete"
	btnStop    = "S_top"
	btnSnooze  = "Snoo_ze"
)

// listLoop shows the Alarms window until it is closed, coming back with fresh content after
// every action.
func (w *Window) listLoop() {
	for w.ctx.Err() == nil {
		alarms := w.o.Controller.Snapshot().Alarms
		api.SortByNextRing(alarms)
		now := w.o.Now()
		args := []string{"--list", "--width", "720", "--height", "420",
			"--text", listText(len(alarms)),
			"--column", "ID", "--column", "On", "--column", "Next ring", "--column", "Repeat",
			"--column", "Label", "--column", "State",
			"--hide-column", "1", "--print-column", "1",
			"--ok-label", btnChange, "--cancel-label", "Close",
			"--extra-button", btnNew, "--extra-button", btnHistory}
		for _, a := range alarms {
			args = append(args, alarmRow(a, now)...)
		}
		out, ok, err := w.dialog("Alarms", args...)
		switch {
		case err != nil:
			return
		case ok:
			// Some zenity versions print the column twice on a double-click ("3|3").
			id, _ := strconv.Atoi(strings.SplitN(out, "|", 2)[0])
			if id > 0 {
				w.card(id)
			}
		case out == btnNew:
			w.newAlarm()
		case out == btnHistory:
			w.history()
		default:
			return // Close, Escape
		}
	}
}

func listText(n int) string {
	switch n {
	case 0:
		return "No alarms yet. Press New… to set one."
	case 1:
		return "1 alarm. Select it and press Change… (or double-click it) to edit, switch off, skip or delete it."
	}
	return fmt.Sprintf("%d alarms. Select one and press Change… (or double-click it) to edit, switch off, skip or delete it.", n)
}

// alarmRow is one alarm's cells: id, on/off, next ring, repeat, label, state.
func alarmRow(a api.Alarm, now time.Time) []string {
	on := "off"
	if a.Enabled {
		on = "on"
	}
	next := "–"
	if !a.Next.IsZero() {
		next = ringTime(a.Next, now)
	}
	return []string{strconv.Itoa(a.ID), on, next, repeatText(a), a.Title(), stateText(a)}
}

func repeatText(a api.Alarm) string {
	if r := a.Repeat.String(); r != "" {
		return r
	}
	if a.Kind == when.Relative {
		return "timer"
	}
	return "once"
}

func stateText(a api.Alarm) string {
	s := a.State
	if a.Skip > 0 {
		s += fmt.Sprintf(", skips %d", a.Skip)
	}
	return s
}

// card shows one alarm with its actions: Edit…, Switch off/on, Skip next (Unskip), Delete.
func (w *Window) card(id int) {
	a, ok := w.find(id)
	if !ok {
		return
	}
	onoff := btnOff
	if !a.Enabled {
		onoff = btnOn
	}
	args := []string{"--question", "--no-markup", "--width", "420", "--text", describe(a, w.o.Now()),
		"--ok-label", btnEdit, "--cancel-label", "Back",
		"--extra-button", onoff, "--extra-button", btnSkip}
	if a.Skip > 0 {
		args = append(args, "--extra-button", btnUnskip)
	}
	if a.State == api.StateRinging || a.State == api.StateSnoozed {
		args = append(args, "--extra-button", btnStop)
	}
	if a.State == api.StateRinging {
		args = append(args, "--extra-button", btnSnooze)
	}
	args = append(args, "--extra-button", btnDelete)
	title := "Alarm " + strconv.Itoa(id)
	out, ok, err := w.dialog(title, args...)
	if err != nil {
		return
	}
	c := w.o.Controller
	var cerr error
	switch {
	case ok:
		w.edit(id)
	case out == btnOff || out == btnOn:
		on := out == btnOn
		_, cerr = c.Edit(id, api.EditRequest{Enabled: &on}, history.FromWindow)
	case out == btnSkip:
		_, cerr = c.Skip(id, 1, history.FromWindow)
	case out == btnStop:
		_, cerr = c.Dismiss(id, history.FromWindow)
	case out == btnSnooze:
		_, cerr = c.Snooze(id, 0, history.FromWindow)
	case out == btnUnskip:
		_, cerr = c.Unskip(id, history.FromWindow)
	case out == btnDelete:
		_, yes, err := w.dialog("Delete alarm", "--question", "--no-markup",
			"--text", fmt.Sprintf("Delete alarm %d, %s?", id, a.Title()),
			"--ok-label", "Delete", "--cancel-label", "Keep")
		if err == nil && yes {
			cerr = c.Delete(id, history.FromWindow)
		}
	}
	if cerr != nil {
		w.showError(title, cerr.Error())
	}
}

func (w *Window) find(id int) (api.Alarm, bool) {
	for _, a := range w.o.Controller.Snapshot().Alarms {
		if a.ID == id {
			return a, true
		}
	}
	return api.Alarm{}, false
}

// describe is an alarm's card text.
func describe(a api.Alarm, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (alarm %d)\n\n", a.Title(), a.ID)
	if a.Next.IsZero() {
		b.WriteString("Next ring: none\n")
	} else {
		fmt.Fprintf(&b, "Next ring: %s, %s\n", a.Next.Format("Mon 2 Jan 15:04"), until(a.Next.Sub(now)))
	}
	fmt.Fprintf(&b, "Repeat: %s\n", repeatText(a))
	fmt.Fprintf(&b, "Sound: %s\n", soundText(a.Sound))
	fmt.Fprintf(&b, "Snooze: %s\n", minutes(a.SnoozeFor()))
	fmt.Fprintf(&b, "State: %s", stateText(a))
	return b.String()
}

func soundText(s string) string {
	if s == "" {
		return "default"
	}
	return s
}

// history shows the recent occurrences and how each ended, newest first.
func (w *Window) history() {
	entries, err := w.o.Controller.History(history.Query{Since: w.o.Now().Add(-30 * 24 * time.Hour)})
	if err != nil {
		w.showError("History", err.Error())
		return
	}
	slices.Reverse(entries)
	if len(entries) > 500 {
		entries = entries[:500]
	}
	now := w.o.Now()
	text := fmt.Sprintf("%d occurrences in the last 30 days, newest first.", len(entries))
	if len(entries) == 0 {
		text = "No occurrence has ended in the last 30 days."
	}
	args := []string{"--list", "--width", "760", "--height", "420", "--text", text,
		"--column", "Due", "--column", "Alarm", "--column", "Rang", "--column", "How it ended",
		"--column", "Snoozes", "--column", "From",
		"--ok-label", "Back", "--cancel-label", "Close"}
	for _, e := range entries {
		label := e.Label
		if label == "" {
			label = "Alarm"
		}
		rang := "–"
		if !e.Rang.IsZero() {
			rang = ringTime(e.Rang, now)
		}
		args = append(args, ringTime(e.Due, now), fmt.Sprintf("%s (%d)", label, e.ID), rang, e.End,
			strconv.Itoa(e.Snoozes), e.From)
	}
	_, _, _ = w.dialog("History", args...)
}

// ringTime is "Tue 07:30" within the coming week, "Tue 1 Dec 07:30" beyond.
func ringTime(t, now time.Time) string {
	clock := "15:04"
	if t.Second() != 0 {
		clock = "15:04:05"
	}
	d := t.Sub(now)
	if d > -6*24*time.Hour && d < 6*24*time.Hour {
		return t.Format("Mon " + clock)
	}
	if t.Year() == now.Year() {
		return t.Format("Mon 2 Jan " + clock)
	}
	return t.Format("Mon 2 Jan 2006 " + clock)
}

// until is "in 9 h 47 min", "in 12 min", "in 40 s", "in 2 d 3 h"; "now" when past.
func until(d time.Duration) string {
	switch {
	case d <= 0:
		return "now"
	case d < time.Minute:
		return fmt.Sprintf("in %d s", (d+time.Second-1)/time.Second)
	}
	m := int((d + time.Minute - 1) / time.Minute) // rounded up: "in 1 min" until it rings
	switch {
	case m < 60:
		return fmt.Sprintf("in %d min", m)
	case m < 24*60:
		if m%60 == 0 {
			return fmt.Sprintf("in %d h", m/60)
		}
		return fmt.Sprintf("in %d h %d min", m/60, m%60)
	}
	h := m / 60
	if h%24 == 0 {
		return fmt.Sprintf("in %d d", h/24)
	}
	return fmt.Sprintf("in %d d %d h", h/24, h%24)
}

// minutes is a snooze length: "5 min", "90 s".
func minutes(d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 {
		return fmt.Sprintf("%d min", d/time.Minute)
	}
	return fmt.Sprintf("%d s", d/time.Second)
}
