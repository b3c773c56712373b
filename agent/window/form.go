package window

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"alarmd/agent/alarm"
	"alarmd/agent/api"
	"alarmd/agent/when"
)

// Words of the form's combos and buttons.
const (
	repeatOnce   = "once"
	repeatChoose = "choose days…"
	soundOther   = "Other file…"
	btnHear      = "_Hear sounds…"
	formTitle    = "New alarm"
	fieldSep     = "\x1f" // between the form's fields in zenity's answer: no label holds it
)

var (
	repeatChoices = []string{repeatOnce, "daily", "weekdays", "weekends", repeatChoose}
	snoozeChoices = []time.Duration{
		time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 20 * time.Minute, 30 * time.Minute,
	}
	weekdays = []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
)

// whenExamples is the When field's help: the forgiving forms (DESIGN §13) by example.
const whenExamples = "When: a time or a day and time, for example 7:30, 6:45 tomorrow, 9pm friday,\n" +
	"next monday 9am, dec 25 9:00, in 25m, in an hour.\n" +
	"Left empty: Repeat once, the default sound, Snooze as set in the config (10 min)."

// errCanceled ends a flow without a change.
var errCanceled = errors.New("canceled")

// formValues is what the form's fields held, as typed or chosen.
type formValues struct {
	When, Label, Repeat, Sound, Snooze string
}

// newAlarm runs the New alarm form until an alarm is added or the user cancels. A value the agent
// refuses is shown with the reason and asked again, prefilled with what was typed.
func (w *Window) newAlarm() {
	var prev *formValues
	for w.ctx.Err() == nil {
		v, action, err := w.askForm(prev)
		switch {
		case err != nil:
			return
		case action == btnHear:
			w.hearSounds()
			continue
		}
		req, err := w.request(&v)
		if err != nil {
			return // canceled in a follow-up dialog: nothing changed
		}
		a, err := w.o.Controller.Add(req)
		if err != nil {
			w.showError(formTitle, err.Error())
			prev = &v
			continue
		}
		w.log.Info("alarm added from the window", "alarm", a.ID)
		w.o.Notify("Alarm set: "+a.Title(), confirmation(a, w.o.Now()))
		return
	}
}

// confirmation is what the agent read: "Wed 2 Dec 07:30 — in 9 h 47 min, weekdays".
func confirmation(a api.Alarm, now time.Time) string {
	if a.Next.IsZero() {
		return "It will not ring: " + stateText(a)
	}
	return fmt.Sprintf("%s — %s, %s", a.Next.Format("Mon 2 Jan 15:04"), until(a.Next.Sub(now)), repeatText(a))
}

// askForm shows the form once. action is an extra button's label; err is errCanceled on
// Cancel. zenity cannot fill a form's entries in, so after a refusal the form's text shows what
// was typed before.
func (w *Window) askForm(prev *formValues) (v formValues, action string, err error) {
	text := whenExamples
	if prev != nil {
		text = fmt.Sprintf("You typed: When “%s”, Label “%s”, Repeat %s, Sound %s, Snooze %s.\n"+
			"A form cannot be filled in again: type the values anew (empty choices keep the default).\n\n%s",
			prev.When, prev.Label, orDefault(prev.Repeat), orDefault(prev.Sound), orDefault(prev.Snooze), whenExamples)
	}
	args := []string{"--forms", "--width", "460", "--text", text, "--separator", fieldSep,
		"--add-entry", "When", "--add-entry", "Label",
		"--add-combo", "Repeat", "--combo-values", strings.Join(repeatChoices, "|"),
		"--add-combo", "Sound", "--combo-values", strings.Join(append(w.soundNames(), soundOther), "|"),
		"--add-combo", "Snooze", "--combo-values", strings.Join(snoozeWords(), "|"),
		"--ok-label", "Add alarm"}
	if w.o.PlaySound != nil {
		args = append(args, "--extra-button", btnHear)
	}
	out, ok, err := w.dialog(formTitle, args...)
	if err != nil {
		return v, "", err
	}
	if !ok {
		if out == btnHear {
			return v, btnHear, nil
		}
		return v, "", errCanceled
	}
	f := strings.Split(out, fieldSep)
	for len(f) < 5 {
		f = append(f, "")
	}
	// zenity prints a combo left unchosen as a space: that is the default the form promises.
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	return formValues{When: f[0], Label: f[1], Repeat: f[2], Sound: f[3], Snooze: f[4]}, "", nil
}

func orDefault(s string) string {
	if s == "" {
		return "(default)"
	}
	return s
}

func snoozeWords() []string {
	var s []string
	for _, d := range snoozeChoices {
		s = append(s, minutes(d))
	}
	return s
}

func (w *Window) soundNames() []string {
	if w.o.Sounds == nil {
		return nil
	}
	return w.o.Sounds()
}

// request turns the form's values into an add request, asking again for what does not read
// (When, Label) and following up Repeat's "choose days…" and Sound's "Other file…". v is
// updated with what was finally given.
func (w *Window) request(v *formValues) (api.AddRequest, error) {
	var req api.AddRequest
	for {
		if v.When == "" {
			w.showError(formTitle, "When is empty: type a time, for example 7:30.\n\n"+when.AcceptedForms)
		} else if _, err := when.Parse(v.When, w.o.Now()); err != nil {
			w.showError(formTitle, err.Error()+"\n\n"+when.AcceptedForms)
		} else {
			break
		}
		t, err := w.entry(formTitle, "When should the alarm ring? (for example 7:30, 6:45 tomorrow, in 25m)", v.When)
		if err != nil {
			return req, err
		}
		v.When = t
	}
	req.When = v.When
	for v.Label != "" {
		err := alarm.ValidateLabel(v.Label)
		if err == nil {
			label := v.Label
			req.Label = &label
			break
		}
		w.showError(formTitle, err.Error())
		t, err := w.entry(formTitle, "Label (optional):", v.Label)
		if err != nil {
			return req, err
		}
		v.Label = t
	}
	switch v.Repeat {
	case "", repeatOnce:
	case repeatChoose:
		days, err := w.chooseDays(nil)
		if err != nil {
			return req, err
		}
		req.Repeat = days
		v.Repeat = days
	default:
		req.Repeat = v.Repeat
	}
	if v.Sound == soundOther {
		file, err := w.chooseFile()
		if err != nil {
			return req, err
		}
		v.Sound = file
	}
	req.Sound = v.Sound
	if v.Snooze != "" {
		d, err := parseMinutes(v.Snooze)
		if err != nil {
			return req, err
		}
		req.Snooze = d.String()
	}
	return req, nil
}

// parseMinutes reads the snooze combo's words back ("5 min", "90 s").
func parseMinutes(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, " min", "m")
	s = strings.ReplaceAll(s, " s", "s")
	return time.ParseDuration(s)
}

// entry asks for one line, prefilled with prev.
func (w *Window) entry(title, text, prev string) (string, error) {
	out, ok, err := w.dialog(title, "--entry", "--width", "420", "--text", text, "--entry-text", prev)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", errCanceled
	}
	return strings.TrimSpace(out), nil
}

// chooseDays asks for the days of the week (a checklist, checked: current) and returns them as a
// repeat rule ("mon,wed,fri"); at least one must be chosen.
func (w *Window) chooseDays(current map[string]bool) (string, error) {
	for {
		args := []string{"--list", "--checklist", "--height", "330", "--text", "Ring on these days:",
			"--column", "", "--column", "Day", "--separator", ","}
		for _, d := range weekdays {
			check := "FALSE"
			if current[strings.ToLower(d)] {
				check = "TRUE"
			}
			args = append(args, check, d)
		}
		out, ok, err := w.dialog("Repeat on", args...)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", errCanceled
		}
		if out = strings.ToLower(strings.TrimSpace(out)); out != "" {
			return out, nil
		}
		w.showError("Repeat on", "Choose at least one day (or Cancel).")
	}
}

// chooseFile asks for a sound file and accepts it only once it decodes.
func (w *Window) chooseFile() (string, error) {
	for {
		out, ok, err := w.dialog("Choose a sound file", "--file-selection",
			"--file-filter", "Sounds | *.wav *.mp3 *.ogg *.oga *.flac *.WAV *.MP3 *.OGG *.FLAC", "--file-filter", "All files | *")
		if err != nil {
			return "", err
		}
		if !ok {
			return "", errCanceled
		}
		if w.o.CheckSound == nil {
			return out, nil
		}
		cerr := w.o.CheckSound(out)
		if cerr == nil {
			return out, nil
		}
		w.showError("Choose a sound file", fmt.Sprintf("%v\n\nAccepted: wav, mp3, ogg (vorbis), flac.", cerr))
	}
}

// hearSounds lists the sounds; Play plays the one selected and shows the list again.
func (w *Window) hearSounds() {
	for w.ctx.Err() == nil {
		args := []string{"--list", "--height", "360", "--text", "Select a sound and press Play to hear it; Back returns to the form.",
			"--column", "Sound", "--ok-label", "Play", "--cancel-label", "Back"}
		args = append(args, w.soundNames()...)
		out, ok, err := w.dialog("Sounds", args...)
		if err != nil || !ok {
			return
		}
		if name := strings.SplitN(out, "|", 2)[0]; name != "" {
			if err := w.o.PlaySound(w.ctx, name); err != nil && w.ctx.Err() == nil {
				w.showError("Sounds", fmt.Sprintf("Could not play %s: %v", name, err))
			}
		}
	}
}
