//go:build e2e

package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// The X11 desktops (DESIGN §17): the screen through xdotool and ImageMagick, and the two
// notification servers the way a person answers them there — dunst's action menu and a click
// on its window, xfce4-notifyd's buttons clicked with the pointer.

// x11Screen is the Xvfb screen of the session (screen in desktop_e2e_test.go).
type x11Screen struct{}

// shotSteps numbers each test's screenshots, whichever x11Screen takes them.
var shotSteps = struct {
	sync.Mutex
	n map[string]int
}{n: map[string]int{}}

func newX11Screen(t *testing.T) screen { return newX11(t) }

func newX11(t *testing.T) *x11Screen {
	t.Helper()
	for _, tool := range []string{"xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not installed (scripts/deps.sh test installs it)", tool)
		}
	}
	return &x11Screen{}
}

// grab is the whole screen now, without saving it.
func (s *x11Screen) grab(t *testing.T) image.Image {
	t.Helper()
	out, err := exec.Command("import", "-window", "root", "png:-").Output()
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return img
}

func (s *x11Screen) shot(t *testing.T, name string) (string, image.Image) {
	t.Helper()
	shotSteps.Lock()
	shotSteps.n[t.Name()]++
	step := shotSteps.n[t.Name()]
	shotSteps.Unlock()
	img := s.grab(t)
	p := artifactPath(t, step, name)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	t.Logf("screenshot %s", p)
	return p, img
}

func xdotool(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("xdotool", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("xdotool %v: %v: %s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func (s *x11Screen) click(t *testing.T, x, y int, button string) {
	t.Helper()
	n, ok := map[string]string{"left": "1", "middle": "2", "right": "3"}[button]
	if !ok {
		t.Fatalf("click: no button %q", button)
	}
	xdotool(t, "mousemove", strconv.Itoa(x), strconv.Itoa(y), "click", n)
}

// x11Windows lists the visible windows titled exactly title.
func x11Windows(title string) []string {
	out, _ := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^"+title+"$").Output()
	return strings.Fields(string(out))
}

// x11Class lists the visible windows of WM_CLASS class (a regular expression), lowest id first.
func x11Class(class string) []string {
	out, _ := exec.Command("xdotool", "search", "--onlyvisible", "--class", class).Output()
	w := strings.Fields(string(out))
	sort.Slice(w, func(i, j int) bool { a, _ := strconv.Atoi(w[i]); b, _ := strconv.Atoi(w[j]); return a < b })
	return w
}

// geometry is a window's place on the screen; ok is false once it is gone.
func geometry(id string) (image.Rectangle, bool) {
	out, err := exec.Command("xdotool", "getwindowgeometry", "--shell", id).Output()
	if err != nil {
		return image.Rectangle{}, false
	}
	v := map[string]int{}
	for _, line := range strings.Fields(string(out)) {
		if k, val, ok := strings.Cut(line, "="); ok {
			v[k], _ = strconv.Atoi(val)
		}
	}
	return image.Rect(v["X"], v["Y"], v["X"]+v["WIDTH"], v["Y"]+v["HEIGHT"]), true
}

// waitWindow: there is no window manager, so the window gets the keyboard focus by xdotool's
// windowfocus (the click a person would make into it).
func (s *x11Screen) waitWindow(t *testing.T, title string) string {
	t.Helper()
	var w []string
	if !waitUntil(15*time.Second, func() bool { w = x11Windows(title); return len(w) > 0 }) {
		t.Fatalf("no %q window appeared", title)
	}
	time.Sleep(250 * time.Millisecond) // GTK puts the focus into the dialog once it is shown
	xdotool(t, "windowfocus", "--sync", w[0])
	return w[0]
}

func (s *x11Screen) windowGone(t *testing.T, id, title string) {
	t.Helper()
	if !waitUntil(15*time.Second, func() bool { return !slices.Contains(x11Windows(title), id) }) {
		t.Fatalf("the %q window did not close", title)
	}
}

func (s *x11Screen) keys(t *testing.T, seq ...string) {
	t.Helper()
	for _, k := range seq {
		args := []string{"key", "--delay", "40", k}
		if text, ok := strings.CutPrefix(k, "type:"); ok {
			args = []string{"type", "--delay", "20", text}
		}
		xdotool(t, args...)
	}
}

// trayArea is xfce4-panel's systray plugin: the panel runs it in a wrapper process, whose
// window at the top of the screen (the panel is 32 px high there) paints the items.
func trayArea() (image.Rectangle, bool) {
	for _, w := range x11Class("^wrapper-2.0$") {
		if r, ok := geometry(w); ok && r.Min.Y == 0 && r.Dy() >= 20 && r.Dy() <= 40 {
			return r, true
		}
	}
	return image.Rectangle{}, false
}

// trayIcon finds the icon's centre on the screenshot: the box of pixels that differ from the
// panel's background inside the systray plugin.
func (s *x11Screen) trayIcon(t *testing.T) (image.Point, bool) {
	t.Helper()
	if os.Getenv("HEADLESS_TRAY") != "xfce4-panel" {
		return image.Point{}, false
	}
	var box image.Rectangle
	ok := waitUntil(5*time.Second, func() bool {
		area, ok := trayArea()
		if !ok {
			return false
		}
		img := s.grab(t)
		bg := img.At(area.Min.X+1, area.Max.Y-2)
		box = image.Rectangle{}
		for y := area.Min.Y + 1; y < area.Max.Y-1; y++ {
			for x := area.Min.X + 1; x < area.Max.X-1; x++ {
				if colourDistance(img.At(x, y), bg) > 40 {
					box = box.Union(image.Rect(x, y, x+1, y+1))
				}
			}
		}
		return box.Dx() >= 8 && box.Dy() >= 8
	})
	if !ok {
		p, _ := s.shot(t, "no-tray-icon")
		t.Fatalf("no icon drawn in xfce4-panel's tray (see %s)", p)
	}
	return image.Pt((box.Min.X+box.Max.X)/2, (box.Min.Y+box.Max.Y)/2), true
}

// menuEntry is one top-level row of a tray item's dbusmenu, as the host draws it.
type menuEntry struct {
	label     string
	separator bool
}

// trayMenuEntries is the visible top level of the only item xfce4-panel shows, in order.
func trayMenuEntries(t *testing.T) []menuEntry {
	t.Helper()
	conn, err := dbus.Connect(os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	if err != nil {
		t.Fatalf("session bus: %v", err)
	}
	defer conn.Close()
	v, err := conn.Object("org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher").
		GetProperty("org.kde.StatusNotifierWatcher.RegisteredStatusNotifierItems")
	if err != nil {
		t.Fatalf("the panel's items: %v", err)
	}
	items, _ := v.Value().([]string)
	if len(items) != 1 {
		t.Fatalf("the panel shows %d tray items (%v), want only alarmd's", len(items), items)
	}
	service, path, _ := strings.Cut(items[0], "/")
	item := conn.Object(service, dbus.ObjectPath("/"+path))
	mv, err := item.GetProperty("org.kde.StatusNotifierItem.Menu")
	if err != nil {
		t.Fatalf("the item's Menu: %v", err)
	}
	menu := conn.Object(service, mv.Value().(dbus.ObjectPath))
	var rev uint32
	var raw []any
	for range 2 { // the first answer is one level deep only
		if err := menu.Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{}).Store(&rev, &raw); err != nil {
			t.Fatalf("GetLayout: %v", err)
		}
	}
	var entries []menuEntry
	for _, c := range raw[2].([]dbus.Variant) {
		props := c.Value().([]any)[1].(map[string]dbus.Variant)
		if v, ok := props["visible"]; ok && v.Value() == false {
			continue
		}
		e := menuEntry{separator: props["type"].Value() == "separator"}
		if l, ok := props["label"]; ok {
			e.label, _ = l.Value().(string)
		}
		entries = append(entries, e)
	}
	return entries
}

// menuRow finds the menu xfce4-panel has popped up (the wrapper's biggest window below the
// panel), cuts it into the bands of rows that hold text (separators are light lines, too pale to
// count) and picks the band in the place of label among the menu's visible rows.
func (s *x11Screen) menuRow(t *testing.T, label string) (image.Point, bool) {
	t.Helper()
	if os.Getenv("HEADLESS_TRAY") != "xfce4-panel" {
		return image.Point{}, false
	}
	entries := trayMenuEntries(t)
	index := -1
	var labels []string
	for _, e := range entries {
		if e.separator {
			continue
		}
		if e.label == label || strings.ReplaceAll(e.label, "_", "") == label {
			index = len(labels)
		}
		labels = append(labels, e.label)
	}
	if index < 0 {
		t.Fatalf("the tray menu has no %q row: %q", label, labels)
	}
	var menu image.Rectangle
	var bands [][2]int
	ok := waitUntil(3*time.Second, func() bool {
		menu = image.Rectangle{}
		for _, w := range x11Class("^wrapper-2.0$") {
			if r, ok := geometry(w); ok && r.Min.Y > 0 && r.Dx()*r.Dy() > menu.Dx()*menu.Dy() {
				menu = r
			}
		}
		if menu.Empty() {
			return false
		}
		bands = textBands(s.grab(t), menu)
		return len(bands) == len(labels)
	})
	if !ok {
		p, _ := s.shot(t, "tray-menu")
		t.Fatalf("tray menu at %v: %d rows of text on screen, the menu has %d (%q); see %s", menu, len(bands), len(labels), labels, p)
	}
	return image.Pt(menu.Min.X+menu.Dx()/2, menu.Min.Y+(bands[index][0]+bands[index][1])/2), true
}

// textBands are the [top, bottom) offsets, inside r, of the runs of rows holding pixels much
// darker than r's background (text, check boxes, arrows); runs under 5 px (lines) do not count.
func textBands(img image.Image, r image.Rectangle) [][2]int {
	bg := luminance(img.At(r.Min.X+r.Dx()/2, r.Min.Y+3))
	var bands [][2]int
	top := -1
	for y := r.Min.Y + 2; y <= r.Max.Y-2; y++ {
		ink := false
		for x := r.Min.X + 2; y < r.Max.Y-2 && x < r.Max.X-2; x++ {
			if bg-luminance(img.At(x, y)) > 0.3 {
				ink = true
				break
			}
		}
		switch {
		case ink && top < 0:
			top = y
		case !ink && top >= 0:
			if y-top >= 5 {
				bands = append(bands, [2]int{top - r.Min.Y, y - r.Min.Y})
			}
			top = -1
		}
	}
	return bands
}

func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)) / 0xffff
}

// colourDistance is the largest difference of one channel, 0–255.
func colourDistance(a, b color.Color) int {
	ar, ag, ab, _ := a.RGBA()
	br, bg, bb, _ := b.RGBA()
	d := func(x, y uint32) int { return abs(int(x>>8) - int(y>>8)) }
	return max(d(ar, br), d(ag, bg), d(ab, bb))
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// notifyTracker follows the notification server from the bus, as a monitor: every Notify with
// the id it got back, every ActionInvoked and NotificationClosed. Neither dunst 1.9 nor
// xfce4-notifyd 0.7 can list what they show; this is how the servers below know which
// notification has which summary, actions and id. Make it before the notifications it is asked
// about are sent.
type notifyTracker struct {
	conn *dbus.Conn

	mu      sync.Mutex
	pending map[string]trackedNote // Notify calls awaiting their reply, by sender and serial
	open    map[uint32]trackedNote
	answers []noteAnswer
	dnd     bool                   // the server's Do Not Disturb, as set through the server type
	held    func(trackedNote) bool // whether the server keeps this one off the screen (mu held)
	dropped func(trackedNote) bool // whether the server throws it away unshown (mu held)
}

type trackedNote struct {
	id       uint32
	replaces uint32
	summary  string
	actions  []string // key, label, key, label...
	critical bool
	held     bool // not on screen (Do Not Disturb), but kept
}

// noteAnswer is an ActionInvoked (action set) or a NotificationClosed (reason set).
type noteAnswer struct {
	id     uint32
	action string
	reason uint32
}

func newNotifyTracker(t *testing.T) *notifyTracker {
	t.Helper()
	conn, err := dbus.Connect(os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	if err != nil {
		t.Fatalf("monitor connect: %v", err)
	}
	var owner string
	if err := conn.BusObject().Call("org.freedesktop.DBus.GetNameOwner", 0, "org.freedesktop.Notifications").Store(&owner); err != nil {
		conn.Close()
		t.Fatalf("no notification server: %v", err)
	}
	ch := becomeMonitor(t, conn, 256,
		"type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
		"type='method_return',sender='"+owner+"'",
		"type='signal',interface='org.freedesktop.Notifications'")
	tr := &notifyTracker{conn: conn, pending: map[string]trackedNote{}, open: map[uint32]trackedNote{},
		held: func(trackedNote) bool { return false }, dropped: func(trackedNote) bool { return false }}
	go func() {
		for msg := range ch {
			tr.see(msg)
		}
	}()
	return tr
}

func (tr *notifyTracker) see(msg *dbus.Message) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	header := func(f dbus.HeaderField) string {
		if v, ok := msg.Headers[f]; ok {
			return fmt.Sprint(v.Value())
		}
		return ""
	}
	switch msg.Type {
	case dbus.TypeMethodCall:
		if len(msg.Body) < 8 {
			return
		}
		n := trackedNote{}
		n.replaces, _ = msg.Body[1].(uint32)
		n.summary, _ = msg.Body[3].(string)
		n.actions, _ = msg.Body[5].([]string)
		if hints, ok := msg.Body[6].(map[string]dbus.Variant); ok {
			u, _ := hints["urgency"].Value().(byte)
			n.critical = u == 2
		}
		tr.pending[header(dbus.FieldSender)+"/"+strconv.FormatUint(uint64(msg.Serial()), 10)] = n
	case dbus.TypeMethodReply:
		key := header(dbus.FieldDestination) + "/" + header(dbus.FieldReplySerial)
		n, ok := tr.pending[key]
		if !ok || len(msg.Body) < 1 {
			return
		}
		delete(tr.pending, key)
		n.id, _ = msg.Body[0].(uint32)
		_, had := tr.open[n.id]
		switch {
		case tr.dropped(n) && had:
			// the server ignored the replacement: the shown one stays as it was
		case tr.dropped(n):
		default:
			n.held = tr.held(n)
			tr.open[n.id] = n
		}
	case dbus.TypeSignal:
		id, _ := msg.Body[0].(uint32)
		switch header(dbus.FieldMember) {
		case "ActionInvoked":
			a, _ := msg.Body[1].(string)
			tr.answers = append(tr.answers, noteAnswer{id: id, action: a})
		case "NotificationClosed":
			r, _ := msg.Body[1].(uint32)
			tr.answers = append(tr.answers, noteAnswer{id: id, reason: r})
			delete(tr.open, id)
		}
	}
}

// newest is the newest notification with summary the server keeps.
func (tr *notifyTracker) newest(t *testing.T, summary string) trackedNote {
	t.Helper()
	var found trackedNote
	ok := waitUntil(3*time.Second, func() bool {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		found = trackedNote{}
		for _, n := range tr.open {
			if n.summary == summary && n.id > found.id {
				found = n
			}
		}
		return found.id != 0
	})
	if !ok {
		t.Fatalf("no notification %q is shown (shown: %q)", summary, tr.summaries())
	}
	return found
}

// summaries of the kept notifications, newest first.
func (tr *notifyTracker) summaries() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	ids := make([]uint32, 0, len(tr.open))
	for id := range tr.open {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b uint32) int { return int(b) - int(a) })
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = tr.open[id].summary
	}
	return s
}

// shownNotes are the notifications on screen (not held), oldest first.
func (tr *notifyTracker) shownNotes() []trackedNote {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var l []trackedNote
	for _, n := range tr.open {
		if !n.held {
			l = append(l, n)
		}
	}
	slices.SortFunc(l, func(a, b trackedNote) int { return int(a.id) - int(b.id) })
	return l
}

// setDND records the server's Do Not Disturb; held says whether that holds back (or, off,
// shows again) the notifications kept now, as dunst's pause does.
func (tr *notifyTracker) setDND(on, held bool) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.dnd = on
	if !held {
		return
	}
	for id, n := range tr.open {
		n.held = on
		tr.open[id] = n
	}
}

// answered waits up to 2 s for the server to send notification id's action (action != "") or
// to close it (action == ""), and returns what it sent first after from answers.
func (tr *notifyTracker) answered(id uint32, from int) (noteAnswer, bool) {
	var got noteAnswer
	ok := waitUntil(2*time.Second, func() bool {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		for _, a := range tr.answers[min(from, len(tr.answers)):] {
			if a.id == id {
				got = a
				return true
			}
		}
		return false
	})
	return got, ok
}

func (tr *notifyTracker) mark() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return len(tr.answers)
}

// actionKey is the key of the first action labelled label.
func actionKey(t *testing.T, n trackedNote, label string) string {
	t.Helper()
	for i := 0; i+1 < len(n.actions); i += 2 {
		if n.actions[i+1] == label {
			return n.actions[i]
		}
	}
	t.Fatalf("notification %q has no action %q (actions %q)", n.summary, label, n.actions)
	return ""
}

// dunstServer is dunst 1.9 as scripts/headless-session.sh configures it: its action menu is
// answered by DIR/dmenu-pick from DIR/action-choice, and a left click on a notification runs its
// default action and closes it (dunstrc `mouse_left_click = do_action, close_current`).
type dunstServer struct {
	tr  *notifyTracker
	scr *x11Screen
}

func newDunst(t *testing.T) notificationServer {
	t.Helper()
	s := &dunstServer{tr: newNotifyTracker(t), scr: newX11(t)}
	// Paused, dunst 1.9 keeps every notification waiting, critical ones too.
	s.tr.mu.Lock()
	s.tr.dnd = dunstctl(t, "is-paused") == "true"
	s.tr.held = func(trackedNote) bool { return s.tr.dnd }
	s.tr.mu.Unlock()
	return s
}

func (s *dunstServer) name() string { return "dunst" }

// press answers dunst's context menu (`dunstctl context`, which lists the actions of every shown
// notification as `#Label (summary) [id,key]`) with the entry of that notification's action.
func (s *dunstServer) press(t *testing.T, summary, label string) {
	t.Helper()
	n := s.tr.newest(t, summary)
	key := actionKey(t, n, label)
	want := fmt.Sprintf("#%s (%s) [%d,%s]", label, summary, n.id, key)
	if err := os.WriteFile(filepath.Join(os.Getenv("HEADLESS_DIR"), "action-choice"), []byte(want), 0o600); err != nil {
		t.Fatal(err)
	}
	from := s.tr.mark()
	dunstctl(t, "context")
	if a, ok := s.tr.answered(n.id, from); !ok || a.action != key {
		t.Fatalf("dunst: %s on %q (id %d) sent %+v (answered %v), want action %q", label, summary, n.id, a, ok, key)
	}
}

// clickBody clicks the notification in dunst's window. dunst draws every shown notification in
// one window, most urgent first and then oldest first; with one-line bodies (as alarmd's are)
// they are equally high, which is what the click's place assumes.
func (s *dunstServer) clickBody(t *testing.T, summary string) {
	t.Helper()
	n := s.tr.newest(t, summary)
	shown := s.tr.shownNotes()
	slices.SortStableFunc(shown, func(a, b trackedNote) int {
		if a.critical != b.critical {
			if a.critical {
				return -1
			}
			return 1
		}
		return 0
	})
	at := slices.IndexFunc(shown, func(x trackedNote) bool { return x.id == n.id })
	var win image.Rectangle
	if !waitUntil(3*time.Second, func() bool {
		w := x11Class("^Dunst$")
		if len(w) == 0 {
			return false
		}
		r, ok := geometry(w[0])
		win = r
		return ok
	}) || at < 0 {
		t.Fatalf("dunst shows no window for %q (index %d of %d)", summary, at, len(shown))
	}
	h := win.Dy() / len(shown)
	from := s.tr.mark()
	s.scr.click(t, win.Min.X+win.Dx()/2, win.Min.Y+at*h+h/2, "left")
	if _, ok := s.tr.answered(n.id, from); !ok {
		t.Fatalf("dunst: a click on %q (row %d of %d in %v) did nothing", summary, at, len(shown), win)
	}
}

func (s *dunstServer) setDoNotDisturb(t *testing.T, on bool) string {
	t.Helper()
	dunstctl(t, "set-paused", strconv.FormatBool(on))
	s.tr.setDND(on, true)
	return "dunst is paused"
}

func (s *dunstServer) shown(t *testing.T) []string {
	t.Helper()
	got := s.tr.summaries()
	d, _ := strconv.Atoi(dunstctl(t, "count", "displayed"))
	w, _ := strconv.Atoi(dunstctl(t, "count", "waiting"))
	if d+w != len(got) {
		t.Logf("dunst counts %d displayed + %d waiting; the bus shows %d kept: %q", d, w, len(got), got)
	}
	return got
}

// xfceNotifydServer is xfce4-notifyd 0.7 with its real buttons. Each notification is a window of
// its own (class xfce4-notifyd): summary and body, then one GTK button per action with a label,
// in the order sent, packed to the right end of a row at the bottom. A click anywhere else in
// the window closes it as dismissed (reason 2): 0.7 does not send "default" on a body click, and
// it draws a "default" action that has a label as one more button.
type xfceNotifydServer struct {
	tr  *notifyTracker
	scr *x11Screen
	xq  func(args ...string) (string, error)
}

func newXfceNotifyd(t *testing.T) notificationServer {
	t.Helper()
	s := &xfceNotifydServer{tr: newNotifyTracker(t), scr: newX11(t)}
	s.xq = func(args ...string) (string, error) {
		out, err := exec.Command("xfconf-query", append([]string{"-c", "xfce4-notifyd"}, args...)...).CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	// In Do not disturb, 0.7 shows critical notifications and drops the rest (logged at most);
	// what it shows already stays.
	v, _ := s.xq("-p", "/do-not-disturb")
	s.tr.mu.Lock()
	s.tr.dnd = v == "true"
	s.tr.dropped = func(n trackedNote) bool { return s.tr.dnd && !n.critical }
	s.tr.mu.Unlock()
	return s
}

func (s *xfceNotifydServer) name() string { return "xfce4-notifyd" }

// window is notification n's window. Windows are made in the order of the Notify calls, and X
// gives a client's windows rising ids, so the shown notifications by id pair off with the
// windows by id.
func (s *xfceNotifydServer) window(t *testing.T, n trackedNote) image.Rectangle {
	t.Helper()
	var win image.Rectangle
	var wins []string
	var shown []trackedNote
	ok := waitUntil(3*time.Second, func() bool {
		wins, shown = x11Class("^xfce4-notifyd$"), s.tr.shownNotes()
		at := slices.IndexFunc(shown, func(x trackedNote) bool { return x.id == n.id })
		if len(wins) != len(shown) || at < 0 {
			return false
		}
		r, ok := geometry(wins[at])
		win = r
		return ok && !r.Empty()
	})
	if !ok {
		t.Fatalf("xfce4-notifyd: %d windows %v for %d shown notifications; none for %q", len(wins), wins, len(shown), n.summary)
	}
	return win
}

// buttons finds the button row on the screenshot: the lowest band of rows mostly unlike the
// window's background, and in it the runs of columns unlike it (the buttons, 7 px apart).
func buttons(img image.Image, win image.Rectangle) []image.Rectangle {
	bg := img.At(win.Min.X+2, win.Min.Y+2)
	unlike := func(x, y int) bool { return colourDistance(img.At(x, y), bg) > 6 }
	rowFull := func(y int) bool {
		n := 0
		for x := win.Min.X; x < win.Max.X; x++ {
			if unlike(x, y) {
				n++
			}
		}
		return n*4 > win.Dx() // a quarter of the row or more
	}
	// The window's edge is a line of its own: skip bands too thin to be buttons.
	top, bottom := win.Max.Y, win.Max.Y
	for bottom-top < 10 {
		bottom = top - 1
		for bottom > win.Min.Y && !rowFull(bottom) {
			bottom--
		}
		if bottom <= win.Min.Y {
			return nil
		}
		top = bottom
		for top > win.Min.Y && rowFull(top-1) {
			top--
		}
	}
	var rects []image.Rectangle
	left := -1
	for x := win.Min.X; x <= win.Max.X; x++ {
		in := false
		if x < win.Max.X {
			n := 0
			for y := top; y <= bottom; y++ {
				if unlike(x, y) {
					n++
				}
			}
			in = n*2 > bottom-top+1
		}
		switch {
		case in && left < 0:
			left = x
		case !in && left >= 0:
			if x-left >= 16 {
				rects = append(rects, image.Rect(left, top, x, bottom+1))
			}
			left = -1
		}
	}
	return rects
}

func (s *xfceNotifydServer) press(t *testing.T, summary, label string) {
	t.Helper()
	n := s.tr.newest(t, summary)
	key := actionKey(t, n, label)
	var labelled []string // the actions that get a button
	at := -1
	for i := 0; i+1 < len(n.actions); i += 2 {
		if n.actions[i+1] == "" {
			continue
		}
		if n.actions[i] == key && at < 0 {
			at = len(labelled)
		}
		labelled = append(labelled, n.actions[i+1])
	}
	win := s.window(t, n)
	var rects []image.Rectangle
	if !waitUntil(2*time.Second, func() bool { rects = buttons(s.scr.grab(t), win); return len(rects) == len(labelled) }) {
		p, _ := s.scr.shot(t, "xfce4-notifyd-buttons")
		t.Fatalf("xfce4-notifyd: %d buttons found in %v, want %d (%q); see %s", len(rects), win, len(labelled), labelled, p)
	}
	b := rects[at]
	from := s.tr.mark()
	s.scr.click(t, (b.Min.X+b.Max.X)/2, (b.Min.Y+b.Max.Y)/2, "left")
	if a, ok := s.tr.answered(n.id, from); !ok || a.action != key {
		t.Fatalf("xfce4-notifyd: the %s button of %q (id %d, at %v) sent %+v (answered %v), want action %q", label, summary, n.id, b, a, ok, key)
	}
}

// clickBody clicks the window's top margin, above the summary: the window's own area.
func (s *xfceNotifydServer) clickBody(t *testing.T, summary string) {
	t.Helper()
	n := s.tr.newest(t, summary)
	win := s.window(t, n)
	from := s.tr.mark()
	s.scr.click(t, win.Min.X+win.Dx()/2, win.Min.Y+6, "left")
	if _, ok := s.tr.answered(n.id, from); !ok {
		t.Fatalf("xfce4-notifyd: a click on %q at %v did nothing", summary, win)
	}
}

func (s *xfceNotifydServer) setDoNotDisturb(t *testing.T, on bool) string {
	t.Helper()
	if out, err := s.xq("-p", "/do-not-disturb", "-n", "-t", "bool", "-s", strconv.FormatBool(on)); err != nil {
		t.Fatalf("xfconf-query /do-not-disturb: %v: %s", err, out)
	}
	s.tr.setDND(on, false)
	return "xfce4-notifyd's Do not disturb is on"
}

// shown: the notifications with a window (0.7 keeps nothing it does not show).
func (s *xfceNotifydServer) shown(t *testing.T) []string {
	t.Helper()
	got := s.tr.summaries()
	if w := x11Class("^xfce4-notifyd$"); len(w) != len(got) {
		t.Logf("xfce4-notifyd shows %d windows; the bus shows %d kept: %q", len(w), len(got), got)
	}
	return got
}

// notifySend is a notify-send --wait in the background: it prints the key of the action
// invoked, and nothing when the notification is closed.
type notifySend struct {
	out  bytes.Buffer
	done chan struct{}
}

func startNotifySend(t *testing.T, urgency, summary, body string, actions ...string) *notifySend {
	t.Helper()
	args := []string{"--wait", "-u", urgency}
	for _, a := range actions {
		args = append(args, "-A", a)
	}
	cmd := exec.Command("notify-send", append(args, summary, body)...)
	n := &notifySend{done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &n.out, &n.out
	if err := cmd.Start(); err != nil {
		t.Fatalf("notify-send: %v", err)
	}
	go func() { cmd.Wait(); close(n.done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-n.done })
	return n
}

// result waits up to 3 s for notify-send to end and returns what it printed.
func (n *notifySend) result(t *testing.T) string {
	t.Helper()
	select {
	case <-n.done:
		return strings.TrimSpace(n.out.String())
	case <-time.After(3 * time.Second):
		t.Fatalf("notify-send still waiting (printed %q)", n.out.String())
		return ""
	}
}

// TestDesktopX11Parts checks x11Screen, dunstServer and xfceNotifydServer against the real
// programs of the X11 desktops: notify-send's actions pressed and its body clicked (two
// notifications on screen at once), Do Not Disturb, a zenity entry typed into, and the real
// agent's tray icon clicked and its menu's Alarms… row chosen.
func TestDesktopX11Parts(t *testing.T) {
	desk, _ := currentDesktop()
	var srv notificationServer
	switch desk.name {
	case "x11-dunst":
		clearNotifications(t)
		srv = newDunst(t)
	case "x11-xfce4-notifyd":
		srv = newXfceNotifyd(t)
	default:
		t.Skipf("for the X11 desktops with a tray (ALARMD_E2E_DESKTOP=x11-dunst or x11-xfce4-notifyd), not %s", desk.name)
	}
	scr := newX11Screen(t)
	waitShown := func(summary string) {
		t.Helper()
		if !waitUntil(3*time.Second, func() bool { return slices.Contains(srv.shown(t), summary) }) {
			t.Fatalf("%q not shown by %s: %q", summary, srv.name(), srv.shown(t))
		}
	}
	timed := func(what string, f func()) {
		t.Helper()
		start := time.Now()
		f()
		t.Logf("figure: %s: %s took %v", srv.name(), what, time.Since(start).Round(time.Millisecond))
	}

	// One notification: Stop pressed.
	one := startNotifySend(t, "critical", "Alarm", "press Stop", "default=Open", "stop=Stop", "snooze=Snooze")
	waitShown("Alarm")
	scr.shot(t, "one-notification")
	timed("press Stop", func() { srv.press(t, "Alarm", "Stop") })
	if got := one.result(t); got != "stop" {
		t.Errorf("press Stop: notify-send printed %q, want stop", got)
	}

	// Two at once: the newer's Snooze, then a click on the older's body.
	first := startNotifySend(t, "critical", "First", "click my body", "default=Open", "stop=Stop", "snooze=Snooze")
	waitShown("First")
	second := startNotifySend(t, "critical", "Second", "press Snooze", "default=Open", "stop=Stop", "snooze=Snooze 5 min")
	waitShown("Second")
	scr.shot(t, "two-notifications")
	timed("press Snooze 5 min on the newer of two", func() { srv.press(t, "Second", "Snooze 5 min") })
	if got := second.result(t); got != "snooze" {
		t.Errorf("press Snooze 5 min: notify-send printed %q, want snooze", got)
	}
	timed("click a body", func() { srv.clickBody(t, "First") })
	want := "default" // dunst: do_action, close_current
	if srv.name() == "xfce4-notifyd" {
		want = "" // 0.7 closes it as dismissed
	}
	if got := first.result(t); got != want {
		t.Errorf("body click: notify-send printed %q, want %q", got, want)
	}
	if l := srv.shown(t); len(l) != 0 {
		t.Errorf("still shown after the answers: %q", l)
	}

	// Do Not Disturb: on, a normal notification is held (dunst) or dropped (xfce4-notifyd).
	how := srv.setDoNotDisturb(t, true)
	switch srv.name() {
	case "dunst":
		if v := dunstctl(t, "is-paused"); v != "true" || how != "dunst is paused" {
			t.Errorf("Do Not Disturb on: is-paused %q, how %q", v, how)
		}
	case "xfce4-notifyd":
		out, _ := exec.Command("xfconf-query", "-c", "xfce4-notifyd", "-p", "/do-not-disturb").Output()
		if strings.TrimSpace(string(out)) != "true" || how != "xfce4-notifyd's Do not disturb is on" {
			t.Errorf("Do Not Disturb on: /do-not-disturb %q, how %q", out, how)
		}
	}
	if out, err := exec.Command("notify-send", "-u", "normal", "Held back", "while DND is on").CombinedOutput(); err != nil {
		t.Fatalf("notify-send: %v: %s", err, out)
	}
	time.Sleep(300 * time.Millisecond)
	shot, _ := scr.shot(t, "dnd-on")
	held := slices.Contains(srv.shown(t), "Held back")
	if held != (srv.name() == "dunst") {
		t.Errorf("while Do Not Disturb is on, shown() = %q (see %s)", srv.shown(t), shot)
	}
	srv.setDoNotDisturb(t, false)
	if srv.name() == "dunst" {
		clearNotifications(t)
	}

	// A dialog typed into.
	var entry bytes.Buffer
	zen := exec.Command("zenity", "--entry", "--title", "X11 parts", "--text", "Your name?")
	zen.Stdout = &entry
	if err := zen.Start(); err != nil {
		t.Fatalf("zenity: %v", err)
	}
	t.Cleanup(func() { zen.Process.Kill(); zen.Wait() })
	w := scr.waitWindow(t, "X11 parts")
	scr.keys(t, "type:Ada", "Return")
	scr.windowGone(t, w, "X11 parts")
	zen.Wait()
	if got := strings.TrimSpace(entry.String()); got != "Ada" {
		t.Errorf("zenity entry printed %q, want Ada", got)
	}

	// The real agent's tray: a left click opens the New alarm form; a right click the menu,
	// whose Alarms… row opens the Alarms window.
	a := newAgentEnv(t)
	a.start()
	defer a.run("stop")
	if !waitUntil(5*time.Second, func() bool { return strings.Contains(a.must("status"), "tray:          shown") }) {
		t.Fatalf("the tray is not shown:\n%s", a.must("status"))
	}
	icon, ok := scr.trayIcon(t)
	if !ok {
		t.Fatal("no tray host")
	}
	scr.shot(t, "tray-icon")
	scr.click(t, icon.X, icon.Y, "left")
	w = scr.waitWindow(t, "New alarm")
	scr.shot(t, "new-alarm-from-left-click")
	scr.keys(t, "Escape")
	scr.windowGone(t, w, "New alarm")
	timed("right click on the icon, Alarms… row", func() {
		scr.click(t, icon.X, icon.Y, "right")
		row, ok := scr.menuRow(t, "Alarms…")
		if !ok {
			t.Fatal("the tray host shows no menu")
		}
		scr.shot(t, "tray-menu")
		scr.click(t, row.X, row.Y, "left")
		w = scr.waitWindow(t, "Alarms")
	})
	scr.shot(t, "alarms-window")
	scr.keys(t, "Escape")
	scr.windowGone(t, w, "Alarms")

	// The agent's own ringing notification (icon, Stop, Snooze, and the "default" action):
	// Stop pressed, then a body click, each stops the ring.
	for _, answer := range []string{"press", "click"} {
		title := "Tea " + answer
		a.must("add", "in", "1s", title)
		if !waitUntil(5*time.Second, func() bool { return slices.Contains(srv.shown(t), title) }) {
			t.Fatalf("%q did not ring: shown %q\nlog:\n%s", title, srv.shown(t), a.log())
		}
		scr.shot(t, "ringing-"+answer)
		timed(answer+" on a ringing alarm", func() {
			if answer == "press" {
				srv.press(t, title, "Stop")
			} else {
				srv.clickBody(t, title)
			}
			if !waitUntil(2*time.Second, func() bool { return len(a.status().Ringing) == 0 }) {
				t.Errorf("%s: still ringing: %+v", answer, a.status().Ringing)
			}
		})
	}
	if !waitUntil(2*time.Second, func() bool { return len(srv.shown(t)) == 0 }) {
		t.Errorf("left shown after the rings were stopped: %q", srv.shown(t))
	}
}
