package soundserver

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// startPulse runs the project's private PulseAudio (scripts/headless-pulse.sh) for one test and
// points this process's PULSE_* variables at it.
func startPulse(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"pulseaudio", "pactl", "parec"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (make test installs it)", tool)
		}
	}
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "scripts", "headless-pulse.sh")
	dir, err := os.MkdirTemp("", "alarmd-pulse-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", script, "start", dir)
	cmd.Env = append(os.Environ(), "HEADLESS_NO_DEPS=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s start: %v", script, err)
	}
	t.Cleanup(func() {
		_ = exec.Command("bash", script, "stop", dir).Run()
		os.RemoveAll(dir)
	})
	for _, line := range strings.Split(string(out), "\n") {
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if ok && strings.HasPrefix(k, "PULSE_") {
			t.Setenv(k, v)
		}
	}
}

func pactl(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("pactl", args...).CombinedOutput(); err != nil {
		t.Fatalf("pactl %v: %v: %s", args, err, out)
	}
}

// waitState waits for a change notice on ch until the state satisfies ok.
func waitState(t *testing.T, m *Monitor, ch <-chan struct{}, what string, ok func(State) bool) time.Duration {
	t.Helper()
	start := time.Now()
	timeout := time.After(3 * time.Second)
	for !ok(m.State()) {
		select {
		case <-ch:
		case <-timeout:
			t.Fatalf("state never became %s: %+v", what, m.State())
		}
	}
	return time.Since(start)
}

// TestMonitorFollowsTheRealServer: the state is read at connect and follows pactl's changes
// through the subscription, each within a fraction of a second.
func TestMonitorFollowsTheRealServer(t *testing.T) {
	startPulse(t)
	m := Open(nil)
	defer m.Close()
	ch := m.Subscribe()
	st := m.State()
	if !st.Checked || st.Sink != "alarm_out" || st.Muted || st.Volume != 100 || st.Silent() {
		t.Fatalf("initial state %+v", st)
	}
	pactl(t, "set-sink-mute", "@DEFAULT_SINK@", "1")
	d := waitState(t, m, ch, "muted", func(s State) bool { return s.Muted })
	t.Logf("mute -> noticed in %v", d)
	if m.State().Describe() != "muted" || !m.State().Silent() {
		t.Errorf("muted state %+v", m.State())
	}
	pactl(t, "set-sink-mute", "@DEFAULT_SINK@", "0")
	pactl(t, "set-sink-volume", "@DEFAULT_SINK@", "4%")
	waitState(t, m, ch, "at 4 %", func(s State) bool { return !s.Muted && s.Volume == 4 })
	if got := m.State().Describe(); got != "at 4 %" || !m.State().Silent() {
		t.Errorf("low state %q silent=%v", got, m.State().Silent())
	}
	pactl(t, "set-sink-volume", "@DEFAULT_SINK@", "65%")
	waitState(t, m, ch, "at 65 %", func(s State) bool { return s.Volume == 65 && !s.Silent() })
}

// TestUnmuterOnTheRealServer: muted at 20 %, the unmuter raises the sink to 50 % while ringing
// and puts back muted at 20 % after.
func TestUnmuterOnTheRealServer(t *testing.T) {
	startPulse(t)
	m := Open(nil)
	defer m.Close()
	pactl(t, "set-sink-volume", "@DEFAULT_SINK@", "20%")
	pactl(t, "set-sink-mute", "@DEFAULT_SINK@", "1")
	before, err := m.Now()
	if err != nil {
		t.Fatal(err)
	}
	u := NewUnmuter(m, filepath.Join(t.TempDir(), "unmute.json"), 50, nil)
	u.Ringing(true)
	during, _ := m.Now()
	if during.Muted || during.Volume != 50 {
		t.Errorf("while ringing: %+v", during)
	}
	u.Ringing(false)
	after, _ := m.Now()
	if !after.Muted || !slices.Equal(after.Volumes, before.Volumes) {
		t.Errorf("after: %+v, want %+v", after, before)
	}
}

// TestMonitorWithoutServer: no server means a reason, not an error, and Refresh finds one that
// starts later.
func TestMonitorWithoutServer(t *testing.T) {
	t.Setenv("PULSE_SERVER", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	m := Open(nil)
	defer m.Close()
	st := m.State()
	if st.Checked || !strings.Contains(st.Reason, "cannot be checked") || st.Silent() {
		t.Errorf("state without a server: %+v", st)
	}
	if _, err := m.Now(); err == nil {
		t.Errorf("Now without a server: no error")
	}
}
