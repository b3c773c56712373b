package app

import (
	"context"
	"errors"
	"os"
	"os/exec"

	"alarmd/agent/audio"
	"alarmd/agent/tray"
	"alarmd/agent/window"
)

// startWindow prepares the Alarms window (DESIGN §14); it shows nothing until asked. Its dialogs
// are the agent's children, started with the agent's context, so they close when it stops.
func (a *agent) startWindow() {
	a.win = window.New(a.ctx, window.Options{
		Controller: trayController{a.svc, a.heard},
		Log:        a.desktopLog,
		Sounds: func() []string {
			list, err := audio.List(a.paths.SoundsDir)
			if err != nil {
				a.log.Warn("sounds not listed", "err", err)
			}
			names := make([]string, 0, len(list))
			for _, s := range list {
				names = append(names, s.Name)
			}
			return names
		},
		CheckSound: checkSound(a.paths.SoundsDir),
		PlaySound:  playSoundOnce,
		Notify:     func(title, body string) { a.ring.Warn(title, body) },
	})
	a.onRelease(a.win.Wait) // the dialogs end with a.ctx; wait for their goroutine
}

// openWindow is POST /v1/window and the tray's Alarms…: it shows the window in the agent's
// session, or brings the open one forward.
func (a *agent) openWindow() (bool, error) {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return false, errors.New("the agent has no display (DISPLAY and WAYLAND_DISPLAY are unset)")
	}
	return a.win.Open()
}

// trayWindow hands the tray the window's entry points: Alarms… and New alarm… (and a left click)
// open the window's dialogs when a dialog program is there; otherwise the tray keeps its own.
func (a *agent) trayWindow(o *tray.Options) {
	if !a.win.Available() {
		return
	}
	o.OpenWindow = func() { a.showFromTray(a.openWindow) }
	o.NewAlarmForm = func() {
		a.showFromTray(func() (bool, error) { return a.win.NewAlarm() })
	}
}

func (a *agent) showFromTray(open func() (bool, error)) {
	if _, err := open(); err != nil {
		a.log.Warn("window not shown", "err", err)
		a.ring.Warn("alarmd", "Could not show the Alarms window: "+err.Error())
	}
}

// playSoundOnce plays a sound for Hear sounds… in a child process (`alarmd sounds play`), so the
// agent's own audio device and its ringing alarms are not involved.
func playSoundOnce(ctx context.Context, sound string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	out, err := exec.CommandContext(ctx, exe, "sounds", "play", sound).CombinedOutput()
	if err != nil && len(out) > 0 {
		return errors.New(string(out))
	}
	return err
}
