// Package dnd notices when the notification server holds notifications back — Do Not Disturb
// (DESIGN §16) — by listening to the signals each server sends when its mode changes, never by
// asking on a timer: dunst's `paused` property (org.dunstproject.cmd0), xfce4-notifyd's
// xfconf setting /do-not-disturb, KDE Plasma's `Inhibited` property and GNOME's
// org.gnome.desktop.notifications show-banners setting (dconf's change signal). mako announces
// no change of its modes, so its mode is read when someone asks (Refresh: `status`, a ring).
package dnd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"

	"alarmd/agent/sessionbus"
)

// callTimeout bounds each question to the notification server or a settings daemon.
const callTimeout = 2 * time.Second

// State is what is known of the notification server's Do Not Disturb mode.
type State struct {
	// Server names the notification server (GetServerInformation), "" when none answers.
	Server string
	// Held is true while the server holds notifications back.
	Held bool
	// How says which setting holds them back ("dunst is paused").
	How string
}

// Describe is the line `status` and `doctor` print while notifications are held back, else "".
func (s State) Describe() string {
	if !s.Held {
		return ""
	}
	return "notifications held back (Do Not Disturb: " + s.How + ")"
}

const (
	notifyName = "org.freedesktop.Notifications"
	notifyPath = dbus.ObjectPath("/org/freedesktop/Notifications")
	dunstIface = "org.dunstproject.cmd0"
	xfconfName = "org.xfce.Xfconf"
	xfconfPath = dbus.ObjectPath("/org/xfce/Xfconf")
	dconfIface = "ca.desrt.dconf.Writer"
	makoPath   = dbus.ObjectPath("/fr/emersion/Mako")
	makoIface  = "fr.emersion.Mako"
)

// makoHidingModes are the mako modes taken to hide notifications: mako's own documentation
// and most configurations name the mode with `invisible=1` so (DESIGN §16).
var makoHidingModes = []string{"do-not-disturb", "dnd"}

// MakoHow is what State.How says while mako's do-not-disturb mode is on.
const MakoHow = "mako's do-not-disturb mode hides notifications"

// Watcher follows the session's notification server and its Do Not Disturb mode.
type Watcher struct {
	log  *slog.Logger
	conn *dbus.Conn
	// gsettings reads GNOME's show-banners (a child process; the test swaps it).
	gsettings func(ctx context.Context) (string, error)

	mu    sync.Mutex
	state State
	subs  []chan struct{}

	signals chan *dbus.Signal
	quit    chan struct{}
	done    sync.WaitGroup
}

// Watch connects to the session bus and starts following the mode; without a bus it returns a
// Watcher that reports nothing held back, and the error.
func Watch(log *slog.Logger) (*Watcher, error) {
	if log == nil {
		log = slog.Default()
	}
	w := &Watcher{log: log.With("part", "do not disturb"), gsettings: gsettingsShowBanners, quit: make(chan struct{})}
	addr, err := sessionbus.Find()
	if err != nil {
		return w, err
	}
	conn, err := dbus.Connect(addr.Addr)
	if err != nil {
		return w, fmt.Errorf("session bus: %w", err)
	}
	w.start(conn)
	return w, nil
}

// start subscribes on conn and reads the mode once.
func (w *Watcher) start(conn *dbus.Conn) {
	w.conn = conn
	rules := [][]dbus.MatchOption{
		// The server starts, stops or is replaced by another.
		{dbus.WithMatchSender("org.freedesktop.DBus"), dbus.WithMatchMember("NameOwnerChanged"), dbus.WithMatchArg(0, notifyName)},
		// dunst's `paused` and KDE's `Inhibited` are properties of the server's object.
		{dbus.WithMatchObjectPath(notifyPath), dbus.WithMatchInterface("org.freedesktop.DBus.Properties"), dbus.WithMatchMember("PropertiesChanged")},
		// xfce4-notifyd keeps its mode in xfconf.
		{dbus.WithMatchInterface("org.xfce.Xfconf"), dbus.WithMatchMember("PropertyChanged"), dbus.WithMatchArg(0, "xfce4-notifyd")},
		// GNOME keeps show-banners in dconf, whose writer announces every change.
		{dbus.WithMatchInterface(dconfIface), dbus.WithMatchMember("Notify")},
	}
	for _, r := range rules {
		if err := conn.AddMatchSignal(r...); err != nil {
			w.log.Debug("match rule not added", "err", err)
		}
	}
	w.signals = make(chan *dbus.Signal, 16)
	conn.Signal(w.signals)
	w.done.Add(1)
	go w.loop()
}

// State is the mode as last seen.
func (w *Watcher) State() State {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.state
}

// Refresh reads the mode again when the server announces no change of it (mako), so the answer
// to `status` is the mode as it is now; for the others it does nothing, as their signals keep
// State current. It waits for the server (up to 2 s); the caller holds no lock.
func (w *Watcher) Refresh() {
	if w.conn == nil || w.State().Server != "mako" {
		return
	}
	w.evaluate()
}

// Subscribe returns a channel that receives a value (coalesced) after every change of State.
func (w *Watcher) Subscribe() <-chan struct{} {
	ch := make(chan struct{}, 1)
	w.mu.Lock()
	w.subs = append(w.subs, ch)
	w.mu.Unlock()
	return ch
}

// Close disconnects.
func (w *Watcher) Close() {
	if w.conn == nil {
		return
	}
	select {
	case <-w.quit:
		return
	default:
	}
	close(w.quit)
	_ = w.conn.Close()
	w.done.Wait()
}

func (w *Watcher) loop() {
	defer w.done.Done()
	// The first look runs here, not in Watch: a stalled notification server must not hold up
	// the agent's start.
	w.evaluate()
	for {
		select {
		case <-w.quit:
			return
		case sig, ok := <-w.signals:
			if !ok {
				return
			}
			if relevant(sig) {
				w.evaluate()
			}
		}
	}
}

// relevant filters the signals the match rules let through: dconf announces every key it
// writes, and only the notification settings matter.
func relevant(sig *dbus.Signal) bool {
	if sig.Name == dconfIface+".Notify" {
		if len(sig.Body) == 0 {
			return false
		}
		prefix, _ := sig.Body[0].(string)
		return strings.HasPrefix(prefix, "/org/gnome/desktop/notifications/") || prefix == "/" ||
			strings.HasPrefix("/org/gnome/desktop/notifications/", prefix)
	}
	return true
}

// evaluate asks the server who it is and then the one setting that server holds back by.
func (w *Watcher) evaluate() {
	st := w.read()
	w.mu.Lock()
	changed := st != w.state
	if changed && (st.Held != w.state.Held) {
		if st.Held {
			w.log.Info("the notification server holds notifications back; alarms still ring with sound", "how", st.How)
		} else if w.state.Held {
			w.log.Info("the notification server shows notifications again", "server", st.Server)
		}
	}
	w.state = st
	subs := w.subs
	w.mu.Unlock()
	if !changed {
		return
	}
	for _, ch := range subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func (w *Watcher) read() State {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	server := w.conn.Object(notifyName, notifyPath)
	mako := w.conn.Object(notifyName, makoPath)
	var name, vendor, version, spec string
	if err := server.CallWithContext(ctx, notifyName+".GetServerInformation", 0).Store(&name, &vendor, &version, &spec); err != nil {
		return State{}
	}
	st := State{Server: name}
	switch {
	case name == "dunst":
		var paused bool
		if v, err := property(ctx, server, dunstIface, "paused"); err == nil && v.Store(&paused) == nil && paused {
			st.Held, st.How = true, "dunst is paused"
		}
	case strings.HasPrefix(name, "Xfce") || name == "xfce4-notifyd":
		var v dbus.Variant
		err := w.conn.Object(xfconfName, xfconfPath).CallWithContext(ctx, "org.xfce.Xfconf.GetProperty", 0, "xfce4-notifyd", "/do-not-disturb").Store(&v)
		if on, ok := v.Value().(bool); err == nil && ok && on {
			st.Held, st.How = true, "xfce4-notifyd's Do not disturb is on"
		}
	case name == "mako":
		var modes []string
		err := mako.CallWithContext(ctx, makoIface+".ListModes", 0).Store(&modes)
		if err == nil && slices.ContainsFunc(modes, func(m string) bool { return slices.Contains(makoHidingModes, m) }) {
			st.Held, st.How = true, MakoHow
		}
	case name == "gnome-shell":
		if out, err := w.gsettings(ctx); err == nil && strings.TrimSpace(out) == "false" {
			st.Held, st.How = true, "GNOME's notification banners are off"
		}
	default:
		// KDE Plasma (and any server implementing the same property).
		var inhibited bool
		if v, err := property(ctx, server, notifyName, "Inhibited"); err == nil && v.Store(&inhibited) == nil && inhibited {
			st.Held, st.How = true, name+" inhibits notifications"
		}
	}
	return st
}

// property reads one D-Bus property, bounded by ctx (godbus's GetProperty has no timeout).
func property(ctx context.Context, obj dbus.BusObject, iface, name string) (dbus.Variant, error) {
	var v dbus.Variant
	err := obj.CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, iface, name).Store(&v)
	return v, err
}

// gsettingsShowBanners reads org.gnome.desktop.notifications show-banners.
func gsettingsShowBanners(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "gsettings", "get", "org.gnome.desktop.notifications", "show-banners").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("gsettings: %s", strings.TrimSpace(string(ee.Stderr)))
		}
		return "", err
	}
	return string(out), nil
}

// Check reads the mode once, on a connection of its own (`alarmd doctor`); ok is false when no
// session bus answers.
func Check() (st State, ok bool) {
	addr, err := sessionbus.Find()
	if err != nil {
		return State{}, false
	}
	conn, err := dbus.Connect(addr.Addr)
	if err != nil {
		return State{}, false
	}
	defer conn.Close()
	w := &Watcher{conn: conn, gsettings: gsettingsShowBanners}
	return w.read(), true
}
