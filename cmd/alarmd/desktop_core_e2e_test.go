//go:build e2e

package main

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"alarmd/agent/app"
)

// desktopParts returns this run's desktop with its screen and notification server.
func desktopParts(t *testing.T) (desktopSpec, screen, notificationServer) {
	t.Helper()
	d, err := currentDesktop()
	if err != nil {
		t.Fatal(err)
	}
	var scr screen
	if d.wayland {
		scr = newWaylandScreen(t)
	} else {
		scr = newX11Screen(t)
	}
	var srv notificationServer
	switch d.notify {
	case "dunst":
		srv = newDunst(t)
	case "xfce4-notifyd":
		srv = newXfceNotifyd(t)
	case "mako":
		srv = newMako(t)
	default:
		t.Fatalf("desktop %s: no notification server %q", d.name, d.notify)
	}
	return d, scr, srv
}

// desktopFigures are what TestDesktop measures on one desktop (the note's table, DESIGN §17).
type desktopFigures struct {
	trayRegistered      time.Duration // `alarmd start` run → the host's StatusNotifierItemRegistered
	notifyP50, notifyP9 time.Duration // due → Notify over 10 alarms (p50, max)
	stopSilent          time.Duration // the server's Stop → last sound
	snoozeSilent        time.Duration // the server's Snooze → last sound
	clickSilent         time.Duration // a click on the body → last sound
}

// TestDesktop is the core set run on every desktop (`make e2e` runs it once per desktop): the
// tray icon registers with the real host and is drawn, its menu answers dbusmenu Events and a
// real pointer, a due alarm notifies critical, Stop and Snooze reach the agent the way the
// server offers them, a click on the body stops it, Do Not Disturb is seen and the alarm still
// heard, the Alarms window and the New alarm form take input, and the sound is heard. Without a
// tray host the first start says how to reach the alarms, with Open, and doctor names a fix.
func TestDesktop(t *testing.T) {
	d, scr, srv := desktopParts(t)
	a := newAgentEnv(t)
	sink, _ := a.pulseSink()
	watch := watchNotify(t)
	var fig desktopFigures
	answers := watchAnswers(t, sink)
	if d.tray == "none" {
		os.Remove(filepath.Join(a.dirs["XDG_RUNTIME_DIR"], "alarmd", "no-tray-hint-shown")) // a new login
	}

	// Start, and see the icon appear in the host's tray.
	conn, err := dbus.Connect(os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	registered := make(chan time.Time, 4)
	if d.tray != "none" {
		conn.AddMatchSignal(dbus.WithMatchInterface("org.kde.StatusNotifierWatcher"), dbus.WithMatchMember("StatusNotifierItemRegistered"))
		sigs := make(chan *dbus.Signal, 16)
		conn.Signal(sigs)
		go func() {
			for s := range sigs {
				if s.Name == "org.kde.StatusNotifierWatcher.StatusNotifierItemRegistered" {
					registered <- time.Now()
				}
			}
		}()
	}
	var before image.Image
	if d.tray != "none" {
		_, before = scr.shot(t, "before-start")
	}
	started := time.Now()
	a.must("start")
	defer a.run("stop")

	t.Run("tray", func(t *testing.T) {
		if d.tray == "none" {
			noTrayHint(t, a, scr, srv, watch)
			return
		}
		select {
		case at := <-registered:
			fig.trayRegistered = at.Sub(started)
		case <-time.After(10 * time.Second):
			t.Fatalf("the icon did not register with %s; status:\n%s\nlog:\n%s", d.tray, a.must("status"), a.log())
		}
		item := registeredItem(t, conn)
		if !strings.Contains(a.must("status"), "tray:          shown") {
			t.Errorf("status does not say the tray is shown:\n%s", a.must("status"))
		}
		icon, ok := scr.trayIcon(t)
		if !ok {
			t.Fatalf("%s: no place for the icon", d.tray)
		}
		var with image.Image
		drawn := func() bool {
			_, with = scr.shot(t, "icon")
			return changed(before, with, icon, 12) >= 40
		}
		if _, ok := waitFor(5*time.Second, drawn); !ok {
			t.Fatalf("%s draws no icon at %v: %d pixels changed there since before the start (screenshots in %s)",
				d.tray, icon, changed(before, with, icon, 12), filepath.Dir(artifactPath(t, 0, "")))
		}

		// The menu over D-Bus, as the host reads it: Alarms… opens the Alarms window.
		labels := trayLabels(t, conn, item)
		id, ok := labels["Alarms…"]
		if !ok {
			t.Fatalf("no Alarms… in the tray menu %v", labels)
		}
		clickTray(t, conn, item, id)
		win := scr.waitWindow(t, "Alarms")
		scr.shot(t, "alarms-window-from-menu")
		scr.keys(t, "Escape")
		scr.windowGone(t, win, "Alarms")

		// The same with the real pointer: the menu opens on the icon, New alarm… opens the form.
		scr.click(t, icon.X, icon.Y, "right")
		if row, ok := scr.menuRow(t, "New alarm…"); ok {
			scr.shot(t, "menu-open")
			scr.click(t, row.X, row.Y, "left")
			fillNewAlarmForm(t, a, scr, srv, "7:15", "Desk check")
		} else {
			t.Logf("%s shows no dbusmenu menu on a click; the menu was used over D-Bus only", d.tray)
			scr.keys(t, "Escape")
		}
		// A left click is Activate: the New alarm form, which Escape cancels.
		scr.click(t, icon.X, icon.Y, "left")
		form := scr.waitWindow(t, "New alarm")
		scr.shot(t, "form-from-left-click")
		scr.keys(t, "Escape")
		scr.windowGone(t, form, "New alarm")
	})

	t.Run("window", func(t *testing.T) {
		// The Alarms window and its New alarm form take typed input (zenity; under Wayland
		// with GDK_BACKEND=wayland).
		a.must("open")
		win := scr.waitWindow(t, "Alarms")
		scr.keys(t, "alt+n")
		fillNewAlarmForm(t, a, scr, srv, "6:50", "Window check")
		scr.waitWindow(t, "Alarms")
		scr.shot(t, "window-with-alarm")
		scr.keys(t, "Escape")
		scr.windowGone(t, win, "Alarms")
	})

	t.Run("notify", func(t *testing.T) {
		// Ten alarms one after another: each notifies critical, with Stop, Snooze and the
		// "default" action a click sends.
		var lat []time.Duration
		for i := range 10 {
			label := fmt.Sprintf("Due %d", i)
			a.must("add", "1s", label, "--fade", "0s")
			due := dueOf(t, a, label)
			c, ok := watch.waitFor(label, 5*time.Second)
			if !ok {
				t.Fatalf("%s: no Notify; log:\n%s", label, a.log())
			}
			lat = append(lat, c.at.Sub(due))
			if u, _ := c.hints["urgency"].Value().(byte); u != 2 {
				t.Errorf("%s: urgency %v, want critical (2)", label, c.hints["urgency"])
			}
			if i == 0 {
				keys := map[string]bool{}
				for j := 0; j+1 < len(c.actions); j += 2 {
					keys[c.actions[j]] = true
				}
				if !keys["stop"] || !keys["snooze"] || !keys["default"] {
					t.Errorf("actions %q, want stop, snooze and default", c.actions)
				}
				if !waitUntil(3*time.Second, func() bool { return slices.Contains(srv.shown(t), label) }) {
					t.Errorf("%s does not hold the notification: %q", srv.name(), srv.shown(t))
				}
				scr.shot(t, "ringing")
			}
			a.must("dismiss")
		}
		slices.Sort(lat)
		fig.notifyP50, fig.notifyP9 = lat[len(lat)/2], lat[len(lat)-1]
		t.Logf("due → Notify over 10 alarms: %v", lat)
	})

	// ring adds an alarm due in 2 s, waits until it is heard and returns the sink's size then.
	ring := func(t *testing.T, label string, extra ...string) int64 {
		t.Helper()
		from := sink.size()
		a.must(append([]string{"add", "2s", label, "--fade", "0s"}, extra...)...)
		if _, ok := watch.waitFor(label, 5*time.Second); !ok {
			t.Fatalf("%s: no Notify; log:\n%s", label, a.log())
		}
		if _, ok := sink.waitSound(from, 5*time.Second); !ok {
			t.Fatalf("%s: not heard; log:\n%s", label, a.log())
		}
		waitUntil(3*time.Second, func() bool { return slices.Contains(srv.shown(t), label) })
		time.Sleep(300 * time.Millisecond) // ringing for a moment, as a person hears it first
		return sink.size()
	}
	// silentAfter is how long the sound went on after the sink's size was at.
	silentAfter := func(at int64) time.Duration {
		time.Sleep(time.Second)
		_, last, _ := sink.soundAt(at)
		return time.Duration(float64(last-at) / audioBytesPerSecond * float64(time.Second))
	}
	ringing := func() bool { return len(a.status().Ringing) > 0 }

	t.Run("stop", func(t *testing.T) {
		ring(t, "Stop me")
		mark := answers.mark()
		srv.press(t, "Stop me", "Stop")
		fig.stopSilent = silentAfter(answers.after(t, mark))
		if fig.stopSilent > 300*time.Millisecond {
			t.Errorf("sound went on for %v after %s's Stop", fig.stopSilent, srv.name())
		}
		if !waitUntil(2*time.Second, func() bool { return !ringing() }) {
			t.Errorf("still ringing after Stop:\n%s", a.must("status"))
		}
		if h := a.must("history"); !strings.Contains(h, "Stop me") || !strings.Contains(h, "stopped") {
			t.Errorf("history after Stop:\n%s", h)
		}
	})

	t.Run("snooze-then-click", func(t *testing.T) {
		ring(t, "Snooze me", "--snooze", "2s")
		mark := answers.mark()
		srv.press(t, "Snooze me", "Snooze 2 s")
		fig.snoozeSilent = silentAfter(answers.after(t, mark))
		if fig.snoozeSilent > 300*time.Millisecond {
			t.Errorf("sound went on for %v after %s's Snooze", fig.snoozeSilent, srv.name())
		}
		if ringing() || !strings.Contains(a.must("list"), "snoozed") {
			t.Errorf("not snoozed after Snooze:\n%s", a.must("list"))
		}
		// It rings again after the snooze; a click on the body stops it.
		from := sink.size()
		if _, ok := sink.waitSound(from, 6*time.Second); !ok {
			t.Fatalf("the snoozed alarm did not ring again; log:\n%s", a.log())
		}
		waitUntil(3*time.Second, func() bool { return slices.Contains(srv.shown(t), "Snooze me") })
		time.Sleep(300 * time.Millisecond)
		scr.shot(t, "rings-again")
		mark = answers.mark()
		srv.clickBody(t, "Snooze me")
		fig.clickSilent = silentAfter(answers.after(t, mark))
		if fig.clickSilent > 300*time.Millisecond {
			t.Errorf("sound went on for %v after a click on the body", fig.clickSilent)
		}
		if !waitUntil(2*time.Second, func() bool { return !ringing() }) {
			t.Errorf("still ringing after a click on the body:\n%s", a.must("status"))
		}
	})

	t.Run("do-not-disturb", func(t *testing.T) {
		how := srv.setDoNotDisturb(t, true)
		defer srv.setDoNotDisturb(t, false)
		dndHeard(t, a, sink, how, func() { scr.shot(t, "ringing-in-dnd") })
	})

	t.Logf("figure: desktop %s (tray %s, notifications %s): tray registered %v after start; due → Notify p50 %v, max %v (10 alarms); sound after Stop %v, after Snooze %v, after a click %v",
		d.name, d.tray, d.notify, fig.trayRegistered.Round(time.Millisecond), fig.notifyP50.Round(100*time.Microsecond),
		fig.notifyP9.Round(100*time.Microsecond), fig.stopSilent.Round(time.Millisecond), fig.snoozeSilent.Round(time.Millisecond),
		fig.clickSilent.Round(time.Millisecond))
}

// noTrayHint: without a tray host the first start shows one notification saying how to reach
// the alarms, with Open, which opens the Alarms window; doctor names what to install.
func noTrayHint(t *testing.T, a *agentEnv, scr screen, srv notificationServer, watch *notifyWatch) {
	call, ok := watch.waitFor("alarmd", 10*time.Second)
	if !ok || call.body != app.NoTrayHint {
		t.Fatalf("no hint notification (got %q); log:\n%s", call.body, a.log())
	}
	scr.shot(t, "hint")
	srv.press(t, call.summary, "Open")
	win := scr.waitWindow(t, "Alarms")
	scr.shot(t, "opened-from-hint")
	scr.keys(t, "Escape")
	scr.windowGone(t, win, "Alarms")
	if doc := a.must("doctor"); !strings.Contains(doc, "tray host") {
		t.Errorf("doctor names no tray host to install:\n%s", doc)
	}
}

// fillNewAlarmForm types when and label into the New alarm form on screen, adds it and checks
// the alarm is listed.
func fillNewAlarmForm(t *testing.T, a *agentEnv, scr screen, srv notificationServer, when, label string) {
	t.Helper()
	form := scr.waitWindow(t, "New alarm")
	scr.keys(t, "type:"+when, "Tab", "type:"+label)
	scr.shot(t, "form-filled")
	// Past Repeat, Sound, Snooze and Cancel to Add alarm, which Space presses (the choices keep
	// their defaults). Return in an entry does not submit zenity's form.
	scr.keys(t, "Tab", "Tab", "Tab", "Tab", "Tab", "space")
	scr.windowGone(t, form, "New alarm")
	defer func() {
		// The confirmation ("Alarm set: …") stays on servers that keep notifications: a person
		// clicks it away.
		title := "Alarm set: " + label
		if waitUntil(3*time.Second, func() bool { return slices.Contains(srv.shown(t), title) }) {
			srv.clickBody(t, title)
		} else {
			t.Errorf("no %q notification: %q", title, srv.shown(t))
		}
	}()
	want, err := time.Parse("15:04", when)
	if err != nil {
		t.Fatalf("fillNewAlarmForm wants HH:MM, not %q", when)
	}
	// The agent adds the alarm once zenity has exited: wait for it.
	var got string
	if !waitUntil(5*time.Second, func() bool {
		for _, x := range a.list() {
			if x.Label == label {
				got = x.Next.Format("15:04")
				return true
			}
		}
		return false
	}) {
		scr.shot(t, "form-added-nothing")
		t.Fatalf("the form added no %q; list:\n%s\nlog:\n%s", label, a.must("list"), a.log())
	}
	if got != want.Format("15:04") {
		t.Fatalf("the form made %q at %s, want %s", label, got, want.Format("15:04"))
	}
}

// answerWatch records when the notification server answers (ActionInvoked, NotificationClosed)
// and how much the sink had recorded then, so "sound after Stop" counts from the server's answer,
// not from the start of the test's own search for the button.
type answerWatch struct {
	mu   sync.Mutex
	seen []int64 // sink sizes at each answer
}

func watchAnswers(t *testing.T, sink *audioSink) *answerWatch {
	t.Helper()
	conn, err := dbus.Connect(os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	if err != nil {
		t.Fatal(err)
	}
	ch := becomeMonitor(t, conn, 64,
		"type='signal',interface='org.freedesktop.Notifications',member='ActionInvoked'",
		"type='signal',interface='org.freedesktop.Notifications',member='NotificationClosed'")
	w := &answerWatch{}
	go func() {
		for range ch {
			size := sink.size()
			w.mu.Lock()
			w.seen = append(w.seen, size)
			w.mu.Unlock()
		}
	}()
	return w
}

func (w *answerWatch) mark() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.seen)
}

// after waits for the first answer after mark and returns the sink's size at it.
func (w *answerWatch) after(t *testing.T, mark int) int64 {
	t.Helper()
	var at int64
	if !waitUntil(3*time.Second, func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		if len(w.seen) > mark {
			at = w.seen[mark]
			return true
		}
		return false
	}) {
		t.Fatal("the notification server sent no answer (ActionInvoked or NotificationClosed)")
	}
	return at
}

// registeredItem is the bus name of the one item registered with the host's watcher.
func registeredItem(t *testing.T, conn *dbus.Conn) string {
	t.Helper()
	v, err := conn.Object("org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher").
		GetProperty("org.kde.StatusNotifierWatcher.RegisteredStatusNotifierItems")
	if err != nil {
		t.Fatalf("RegisteredStatusNotifierItems: %v", err)
	}
	items, _ := v.Value().([]string)
	if len(items) != 1 {
		t.Fatalf("registered items %q, want alarmd's alone", items)
	}
	name, _, _ := strings.Cut(items[0], "/")
	return name
}

// changed counts the pixels in the square of half-width r around p that differ clearly between
// two screenshots: the icon drawn where the host's bar was empty.
func changed(before, after image.Image, p image.Point, r int) int {
	if before == nil || after == nil {
		return 0
	}
	n := 0
	for y := p.Y - r; y <= p.Y+r; y++ {
		for x := p.X - r; x <= p.X+r; x++ {
			r0, g0, b0, _ := before.At(x, y).RGBA()
			r1, g1, b1, _ := after.At(x, y).RGBA()
			if channelDiff(r0, r1)+channelDiff(g0, g1)+channelDiff(b0, b1) > 0x6000 {
				n++
			}
		}
	}
	return n
}

func channelDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}
