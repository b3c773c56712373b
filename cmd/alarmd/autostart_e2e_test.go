//go:build e2e

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"alarmd/agent/autostart"
	"alarmd/assets/templates"
)

// copyBinary puts a copy of the alarmd under test at dir/alarmd (dir is created), so a test can
// run it from a path with blanks or "move" it.
func copyBinary(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "alarmd")
	if err := os.WriteFile(dst, data, 0o700); err != nil {
		t.Fatal(err)
	}
	return dst
}

// runWith runs a given alarmd binary in the test's environment.
func (a *agentEnv) runWith(bin string, args ...string) result {
	a.t.Helper()
	saved := binary
	binary = bin
	defer func() { binary = saved }()
	return a.run(args...)
}

// agentsOf counts live processes running the executable exe.
func agentsOf(exe string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if target, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err == nil && target == exe && alive(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// TestAutostartLogin: enable writes the entry; its Exec= line, split and run as a session
// manager does, brings the agent up; a second login leaves one agent; disable removes the file.
func TestAutostartLogin(t *testing.T) {
	a := newAgentEnv(t)
	exe := copyBinary(t, filepath.Join(t.TempDir(), "My Apps"))
	desktop := filepath.Join(a.dirs["XDG_CONFIG_HOME"], "autostart", "alarmd.desktop")

	r := a.runWith(exe, "autostart", "enable")
	if r.code != 0 || !strings.Contains(r.stdout, "autostart enabled (xdg): "+desktop) {
		t.Fatalf("autostart enable: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	content, err := os.ReadFile(desktop)
	if err != nil {
		t.Fatal(err)
	}
	if tool, err := exec.LookPath("desktop-file-validate"); err == nil {
		if out, err := exec.Command(tool, desktop).CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("desktop-file-validate: %v\n%s", err, out)
		}
	} else {
		t.Log("desktop-file-validate is not installed; validation skipped")
	}
	m := regexp.MustCompile(`(?m)^Exec=(.*)$`).FindSubmatch(content)
	if m == nil {
		t.Fatalf("no Exec= line in:\n%s", content)
	}
	argv, err := templates.SplitDesktopExec(string(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	if len(argv) != 2 || argv[0] != exe || argv[1] != "start" {
		t.Fatalf("Exec=%s splits into %q, want [%s start]", m[1], argv, exe)
	}

	login := func() string {
		t.Helper()
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = a.env
		cmd.Dir = "/"
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("login: %s: %v\n%s\nlog:\n%s", strings.Join(argv, " "), err, out, a.log())
		}
		return string(out)
	}
	first := login()
	m2 := startedRE.FindStringSubmatch(first)
	if m2 == nil {
		t.Fatalf("first login printed %q", first)
	}
	pid, _ := strconv.Atoi(m2[1])
	if r := a.runWith(exe, "status"); r.code != 0 {
		t.Fatalf("status after login: exit %d: %s", r.code, r.stderr)
	}
	if got := login(); got != fmt.Sprintf("alarmd: already running (pid %d)\n", pid) {
		t.Errorf("second login printed %q", got)
	}
	if pids := agentsOf(exe); len(pids) != 1 || pids[0] != pid {
		t.Errorf("agents after two logins: %v, want just %d", pids, pid)
	}

	var st autostart.Status
	if err := json.Unmarshal([]byte(a.runWith(exe, "autostart", "status", "--json").stdout), &st); err != nil {
		t.Fatal(err)
	}
	if e, ok := st.Active(); !ok || e.Kind != autostart.XDG || !e.Current {
		t.Errorf("autostart status --json = %+v", st)
	}

	// The binary moves: the entry is stale from the new binary's view until enabled again.
	moved := copyBinary(t, filepath.Join(t.TempDir(), "elsewhere"))
	if out := a.runWith(moved, "autostart", "status").stdout; !strings.Contains(out, "stale: "+exe+" is not this binary") {
		t.Errorf("status from the moved binary:\n%s", out)
	}
	if r := a.runWith(moved, "autostart", "enable"); r.code != 0 {
		t.Fatalf("re-enable: %s", r.stderr)
	}
	if content, _ := os.ReadFile(desktop); !strings.Contains(string(content), "\nExec="+moved+" start\n") {
		t.Errorf("re-enable did not rewrite the path:\n%s", content)
	}

	if out := a.runWith(exe, "autostart", "disable").stdout; !strings.Contains(out, "removed "+desktop) {
		t.Errorf("disable printed %q", out)
	}
	if _, err := os.Stat(desktop); !os.IsNotExist(err) {
		t.Errorf("the entry is still there after disable: %v", err)
	}
	if out := a.runWith(exe, "autostart", "status").stdout; !strings.Contains(out, "not enabled") {
		t.Errorf("status after disable: %q", out)
	}
	if got := a.runWith(exe, "stop").stdout; got != "alarmd: stopped\n" {
		t.Errorf("stop printed %q", got)
	}
	if !waitGone(pid, 2*time.Second) {
		t.Errorf("agent %d still alive after stop", pid)
	}
}

// TestAutostartSystemdUnit: --systemd writes the unit and removes the XDG entry; without a user
// manager (as here) it says how to enable it and still exits 0.
func TestAutostartSystemdUnit(t *testing.T) {
	a := newAgentEnv(t)
	unit := filepath.Join(a.dirs["XDG_CONFIG_HOME"], "systemd", "user", "alarmd.service")
	desktop := filepath.Join(a.dirs["XDG_CONFIG_HOME"], "autostart", "alarmd.desktop")
	a.must("autostart", "enable")
	r := a.run("autostart", "enable", "--systemd")
	if r.code != 0 {
		t.Fatalf("enable --systemd: exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "systemctl --user not available") && !strings.Contains(r.stderr, "enabled with systemctl --user") {
		t.Errorf("enable --systemd said nothing about systemctl: %q", r.stderr)
	}
	t.Logf("enable --systemd: %s%s", r.stdout, r.stderr)
	if _, err := os.Stat(desktop); !os.IsNotExist(err) {
		t.Error("the XDG entry survived enable --systemd")
	}
	text, err := os.ReadFile(unit)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), "\nExecStart="+binary+" run\n") || !strings.Contains(string(text), "\nType=notify\n") {
		t.Errorf("unit:\n%s", text)
	}
	if tool, err := exec.LookPath("systemd-analyze"); err == nil {
		if out, err := exec.Command(tool, "verify", unit).CombinedOutput(); err != nil {
			t.Errorf("systemd-analyze verify: %v\n%s", err, out)
		}
	}
	if out := a.must("autostart", "status"); !strings.Contains(out, "autostart: systemd  "+unit) {
		t.Errorf("status: %s", out)
	}
	a.must("autostart", "disable")
	if _, err := os.Stat(unit); !os.IsNotExist(err) {
		t.Error("disable left the unit")
	}
}

// TestRunUnderServiceManager: `alarmd run` as systemd runs a Type=notify service: READY=1
// once up, STOPPING=1 on the way out, and log lines without timestamps on the journal stream.
func TestRunUnderServiceManager(t *testing.T) {
	a := newAgentEnv(t)
	sockDir, err := os.MkdirTemp("", "alarmd-notify-") // short: unix socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(sockDir)
	sock := filepath.Join(sockDir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	stderrFile, err := os.Create(filepath.Join(t.TempDir(), "journal"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderrFile.Close()
	fi, err := stderrFile.Stat()
	if err != nil {
		t.Fatal(err)
	}
	sys := fi.Sys().(*syscall.Stat_t)
	cmd := exec.Command(binary, "run")
	cmd.Env = append(append([]string{}, a.env...), "NOTIFY_SOCKET="+sock, fmt.Sprintf("JOURNAL_STREAM=%d:%d", sys.Dev, sys.Ino))
	cmd.Stdout, cmd.Stderr = stderrFile, stderrFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-exited
		}
	}()

	receive := func(what string) string {
		t.Helper()
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 4096)
		n, err := conn.Read(buf)
		if err != nil {
			log, _ := os.ReadFile(stderrFile.Name())
			t.Fatalf("waiting for %s: %v\nstderr:\n%s", what, err, log)
		}
		return string(buf[:n])
	}
	if got, want := receive("READY=1"), fmt.Sprintf("READY=1\nMAINPID=%d", cmd.Process.Pid); got != want {
		t.Errorf("first notification %q, want %q", got, want)
	}
	if r := a.run("status"); r.code != 0 {
		t.Errorf("status under run: exit %d: %s", r.code, r.stderr)
	}
	a.must("stop")
	if got := receive("STOPPING=1"); got != "STOPPING=1" {
		t.Errorf("second notification %q, want STOPPING=1", got)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("alarmd run exited with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("alarmd run did not exit after stop")
	}
	_, _ = stderrFile.Seek(0, io.SeekStart)
	log, _ := io.ReadAll(stderrFile)
	lines := strings.Split(strings.TrimSpace(string(log)), "\n")
	logged := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "ALSA lib ") {
			continue // libasound's own complaints, not ours
		}
		if strings.Contains(l, "time=") {
			t.Errorf("journal line has a timestamp: %q", l)
		}
		if strings.Contains(l, "msg=") {
			logged++
		}
	}
	if logged == 0 {
		t.Errorf("no log lines on the journal stream:\n%s", log)
	}
}

// TestDoctorInSession: in the headless session the bus and notification checks pass; without a
// bus they fail and doctor exits 1.
func TestDoctorInSession(t *testing.T) {
	a := newAgentEnv(t)
	pid := a.start()
	defer func() {
		a.must("stop")
		waitGone(pid, 2*time.Second)
	}()
	r := a.run("doctor")
	t.Logf("doctor (exit %d):\n%s", r.code, r.stdout)
	line := regexp.MustCompile(`^(ok  |warn|fail)  [a-z ]+: \S`)
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if !line.MatchString(l) {
			t.Errorf("line %q is not `ok|warn|fail  <check>: <detail>`", l)
		}
	}
	for _, want := range []string{"ok    session bus: ", "ok    notifications: ", "ok    notification buttons: ",
		"ok    audio: the default output device", fmt.Sprintf("ok    agent: running (pid %d", pid), "warn  autostart: not enabled"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor output lacks %q", want)
		}
	}
	if strings.Contains(r.stdout, "\nfail") != (r.code == 1) {
		t.Errorf("exit %d does not match the fail lines", r.code)
	}

	var js struct {
		OK     bool `json:"ok"`
		Checks []struct{ Level, Check, Detail string }
	}
	if err := json.Unmarshal([]byte(a.run("doctor", "--json").stdout), &js); err != nil || len(js.Checks) < 9 {
		t.Errorf("doctor --json: %v %+v", err, js)
	}

	// The same session without a bus address (and no $XDG_RUNTIME_DIR/bus): fail, exit 1.
	saved := a.env
	a.env = nil
	for _, kv := range saved {
		if !strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") {
			a.env = append(a.env, kv)
		}
	}
	defer func() { a.env = saved }()
	r = a.run("doctor")
	if r.code != 1 || !strings.Contains(r.stdout, "fail  session bus: none") {
		t.Errorf("doctor without a bus: exit %d\n%s", r.code, r.stdout)
	}
}
