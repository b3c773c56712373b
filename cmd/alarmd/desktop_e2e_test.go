//go:build e2e

package main

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The desktops alarmd is tested on (DESIGN §17). One `go test` run of this package runs in one
// of them, chosen by ALARMD_E2E_DESKTOP; `make e2e` runs the whole suite in "no-tray" and the
// core set (TestDesktop*) in each of the others.
//
//	no-tray            X11 (Xvfb) + dunst, no tray host: stock GNOME's situation (the default)
//	x11-dunst          X11 + xfce4-panel's tray + dunst
//	x11-xfce4-notifyd  X11 + xfce4-panel's tray + xfce4-notifyd (real buttons)
//	wayland-mako       Wayland (sway headless) + waybar's tray + mako (no buttons)
type desktopSpec struct {
	name    string
	wayland bool
	tray    string // HEADLESS_TRAY for the session script: xfce4-panel, waybar or none
	notify  string // the notification server: dunst, xfce4-notifyd or mako
}

var desktops = map[string]desktopSpec{
	"no-tray":           {name: "no-tray", tray: "none", notify: "dunst"},
	"x11-dunst":         {name: "x11-dunst", tray: "xfce4-panel", notify: "dunst"},
	"x11-xfce4-notifyd": {name: "x11-xfce4-notifyd", tray: "xfce4-panel", notify: "xfce4-notifyd"},
	"wayland-mako":      {name: "wayland-mako", wayland: true, tray: "waybar", notify: "mako"},
}

// currentDesktop is the desktop this run's session is, from ALARMD_E2E_DESKTOP.
func currentDesktop() (desktopSpec, error) {
	name := envOr("ALARMD_E2E_DESKTOP", "no-tray")
	d, ok := desktops[name]
	if !ok {
		names := make([]string, 0, len(desktops))
		for n := range desktops {
			names = append(names, n)
		}
		return desktopSpec{}, fmt.Errorf("ALARMD_E2E_DESKTOP=%q: want one of %s", name, strings.Join(names, ", "))
	}
	return d, nil
}

// screen is what a person sees and touches on a desktop: the screen, the pointer, the keyboard
// and the windows on it. x11Screen (xdotool, ImageMagick) and waylandScreen (grim, the session's
// virtual pointer and keyboard, swaymsg) implement it.
type screen interface {
	// shot saves the whole screen as ARTIFACTS/<test name>-NN-<name>.png and returns the path
	// and the decoded image.
	shot(t *testing.T, name string) (string, image.Image)
	// click moves the pointer to (x, y) and clicks button ("left", "right", "middle").
	click(t *testing.T, x, y int, button string)
	// waitWindow waits (up to 15 s) for a visible window titled exactly title, gives it the
	// keyboard focus as a click into it would, and returns an id for windowGone.
	waitWindow(t *testing.T, title string) string
	// windowGone waits (up to 15 s) until the window id is no longer shown.
	windowGone(t *testing.T, id, title string)
	// keys types into the focused window: "type:text" types text, anything else is one key
	// or combination by its keysym name ("Return", "Escape", "Tab", "Down", "ctrl+a").
	keys(t *testing.T, seq ...string)
	// trayIcon is the centre of alarmd's icon in the tray host's area, when it is the only item
	// there; ok is false when the session has no tray host.
	trayIcon(t *testing.T) (p image.Point, ok bool)
	// menuRow is where to click the row labelled label in the tray menu the host has just
	// opened (after a click on the icon); ok is false when the host cannot show the menu.
	menuRow(t *testing.T, label string) (p image.Point, ok bool)
}

// notificationServer is how a person answers a notification on one server, the way that server
// offers it: dunst's action menu, xfce4-notifyd's buttons clicked with the pointer, mako's
// `makoctl invoke` (it draws no buttons).
type notificationServer interface {
	name() string
	// press chooses the action labelled label ("Stop", "Snooze 5 min") on the newest shown
	// notification whose summary is summary.
	press(t *testing.T, summary, label string)
	// clickBody clicks the body of that notification with the pointer (servers send the
	// "default" action, or close it, on such a click).
	clickBody(t *testing.T, summary string)
	// setDoNotDisturb switches the server's Do Not Disturb mode; how is the text `status`
	// reports while it is on (dnd.State.How).
	setDoNotDisturb(t *testing.T, on bool) (how string)
	// shown lists the summaries of the notifications the server holds now (shown or kept while
	// Do Not Disturb hides them), newest first.
	shown(t *testing.T) []string
}

// artifactPath is where a test's screenshot named name goes: $ALARMD_ARTIFACTS (default
// $TMPDIR/alarmd-artifacts)/<desktop>/<test>-NN-<name>.png.
func artifactPath(t *testing.T, step int, name string) string {
	d, _ := currentDesktop()
	dir := filepath.Join(envOr("ALARMD_ARTIFACTS", filepath.Join(os.TempDir(), "alarmd-artifacts")), d.name)
	os.MkdirAll(dir, 0o755)
	return filepath.Join(dir, fmt.Sprintf("%s-%02d-%s.png", strings.ReplaceAll(t.Name(), "/", "_"), step, name))
}
