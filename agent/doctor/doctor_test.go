package doctor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"alarmd/agent/api"
	"alarmd/agent/autostart"
	"alarmd/agent/client"
	"alarmd/agent/daemon"
	"alarmd/agent/paths"
)

// env is a fake environment for lookupEnv.
type env map[string]string

func (e env) lookup(k string) (string, bool) { v, ok := e[k]; return v, ok }

func wantLevel(t *testing.T, r Result, level Level, detail string) {
	t.Helper()
	if r.Level != level || !strings.Contains(r.Detail, detail) {
		t.Errorf("%s: got %s %q, want %s containing %q", r.Check, r.Level, r.Detail, level, detail)
	}
}

func TestAudioCheck(t *testing.T) {
	ctx := context.Background()
	probed := false
	probe := func(err error) func(context.Context) error {
		return func(ctx context.Context) error {
			probed = true
			if _, ok := ctx.Deadline(); !ok {
				t.Error("the probe got no deadline")
			}
			return err
		}
	}
	wantLevel(t, audioCheck(ctx, 0, nil, probe(nil)), OK, "plays")
	wantLevel(t, audioCheck(ctx, 0, nil, probe(context.DeadlineExceeded)), OK, "consumes samples")
	wantLevel(t, audioCheck(ctx, 0, nil, probe(errors.New("oto: ALSA error: No such file or directory"))), Fail, "no usable output device: oto: ALSA error")

	// With an agent running, its own view counts and the device is not opened twice.
	probed = false
	wantLevel(t, audioCheck(ctx, 42, &api.Status{Audio: "ok"}, probe(nil)), OK, "the agent reports ok")
	wantLevel(t, audioCheck(ctx, 42, &api.Status{Audio: "unavailable (no audio device: nothing consumed samples)"}, probe(nil)), Fail, "nothing consumed")
	wantLevel(t, audioCheck(ctx, 42, nil, probe(nil)), Warn, "not probed")
	if probed {
		t.Error("the device was probed while an agent holds it")
	}
	// An agent that never opened the device does not hold it: probe.
	wantLevel(t, audioCheck(ctx, 42, &api.Status{Audio: "idle (not opened yet)"}, probe(errors.New("no card"))), Fail, "no card")
	if !probed {
		t.Error("the device was not probed although the agent had not opened it")
	}
}

// TestRealAudioProbe runs the real probe in child processes (the speaker can be opened once
// per process): once with an ALSA default device that consumes samples, once with no ALSA
// configuration at all.
func TestRealAudioProbe(t *testing.T) {
	if os.Getenv("DOCTOR_AUDIO_CHILD") == "1" {
		return
	}
	if _, err := os.Stat("/usr/share/alsa/alsa.conf"); err != nil {
		t.Skip("no ALSA configuration on this machine")
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "null.conf")
	if err := os.WriteFile(good, []byte("</usr/share/alsa/alsa.conf>\npcm.!default { type null }\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, alsaConfig string
		want             Level
	}{
		{"null device", good, OK},
		{"no device", filepath.Join(dir, "missing.conf"), Fail},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestAudioProbeChild$", "-test.v")
			cmd.Env = append(os.Environ(), "DOCTOR_AUDIO_CHILD=1", "ALSA_CONFIG_PATH="+c.alsaConfig)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			m := regexp.MustCompile(`AUDIO (\w+) (.*)`).FindSubmatch(out)
			if m == nil {
				t.Fatalf("child printed no result:\n%s", out)
			}
			if Level(m[1]) != c.want {
				t.Errorf("audio check = %s %s, want %s", m[1], m[2], c.want)
			}
		})
	}
}

func TestAudioProbeChild(t *testing.T) {
	if os.Getenv("DOCTOR_AUDIO_CHILD") != "1" {
		t.Skip("runs only as TestRealAudioProbe's child")
	}
	r := audioCheck(context.Background(), 0, nil, func(ctx context.Context) error {
		return probeAudio(ctx, slog.New(slog.DiscardHandler))
	})
	t.Logf("AUDIO %s %s", r.Level, r.Detail)
}

func TestAutostartCheck(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("uses the XDG entry; elsewhere autostart.New would touch the real LaunchAgents or registry")
	}
	ctx := context.Background()
	config := t.TempDir()
	dir := t.TempDir()
	exe := filepath.Join(dir, "alarmd")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	manager := func(exe string) func(context.Context) (autostart.Status, error) {
		return func(ctx context.Context) (autostart.Status, error) {
			m, err := autostart.New(autostart.Options{ConfigHome: config, Home: dir, Exe: exe,
				Systemctl: func(context.Context, ...string) ([]byte, error) { return nil, errors.New("no systemctl") }})
			if err != nil {
				return autostart.Status{}, err
			}
			return m.Status(ctx)
		}
	}
	rs := autostartCheck(ctx, manager(exe))
	wantLevel(t, rs[0], Warn, "not enabled")

	m, err := autostart.New(autostart.Options{ConfigHome: config, Home: dir, Exe: exe})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Enable(ctx, ""); err != nil {
		t.Fatal(err)
	}
	rs = autostartCheck(ctx, manager(exe))
	wantLevel(t, rs[0], OK, "starts this binary ("+exe+")")

	// Another existing binary: a warning; the entry's binary gone: a failure.
	other := filepath.Join(t.TempDir(), "alarmd")
	if err := os.WriteFile(other, []byte("#!/bin/sh\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	wantLevel(t, autostartCheck(ctx, manager(other))[0], Warn, "not this binary")
	if err := os.Remove(exe); err != nil {
		t.Fatal(err)
	}
	wantLevel(t, autostartCheck(ctx, manager(other))[0], Fail, "which does not exist")

	wantLevel(t, autostartCheck(ctx, func(context.Context) (autostart.Status, error) {
		return autostart.Status{}, errors.New("read xdg autostart entry: permission denied")
	})[0], Fail, "permission denied")
}

func TestAgentCheck(t *testing.T) {
	ctx := context.Background()
	p := testPaths(t)
	noStatus := func(context.Context, string) (api.Status, error) {
		t.Error("status asked although no agent holds the lock")
		return api.Status{}, nil
	}
	_, _, rs := agentCheck(ctx, p, daemon.Holder, noStatus, time.Second)
	wantLevel(t, rs[0], Warn, "not running")

	_, _, rs = agentCheck(ctx, p, func(string) (int, error) { return 0, errors.New("permission denied") }, noStatus, time.Second)
	wantLevel(t, rs[0], Fail, "permission denied")

	// This process holds the lock but serves no socket: the real client says so.
	lock, err := daemon.AcquireLock(p.PidFile)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	realStatus := func(ctx context.Context, socket string) (api.Status, error) { return client.New(socket).Status(ctx) }
	pid, st, rs := agentCheck(ctx, p, daemon.Holder, realStatus, time.Second)
	wantLevel(t, rs[0], Fail, "does not answer")
	if pid != os.Getpid() || st != nil {
		t.Errorf("pid %d status %v", pid, st)
	}

	answer := func(context.Context, string) (api.Status, error) {
		return api.Status{PID: os.Getpid(), Version: "1.2.3", Uptime: "5m", Warnings: []string{"alarms file was corrupt"}, ReadOnly: true}, nil
	}
	pid, st, rs = agentCheck(ctx, p, daemon.Holder, answer, time.Second)
	if len(rs) != 3 || st == nil || pid != os.Getpid() {
		t.Fatalf("results = %+v", rs)
	}
	wantLevel(t, rs[0], OK, "version 1.2.3, up 5m")
	wantLevel(t, rs[1], Warn, "alarms file was corrupt")
	wantLevel(t, rs[2], Warn, "read-only")
}

func testPaths(t *testing.T) paths.Paths {
	t.Helper()
	root := t.TempDir()
	for _, k := range []string{"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR"} {
		d := filepath.Join(root, k)
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		t.Setenv(k, d)
	}
	p, err := paths.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.EnsureRuntimeDir(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAlarmsCheck(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "alarms.json")
	wantLevel(t, alarmsCheck(path), OK, "does not exist yet")

	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"version": 1, "next_id": 3, "alarms": [{"id": 1, "enabled": true}, {"id": 2, "enabled": false}]}`)
	wantLevel(t, alarmsCheck(path), OK, "2 alarm(s), 1 enabled")

	write(`{"version": 7, "alarms": "a shape from the future"}`)
	wantLevel(t, alarmsCheck(path), Warn, "newer than this alarmd")

	corrupt := `{"version": 1, "alarms": [`
	write(corrupt)
	wantLevel(t, alarmsCheck(path), Fail, "does not parse")
	// Doctor only looks: the corrupt file is neither moved nor changed.
	if b, err := os.ReadFile(path); err != nil || string(b) != corrupt {
		t.Errorf("the corrupt file changed: %q, %v", b, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("doctor created files: %v", entries)
	}

	write(`{"alarms": []}`)
	wantLevel(t, alarmsCheck(path), Fail, "no valid format version")

	wantLevel(t, alarmsCheck(dir), Fail, "cannot read")
}

func TestZoneCheck(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no zoneinfo for Europe/Berlin")
	}
	zone := func() (*time.Location, error) { return berlin, nil }
	wantLevel(t, zoneCheck(zone, env{}.lookup), OK, "Europe/Berlin (system zone)")
	wantLevel(t, zoneCheck(zone, env{"TZ": "Europe/Berlin"}.lookup), OK, `($TZ="Europe/Berlin" overrides the system zone)`)
	wantLevel(t, zoneCheck(zone, env{"TZ": ":Europe/Berlin"}.lookup), OK, "overrides")
	wantLevel(t, zoneCheck(zone, env{"TZ": "Mars/Olympus_Mons"}.lookup), Warn, "not a known zone")
	wantLevel(t, zoneCheck(func() (*time.Location, error) { return nil, errors.New("boom") }, env{}.lookup), Fail, "boom")
}

// fakeNotifier stands in for the notification server in Run.
type fakeNotifier struct{ caps []string }

func (f fakeNotifier) Connect() error { return nil }
func (f fakeNotifier) ServerInfo() (string, string, string, string, error) {
	return "fake", "tests", "1", "1.2", nil
}
func (f fakeNotifier) Capabilities() []string { return f.caps }
func (f fakeNotifier) Close() error           { return nil }

func TestRunReportAndOutput(t *testing.T) {
	p := testPaths(t)
	d := Deps{
		Paths:       p,
		LookupEnv:   env{"DISPLAY": ":9"}.lookup, // no bus: the bus check fails
		LookPath:    func(n string) (string, error) { return "/usr/bin/" + n, nil },
		Notifier:    func() NotificationServer { return fakeNotifier{caps: []string{"actions"}} },
		AudioProbe:  func(context.Context) error { return nil },
		Autostart:   func(context.Context) (autostart.Status, error) { return autostart.Status{Exe: "/x/alarmd"}, nil },
		AgentPID:    func(string) (int, error) { return 0, nil },
		AgentStatus: func(context.Context, string) (api.Status, error) { return api.Status{}, errors.New("unused") },
		Zone:        func() (*time.Location, error) { return time.UTC, nil },
	}
	r := Run(context.Background(), d)
	checks := map[string]Level{}
	for _, x := range r {
		if _, seen := checks[x.Check]; !seen {
			checks[x.Check] = x.Level
		}
	}
	want := map[string]Level{
		checkBus: Fail, checkNotify: Fail, checkTray: Warn, checkAudio: OK, checkDialog: OK,
		checkAutostart: Warn, checkAgent: Warn, checkAlarms: OK, checkZone: OK,
	}
	for k, v := range want {
		if checks[k] != v {
			t.Errorf("check %q = %q, want %q (report %+v)", k, checks[k], v, r)
		}
	}
	if !r.Failed() {
		t.Error("Failed() = false with failing checks")
	}

	var text bytes.Buffer
	if err := r.Write(&text); err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`^(ok  |warn|fail)  [a-z ]+: \S.*$`)
	lines := strings.Split(strings.TrimSuffix(text.String(), "\n"), "\n")
	if len(lines) != len(r) {
		t.Errorf("%d lines for %d results", len(lines), len(r))
	}
	for _, l := range lines {
		if !line.MatchString(l) {
			t.Errorf("line %q is not `ok|warn|fail  <check>: <detail>`", l)
		}
	}

	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var decoded struct {
		OK     bool     `json:"ok"`
		Checks []Result `json:"checks"`
	}
	if err := json.Unmarshal(js.Bytes(), &decoded); err != nil || decoded.OK || len(decoded.Checks) != len(r) {
		t.Errorf("JSON = %s (%v)", js.String(), err)
	}

	if (Report{{OK, "a", "b"}, {Warn, "c", "d"}}).Failed() {
		t.Error("a report without fail says Failed")
	}
}
