//go:build linux || darwin

package daemon

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Start is `alarmd start` in the caller. It re-executes os.Executable() with args (the
// arguments after the program name; argv[0] is kept) as stage 1 in a new session, working
// directory "/", standard streams on /dev/null, env (nil: this process's environment) plus the
// stage markers, and the write end of a readiness pipe as fd 3. It then waits up to timeout
// for the agent's report and returns the agent's PID, the agent's own error message, or an
// error saying it exited or did not answer in time. logFile, when not empty, is the agent's
// log: lines it wrote during this start are quoted when the agent exits without a report.
//
// On timeout the agent is left alone: it may still become ready, and the caller does not know
// its PID.
func Start(args []string, env []string, timeout time.Duration, logFile string) (int, error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, fmt.Errorf("start agent: find own executable: %w", err)
	}
	if env == nil {
		env = os.Environ()
	}
	// Stray descriptors inherited from the shell (bash keeps fd 255, some keep 251) would
	// otherwise live as long as the agent.
	if err := markInheritedFDsCloseOnExec(); err != nil {
		return 0, fmt.Errorf("start agent: %w", err)
	}
	logOffset := logSize(logFile)

	readEnd, writeEnd, err := os.Pipe()
	if err != nil {
		return 0, fmt.Errorf("start agent: readiness pipe: %w", err)
	}
	defer readEnd.Close()

	deadline := time.Now().Add(timeout)
	stage1 := &exec.Cmd{
		Path:        exe,
		Args:        append([]string{os.Args[0]}, args...),
		Env:         stageEnviron(env, Stage1, true),
		Dir:         "/",
		ExtraFiles:  []*os.File{writeEnd},
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
		// Stdin, Stdout and Stderr left nil are connected to /dev/null.
	}
	err = stage1.Start()
	// The caller's copy of the write end must go, or EOF would never come when the agent dies.
	writeEnd.Close()
	if err != nil {
		return 0, fmt.Errorf("start agent: %w", err)
	}
	stage1Exited := make(chan struct{})
	go func() {
		// Stage 1 exits as soon as stage 2 runs; reaping it here leaves no zombie behind.
		_ = stage1.Wait()
		close(stage1Exited)
	}()

	pid, err := awaitReadiness(readEnd, deadline, timeout, logFile, logOffset)

	// Stage 1 has normally long gone; waiting for it (bounded by the same deadline) means the
	// agent is already re-parented when Start returns.
	wait := time.NewTimer(time.Until(deadline))
	defer wait.Stop()
	select {
	case <-stage1Exited:
	case <-wait.C:
	}
	return pid, err
}

// RunStage1 is stage 1: it re-executes the binary with the same arguments as stage 2, without
// a new session, so the agent is not a session leader and can never acquire a controlling
// terminal, passes the readiness pipe on as fd 3, and exits at once so the agent is
// re-parented to init or the session's subreaper. If stage 2 cannot be started it writes the
// error on the pipe and exits 1. It never returns.
func RunStage1() {
	captureMarkers()
	var pipe *os.File
	if markers.fd >= 0 {
		pipe = os.NewFile(uintptr(markers.fd), "readiness pipe")
	}
	if err := startStage2(pipe); err != nil {
		if pipe != nil {
			fmt.Fprintf(pipe, "err %s\n", failLine(err.Error()))
		}
		os.Exit(1)
	}
	os.Exit(0)
}

// startStage2 starts the agent process and does not wait for it.
func startStage2(pipe *os.File) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("start agent: find own executable: %w", err)
	}
	stage2 := &exec.Cmd{
		Path: exe,
		Args: os.Args,
		Env:  stageEnviron(os.Environ(), Stage2, pipe != nil),
		Dir:  "/",
	}
	if pipe != nil {
		stage2.ExtraFiles = []*os.File{pipe}
	}
	if err := stage2.Start(); err != nil {
		return fmt.Errorf("start agent: %w", err)
	}
	return nil
}

// Detach does the rest of stage 2's recipe: umask 077, working directory "/", stdin from
// /dev/null, and stdout/stderr (descriptors 1 and 2 themselves, not just os.Stdout) appended
// to logFile (created 0600, its directory 0700), so stray prints and Go runtime crash traces
// land in the log. An empty logFile sends them to /dev/null.
func Detach(logFile string) error {
	unix.Umask(0o077)
	if err := os.Chdir("/"); err != nil {
		return fmt.Errorf("detach: %w", err)
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		return fmt.Errorf("detach: %w", err)
	}
	defer null.Close()
	if err := dupOnto(int(null.Fd()), 0); err != nil {
		return fmt.Errorf("detach: stdin from %s: %w", os.DevNull, err)
	}

	out := null
	if logFile != "" {
		if err := os.MkdirAll(filepath.Dir(logFile), 0o700); err != nil {
			return fmt.Errorf("detach: log directory: %w", err)
		}
		log, err := os.OpenFile(logFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("detach: open log: %w", err)
		}
		defer log.Close()
		// An existing log may have been created with a looser mode by an older version.
		if err := log.Chmod(0o600); err != nil {
			return fmt.Errorf("detach: log mode: %w", err)
		}
		out = log
	}
	for _, fd := range []int{1, 2} {
		if err := dupOnto(int(out.Fd()), fd); err != nil {
			return fmt.Errorf("detach: redirect fd %d: %w", fd, err)
		}
	}
	return nil
}

// markInheritedFDsCloseOnExec sets close-on-exec on every descriptor >= 3 this process has.
// Go opens all its own files close-on-exec, so this only affects descriptors inherited from
// our parent, which must not reach the agent.
func markInheritedFDsCloseOnExec() error {
	dir, err := os.Open(inheritedFDDir)
	if err != nil {
		return fmt.Errorf("list open descriptors: %w", err)
	}
	names, err := dir.Readdirnames(-1)
	dir.Close()
	if err != nil {
		return fmt.Errorf("list open descriptors: %w", err)
	}
	for _, name := range names {
		fd, err := strconv.Atoi(name)
		if err != nil || fd < 3 {
			continue
		}
		// The directory's own descriptor is in the list but already closed; fcntl on it fails
		// harmlessly with EBADF, which CloseOnExec ignores.
		unix.CloseOnExec(fd)
	}
	return nil
}

// setCloseOnExec marks one descriptor close-on-exec.
func setCloseOnExec(fd int) {
	unix.CloseOnExec(fd)
}
