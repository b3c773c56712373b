package daemon

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// procStat holds the /proc/PID/stat fields the daemon recipe is about.
type procStat struct {
	ppid, pgrp, session, ttyNr int
}

func readProcStat(t *testing.T, pid int) procStat {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// The command name may contain spaces; the fields after it start past the last ')'.
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	atoi := func(s string) int {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("stat field %q: %v", s, err)
		}
		return n
	}
	// fields[0] is the state; then ppid pgrp session tty_nr.
	return procStat{ppid: atoi(fields[1]), pgrp: atoi(fields[2]), session: atoi(fields[3]), ttyNr: atoi(fields[4])}
}

func readLink(t *testing.T, path string) string {
	t.Helper()
	target, err := os.Readlink(path)
	if err != nil {
		t.Fatal(err)
	}
	return target
}

// fdTargets maps each open descriptor of pid to what it points at.
func fdTargets(t *testing.T, pid int) map[string]string {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	names, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, n := range names {
		if target, err := os.Readlink(filepath.Join(dir, n.Name())); err == nil {
			out[n.Name()] = target
		}
	}
	return out
}

// logValue finds "key=value" printed by the test agent into the log.
func logValue(log, key string) string {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(key) + `=(\S+)$`).FindStringSubmatch(log)
	if m == nil {
		return ""
	}
	return m[1]
}

// skipRaceExitSleep stops the race detector's default 1 s sleep at exit in the helper stages
// (GORACE atexit_sleep_ms), which Start would otherwise spend waiting for stage 1 to exit.
func skipRaceExitSleep(t *testing.T) {
	t.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
}

// startTestAgent runs the real two-stage start with the test binary as the agent.
func startTestAgent(t *testing.T, mode string, timeout time.Duration) (pid int, logFile string, err error) {
	t.Helper()
	logFile = filepath.Join(t.TempDir(), "state", "alarmd.log")
	t.Setenv(agentModeEnv, mode)
	t.Setenv(agentLogEnv, logFile)
	skipRaceExitSleep(t)
	pid, err = Start([]string{"-test.run=^$"}, nil, timeout, logFile)
	if pid > 0 {
		t.Cleanup(func() { killProcess(t, pid) })
	}
	return pid, logFile, err
}

func TestStartDaemonizes(t *testing.T) {
	// A descriptor the caller inherited without close-on-exec, like a shell's fd 251.
	marker, err := os.Create(filepath.Join(t.TempDir(), "inherited-marker"))
	if err != nil {
		t.Fatal(err)
	}
	defer marker.Close()
	strayFD, err := unix.FcntlInt(marker.Fd(), unix.F_DUPFD, 200) // F_DUPFD: not close-on-exec
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(strayFD)
	if flags, _ := unix.FcntlInt(uintptr(strayFD), unix.F_GETFD, 0); flags&unix.FD_CLOEXEC != 0 {
		t.Fatal("setup: stray descriptor is already close-on-exec")
	}

	pid, logFile, err := startTestAgent(t, "ready", 10*time.Second)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	logData, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	log := string(logData)
	childPID, _ := strconv.Atoi(logValue(log, "child pid"))
	t.Cleanup(func() { killProcess(t, childPID) })

	if got := logValue(log, "stage2 pid"); got != strconv.Itoa(pid) {
		t.Fatalf("Start returned pid %d, the agent logged %q", pid, got)
	}
	if !strings.Contains(log, "stage2 stderr line\n") {
		t.Errorf("stderr did not reach the log:\n%s", log)
	}

	st := readProcStat(t, pid)
	// Stage 1 called setsid, so the session id is stage 1's PID.
	stage1 := st.session
	if st.session == pid {
		t.Errorf("agent is a session leader (sid %d)", st.session)
	}
	if st.ppid == stage1 {
		t.Errorf("agent's parent is still stage 1 (%d)", stage1)
	}
	if sub, err := unix.PrctlRetInt(unix.PR_GET_CHILD_SUBREAPER, 0, 0, 0, 0); err == nil && sub == 0 {
		if st.ppid == os.Getpid() {
			t.Errorf("agent's parent is the caller")
		}
	}
	if st.ttyNr != 0 {
		t.Errorf("agent has a controlling terminal (tty_nr %d)", st.ttyNr)
	}
	if ours := readProcStat(t, os.Getpid()); st.session == ours.session {
		t.Errorf("agent shares the caller's session %d", st.session)
	}

	if cwd := readLink(t, fmt.Sprintf("/proc/%d/cwd", pid)); cwd != "/" {
		t.Errorf("cwd = %q, want /", cwd)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^Umask:\s+0077$`).Match(status) {
		t.Errorf("umask is not 0077:\n%s", status)
	}

	fds := fdTargets(t, pid)
	if fds["0"] != "/dev/null" {
		t.Errorf("stdin = %q, want /dev/null", fds["0"])
	}
	for _, fd := range []string{"1", "2"} {
		if fds[fd] != logFile {
			t.Errorf("fd %s = %q, want %s", fd, fds[fd], logFile)
		}
	}
	for fd, target := range fds {
		if target == marker.Name() {
			t.Errorf("the caller's stray descriptor reached the agent as fd %s", fd)
		}
	}

	// The agent's children: no stage markers in their environment, no readiness pipe.
	if childPID <= 0 {
		t.Fatalf("agent did not log its child:\n%s", log)
	}
	environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", childPID))
	if err != nil {
		t.Fatal(err)
	}
	vars := strings.Split(string(environ), "\x00")
	sawTestVar := false
	for _, kv := range vars {
		if strings.HasPrefix(kv, stageEnv+"=") || strings.HasPrefix(kv, readyFDEnv+"=") {
			t.Errorf("stage marker leaked to the agent's child: %s", kv)
		}
		sawTestVar = sawTestVar || strings.HasPrefix(kv, agentModeEnv+"=")
	}
	if !sawTestVar {
		t.Errorf("child environment lacks %s, so this check read the wrong process: %q", agentModeEnv, vars)
	}
	pipe := logValue(log, "stage2 pipe")
	if !strings.HasPrefix(pipe, "pipe:") {
		t.Fatalf("agent did not log its readiness pipe:\n%s", log)
	}
	for fd, target := range fdTargets(t, childPID) {
		if target == pipe {
			t.Errorf("readiness pipe leaked to the agent's child as fd %s", fd)
		}
	}
}

func TestStartReportsAgentFailure(t *testing.T) {
	_, _, err := startTestAgent(t, "fail", 10*time.Second)
	if err == nil || err.Error() != "cannot open socket: boom second line" {
		t.Fatalf("Start error = %v, want the agent's message as one line", err)
	}
}

func TestStartAgentExitsSilently(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "alarmd.log")
	if err := os.WriteFile(logFile, []byte("line from an earlier run\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(agentModeEnv, "exit")
	t.Setenv(agentLogEnv, logFile)
	skipRaceExitSleep(t)
	_, err := Start([]string{"-test.run=^$"}, nil, 10*time.Second, logFile)
	if err == nil {
		t.Fatal("Start succeeded for an agent that exited")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "agent exited during start-up") || !strings.Contains(msg, "fatal: config is broken") {
		t.Fatalf("Start error = %q, want the exit message with the log's last lines", msg)
	}
	if strings.Contains(msg, "earlier run") || strings.Contains(msg, "\n") {
		t.Fatalf("Start error = %q: must be one line and quote only this start's log", msg)
	}
}

func TestStartTimesOut(t *testing.T) {
	began := time.Now()
	_, logFile, err := startTestAgent(t, "hang", 300*time.Millisecond)
	t.Cleanup(func() {
		// The hung agent's PID is only in its log; it also ends itself after 5 s.
		data, _ := os.ReadFile(logFile)
		pid, _ := strconv.Atoi(logValue(string(data), "stage2 pid"))
		killProcess(t, pid)
	})
	if err == nil || err.Error() != "agent did not report ready within 300ms" {
		t.Fatalf("Start error = %v, want the timeout message", err)
	}
	if elapsed := time.Since(began); elapsed > 2*time.Second {
		t.Fatalf("Start took %v for a 300ms timeout", elapsed)
	}
}

func TestMarkInheritedFDsCloseOnExec(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	fd, err := unix.FcntlInt(w.Fd(), unix.F_DUPFD, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := markInheritedFDsCloseOnExec(); err != nil {
		t.Fatal(err)
	}
	if flags, _ := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); flags&unix.FD_CLOEXEC == 0 {
		t.Fatal("descriptor is still inherited across exec")
	}
}
