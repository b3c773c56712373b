package doctor

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"alarmd/agent/notifier"
)

func TestSessionBusCheck(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	addr := startBus(t, dir)

	conn, r := sessionBusCheck(ctx, env{"DBUS_SESSION_BUS_ADDRESS": addr}.lookup, time.Second)
	wantLevel(t, r, OK, "from DBUS_SESSION_BUS_ADDRESS")
	if conn == nil {
		t.Fatal("no connection returned")
	}
	conn.Close()

	// The fallback socket $XDG_RUNTIME_DIR/bus is found without the variable.
	conn, r = sessionBusCheck(ctx, env{"XDG_RUNTIME_DIR": dir}.lookup, time.Second)
	wantLevel(t, r, OK, "$XDG_RUNTIME_DIR/bus")
	if conn != nil {
		conn.Close()
	}

	// No bus at all: neither variable, or autolaunch (which doctor must never do).
	for _, e := range []env{{}, {"DBUS_SESSION_BUS_ADDRESS": "autolaunch:"}, {"XDG_RUNTIME_DIR": t.TempDir()}} {
		conn, r = sessionBusCheck(ctx, e.lookup, time.Second)
		wantLevel(t, r, Fail, "none:")
		if conn != nil {
			t.Errorf("%v: got a connection", e)
		}
	}
	// An address nobody listens on.
	_, r = sessionBusCheck(ctx, env{"DBUS_SESSION_BUS_ADDRESS": "unix:path=" + filepath.Join(dir, "nothing")}.lookup, time.Second)
	wantLevel(t, r, Fail, "cannot connect")
}

func TestSessionBusCheckSilentPeerTimesOut(t *testing.T) {
	// A socket that accepts but never speaks must not hang doctor.
	sock := filepath.Join(t.TempDir(), "mute")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	start := time.Now()
	_, r := sessionBusCheck(context.Background(), env{"DBUS_SESSION_BUS_ADDRESS": "unix:path=" + sock}.lookup, 200*time.Millisecond)
	wantLevel(t, r, Fail, "cannot connect")
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %v with a 200ms timeout", took)
	}
}

func realNotifier() NotificationServer {
	return notifier.New(slog.New(slog.DiscardHandler), "alarmd-test")
}

func TestNotificationsCheck(t *testing.T) {
	t.Run("server with actions", func(t *testing.T) {
		addr := startBus(t, t.TempDir())
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
		exportNotifications(t, addr, "actions", "body", "sound")
		rs := notificationsCheck(true, realNotifier)
		if len(rs) != 3 {
			t.Fatalf("results = %+v", rs)
		}
		wantLevel(t, rs[0], OK, "fakenotifyd 0.9 by alarmd tests (spec 1.2); capabilities: actions, body, sound")
		wantLevel(t, rs[1], OK, "Stop and Snooze buttons")
		wantLevel(t, rs[2], OK, "can play sounds")
	})
	t.Run("server without actions", func(t *testing.T) {
		addr := startBus(t, t.TempDir())
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
		exportNotifications(t, addr, "body")
		rs := notificationsCheck(true, realNotifier)
		if len(rs) != 3 {
			t.Fatalf("results = %+v", rs)
		}
		wantLevel(t, rs[1], Warn, "no Stop/Snooze buttons")
		wantLevel(t, rs[2], OK, "not offered")
	})
	t.Run("no notification daemon", func(t *testing.T) {
		addr := startBus(t, t.TempDir())
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
		rs := notificationsCheck(true, realNotifier)
		if len(rs) != 1 {
			t.Fatalf("results = %+v", rs)
		}
		wantLevel(t, rs[0], Fail, "no notification daemon")
	})
	t.Run("no bus", func(t *testing.T) {
		called := false
		rs := notificationsCheck(false, func() NotificationServer { called = true; return realNotifier() })
		wantLevel(t, rs[0], Fail, "no session bus")
		if called {
			t.Error("the notifier was asked although there is no bus")
		}
	})
}

func TestTrayCheck(t *testing.T) {
	ctx := context.Background()
	wantLevel(t, trayCheck(ctx, nil, time.Second), Warn, "no session bus")

	addr := startBus(t, t.TempDir())
	conn, r := sessionBusCheck(ctx, env{"DBUS_SESSION_BUS_ADDRESS": addr}.lookup, time.Second)
	if conn == nil {
		t.Fatalf("bus: %+v", r)
	}
	defer conn.Close()
	wantLevel(t, trayCheck(ctx, conn, time.Second), Warn, "no org.kde.StatusNotifierWatcher")

	exportWatcher(t, addr, true)
	// The watcher lives in this test process, so its name is the test binary's.
	wantLevel(t, trayCheck(ctx, conn, time.Second), OK, "("+processName(os.Getpid())+"), host registered")

	addr2 := startBus(t, t.TempDir())
	conn2, _ := sessionBusCheck(ctx, env{"DBUS_SESSION_BUS_ADDRESS": addr2}.lookup, time.Second)
	defer conn2.Close()
	exportWatcher(t, addr2, false)
	wantLevel(t, trayCheck(ctx, conn2, time.Second), Warn, "no host is registered")
}

func TestDialogCheck(t *testing.T) {
	found := func(want string) func(string) (string, error) {
		return func(name string) (string, error) {
			if name == want {
				return "/usr/bin/" + name, nil
			}
			return "", os.ErrNotExist
		}
	}
	display := env{"DISPLAY": ":1"}.lookup
	wantLevel(t, dialogCheck(found("zenity"), display), OK, "zenity (/usr/bin/zenity)")
	wantLevel(t, dialogCheck(found("matedialog"), env{"WAYLAND_DISPLAY": "wayland-0"}.lookup), OK, "matedialog")
	wantLevel(t, dialogCheck(found("none"), display), Warn, "none of qarma, zenity, matedialog is installed")
	wantLevel(t, dialogCheck(found("qarma"), env{}.lookup), Warn, "nowhere to show")
}
