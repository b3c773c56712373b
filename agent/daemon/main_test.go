package daemon

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as the programs under test (the standard helper-process pattern):
// when re-executed with a daemon stage marker it behaves as stage 1 or a stage-2 agent, and
// with helperRoleEnv as a plain helper. Every helper also ends itself after a safety timeout,
// so a test that fails before its cleanup cannot leave it running for long.
const (
	helperRoleEnv  = "ALARMD_DAEMON_TEST_ROLE"  // sleeper | locker (plain helpers)
	agentModeEnv   = "ALARMD_DAEMON_TEST_AGENT" // ready | fail | exit | hang (stage 2)
	agentLogEnv    = "ALARMD_DAEMON_TEST_LOG"
	lockerPathEnv  = "ALARMD_DAEMON_TEST_PIDFILE"
	helperLifetime = 60 * time.Second
)

func TestMain(m *testing.M) {
	switch CurrentStage() {
	case Stage1:
		RunStage1()
	case Stage2:
		os.Exit(runTestAgent())
	}
	switch os.Getenv(helperRoleEnv) {
	case "":
		os.Exit(m.Run())
	case "sleeper":
		waitForSignal(helperLifetime)
		os.Exit(0)
	case "locker":
		os.Exit(runLocker())
	default:
		fmt.Fprintln(os.Stderr, "unknown helper role")
		os.Exit(2)
	}
}

// runTestAgent is stage 2 in tests. What it prints goes to the log file after Detach, which is
// how it tells the test its PID, its child's PID and its readiness pipe.
func runTestAgent() int {
	ready := Stage2Readiness()
	if err := Detach(os.Getenv(agentLogEnv)); err != nil {
		ready.Fail(err)
		return 1
	}
	fmt.Printf("stage2 pid=%d\n", os.Getpid())
	fmt.Fprintln(os.Stderr, "stage2 stderr line")
	switch os.Getenv(agentModeEnv) {
	case "ready":
		if pipe, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", readyFD)); err == nil {
			fmt.Printf("stage2 pipe=%s\n", pipe)
		}
		child := exec.Command(mustExecutable())
		child.Env = append(os.Environ(), helperRoleEnv+"=sleeper")
		if err := child.Start(); err != nil {
			ready.Fail(fmt.Errorf("start child: %w", err))
			return 1
		}
		fmt.Printf("child pid=%d\n", child.Process.Pid)
		if err := ready.Ready(os.Getpid()); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
		waitForSignal(helperLifetime)
		return 0
	case "fail":
		ready.Fail(errors.New("cannot open socket: boom\nsecond line"))
		return 1
	case "exit":
		fmt.Fprintln(os.Stderr, "fatal: config is broken")
		return 1
	case "hang":
		waitForSignal(5 * time.Second)
		return 0
	default:
		ready.Fail(errors.New("unknown test agent mode"))
		return 2
	}
}

// runLocker takes the pidfile, says "locked" on stdout, and holds it until killed.
func runLocker() int {
	l, err := AcquireLock(os.Getenv(lockerPathEnv))
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	defer l.Release()
	fmt.Println("locked")
	waitForSignal(helperLifetime)
	return 0
}

func waitForSignal(max time.Duration) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	select {
	case <-sig:
	case <-time.After(max):
	}
}

func mustExecutable() string {
	exe, err := os.Executable()
	if err != nil {
		panic(err) // test helper only: without its own path the helper cannot work at all
	}
	return exe
}

// killProcess ends a helper the test started indirectly (not our child, so no Wait).
func killProcess(t *testing.T, pid int) {
	t.Helper()
	if pid <= 0 {
		return
	}
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Signal(syscall.SIGKILL)
	}
}
