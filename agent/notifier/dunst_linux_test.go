package notifier

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"alarmd/agent/internal/testbus"
)

// startProcess starts a helper program that is killed (and reaped) at the end of the
// test; its output is shown only when the test fails.
func startProcess(t *testing.T, env []string, extra []*os.File, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.ExtraFiles = extra
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, out.String())
		}
	})
}

// waitForOwner waits until name has an owner on the bus, watching NameOwnerChanged
// rather than polling.
func waitForOwner(t *testing.T, bus *testBus, name string, start func()) {
	t.Helper()
	conn := bus.Connect(t)
	signals := make(chan *dbus.Signal, 8)
	conn.Signal(signals)
	if err := conn.AddMatchSignal(dbus.WithMatchMember("NameOwnerChanged"), dbus.WithMatchArg(0, name)); err != nil {
		t.Fatalf("watch %s: %v", name, err)
	}
	start()
	var has bool
	if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has); err != nil {
		t.Fatalf("NameHasOwner: %v", err)
	}
	deadline := time.After(waitTimeout)
	for !has {
		select {
		case sig := <-signals:
			if len(sig.Body) == 3 && sig.Body[2] != "" {
				has = true
			}
		case <-deadline:
			t.Fatalf("%s did not appear on the bus", name)
		}
	}
}

// TestRealDunst runs against dunst, pressing its button and closing it the way a user
// would (scripts/headless-session.sh).
func TestRealDunst(t *testing.T) {
	for _, prog := range []string{"dunst", "dunstctl", "dbus-send", "Xvfb", "dbus-daemon"} {
		if _, err := exec.LookPath(prog); err != nil {
			t.Skipf("%s is not installed", prog)
		}
	}
	dir := t.TempDir()
	display := testbus.StartXvfb(t)
	bus := startBus(t, dir)
	rc := filepath.Join(dir, "dunstrc")
	err := os.WriteFile(rc, []byte(`[global]
    monitor = 0
    follow = none
    idle_threshold = 0
    font = DejaVu Sans 10
[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
[urgency_critical]
    timeout = 0
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"DISPLAY=" + display, "DBUS_SESSION_BUS_ADDRESS=" + bus.Addr, "XDG_RUNTIME_DIR=" + dir}
	waitForOwner(t, bus, notificationsName, func() { startProcess(t, env, nil, "dunst", "-config", rc) })

	n, _ := newTestNotifier(t, bus.Addr)
	if err := n.Connect(); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if s := n.State(); !strings.HasPrefix(s, "dunst ") || !strings.Contains(s, "actions") {
		t.Errorf("State = %q, want dunst with actions", s)
	}
	id, err := n.Show(Notification{
		Title: "Wake up", Body: "07:30", Urgency: Critical, Category: "alarm",
		Actions: []Action{{"stop", "Stop"}}, Icon: testPNG(t),
	})
	if err != nil {
		t.Fatalf("Show: %v", err)
	}

	dunstctl := func(args ...string) {
		t.Helper()
		cmd := exec.Command("dunstctl", args...)
		cmd.Env = append(os.Environ(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("dunstctl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	dunstctl("action", "0") // a single action is invoked directly
	if ev := nextEvent(t, n); ev != (Event{ID: id, Action: "stop"}) {
		t.Errorf("after dunstctl action: event %+v, want {ID:%d Action:stop}", ev, id)
	}
	dunstctl("close") // dunst keeps the notification after an action; close it by hand
	if ev := nextEvent(t, n); ev != (Event{ID: id, Closed: true, Reason: ReasonDismissed}) {
		t.Errorf("after dunstctl close: event %+v, want closed by the user", ev)
	}
}
