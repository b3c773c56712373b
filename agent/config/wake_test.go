package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"alarmd/agent/wake"
)

func TestWakeSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	c, warns, err := Load(path)
	if err != nil || len(warns) != 0 || c.WakeLead != wake.DefaultLead || c.Defaults.Wake != nil {
		t.Fatalf("no file: lead %v wake %v warns %q err %v", c.WakeLead, c.Defaults.Wake, warns, err)
	}
	os.WriteFile(path, []byte("[defaults]\nwake = false\n[wake]\nlead = \"2m\"\n"), 0o600)
	c, warns, _ = Load(path)
	if len(warns) != 0 || c.WakeLead != 2*time.Minute || c.Defaults.Wake == nil || *c.Defaults.Wake {
		t.Errorf("set: lead %v wake %v warns %q", c.WakeLead, c.Defaults.Wake, warns)
	}
	os.WriteFile(path, []byte("[wake]\nlead = \"2h\"\n"), 0o600)
	c, warns, _ = Load(path)
	if c.WakeLead != wake.DefaultLead || len(warns) != 1 || !strings.Contains(warns[0], "wake.lead 2h is out of range; accepted: 0s to 1h") {
		t.Errorf("out of range: lead %v warns %q", c.WakeLead, warns)
	}
}
