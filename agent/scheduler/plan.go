// Package scheduler decides, without any I/O, which alarms ring now, which were missed, and when
// the next one is due (DESIGN §7). The agent feeds it the stored alarms, the current instant and the
// current zone; it answers with a Plan the agent carries out. Keeping this pure lets tests jump the
// clock forward and back, suspend for days or cross DST changes without sleeping.
package scheduler

import (
	"time"

	"alarmd/agent/alarm"
	"alarmd/agent/when"
)

// OnTime is the lateness that still counts as ringing on time: the wake-up itself takes a
// moment, and an alarm with a late window of zero ("ring only on time") must still ring when
// its timer fires.
const OnTime = 2 * time.Second

// Due is one occurrence that is due now.
type Due struct {
	ID int
	// Occurrence is the Local occurrence being rung or skipped (zero for instants and snoozes).
	Occurrence when.Wall
	// At is the instant the occurrence was due.
	At time.Time
	// Late is how long after At the decision was made.
	Late time.Duration
	// Snoozed says this is a snoozed alarm coming back.
	Snoozed bool
}

// Plan is what to do now.
type Plan struct {
	Ring    []Due // due within their late window: ring now
	Missed  []Due // due longer ago than their late window: record, list in one summary, do not ring
	Skipped []Due // due while all alarms are paused: record silently
	// UserSkipped are due occurrences the user asked to skip (alarm.Skip): record, never ring,
	// never count as missed.
	UserSkipped []Due
	// Finished lists enabled alarms that will never ring again and are not ringing (a one-shot
	// whose occurrence was recorded but whose ringing was cut short, e.g. by a crash).
	Finished []int
	// Next is the earliest future ring instant; zero when nothing is scheduled.
	Next   time.Time
	NextID int
}

// Compute makes the plan for alarms at instant now in zone loc. Alarms listed in ringing are
// left alone. paused turns every due occurrence into a silent skip.
func Compute(alarms []alarm.Alarm, now time.Time, loc *time.Location, paused bool, ringing func(id int) bool) Plan {
	var p Plan
	for i := range alarms {
		a := &alarms[i]
		if !a.Enabled || (ringing != nil && ringing(a.ID)) {
			continue
		}
		at, occ, ok := a.NextRing(loc)
		if !ok {
			p.Finished = append(p.Finished, a.ID)
			continue
		}
		if at.After(now) {
			if p.Next.IsZero() || at.Before(p.Next) || (at.Equal(p.Next) && a.ID < p.NextID) {
				p.Next, p.NextID = at, a.ID
			}
			continue
		}
		d := Due{ID: a.ID, Occurrence: occ, At: at, Snoozed: !a.SnoozedUntil.IsZero()}
		if !d.Snoozed && a.Kind == when.Local {
			// Several occurrences may have passed (a long suspend): only the latest one can
			// still ring; the earlier ones are covered by recording the latest as done.
			if latest, ok := a.Repeat.Latest(a.First, a.Done, now, loc); ok {
				d.Occurrence, d.At = latest, latest.In(loc)
			}
		}
		d.Late = now.Sub(d.At)
		switch {
		case !d.Snoozed && a.Skip > 0 && a.Recurring():
			p.UserSkipped = append(p.UserSkipped, d)
		case paused:
			p.Skipped = append(p.Skipped, d)
		case d.Late <= a.LateBy()+OnTime:
			p.Ring = append(p.Ring, d)
		default:
			p.Missed = append(p.Missed, d)
		}
	}
	return p
}

// RecordSkip marks d, an occurrence the user skipped, as handled: one skip is used up.
func RecordSkip(a *alarm.Alarm, d Due) {
	Record(a, d)
	if a.Skip > 0 {
		a.Skip--
	}
}

// Record marks d as handled on a: the occurrence will not ring again. It is applied to the store
// before the alarm rings, so a crash mid-ring cannot make the same occurrence ring twice.
func Record(a *alarm.Alarm, d Due) {
	a.SnoozedUntil = time.Time{}
	if d.Snoozed {
		return // the occurrence was recorded when it first rang
	}
	switch a.Kind {
	case when.Local:
		a.Done = d.Occurrence
	default:
		a.Rung = true
	}
}

// Finish applies the end of a ringing (stopped, not acknowledged, or missed) to a one-shot alarm:
// it reports whether the alarm should be removed (a relative timer); a clock-time or dated
// one-shot stays in the list, disabled. Recurring alarms are left as they are.
func Finish(a *alarm.Alarm) (remove bool) {
	if a.Recurring() {
		return false
	}
	if a.Kind == when.Relative {
		return true
	}
	a.Enabled = false
	return false
}
