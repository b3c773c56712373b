package tray

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"

	"alarmd/agent/sessionbus"
)

const watcherName = "org.kde.StatusNotifierWatcher"

// connectBus connects the shared session bus connection that fyne.io/systray uses (it calls
// dbus.SessionBus() itself and would dereference a nil connection on Quit if that failed, so we
// make sure it succeeds first). It returns a probe for State and a function that closes the
// connection (which removes the item from the bus), or why the tray cannot run.
//
// Nothing here adds match rules or requests names on the shared connection: fyne's
// re-registration loop reads every signal that connection receives and gives up on any it does
// not expect.
func connectBus() (probe func() (string, bool), closeBus func(), reason string) {
	// fyne dials through godbus's default, which reads DBUS_SESSION_BUS_ADDRESS and would
	// autolaunch a bus without it.
	if _, err := sessionbus.Export(); err != nil {
		return nil, nil, err.Error()
	}
	conn, err := dbus.SessionBus()
	if err != nil {
		return nil, nil, fmt.Sprintf("no session bus (%v)", err)
	}
	// fyne closes the same connection on exit, after its exit callback; Close is idempotent and
	// waits for a close in progress, so closing here too makes Tray.Close return only once the
	// item is gone from the bus.
	return func() (string, bool) { return hostState(conn) }, func() { _ = conn.Close() }, ""
}

// hostState asks the bus whether a tray host runs and lists our item.
func hostState(conn *dbus.Conn) (string, bool) {
	if !conn.Connected() {
		return "stopped", false
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var has bool
	err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, watcherName).Store(&has)
	if err != nil {
		return fmt.Sprintf("session bus not answering (%v)", err), false
	}
	if !has {
		return "waiting for a tray host (no StatusNotifierWatcher on the session bus)", false
	}
	var items dbus.Variant
	err = conn.Object(watcherName, "/StatusNotifierWatcher").CallWithContext(ctx,
		"org.freedesktop.DBus.Properties.Get", 0, watcherName, "RegisteredStatusNotifierItems").Store(&items)
	if err != nil {
		return "tray host present; registration not confirmed", true
	}
	list, _ := items.Value().([]string)
	names := conn.Names()
	wellKnown := fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", os.Getpid())
	for _, it := range list {
		if strings.HasPrefix(it, wellKnown) || (len(names) > 0 && strings.HasPrefix(it, names[0])) {
			return "shown (StatusNotifierItem)", true
		}
	}
	return "tray host present; icon not registered yet", true
}

// refreshLoginOnRedraw: no; the host's "menu opened" event rereads the start-at-login state
// (reading it may run systemctl, too slow for every redraw).
const refreshLoginOnRedraw = false
