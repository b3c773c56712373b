//go:build e2e

package main

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// e2eWatcher is a minimal tray host: it owns org.kde.StatusNotifierWatcher, reports who
// registers an item, and lists the registered items as a real host does.
type e2eWatcher struct {
	conn  *dbus.Conn // the connection that owns the watcher name
	regs  chan string
	mu    sync.Mutex
	items []string
}

func (w *e2eWatcher) RegisterStatusNotifierItem(sender dbus.Sender, path string) *dbus.Error {
	w.mu.Lock()
	w.items = append(w.items, string(sender)+path)
	w.mu.Unlock()
	select {
	case w.regs <- string(sender):
	default:
	}
	return nil
}

func (w *e2eWatcher) RegisterStatusNotifierHost(sender dbus.Sender, service string) *dbus.Error {
	return nil
}

// watcherProps answers org.freedesktop.DBus.Properties.Get for the watcher.
type watcherProps struct{ w *e2eWatcher }

func (p watcherProps) Get(iface, name string) (dbus.Variant, *dbus.Error) {
	p.w.mu.Lock()
	defer p.w.mu.Unlock()
	switch name {
	case "RegisteredStatusNotifierItems":
		return dbus.MakeVariant(append([]string{}, p.w.items...)), nil
	case "IsStatusNotifierHostRegistered":
		return dbus.MakeVariant(true), nil
	case "ProtocolVersion":
		return dbus.MakeVariant(int32(0)), nil
	}
	return dbus.Variant{}, dbus.MakeFailedError(fmt.Errorf("no property %s", name))
}

// ownTrayWatcher claims org.kde.StatusNotifierWatcher on the session bus (the harness's session
// has no tray host), so the agent registers its icon as on a desktop with a panel.
func ownTrayWatcher(t *testing.T) *e2eWatcher {
	t.Helper()
	conn, err := dbus.Connect(os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	if err != nil {
		t.Fatalf("session bus: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	w := &e2eWatcher{regs: make(chan string, 16), conn: conn}
	const name = "org.kde.StatusNotifierWatcher"
	if err := conn.Export(w, "/StatusNotifierWatcher", name); err != nil {
		t.Fatal(err)
	}
	if err := conn.Export(watcherProps{w}, "/StatusNotifierWatcher", "org.freedesktop.DBus.Properties"); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
	if err != nil {
		t.Fatal(err)
	}
	if reply != dbus.RequestNameReplyPrimaryOwner {
		t.Skip("another tray host owns the StatusNotifierWatcher (HEADLESS_TRAY is not none)")
	}
	t.Cleanup(func() { conn.ReleaseName(name) })
	return w
}

// TestTrayQuickTimer drives the real agent's tray over D-Bus, as a panel would: Quick timer →
// the alarm shows in `alarmd list`.
func TestTrayQuickTimer(t *testing.T) {
	w := ownTrayWatcher(t)
	conn := w.conn

	a := newAgentEnv(t)
	a.start()
	defer a.run("stop")
	var sender string
	select {
	case sender = <-w.regs:
	case <-time.After(5 * time.Second):
		t.Fatalf("the agent's tray item did not register\nlog:\n%s", a.log())
	}
	if st := a.must("status"); !strings.Contains(st, "shown (StatusNotifierItem)") {
		t.Errorf("status does not say the icon is shown:\n%s", st)
	}
	menu := conn.Object(sender, "/StatusNotifierItem/menu")
	layout := func() []any {
		var rev uint32
		var raw []any
		if err := menu.Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{}).Store(&rev, &raw); err != nil {
			t.Fatalf("GetLayout: %v", err)
		}
		return raw
	}
	layout() // the first answer is one level deep only
	var quickID int32 = -1
	for _, c := range layout()[2].([]dbus.Variant) {
		item := c.Value().([]any)
		if l, _ := item[1].(map[string]dbus.Variant)["label"].Value().(string); l == "Quick timer" {
			kids := item[2].([]dbus.Variant)
			if len(kids) > 0 {
				quickID = kids[0].Value().([]any)[0].(int32) // the first (shortest) quick timer
			}
		}
	}
	if quickID < 0 {
		t.Fatalf("no Quick timer submenu in %v", layout())
	}
	if err := menu.Call("com.canonical.dbusmenu.Event", 0, quickID, "clicked", dbus.MakeVariant(int32(0)), uint32(time.Now().Unix())).Err; err != nil {
		t.Fatalf("click: %v", err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		l := a.list()
		if len(l) == 1 && strings.HasSuffix(l[0].Label, " timer") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("alarmd list after Quick timer: %+v\nlog:\n%s", l, a.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
