//go:build e2e

// End-to-end tests: the real alarmd binary in a private headless desktop session (a private
// session bus, dunst as the notification daemon, ALSA's default device written to a file), each
// test with its own XDG directories. The ringing tests give the agent a PulseAudio of their own
// (pulse_e2e_test.go), so the sound takes a desktop's path and is measured from what the sink
// plays; the latency bench and the fault tests keep the session's ALSA file sink. Run with
// `make e2e` (or `go test -tags e2e ./cmd/alarmd`).
package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// binary is the alarmd built for this run.
var binary string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "alarmd-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	binary = filepath.Join(tmp, "alarmd")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: build:", err)
		return 1
	}
	desk, err := currentDesktop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 2
	}
	if os.Getenv("HEADLESS_DIR") == "" {
		// A desktop that cannot start fails the run with the script's reason: in CI a missing
		// package must not turn into tests that silently skip (DESIGN §17).
		stop, err := startSession(desk, filepath.Join(tmp, "session"))
		if err != nil {
			fmt.Fprintf(os.Stderr, "e2e: desktop %s: %v\n", desk.name, err)
			return 1
		}
		defer stop()
	}
	fmt.Fprintf(os.Stderr, "e2e: desktop %s (tray host %s, notifications %s)\n", desk.name, desk.tray, desk.notify)
	return m.Run()
}

// startSession starts the desktop's session script (scripts/headless-session.sh for X11,
// scripts/headless-wayland.sh for Wayland) in dir and exports its variables into this process.
func startSession(desk desktopSpec, dir string) (func(), error) {
	_, file, _, _ := runtime.Caller(0)
	name := "headless-session.sh"
	if desk.wayland {
		name = "headless-wayland.sh"
		// sway runs as nobody when the tests run as root: dir and its parents must be
		// reachable by that user (the temp dir of the run is 0700).
		dir = filepath.Join(os.TempDir(), fmt.Sprintf("alarmd-e2e-wayland-%d", os.Getpid()))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		os.Chmod(dir, 0o755)
	}
	script := filepath.Join(filepath.Dir(file), "..", "..", "scripts", name)
	cmd := exec.Command("bash", script, "start", dir)
	cmd.Stderr = os.Stderr
	cmd.Env = append(os.Environ(), "HEADLESS_TRAY="+envOr("HEADLESS_TRAY", desk.tray), "HEADLESS_NOTIFY="+desk.notify)
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s start: %w", script, err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		os.Setenv(k, strings.Trim(v, "'"))
	}
	if w := os.Getenv("WAYLAND_DISPLAY"); w != "" && !filepath.IsAbs(w) {
		// Each agent has an XDG_RUNTIME_DIR of its own; the compositor's socket is named by
		// its absolute path, which libwayland accepts.
		os.Setenv("WAYLAND_DISPLAY", filepath.Join(os.Getenv("XDG_RUNTIME_DIR"), w))
	}
	return func() {
		stop := exec.Command("bash", script, "stop", dir)
		stop.Stderr = os.Stderr
		_ = stop.Run()
		if desk.wayland {
			os.RemoveAll(dir)
		}
	}, nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// agentEnv is one test's isolated environment.
type agentEnv struct {
	t    *testing.T
	env  []string
	dirs map[string]string
}

func newAgentEnv(t *testing.T) *agentEnv {
	t.Helper()
	root := t.TempDir()
	a := &agentEnv{t: t, dirs: map[string]string{}}
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "XDG_") || strings.HasPrefix(kv, "ALARMD_") || strings.HasPrefix(kv, "NOTIFY_SOCKET=") || strings.HasPrefix(kv, "TZ=") {
			continue
		}
		env = append(env, kv)
	}
	for _, k := range []string{"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR"} {
		d := filepath.Join(root, strings.ToLower(strings.TrimPrefix(k, "XDG_")))
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		a.dirs[k] = d
		env = append(env, k+"="+d)
	}
	// This "login" was told already how to reach the alarms without a tray host (DESIGN §14);
	// otherwise every agent would show one more notification. TestNoTrayHint removes it.
	hinted := filepath.Join(a.dirs["XDG_RUNTIME_DIR"], "alarmd", "no-tray-hint-shown")
	if err := os.MkdirAll(filepath.Dir(hinted), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hinted, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	a.env = env
	t.Cleanup(a.cleanup)
	return a
}

// cleanup stops any agent this test left behind, so no process outlives the test.
func (a *agentEnv) cleanup() {
	if pid := a.pid(); pid > 0 && alive(pid) {
		_ = syscallKill(pid)
	}
}

func (a *agentEnv) pidFile() string {
	return filepath.Join(a.dirs["XDG_RUNTIME_DIR"], "alarmd", "alarmd.pid")
}

func (a *agentEnv) socket() string {
	return filepath.Join(a.dirs["XDG_RUNTIME_DIR"], "alarmd", "alarmd.sock")
}

func (a *agentEnv) pid() int {
	b, err := os.ReadFile(a.pidFile())
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// result of one alarmd run.
type result struct {
	code           int
	stdout, stderr string
	took           time.Duration
}

func (a *agentEnv) run(args ...string) result {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = a.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String(), took: time.Since(start)}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			r.code = ee.ExitCode()
		} else {
			a.t.Fatalf("alarmd %v: %v", args, err)
		}
	}
	return r
}

// must runs alarmd and fails the test unless it exits 0.
func (a *agentEnv) must(args ...string) string {
	a.t.Helper()
	r := a.run(args...)
	if r.code != 0 {
		a.t.Fatalf("alarmd %s: exit %d\nstdout: %s\nstderr: %s\nlog:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr, a.log())
	}
	return r.stdout
}

func (a *agentEnv) log() string {
	b, _ := os.ReadFile(filepath.Join(a.dirs["XDG_STATE_HOME"], "alarmd", "alarmd.log"))
	return string(b)
}

// notifyWatch records every Notify call on the session bus, as a bus monitor.
type notifyWatch struct {
	mu    sync.Mutex
	calls []notifyCall
	conn  *dbus.Conn
}

type notifyCall struct {
	at            time.Time
	app           string
	replaces      uint32
	summary, body string
	actions       []string
	hints         map[string]dbus.Variant
	expire        int32
}

func watchNotify(t *testing.T) *notifyWatch {
	t.Helper()
	conn, err := dbus.Connect(os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	if err != nil {
		t.Fatalf("monitor connect: %v", err)
	}
	ch := becomeMonitor(t, conn, 64, "type='method_call',interface='org.freedesktop.Notifications',member='Notify'")
	w := &notifyWatch{conn: conn}
	go func() {
		for msg := range ch {
			if msg.Type != dbus.TypeMethodCall || len(msg.Body) < 8 {
				continue
			}
			c := notifyCall{at: time.Now()}
			c.app, _ = msg.Body[0].(string)
			c.replaces, _ = msg.Body[1].(uint32)
			c.summary, _ = msg.Body[3].(string)
			c.body, _ = msg.Body[4].(string)
			c.actions, _ = msg.Body[5].([]string)
			c.hints, _ = msg.Body[6].(map[string]dbus.Variant)
			c.expire, _ = msg.Body[7].(int32)
			w.mu.Lock()
			w.calls = append(w.calls, c)
			w.mu.Unlock()
		}
	}()
	return w
}

// becomeMonitor turns conn into a bus monitor for rules and returns what it sees (buffered n);
// the connection is closed when the test ends. A monitor makes no calls afterwards: ask the bus
// what you need first.
func becomeMonitor(t *testing.T, conn *dbus.Conn, n int, rules ...string) <-chan *dbus.Message {
	t.Helper()
	if err := conn.BusObject().Call("org.freedesktop.DBus.Monitoring.BecomeMonitor", 0, rules, uint32(0)).Err; err != nil {
		conn.Close()
		t.Fatalf("BecomeMonitor: %v", err)
	}
	ch := make(chan *dbus.Message, n)
	conn.Eavesdrop(ch)
	t.Cleanup(func() { conn.Close() })
	return ch
}

// waitFor returns the first call whose summary contains s, waiting up to d.
func (w *notifyWatch) waitFor(s string, d time.Duration) (notifyCall, bool) {
	deadline := time.Now().Add(d)
	for {
		w.mu.Lock()
		for _, c := range w.calls {
			if strings.Contains(c.summary, s) {
				w.mu.Unlock()
				return c, true
			}
		}
		w.mu.Unlock()
		if time.Now().After(deadline) {
			return notifyCall{}, false
		}
		time.Sleep(5 * time.Millisecond)
	}
}
