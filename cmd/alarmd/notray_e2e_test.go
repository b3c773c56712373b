//go:build e2e

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"alarmd/agent/app"
)

// TestNoTrayHintOpensTheWindow: in a session with no tray host, the first start of a login shows
// one notification saying how to reach the alarms, with Open; pressing Open in dunst opens the
// Alarms window. A restart in the same login shows no second one.
func TestNoTrayHintOpensTheWindow(t *testing.T) {
	if os.Getenv("HEADLESS_TRAY") != "none" {
		t.Skip("needs a session without a tray host (HEADLESS_TRAY=none, the default)")
	}
	d := newDesk(t)
	a := newAgentEnv(t)
	os.Remove(filepath.Join(a.dirs["XDG_RUNTIME_DIR"], "alarmd", "no-tray-hint-shown")) // a new login
	clearNotifications(t)
	w := watchNotify(t)
	a.must("start")
	call, ok := w.waitFor("alarmd", 10*time.Second)
	if !ok {
		t.Fatalf("no hint notification; log:\n%s", a.log())
	}
	if call.body != app.NoTrayHint || !strings.Contains(strings.Join(call.actions, "|"), "open|Open") {
		t.Fatalf("hint: body %q actions %v", call.body, call.actions)
	}
	d.shot("hint")
	press(t, "Open")
	win := d.wait("Alarms")
	d.shot("opened-from-hint")
	clearNotifications(t) // the hint stays in dunst after its action; later tests count notifications

	a.must("stop")
	d.gone(win, "Alarms")
	a.must("start")
	defer a.run("stop")
	// The ring's notification comes after the agent was ready: a second hint would be before it.
	a.must("add", "in", "1s", "After restart")
	if _, ok := w.waitFor("After restart", 15*time.Second); !ok {
		t.Fatal("the alarm after the restart did not notify")
	}
	hints := 0
	w.mu.Lock()
	for _, c := range w.calls {
		if c.body == app.NoTrayHint {
			hints++
		}
	}
	w.mu.Unlock()
	if hints != 1 {
		t.Errorf("%d hints in one login, want 1", hints)
	}
}

// TestBenchmarkTimerIdle (ALARMD_BENCH=1, make bench): idle wake-ups with and without a running
// timer; the tray's once-a-minute countdown refresh is the only extra wake-up.
func TestBenchmarkTimerIdle(t *testing.T) {
	if os.Getenv("ALARMD_BENCH") != "1" {
		t.Skip("a 4.5-minute measurement; run with ALARMD_BENCH=1 (make bench)")
	}
	a := newAgentEnv(t)
	pid := a.start()
	defer a.run("stop")
	a.must("add", "7:30", "Wake up", "--repeat", "daily")
	const window = 120 * time.Second
	time.Sleep(15 * time.Second) // past the deadlines the add left, and the agent's quiet-down
	without := measureIdle(t, pid, window)
	a.must("add", "in", "3h", "Tea")
	time.Sleep(15 * time.Second)
	with := measureIdle(t, pid, window)
	extra := (with.wakeupsPerS - without.wakeupsPerS) * 60
	t.Logf("figure: idle wake-ups over %v: %.3f/s without a timer, %.3f/s with one running (%.1f more a minute; CPU %.2f / %.2f ms/min)",
		window, without.wakeupsPerS, with.wakeupsPerS, extra, without.cpuMSPerMin, with.cpuMSPerMin)
	// One refresh a minute redraws the menu over the bus: a few context switches each.
	if extra > 30 {
		t.Errorf("a running timer costs %.1f wake-ups a minute; the refresh is once a minute", extra)
	}
}
