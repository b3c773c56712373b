package tray

import (
	"strings"
	"testing"
	"time"

	"alarmd/agent/alarm"
	"alarmd/agent/api"
	"alarmd/assets"
)

// TestSilentBadge: with an alarm set and the output muted, the icon is the silent state and the
// tooltip says why; ringing and paused still win, and with no alarm set there is nothing to warn of.
func TestSilentBadge(t *testing.T) {
	now := time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)
	set := api.Alarm{Alarm: alarm.Alarm{ID: 1, Label: "wake", Enabled: true}, State: api.StateOn, Next: now.Add(time.Hour)}
	snap := api.Snapshot{Alarms: []api.Alarm{set}, Next: &set, Silent: "muted"}
	m := BuildModel(snap, now)
	if m.Icon != assets.Silent || !strings.Contains(m.Tooltip, "Sound output muted: alarms will only be shown") {
		t.Errorf("muted: icon %q tooltip %q", m.Icon, m.Tooltip)
	}
	snap.Silent = ""
	if m := BuildModel(snap, now); m.Icon != assets.Set || strings.Contains(m.Tooltip, "Sound") {
		t.Errorf("unmuted: icon %q tooltip %q", m.Icon, m.Tooltip)
	}
	snap.Silent = "at 4 %"
	snap.Ringing = []int{1}
	if m := BuildModel(snap, now); m.Icon != assets.Ringing {
		t.Errorf("ringing while silent: icon %q", m.Icon)
	}
	snap.Ringing = nil
	snap.Paused = true
	if m := BuildModel(snap, now); m.Icon != assets.Paused {
		t.Errorf("paused while silent: icon %q", m.Icon)
	}
	if m := BuildModel(api.Snapshot{Silent: "muted"}, now); m.Icon != assets.None {
		t.Errorf("no alarms while silent: icon %q", m.Icon)
	}
}
