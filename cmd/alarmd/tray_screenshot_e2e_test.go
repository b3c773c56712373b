//go:build e2e

package main

import (
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestTrayIconOnRealPanel starts a second headless session whose tray host is a real
// xfce4-panel, runs the agent in it, and checks on a screenshot that the panel draws the icon
// (and no longer does after `alarmd stop`). The screenshots are kept in $ALARMD_ARTIFACTS (default
// $TMPDIR/alarmd-artifacts) for a human to look at.
func TestTrayIconOnRealPanel(t *testing.T) {
	if _, err := exec.LookPath("xfce4-panel"); err != nil {
		t.Skip("xfce4-panel not installed")
	}
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "scripts", "headless-session.sh")
	dir := t.TempDir()
	cmd := exec.Command("bash", script, "start", dir)
	cmd.Env = append(os.Environ(), "HEADLESS_TRAY=xfce4-panel", "HEADLESS_NO_DEPS=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("second session: %v", err)
	}
	defer exec.Command("bash", script, "stop", dir).Run()
	session := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "="); ok {
			session[k] = strings.Trim(v, "'")
		}
	}

	a := newAgentEnv(t)
	for i, kv := range a.env {
		k, _, _ := strings.Cut(kv, "=")
		if v, ok := session[k]; ok && k != "XDG_RUNTIME_DIR" {
			a.env[i] = k + "=" + v
		}
	}
	artifacts := envOr("ALARMD_ARTIFACTS", filepath.Join(os.TempDir(), "alarmd-artifacts"))
	os.MkdirAll(artifacts, 0o755)
	shot := func(name string) image.Image {
		t.Helper()
		p := filepath.Join(artifacts, name)
		c := exec.Command("bash", script, "shot", p)
		c.Env = append(os.Environ(), "DISPLAY="+session["DISPLAY"])
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("screenshot: %v: %s", err, out)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		img, err := png.Decode(f)
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	// The panel is 32 px high along the top; the systray plugin sits at its right end.
	region := func(img image.Image) image.Rectangle {
		b := img.Bounds()
		return image.Rect(b.Max.X-160, 0, b.Max.X, 32)
	}
	colourful := func(img image.Image) int {
		n := 0
		r := region(img)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				cr, cg, cb, _ := img.At(x, y).RGBA()
				hi, lo := max(cr, cg, cb), min(cr, cg, cb)
				if hi-lo > 0x3000 { // saturated: the panel itself is grey
					n++
				}
			}
		}
		return n
	}
	before := colourful(shot("tray-before.png"))
	a.start()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(a.must("status"), "tray:          shown") {
		if time.Now().After(deadline) {
			t.Fatalf("the tray never said shown:\n%s\nlog:\n%s", a.must("status"), a.log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	a.must("add", "7:30", "Wake up")
	time.Sleep(time.Second) // the panel repaints
	with := colourful(shot("tray-with-icon.png"))
	a.must("stop")
	time.Sleep(time.Second)
	after := colourful(shot("tray-after-stop.png"))
	t.Logf("saturated pixels in the tray area: before %d, with the agent %d, after stop %d (screenshots in %s)", before, with, after, artifacts)
	if with < before+40 {
		t.Errorf("no icon drawn in the panel's tray area (%d → %d saturated pixels)", before, with)
	}
	if after > before+10 {
		t.Errorf("the icon stayed after stop (%d saturated pixels, %d before)", after, before)
	}
}
