//go:build linux || windows

package tray

import (
	"time"

	"fyne.io/systray"
)

// countdownState is the menu's one timer: armed for the next minute a running timer's countdown
// changes, stopped when no timer runs, so an idle tray has no timer at all (DESIGN §14).
type countdownState struct {
	timer *time.Timer
	title string
}

// applyCountdown sets the item's title and arms (or stops) the refresh for md.
func (m *menu) applyCountdown(md Model) {
	title := md.Title
	if title == "" {
		title = "alarmd"
	}
	if title != m.cd.title {
		systray.SetTitle(title)
		m.cd.title = title
	}
	if m.cd.timer != nil {
		m.cd.timer.Stop()
		m.cd.timer = nil
	}
	if !md.Refresh.IsZero() {
		m.cd.timer = time.NewTimer(max(time.Until(md.Refresh), 0))
	}
}

// countdownC is the refresh timer's channel, nil (never ready) when none is armed.
func (m *menu) countdownC() <-chan time.Time {
	if m.cd.timer == nil {
		return nil
	}
	return m.cd.timer.C
}
