package tray

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"alarmd/agent/alarm"
	"alarmd/agent/api"
	"alarmd/assets"
)

var berlin, _ = time.LoadLocation("Europe/Berlin")

// now is a Monday.
var now = time.Date(2026, 11, 30, 22, 0, 0, 0, berlin)

func mk(id int, label, state string, next time.Time) api.Alarm {
	return api.Alarm{Alarm: alarm.Alarm{ID: id, Label: label, Enabled: state != api.StateOff, Snooze: alarm.Duration(5 * time.Minute)}, State: state, Next: next}
}

func TestBuildModel(t *testing.T) {
	wake := mk(1, "Wake up", api.StateOn, time.Date(2026, 12, 1, 7, 30, 0, 0, berlin))
	off := mk(2, "", api.StateOff, time.Time{})
	far := mk(3, "Dentist", api.StateOn, time.Date(2026, 12, 20, 9, 0, 0, 0, berlin))
	ring := mk(4, "Tea", api.StateRinging, time.Time{})
	timer := mk(5, "", api.StateOn, time.Date(2026, 11, 30, 22, 0, 2, 0, berlin))
	snoozed := mk(6, "Nap", api.StateSnoozed, time.Date(2026, 11, 30, 22, 10, 0, 0, berlin))

	tests := []struct {
		name    string
		alarms  []api.Alarm
		st      api.Snapshot
		icon    assets.State
		tooltip string
		header  string
		ringing []RingEntry
		titles  []string
	}{
		{
			name: "empty", icon: assets.None, tooltip: "No alarms", header: "No alarms",
		},
		{
			name: "only disabled", alarms: []api.Alarm{off}, icon: assets.None,
			tooltip: "No alarms", header: "No alarms", titles: []string{"Alarm (off)"},
		},
		{
			name: "set", alarms: []api.Alarm{far, wake, off}, st: api.Snapshot{Next: &wake}, icon: assets.Set,
			tooltip: "Next: Tue 07:30 Wake up", header: "Next: Tue 07:30 Wake up",
			titles: []string{"Tue 07:30 Wake up", "Alarm (off)", "Sun 20 Dec 09:00 Dentist"},
		},
		{
			name: "seconds and snoozed", alarms: []api.Alarm{timer, snoozed}, st: api.Snapshot{Next: &timer}, icon: assets.Set,
			tooltip: "Next: Mon 22:00:02 Alarm", header: "Next: Mon 22:00:02 Alarm",
			titles: []string{"Mon 22:00:02 Alarm", "Mon 22:10 Nap (snoozed)"},
		},
		{
			name: "paused", alarms: []api.Alarm{wake}, st: api.Snapshot{Paused: true, Next: &wake}, icon: assets.Paused,
			tooltip: "All alarms paused", header: "All alarms paused", titles: []string{"Tue 07:30 Wake up"},
		},
		{
			name: "ringing wins over paused", alarms: []api.Alarm{wake, ring}, st: api.Snapshot{Paused: true, Ringing: []int{4}, Next: &wake},
			icon: assets.Ringing, tooltip: "Ringing: Tea", header: "All alarms paused",
			ringing: []RingEntry{{ID: 4, Stop: "Stop Tea", Snooze: "Snooze 5 min"}},
			titles:  []string{"Tue 07:30 Wake up", "Tea (ringing)"},
		},
		{
			name: "two ringing", alarms: []api.Alarm{ring, off}, st: api.Snapshot{Ringing: []int{4, 2}},
			icon: assets.Ringing, tooltip: "Ringing: Alarm, Tea", header: "No alarms",
			ringing: []RingEntry{{ID: 2, Stop: "Stop Alarm", Snooze: "Snooze Alarm 5 min"}, {ID: 4, Stop: "Stop Tea", Snooze: "Snooze Tea 5 min"}},
			titles:  []string{"Alarm (off)", "Tea (ringing)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.st
			st.Alarms = tt.alarms
			m := BuildModel(st, now)
			if m.Icon != tt.icon || m.Tooltip != tt.tooltip || m.Header != tt.header || m.Paused != tt.st.Paused {
				t.Errorf("got icon %q tooltip %q header %q paused %v", m.Icon, m.Tooltip, m.Header, m.Paused)
			}
			if !slices.Equal(m.Ringing, tt.ringing) {
				t.Errorf("ringing %+v, want %+v", m.Ringing, tt.ringing)
			}
			var titles []string
			for i, a := range m.Alarms {
				titles = append(titles, a.Title)
				if i > 0 && m.Alarms[i-1].ID >= a.ID {
					t.Errorf("alarms not in id order: %+v", m.Alarms)
				}
				if a.Enabled != (a.ID != 2) {
					t.Errorf("alarm %d Enabled=%v", a.ID, a.Enabled)
				}
			}
			if !slices.Equal(titles, tt.titles) {
				t.Errorf("titles %q, want %q", titles, tt.titles)
			}
		})
	}
}

func TestFormats(t *testing.T) {
	for d, want := range map[time.Duration]string{
		5 * time.Minute: "5 min", 60 * time.Minute: "60 min", 90 * time.Second: "90 s", 2 * time.Second: "2 s", 1500 * time.Millisecond: "1.5s",
	} {
		if got := duration(d); got != want {
			t.Errorf("duration(%v) = %q, want %q", d, got, want)
		}
	}
	for d, want := range map[time.Duration]string{25 * time.Minute: "in 25m", 2 * time.Second: "in 2s", 90 * time.Second: "in 90s"} {
		if got := whenOf(d); got != want {
			t.Errorf("whenOf(%v) = %q, want %q", d, got, want)
		}
	}
	if got := ringTime(time.Date(2027, 1, 5, 7, 0, 0, 0, berlin), now); got != "Tue 5 Jan 2027 07:00" {
		t.Errorf("next year: %q", got)
	}
}

// Every icon state BuildModel can choose has an icon for this platform.
func TestTrayIconForEveryState(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range []assets.State{assets.Set, assets.None, assets.Ringing, assets.Paused} {
		b, err := trayIcon(s)
		if err != nil || len(b) == 0 {
			t.Fatalf("trayIcon(%s): %v", s, err)
		}
		if seen[string(b)] {
			t.Errorf("state %s shares its icon with another state", s)
		}
		seen[string(b)] = true
	}
}

func TestModelCapsTheAlarmsSubmenu(t *testing.T) {
	now := time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC)
	var alarms []api.Alarm
	for i := 1; i <= 500; i++ {
		a := api.Alarm{State: api.StateOn, Next: now.Add(time.Duration(1000-i) * time.Minute)}
		a.ID, a.Label, a.Enabled = i, fmt.Sprintf("alarm %d", i), true
		alarms = append(alarms, a)
	}
	alarms[0].State, alarms[0].Next = api.StateRinging, time.Time{}
	m := BuildModel(api.Snapshot{Alarms: alarms, Ringing: []int{1}}, now)
	if len(m.Alarms) != MaxMenuAlarms || m.More != 500-MaxMenuAlarms {
		t.Fatalf("%d entries, %d more; want %d and %d", len(m.Alarms), m.More, MaxMenuAlarms, 500-MaxMenuAlarms)
	}
	if m.Alarms[0].ID != 1 {
		t.Errorf("the ringing alarm is not kept: first entry %+v", m.Alarms[0])
	}
	if last := m.Alarms[len(m.Alarms)-1]; last.ID != 500 {
		t.Errorf("the soonest alarms should be kept (id 500 rings first), last entry %+v", last)
	}
	if m := BuildModel(api.Snapshot{Alarms: alarms[:10]}, now); m.More != 0 || len(m.Alarms) != 10 {
		t.Errorf("small lists are not capped: %d, more %d", len(m.Alarms), m.More)
	}
}
