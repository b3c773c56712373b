// Platforms other than Linux and macOS (Windows, the BSDs): no background start; `alarmd run`.
//go:build !linux && !darwin

package daemon

import (
	"errors"
	"os"
	"runtime"
	"time"
)

// errNoDaemon explains what to do instead on systems without setsid/dup2 (Windows).
var errNoDaemon = errors.New("background start is not supported on " + runtime.GOOS +
	"; use `alarmd run` under the Task Scheduler")

// Start is `alarmd start` in the caller. There is no session/terminal model to detach from
// here, so it refuses and points at `alarmd run`.
func Start(args []string, env []string, timeout time.Duration, logFile string) (int, error) {
	return 0, errNoDaemon
}

// RunStage1 is stage 1; it cannot happen here since Start never starts one, but if the marker
// is set by hand it reports the error on the pipe and exits 1.
func RunStage1() {
	captureMarkers()
	if markers.fd >= 0 {
		pipe := os.NewFile(uintptr(markers.fd), "readiness pipe")
		_, _ = pipe.WriteString("err " + errNoDaemon.Error() + "\n")
	}
	os.Exit(1)
}

// Detach is stage 2's detaching; unsupported here, see Start.
func Detach(logFile string) error {
	return errNoDaemon
}

// setCloseOnExec is a no-op: Windows handles are not inherited unless asked for.
func setCloseOnExec(fd int) {}
