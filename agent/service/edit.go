package service

import (
	"fmt"
	"strings"
	"time"

	"alarmd/agent/alarm"
	"alarmd/agent/api"
	"alarmd/agent/history"
	"alarmd/agent/store"
	"alarmd/agent/when"
)

// maxSkip bounds `skip --count`: more than this is a mistake, not a plan (disable the alarm).
const maxSkip = 1000

// edit is an EditRequest checked and parsed: what can be checked without the alarm is checked
// before the service lock is taken.
type edit struct {
	req     api.EditRequest
	spec    *when.Spec
	rule    *when.Rule
	remind  *[]alarm.Duration
	options alarm.Alarm // the duration options, volume and sound that req gives
}

// parseEdit checks req the way Add checks its body, with the same messages.
func (s *Service) parseEdit(req api.EditRequest, now time.Time) (edit, error) {
	e := edit{req: req}
	if req.IsZero() {
		return e, badRequest("nothing to change; give a new time or an option (see: alarmd edit --help)")
	}
	if req.When != nil {
		spec, err := when.Parse(*req.When, now)
		if err != nil {
			return e, badRequest("%v", err)
		}
		e.spec = &spec
	}
	if req.Once && req.Repeat != nil {
		return e, badRequest("--once and --repeat contradict each other; give one of them")
	}
	if req.Repeat != nil {
		r, err := when.ParseRepeat(*req.Repeat)
		if err != nil {
			return e, badRequest("%v", err)
		}
		e.rule = &r
	}
	if req.Label != nil {
		if err := alarm.ValidateLabel(*req.Label); err != nil {
			return e, badRequest("%v", err)
		}
	}
	for _, o := range []struct {
		limit alarm.Limit
		text  *string
		dst   *alarm.Duration
	}{
		{alarm.SnoozeLimit, req.Snooze, &e.options.Snooze},
		{alarm.RingLimit, req.Ring, &e.options.Ring},
		{alarm.LateLimit, req.Late, &e.options.Late},
		{alarm.FadeLimit, req.Fade, &e.options.Fade},
	} {
		if o.text == nil {
			continue
		}
		d, err := o.limit.Parse("--"+o.limit.Name, *o.text)
		if err != nil {
			return e, badRequest("%v", err)
		}
		*o.dst = alarm.Duration(d)
	}
	if req.Volume != nil {
		if err := alarm.CheckVolume("--volume", *req.Volume); err != nil {
			return e, badRequest("%v", err)
		}
	}
	if req.Remind != nil {
		var rs []alarm.Duration
		if strings.TrimSpace(*req.Remind) != "" {
			var err error
			if rs, err = alarm.ParseReminders("--remind", *req.Remind); err != nil {
				return e, badRequest("%v", err)
			}
		}
		e.remind = &rs
	}
	if req.Sound != nil && *req.Sound != "" && s.o.CheckSound != nil {
		if err := s.o.CheckSound(*req.Sound); err != nil {
			return e, badRequest("%v", err)
		}
	}
	return e, nil
}

// Edit changes what req gives of alarm id and leaves the rest (DESIGN §12). A ringing alarm is
// stopped first. A new time or rule plans the next ring from now; an occurrence that already
// rang never rings again (the alarm keeps its record of it). from says where the edit came from,
// for the history.
func (s *Service) Edit(id int, req api.EditRequest, from string) (api.Alarm, error) {
	defer s.flushHistory()
	return s.edit(id, req, from)
}

func (s *Service) edit(id int, req api.EditRequest, from string) (api.Alarm, error) {
	loc := s.o.Clock.Location()
	now := s.o.Clock.Now().In(loc)
	e, err := s.parseEdit(req, now)
	if err != nil {
		return api.Alarm{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out alarm.Alarm
	var ended []history.Entry
	ringing := s.o.Ringer.IsRinging(id)
	err = s.change(func(d *store.Data) error {
		ended = nil
		a := find(d, id)
		if a == nil {
			return notFound(id)
		}
		reschedules := e.spec != nil || e.rule != nil || req.Once
		stops := ringing || (!a.SnoozedUntil.IsZero() && (reschedules || (req.Enabled != nil && !*req.Enabled)))
		if stops {
			if entry, ok := endOccurrence(a, history.Stopped, from, now); ok {
				ended = append(ended, entry)
			}
			a.SnoozedUntil = time.Time{}
			if !reschedules && !a.Recurring() {
				a.Enabled = false // a one-shot stopped by the edit has had its ring
			}
		}
		if err := applyEdit(a, e, now, loc); err != nil {
			return err
		}
		out = *a
		return nil
	})
	if err != nil {
		return api.Alarm{}, err
	}
	if ringing || !out.Enabled {
		s.o.Ringer.Forget(id)
	}
	s.o.Ringer.CancelReminder(id) // a shown reminder may speak of the old time
	s.remindFrom[id] = now
	s.appendHistory(ended)
	s.log.Info("alarm edited", "alarm", id)
	v := s.view(out, loc)
	if ringing {
		s.emit(api.Event{Type: api.EventStopped, ID: id, End: history.Stopped, From: from})
	}
	s.emit(api.Event{Type: api.EventChanged, ID: id, Alarm: &v, From: from})
	s.changed()
	return v, nil
}

// applyEdit changes a as e says. The caller holds s.mu.
func applyEdit(a *alarm.Alarm, e edit, now time.Time, loc *time.Location) error {
	req := e.req
	if e.spec != nil {
		a.Kind, a.At, a.First, a.Rung = e.spec.Kind, time.Time{}, when.Wall{}, false
		if a.Kind == when.Local {
			a.First = e.spec.Wall
		} else {
			a.At = e.spec.At
		}
		a.Enabled, a.Skip = true, 0 // a new time means: ring then
	}
	if e.rule != nil {
		a.Repeat, a.Skip = *e.rule, 0
	}
	if req.Once && a.Recurring() {
		if _, occ, ok := a.NextRingAfterSkips(loc); ok {
			a.First = occ
		}
		a.Repeat, a.Skip = when.Rule{}, 0
	}
	if a.Recurring() && a.Kind != when.Local {
		// "edit 3 in 25m" on a repeating alarm, or "--repeat daily" on a timer: repeat at that
		// wall-clock time from then on, as add does.
		a.Kind, a.First, a.At = when.Local, when.WallOf(a.At.In(loc)), time.Time{}
	}
	if e.rule != nil || e.spec != nil {
		if _, _, ok := a.NextRing(loc); a.Enabled && !ok {
			return badRequest("that time and rule have no occurrence after now; nothing changed")
		}
	}
	applyEditOptions(a, e)
	if req.Enabled != nil {
		if *req.Enabled && !a.Enabled {
			if err := rearm(a, now, loc); err != nil {
				return err
			}
		}
		a.Enabled = *req.Enabled
		if !a.Enabled {
			a.SnoozedUntil = time.Time{}
		}
	}
	return checkReminders(a, now, loc)
}

// applyEditOptions sets the label, the options and the reminders that e gives.
func applyEditOptions(a *alarm.Alarm, e edit) {
	req := e.req
	if req.Label != nil {
		a.Label = *req.Label
	}
	if req.Snooze != nil {
		a.Snooze = e.options.Snooze
	}
	if req.Ring != nil {
		a.Ring = e.options.Ring
	}
	if req.Late != nil {
		a.Late = e.options.Late
	}
	if req.Fade != nil {
		a.Fade = e.options.Fade
	}
	if req.Volume != nil {
		a.Volume = *req.Volume
	}
	if req.Sound != nil {
		a.Sound = *req.Sound
	}
	if e.remind != nil {
		a.Remind = *e.remind
	}
	if req.Wake != nil {
		a.Wake = wakeChoice(req.Wake, nil)
	}
}

// checkReminders refuses reminders that reach back past the previous occurrence.
func checkReminders(a *alarm.Alarm, now time.Time, loc *time.Location) error {
	if len(a.Remind) == 0 {
		return nil
	}
	period := a.ShortestPeriod(when.WallOf(now.In(loc)), loc)
	if period > 0 && time.Duration(a.Remind[0]) >= period {
		return badRequest("--remind %s is not shorter than the %s between this alarm's occurrences", time.Duration(a.Remind[0]), period)
	}
	return nil
}

// Skip skips the next count occurrences of recurring alarm id (DESIGN §12).
func (s *Service) Skip(id, count int, from string) (api.Alarm, error) {
	if count == 0 {
		count = 1
	}
	if count < 1 || count > maxSkip {
		return api.Alarm{}, badRequest("--count %d is out of range; accepted: 1 to %d", count, maxSkip)
	}
	return s.changeSkips(id, from, func(a *alarm.Alarm) error {
		if !a.Recurring() {
			return badRequest("alarm %d rings once: there is nothing to skip; to keep it from ringing: alarmd disable %d", id, id)
		}
		a.Skip += count
		if a.Skip > maxSkip {
			a.Skip = maxSkip
		}
		a.SkipFrom = from
		return nil
	})
}

// Unskip takes back every skip of alarm id.
func (s *Service) Unskip(id int, from string) (api.Alarm, error) {
	return s.changeSkips(id, from, func(a *alarm.Alarm) error {
		if a.Skip == 0 {
			return conflict("alarm %d has no skipped occurrence", id)
		}
		a.Skip, a.SkipFrom = 0, ""
		return nil
	})
}

func (s *Service) changeSkips(id int, from string, fn func(a *alarm.Alarm) error) (api.Alarm, error) {
	loc := s.o.Clock.Location()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out alarm.Alarm
	err := s.change(func(d *store.Data) error {
		a := find(d, id)
		if a == nil {
			return notFound(id)
		}
		if err := fn(a); err != nil {
			return err
		}
		out = *a
		return nil
	})
	if err != nil {
		return api.Alarm{}, err
	}
	s.o.Ringer.CancelReminder(id)
	s.remindFrom[id] = s.o.Clock.Now()
	v := s.view(out, loc)
	s.log.Info("alarm skips changed", "alarm", id, "skip", out.Skip)
	s.emit(api.Event{Type: api.EventChanged, ID: id, Alarm: &v, From: from})
	s.changed()
	return v, nil
}

// rearm makes a one-shot that has already rung ring again at its next such time.
func rearm(a *alarm.Alarm, now time.Time, loc *time.Location) error {
	at, _, ok := (&alarm.Alarm{Kind: a.Kind, At: a.At, First: a.First, Repeat: a.Repeat, Done: a.Done, Rung: a.Rung, Enabled: true}).NextRing(loc)
	if ok && at.After(now) {
		return nil
	}
	if a.Kind != when.Local || a.Recurring() {
		if a.Kind == when.Local {
			return nil // a recurring alarm simply continues with its next occurrence
		}
		return conflict("alarm %d was for %s, which has passed; add a new one", a.ID, a.At.In(loc).Format("Mon 2006-01-02 15:04"))
	}
	h, m, sec := a.First.Clock()
	spec, err := when.Parse(fmt.Sprintf("%02d:%02d:%02d", h, m, sec), now)
	if err != nil {
		return fmt.Errorf("re-arm alarm %d: %w", a.ID, err)
	}
	a.First, a.Done = spec.Wall, when.Wall{}
	return nil
}
