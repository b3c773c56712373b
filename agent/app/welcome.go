package app

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"alarmd/agent/notifier"
)

// NoTrayHint is the one notification an agent started without a tray host shows (DESIGN §14).
const NoTrayHint = "alarmd is running; open your alarms from the app menu (alarmd) or with: alarmd open"

// noTrayMarker, in the runtime directory (which lasts one login), says the hint was shown.
const noTrayMarker = "no-tray-hint-shown"

// hintWithoutTray shows NoTrayHint with an Open button when no StatusNotifierWatcher is on the
// bus at start, once per login: the marker file in the runtime directory keeps restarts quiet.
// It uses a notifier of its own (the button's answer comes back to the connection that showed
// it), closed once the notification is gone or the agent stops.
func (a *agent) hintWithoutTray() {
	tr := a.tray.Load()
	if tr == nil || !strings.HasPrefix(tr.State(), "waiting for a tray host") {
		return
	}
	marker := filepath.Join(a.paths.RuntimeDir, noTrayMarker)
	f, err := os.OpenFile(marker, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return // shown earlier in this login
	}
	if err != nil {
		a.log.Debug("no-tray hint not shown", "err", err)
		return
	}
	f.Close()
	n := notifier.New(a.desktopLog, "alarmd")
	defer n.Close()
	id, err := n.Show(notifier.Notification{
		Title:   "alarmd",
		Body:    NoTrayHint,
		Urgency: notifier.Normal,
		Actions: []notifier.Action{{Key: "open", Label: "Open"}},
		AppIcon: notificationIcon(a.paths.RuntimeDir, a.log),
		Expire:  -1,
	})
	if err != nil {
		a.log.Info("no tray host, and the hint could not be shown", "err", err)
		return
	}
	a.log.Info("no tray host: showed how to open the alarms", "notification", id)
	for {
		select {
		case <-a.ctx.Done():
			return
		case ev := <-n.Events():
			if ev.ID != id {
				continue
			}
			if ev.Action == "open" || ev.Action == "default" { // "default": a click on the body
				a.showFromTray(a.openWindow)
				return
			}
			if ev.Closed {
				return
			}
		}
	}
}
