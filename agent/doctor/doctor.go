// Package doctor is `alarmd doctor` (DESIGN §10): it looks at everything alarmd depends on —
// the session bus, the notification server, the tray host, the audio device, the dialog
// program, the autostart entry, the running agent and its lock, the alarms file and the time
// zone — and says for each whether it is ok, worth a warning, or a failure.
//
// Every check is a small function that takes what it inspects as arguments, so tests can run
// each one against a session that has the thing and one that lacks it. Doctor only reads: it
// never writes, renames or locks anything the agent owns.
package doctor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"alarmd/agent/api"
	"alarmd/agent/autostart"
	"alarmd/agent/dnd"
	"alarmd/agent/paths"
	"alarmd/agent/soundserver"
	"alarmd/agent/store"
)

// Level is a check's verdict.
type Level string

// Verdicts: ok, warn (alarmd works, something is missing or odd), fail (alarms may not ring
// or show). Any fail makes `alarmd doctor` exit 1.
const (
	OK   Level = "ok"
	Warn Level = "warn"
	Fail Level = "fail"
)

// Result is one line of the report.
type Result struct {
	Level  Level  `json:"level"`
	Check  string `json:"check"`
	Detail string `json:"detail"`
}

// Report is every check's result, in the order they ran.
type Report []Result

// Failed reports whether any check failed.
func (r Report) Failed() bool {
	return slices.ContainsFunc(r, func(x Result) bool { return x.Level == Fail })
}

// Write prints the report as `ok|warn|fail  <check>: <detail>` lines.
func (r Report) Write(w io.Writer) error {
	for _, x := range r {
		if _, err := fmt.Fprintf(w, "%-4s  %s: %s\n", x.Level, x.Check, x.Detail); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	return nil
}

// WriteJSON prints the report as {"ok": bool, "checks": [...]}.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(struct {
		OK     bool     `json:"ok"`
		Checks []Result `json:"checks"`
	}{!r.Failed(), r}); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// Check names, as printed.
const (
	checkBus       = "session bus"
	checkNotify    = "notifications"
	checkTray      = "tray host"
	checkAudio     = "audio"
	checkDialog    = "dialog program"
	checkAutostart = "autostart"
	checkAgent     = "agent"
	checkAlarms    = "alarms file"
	checkZone      = "time zone"
)

// NotificationServer is the part of alarmd/agent/notifier's Notifier that doctor uses.
type NotificationServer interface {
	Connect() error
	ServerInfo() (name, vendor, version, spec string, err error)
	Capabilities() []string
	Close() error
}

// Deps is everything the checks look at. Defaults fills it for the real session; tests
// replace single fields.
type Deps struct {
	Paths paths.Paths
	// LookupEnv reads the environment (DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR, TZ).
	LookupEnv func(string) (string, bool)
	// LookPath finds a program on PATH.
	LookPath func(string) (string, error)
	// Notifier returns a fresh notification client on its own bus connection.
	Notifier func() NotificationServer
	// AudioProbe opens the audio device and plays a moment of silence; it must return
	// within its context's deadline.
	AudioProbe func(ctx context.Context) error
	// Autostart reads the autostart entries and names this binary.
	Autostart func(ctx context.Context) (autostart.Status, error)
	// AgentPID returns the pid holding the pidfile lock, 0 when none.
	AgentPID func(pidfile string) (int, error)
	// AgentStatus asks the running agent for its status over the socket.
	AgentStatus func(ctx context.Context, socket string) (api.Status, error)
	// Zone returns the zone alarmd computes ring times in.
	Zone func() (*time.Location, error)
	// Output reads the default sound output (DESIGN §16).
	Output func() soundserver.State
	// DND reads the notification server's Do Not Disturb mode; ok is false without a bus.
	DND func() (st dnd.State, ok bool)
	// Timeout bounds each check that talks to another process (bus, agent, audio).
	Timeout time.Duration
}

// defaultTimeout bounds each check that waits for another process: long enough for a busy
// bus or a slow ALSA open, short enough that doctor on a wedged session still finishes.
const defaultTimeout = 5 * time.Second

// Run runs every check and returns the report.
func Run(ctx context.Context, d Deps) Report {
	if d.Timeout <= 0 {
		d.Timeout = defaultTimeout
	}
	var r Report
	bus, res := sessionBusCheck(ctx, d.LookupEnv, d.Timeout)
	r = append(r, res)
	if bus != nil {
		defer bus.Close()
	}
	r = append(r, notificationsCheck(bus != nil, d.Notifier)...)
	if d.DND != nil {
		r = append(r, dndCheck(ctx, bus != nil, d.DND, d.Timeout))
	}
	r = append(r, trayCheck(ctx, bus, d.Timeout))

	agentPID, agentSt, agentRes := agentCheck(ctx, d.Paths, d.AgentPID, d.AgentStatus, d.Timeout)
	r = append(r, audioCheck(ctx, agentPID, agentSt, d.AudioProbe))
	if d.Output != nil {
		r = append(r, outputCheck(ctx, d.Output, d.Timeout))
	}
	r = append(r, dialogCheck(d.LookPath, d.LookupEnv))
	r = append(r, autostartCheck(ctx, d.Autostart)...)
	r = append(r, agentRes...)
	r = append(r, alarmsCheck(d.Paths.AlarmsFile))
	r = append(r, zoneCheck(d.Zone, d.LookupEnv))
	r = append(r, wakeCheck(agentSt, wakeReport(d.Paths.StateDir)))
	return r
}

// agentCheck reports whether an agent holds the pidfile lock and answers on the socket. It
// returns the agent's pid and status (pid 0 when none runs, status nil when it did not
// answer) for the checks that prefer the agent's own view.
func agentCheck(ctx context.Context, p paths.Paths, holder func(string) (int, error),
	status func(context.Context, string) (api.Status, error), timeout time.Duration) (int, *api.Status, []Result) {
	pid, err := holder(p.PidFile)
	if err != nil {
		return 0, nil, []Result{{Fail, checkAgent, fmt.Sprintf("lock %s: %v", p.PidFile, err)}}
	}
	if pid == 0 {
		return 0, nil, []Result{{Warn, checkAgent, "not running (no process holds " + p.PidFile + "); start it with: alarmd start"}}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	st, err := status(ctx, p.SocketFile)
	if err != nil {
		return pid, nil, []Result{{Fail, checkAgent, fmt.Sprintf("pid %d holds the lock on %s but does not answer on %s: %v", pid, p.PidFile, p.SocketFile, err)}}
	}
	out := []Result{{OK, checkAgent, fmt.Sprintf("running (pid %d, version %s, up %s); it holds the lock on %s", st.PID, st.Version, st.Uptime, p.PidFile)}}
	for _, w := range st.Warnings {
		out = append(out, Result{Warn, checkAgent, w})
	}
	if st.ReadOnly {
		out = append(out, Result{Warn, checkAgent, "the alarms file is from a newer alarmd; the agent runs read-only"})
	}
	return pid, &st, out
}

// alarmsCheck reads and decodes the alarms file without changing it: the agent's own
// loader would move a corrupt file aside, which is not doctor's to do.
func alarmsCheck(path string) Result {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return Result{OK, checkAlarms, path + " does not exist yet (no alarms saved)"}
	}
	if err != nil {
		return Result{Fail, checkAlarms, fmt.Sprintf("cannot read %s: %v", path, err)}
	}
	var d store.Data
	if err := json.Unmarshal(data, &d); err != nil {
		var head struct {
			Version int `json:"version"`
		}
		if json.Unmarshal(data, &head) == nil && head.Version > store.Version {
			return Result{Warn, checkAlarms, fmt.Sprintf("%s is format version %d, newer than this alarmd (%d): the agent runs read-only", path, head.Version, store.Version)}
		}
		return Result{Fail, checkAlarms, fmt.Sprintf("%s does not parse (%v); the agent will move it aside and start empty", path, err)}
	}
	switch {
	case d.Version > store.Version:
		return Result{Warn, checkAlarms, fmt.Sprintf("%s is format version %d, newer than this alarmd (%d): the agent runs read-only", path, d.Version, store.Version)}
	case d.Version < 1:
		return Result{Fail, checkAlarms, fmt.Sprintf("%s has no valid format version; the agent will move it aside and start empty", path)}
	}
	on := 0
	for _, a := range d.Alarms {
		if a.Enabled {
			on++
		}
	}
	return Result{OK, checkAlarms, fmt.Sprintf("%s: %d alarm(s), %d enabled", path, len(d.Alarms), on)}
}

// zoneCheck names the zone alarms ring in and whether $TZ overrides the system's.
func zoneCheck(zone func() (*time.Location, error), lookupEnv func(string) (string, bool)) Result {
	loc, err := zone()
	if err != nil {
		return Result{Fail, checkZone, fmt.Sprintf("cannot determine the local zone: %v", err)}
	}
	tz, set := lookupEnv("TZ")
	if !set {
		return Result{OK, checkZone, loc.String() + " (system zone)"}
	}
	name := tz
	if len(name) > 0 && name[0] == ':' {
		name = name[1:]
	}
	if name != "" && name != "UTC" {
		if _, err := time.LoadLocation(name); err != nil && !isAbs(name) {
			return Result{Warn, checkZone, fmt.Sprintf("$TZ=%q is not a known zone (%v); alarms ring in %s", tz, err, loc)}
		}
	}
	return Result{OK, checkZone, fmt.Sprintf("%s ($TZ=%q overrides the system zone)", loc, tz)}
}

func isAbs(p string) bool { return len(p) > 0 && p[0] == '/' }
