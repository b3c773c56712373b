package paths

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// isolate points every XDG variable into a fresh temp dir and returns that root.
func isolate(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	t.Setenv("HOME", filepath.Join(root, "home"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(root, "config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(root, "data"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(root, "state"))
	t.Setenv("XDG_RUNTIME_DIR", filepath.Join(root, "run"))
	return root
}

func mustResolve(t *testing.T) Paths {
	t.Helper()
	p, err := Resolve()
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	return p
}

func TestResolveFollowsEnvironment(t *testing.T) {
	root := isolate(t)
	p := mustResolve(t)
	want := map[string]string{
		"config":       filepath.Join(root, "config/alarmd/config.toml"),
		"data":         filepath.Join(root, "data/alarmd"),
		"alarms":       filepath.Join(root, "data/alarmd/alarms.json"),
		"sounds":       filepath.Join(root, "data/alarmd/sounds"),
		"state":        filepath.Join(root, "state/alarmd"),
		"log":          filepath.Join(root, "state/alarmd/alarmd.log"),
		"history":      filepath.Join(root, "state/alarmd/history.jsonl"),
		"runtime":      filepath.Join(root, "run/alarmd"),
		"pidfile":      filepath.Join(root, "run/alarmd/alarmd.pid"),
		"socket":       filepath.Join(root, "run/alarmd/alarmd.sock"),
		"autostart":    filepath.Join(root, "config/autostart/alarmd.desktop"),
		"systemd-unit": filepath.Join(root, "config/systemd/user/alarmd.service"),
	}
	list := p.List()
	if len(list) != len(want) {
		t.Fatalf("List has %d entries, want %d: %v", len(list), len(want), list)
	}
	for _, kv := range list {
		if kv[1] != want[kv[0]] {
			t.Errorf("%s = %q, want %q", kv[0], kv[1], want[kv[0]])
		}
	}

	// A second Resolve after the environment changed must see the change (adrg/xdg caches
	// the environment at init unless reloaded).
	t.Setenv("XDG_DATA_HOME", filepath.Join(root, "elsewhere"))
	if got := mustResolve(t).AlarmsFile; got != filepath.Join(root, "elsewhere/alarmd/alarms.json") {
		t.Errorf("after changing XDG_DATA_HOME, AlarmsFile = %q", got)
	}
}

func TestResolveCreatesNothing(t *testing.T) {
	root := isolate(t)
	mustResolve(t)
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("Resolve created %v", entries)
	}
}

func TestRuntimeFallbackWithoutXDGRuntimeDir(t *testing.T) {
	root := isolate(t)
	for _, v := range []string{"", "relative/run"} {
		t.Setenv("XDG_RUNTIME_DIR", v)
		p := mustResolve(t)
		want := filepath.Join(root, "state/alarmd/run")
		if p.RuntimeDir != want || p.SocketFile != filepath.Join(want, "alarmd.sock") {
			t.Errorf("XDG_RUNTIME_DIR=%q: RuntimeDir %q, SocketFile %q; want under %q", v, p.RuntimeDir, p.SocketFile, want)
		}
		if err := p.EnsureRuntimeDir(); err != nil {
			t.Fatalf("EnsureRuntimeDir: %v", err)
		}
		for _, dir := range []string{p.StateDir, p.RuntimeDir} {
			assertMode(t, dir, 0o700)
		}
	}
}

func TestRelativeValuesFallBackToDefaults(t *testing.T) {
	root := isolate(t)
	t.Setenv("XDG_DATA_HOME", "not/absolute")
	t.Setenv("XDG_CONFIG_HOME", "./cfg")
	p := mustResolve(t)
	if runtime.GOOS == "linux" {
		if want := filepath.Join(root, "home/.local/share/alarmd"); p.DataDir != want {
			t.Errorf("DataDir = %q, want default %q", p.DataDir, want)
		}
		if want := filepath.Join(root, "home/.config/alarmd/config.toml"); p.ConfigFile != want {
			t.Errorf("ConfigFile = %q, want default %q", p.ConfigFile, want)
		}
	}
	for _, kv := range p.List() {
		if !filepath.IsAbs(kv[1]) {
			t.Errorf("%s = %q is not absolute", kv[0], kv[1])
		}
	}
}

func TestResolveWithoutHome(t *testing.T) {
	if !homeNeededForDefaults() {
		t.Skip("defaults do not come from HOME on " + runtime.GOOS)
	}
	isolate(t)
	t.Setenv("HOME", "")
	if _, err := Resolve(); err != nil {
		t.Fatalf("all XDG variables set, HOME empty: %v", err)
	}
	t.Setenv("XDG_STATE_HOME", "")
	_, err := Resolve()
	if err == nil || !strings.Contains(err.Error(), "XDG_STATE_HOME") {
		t.Fatalf("HOME and XDG_STATE_HOME empty: err = %v, want one naming XDG_STATE_HOME", err)
	}
}

func TestEnsureRuntimeDirCreatesPrivateDirs(t *testing.T) {
	root := isolate(t)
	p := mustResolve(t)
	if err := p.EnsureRuntimeDir(); err != nil {
		t.Fatalf("EnsureRuntimeDir: %v", err)
	}
	assertMode(t, filepath.Join(root, "run"), 0o700)
	assertMode(t, p.RuntimeDir, 0o700)
	// Idempotent.
	if err := p.EnsureRuntimeDir(); err != nil {
		t.Fatalf("second EnsureRuntimeDir: %v", err)
	}
}

func TestEnsureDataAndStateDirTighten(t *testing.T) {
	isolate(t)
	p := mustResolve(t)
	for _, dir := range []string{p.DataDir, p.StateDir} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.EnsureDataDir(); err != nil {
		t.Fatalf("EnsureDataDir: %v", err)
	}
	if err := p.EnsureStateDir(); err != nil {
		t.Fatalf("EnsureStateDir: %v", err)
	}
	assertMode(t, p.DataDir, 0o700)
	assertMode(t, p.StateDir, 0o700)
}

func TestEnsureDirRefusesFile(t *testing.T) {
	isolate(t)
	p := mustResolve(t)
	if err := os.MkdirAll(filepath.Dir(p.DataDir), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.DataDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	err := p.EnsureDataDir()
	if err == nil || !strings.Contains(err.Error(), p.DataDir) {
		t.Fatalf("EnsureDataDir over a file: err = %v, want one naming %s", err, p.DataDir)
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s has mode %04o, want %04o", path, got, want)
	}
}
