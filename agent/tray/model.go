package tray

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"alarmd/agent/alarm"
	"alarmd/agent/api"
	"alarmd/assets"
)

// Model is everything the tray shows. BuildModel computes it from the controller's snapshot alone.
type Model struct {
	Icon    assets.State
	Tooltip string
	Header  string       // the disabled first item
	Ringing []RingEntry  // one Stop/Snooze pair per ringing alarm, in id order
	Alarms  []AlarmEntry // the Alarms ▸ submenu, in id order, at most MaxMenuAlarms
	// More counts the alarms left out of the Alarms submenu (a menu of thousands of entries is
	// of no use and costs a D-Bus round of updates per change); `alarmd list` shows them all.
	More   int
	Paused bool
	// Title is the item's title where the host shows one next to the icon: a running timer's
	// countdown, else "alarmd". Refresh is when a countdown next changes (zero: never).
	Title   string
	Refresh time.Time
}

// MaxMenuAlarms is how many alarms the Alarms submenu lists: the ringing and snoozed ones and
// then those ringing soonest.
const MaxMenuAlarms = 40

// RingEntry is the Stop/Snooze pair of one ringing alarm.
type RingEntry struct {
	ID           int
	Stop, Snooze string
}

// AlarmEntry is one alarm's submenu: its title, and the Enabled checkbox.
type AlarmEntry struct {
	ID      int
	Title   string
	Enabled bool
}

// BuildModel computes what the tray shows from one snapshot of the service; now only decides
// how much of a date the labels need (a weekday within the coming week, else the date).
func BuildModel(st api.Snapshot, now time.Time) Model {
	alarms := st.Alarms
	m := Model{Paused: st.Paused}
	byID := map[int]api.Alarm{}
	anySet := false
	for _, a := range alarms {
		byID[a.ID] = a
		if !a.Next.IsZero() {
			anySet = true
		}
		m.Alarms = append(m.Alarms, AlarmEntry{ID: a.ID, Title: alarmTitle(a, now), Enabled: a.Enabled})
	}
	if len(alarms) > MaxMenuAlarms {
		m.Alarms = m.Alarms[:0]
		rank := slices.Clone(alarms)
		slices.SortStableFunc(rank, func(a, b api.Alarm) int { return soonFirst(a, b) })
		for _, a := range rank[:MaxMenuAlarms] {
			m.Alarms = append(m.Alarms, AlarmEntry{ID: a.ID, Title: alarmTitle(a, now), Enabled: a.Enabled})
		}
		m.More = len(alarms) - MaxMenuAlarms
	}
	slices.SortFunc(m.Alarms, func(a, b AlarmEntry) int { return a.ID - b.ID })

	ringing := slices.Sorted(slices.Values(st.Ringing))
	var names []string
	for _, id := range ringing {
		a, ok := byID[id]
		title := "Alarm"
		snooze := alarm.DefaultSnooze
		if ok {
			title, snooze = a.Title(), a.SnoozeFor()
		}
		names = append(names, title)
		e := RingEntry{ID: id, Stop: "Stop " + title, Snooze: "Snooze " + duration(snooze)}
		if len(ringing) > 1 {
			e.Snooze = fmt.Sprintf("Snooze %s %s", title, duration(snooze))
		}
		m.Ringing = append(m.Ringing, e)
	}

	switch {
	case st.Paused:
		m.Header = "All alarms paused"
	case st.Next != nil && !st.Next.Next.IsZero():
		m.Header = "Next: " + ringTime(st.Next.Next, now) + " " + st.Next.Title()
	default:
		m.Header = "No alarms"
	}
	withCountdown(&m, st, now)
	m.Tooltip = m.Header
	switch {
	case len(ringing) > 0:
		m.Icon = assets.Ringing
		m.Tooltip = "Ringing: " + strings.Join(names, ", ")
	case st.Paused:
		m.Icon = assets.Paused
	case anySet && st.Silent != "":
		// An alarm is set and would not be heard (DESIGN §16).
		m.Icon = assets.Silent
		m.Tooltip += "\nSound output " + st.Silent + ": alarms will only be shown"
	case anySet:
		m.Icon = assets.Set
	default:
		m.Icon = assets.None
	}
	return m
}

// alarmTitle is an alarm's line in the Alarms submenu.
func alarmTitle(a api.Alarm, now time.Time) string {
	switch a.State {
	case api.StateRinging:
		return a.Title() + " (ringing)"
	case api.StateSnoozed:
		if !a.Next.IsZero() {
			return ringTime(a.Next, now) + " " + a.Title() + " (snoozed)"
		}
	}
	if a.Next.IsZero() || !a.Enabled {
		return a.Title() + " (off)"
	}
	return ringTime(a.Next, now) + " " + a.Title()
}

// ringTime formats a ring instant: "Tue 07:30" within the coming week, "Tue 1 Dec 07:30" later,
// with seconds only when they are not zero (short timers).
func ringTime(t, now time.Time) string {
	now = now.In(t.Location())
	clock := "15:04"
	if t.Second() != 0 {
		clock = "15:04:05"
	}
	switch {
	case t.Sub(now) < 6*24*time.Hour:
		return t.Format("Mon " + clock)
	case t.Year() == now.Year():
		return t.Format("Mon 2 Jan " + clock)
	default:
		return t.Format("Mon 2 Jan 2006 " + clock)
	}
}

// duration formats a snooze or quick-timer length: "10 min", "90 s".
func duration(d time.Duration) string {
	switch {
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%d min", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%d s", d/time.Second)
	default:
		return d.String()
	}
}

// whenOf is the WHEN expression of a quick timer of length d ("25m", "90s").
func whenOf(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("in %dm", d/time.Minute)
	}
	return fmt.Sprintf("in %ds", (d+time.Second-1)/time.Second)
}

// soonFirst orders alarms for the capped submenu: ringing and snoozed first, then by next ring,
// then those that will not ring, by id.
func soonFirst(a, b api.Alarm) int {
	urgent := func(x api.Alarm) bool { return x.State == api.StateRinging || x.State == api.StateSnoozed }
	switch {
	case urgent(a) != urgent(b):
		if urgent(a) {
			return -1
		}
		return 1
	case a.Next.IsZero() != b.Next.IsZero():
		if a.Next.IsZero() {
			return 1
		}
		return -1
	case !a.Next.Equal(b.Next):
		return a.Next.Compare(b.Next)
	}
	return a.ID - b.ID
}
