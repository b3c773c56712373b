package tray

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

const watcherName = "org.kde.StatusNotifierWatcher"

// EnsureBusAddress makes sure DBUS_SESSION_BUS_ADDRESS is set when a session bus is reachable:
// when it is unset but $XDG_RUNTIME_DIR/bus is a socket (systemd's user bus), it is set to that.
// It reports whether an address is set. Without one, godbus would autolaunch a stray bus
// through dbus-launch, so nothing should call dbus.SessionBus() then.
func EnsureBusAddress() bool {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return true
	}
	rt := os.Getenv("XDG_RUNTIME_DIR")
	if rt == "" {
		return false
	}
	p := filepath.Join(rt, "bus")
	if fi, err := os.Stat(p); err != nil || fi.Mode()&os.ModeSocket == 0 {
		return false
	}
	return os.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+escapeBusValue(p)) == nil
}

// escapeBusValue escapes a D-Bus address value: bytes outside [-0-9A-Za-z_/.\*] become %XX.
func escapeBusValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_/.\\*", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02x", c)
		}
	}
	return b.String()
}

// connectBus connects the shared session bus connection that fyne.io/systray uses (it calls
// dbus.SessionBus() itself and would dereference a nil connection on Quit if that failed, so we
// make sure it succeeds first). It returns a probe for State and a function that closes the
// connection (which removes the item from the bus), or why the tray cannot run.
//
// Nothing here adds match rules or requests names on the shared connection: fyne's
// re-registration loop reads every signal that connection receives and gives up on any it does
// not expect.
func connectBus() (probe func() (string, bool), closeBus func(), reason string) {
	if !EnsureBusAddress() {
		return nil, nil, "no session bus (DBUS_SESSION_BUS_ADDRESS is not set)"
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
