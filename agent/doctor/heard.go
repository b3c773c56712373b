package doctor

import (
	"context"
	"fmt"
	"time"

	"alarmd/agent/dnd"
	"alarmd/agent/soundserver"
)

// Check names of DESIGN §16.
const (
	checkOutput = "sound output"
	checkDND    = "do not disturb"
)

// outputCheck reports the default sound output: a muted or nearly silent output is a warning,
// no sound server (plain ALSA) is reported as unchecked.
func outputCheck(ctx context.Context, read func() soundserver.State, timeout time.Duration) Result {
	st, ok := bounded(ctx, timeout, read)
	switch {
	case !ok:
		return Result{Warn, checkOutput, fmt.Sprintf("the sound server did not answer within %v", timeout)}
	case !st.Checked:
		return Result{OK, checkOutput, "the volume cannot be checked: " + st.Reason}
	case st.Silent():
		return Result{Warn, checkOutput, fmt.Sprintf("%s is %s: alarms will only be shown, not heard; unmute it, or set [audio] unmute = true", st.Sink, st.Describe())}
	}
	return Result{OK, checkOutput, fmt.Sprintf("%s %s, not muted", st.Sink, st.Describe())}
}

// dndCheck reports whether the notification server holds notifications back.
func dndCheck(ctx context.Context, haveBus bool, read func() (dnd.State, bool), timeout time.Duration) Result {
	if !haveBus {
		return Result{Warn, checkDND, "cannot be checked without a session bus"}
	}
	type answer struct {
		st dnd.State
		ok bool
	}
	a, ok := bounded(ctx, timeout, func() answer { st, ok := read(); return answer{st, ok} })
	switch {
	case !ok:
		return Result{Warn, checkDND, fmt.Sprintf("the notification server did not answer within %v", timeout)}
	case !a.ok:
		return Result{Warn, checkDND, "cannot be checked: the session bus does not answer"}
	case a.st.Server == "":
		return Result{OK, checkDND, "no notification server to ask"}
	case a.st.Held:
		return Result{Warn, checkDND, a.st.Describe() + "; alarms still ring with sound"}
	}
	return Result{OK, checkDND, "off (" + a.st.Server + " shows notifications)"}
}

// bounded runs f on a goroutine of its own and gives up after timeout; the goroutine ends with
// the call, which is bounded itself.
func bounded[T any](ctx context.Context, timeout time.Duration, f func() T) (T, bool) {
	ch := make(chan T, 1)
	go func() { ch <- f() }()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case v := <-ch:
		return v, true
	case <-t.C:
	case <-ctx.Done():
	}
	var zero T
	return zero, false
}
