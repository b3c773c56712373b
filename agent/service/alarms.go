package service

import (
	"slices"
	"strings"
	"time"

	"alarmd/agent/alarm"
	"alarmd/agent/api"
	"alarmd/agent/history"
	"alarmd/agent/store"
	"alarmd/agent/when"
)

// List returns every alarm with its state and next ring, in id order.
func (s *Service) List() []api.Alarm {
	return s.views(s.snapshot(), s.o.Clock.Location())
}

// views is d's alarms as the API shows them, in id order.
func (s *Service) views(d store.Data, loc *time.Location) []api.Alarm {
	out := make([]api.Alarm, 0, len(d.Alarms))
	for _, a := range d.Alarms {
		out = append(out, s.view(a, loc))
	}
	slices.SortFunc(out, func(a, b api.Alarm) int { return a.ID - b.ID })
	return out
}

// Get returns one alarm.
func (s *Service) Get(id int) (api.Alarm, error) {
	d := s.snapshot()
	if a := find(&d, id); a != nil {
		return s.view(*a, s.o.Clock.Location()), nil
	}
	return api.Alarm{}, notFound(id)
}

func (s *Service) view(a alarm.Alarm, loc *time.Location) api.Alarm {
	v := api.Alarm{Alarm: a, State: api.StateOff}
	switch {
	case s.o.Ringer.IsRinging(a.ID):
		v.State = api.StateRinging
	case !a.Enabled:
	case !a.SnoozedUntil.IsZero():
		v.State = api.StateSnoozed
	default:
		v.State = api.StateOn
	}
	if at, _, ok := a.NextRingAfterSkips(loc); ok && v.State != api.StateRinging {
		v.Next = at.In(loc)
	}
	return v
}

// Add creates an alarm from req.
func (s *Service) Add(req api.AddRequest) (api.Alarm, error) {
	loc := s.o.Clock.Location()
	now := s.o.Clock.Now().In(loc)
	a, err := s.newAlarm(req, now, loc)
	if err != nil {
		return api.Alarm{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	err = s.change(func(d *store.Data) error {
		if d.NextID < 1 {
			d.NextID = 1
		}
		a.ID = d.NextID
		d.NextID++
		d.Alarms = append(d.Alarms, a)
		return nil
	})
	if err != nil {
		return api.Alarm{}, err
	}
	s.log.Info("alarm added", "alarm", a.ID, "label", a.Label, "kind", a.Kind)
	s.remindFrom[a.ID] = now
	v := s.view(a, loc)
	s.emit(api.Event{Type: api.EventAdded, ID: a.ID, Alarm: &v})
	s.emitNext()
	s.changed()
	return v, nil
}

// newAlarm builds and checks the alarm req asks for; it touches no state but the defaults.
func (s *Service) newAlarm(req api.AddRequest, now time.Time, loc *time.Location) (alarm.Alarm, error) {
	spec, err := when.Parse(req.When, now)
	if err != nil {
		return alarm.Alarm{}, badRequest("%v", err)
	}
	a := alarm.Alarm{Kind: spec.Kind, Enabled: true, Created: now}
	switch spec.Kind {
	case when.Local:
		a.First = spec.Wall
	default:
		a.At = spec.At
	}
	if req.Label != nil {
		if strings.TrimSpace(*req.Label) == "" {
			return alarm.Alarm{}, badRequest("label is empty; leave it out for a plain \"Alarm\"")
		}
		if err := alarm.ValidateLabel(*req.Label); err != nil {
			return alarm.Alarm{}, badRequest("%v", err)
		}
		a.Label = *req.Label
	}
	if req.Repeat != "" {
		r, err := when.ParseRepeat(req.Repeat)
		if err != nil {
			return alarm.Alarm{}, badRequest("%v", err)
		}
		a.Repeat = r
		if a.Kind != when.Local {
			// "in 25m --repeat daily": repeat at that wall-clock time from then on.
			a.Kind, a.First, a.At = when.Local, when.WallOf(a.At.In(loc)), time.Time{}
		}
		if _, ok := a.Repeat.NextIn(a.First, when.Wall{}, loc); !ok {
			return alarm.Alarm{}, badRequest("repeat rule %q has no occurrence on or after %s", req.Repeat, a.First)
		}
	}
	s.mu.Lock()
	def := s.o.Defaults
	s.mu.Unlock()
	if err := applyOptions(&a, req, def); err != nil {
		return alarm.Alarm{}, err
	}
	if a.Sound != "" && s.o.CheckSound != nil {
		if err := s.o.CheckSound(a.Sound); err != nil {
			return alarm.Alarm{}, badRequest("%v", err)
		}
	}
	remind := req.Remind
	if remind == "" {
		remind = def.Remind
	}
	if remind != "" {
		rs, err := alarm.ParseReminders("--remind", remind)
		if err != nil {
			return alarm.Alarm{}, badRequest("%v", err)
		}
		a.Remind = rs
		if err := checkReminders(&a, now, loc); err != nil {
			return alarm.Alarm{}, err
		}
	}
	return a, nil
}

// applyOptions sets a's options from req, or from def where req leaves them out, each checked
// against its alarm.Limit.
func applyOptions(a *alarm.Alarm, req api.AddRequest, def alarm.Defaults) error {
	for _, o := range []struct {
		limit alarm.Limit
		text  string
		def   time.Duration
		dst   *alarm.Duration
	}{
		{alarm.SnoozeLimit, req.Snooze, def.Snooze, &a.Snooze},
		{alarm.RingLimit, req.Ring, def.Ring, &a.Ring},
		{alarm.LateLimit, req.Late, def.Late, &a.Late},
		{alarm.FadeLimit, req.Fade, def.Fade, &a.Fade},
	} {
		v := o.def
		if o.text != "" {
			d, err := o.limit.Parse("--"+o.limit.Name, o.text)
			if err != nil {
				return badRequest("%v", err)
			}
			v = d
		}
		*o.dst = alarm.Duration(v)
	}
	a.Volume = def.Volume
	if req.Volume != 0 {
		if err := alarm.CheckVolume("--volume", req.Volume); err != nil {
			return badRequest("%v", err)
		}
		a.Volume = req.Volume
	}
	a.Sound = def.Sound
	if req.Sound != "" {
		a.Sound = req.Sound
	}
	a.Wake = wakeChoice(req.Wake, def.Wake)
	return nil
}

// Delete removes an alarm, silencing it if it rings; from says where that was asked, for the
// history of an occurrence it ends.
func (s *Service) Delete(id int, from string) error {
	defer s.flushHistory()
	return s.delete(id, from)
}

func (s *Service) delete(id int, from string) error {
	now := s.o.Clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var ended []history.Entry
	err := s.change(func(d *store.Data) error {
		ended = nil
		a := find(d, id)
		if a == nil {
			return notFound(id)
		}
		if e, ok := endOccurrence(a, history.Stopped, from, now); ok {
			ended = append(ended, e)
		}
		remove(d, id)
		return nil
	})
	if err != nil {
		return err
	}
	s.o.Ringer.Forget(id)
	s.o.Ringer.CancelReminder(id)
	delete(s.remindFrom, id)
	s.appendHistory(ended)
	s.log.Info("alarm removed", "alarm", id)
	s.emit(api.Event{Type: api.EventRemoved, ID: id, From: from})
	s.emitNext()
	s.changed()
	return nil
}

// Snooze snoozes ringing alarm id (0: every ringing alarm) for d (0: each alarm's own snooze
// time); from says where that was asked. It returns the alarms snoozed.
func (s *Service) Snooze(id int, d time.Duration, from string) ([]int, error) {
	if d != 0 && !alarm.SnoozeLimit.Contains(d) {
		return nil, badRequest("snooze %s is out of range; accepted: %s", d, alarm.SnoozeLimit.Range())
	}
	ids, err := s.ringingTargets(id, false)
	if err != nil {
		return nil, err
	}
	now := s.o.Clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	until := map[int]time.Time{}
	s.record(func(data *store.Data) {
		for _, id := range ids {
			if a := find(data, id); a != nil {
				dd := d
				if dd == 0 {
					dd = a.SnoozeFor()
				}
				a.SnoozedUntil = now.Add(dd).Round(0)
				until[id] = a.SnoozedUntil
				if a.Ringing != nil {
					a.Ringing.Snoozes++
				}
			}
		}
	})
	for _, id := range ids {
		s.o.Ringer.Snooze(id, until[id].In(s.o.Clock.Location()))
		s.log.Info("alarm snoozed", "alarm", id, "until", until[id].Format(time.RFC3339), "from", from)
		s.emit(api.Event{Type: api.EventSnoozed, ID: id, Until: until[id], From: from})
	}
	s.emitNext()
	s.changed()
	return ids, nil
}

// Dismiss stops ringing alarm id (0: every ringing alarm); a snoozed alarm named by id is
// dismissed too; from says where that was asked. It returns the alarms stopped.
func (s *Service) Dismiss(id int, from string) ([]int, error) {
	ids, err := s.ringingTargets(id, true)
	if err != nil {
		return nil, err
	}
	// Silencing and recording under one lock: the loop must not see the alarm no longer ringing
	// and finish it as not acknowledged in between.
	s.mu.Lock()
	for _, id := range ids {
		s.o.Ringer.Stop(id)
		s.finishLocked(id, history.Stopped, from)
		s.log.Info("alarm stopped", "alarm", id, "from", from)
	}
	s.mu.Unlock()
	s.flushHistory()
	return ids, nil
}

// ringingTargets resolves the id of snooze/dismiss: 0 means all ringing alarms.
func (s *Service) ringingTargets(id int, snoozedToo bool) ([]int, error) {
	if id == 0 {
		ids := s.o.Ringer.Ringing()
		if len(ids) == 0 {
			return nil, conflict("no alarm is ringing")
		}
		return ids, nil
	}
	d := s.snapshot()
	a := find(&d, id)
	if a == nil {
		return nil, notFound(id)
	}
	if s.o.Ringer.IsRinging(id) || (snoozedToo && !a.SnoozedUntil.IsZero()) {
		return []int{id}, nil
	}
	return nil, conflict("alarm %d is not ringing", id)
}

// SetPaused pauses or resumes all alarms; due occurrences are skipped silently while paused.
func (s *Service) SetPaused(p bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.change(func(d *store.Data) error { d.Paused = p; return nil }); err != nil {
		return err
	}
	s.emitNext()
	s.changed()
	return nil
}

func find(d *store.Data, id int) *alarm.Alarm {
	for i := range d.Alarms {
		if d.Alarms[i].ID == id {
			return &d.Alarms[i]
		}
	}
	return nil
}

func remove(d *store.Data, id int) {
	d.Alarms = slices.DeleteFunc(d.Alarms, func(a alarm.Alarm) bool { return a.ID == id })
}
