//go:build e2e

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The ringing tests hear alarmd through the path a desktop has (DESIGN §16): ALSA `default` →
// the pulse plugin → a private PulseAudio 16 per test (scripts/headless-pulse.sh) → a null sink
// whose monitor is recorded. The recording is what a listener would hear, after the sink's
// mute and volume; it grows at real time, silence included. The latency bench keeps the
// session's ALSA file sink (newAudioSink) for its figure beside this one.

// pulseServer is one test's PulseAudio.
type pulseServer struct {
	t   *testing.T
	env map[string]string // the PULSE_* and ALSA_CONFIG_PATH the script exported
	dir string
}

// startPulse starts a PulseAudio for this test and stops it when the test ends.
func startPulse(t *testing.T) *pulseServer {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "scripts", "headless-pulse.sh")
	// A short directory: the server's socket path must fit a sockaddr_un.
	dir, err := os.MkdirTemp("", "alarmd-pulse-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", script, "start", dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		os.RemoveAll(dir)
		t.Fatalf("%s start: %v", script, err)
	}
	p := &pulseServer{t: t, env: map[string]string{}, dir: dir}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "="); ok {
			p.env[k] = v
		}
	}
	t.Cleanup(func() {
		stop := exec.Command("bash", script, "stop", dir)
		stop.Stderr = os.Stderr
		_ = stop.Run()
		if !t.Failed() {
			os.RemoveAll(dir)
		} else {
			t.Logf("PulseAudio's directory is kept: %s", dir)
		}
	})
	return p
}

// usePulse points the agent (and everything it runs) at p: the pulse plugin for ALSA `default`
// and the server for the agent's own pulse-protocol client.
func (a *agentEnv) usePulse(p *pulseServer) {
	for _, k := range []string{"PULSE_SERVER", "PULSE_CLIENTCONFIG", "PULSE_COOKIE", "ALSA_CONFIG_PATH"} {
		a.setEnv(k, p.env[k])
	}
}

// pulseSink gives the agent a PulseAudio of its own and returns the recording of its output.
func (a *agentEnv) pulseSink() (*audioSink, *pulseServer) {
	a.t.Helper()
	p := startPulse(a.t)
	a.usePulse(p)
	return &audioSink{t: a.t, path: p.env["HEADLESS_PULSE_AUDIO"]}, p
}

// pactl runs pactl against p.
func (p *pulseServer) pactl(args ...string) string {
	p.t.Helper()
	cmd := exec.Command("pactl", args...)
	cmd.Env = append(os.Environ(), "PULSE_SERVER="+p.env["PULSE_SERVER"], "PULSE_CLIENTCONFIG="+p.env["PULSE_CLIENTCONFIG"], "PULSE_COOKIE="+p.env["PULSE_COOKIE"])
	out, err := cmd.CombinedOutput()
	if err != nil {
		p.t.Fatalf("pactl %v: %v: %s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// sinkState is the default sink's mute state and volume in percent, as pactl reads them.
func (p *pulseServer) sinkState() (muted bool, volume int) {
	p.t.Helper()
	muted = p.pactl("get-sink-mute", "@DEFAULT_SINK@") == "Mute: yes"
	// Volume: front-left: 13107 /  20% / -41.94 dB,   front-right: ...
	v := p.pactl("get-sink-volume", "@DEFAULT_SINK@")
	if i := strings.Index(v, "%"); i > 0 {
		f := strings.Fields(v[:i])
		volume, _ = strconv.Atoi(f[len(f)-1])
	}
	return muted, volume
}

func (p *pulseServer) String() string { return fmt.Sprintf("PulseAudio in %s", p.dir) }

// waitFor polls cond every 10 ms for up to d and returns how long it took.
func waitFor(d time.Duration, cond func() bool) (time.Duration, bool) {
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			return time.Since(start), false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start), true
}
