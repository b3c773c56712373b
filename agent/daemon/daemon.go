// Package daemon turns `alarmd start` into a detached background agent and keeps the agent a
// single instance (DESIGN §6).
//
// Go cannot fork, so the classic double fork is done with two re-executions of the binary:
//
//   - the caller (`alarmd start`) runs [Start], which re-executes the binary as stage 1 in a new
//     session with a readiness pipe on fd 3;
//   - stage 1 runs [RunStage1], which re-executes the binary as stage 2 in the same session and
//     exits, so stage 2 is re-parented and, not being a session leader, can never acquire a
//     controlling terminal;
//   - stage 2 is the agent: it calls [Detach], takes the pidfile with [AcquireLock], starts up
//     and reports through [Readiness] on the pipe; the caller prints the outcome.
//
// The stage is carried in environment markers that [CurrentStage] consumes at once, so they
// never reach processes the agent starts. The same package also speaks sd_notify for
// `alarmd run` under systemd ([NotifyReady], [NotifyStopping]).
package daemon

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"alarmd/agent/internal/oneline"
)

const (
	// stageEnv marks a re-executed process as stage 1 or 2.
	stageEnv = "ALARMD_DAEMON_STAGE"
	// readyFDEnv names the inherited descriptor of the readiness pipe's write end.
	readyFDEnv = "ALARMD_DAEMON_READY_FD"
	// readyFD is where exec.Cmd.ExtraFiles[0] lands in the child.
	readyFD = 3
	// maxReadinessLine bounds what the caller reads from the pipe, so a confused child cannot
	// make it buffer without limit.
	maxReadinessLine = 64 << 10
	// maxFailMessage keeps an "err" line well under PIPE_BUF (4096), so the write is atomic.
	maxFailMessage = 1024
)

// Stage says which process of the daemonizing dance this one is.
type Stage int

const (
	// Caller is an ordinary invocation (`alarmd start`, `alarmd run`, any CLI command).
	Caller Stage = iota
	// Stage1 is the intermediate session leader that only starts stage 2 and exits.
	Stage1
	// Stage2 is the detached agent.
	Stage2
)

// String returns the stage's name for logs.
func (s Stage) String() string {
	switch s {
	case Caller:
		return "caller"
	case Stage1:
		return "stage 1"
	case Stage2:
		return "stage 2"
	default:
		return "stage(" + strconv.Itoa(int(s)) + ")"
	}
}

// markers holds what captureMarkers took out of the environment. It is read once per process,
// because the variables are removed as they are read.
var markers struct {
	once  sync.Once
	stage Stage
	fd    int // readiness pipe write end; -1 when none was passed

	readinessOnce sync.Once
	readiness     *Readiness
}

// captureMarkers reads the stage markers and removes them from the environment, so that no
// process the agent later starts (dialogs, systemctl, …) believes it is a daemon stage.
func captureMarkers() {
	markers.once.Do(func() {
		stage := os.Getenv(stageEnv)
		fdText := os.Getenv(readyFDEnv)
		// Unsetenv only fails for invalid names; these are constants.
		_ = os.Unsetenv(stageEnv)
		_ = os.Unsetenv(readyFDEnv)

		switch stage {
		case "1":
			markers.stage = Stage1
		case "2":
			markers.stage = Stage2
		default:
			markers.stage = Caller
		}
		markers.fd = -1
		if fd, err := strconv.Atoi(fdText); err == nil && fd >= readyFD && markers.stage != Caller {
			markers.fd = fd
		}
	})
}

// CurrentStage reports which stage this process is, from the marker environment variable, and
// removes the marker and the pipe descriptor variable from the environment at once, so they
// never leak into processes the agent starts. Call it first thing in main; later calls return
// the same answer.
func CurrentStage() Stage {
	captureMarkers()
	return markers.stage
}

// stageEnviron returns env without any stage markers, plus the markers for stage. withPipe
// says whether the readiness pipe is passed as fd 3.
func stageEnviron(env []string, stage Stage, withPipe bool) []string {
	out := make([]string, 0, len(env)+2)
	for _, kv := range env {
		if strings.HasPrefix(kv, stageEnv+"=") || strings.HasPrefix(kv, readyFDEnv+"=") {
			continue
		}
		out = append(out, kv)
	}
	out = append(out, stageEnv+"="+strconv.Itoa(int(stage)))
	if withPipe {
		out = append(out, readyFDEnv+"="+strconv.Itoa(readyFD))
	}
	return out
}

// Readiness is stage 2's end of the readiness pipe. A nil *Readiness (foreground `alarmd run`,
// or a stage 2 started without a pipe) accepts every call and does nothing.
type Readiness struct {
	mu   sync.Mutex
	pipe *os.File // nil once the outcome was reported
}

// errAlreadyReported is returned when Ready is called after the outcome was already sent.
var errAlreadyReported = errors.New("readiness already reported")

// Stage2Readiness returns the readiness pipe inherited from stage 1, or nil when this process
// is not stage 2 or was given no pipe. Every call returns the same value.
func Stage2Readiness() *Readiness {
	captureMarkers()
	if markers.stage != Stage2 || markers.fd < 0 {
		return nil
	}
	markers.readinessOnce.Do(func() {
		// The inherited descriptor is not close-on-exec; mark it so a helper the agent starts
		// before it reports cannot keep the caller waiting for EOF after the agent dies.
		setCloseOnExec(markers.fd)
		markers.readiness = &Readiness{pipe: os.NewFile(uintptr(markers.fd), "readiness pipe")}
	})
	return markers.readiness
}

// Ready tells the caller that the agent is up with the given PID, and closes the pipe. An error
// (for example EPIPE because the caller gave up waiting) is worth a log line, not an exit: the
// agent is running either way.
func (r *Readiness) Ready(pid int) error {
	if r == nil {
		return nil
	}
	return r.report("ok " + strconv.Itoa(pid))
}

// Fail tells the caller why the agent could not start, as one line, and closes the pipe. It
// does nothing if the outcome was already reported.
func (r *Readiness) Fail(err error) {
	if r == nil {
		return
	}
	msg := "unknown error"
	if err != nil {
		msg = failLine(err.Error())
	}
	// The caller has nobody else to tell if this write fails, so its error is dropped.
	_ = r.report("err " + msg)
}

func (r *Readiness) report(line string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pipe == nil {
		return errAlreadyReported
	}
	_, werr := io.WriteString(r.pipe, line+"\n")
	cerr := r.pipe.Close()
	r.pipe = nil
	if werr != nil {
		return fmt.Errorf("report readiness: %w", werr)
	}
	if cerr != nil {
		return fmt.Errorf("report readiness: close pipe: %w", cerr)
	}
	return nil
}

// failLine is msg as the one bounded line the pipe protocol carries after "err ".
func failLine(msg string) string {
	msg = oneline.Of(msg)
	if len(msg) > maxFailMessage {
		msg = msg[:maxFailMessage] + "…"
	}
	if msg == "" {
		msg = "unknown error"
	}
	return msg
}

// awaitReadiness reads the one-line outcome from the readiness pipe until deadline.
// logFile/logOffset locate the agent's log output written since the start, for the message
// shown when the agent exits without a word.
func awaitReadiness(pipe *os.File, deadline time.Time, timeout time.Duration, logFile string, logOffset int64) (int, error) {
	if err := pipe.SetReadDeadline(deadline); err != nil {
		return 0, fmt.Errorf("wait for agent: %w", err)
	}
	line, err := bufio.NewReader(io.LimitReader(pipe, maxReadinessLine)).ReadString('\n')
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return 0, fmt.Errorf("agent did not report ready within %v", timeout)
	case err != nil && line == "":
		if errors.Is(err, io.EOF) {
			return 0, exitedError(logFile, logOffset)
		}
		return 0, fmt.Errorf("wait for agent: %w", err)
	}
	return parseReadiness(strings.TrimSuffix(line, "\n"))
}

// parseReadiness decodes "ok <pid>" or "err <message>".
func parseReadiness(line string) (int, error) {
	if rest, ok := strings.CutPrefix(line, "ok "); ok {
		pid, err := strconv.Atoi(strings.TrimSpace(rest))
		if err != nil || pid <= 0 {
			return 0, fmt.Errorf("agent sent a bad readiness line %q", line)
		}
		return pid, nil
	}
	if msg, ok := strings.CutPrefix(line, "err "); ok {
		return 0, errors.New(msg)
	}
	return 0, fmt.Errorf("agent sent a bad readiness line %q", line)
}

// exitedError is the message for an agent that closed the pipe without reporting: it adds the
// last lines the agent logged since the start began, which usually say why.
func exitedError(logFile string, offset int64) error {
	const msg = "agent exited during start-up"
	tail := logTail(logFile, offset, 3)
	if len(tail) == 0 {
		if logFile != "" {
			return fmt.Errorf("%s (see %s)", msg, logFile)
		}
		return errors.New(msg)
	}
	return fmt.Errorf("%s; last log lines: %s", msg, strings.Join(tail, " | "))
}

// logSize is the log file's size now, so that only lines written after it count as this
// start's output. A missing file counts as empty.
func logSize(logFile string) int64 {
	if logFile == "" {
		return 0
	}
	info, err := os.Stat(logFile)
	if err != nil {
		return 0
	}
	return info.Size()
}

// logTail returns up to n last non-empty lines written to logFile at or after offset. It reads
// at most the last 8 KiB. If the file shrank (rotation), it reads from the start.
func logTail(logFile string, offset int64, n int) []string {
	const maxTail = 8 << 10
	if logFile == "" {
		return nil
	}
	f, err := os.Open(logFile)
	if err != nil {
		return nil
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil
	}
	size := info.Size()
	if offset > size {
		offset = 0
	}
	if size-offset > maxTail {
		offset = size - maxTail
	}
	buf := make([]byte, size-offset)
	if _, err := f.ReadAt(buf, offset); err != nil && !errors.Is(err, io.EOF) {
		return nil
	}
	var lines []string
	for _, l := range strings.Split(string(buf), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}
