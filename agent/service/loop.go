package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	"alarmd/agent/alarm"
	"alarmd/agent/api"
	"alarmd/agent/clock"
	"alarmd/agent/history"
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
	s.mu.Lock()
	s.recoverInterrupted()
	s.mu.Unlock()
	for {
		next := s.evaluate()
		timer.Arm(next)
		s.armWake() // DESIGN §15: the wake timer follows the plan; the ring stays on timer
		if s.armed != nil {
			s.armed(next)
		}
		select {
		case <-ctx.Done():
			return nil
		case ev := <-timer.C():
			if ev == clock.Jumped {
				s.log.Info("wall clock changed; re-planning alarms", "now", s.o.Clock.Now().Format(time.RFC3339))
				s.replanned() // the tray's "Next:" may read differently now
			}
		case <-zones:
			s.log.Info("time zone may have changed; re-planning alarms", "zone", s.o.Clock.Location().String())
			s.replanned()
		case <-s.kick:
		case out := <-s.o.Ringer.Outcomes():
			s.apply(out)
		}
	}
}

// replanned tells the tray and the watchers that the plan may read differently now.
func (s *Service) replanned() {
	s.mu.Lock()
	s.emitNext()
	s.mu.Unlock()
	s.changed()
}

// dueWork is what one evaluation decided: the alarms to ring, as recorded, the lines of the
// missed summary, and the history entries of the occurrences that passed without ringing.
type dueWork struct {
	ring    []alarm.Alarm
	due     []scheduler.Due
	missed  []string
	history []history.Entry
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
	nextRemind := s.remind(d, now, loc)
	if len(plan.Ring)+len(plan.Missed)+len(plan.Skipped)+len(plan.UserSkipped)+len(plan.Finished) == 0 {
		return earliest(plan.Next, nextRemind)
	}
	var work dueWork
	// The record is in the file before anything rings; its fsyncs follow right after the
	// ringer was told (see store.UpdateThenSync), keeping them off the due → ring path.
	syncRecord := s.recordThenSync(func(d *store.Data) { work = recordDue(d, plan, now, loc) }, true)
	for i, a := range work.ring {
		due := work.due[i]
		s.o.Ringer.Ring(a, due.At.In(loc), due.Late, due.Snoozed)
		s.log.Info("ringing", "alarm", a.ID, "label", a.Label, "due", due.At.Format(time.RFC3339),
			"late", due.Late.Round(time.Millisecond), "rung_after", s.o.Clock.Now().Sub(due.At).Round(100*time.Microsecond))
	}
	syncRecord()
	for _, a := range work.ring {
		v := s.view(a, loc)
		s.emit(api.Event{Type: api.EventRinging, ID: a.ID, Alarm: &v})
	}
	if len(work.missed) > 0 {
		s.log.Warn("missed alarms (later than their late window)", "alarms", strings.Join(work.missed, "; "))
		s.o.Ringer.ShowMissed(work.missed)
	}
	s.appendHistory(work.history)
	s.emitNext()
	s.changed()
	after := s.data()
	next := scheduler.Compute(after.Alarms, now, loc, after.Paused, s.o.Ringer.IsRinging)
	if len(next.Ring)+len(next.Missed)+len(next.UserSkipped) > 0 {
		return now // something became due while we worked: come straight back
	}
	_, nextRemind = scheduler.Reminders(after.Alarms, now, loc, after.Paused, s.remindSince, s.o.Ringer.IsRinging)
	return earliest(next.Next, nextRemind)
}

// remind shows the reminders due now and returns the instant of the next one. The caller holds
// s.mu.
func (s *Service) remind(d store.Data, now time.Time, loc *time.Location) (next time.Time) {
	due, next := scheduler.Reminders(d.Alarms, now, loc, d.Paused, s.remindSince, s.o.Ringer.IsRinging)
	s.remindedUpTo = now
	for _, r := range due {
		if a := find(&d, r.ID); a != nil {
			s.o.Ringer.Remind(*a, r.Ring.In(loc), now)
			s.log.Info("reminder", "alarm", r.ID, "rings", r.Ring.Format(time.RFC3339), "lead", r.Lead)
		}
	}
	return next
}

// remindSince is the instant after which alarm id's reminders may show. The caller holds s.mu.
func (s *Service) remindSince(id int) time.Time {
	if t, ok := s.remindFrom[id]; ok && t.After(s.remindedUpTo) {
		return t
	}
	return s.remindedUpTo
}

// earliest is the earlier of two instants, a zero one meaning "never".
func earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}

// recordDue writes plan's outcome into d: each due occurrence is marked rung (so it never rings
// twice, not even across a crash), missed and skipped one-shots are switched off, finished
// timers are removed. It returns what to ring, the missed summary and the history entries.
func recordDue(d *store.Data, plan scheduler.Plan, now time.Time, loc *time.Location) dueWork {
	var w dueWork
	for _, due := range plan.Ring {
		if a := find(d, due.ID); a != nil {
			scheduler.Record(a, due)
			if !due.Snoozed || a.Ringing == nil {
				a.Ringing = &alarm.Occurrence{Due: due.At, Rang: now}
			}
			w.ring, w.due = append(w.ring, *a), append(w.due, due)
		}
	}
	for _, due := range plan.UserSkipped {
		if a := find(d, due.ID); a != nil {
			scheduler.RecordSkip(a, due)
			from := a.SkipFrom
			if from == "" {
				from = history.FromAgent
			}
			w.history = append(w.history, unrung(a, due, history.Skipped, from, now))
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
	for _, due := range plan.Skipped {
		if a := find(d, due.ID); a != nil {
			w.history = append(w.history, unrung(a, due, history.Paused, history.FromAgent, now))
		}
	}
	for _, due := range plan.Missed {
		if a := find(d, due.ID); a != nil {
			w.missed = append(w.missed, fmt.Sprintf("%s %s (%s late)", due.At.In(loc).Format("Mon 15:04"), a.Title(), roughly(due.Late)))
			w.history = append(w.history, unrung(a, due, history.Missed, history.FromAgent, now))
		}
	}
	for _, id := range plan.Finished {
		a := find(d, id)
		if a == nil {
			continue
		}
		// An occurrence still under way that the ringer no longer rings ran out of ring time
		// (its TimedOut outcome may come after this) or was cut short by a restart.
		if e, ok := endOccurrence(a, history.NotAcknowledged, history.FromAgent, now); ok {
			w.history = append(w.history, e)
		}
		if scheduler.Finish(a) {
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
		_, err = s.Snooze(out.ID, 0, history.FromNotification)
	case ringer.Stopped:
		_, err = s.Dismiss(out.ID, history.FromNotification)
	case ringer.TimedOut:
		s.log.Info("alarm not acknowledged", "alarm", out.ID)
		s.finish(out.ID, history.NotAcknowledged, history.FromAgent)
	case ringer.SkipNext:
		_, err = s.Skip(out.ID, 1, history.FromNotification)
	}
	if err != nil {
		s.log.Warn("could not record the end of ringing", "alarm", out.ID, "what", out.What.String(), "err", err)
	}
}

// finish records that a ringing ended, how and from where: one-shots are disabled or, for
// relative timers, removed, and the occurrence goes into the history.
func (s *Service) finish(id int, end, from string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finishLocked(id, end, from)
}

// finishLocked is finish for a caller that holds s.mu.
func (s *Service) finishLocked(id int, end, from string) {
	now := s.o.Clock.Now()
	var ended []history.Entry
	s.record(func(d *store.Data) {
		ended = nil
		a := find(d, id)
		if a == nil {
			return
		}
		if e, ok := endOccurrence(a, end, from, now); ok {
			ended = append(ended, e)
		}
		a.SnoozedUntil = time.Time{}
		if scheduler.Finish(a) {
			remove(d, id)
		}
	})
	s.appendHistory(ended)
	s.emit(api.Event{Type: api.EventStopped, ID: id, End: end, From: from})
	s.emitNext()
	s.changed()
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
