//go:build e2e

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"alarmd/agent/api"
)

func syscallKill(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }

// alive reports whether pid runs and is not a zombie (PID 1 here reaps late).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	f := statFields(string(b))
	return len(f) > 0 && f[0] != "Z"
}

// statFields returns /proc/PID/stat's fields after the command name: state, ppid, pgrp, session,
// tty_nr, ...
func statFields(stat string) []string {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(stat[i+1:])
}

var startedRE = regexp.MustCompile(`^alarmd: started \(pid (\d+)\)\n$`)

func (a *agentEnv) start() int {
	a.t.Helper()
	out := a.must("start")
	m := startedRE.FindStringSubmatch(out)
	if m == nil {
		a.t.Fatalf("start printed %q", out)
	}
	pid, _ := strconv.Atoi(m[1])
	return pid
}

func (a *agentEnv) list() []api.Alarm {
	a.t.Helper()
	var l api.AlarmList
	if err := json.Unmarshal([]byte(a.must("list", "--json")), &l); err != nil {
		a.t.Fatalf("list --json: %v", err)
	}
	return l.Alarms
}

func waitGone(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if !alive(pid) {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return !alive(pid)
}

// ancestors lists this process's ancestors: any of them may be the subreaper that adopts the agent.
func ancestors() map[int]bool {
	out := map[int]bool{1: true}
	pid := os.Getpid()
	for pid > 1 {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			break
		}
		f := statFields(string(b))
		ppid, _ := strconv.Atoi(f[1])
		out[ppid] = true
		pid = ppid
	}
	return out
}

func TestDaemonRecipe(t *testing.T) {
	a := newAgentEnv(t)
	// A stray inherited descriptor without close-on-exec must not reach the agent.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	cmd := exec.Command(binary, "start")
	cmd.Env = a.env
	cmd.ExtraFiles = []*os.File{w} // fd 3 in `alarmd start`, inherited without CLOEXEC
	var out strings.Builder
	cmd.Stdout = &out
	cmd.Stderr = &out
	began := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("start: %v: %s", err, out.String())
	}
	took := time.Since(began)
	m := startedRE.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("start printed %q", out.String())
	}
	pid, _ := strconv.Atoi(m[1])
	t.Logf("alarmd start -> ready in %v (pid %d)", took.Round(time.Millisecond), pid)
	if pid != a.pid() {
		t.Errorf("start said pid %d, pidfile says %d", pid, a.pid())
	}

	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := statFields(string(stat))
	ppid, _ := strconv.Atoi(f[1])
	sid, _ := strconv.Atoi(f[3])
	tty, _ := strconv.Atoi(f[4])
	if !ancestors()[ppid] {
		t.Errorf("agent's parent is %d, want init (1) or a subreaper among our ancestors", ppid)
	}
	if sid == pid {
		t.Errorf("agent is a session leader (sid %d == pid): it could acquire a controlling terminal", sid)
	}
	if tty != 0 {
		t.Errorf("agent has a controlling terminal (tty_nr %d)", tty)
	}
	if cwd, _ := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid)); cwd != "/" {
		t.Errorf("agent cwd %q, want /", cwd)
	}
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if !strings.Contains(string(status), "Umask:\t0077") {
		t.Errorf("agent umask: %s", regexp.MustCompile(`Umask:\s*\d+`).FindString(string(status)))
	}
	if in, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/0", pid)); in != "/dev/null" {
		t.Errorf("agent stdin is %q, want /dev/null", in)
	}
	logFile := filepath.Join(a.dirs["XDG_STATE_HOME"], "alarmd", "alarmd.log")
	for _, fd := range []int{1, 2} {
		if p, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", pid, fd)); p != logFile {
			t.Errorf("agent fd %d is %q, want the log file %s", fd, p, logFile)
		}
	}
	pipeName, _ := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", w.Fd()))
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	for _, e := range fds {
		if target, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, e.Name())); target == pipeName {
			t.Errorf("the caller's inherited fd (%s) leaked into the agent as fd %s", pipeName, e.Name())
		}
	}
	// The stage markers stay visible in the agent's own /proc/PID/environ (the kernel keeps the
	// environment it was started with); that they do not reach the agent's children is tested
	// in agent/daemon, where a stage-2 helper starts a child.
	for name, want := range map[string]os.FileMode{
		filepath.Join(a.dirs["XDG_RUNTIME_DIR"], "alarmd"): os.ModeDir | 0o700,
		a.pidFile(): 0o600,
		logFile:     0o600,
	} {
		if fi, err := os.Stat(name); err != nil || fi.Mode() != want {
			t.Errorf("%s: mode %v (err %v), want %v", name, fi.Mode(), err, want)
		}
	}
	if fi, err := os.Stat(a.socket()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket: %v %v, want 0600", fi.Mode(), err)
	}

	// One instance only.
	if got := a.must("start"); got != fmt.Sprintf("alarmd: already running (pid %d)\n", pid) {
		t.Errorf("second start printed %q", got)
	}
	rr := a.run("run")
	if rr.code != 1 || !strings.Contains(rr.stderr, fmt.Sprintf("already running (pid %d)", pid)) {
		t.Errorf("run while running: exit %d, stderr %q", rr.code, rr.stderr)
	}
	st := a.must("status")
	if !strings.Contains(st, fmt.Sprintf("pid %d", pid)) {
		t.Errorf("status: %s", st)
	}

	// stop leaves no process and no socket.
	if got := a.must("stop"); got != "alarmd: stopped\n" {
		t.Errorf("stop printed %q", got)
	}
	if !waitGone(pid, 2*time.Second) {
		t.Errorf("agent %d still alive after stop", pid)
	}
	if _, err := os.Stat(a.socket()); !os.IsNotExist(err) {
		t.Errorf("socket left behind after stop: %v", err)
	}
	if _, err := os.Stat(a.pidFile()); err != nil {
		t.Errorf("pidfile should stay (never unlinked): %v", err)
	}
	r2 := a.run("status")
	if r2.code != 3 || !strings.Contains(r2.stderr, "start it with: alarmd start") {
		t.Errorf("status when stopped: exit %d, %q", r2.code, r2.stderr)
	}
	if got := a.must("stop"); got != "alarmd: not running\n" {
		t.Errorf("stop when stopped printed %q", got)
	}
}

func TestDueAlarmNotifies(t *testing.T) {
	a := newAgentEnv(t)
	watch := watchNotify(t)
	a.start()
	out := a.must("add", "2s", "e2e label")
	if !regexp.MustCompile(`^added 1: \w{3} \d\d:\d\d e2e label \(in [12]s\)\n$`).MatchString(out) {
		t.Errorf("add printed %q", out)
	}
	l := a.list()
	if len(l) != 1 || l[0].Next.IsZero() {
		t.Fatalf("list: %+v", l)
	}
	due := l[0].Next
	call, ok := watch.waitFor("e2e label", 4*time.Second)
	if !ok {
		t.Fatalf("no Notify with the label within 4 s; log:\n%s", a.log())
	}
	delay := call.at.Sub(due)
	t.Logf("due -> Notify on the bus: %v", delay.Round(100*time.Microsecond))
	if delay < 0 || delay > time.Second {
		t.Errorf("Notify %v after due, want within 1 s", delay)
	}
	if u, ok := call.hints["urgency"]; !ok || u.Value() != byte(2) {
		t.Errorf("urgency hint %v, want critical (2)", call.hints["urgency"])
	}
	if call.expire != 0 {
		t.Errorf("expire_timeout %d, want 0 (never)", call.expire)
	}
	// It rings until stopped; a stopped relative alarm is removed.
	if l := a.list(); len(l) != 1 || l[0].State != api.StateRinging {
		t.Fatalf("while ringing, list: %+v", l)
	}
	if got := a.must("dismiss"); got != "stopped 1\n" {
		t.Errorf("dismiss printed %q", got)
	}
	if l := a.list(); len(l) != 0 {
		t.Errorf("a stopped relative alarm should be removed; list: %+v", l)
	}
	a.must("stop")
}

func TestKill9KeepsAlarmsAndTakesOverPidfile(t *testing.T) {
	a := newAgentEnv(t)
	pid := a.start()
	a.must("add", "7:30", "Wake up")
	a.must("add", "tomorrow", "8:00", "Dentist")
	a.must("add", "in", "1h", "Tea", "--snooze", "5m")
	a.must("add", "mon", "9:00", "Standup", "--repeat", "weekdays")
	before := a.list()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if !waitGone(pid, 2*time.Second) || !waitUnlocked(a.pidFile(), 2*time.Second) {
		t.Fatal("agent survived SIGKILL (or its lock did)")
	}
	if a.pid() != pid {
		t.Fatalf("pidfile should still hold the dead pid %d, has %d", pid, a.pid())
	}
	pid2 := a.start()
	if pid2 == pid || a.pid() != pid2 {
		t.Fatalf("restart: pid %d, pidfile %d (old %d)", pid2, a.pid(), pid)
	}
	after := a.list()
	if len(after) != len(before) {
		t.Fatalf("alarms before kill: %d, after restart: %d", len(before), len(after))
	}
	for i := range before {
		b, _ := json.Marshal(before[i].Alarm)
		c, _ := json.Marshal(after[i].Alarm)
		if string(b) != string(c) {
			t.Errorf("alarm changed across kill -9:\n%s\n%s", b, c)
		}
	}
	a.must("stop")
}

func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	a := newAgentEnv(t)
	a.start()
	a.must("add", "7:30", "Wake up")
	a.must("add", "tomorrow", "8:00", "Dentist")
	before := a.must("list", "--json")
	long := strings.Repeat("x", 10_000)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"frobnicate", "--label", "x"}, 2, `alarmd: unknown command "frobnicate"`},
		{[]string{"list", "--bogus"}, 2, "unknown flag"},
		{[]string{"add"}, 2, "needs a time"},
		{[]string{"add", "25:61", "x"}, 2, "25:61"},
		{[]string{"add", "25:00"}, 2, "25:00"},
		{[]string{"add", "7:60"}, 2, "7:60"},
		{[]string{"add", "yesterday"}, 2, "yesterday"},
		{[]string{"add", "2020-01-01", "09:00"}, 2, "2020-01-01"},
		{[]string{"add", "7:30", ""}, 2, "label is empty"},
		{[]string{"add", "7:30", long}, 2, "at most 200"},
		{[]string{"add", "7:30", "bell\x07"}, 2, "control character"},
		{[]string{"add", "7:30", "--snooze", "soon"}, 2, "--snooze"},
		{[]string{"add", "7:30", "--ring", "-5m"}, 2, "--ring"},
		{[]string{"add", "7:30", "--volume", "300"}, 2, "--volume"},
		{[]string{"add", "7:30", "--volume", "loud"}, 2, "volume"},
		{[]string{"add", "7:30", "--repeat", "fortnightly"}, 2, "fortnightly"},
		{[]string{"add", "7:30", "--repeat", "rrule:FREQ=SECONDLY"}, 2, "SECONDLY"},
		{[]string{"add", "7:30", "--late"}, 2, "late"},
		{[]string{"rm"}, 2, "at least one alarm id"},
		{[]string{"rm", "abc"}, 2, `"abc" is not an alarm id`},
		{[]string{"rm", "-3"}, 2, ""},
		{[]string{"rm", "1", "99"}, 1, "no alarm with id 99"},
		{[]string{"enable", "99"}, 1, "no alarm with id 99"},
		{[]string{"disable", "x1"}, 2, "not an alarm id"},
		{[]string{"snooze"}, 1, "no alarm is ringing"},
		{[]string{"snooze", "1"}, 1, "not ringing"},
		{[]string{"snooze", "1", "--for", "zz"}, 2, "--for"},
		{[]string{"snooze", "1", "2"}, 2, "at most 1"},
		{[]string{"dismiss", "99"}, 1, "no alarm with id 99"},
		{[]string{"dismiss"}, 1, "no alarm is ringing"},
		{[]string{"next"}, 2, "needs a time"},
		{[]string{"next", "7:30", "--count", "0"}, 2, "--count"},
		{[]string{"next", "7:30", "--from", "someday"}, 2, "--from"},
		{[]string{"status", "extra"}, 2, "takes no arguments"},
		{[]string{"start", "now"}, 2, "takes no arguments"},
		{[]string{"stop", "--force"}, 2, "unknown flag"},
		{[]string{"run", "x"}, 2, "takes no arguments"},
		{[]string{"paths", "x"}, 2, "takes no arguments"},
		{[]string{"version", "--short"}, 2, "unknown flag"},
		{[]string{"list", "all"}, 2, "takes no arguments"},
		{[]string{"next", "25:61"}, 2, "25:61"},
		{[]string{"next", "7:30", "--repeat", "hourly-ish"}, 2, "hourly-ish"},
		{[]string{"next", "7:30", "extra"}, 2, "extra"},
		{[]string{"add", "in", "0m"}, 2, "0m"},
		{[]string{"add", "in", "-5m"}, 2, "-5m"},
		{[]string{"add", "2027-02-30", "09:00"}, 2, "2027-02-30"},
		{[]string{"add", "13pm"}, 2, "13pm"},
		{[]string{"add", "7:30", "--fade", "2h"}, 2, "--fade"},
		{[]string{"enable"}, 2, "at least one alarm id"},
		{[]string{"enable", "1.5"}, 2, "not an alarm id"},
		{[]string{"rm", "99999999999999999999"}, 2, "not an alarm id"},
		{[]string{"edit"}, 2, "needs an alarm id"},
		{[]string{"edit", "1"}, 2, "nothing to change"},
		{[]string{"edit", "99", "--label", "x"}, 1, "no alarm with id 99"},
		{[]string{"edit", "abc", "8:00"}, 2, `"abc" is not an alarm id`},
		{[]string{"edit", "-1", "8:00"}, 2, ""},
		{[]string{"edit", "1", "25:61"}, 2, "25:61"},
		{[]string{"edit", "1", "8:00", "Gym"}, 2, "--label"},
		{[]string{"edit", "1", "--label", long}, 2, "at most 200"},
		{[]string{"edit", "1", "--snooze", "soon"}, 2, "--snooze"},
		{[]string{"edit", "1", "--ring", "-5m"}, 2, "--ring"},
		{[]string{"edit", "1", "--late", "8d"}, 2, "--late"},
		{[]string{"edit", "1", "--fade", "2h"}, 2, "--fade"},
		{[]string{"edit", "1", "--volume", "0"}, 2, "--volume"},
		{[]string{"edit", "1", "--repeat", "fortnightly"}, 2, "fortnightly"},
		{[]string{"edit", "1", "--once", "--repeat", "daily"}, 2, "--once and --repeat"},
		{[]string{"edit", "1", "--remind", "-10m"}, 2, "--remind"},
		{[]string{"edit", "1", "--remind", "10m", "--no-remind"}, 2, "--no-remind"},
		{[]string{"add", "7:30", "--repeat", "daily", "--remind", "25h"}, 2, "--remind"},
		{[]string{"add", "7:30", "--remind", "soon"}, 2, "--remind"},
		{[]string{"skip"}, 2, "needs exactly 1"},
		{[]string{"skip", "1"}, 2, "alarmd disable 1"},
		{[]string{"skip", "99"}, 1, "no alarm with id 99"},
		{[]string{"skip", "x"}, 2, `"x" is not an alarm id`},
		{[]string{"skip", "1", "--count", "0"}, 2, "--count"},
		{[]string{"skip", "1", "--count", "-3"}, 2, "--count"},
		{[]string{"unskip", "1"}, 1, "no skipped occurrence"},
		{[]string{"unskip", "99"}, 1, "no alarm with id 99"},
		{[]string{"unskip", "0"}, 2, "not an alarm id"},
		{[]string{"history", "--id", "-2"}, 2, "--id"},
		{[]string{"history", "--id", "x"}, 2, "--id"},
		{[]string{"history", "--since", "someday"}, 2, "--since"},
		{[]string{"history", "extra"}, 2, "takes no arguments"},
		{[]string{"list", "--sort", "label"}, 2, "--sort"},
		{[]string{"watch", "--json", "--format", "{{.Text}}"}, 2, "--json and --format"},
		{[]string{"watch", "--format", "{{.Text"}, 2, "--format"},
	} {
		r := a.run(tc.args...)
		name := strings.Join(tc.args, " ")
		if len(name) > 60 {
			name = name[:60] + "…"
		}
		if r.code != tc.code {
			t.Errorf("alarmd %s: exit %d, want %d (stderr %q)", name, r.code, tc.code, r.stderr)
			continue
		}
		first, _, _ := strings.Cut(r.stderr, "\n")
		if !strings.HasPrefix(first, "alarmd: ") || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("alarmd %s: stderr %q, want a first line `alarmd: …` mentioning %q", name, r.stderr, tc.want)
		}
		if len(first) > 300 {
			t.Errorf("alarmd %s: error line is %d bytes long", name, len(first))
		}
		if r.stdout != "" {
			t.Errorf("alarmd %s: printed %q on stdout on error", name, r.stdout)
		}
	}
	if after := a.must("list", "--json"); after != before {
		t.Errorf("alarms changed by bad input:\nbefore %s\nafter %s", before, after)
	}
	if !alive(a.pid()) {
		t.Fatal("agent died")
	}
	a.must("stop")
}

func TestCommandsNeedingTheAgentSayHowToStartIt(t *testing.T) {
	a := newAgentEnv(t)
	for _, args := range [][]string{{"status"}, {"list"}, {"add", "7:30"}, {"rm", "1"}, {"snooze"}, {"dismiss"}, {"enable", "1"}} {
		r := a.run(args...)
		if r.code != 3 || r.stderr != "alarmd: not running; start it with: alarmd start\n" {
			t.Errorf("alarmd %v without agent: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
	for _, args := range [][]string{{"paths"}, {"version"}, {"next", "7:30"}} {
		if r := a.run(args...); r.code != 0 {
			t.Errorf("alarmd %v needs no agent, but exit %d: %s", args, r.code, r.stderr)
		}
	}
}

// TestOtherUserIsRefused connects as another uid to an agent whose socket was opened up by hand:
// SO_PEERCRED still refuses it. Needs root (to switch uid) and setpriv.
func TestOtherUserIsRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to act as a second uid")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv not installed (util-linux)")
	}
	a := newAgentEnv(t)
	a.start()
	defer a.must("stop")
	// Open every fence but the peer-credential check: the directories down to the socket
	// become traversable, the socket writable by all.
	for d := filepath.Dir(a.socket()); len(d) > len(os.TempDir()); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(a.socket(), 0o666); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "alarmd")
	data, _ := os.ReadFile(binary)
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Dir(bin), 0o755)
	cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", bin, "list")
	cmd.Env = a.env
	out, _ := cmd.CombinedOutput()
	if !strings.Contains(string(out), "forbidden") {
		t.Errorf("uid 65534 got %q, want a forbidden error", out)
	}
	if cmd.ProcessState.ExitCode() != 1 {
		t.Errorf("exit code %d, want 1", cmd.ProcessState.ExitCode())
	}
}
