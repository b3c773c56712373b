package tray

import (
	"fmt"
	"time"

	"alarmd/agent/api"
	"alarmd/agent/when"
)

// runningTimer is the relative alarm (a timer, DESIGN §14) that rings soonest, if one runs.
func runningTimer(alarms []api.Alarm) (api.Alarm, bool) {
	var best api.Alarm
	found := false
	for _, a := range alarms {
		if a.Kind != when.Relative || !a.Enabled || a.Next.IsZero() || a.State == api.StateRinging {
			continue
		}
		if !found || a.Next.Before(best.Next) {
			best, found = a, true
		}
	}
	return best, found
}

// countdown is what is left of a timer, rounded up to the minute: "in 12 min", "in 1 h 5 min";
// "in less than a minute" in its last minute (a per-second countdown would wake every second).
func countdown(left time.Duration) string {
	m := int((left + time.Minute - 1) / time.Minute)
	switch {
	case left <= time.Minute:
		return "in less than a minute"
	case m < 60:
		return fmt.Sprintf("in %d min", m)
	case m%60 == 0:
		return fmt.Sprintf("in %d h", m/60)
	}
	return fmt.Sprintf("in %d h %d min", m/60, m%60)
}

// countdownChange is when countdown(next-now) next reads differently: the next whole minute
// before next. At the ring itself the service reports a change anyway.
func countdownChange(next, now time.Time) time.Time {
	left := next.Sub(now)
	if left <= time.Minute {
		return next
	}
	m := (left + time.Minute - 1) / time.Minute
	return next.Add(-(m - 1) * time.Minute)
}

// withCountdown makes the header, tooltip and title of md count a running timer down (DESIGN
// §14), and says when they next change; without a timer md is left as it is, with no refresh.
func withCountdown(md *Model, st api.Snapshot, now time.Time) {
	t, ok := runningTimer(st.Alarms)
	if !ok || st.Paused {
		return
	}
	md.Header = t.Title() + " " + countdown(t.Next.Sub(now))
	md.Title = md.Header
	md.Refresh = countdownChange(t.Next, now)
}
