package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMissingFileIsDefaults(t *testing.T) {
	c, warns, err := Load(filepath.Join(t.TempDir(), "none.toml"))
	if err != nil || len(warns) != 0 {
		t.Fatalf("Load: %v %v", warns, err)
	}
	if c.Defaults.Snooze != 10*time.Minute || len(c.QuickTimers) != 7 {
		t.Fatalf("defaults wrong: %+v", c)
	}
}

func TestValues(t *testing.T) {
	p := write(t, `
[defaults]
sound = "bell"
snooze = "5m"
ring = "2m"
volume = 70
[tray]
quick_timers = ["2s", "90s"]
[log]
level = "DEBUG"
`)
	c, warns, err := Load(p)
	if err != nil || len(warns) != 0 {
		t.Fatalf("Load: %v %v", warns, err)
	}
	if c.Defaults.Sound != "bell" || c.Defaults.Snooze != 5*time.Minute || c.Defaults.Ring != 2*time.Minute ||
		c.Defaults.Volume != 70 || c.LogLevel != "debug" {
		t.Fatalf("got %+v", c)
	}
	if len(c.QuickTimers) != 2 || c.QuickTimers[0] != 2*time.Second {
		t.Fatalf("quick timers %v", c.QuickTimers)
	}
}

func TestMistakesWarnAndKeepDefaults(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"[defaults]\nsnooze = \"soon\"\n", "defaults.snooze"},
		{"[defaults]\nvolume = 300\n", "defaults.volume"},
		{"[log]\nlevel = \"loud\"\n", "log.level"},
		{"[tray]\nquick_timers = [\"x\"]\n", "quick_timers"},
		{"colour = 3\n", "unknown setting"},
		{"[defaults\n", "using built-in defaults"},
	} {
		c, warns, err := Load(write(t, tc.text))
		if err != nil {
			t.Fatalf("%q: %v", tc.text, err)
		}
		if len(warns) != 1 || !strings.Contains(warns[0], tc.want) || strings.Contains(warns[0], "\n") {
			t.Errorf("%q: warnings %q, want one line with %q", tc.text, warns, tc.want)
		}
		if c.Defaults.Snooze != 10*time.Minute || c.Defaults.Volume != 100 || c.LogLevel != "info" {
			t.Errorf("%q: defaults not kept: %+v", tc.text, c)
		}
	}
}
