package tray

import (
	"context"
	"log/slog"
	"os/exec"
	"strings"
	"testing"
	"time"

	"alarmd/agent/internal/testbus"
)

// TestRealZenityUnderXvfb runs the New alarm… flow with the real zenity on a private X server
// and types into its windows with xdotool, as a user would: a time, a label, and the alarm is
// added; Escape in the first dialog adds nothing.
func TestRealZenityUnderXvfb(t *testing.T) {
	for _, tool := range []string{"zenity", "Xvfb", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (make test installs it)", tool)
		}
	}
	t.Setenv("DISPLAY", testbus.StartXvfb(t))
	t.Setenv("NO_AT_BRIDGE", "1")
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "disabled:") // GTK must not look for (or launch) a bus

	// type into the dialog window called name once it is mapped
	answer := func(keys ...string) {
		t.Helper()
		var win string
		deadline := time.Now().Add(15 * time.Second)
		for win == "" {
			out, _ := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^New alarm$").Output()
			win = strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
			if win == "" {
				if time.Now().After(deadline) {
					t.Fatal("no New alarm window appeared")
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		time.Sleep(300 * time.Millisecond) // the entry takes the focus once the window is shown
		// Real (XTEST) key events into the focused window: GTK ignores events sent to a window
		// with XSendEvent (xdotool --window), and there is no window manager to give focus.
		if out, err := exec.Command("xdotool", "windowfocus", "--sync", win).CombinedOutput(); err != nil {
			t.Fatalf("focus the dialog: %v: %s", err, out)
		}
		for _, k := range keys {
			args := []string{"type", "--delay", "20", k}
			if strings.HasPrefix(k, "key:") {
				args = []string{"key", strings.TrimPrefix(k, "key:")}
			}
			if out, err := exec.Command("xdotool", args...).CombinedOutput(); err != nil {
				t.Fatalf("xdotool %v: %v: %s", args, err, out)
			}
		}
		// wait for that window to go away before the next step
		for time.Now().Before(deadline) {
			out, _ := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^New alarm$").Output()
			if !strings.Contains(string(out), win) {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatal("the dialog did not close")
	}

	flow := func(steps func()) *fakeController {
		c := &fakeController{}
		tr := newTray(context.Background(), Options{Controller: c, Log: slog.New(slog.DiscardHandler), Notify: func(string, string) {}})
		done := make(chan error, 1)
		go func() { done <- tr.newAlarm() }()
		steps()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("newAlarm: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("the New alarm flow did not finish")
		}
		return c
	}

	c := flow(func() {
		answer("7:30", "key:Return")
		answer("Real zenity", "key:Return")
	})
	if len(c.added) != 1 || c.added[0].When != "7:30" || c.added[0].Label == nil || *c.added[0].Label != "Real zenity" {
		t.Errorf("typed 7:30 and a label; added %+v", c.added)
	}
	c = flow(func() { answer("key:Escape") })
	if len(c.added) != 0 {
		t.Errorf("Escape added %+v", c.added)
	}
}
