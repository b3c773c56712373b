package scheduler

import (
	"slices"
	"time"

	"alarmd/agent/alarm"
)

// Reminder is one quiet reminder that is due: alarm ID rings at Ring, Lead before which the
// reminder shows (DESIGN §12).
type Reminder struct {
	ID   int
	Ring time.Time
	Lead time.Duration
	At   time.Time // Ring - Lead
}

// Reminders finds the reminders due in (since(id), now] and the earliest reminder instant after
// now (zero when none). since gives, per alarm, the instant up to which its reminders were
// already considered: the agent's start, the alarm's last change, or the last evaluation; a
// reminder whose moment lies before it is never shown late. A reminder is for the ring that will
// actually sound (skips passed over, snoozes not reminded), and only while that ring is still
// ahead.
func Reminders(alarms []alarm.Alarm, now time.Time, loc *time.Location, paused bool, since func(id int) time.Time, ringing func(id int) bool) (due []Reminder, next time.Time) {
	if paused {
		return nil, time.Time{}
	}
	for i := range alarms {
		a := &alarms[i]
		if len(a.Remind) == 0 || !a.Enabled || !a.SnoozedUntil.IsZero() || (ringing != nil && ringing(a.ID)) {
			continue
		}
		ring, _, ok := a.NextRingAfterSkips(loc)
		if !ok || !ring.After(now) {
			continue
		}
		from := since(a.ID)
		for _, lead := range a.Remind {
			at := ring.Add(-time.Duration(lead))
			switch {
			case at.After(now):
				if next.IsZero() || at.Before(next) {
					next = at
				}
			case at.After(from):
				due = append(due, Reminder{ID: a.ID, Ring: ring, Lead: time.Duration(lead), At: at})
			}
		}
	}
	// Of several reminders of one alarm due at once (after a suspend), the latest says most.
	slices.SortFunc(due, func(x, y Reminder) int { return x.At.Compare(y.At) })
	latest := map[int]int{}
	for i, r := range due {
		latest[r.ID] = i
	}
	out := due[:0]
	for i, r := range due {
		if latest[r.ID] == i {
			out = append(out, r)
		}
	}
	return out, next
}
