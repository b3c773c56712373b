package tray

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ncruces/zenity"

	"alarmd/agent/alarm"
	"alarmd/agent/api"
	"alarmd/agent/when"
)

// openNewAlarm starts the New alarm… dialogs in their own goroutine, one flow at a time, so a
// dialog never blocks the menu.
func (t *Tray) openNewAlarm() {
	if t.o.NewAlarmForm != nil {
		t.o.NewAlarmForm() // returns at once; the form runs in its own process
		return
	}
	if !t.dialogBusy.CompareAndSwap(false, true) {
		t.log.Debug("a New alarm dialog is already open")
		return
	}
	go func() {
		defer t.dialogBusy.Store(false)
		if err := t.newAlarm(); err != nil {
			t.log.Warn("New alarm dialog failed", "err", err)
			t.o.Notify("alarmd", "Could not show the New alarm dialog: "+err.Error())
		}
	}()
}

// newAlarm runs the New alarm… flow: WHEN (validated, re-asked after an error dialog listing the
// accepted forms), then an optional label, then Add. Cancel anywhere ends it without a change.
func (t *Tray) newAlarm() error {
	d := t.o.Dialog
	if !d.Available() {
		t.log.Info("no dialog program for New alarm", "hint", InstallDialogHint)
		t.o.Notify("alarmd", InstallDialogHint)
		return nil
	}
	var whenText string
	for {
		text, ok, err := d.AskWhen(whenText)
		if err != nil {
			return fmt.Errorf("ask when: %w", err)
		}
		if !ok {
			return nil
		}
		whenText = strings.TrimSpace(text)
		_, perr := when.Parse(whenText, t.o.Now())
		if perr == nil {
			break
		}
		if err := d.ShowError(perr.Error() + "\n\n" + when.AcceptedForms); err != nil {
			return fmt.Errorf("show error: %w", err)
		}
	}
	var label string
	for {
		text, ok, err := d.AskLabel(label)
		if err != nil {
			return fmt.Errorf("ask label: %w", err)
		}
		if !ok {
			return nil
		}
		label = strings.TrimSpace(text)
		if label == "" {
			break
		}
		verr := alarm.ValidateLabel(label)
		if verr == nil {
			break
		}
		if err := d.ShowError(verr.Error()); err != nil {
			return fmt.Errorf("show error: %w", err)
		}
	}
	req := api.AddRequest{When: whenText}
	if label != "" {
		req.Label = &label
	}
	a, err := t.o.Controller.Add(req)
	if err != nil {
		// e.g. the time passed while the label dialog was open
		if derr := d.ShowError(err.Error()); derr != nil {
			return fmt.Errorf("show error: %w", derr)
		}
		return nil
	}
	t.log.Info("alarm added from the tray", "alarm", a.ID)
	return nil
}

// zenityDialog is the default Dialog. ctx ends open dialogs when the tray closes.
type zenityDialog struct{ ctx context.Context }

func (z zenityDialog) Available() bool { return zenity.IsAvailable() }

func (z zenityDialog) entry(text, prev string) (string, bool, error) {
	out, err := zenity.Entry(text, zenity.Title("New alarm"), zenity.EntryText(prev), zenity.Context(z.ctx))
	if errors.Is(err, zenity.ErrCanceled) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return out, true, nil
}

func (z zenityDialog) AskWhen(prev string) (string, bool, error) {
	return z.entry("When should the alarm ring?\nFor example: 7:30, 7:30 tomorrow, 9pm friday, next monday 9am, dec 25 9:00, in an hour, 25m", prev)
}

func (z zenityDialog) AskLabel(prev string) (string, bool, error) {
	return z.entry("Label (optional):", prev)
}

func (z zenityDialog) ShowError(msg string) error {
	err := zenity.Error(msg, zenity.Title("New alarm"), zenity.Context(z.ctx))
	if errors.Is(err, zenity.ErrCanceled) { // closed with the window button
		return nil
	}
	return err
}
