package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	"alarmd/agent/alarm"
	"alarmd/agent/clock"
	"alarmd/agent/ringer"
	"alarmd/agent/scheduler"
	"alarmd/agent/store"
)

// Run rings alarms until ctx ends. It waits on the clock's timer; nothing wakes it when no alarm
// is due.
func (s *Service) Run(ctx context.Context) error {
	timer, err := s.o.Clock.NewTimer()
	if err != nil {
		return fmt.Errorf("scheduler timer: %w", err)
	}
	defer timer.Close()
	if w := s.o.Store.Warning(); w != "" {
		s.o.Ringer.Warn("alarmd", w)
	}
	zones := s.o.Clock.ZoneChanges()
	for {
		next := s.evaluate()
		timer.Arm(next)
		if s.armed != nil {
			s.armed(next)
		}
		select {
		case <-ctx.Done():
			return nil
		case ev := <-timer.C():
			if ev == clock.Jumped {
				s.log.Info("wall clock changed; re-planning alarms", "now", s.o.Clock.Now().Format(time.RFC3339))
				s.changed() // the tray's "Next:" may read differently now
			}
		case <-zones:
			s.log.Info("time zone may have changed; re-planning alarms", "zone", s.o.Clock.Location().String())
			s.changed()
		case <-s.kick:
		case out := <-s.o.Ringer.Outcomes():
			s.apply(out)
		}
	}
}

// dueWork is what one evaluation decided: the alarms to ring, as recorded, and the lines of the
// missed summary.
type dueWork struct {
	ring   []alarm.Alarm
	due    []scheduler.Due
	missed []string
}

// evaluate rings what is due, records what was missed, and returns the next instant to wake at.
//
// What is due is decided and recorded under s.mu; the ringer is then told, which only records
// the ringing state and queues the notification and the sound: their bus call and the audio
// device are waited on by the ringer's workers, after s.mu is released, so a slow notification
// server never holds up the control API, a button press or the next alarm (DESIGN §5, §7).
func (s *Service) evaluate() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	now, loc := s.o.Clock.Now(), s.o.Clock.Location()
	d := s.data()
	plan := scheduler.Compute(d.Alarms, now, loc, d.Paused, s.o.Ringer.IsRinging)
	if len(plan.Ring)+len(plan.Missed)+len(plan.Skipped)+len(plan.Finished) == 0 {
		return plan.Next
	}
	var work dueWork
	// The record is in the file before anything rings; its fsyncs follow right after the
	// ringer was told (see store.UpdateThenSync), keeping them off the due → ring path.
	syncRecord := s.recordThenSync(func(d *store.Data) { work = recordDue(d, plan, loc) }, true)
	for i, a := range work.ring {
		due := work.due[i]
		s.o.Ringer.Ring(a, due.At.In(loc), due.Late, due.Snoozed)
		s.log.Info("ringing", "alarm", a.ID, "label", a.Label, "due", due.At.Format(time.RFC3339),
			"late", due.Late.Round(time.Millisecond), "rung_after", s.o.Clock.Now().Sub(due.At).Round(100*time.Microsecond))
	}
	syncRecord()
	if len(work.missed) > 0 {
		s.log.Warn("missed alarms (later than their late window)", "alarms", strings.Join(work.missed, "; "))
		s.o.Ringer.ShowMissed(work.missed)
	}
	s.changed()
	next := scheduler.Compute(s.data().Alarms, now, loc, d.Paused, s.o.Ringer.IsRinging)
	if len(next.Ring)+len(next.Missed) > 0 {
		return now // something became due while we worked: come straight back
	}
	return next.Next
}

// recordDue writes plan's outcome into d: each due occurrence is marked rung (so it never rings
// twice, not even across a crash), missed and skipped one-shots are switched off, finished
// timers are removed. It returns what to ring and the missed summary.
func recordDue(d *store.Data, plan scheduler.Plan, loc *time.Location) dueWork {
	var w dueWork
	for _, due := range plan.Ring {
		if a := find(d, due.ID); a != nil {
			scheduler.Record(a, due)
			w.ring, w.due = append(w.ring, *a), append(w.due, due)
		}
	}
	for _, due := range append(plan.Missed, plan.Skipped...) {
		a := find(d, due.ID)
		if a == nil {
			continue
		}
		scheduler.Record(a, due)
		if !a.Recurring() {
			a.Enabled = false
		}
	}
	for _, due := range plan.Missed {
		if a := find(d, due.ID); a != nil {
			w.missed = append(w.missed, fmt.Sprintf("%s %s (%s late)", due.At.In(loc).Format("Mon 15:04"), a.Title(), roughly(due.Late)))
		}
	}
	for _, id := range plan.Finished {
		if a := find(d, id); a != nil && scheduler.Finish(a) {
			remove(d, id)
		}
	}
	return w
}

// apply records what happened to a ringing alarm.
func (s *Service) apply(out ringer.Outcome) {
	var err error
	switch out.What {
	case ringer.Snoozed:
		_, err = s.Snooze(out.ID, 0)
	case ringer.Stopped:
		_, err = s.Dismiss(out.ID)
	case ringer.TimedOut:
		s.log.Info("alarm not acknowledged", "alarm", out.ID)
		s.finish(out.ID)
	}
	if err != nil {
		s.log.Warn("could not record the end of ringing", "alarm", out.ID, "what", out.What.String(), "err", err)
	}
}

// finish records that a ringing ended: one-shots are disabled or, for relative timers, removed.
func (s *Service) finish(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.changed()
	s.record(func(d *store.Data) {
		a := find(d, id)
		if a == nil {
			return
		}
		a.SnoozedUntil = time.Time{}
		if scheduler.Finish(a) {
			remove(d, id)
		}
	})
}

// roughly formats a lateness for the missed-alarms summary.
func roughly(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	case d >= time.Hour:
		return fmt.Sprintf("%d h", int(d/time.Hour))
	default:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	}
}
