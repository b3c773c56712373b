//go:build e2e

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// The wayland-mako desktop (DESIGN §17): sway headless, waybar's tray and mako, started by
// scripts/headless-wayland.sh. What a person sees comes from grim, what they do goes through the
// session's virtual pointer and keyboard (`headless-wayland.sh input`), windows are found with
// swaymsg.

// makoDNDHow is what `status` reports while mako's do-not-disturb mode is on (dnd.State.How).
const makoDNDHow = "mako's do-not-disturb mode hides notifications"

// waybar's tray menu (a GTK menu drawn by libdbusmenu-gtk), measured on the session's
// screenshots: 4 px of padding above and below the rows, 24 px per item, 1 px per separator.
// A submenu opens beside its parent row with its first row level with it.
const (
	menuPad       = 4
	menuRowHeight = 24
	menuSepHeight = 1
)

func waylandScript() string { return filepath.Join(repoRoot(), "scripts", "headless-wayland.sh") }

// waylandInput hands commands to the session's virtual pointer and keyboard; it returns once
// the compositor has them all.
func waylandInput(t *testing.T, cmds ...string) {
	t.Helper()
	if out, err := exec.Command("bash", append([]string{waylandScript(), "input"}, cmds...)...).CombinedOutput(); err != nil {
		t.Fatalf("input %q: %v: %s", cmds, err, out)
	}
}

// grab returns the screen, or the part r of it (when r is not empty), as grim sees it.
func grab(t *testing.T, r image.Rectangle) image.Image {
	t.Helper()
	args := []string{"-"}
	if !r.Empty() {
		args = []string{"-g", fmt.Sprintf("%d,%d %dx%d", r.Min.X, r.Min.Y, r.Dx(), r.Dy()), "-"}
	}
	var errb bytes.Buffer
	cmd := exec.Command("grim", args...)
	cmd.Stderr = &errb
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("grim %v: %v: %s", args, err, errb.String())
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("grim %v: %v", args, err)
	}
	return img
}

func rgb(img image.Image, x, y int) (r, g, b uint8) {
	c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
	return c.R, c.G, c.B
}

func isRGB(img image.Image, x, y int, want uint32) bool {
	r, g, b := rgb(img, x, y)
	return uint32(r)<<16|uint32(g)<<8|uint32(b) == want
}

// nearWhite is the background of GTK's menus.
func nearWhite(img image.Image, x, y int) bool {
	r, g, b := rgb(img, x, y)
	return r >= 0xf8 && g >= 0xf8 && b >= 0xf8
}

func savePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

type waylandScreen struct {
	w, h  int
	mu    sync.Mutex
	steps map[string]int // screenshots taken so far, per test
}

func newWaylandScreen(t *testing.T) screen {
	t.Helper()
	if os.Getenv("HEADLESS_DIR") == "" || os.Getenv("WAYLAND_DISPLAY") == "" {
		t.Fatal("no Wayland session: HEADLESS_DIR or WAYLAND_DISPLAY is unset")
	}
	s := &waylandScreen{w: 1024, h: 768, steps: map[string]int{}}
	if v := os.Getenv("HEADLESS_SCREEN"); v != "" {
		if _, err := fmt.Sscanf(v, "%dx%d", &s.w, &s.h); err != nil {
			t.Fatalf("HEADLESS_SCREEN=%q: %v", v, err)
		}
	}
	return s
}

func (s *waylandScreen) shot(t *testing.T, name string) (string, image.Image) {
	t.Helper()
	s.mu.Lock()
	s.steps[t.Name()]++
	step := s.steps[t.Name()]
	s.mu.Unlock()
	img := grab(t, image.Rectangle{})
	p := artifactPath(t, step, name)
	savePNG(t, p, img)
	return p, img
}

func (s *waylandScreen) click(t *testing.T, x, y int, button string) {
	t.Helper()
	waylandInput(t, fmt.Sprintf("move %d %d", x, y), "click "+button)
}

func (s *waylandScreen) keys(t *testing.T, seq ...string) {
	t.Helper()
	cmds := make([]string, len(seq))
	for i, k := range seq {
		if text, ok := strings.CutPrefix(k, "type:"); ok {
			cmds[i] = "type " + text
		} else {
			cmds[i] = "key " + k
		}
	}
	waylandInput(t, cmds...)
}

// swayWindow is the part of a node of `swaymsg -t get_tree` that finds windows.
type swayWindow struct {
	ID            int64        `json:"id"`
	Name          *string      `json:"name"`
	AppID         *string      `json:"app_id"`
	Visible       bool         `json:"visible"`
	Focused       bool         `json:"focused"`
	Nodes         []swayWindow `json:"nodes"`
	FloatingNodes []swayWindow `json:"floating_nodes"`
}

// swayWindows lists the windows (the nodes with a client) in sway's tree.
func swayWindows(t *testing.T) []swayWindow {
	t.Helper()
	out, err := exec.Command("swaymsg", "-r", "-t", "get_tree").Output()
	if err != nil {
		t.Fatalf("swaymsg -t get_tree: %v", err)
	}
	var root swayWindow
	if err := json.Unmarshal(out, &root); err != nil {
		t.Fatalf("swaymsg -t get_tree: %v", err)
	}
	var all []swayWindow
	var walk func(n swayWindow)
	walk = func(n swayWindow) {
		if n.AppID != nil {
			all = append(all, n)
		}
		for _, c := range append(n.Nodes, n.FloatingNodes...) {
			walk(c)
		}
	}
	walk(root)
	return all
}

func (s *waylandScreen) waitWindow(t *testing.T, title string) string {
	t.Helper()
	var id int64
	if !waitUntil(15*time.Second, func() bool {
		for _, w := range swayWindows(t) {
			if w.Name != nil && *w.Name == title && w.Visible {
				id = w.ID
				return true
			}
		}
		return false
	}) {
		t.Fatalf("no window titled %q within 15 s", title)
	}
	// sway gives a new window the focus, but not when another took it meanwhile.
	if out, err := exec.Command("swaymsg", fmt.Sprintf("[con_id=%d]", id), "focus").CombinedOutput(); err != nil {
		t.Fatalf("swaymsg focus %q: %v: %s", title, err, out)
	}
	if !waitUntil(5*time.Second, func() bool {
		for _, w := range swayWindows(t) {
			if w.ID == id {
				return w.Focused
			}
		}
		return false
	}) {
		t.Fatalf("window %q (con_id %d) did not get the focus", title, id)
	}
	return strconv.FormatInt(id, 10)
}

func (s *waylandScreen) windowGone(t *testing.T, id, title string) {
	t.Helper()
	if !waitUntil(15*time.Second, func() bool {
		for _, w := range swayWindows(t) {
			if strconv.FormatInt(w.ID, 10) == id {
				return false
			}
		}
		return true
	}) {
		t.Fatalf("window %q (con_id %s) still shown after 15 s", title, id)
	}
}

// trayIcon: waybar draws its one tray item 18 px left of the screen's right edge, in the middle
// of its 32 px bar. It waits (up to 5 s) for the icon to be drawn, since waybar draws it a moment
// after the item registers; a point without an icon is only logged, as a test may well ask
// before the agent runs.
func (s *waylandScreen) trayIcon(t *testing.T) (image.Point, bool) {
	t.Helper()
	if os.Getenv("HEADLESS_TRAY") != "waybar" {
		return image.Point{}, false
	}
	p := image.Pt(s.w-18, 16)
	if !waitUntil(5*time.Second, func() bool { return drawnOn(grab(t, image.Rect(p.X-16, 0, p.X+16, 32)), 0x202020) }) {
		t.Logf("trayIcon: nothing drawn around %v in waybar after 5 s", p)
	}
	return p, true
}

// waybarEntry is one shown row of a dbusmenu menu.
type waybarEntry struct {
	label     string
	separator bool
	children  []waybarEntry
}

func menuHeight(entries []waybarEntry) int {
	h := 0
	for _, e := range entries {
		if e.separator {
			h += menuSepHeight
		} else {
			h += menuRowHeight
		}
	}
	return h
}

// rowTop is the offset of entry i's row from the first row's top.
func rowTop(entries []waybarEntry, i int) int { return menuHeight(entries[:i]) }

// stripMnemonic drops the underscores dbusmenu labels mark access keys with, as GTK draws them.
func stripMnemonic(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(s, "__", "\x00"), "_", ""), "\x00", "_")
}

// trayMenu reads the menu of the tray's one item (com.canonical.dbusmenu GetLayout on its
// /StatusNotifierItem/menu), keeping what GTK shows: visible items and separators, in order.
func trayMenu(t *testing.T) []waybarEntry {
	t.Helper()
	conn, err := dbus.Connect(os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	if err != nil {
		t.Fatalf("session bus: %v", err)
	}
	defer conn.Close()
	watcher := conn.Object("org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher")
	var items []string
	waitUntil(5*time.Second, func() bool {
		v, err := watcher.GetProperty("org.kde.StatusNotifierWatcher.RegisteredStatusNotifierItems")
		items = nil
		return err == nil && v.Store(&items) == nil && len(items) == 1
	})
	if len(items) != 1 {
		t.Fatalf("menuRow: want one tray item, waybar has %q", items)
	}
	sender, _, _ := strings.Cut(items[0], "/")
	menu := conn.Object(sender, "/StatusNotifierItem/menu")
	var rev uint32
	var layout []any
	for range 2 { // as in trayLabels: the first answer is one level deep only
		if err := menu.Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{}).Store(&rev, &layout); err != nil {
			t.Fatalf("GetLayout: %v", err)
		}
	}
	var entries func(children []dbus.Variant) []waybarEntry
	entries = func(children []dbus.Variant) []waybarEntry {
		var out []waybarEntry
		for _, c := range children {
			item := c.Value().([]any)
			props := item[1].(map[string]dbus.Variant)
			if v, ok := props["visible"]; ok && v.Value() == false {
				continue
			}
			e := waybarEntry{}
			if v, ok := props["type"]; ok && v.Value() == "separator" {
				e.separator = true
			} else if v, ok := props["label"]; ok {
				e.label, _ = v.Value().(string)
			}
			if kids, _ := item[2].([]dbus.Variant); len(kids) > 0 {
				e.children = entries(kids)
			}
			out = append(out, e)
		}
		return out
	}
	return entries(layout[2].([]dbus.Variant))
}

// menuRow finds the row in the menu from its layout and the measured geometry (menuPad,
// menuRowHeight, menuSepHeight) and the menu's place on a screenshot. A label in a submenu
// is looked for once its parent row has been clicked (the submenu is open). The geometry is
// checked against the screenshot: the menu must end where the rows say.
func (s *waylandScreen) menuRow(t *testing.T, label string) (image.Point, bool) {
	t.Helper()
	if os.Getenv("HEADLESS_TRAY") != "waybar" {
		return image.Point{}, false
	}
	entries := trayMenu(t)
	find := func(es []waybarEntry) int {
		for i, e := range es {
			if !e.separator && (e.label == label || stripMnemonic(e.label) == label) {
				return i
			}
		}
		return -1
	}
	parent, row := -1, find(entries)
	for i := 0; row < 0 && i < len(entries); i++ {
		if j := find(entries[i].children); j >= 0 {
			parent, row = i, j
		}
	}
	if row < 0 {
		var shown []string
		for _, e := range entries {
			shown = append(shown, e.label)
		}
		t.Fatalf("menuRow: no shown row %q in the tray menu %q", label, shown)
	}

	// The menu hangs below the icon: its top is the first white pixel in a column left of the
	// icon (which may have white in it) and right of the labels (which end 29 px from the
	// menu's right side).
	col := s.w - 40
	var img image.Image
	top := -1
	waitUntil(3*time.Second, func() bool {
		img = grab(t, image.Rectangle{})
		for y := 12; y < 60; y++ {
			if nearWhite(img, col, y) && nearWhite(img, col, y+1) && nearWhite(img, col, y+2) {
				top = y
				return true
			}
		}
		return false
	})
	if top < 0 {
		p, _ := s.shot(t, "no-menu")
		t.Fatalf("menuRow: waybar shows no menu below its icon (%s)", p)
	}
	// Its sides, on the first row's top pixel line: below the rounded corners, above the text.
	edge := top + menuPad + 1
	left, right := col, col
	for left > 0 && menuPixel(img, left-1, edge) {
		left--
	}
	for right < s.w-1 && menuPixel(img, right+1, edge) {
		right++
	}
	if parent < 0 {
		// The last pixel row of the bottom padding is white, the one below it is not.
		bottom := top + 2*menuPad + menuHeight(entries) - 1
		if !nearWhite(img, col, bottom) || nearWhite(img, col, bottom+1) {
			measured := top
			for measured+1 < s.h && !isDesktop(img, col, measured+1) {
				measured++
			}
			p, _ := s.shot(t, "menu-geometry")
			t.Fatalf("menuRow: the menu's rows do not match the measured geometry: %d rows should end at y %d, the menu spans y %d–%d (%s)",
				len(entries), bottom, top, measured, p)
		}
		y := top + menuPad + rowTop(entries, row) + menuRowHeight/2
		return image.Pt((left+right)/2, y), true
	}

	// The submenu's first row is level with its parent's row; its sides are found on that row's
	// top pixel line.
	subTop := top + menuPad + rowTop(entries, parent) - menuPad
	var sl, sr int
	if !waitUntil(3*time.Second, func() bool {
		img = grab(t, image.Rectangle{})
		sl, sr = submenuSides(img, left, right, subTop+menuPad+1)
		return sr-sl > 20
	}) {
		p, _ := s.shot(t, "no-submenu")
		t.Fatalf("menuRow: %q's submenu is not open beside the menu (%s)", entries[parent].label, p)
	}
	y := subTop + menuPad + rowTop(entries[parent].children, row) + menuRowHeight/2
	return image.Pt((sl+sr)/2, y), true
}

// menuPixel: the menu's background or the highlight of the row under the pointer (#3584e4).
func menuPixel(img image.Image, x, y int) bool {
	r, _, b := rgb(img, x, y)
	return nearWhite(img, x, y) || (b >= 0xc0 && r < 0x80)
}

// submenuSides finds, on pixel row y, a run of menu pixels that starts within 10 px of the menu's
// left side (the submenu opens there when the screen ends on the right) or else of its right.
func submenuSides(img image.Image, left, right, y int) (int, int) {
	w := img.Bounds().Max.X
	for x := left - 1; x >= 0 && x >= left-10; x-- {
		if menuPixel(img, x, y) {
			r := x
			for x > 0 && menuPixel(img, x-1, y) {
				x--
			}
			return x, r
		}
	}
	for x := right + 1; x < w && x <= right+10; x++ {
		if menuPixel(img, x, y) {
			l := x
			for x < w-1 && menuPixel(img, x+1, y) {
				x++
			}
			return l, x
		}
	}
	return 0, 0
}

// isDesktop: sway's background (#336699) or the menu's shadow on it.
func isDesktop(img image.Image, x, y int) bool {
	r, g, b := rgb(img, x, y)
	return r < 0x40 && b > g && g > r
}

// makoServer answers mako's notifications. mako draws no buttons: a person picks an action by
// its label from `makoctl menu` (mako's own chooser, which hands the labels to a dmenu-like
// program; grep stands in for the person). Choosing by label rather than `makoctl invoke KEY`
// goes through the labels the person sees, and fails when the label is not offered, where
// invoke with an unknown key exits 0 silently. A left click on a notification sends "default".
type makoServer struct{}

func newMako(t *testing.T) notificationServer {
	t.Helper()
	if _, err := exec.LookPath("makoctl"); err != nil {
		t.Fatalf("makoctl: %v", err)
	}
	return makoServer{}
}

func (makoServer) name() string { return "mako" }

type makoNote struct {
	id      uint32
	summary string
	actions map[string]string // key → label
}

// makoList is `makoctl list`: the notifications mako holds, newest first, as they stack on screen.
func makoList(t *testing.T) []makoNote {
	t.Helper()
	out, err := exec.Command("makoctl", "list").Output()
	if err != nil {
		t.Fatalf("makoctl list: %v", err)
	}
	var l struct {
		Data [][]struct {
			ID      struct{ Data uint32 }            `json:"id"`
			Summary struct{ Data string }            `json:"summary"`
			Actions struct{ Data map[string]string } `json:"actions"`
		} `json:"data"`
	}
	if err := json.Unmarshal(out, &l); err != nil {
		t.Fatalf("makoctl list: %v: %s", err, out)
	}
	var notes []makoNote
	if len(l.Data) > 0 {
		for _, n := range l.Data[0] {
			notes = append(notes, makoNote{n.ID.Data, n.Summary.Data, n.Actions.Data})
		}
	}
	return notes
}

// newest waits (up to 5 s) for a notification with this summary; it returns its place in the
// stack too.
func newest(t *testing.T, summary string) (makoNote, int) {
	t.Helper()
	var notes []makoNote
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		notes = makoList(t)
		for i, n := range notes {
			if n.summary == summary {
				return n, i
			}
		}
	}
	t.Fatalf("mako holds no notification %q: %+v", summary, notes)
	return makoNote{}, 0
}

func (makoServer) press(t *testing.T, summary, label string) {
	t.Helper()
	n, _ := newest(t, summary)
	out, err := exec.Command("makoctl", "menu", "-n", strconv.FormatUint(uint64(n.id), 10), "grep", "-x", "-F", "--", label).CombinedOutput()
	if err != nil {
		t.Fatalf("makoctl menu: no action %q on %q (id %d, actions %v): %v: %s", label, summary, n.id, n.actions, err, out)
	}
}

// makoBoxes finds the notifications drawn at the top right: mako's boxes (360 px wide, 10 px
// from the edges and from each other, background #285577) as runs of that colour in a column
// of their right padding, where no text goes.
func makoBoxes(img image.Image) []image.Rectangle {
	b := img.Bounds()
	x := b.Max.X - 14
	var boxes []image.Rectangle
	start := -1
	for y := 32; y <= b.Max.Y; y++ {
		in := y < b.Max.Y && isRGB(img, x, y, 0x285577)
		switch {
		case in && start < 0:
			start = y
		case !in && start >= 0:
			boxes = append(boxes, image.Rect(b.Max.X-370, start, b.Max.X-10, y))
			start = -1
		}
	}
	return boxes
}

func (makoServer) clickBody(t *testing.T, summary string) {
	t.Helper()
	_, i := newest(t, summary)
	var boxes []image.Rectangle
	if !waitUntil(3*time.Second, func() bool { boxes = makoBoxes(grab(t, image.Rectangle{})); return len(boxes) > i }) {
		t.Fatalf("clickBody %q: it is number %d in mako's stack, but %d notifications are drawn", summary, i+1, len(boxes))
	}
	c := boxes[i].Min.Add(boxes[i].Size().Div(2))
	waylandInput(t, fmt.Sprintf("move %d %d", c.X, c.Y), "click left")
}

func (makoServer) setDoNotDisturb(t *testing.T, on bool) string {
	t.Helper()
	mode := "default"
	if on {
		mode = "do-not-disturb"
	}
	if out, err := exec.Command("makoctl", "mode", "-s", mode).CombinedOutput(); err != nil {
		t.Fatalf("makoctl mode -s %s: %v: %s", mode, err, out)
	}
	return makoDNDHow
}

func (makoServer) shown(t *testing.T) []string {
	t.Helper()
	var s []string
	for _, n := range makoList(t) {
		s = append(s, n.summary)
	}
	return s
}

// background starts a program that blocks (notify-send with actions, zenity); wait returns
// its output once it exits (up to 5 s).
type background struct {
	cmd  *exec.Cmd
	out  bytes.Buffer
	done chan error
}

func startBackground(t *testing.T, name string, args ...string) *background {
	t.Helper()
	b := &background{cmd: exec.Command(name, args...), done: make(chan error, 1)}
	b.cmd.Stdout = &b.out
	if err := b.cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	go func() { b.done <- b.cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case <-b.done:
		default:
			b.cmd.Process.Kill()
			<-b.done
		}
	})
	return b
}

func (b *background) wait(t *testing.T) string {
	t.Helper()
	select {
	case <-b.done:
		b.done <- nil // for the cleanup
		return strings.TrimSpace(b.out.String())
	case <-time.After(5 * time.Second):
		t.Fatalf("%s did not exit within 5 s", b.cmd.Path)
		return ""
	}
}

func onlyOnWayland(t *testing.T) {
	t.Helper()
	if d, _ := currentDesktop(); d.name != "wayland-mako" {
		t.Skipf("runs on the wayland-mako desktop (ALARMD_E2E_DESKTOP=wayland-mako), this is %s", d.name)
	}
}

// TestDesktopWaylandParts checks waylandScreen and makoServer against the real programs:
// notify-send's actions through mako, a click on a notification, mako's do-not-disturb mode,
// typing into a zenity dialog, and the agent's tray icon and menu (also a submenu) in waybar.
func TestDesktopWaylandParts(t *testing.T) {
	onlyOnWayland(t)
	begin := time.Now()
	scr := newWaylandScreen(t)
	mako := newMako(t)
	t.Cleanup(func() { exec.Command("makoctl", "dismiss", "-a").Run() })

	// Actions by label.
	ring := startBackground(t, "notify-send", "-u", "critical", "-A", "stop=Stop", "-A", "default=Open", "Alarm", "body")
	if !waitUntil(3*time.Second, func() bool { s := mako.shown(t); return len(s) > 0 && s[0] == "Alarm" }) {
		t.Fatalf("mako does not list the notification: %q", mako.shown(t))
	}
	scr.shot(t, "notification")
	mako.press(t, "Alarm", "Stop")
	if got := ring.wait(t); got != "stop" {
		t.Errorf("after press Stop notify-send printed %q, want stop", got)
	}

	// A click on the older of two stacked notifications sends its "default".
	first := startBackground(t, "notify-send", "-A", "default=Open", "First", "a body\nof two lines")
	newest(t, "First")
	second := startBackground(t, "notify-send", "-A", "default=Open", "Second", "body")
	newest(t, "Second")
	// mako lists a notification a moment before it draws it.
	waitUntil(3*time.Second, func() bool { return len(makoBoxes(grab(t, image.Rectangle{}))) == 2 })
	path, img := scr.shot(t, "two-notifications")
	if n := len(makoBoxes(img)); n != 2 {
		t.Errorf("%d notifications drawn, want 2 (%s)", n, path)
	}
	mako.clickBody(t, "First")
	if got := first.wait(t); got != "default" {
		t.Errorf("after a click on First notify-send printed %q, want default", got)
	}
	if s := mako.shown(t); len(s) != 1 || s[0] != "Second" {
		t.Errorf("after the click mako holds %q, want only Second", s)
	}
	mako.press(t, "Second", "Open")
	second.wait(t)

	// Do not disturb: held (listed), not drawn; drawn again afterwards.
	if how := mako.setDoNotDisturb(t, true); how != makoDNDHow {
		t.Errorf("setDoNotDisturb said %q", how)
	}
	held := startBackground(t, "notify-send", "-A", "default=Open", "Held", "body")
	newest(t, "Held")
	time.Sleep(200 * time.Millisecond) // would be drawn by now
	path, img = scr.shot(t, "do-not-disturb")
	if n := len(makoBoxes(img)); n != 0 {
		t.Errorf("do-not-disturb: %d notifications drawn, want none (%s)", n, path)
	}
	mako.setDoNotDisturb(t, false)
	if !waitUntil(3*time.Second, func() bool { return len(makoBoxes(grab(t, image.Rectangle{}))) == 1 }) {
		t.Errorf("after do-not-disturb the held notification is not drawn")
	}
	mako.clickBody(t, "Held")
	held.wait(t)

	// Typing into a dialog.
	dialog := startBackground(t, "zenity", "--entry", "--title=New alarm", "--text=When?")
	id := scr.waitWindow(t, "New alarm")
	scr.shot(t, "dialog")
	scr.keys(t, "type:07:30 hello", "Return")
	if got := dialog.wait(t); got != "07:30 hello" {
		t.Errorf("zenity printed %q, want %q", got, "07:30 hello")
	}
	scr.windowGone(t, id, "New alarm")

	// The tray: the icon where trayIcon says, its menu's rows where menuRow says.
	a := newAgentEnv(t)
	a.start()
	defer a.run("stop")
	if !waitUntil(5*time.Second, func() bool { return strings.HasPrefix(a.status().Tray, "shown") }) {
		t.Fatalf("the tray never said shown: %s", a.must("status"))
	}
	icon, ok := scr.trayIcon(t)
	if !ok {
		t.Fatal("trayIcon: no tray host")
	}
	path, img = scr.shot(t, "tray-icon")
	if !drawnOn(img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(image.Rect(icon.X-12, icon.Y-12, icon.X+12, icon.Y+12)), 0x202020) {
		t.Errorf("no icon drawn around %v (%s)", icon, path)
	}
	scr.click(t, icon.X, icon.Y, "right")
	pause, ok := scr.menuRow(t, "Pause all alarms")
	if !ok {
		t.Fatal("menuRow: no menu")
	}
	scr.shot(t, "menu")
	scr.click(t, pause.X, pause.Y, "left")
	if !waitUntil(3*time.Second, func() bool { return a.status().Paused }) {
		t.Errorf("clicking %v (Pause all alarms) did not pause the alarms", pause)
	}
	scr.click(t, icon.X, icon.Y, "right")
	row, _ := scr.menuRow(t, "Quick timer")
	scr.click(t, row.X, row.Y, "left")
	sub, _ := scr.menuRow(t, "5 min")
	scr.shot(t, "submenu")
	scr.click(t, sub.X, sub.Y, "left")
	if !waitUntil(3*time.Second, func() bool { return len(a.list()) == 1 }) {
		t.Errorf("clicking %v (Quick timer → 5 min) added no timer: %s", sub, a.must("list"))
	}
	waylandInput(t, fmt.Sprintf("move %d %d", icon.X-300, 400)) // no hover left on the bar
	t.Logf("figure: TestDesktopWaylandParts took %v; menu rows at %v (Pause all alarms), %v (Quick timer), %v (5 min)", time.Since(begin).Round(time.Millisecond), pause, row, sub)
}

// waybarSnippet is the waybar configuration README.md shows under "Status bars": the first
// ```json block there, the members of a waybar config object.
func waybarSnippet(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(repoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)\n### Status bars\n.*?\n```json\n(.*?)\n```\n").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md: no ```json block under \"### Status bars\"")
	}
	var conf map[string]json.RawMessage
	if err := json.Unmarshal(append(append([]byte("{"), m[1]...), '}'), &conf); err != nil {
		t.Fatalf("README.md's waybar snippet is not a config object's members: %v\n%s", err, m[1])
	}
	return conf
}

// startWaybar starts a waybar of the test's own along the bottom with the members conf and
// the background colour bg; stop (also a cleanup) ends it with TERM, on which waybar ends its
// modules' commands itself.
func startWaybar(t *testing.T, env []string, dir string, conf map[string]json.RawMessage, bg string) (stop func()) {
	t.Helper()
	bar := map[string]any{"layer": "top", "position": "bottom", "height": 32}
	for k, v := range conf {
		bar[k] = v
	}
	b, _ := json.MarshalIndent(bar, "", "  ")
	os.WriteFile(filepath.Join(dir, "waybar.json"), b, 0o644)
	os.WriteFile(filepath.Join(dir, "waybar.css"), []byte(`* { font-family: "DejaVu Sans"; font-size: 14px; }
window#waybar { background: `+bg+`; color: #ffffff; }
#custom-alarmd { padding: 0 10px; }
`), 0o644)
	lf, err := os.Create(filepath.Join(dir, "waybar.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("waybar", "-c", filepath.Join(dir, "waybar.json"), "-s", filepath.Join(dir, "waybar.css"))
	cmd.Env, cmd.Stdout, cmd.Stderr = env, lf, lf
	if err := cmd.Start(); err != nil {
		t.Fatalf("waybar: %v", err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(3 * time.Second):
				cmd.Process.Kill()
				<-done
			}
			lf.Close()
		})
	}
	t.Cleanup(stop)
	return stop
}

// findBar is the 32 px bar of colour bg in the lower half of the screen, if one is there
// (the bars a test starts along the bottom stack upwards).
func findBar(img image.Image, bg uint32) (image.Rectangle, bool) {
	b := img.Bounds()
	for y := b.Max.Y - 1; y > b.Max.Y/2; y-- {
		if isRGB(img, 1, y, bg) && isRGB(img, 1, y-31, bg) && isRGB(img, b.Max.X-2, y-16, bg) {
			return image.Rect(0, y-31, b.Max.X, y+1), true
		}
	}
	return image.Rectangle{}, false
}

// waitBar waits (up to 5 s) for a bar of colour bg with something drawn on it, until it looks
// the same twice 150 ms apart; it returns where it is and what it shows.
func waitBar(t *testing.T, bg uint32) (image.Rectangle, image.Image) {
	t.Helper()
	var r image.Rectangle
	var prev image.Image
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(150 * time.Millisecond) {
		img := grab(t, image.Rectangle{})
		found, ok := findBar(img, bg)
		if !ok {
			continue
		}
		cur := grab(t, found)
		if !drawnOn(cur, bg) {
			continue
		}
		if found == r && prev != nil && sameImage(prev, cur, 0) {
			return r, cur
		}
		r, prev = found, cur
	}
	t.Fatalf("no settled bar of colour #%06x with something on it within 5 s", bg)
	return r, nil
}

// drawnOn tells whether some 20 pixels of img are not the colour bg.
func drawnOn(img image.Image, bg uint32) bool {
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if !isRGB(img, x, y, bg) {
				n++
			}
		}
	}
	return n >= 20
}

// sameImage compares two pictures of one size, each channel within tol.
func sameImage(a, b image.Image, tol int) bool {
	ab, bb := a.Bounds(), b.Bounds()
	if ab.Size() != bb.Size() {
		return false
	}
	for y := 0; y < ab.Dy(); y++ {
		for x := 0; x < ab.Dx(); x++ {
			r1, g1, b1 := rgb(a, ab.Min.X+x, ab.Min.Y+y)
			r2, g2, b2 := rgb(b, bb.Min.X+x, bb.Min.Y+y)
			if absDiff(r1, r2) > tol || absDiff(g1, g2) > tol || absDiff(b1, b2) > tol {
				return false
			}
		}
	}
	return true
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// TestDesktopWaybarStatus runs README.md's waybar module as it stands, in a waybar of its own
// along the bottom, and checks that the bar shows the next alarm within 1 s of each add. What
// the bar shows is compared with `alarmd watch --json`'s line: a reference bar whose module
// prints that line (`cat`) must look the same; its background is one step bluer (#202021), so
// the two bars tell apart whichever way sway stacks them, and the comparison allows 1 per channel.
func TestDesktopWaybarStatus(t *testing.T) {
	onlyOnWayland(t)
	scr := newWaylandScreen(t)
	conf := waybarSnippet(t)
	var mod map[string]any
	if err := json.Unmarshal(conf["custom/alarmd"], &mod); err != nil || mod["exec"] == nil {
		t.Fatalf("README's snippet has no custom/alarmd module with an exec: %v", err)
	}
	var right []string
	json.Unmarshal(conf["modules-right"], &right)
	if len(right) != 1 || right[0] != "custom/alarmd" {
		t.Fatalf("README's snippet: modules-right is %q, want [custom/alarmd]", right)
	}

	a := newAgentEnv(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	os.MkdirAll(bin, 0o755)
	if err := os.Symlink(binary, filepath.Join(bin, "alarmd")); err != nil {
		t.Fatal(err)
	}
	env := make([]string, 0, len(a.env))
	for _, kv := range a.env {
		if p, ok := strings.CutPrefix(kv, "PATH="); ok {
			kv = "PATH=" + bin + string(os.PathListSeparator) + p
		}
		env = append(env, kv)
	}
	a.start()
	defer a.run("stop")
	watch := startWatch(t, a)
	t.Cleanup(func() { killWatchers(t, watch) }) // after the bars' cleanups

	const barBG, refBG = 0x202020, 0x202021
	barDir := filepath.Join(dir, "bar")
	os.MkdirAll(barDir, 0o755)
	stopBar := startWaybar(t, env, barDir, conf, "#202020")
	bar, shown := waitBar(t, barBG)
	modules := watchers(watch)
	if len(modules) != 1 {
		t.Errorf("waybar runs %d `alarmd watch` (pids %v), want 1", len(modules), modules)
	}

	// check compares the bar with a reference bar whose module prints the watch's last line.
	step := 0
	check := func(what string) {
		t.Helper()
		step++
		watch.mu.Lock()
		last := watch.lines[len(watch.lines)-1]
		watch.mu.Unlock()
		ref := filepath.Join(dir, fmt.Sprintf("ref%d", step))
		os.MkdirAll(ref, 0o755)
		line, _ := json.Marshal(map[string]string{"text": last.text, "class": last.class})
		os.WriteFile(filepath.Join(ref, "line.json"), append(line, '\n'), 0o644)
		refMod := map[string]any{}
		for k, v := range mod {
			refMod[k] = v
		}
		refMod["exec"] = "cat " + filepath.Join(ref, "line.json")
		rm, _ := json.Marshal(refMod)
		stop := startWaybar(t, env, ref, map[string]json.RawMessage{"modules-right": conf["modules-right"], "custom/alarmd": rm}, "#202021")
		defer stop()
		_, want := waitBar(t, refBG)
		p, img := scr.shot(t, what)
		now, _ := findBar(img, barBG)
		got := grab(t, now)
		if !sameImage(got, want, 1) {
			t.Errorf("%s: the bar does not show the watch line %s (%s: the bar at %v, the reference bar #202021 beside it)", what, line, p, now)
		}
		t.Logf("%s: the bar shows %q like the reference (%s)", what, last.text, p)
	}
	watch.waitLineWithin(t, "the start", time.Time{}, 3*time.Second, func(l watchedLine) bool { return l.text == "No alarms" })
	check("no-alarms")

	var figures []string
	add := func(what, suffix string, args ...string) {
		t.Helper()
		before := shown
		start := time.Now()
		a.must(args...)
		var changed time.Duration = -1
		for time.Since(start) < 3*time.Second {
			if !sameImage(before, grab(t, bar), 0) {
				changed = time.Since(start)
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		line := watch.waitLine(t, what, start, func(l watchedLine) bool { return strings.HasSuffix(l.text, suffix) })
		if changed < 0 {
			t.Fatalf("%s: the bar did not change within 3 s", what)
		}
		if changed > time.Second {
			t.Errorf("%s: the bar changed %v after it, want within 1 s", what, changed.Round(time.Millisecond))
		}
		bar, shown = waitBar(t, barBG)
		figures = append(figures, fmt.Sprintf("%s: bar changed after %v (watch line after %v)", what, changed.Round(time.Millisecond), line.Round(time.Millisecond)))
		check(what)
	}
	add("add", "07:30 Wake up", "add", "7:30", "Wake up")
	add("earlier-add", "06:45 Early", "add", "6:45", "Early")
	t.Logf("figure: waybar custom/alarmd from README.md: %s", strings.Join(figures, "; "))

	// waybar going away (TERM, as at a reload or logout) should take its module's watch along.
	stopBar()
	if took, ok := waitFor(3*time.Second, func() bool { return len(watchers(watch)) == 0 }); ok {
		t.Logf("figure: waybar's `alarmd watch` ended %v after waybar", took.Round(time.Millisecond))
	} else {
		t.Logf("figure: waybar's `alarmd watch` (pids %v) still runs 3 s after waybar ended", watchers(watch))
	}
}

// watchers lists the `alarmd watch` processes of this run's binary other than the test's own.
func watchers(own *watchProcess) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == own.cmd.Process.Pid {
			continue
		}
		exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if exe == binary && bytes.Contains(cmdline, []byte("\x00watch")) && alive(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// killWatchers ends the `alarmd watch` processes the test's waybar left behind.
func killWatchers(t *testing.T, own *watchProcess) {
	for _, pid := range watchers(own) {
		t.Logf("ending the `alarmd watch` (pid %d) waybar left behind", pid)
		syscall.Kill(pid, syscall.SIGTERM)
	}
}
