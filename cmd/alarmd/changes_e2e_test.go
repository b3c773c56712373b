//go:build e2e

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"alarmd/agent/api"
	"alarmd/agent/history"
)

// menuLabels returns every label in the agent's tray menu, read as a panel reads it.
func menuLabels(t *testing.T, menu dbus.BusObject) []string {
	t.Helper()
	var rev uint32
	var raw []any
	if err := menu.Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{}).Store(&rev, &raw); err != nil {
		t.Fatalf("GetLayout: %v", err)
	}
	var labels []string
	var walk func(item []any)
	walk = func(item []any) {
		if l, ok := item[1].(map[string]dbus.Variant)["label"]; ok {
			if s, ok := l.Value().(string); ok {
				labels = append(labels, s)
			}
		}
		for _, c := range item[2].([]dbus.Variant) {
			walk(c.Value().([]any))
		}
	}
	walk(raw)
	return labels
}

func (a *agentEnv) history(args ...string) []history.Entry {
	a.t.Helper()
	var l api.HistoryList
	if err := json.Unmarshal([]byte(a.must(append([]string{"history", "--json"}, args...)...)), &l); err != nil {
		a.t.Fatalf("history --json: %v", err)
	}
	return l.Entries
}

// waitUntil polls cond every 50 ms until it holds or d passes.
func waitUntil(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); ; time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// TestEditShowsInListAndTray: edit changes what `list --json` and the tray menu show.
func TestEditShowsInListAndTray(t *testing.T) {
	w := ownTrayWatcher(t)
	a := newAgentEnv(t)
	a.start()
	defer a.run("stop")
	var sender string
	select {
	case sender = <-w.regs:
	case <-time.After(5 * time.Second):
		t.Fatalf("the tray item did not register\nlog:\n%s", a.log())
	}
	menu := w.conn.Object(sender, "/StatusNotifierItem/menu")
	menuLabels(t, menu) // the first answer is one level deep only
	a.must("add", "7:30", "Wake up", "--repeat", "daily")
	start := time.Now()
	out := a.must("edit", "1", "8:15", "--label", "Gym", "--snooze", "3m")
	editTook := time.Since(start)
	if !strings.HasPrefix(out, "changed 1: ") || !strings.Contains(out, "08:15 Gym") {
		t.Errorf("edit printed %q", out)
	}
	l := a.list()
	if len(l) != 1 || l[0].Label != "Gym" || l[0].Next.Format("15:04") != "08:15" || l[0].SnoozeFor() != 3*time.Minute || l[0].Repeat.String() != "daily" {
		t.Fatalf("list after edit: %+v", l)
	}
	var shown time.Duration
	if !waitUntil(time.Second, func() bool {
		for _, label := range menuLabels(t, menu) {
			if strings.Contains(label, "Gym") {
				shown = time.Since(start)
				return true
			}
		}
		return false
	}) {
		t.Errorf("the tray menu does not show the edited label within 1 s: %q", menuLabels(t, menu))
	}
	t.Logf("edit round trip %v; tray menu shows the change %v after the command started", editTook.Round(time.Millisecond), shown.Round(time.Millisecond))
	if r := a.run("edit", "1"); r.code != 2 || !strings.Contains(r.stderr, "nothing to change") {
		t.Errorf("edit with nothing to change: exit %d %q", r.code, r.stderr)
	}
}

// TestReminderSkipThisTime: a reminder reaches dunst as a non-critical Notify with an expiry;
// pressing "Skip this time" means the alarm does not ring and the history says skipped.
func TestReminderSkipThisTime(t *testing.T) {
	clearNotifications(t)
	a := newAgentEnv(t)
	a.start()
	defer a.run("stop")
	watch := watchNotify(t)
	ring := time.Now().Add(14 * time.Second).Truncate(time.Second)
	a.must("add", ring.Format("15:04:05"), "Bake", "--repeat", "daily", "--remind", "10s")
	c, ok := watch.waitFor("Bake", 8*time.Second)
	if !ok {
		t.Fatalf("no reminder\nlog:\n%s", a.log())
	}
	urgency, _ := c.hints["urgency"].Value().(byte)
	if urgency != 1 || c.expire <= 0 || !strings.Contains(c.body, "at "+ring.Format("15:04")) || !slices.Contains(c.actions, "Skip this time") {
		t.Errorf("reminder: urgency %d, expire %d, body %q, actions %q", urgency, c.expire, c.body, c.actions)
	}
	if early := ring.Sub(c.at); early < 9*time.Second || early > 11*time.Second {
		t.Errorf("reminder shown %v before the ring, want 10 s", early)
	}
	press(t, "Skip this time")
	if !waitUntil(2*time.Second, func() bool { l := a.list(); return len(l) == 1 && l[0].Skip == 1 }) {
		t.Fatalf("Skip this time did not skip: %+v", a.list())
	}
	time.Sleep(time.Until(ring.Add(2 * time.Second)))
	l := a.list()
	watch.mu.Lock()
	var critical int
	for _, n := range watch.calls {
		if u, _ := n.hints["urgency"].Value().(byte); n.summary == "Bake" && u == 2 {
			critical++
		}
	}
	watch.mu.Unlock()
	if critical != 0 || l[0].State != api.StateOn || l[0].Skip != 0 || !l[0].Next.After(ring.Add(23*time.Hour)) {
		t.Errorf("after the skipped occurrence: %d ringing notifications; %+v", critical, l[0])
	}
	h := a.history()
	if len(h) != 1 || h[0].End != history.Skipped || h[0].From != history.FromNotification || !h[0].Due.Equal(ring) {
		t.Errorf("history %+v", h)
	}
}

// TestHistoryRecordsHowEachEnded: stopped with the notification's Stop button, snoozed twice
// then stopped from the CLI, and left to its ring time; `history --json` has each with its
// ending and source.
func TestHistoryRecordsHowEachEnded(t *testing.T) {
	clearNotifications(t)
	a := newAgentEnv(t)
	a.start()
	defer a.run("stop")
	ringing := func(label string) bool {
		for _, al := range a.list() {
			if al.Label == label && al.State == api.StateRinging {
				return true
			}
		}
		return false
	}
	a.must("add", "2s", "by button")
	if !waitUntil(5*time.Second, func() bool { return ringing("by button") }) {
		t.Fatal("first alarm did not ring")
	}
	press(t, "Stop")
	if !waitUntil(3*time.Second, func() bool { return len(a.history()) == 1 }) {
		t.Fatalf("history after Stop: %+v", a.history())
	}
	a.must("add", "1s", "snoozed twice")
	for i := range 2 {
		if !waitUntil(5*time.Second, func() bool { return ringing("snoozed twice") }) {
			t.Fatalf("second alarm did not ring (round %d)", i)
		}
		a.must("snooze", "--for", "1s")
	}
	if !waitUntil(5*time.Second, func() bool { return ringing("snoozed twice") }) {
		t.Fatal("second alarm did not come back after its second snooze")
	}
	a.must("dismiss")
	a.must("add", "1s", "left ringing", "--ring", "2s")
	if !waitUntil(8*time.Second, func() bool { return len(a.history()) == 3 }) {
		t.Fatalf("history: %+v", a.history())
	}
	h := a.history()
	want := []struct {
		label, end, from string
		snoozes          int
	}{
		{"by button", history.Stopped, history.FromNotification, 0},
		{"snoozed twice", history.Stopped, history.FromCLI, 2},
		{"left ringing", history.NotAcknowledged, history.FromAgent, 0},
	}
	for i, w := range want {
		e := h[i]
		if e.Label != w.label || e.End != w.end || e.From != w.from || e.Snoozes != w.snoozes || e.Rang.Before(e.Due) || e.Ended.Before(e.Rang) {
			t.Errorf("entry %d = %+v, want %s / %s / %s / %d snoozes", i, e, w.label, w.end, w.from, w.snoozes)
		}
	}
	out := a.must("history")
	if !strings.Contains(out, "snoozed ×2, then stopped") || !strings.Contains(out, "not acknowledged") {
		t.Errorf("history table:\n%s", out)
	}
	if got := a.history("--id", "1"); len(got) != 1 || got[0].Label != "by button" {
		t.Errorf("history --id 1: %+v", got)
	}
}

// watchLine is one line `alarmd watch --json` printed, with when it came.
type watchedLine struct {
	at    time.Time
	text  string
	class string
}

type watchProcess struct {
	mu    sync.Mutex
	lines []watchedLine
	cmd   *exec.Cmd
}

func startWatch(t *testing.T, a *agentEnv) *watchProcess {
	t.Helper()
	w := &watchProcess{cmd: exec.Command(binary, "watch", "--json")}
	w.cmd.Env = a.env
	out, err := w.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.cmd.Process.Kill(); w.cmd.Wait() })
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var l struct{ Text, Tooltip, Class string }
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Errorf("watch printed %q: %v", sc.Text(), err)
				continue
			}
			w.mu.Lock()
			w.lines = append(w.lines, watchedLine{time.Now(), l.Text, l.Class})
			w.mu.Unlock()
		}
	}()
	return w
}

// waitLine returns how long after since a line matching ok came, or fails after 3 s; a line
// later than 1 s is an error.
func (w *watchProcess) waitLine(t *testing.T, what string, since time.Time, ok func(watchedLine) bool) time.Duration {
	t.Helper()
	got := w.waitLineWithin(t, what, since, 3*time.Second, ok)
	if got > time.Second {
		t.Errorf("watch: the line for %s came %v after it, want within 1 s", what, got)
	}
	return got
}

// waitLineWithin is waitLine with its own limit and no 1 s bound.
func (w *watchProcess) waitLineWithin(t *testing.T, what string, since time.Time, limit time.Duration, ok func(watchedLine) bool) time.Duration {
	t.Helper()
	var got time.Duration = -1
	waitUntil(limit, func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, l := range w.lines {
			if !l.at.Before(since) && ok(l) {
				got = l.at.Sub(since)
				return true
			}
		}
		return false
	})
	if got < 0 {
		w.mu.Lock()
		t.Fatalf("watch: no line for %s within %v; lines %+v", what, limit, w.lines)
		w.mu.Unlock()
	}
	return got
}

// TestWatchJSON: `watch --json` prints a line within 1 s of add, edit, ring and stop, and
// survives an agent restart.
func TestWatchJSON(t *testing.T) {
	a := newAgentEnv(t)
	a.start()
	defer a.run("stop")
	begin := time.Now()
	w := startWatch(t, a)
	first := w.waitLine(t, "the start", begin, func(l watchedLine) bool { return l.text == "No alarms" && l.class == "idle" })
	figures := []string{fmt.Sprintf("start %v", first.Round(time.Millisecond))}
	step := func(what string, ok func(watchedLine) bool, args ...string) {
		start := time.Now()
		a.must(args...)
		figures = append(figures, fmt.Sprintf("%s %v", what, w.waitLine(t, what, start, ok).Round(time.Millisecond)))
	}
	step("add", func(l watchedLine) bool { return strings.HasSuffix(l.text, "07:30 Wake up") }, "add", "7:30", "Wake up")
	step("edit", func(l watchedLine) bool { return strings.HasSuffix(l.text, "07:45 Gym") }, "edit", "1", "7:45", "--label", "Gym")
	a.must("add", "2s", "Tea")
	due := dueOf(t, a, "Tea")
	figures = append(figures, fmt.Sprintf("ring %v", w.waitLine(t, "the ring", due, func(l watchedLine) bool { return l.class == "ringing" && strings.Contains(l.text, "Tea") }).Round(time.Millisecond)))
	step("stop", func(l watchedLine) bool { return l.class == "idle" && strings.HasSuffix(l.text, "07:45 Gym") }, "dismiss")
	step("agent stop", func(l watchedLine) bool { return l.class == "stopped" }, "stop")
	// Surviving a restart has no 1 s bound: the agent's start is part of it.
	start := time.Now()
	a.must("start")
	figures = append(figures, fmt.Sprintf("agent start %v", w.waitLineWithin(t, "agent start", start, 10*time.Second,
		func(l watchedLine) bool { return l.class == "idle" && strings.HasSuffix(l.text, "07:45 Gym") }).Round(time.Millisecond)))
	t.Logf("watch line after: %s", strings.Join(figures, ", "))
}

// TestBenchmarkWatchIdle (ALARMD_BENCH=1, part of make bench): the idle agent with 10 alarms
// wakes no more often with a `watch` connected than without one.
func TestBenchmarkWatchIdle(t *testing.T) {
	if os.Getenv("ALARMD_BENCH") != "1" {
		t.Skip("a 4-minute measurement; run with ALARMD_BENCH=1 (make bench)")
	}
	a := newAgentEnv(t)
	pid := a.start()
	defer a.run("stop")
	for i := range 10 {
		a.must("add", fmt.Sprintf("%d:%02d", 3+i%5, 7*i%60), fmt.Sprintf("bench %d", i), "--repeat", "daily")
	}
	const window = 120 * time.Second
	time.Sleep(15 * time.Second) // past the deadlines the adds left, and the agent's quiet-down
	without := measureIdle(t, pid, window)
	begin := time.Now()
	w := startWatch(t, a)
	w.waitLine(t, "the watcher's first line", begin, func(watchedLine) bool { return true })
	time.Sleep(15 * time.Second)
	with := measureIdle(t, pid, window)
	t.Logf("idle wake-ups over %v with 10 alarms: %.3f/s without a watcher, %.3f/s with one connected (CPU %.2f / %.2f ms/min)",
		window, without.wakeupsPerS, with.wakeupsPerS, without.cpuMSPerMin, with.cpuMSPerMin)
	if with.wakeupsPerS > without.wakeupsPerS+0.02 {
		t.Errorf("a connected watcher costs wake-ups: %.3f/s against %.3f/s", with.wakeupsPerS, without.wakeupsPerS)
	}
}

// TestWatchEndsWithItsReader: a status bar that exits (reload, logout) takes its `alarmd watch`
// with it at once, not at the next line the watch would print.
func TestWatchEndsWithItsReader(t *testing.T) {
	a := newAgentEnv(t)
	a.start()
	defer a.run("stop")
	cmd := exec.Command(binary, "watch", "--json")
	cmd.Env = a.env
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
		t.Fatalf("first line: %v", err)
	}
	closed := time.Now()
	out.(io.Closer).Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		t.Logf("figure: watch ended %v after its reader went away (%v)", time.Since(closed).Round(time.Millisecond), err)
	case <-time.After(5 * time.Second):
		t.Fatal("watch still runs 5 s after its reader went away")
	}
}
