package service

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"alarmd/agent/alarm"
	"alarmd/agent/api"
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
	if at, _, ok := a.NextRing(loc); ok && v.State != api.StateRinging {
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
	s.changed()
	return s.view(a, loc), nil
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
		if _, ok := a.Repeat.Next(a.First, when.Wall{}); !ok {
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
	return nil
}

// Patch enables, disables or relabels an alarm. Enabling a one-shot clock alarm that has already
// rung sets it for the next such time, the way a bedside alarm clock is switched back on.
func (s *Service) Patch(id int, req api.PatchRequest) (api.Alarm, error) {
	if req.Label != nil {
		if err := alarm.ValidateLabel(*req.Label); err != nil {
			return api.Alarm{}, badRequest("%v", err)
		}
	}
	loc := s.o.Clock.Location()
	now := s.o.Clock.Now().In(loc)
	var out alarm.Alarm
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.Enabled != nil && !*req.Enabled {
		s.o.Ringer.Forget(id)
	}
	err := s.change(func(d *store.Data) error {
		a := find(d, id)
		if a == nil {
			return notFound(id)
		}
		if req.Label != nil {
			a.Label = *req.Label
		}
		if req.Enabled != nil {
			a.SnoozedUntil = time.Time{}
			if *req.Enabled && !a.Enabled {
				if err := rearm(a, now, loc); err != nil {
					return err
				}
			}
			a.Enabled = *req.Enabled
		}
		out = *a
		return nil
	})
	if err != nil {
		return api.Alarm{}, err
	}
	s.changed()
	return s.view(out, loc), nil
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

// Delete removes an alarm, silencing it if it rings.
func (s *Service) Delete(id int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.change(func(d *store.Data) error {
		if find(d, id) == nil {
			return notFound(id)
		}
		remove(d, id)
		return nil
	})
	if err != nil {
		return err
	}
	s.o.Ringer.Forget(id)
	s.log.Info("alarm removed", "alarm", id)
	s.changed()
	return nil
}

// Snooze snoozes ringing alarm id (0: every ringing alarm) for d (0: each alarm's own snooze
// time). It returns the alarms snoozed.
func (s *Service) Snooze(id int, d time.Duration) ([]int, error) {
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
			}
		}
	})
	for _, id := range ids {
		s.o.Ringer.Snooze(id, until[id].In(s.o.Clock.Location()))
		s.log.Info("alarm snoozed", "alarm", id, "until", until[id].Format(time.RFC3339))
	}
	s.changed()
	return ids, nil
}

// Dismiss stops ringing alarm id (0: every ringing alarm); a snoozed alarm named by id is
// dismissed too. It returns the alarms stopped.
func (s *Service) Dismiss(id int) ([]int, error) {
	ids, err := s.ringingTargets(id, true)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		s.o.Ringer.Stop(id)
		s.finish(id)
		s.log.Info("alarm stopped", "alarm", id)
	}
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
