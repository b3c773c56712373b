package window

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"alarmd/agent/api"
	"alarmd/agent/history"
)

// edit changes one alarm, starting from its current values. zenity's forms cannot be filled
// in, so Edit… lists the fields with their values; each opens a dialog prefilled with the
// current value, and a change applies at once (DESIGN §12's edit, from the window).
func (w *Window) edit(id int) {
	title := "Edit alarm " + strconv.Itoa(id)
	for w.ctx.Err() == nil {
		a, ok := w.find(id)
		if !ok {
			return
		}
		out, ok, err := w.dialog(title, "--list", "--width", "480", "--height", "440",
			"--text", fmt.Sprintf("%s: choose what to change, then Done.", a.Title()),
			"--column", "Field", "--column", "Value", "--print-column", "1",
			"--ok-label", "Change…", "--cancel-label", "Done",
			"When", whenValue(a, w.o.Now()), "Label", a.Title(), "Repeat", repeatText(a),
			"Sound", soundText(a.Sound), "Snooze", minutes(a.SnoozeFor()),
			"Reminders", remindText(a), "Volume", fmt.Sprintf("%d %%", a.VolumePercent()),
			"Rings for", shortDuration(a.RingFor()), "Late by", shortDuration(a.LateBy()),
			"Fade-in", shortDuration(a.FadeIn()))
		if err != nil || !ok {
			return
		}
		field := strings.SplitN(out, "|", 2)[0]
		if field == "" {
			continue
		}
		w.editField(title, a, field)
	}
}

// whenValue is the alarm's time as it would be typed again: "07:30", or the date and time of a
// one-shot beyond tomorrow.
func whenValue(a api.Alarm, now time.Time) string {
	if a.Next.IsZero() {
		return ""
	}
	if a.Recurring() || a.Next.Sub(now) < 20*time.Hour {
		return a.Next.Format("15:04")
	}
	return strings.ToLower(a.Next.Format("Jan 2 15:04"))
}

// editField asks for one field, prefilled, and applies it; a refusal shows the reason and asks
// again with what was typed. Cancel leaves the field as it was.
func (w *Window) editField(title string, a api.Alarm, field string) {
	prev := ""
	for w.ctx.Err() == nil {
		var req api.EditRequest
		var err error
		switch field {
		case "When":
			if prev == "" {
				prev = whenValue(a, w.o.Now())
			}
			prev, err = w.entry(title, "When should it ring? (for example 7:30, 6:45 tomorrow, in 25m)", prev)
			req.When = &prev
		case "Label":
			if prev == "" {
				prev = a.Label
			}
			prev, err = w.entry(title, "Label (empty: no label):", prev)
			req.Label = &prev
		case "Repeat":
			var r string
			r, err = w.chooseRepeat(a)
			if r == repeatOnce {
				req.Once = true
			} else {
				req.Repeat = &r
			}
		case "Sound":
			var s string
			s, err = w.chooseSound(a.Sound)
			req.Sound = &s
		case "Snooze":
			var s string
			s, err = w.chooseSnooze(a.SnoozeFor())
			req.Snooze = &s
		case "Reminders", "Volume", "Rings for", "Late by", "Fade-in":
			prev, err = w.entry(title, optionHelp[field], orCurrent(prev, a, field))
			req = optionEdit(field, prev)
		default:
			return
		}
		if err != nil {
			return
		}
		if _, err := w.o.Controller.Edit(a.ID, req, history.FromWindow); err != nil {
			w.showError(title, err.Error())
			if field != "Repeat" && field != "Sound" && field != "Snooze" {
				continue // ask again, prefilled with what was typed
			}
		}
		return
	}
}

// radio asks for one of choices, current selected; Cancel is errCanceled.
func (w *Window) radio(title, text, column string, choices []string, current string) (string, error) {
	args := []string{"--list", "--radiolist", "--height", "360", "--text", text, "--column", "", "--column", column}
	for _, c := range choices {
		mark := "FALSE"
		if c == current {
			mark = "TRUE"
		}
		args = append(args, mark, c)
	}
	out, ok, err := w.dialog(title, args...)
	if err != nil {
		return "", err
	}
	if !ok || out == "" {
		return "", errCanceled
	}
	return strings.SplitN(out, "|", 2)[0], nil
}

func (w *Window) chooseRepeat(a api.Alarm) (string, error) {
	current := repeatText(a)
	choices := repeatChoices
	known := false
	for _, c := range choices {
		known = known || c == current
	}
	if !known {
		current = repeatChoose
	}
	r, err := w.radio("Repeat", "How often should it ring?", "Repeat", choices, current)
	if err != nil || r != repeatChoose {
		return r, err
	}
	days := map[string]bool{}
	for _, d := range strings.Split(a.Repeat.String(), ",") {
		days[d] = true
	}
	return w.chooseDays(days)
}

func (w *Window) chooseSound(current string) (string, error) {
	if current == "" {
		current = "default"
	}
	choices := append([]string{"default"}, w.soundNames()...)
	if !contains(choices, current) {
		choices = append(choices, current)
	}
	choices = append(choices, soundOther)
	s, err := w.radio("Sound", "Which sound should it ring with?", "Sound", choices, current)
	switch {
	case err != nil:
		return "", err
	case s == soundOther:
		return w.chooseFile()
	case s == "default":
		return "", nil
	}
	return s, nil
}

func (w *Window) chooseSnooze(current time.Duration) (string, error) {
	choices := snoozeWords()
	if !contains(choices, minutes(current)) {
		choices = append(choices, minutes(current))
	}
	s, err := w.radio("Snooze", "How long should Snooze wait?", "Snooze", choices, minutes(current))
	if err != nil {
		return "", err
	}
	d, err := parseMinutes(s)
	if err != nil {
		return "", err
	}
	return d.String(), nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// optionHelp is the entry text of the fields that are typed as durations or numbers.
var optionHelp = map[string]string{
	"Reminders": "Quiet reminders before each ring, e.g. 10m or 1h,10m (empty: none):",
	"Volume":    "Volume in percent, 1-100:",
	"Rings for": "How long it rings unanswered, e.g. 5m:",
	"Late by":   "How late a missed ring may still sound, e.g. 10m (0: never late):",
	"Fade-in":   "Fade-in time, e.g. 10s (0: none):",
}

// orCurrent is what a typed field is prefilled with: what was typed, else the current value.
func orCurrent(prev string, a api.Alarm, field string) string {
	if prev != "" {
		return prev
	}
	switch field {
	case "Reminders":
		return remindText(a)
	case "Volume":
		return strconv.Itoa(a.VolumePercent())
	case "Rings for":
		return a.RingFor().String()
	case "Late by":
		return a.LateBy().String()
	case "Fade-in":
		return a.FadeIn().String()
	}
	return ""
}

// optionEdit is the edit request that sets field to the typed text; the agent checks it with the
// limits `edit` uses.
func optionEdit(field, text string) api.EditRequest {
	var r api.EditRequest
	switch field {
	case "Reminders":
		r.Remind = &text
	case "Volume":
		v, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(text), "%"))
		if err != nil {
			v = -1 // refused by the agent with the accepted range
		}
		r.Volume = &v
	case "Rings for":
		r.Ring = &text
	case "Late by":
		r.Late = &text
	case "Fade-in":
		r.Fade = &text
	}
	return r
}

func remindText(a api.Alarm) string {
	var s []string
	for _, d := range a.Remind {
		s = append(s, time.Duration(d).String())
	}
	return strings.Join(s, ",")
}

func shortDuration(d time.Duration) string {
	s := d.String() // "5m0s" → "5m", "1h0m0s" → "1h", "10s" stays
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
