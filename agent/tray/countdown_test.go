package tray

import (
	"testing"
	"time"

	"alarmd/agent/alarm"
	"alarmd/agent/api"
	"alarmd/agent/when"
)

// A running timer counts down in the header, tooltip and title, with one refresh at the next
// minute it reads differently; without a timer there is no refresh at all.
func TestTimerCountsDown(t *testing.T) {
	now := time.Date(2026, 12, 2, 7, 0, 30, 0, time.UTC)
	tea := api.Alarm{Alarm: alarm.Alarm{ID: 1, Label: "Tea", Kind: when.Relative, Enabled: true}, State: api.StateOn,
		Next: now.Add(11*time.Minute + 20*time.Second)}
	st := api.Snapshot{Alarms: []api.Alarm{tea}, Next: &tea}
	m := BuildModel(st, now)
	if m.Header != "Tea in 12 min" || m.Tooltip != "Tea in 12 min" || m.Title != "Tea in 12 min" {
		t.Errorf("header %q tooltip %q title %q, want Tea in 12 min", m.Header, m.Tooltip, m.Title)
	}
	if want := now.Add(20 * time.Second); !m.Refresh.Equal(want) {
		t.Errorf("refresh at %v, want %v (when it becomes 11 min)", m.Refresh, want)
	}
	if m2 := BuildModel(st, m.Refresh); m2.Header != "Tea in 11 min" {
		t.Errorf("a minute on: %q", m2.Header)
	}
	wake := api.Alarm{Alarm: alarm.Alarm{ID: 2, Label: "Wake", Kind: when.Local, Enabled: true}, State: api.StateOn, Next: now.Add(time.Hour)}
	if m := BuildModel(api.Snapshot{Alarms: []api.Alarm{wake}, Next: &wake}, now); !m.Refresh.IsZero() || m.Title != "" {
		t.Errorf("no timer: refresh %v title %q, want none", m.Refresh, m.Title)
	}
	for d, want := range map[time.Duration]string{30 * time.Second: "in less than a minute", 61 * time.Second: "in 2 min", 60 * time.Minute: "in 1 h", 65 * time.Minute: "in 1 h 5 min"} {
		if got := countdown(d); got != want {
			t.Errorf("countdown(%v) = %q, want %q", d, got, want)
		}
	}
}
