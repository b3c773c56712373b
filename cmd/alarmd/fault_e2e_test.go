//go:build e2e

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"alarmd/agent/api"
)

// setEnv sets (or, with an empty value, removes) k in the agent's environment.
func (a *agentEnv) setEnv(k, v string) {
	var env []string
	for _, kv := range a.env {
		if !strings.HasPrefix(kv, k+"=") {
			env = append(env, kv)
		}
	}
	if v != "" {
		env = append(env, k+"="+v)
	}
	a.env = env
}

func (a *agentEnv) status() api.Status {
	a.t.Helper()
	var st api.Status
	if err := json.Unmarshal([]byte(a.must("status", "--json")), &st); err != nil {
		a.t.Fatalf("status --json: %v", err)
	}
	return st
}

// logLines counts the agent's log lines matching re.
func (a *agentEnv) logLines(re string) int {
	n := 0
	for _, line := range strings.Split(a.log(), "\n") {
		if regexp.MustCompile(re).MatchString(line) {
			n++
		}
	}
	return n
}

// ringsTwo adds two alarms due in 2 and 3 s and reports whether both reach the ringing state.
func (a *agentEnv) ringsTwo() bool {
	a.t.Helper()
	a.must("add", "2s", "fault one")
	a.must("add", "3s", "fault two")
	deadline := time.Now().Add(6 * time.Second)
	for time.Now().Before(deadline) {
		n := 0
		for _, al := range a.list() {
			if al.State == api.StateRinging {
				n++
			}
		}
		if n == 2 {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

func (a *agentEnv) alarmsFile() string {
	return filepath.Join(a.dirs["XDG_DATA_HOME"], "alarmd", "alarms.json")
}

// inMountNS runs `alarmd args…` in a new private mount namespace after the shell commands
// setup; a daemon started there keeps the namespace.
func (a *agentEnv) inMountNS(setup string, args ...string) result {
	a.t.Helper()
	script := setup + ` && exec "$0" "$@"`
	cmd := exec.Command("unshare", append([]string{"-m", "--propagation", "private", "sh", "-c", script, binary}, args...)...)
	cmd.Env = a.env
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		r.code = -1
		r.stderr = err.Error()
	}
	return r
}

// faultRow is one line of the fault table.
type faultRow struct{ name, expected, observed string }

// TestFaults starts the agent in broken surroundings, each case with its own agent, and checks
// the degradation DESIGN §10 asks for: alarms still ring, one log line says why, status reports it,
// nothing is lost.
func TestFaults(t *testing.T) {
	var rows []faultRow
	row := func(name, expected, observed string) { rows = append(rows, faultRow{name, expected, observed}) }

	// oneLine checks a "logs one line" expectation and describes what was seen.
	oneLine := func(t *testing.T, a *agentEnv, what, re string) string {
		n := a.logLines(re)
		if n != 1 {
			t.Errorf("%s: %d log lines match %s, want exactly one (DESIGN §5: logs one line)\nlog:\n%s", what, n, re, a.log())
		}
		return fmt.Sprintf("%d log line(s) matching /%s/", n, re)
	}

	t.Run("no notification daemon", func(t *testing.T) {
		conf, err := os.ReadFile(filepath.Join(os.Getenv("HEADLESS_DIR"), "dbus.conf"))
		if err != nil {
			t.Skipf("session's dbus.conf: %v", err)
		}
		dir := t.TempDir()
		conf = regexp.MustCompile(`<listen>[^<]*</listen>`).ReplaceAll(conf, []byte("<listen>unix:path="+dir+"/bus</listen>"))
		if err := os.WriteFile(dir+"/dbus.conf", conf, 0o600); err != nil {
			t.Fatal(err)
		}
		bus := exec.Command("dbus-daemon", "--config-file="+dir+"/dbus.conf", "--nofork", "--print-address=1")
		out, _ := bus.StdoutPipe()
		if err := bus.Start(); err != nil {
			t.Skipf("dbus-daemon: %v", err)
		}
		t.Cleanup(func() { bus.Process.Kill(); bus.Wait() })
		buf := make([]byte, 512)
		n, _ := out.Read(buf)
		a := newAgentEnv(t)
		a.setEnv("DBUS_SESSION_BUS_ADDRESS", strings.TrimSpace(string(buf[:n])))
		a.start()
		defer a.run("stop")
		rang := a.ringsTwo()
		st := a.status()
		if !rang {
			t.Errorf("alarms did not ring")
		}
		if !strings.Contains(st.Notifications, "unavailable") {
			t.Errorf("status notifications: %q", st.Notifications)
		}
		n = a.logLines(`level=(WARN|ERROR).*notification`)
		row("no notification daemon (second private bus, no dunst)", "rings (sound, list: ringing); status says notifications unavailable; one log line",
			fmt.Sprintf("rang=%v; status notifications %q; %d WARN lines about notifications (start-up + first ring)", rang, st.Notifications, n))
	})

	t.Run("no tray host", func(t *testing.T) {
		a := newAgentEnv(t) // the harness session has no StatusNotifierWatcher (HEADLESS_TRAY=none)
		a.start()
		defer a.run("stop")
		rang := a.ringsTwo()
		st := a.status()
		if !rang {
			t.Errorf("alarms did not ring")
		}
		if !strings.Contains(st.Tray, "tray host") {
			t.Errorf("status tray: %q", st.Tray)
		}
		row("no tray host", "rings; status says so; one log line; icon when a host appears (tray_e2e)",
			fmt.Sprintf("rang=%v; status tray %q; %s", rang, st.Tray, oneLine(t, a, "no tray host", `msg="[^"]*(tray|StatusNotifierWatcher)`)))
	})

	t.Run("no audio device", func(t *testing.T) {
		a := newAgentEnv(t)
		conf := filepath.Join(t.TempDir(), "asound.conf")
		if err := os.WriteFile(conf, []byte("</usr/share/alsa/alsa.conf>\npcm.!default { type hw; card 7; device 0 }\nctl.!default { type hw; card 7 }\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		a.setEnv("ALSA_CONFIG_PATH", conf)
		watch := watchNotify(t)
		a.start()
		defer a.run("stop")
		rang := a.ringsTwo()
		_, shown := watch.waitFor("fault two", 2*time.Second)
		st := a.status()
		if !rang || !shown {
			t.Errorf("rang %v, notification shown %v", rang, shown)
		}
		if !strings.Contains(st.Audio, "unavailable") {
			t.Errorf("status audio: %q", st.Audio)
		}
		row("no audio device (bogus ALSA default)", "notification still shows; status says why; one log line",
			fmt.Sprintf("rang=%v notified=%v; status audio %q; %s", rang, shown, st.Audio, oneLine(t, a, "no audio", `level=(WARN|ERROR).*(audio|sound)`)))
	})

	t.Run("no display", func(t *testing.T) {
		a := newAgentEnv(t)
		a.setEnv("DISPLAY", "")
		a.setEnv("WAYLAND_DISPLAY", "")
		watch := watchNotify(t)
		a.start()
		defer a.run("stop")
		rang := a.ringsTwo()
		_, shown := watch.waitFor("fault two", 2*time.Second)
		if !rang || !shown {
			t.Errorf("rang %v, notification shown %v", rang, shown)
		}
		row("no display (DISPLAY unset)", "rings; one log line (DESIGN §10)",
			fmt.Sprintf("rang=%v notified=%v; %s", rang, shown, oneLine(t, a, "no display", `msg="[^"]*(?i:display)`)))
	})

	t.Run("no session bus", func(t *testing.T) {
		a := newAgentEnv(t)
		a.setEnv("DBUS_SESSION_BUS_ADDRESS", "") // and the test's XDG_RUNTIME_DIR has no bus socket
		a.start()
		defer a.run("stop")
		rang := a.ringsTwo()
		st := a.status()
		if !rang {
			t.Errorf("alarms did not ring")
		}
		row("no session bus", "rings (sound); status says why; one log line (DESIGN §10)",
			fmt.Sprintf("rang=%v; status tray %q, notifications %q; %s", rang, st.Tray, st.Notifications, oneLine(t, a, "no session bus", `msg="[^"]*(?i:session bus)`)))
	})

	t.Run("read-only data directory", func(t *testing.T) {
		a := newAgentEnv(t)
		a.start()
		a.must("add", "5h", "kept")
		a.must("add", "6s", "rings read-only")
		a.must("stop")
		before, _ := os.ReadFile(a.alarmsFile())
		// A read-only bind mount in a mount namespace of its own: root ignores chmod, not EROFS.
		data := filepath.Dir(a.alarmsFile())
		r := a.inMountNS(fmt.Sprintf("mount --bind %[1]q %[1]q && mount -o remount,bind,ro %[1]q %[1]q", data), "start")
		if r.code != 0 {
			t.Skipf("no read-only bind mount here (unshare -m as root needed): exit %d %s", r.code, r.stderr)
		}
		defer a.run("stop")
		ad := a.run("add", "5h", "refused")
		rang := false
		for deadline := time.Now().Add(8 * time.Second); time.Now().Before(deadline) && !rang; time.Sleep(100 * time.Millisecond) {
			for _, al := range a.list() {
				rang = rang || (al.Label == "rings read-only" && al.State == api.StateRinging)
			}
		}
		st := a.status()
		after, _ := os.ReadFile(a.alarmsFile())
		listed := len(a.list())
		if !rang || ad.code == 0 || string(after) != string(before) || listed != 2 {
			t.Errorf("rang %v; add exit %d %q; file unchanged %v; listed %d", rang, ad.code, ad.stderr, string(after) == string(before), listed)
		}
		row("read-only data directory (ro bind mount)", "alarms listed and still ring; a change fails with a clear error; file intact",
			fmt.Sprintf("due alarm rang: %v; add → exit %d %q; file unchanged: %v; listed %d; status warnings %q; %d WARN/ERROR lines mentioning the file",
				rang, ad.code, strings.TrimSpace(ad.stderr), string(after) == string(before), listed, st.Warnings, a.logLines(`level=(WARN|ERROR).*(alarms|save|read-only)`)))
	})

	t.Run("full disk", func(t *testing.T) {
		a := newAgentEnv(t)
		data := a.dirs["XDG_DATA_HOME"]
		r := a.inMountNS(fmt.Sprintf("mount -t tmpfs -o size=64k,mode=0700 tmpfs %q", data), "start")
		if r.code != 0 {
			t.Skipf("no tmpfs in a mount namespace here (unshare -m as root needed): exit %d %s", r.code, r.stderr)
		}
		defer a.run("stop")
		pid := a.pid()
		a.must("add", "5h", "kept")
		a.must("add", "3s", "rings on a full disk")
		// Fill the agent's tmpfs from inside its namespace.
		fill := exec.Command("nsenter", "-t", fmt.Sprint(pid), "-m", "sh", "-c", fmt.Sprintf("dd if=/dev/zero of=%q bs=1k count=1000 2>/dev/null; df -k %q | tail -n1", filepath.Join(data, "filler"), data))
		df, _ := fill.CombinedOutput()
		var ad result
		for i := range 50 { // the file grows with each add until a write no longer fits
			if ad = a.run("add", "5h", fmt.Sprintf("fill %d %s", i, strings.Repeat("x", 150))); ad.code != 0 {
				break
			}
		}
		rang := false
		for deadline := time.Now().Add(6 * time.Second); time.Now().Before(deadline) && !rang; time.Sleep(100 * time.Millisecond) {
			for _, al := range a.list() {
				rang = rang || (al.Label == "rings on a full disk" && al.State == api.StateRinging)
			}
		}
		cat := exec.Command("nsenter", "-t", fmt.Sprint(pid), "-m", "cat", filepath.Join(data, "alarmd", "alarms.json"))
		raw, err := cat.Output()
		var v map[string]any
		parses := err == nil && json.Unmarshal(raw, &v) == nil
		if ad.code == 0 || !parses || !rang {
			t.Errorf("add on a full disk: exit %d %q; file parses %v; rang %v (df: %s)", ad.code, ad.stderr, parses, rang, df)
		}
		row("full disk (64 KiB tmpfs, filled)", "a change fails with a clear error; the file stays whole; alarms still ring",
			fmt.Sprintf("add → exit %d %q; alarms.json parses: %v; due alarm rang: %v; listed %d", ad.code, strings.TrimSpace(ad.stderr), parses, rang, len(a.list())))
	})

	t.Run("corrupt store", func(t *testing.T) {
		a := newAgentEnv(t)
		garbage := []byte("{\"version\": 1, \"alarms\": [ this is not json\n")
		os.MkdirAll(filepath.Dir(a.alarmsFile()), 0o700)
		if err := os.WriteFile(a.alarmsFile(), garbage, 0o600); err != nil {
			t.Fatal(err)
		}
		a.start()
		defer a.run("stop")
		st := a.status()
		kept, _ := filepath.Glob(a.alarmsFile() + ".corrupt-*")
		intact := len(kept) == 1
		if intact {
			b, _ := os.ReadFile(kept[0])
			intact = string(b) == string(garbage)
		}
		if !intact || len(st.Warnings) == 0 {
			t.Errorf("corrupt file kept intact: %v (%v); warnings %v", intact, kept, st.Warnings)
		}
		rang := a.ringsTwo()
		row("corrupt store", "moved aside as alarms.json.corrupt-<UTC>, starts empty, warns (log, notification, status)",
			fmt.Sprintf("kept byte-identical: %v; status warnings %q; rings after: %v; %d log line(s)", intact, st.Warnings, rang, a.logLines(`corrupt`)))
	})

	t.Run("future-version store", func(t *testing.T) {
		a := newAgentEnv(t)
		future := []byte(`{"version": 2, "next_id": 2, "alarms": [{"id": 1, "label": "from the future", "kind": "relative", "at": "2030-01-01T00:00:00Z", "enabled": true, "created": "2026-01-01T00:00:00Z", "new_field": [1, 2]}]}` + "\n")
		os.MkdirAll(filepath.Dir(a.alarmsFile()), 0o700)
		if err := os.WriteFile(a.alarmsFile(), future, 0o600); err != nil {
			t.Fatal(err)
		}
		a.start()
		defer a.run("stop")
		st := a.status()
		r := a.run("add", "5h", "refused")
		b, _ := os.ReadFile(a.alarmsFile())
		if !st.ReadOnly || r.code == 0 || string(b) != string(future) {
			t.Errorf("read_only %v, add exit %d (%s), file unchanged %v", st.ReadOnly, r.code, r.stderr, string(b) == string(future))
		}
		row("future-version store (version 2)", "runs read-only and says so; never writes the file",
			fmt.Sprintf("read_only=%v; warnings %q; add → exit %d %q; file unchanged: %v; listed %d", st.ReadOnly, st.Warnings, r.code, strings.TrimSpace(r.stderr), string(b) == string(future), len(a.list())))
	})

	t.Run("runtime dir with wrong permissions", func(t *testing.T) {
		a := newAgentEnv(t)
		rt := filepath.Join(a.dirs["XDG_RUNTIME_DIR"], "alarmd")
		os.MkdirAll(rt, 0o700)
		os.Chmod(rt, 0o755)
		r := a.run("start")
		lines := strings.Count(strings.TrimRight(r.stderr, "\n"), "\n") + 1
		if r.code != 1 || lines != 1 || !strings.HasPrefix(r.stderr, "alarmd: ") {
			t.Errorf("start: exit %d, stderr %q; want exit 1 and one line `alarmd: …`", r.code, r.stderr)
		}
		row("runtime dir 0755", "start fails: one clear line, exit 1", fmt.Sprintf("exit %d: %q", r.code, strings.TrimSpace(r.stderr)))
	})

	t.Run("SIGHUP during ringing", func(t *testing.T) {
		a := newAgentEnv(t)
		pid := a.start()
		defer a.run("stop")
		a.must("add", "1s", "hup ring")
		deadline := time.Now().Add(4 * time.Second)
		for time.Now().Before(deadline) && (len(a.list()) == 0 || a.list()[0].State != api.StateRinging) {
			time.Sleep(50 * time.Millisecond)
		}
		// Another program edits the file; SIGHUP must pick the change up.
		var d map[string]any
		raw, _ := os.ReadFile(a.alarmsFile())
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		list := d["alarms"].([]any)
		extra := map[string]any{}
		for k, v := range list[0].(map[string]any) {
			extra[k] = v
		}
		extra["id"], extra["label"], extra["at"], extra["rung"] = 2, "edited in", time.Now().Add(5*time.Hour).UTC().Format(time.RFC3339), false
		d["alarms"], d["next_id"] = append(list, extra), 3
		b, _ := json.Marshal(d)
		os.WriteFile(a.alarmsFile(), b, 0o600)
		syscall.Kill(pid, syscall.SIGHUP)
		var l []api.Alarm
		for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if l = a.list(); len(l) == 2 {
				break // reloaded
			}
		}
		ringing, reloaded := false, false
		for _, al := range l {
			ringing = ringing || (al.ID == 1 && al.State == api.StateRinging)
			reloaded = reloaded || al.Label == "edited in"
		}
		if !ringing || !reloaded || !alive(pid) {
			t.Errorf("after SIGHUP: still ringing %v, reloaded %v, alive %v; list %+v", ringing, reloaded, alive(pid), l)
		}
		row("SIGHUP during ringing", "keeps ringing; alarms reloaded", fmt.Sprintf("still ringing: %v; edited alarm listed: %v; %d alarms", ringing, reloaded, len(l)))
	})

	t.Run("notification server stopped (SIGSTOP)", func(t *testing.T) {
		row("notification daemon stopped (SIGSTOP on dunst)",
			"list answers in well under 1 s; a second alarm 2 s later rings on time and is heard; dismiss works; after SIGCONT nothing rings twice and the notifications match the alarms' states",
			stalledNotificationServer(t))
	})

	var b strings.Builder
	b.WriteString("| case | expected | observed |\n|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", r.name, r.expected, strings.ReplaceAll(r.observed, "|", "\\|"))
	}
	t.Logf("fault table:\n%s", b.String())
	if os.Getenv("ALARMD_BENCH") == "1" {
		if err := replaceDocSection("faults", b.String()); err != nil {
			t.Errorf("write the fault table: %v", err)
		}
	}
}

// notificationServerPID is the pid of the process owning org.freedesktop.Notifications.
func notificationServerPID(t *testing.T) int {
	t.Helper()
	conn, err := dbus.Connect(os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	if err != nil {
		t.Fatalf("session bus: %v", err)
	}
	defer conn.Close()
	var pid uint32
	if err := conn.BusObject().Call("org.freedesktop.DBus.GetConnectionUnixProcessID", 0, "org.freedesktop.Notifications").Store(&pid); err != nil {
		t.Fatalf("pid of the notification server: %v", err)
	}
	return int(pid)
}

// timed runs `alarmd args…` and returns its result and wall time.
func (a *agentEnv) timed(args ...string) (result, time.Duration) {
	start := time.Now()
	r := a.run(args...)
	return r, time.Since(start)
}

// stalledNotificationServer stops dunst with SIGSTOP (what a hung or swapped-out daemon looks
// like) while one alarm rings and a second is due 2 s later, and checks that nothing in the
// agent waits for it. It returns the observed figures for the fault table.
func stalledNotificationServer(t *testing.T) string {
	sink := newAudioSink(t)
	clearNotifications(t)
	a := newAgentEnv(t)
	a.start()
	defer a.run("stop")
	watch := watchNotify(t)
	dunst := notificationServerPID(t)

	a.must("add", "2s", "stall one", "--fade", "0s")
	a.must("add", "4s", "stall two", "--fade", "0s")
	due1, due2 := dueOf(t, a, "stall one"), dueOf(t, a, "stall two")
	if err := syscall.Kill(dunst, syscall.SIGSTOP); err != nil {
		t.Fatalf("SIGSTOP dunst: %v", err)
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			_ = syscall.Kill(dunst, syscall.SIGCONT)
		}
	}
	defer resume() // the session's dunst serves the tests after this one

	time.Sleep(time.Until(due1.Add(300 * time.Millisecond)))
	list, listWall := a.timed("list", "--json")
	var listed api.AlarmList
	_ = json.Unmarshal([]byte(list.stdout), &listed)
	oneRinging := len(listed.Alarms) == 2 && listed.Alarms[0].State == api.StateRinging
	st := a.status()
	dismiss, dismissWall := a.timed("dismiss", "1")
	if list.code != 0 || listWall > time.Second || !oneRinging {
		t.Errorf("list while dunst is stopped: exit %d in %v (want well under 1 s); first alarm ringing %v", list.code, listWall, oneRinging)
	}
	if dismiss.code != 0 || dismissWall > time.Second {
		t.Errorf("dismiss while dunst is stopped: exit %d %q in %v", dismiss.code, dismiss.stderr, dismissWall)
	}

	time.Sleep(time.Until(due2.Add(-300 * time.Millisecond)))
	from := sink.size()
	var ringingSeen time.Time
	for deadline := due2.Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, al := range a.list() {
			if al.Label == "stall two" && al.State == api.StateRinging {
				ringingSeen = time.Now()
			}
		}
		if !ringingSeen.IsZero() {
			break
		}
	}
	heard, ok := sink.waitSound(from, 10*time.Second)
	lateness, soundAfter := ringingSeen.Sub(due2), heard.Sub(due2)
	if ringingSeen.IsZero() {
		lateness = -1 // never seen ringing within 5 s of its instant
	}
	if ringingSeen.IsZero() || lateness > time.Second {
		t.Errorf("second alarm: ringing seen %v after due (want on time)", lateness)
	}
	if !ok || soundAfter > time.Second {
		t.Errorf("second alarm's sound: heard %v, %v after due", ok, soundAfter)
	}

	// Past the notifier's 5 s call timeout the agent says the server is not responding, and
	// still waits for its answers.
	time.Sleep(time.Until(due1.Add(6 * time.Second)))
	stalled := a.status().Notifications
	if !strings.Contains(stalled, "not responding") {
		t.Errorf("status notifications 6 s into the stall: %q", stalled)
	}

	// The daemon wakes up: it answers what was queued. The dismissed alarm's notification must
	// end up closed and the ringing one's shown, each alarm rung once.
	resume()
	settled := waitDisplayed(t, 1, 8*time.Second)
	end, endWall := a.timed("dismiss")
	gone := waitDisplayed(t, 0, 5*time.Second)
	rungOne, rungTwo := a.logLines(`msg=ringing .*label="stall one"`), a.logLines(`msg=ringing .*label="stall two"`)
	_, notifiedOne := watch.waitFor("stall one", 0)
	_, notifiedTwo := watch.waitFor("stall two", 0)
	if !settled || end.code != 0 || !gone || rungOne != 1 || rungTwo != 1 {
		t.Errorf("after SIGCONT: one notification displayed %v; dismiss exit %d %q; all closed after it %v; rung %d and %d times (want 1 each)",
			settled, end.code, end.stderr, gone, rungOne, rungTwo)
	}
	obs := fmt.Sprintf("list %v (exit %d, first ringing %v); status notifications %q at +0.3 s, %q at +6 s; dismiss %v; second alarm ringing %v after due, heard %v after due; after SIGCONT: one displayed %v, Notify seen for both %v, rung once each %v, dismiss %v → none displayed %v",
		listWall.Round(time.Millisecond), list.code, oneRinging, st.Notifications, stalled, dismissWall.Round(time.Millisecond),
		lateness.Round(time.Millisecond), soundAfter.Round(time.Millisecond), settled, notifiedOne && notifiedTwo, rungOne == 1 && rungTwo == 1, endWall.Round(time.Millisecond), gone)
	t.Log(obs)
	return obs
}
