package dnd

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"alarmd/agent/internal/testbus"
)

// fakeServer is a notification server on a private bus: GetServerInformation and the
// properties dunst and KDE use.
type fakeServer struct {
	name  string
	mu    sync.Mutex
	props map[string]dbus.Variant // "iface.name"
	asked int                     // GetServerInformation calls
}

func (f *fakeServer) GetServerInformation() (string, string, string, string, *dbus.Error) {
	f.mu.Lock()
	f.asked++
	f.mu.Unlock()
	return f.name, "test", "1", "1.2", nil
}

func (f *fakeServer) Get(iface, name string) (dbus.Variant, *dbus.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.props[iface+"."+name]
	if !ok {
		return dbus.Variant{}, dbus.NewError("org.freedesktop.DBus.Error.UnknownProperty", nil)
	}
	return v, nil
}

func (f *fakeServer) set(conn *dbus.Conn, iface, name string, v any) {
	f.mu.Lock()
	f.props[iface+"."+name] = dbus.MakeVariant(v)
	f.mu.Unlock()
	_ = conn.Emit(notifyPath, "org.freedesktop.DBus.Properties.PropertiesChanged", iface, map[string]dbus.Variant{name: dbus.MakeVariant(v)}, []string{})
}

// fakeXfconf answers GetProperty for one channel.
type fakeXfconf struct {
	mu  sync.Mutex
	dnd *bool
}

func (x *fakeXfconf) GetProperty(channel, prop string) (dbus.Variant, *dbus.Error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if channel != "xfce4-notifyd" || prop != "/do-not-disturb" || x.dnd == nil {
		return dbus.Variant{}, dbus.NewError("org.xfce.Xfconf.Error.PropertyNotFound", nil)
	}
	return dbus.MakeVariant(*x.dnd), nil
}

func serve(t *testing.T, bus *testbus.Bus, name string, srv *fakeServer) *dbus.Conn {
	conn := bus.Connect(t)
	if err := conn.Export(srv, notifyPath, notifyName); err != nil {
		t.Fatal(err)
	}
	if err := conn.Export(srv, notifyPath, "org.freedesktop.DBus.Properties"); err != nil {
		t.Fatal(err)
	}
	if r, err := conn.RequestName(notifyName, dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: %v %v", notifyName, r, err)
	}
	return conn
}

func watchOn(t *testing.T, bus *testbus.Bus, gsettings func(context.Context) (string, error)) (*Watcher, <-chan struct{}) {
	w := &Watcher{log: testLog(t), gsettings: gsettings, quit: make(chan struct{})}
	if gsettings == nil {
		w.gsettings = func(context.Context) (string, error) { return "true", nil }
	}
	ch := w.Subscribe()
	w.start(bus.Connect(t))
	t.Cleanup(w.Close)
	return w, ch
}

// waitHeld waits on the change channel (never a fixed sleep) until State.Held is want.
func waitHeld(t *testing.T, w *Watcher, ch <-chan struct{}, want bool) State {
	t.Helper()
	timeout := time.After(3 * time.Second)
	for w.State().Held != want {
		select {
		case <-ch:
		case <-timeout:
			t.Fatalf("Held never became %v: %+v", want, w.State())
		}
	}
	return w.State()
}

func TestDunstPaused(t *testing.T) {
	bus := testbus.Start(t, "")
	srv := &fakeServer{name: "dunst", props: map[string]dbus.Variant{dunstIface + ".paused": dbus.MakeVariant(false)}}
	conn := serve(t, bus, "dunst", srv)
	w, ch := watchOn(t, bus, nil)
	waitServer(t, w, ch, "dunst")
	srv.set(conn, dunstIface, "paused", true)
	st := waitHeld(t, w, ch, true)
	if st.Describe() != "notifications held back (Do Not Disturb: dunst is paused)" {
		t.Errorf("describe %q", st.Describe())
	}
	srv.set(conn, dunstIface, "paused", false)
	waitHeld(t, w, ch, false)
	// The server goes away: nothing is held back by nobody.
	srv.set(conn, dunstIface, "paused", true)
	waitHeld(t, w, ch, true)
	conn.ReleaseName(notifyName)
	waitHeld(t, w, ch, false)
}

func waitServer(t *testing.T, w *Watcher, ch <-chan struct{}, name string) {
	t.Helper()
	timeout := time.After(3 * time.Second)
	for w.State().Server != name {
		select {
		case <-ch:
		case <-timeout:
			t.Fatalf("server never seen as %q: %+v", name, w.State())
		}
	}
}

func TestKDEInhibited(t *testing.T) {
	bus := testbus.Start(t, "")
	srv := &fakeServer{name: "Plasma", props: map[string]dbus.Variant{notifyName + ".Inhibited": dbus.MakeVariant(false)}}
	conn := serve(t, bus, "Plasma", srv)
	w, ch := watchOn(t, bus, nil)
	waitServer(t, w, ch, "Plasma")
	srv.set(conn, notifyName, "Inhibited", true)
	if st := waitHeld(t, w, ch, true); st.How != "Plasma inhibits notifications" {
		t.Errorf("how %q", st.How)
	}
}

func TestXfceDoNotDisturb(t *testing.T) {
	bus := testbus.Start(t, "")
	serve(t, bus, "", &fakeServer{name: "Xfce Notify Daemon", props: map[string]dbus.Variant{}})
	x := &fakeXfconf{}
	xc := bus.Connect(t)
	if err := xc.Export(x, xfconfPath, "org.xfce.Xfconf"); err != nil {
		t.Fatal(err)
	}
	xc.RequestName(xfconfName, dbus.NameFlagDoNotQueue)
	w, ch := watchOn(t, bus, nil)
	waitServer(t, w, ch, "Xfce Notify Daemon")
	on := true
	x.mu.Lock()
	x.dnd = &on
	x.mu.Unlock()
	xc.Emit(xfconfPath, "org.xfce.Xfconf.PropertyChanged", "xfce4-notifyd", "/do-not-disturb", dbus.MakeVariant(true))
	waitHeld(t, w, ch, true)
}

func TestGnomeShowBanners(t *testing.T) {
	bus := testbus.Start(t, "")
	serve(t, bus, "", &fakeServer{name: "gnome-shell", props: map[string]dbus.Variant{}})
	var mu sync.Mutex
	banners := "true"
	w, ch := watchOn(t, bus, func(context.Context) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		return banners + "\n", nil
	})
	waitServer(t, w, ch, "gnome-shell")
	mu.Lock()
	banners = "false"
	mu.Unlock()
	dc := bus.Connect(t)
	// A change elsewhere in dconf is not looked at; this one is.
	dc.Emit("/ca/desrt/dconf/Writer/user", dconfIface+".Notify", "/org/gnome/desktop/notifications/show-banners", []string{""}, "tag")
	if st := waitHeld(t, w, ch, true); st.How != "GNOME's notification banners are off" {
		t.Errorf("how %q", st.How)
	}
}

func TestRelevantDconfPrefixes(t *testing.T) {
	for prefix, want := range map[string]bool{
		"/org/gnome/desktop/notifications/show-banners": true,
		"/org/gnome/desktop/":                           true,
		"/":                                             true,
		"/org/gnome/desktop/interface/clock-format": false,
	} {
		sig := &dbus.Signal{Name: dconfIface + ".Notify", Body: []any{prefix, []string{""}, "t"}}
		if got := relevant(sig); got != want {
			t.Errorf("%s: %v", prefix, got)
		}
	}
}

// fakeMako answers fr.emersion.Mako.ListModes; it sends no signal when the modes change, as
// mako does not.
type fakeMako struct {
	mu    sync.Mutex
	modes []string
	calls int
}

func (m *fakeMako) ListModes() ([]string, *dbus.Error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	return append([]string(nil), m.modes...), nil
}

func (m *fakeMako) setModes(modes ...string) {
	m.mu.Lock()
	m.modes = modes
	m.mu.Unlock()
}

// TestMakoModeIsReadOnRefresh: mako's do-not-disturb mode is seen when someone asks (Refresh),
// and only then; servers that signal their changes are not asked again.
func TestMakoModeIsReadOnRefresh(t *testing.T) {
	bus := testbus.Start(t, "")
	conn := serve(t, bus, "mako", &fakeServer{name: "mako", props: map[string]dbus.Variant{}})
	m := &fakeMako{modes: []string{"default"}}
	if err := conn.Export(m, makoPath, makoIface); err != nil {
		t.Fatal(err)
	}
	w, ch := watchOn(t, bus, nil)
	waitServer(t, w, ch, "mako")
	if w.State().Held {
		t.Fatalf("held in mako's default mode: %+v", w.State())
	}
	m.setModes("default", "do-not-disturb")
	w.Refresh()
	st := w.State()
	if !st.Held || st.How != MakoHow || st.Describe() != "notifications held back (Do Not Disturb: mako's do-not-disturb mode hides notifications)" {
		t.Fatalf("after refresh in do-not-disturb: %+v", st)
	}
	m.setModes("default")
	w.Refresh()
	if w.State().Held {
		t.Fatalf("still held after leaving the mode: %+v", w.State())
	}
	if st, ok := checkOn(t, bus); !ok || st.Server != "mako" || st.Held {
		t.Errorf("Check: %+v %v", st, ok)
	}
}

// TestRefreshDoesNotAskSignallingServers: with dunst, whose property changes are signalled,
// Refresh asks nothing (a stopped server must not delay `status`).
func TestRefreshDoesNotAskSignallingServers(t *testing.T) {
	bus := testbus.Start(t, "")
	srv := &fakeServer{name: "dunst", props: map[string]dbus.Variant{dunstIface + ".paused": dbus.MakeVariant(false)}}
	serve(t, bus, "dunst", srv)
	w, ch := watchOn(t, bus, nil)
	waitServer(t, w, ch, "dunst")
	srv.mu.Lock()
	before := srv.asked
	srv.mu.Unlock()
	w.Refresh()
	w.Refresh()
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.asked != before {
		t.Errorf("Refresh asked dunst %d more times", srv.asked-before)
	}
}

// checkOn is Check on the test bus.
func checkOn(t *testing.T, bus *testbus.Bus) (State, bool) {
	w := &Watcher{conn: bus.Connect(t), gsettings: func(context.Context) (string, error) { return "true", nil }}
	return w.read(), true
}
