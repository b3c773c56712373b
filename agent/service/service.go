// Package service is the agent's heart: it owns the alarms (through the store), runs the
// scheduling loop that rings them on time, and offers the operations the control API, the tray
// and the signals use. Each change is written to the store before it is acknowledged, and each
// occurrence is recorded before it rings.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"alarmd/agent/alarm"
	"alarmd/agent/api"
	"alarmd/agent/clock"
	"alarmd/agent/ringer"
	"alarmd/agent/scheduler"
	"alarmd/agent/store"
	"alarmd/agent/when"
)

// Error is an operation's failure with the HTTP status the control API answers it with.
type Error struct {
	Status int // 400 bad input, 404 no such alarm, 409 not possible in this state
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

func badRequest(format string, a ...any) error { return &Error{400, fmt.Sprintf(format, a...)} }
func notFound(id int) error {
	return &Error{404, fmt.Sprintf("no alarm with id %d (see: alarmd list)", id)}
}
func conflict(format string, a ...any) error { return &Error{409, fmt.Sprintf(format, a...)} }

// Limits on the per-alarm options.
const (
	minDuration = time.Second
	maxSnooze   = 24 * time.Hour
	maxRing     = 24 * time.Hour
	maxLate     = 7 * 24 * time.Hour
	maxFade     = time.Hour
)

// Defaults are the option values used when `add` does not give them (from the config file).
type Defaults struct {
	Sound  string
	Snooze time.Duration
	Ring   time.Duration
	Late   time.Duration
	Fade   time.Duration
	Volume int
}

// Options are what a Service is built from.
type Options struct {
	Store    *store.Store
	Clock    clock.Clock
	Ringer   *ringer.Ringer
	Log      *slog.Logger
	Version  string
	PID      int
	Defaults Defaults
	// CheckSound validates --sound at add time (nil: any name is accepted).
	CheckSound func(sound string) error
	// Health reports the tray, notification and audio state lines for status (nil: "not
	// available").
	Health func() (tray, notifications, audio string)
	// Quit asks the agent to exit (POST /v1/stop).
	Quit func()
}

// Service is the alarm service. Its methods are safe for concurrent use.
type Service struct {
	o       Options
	log     *slog.Logger
	started time.Time
	kick    chan struct{}

	mu sync.Mutex // serialises changes so that check-then-update is atomic
	// memory, when set, is the alarm data the agent works from instead of the store: the file is
	// from a newer alarmd (read-only), or writing it failed (full disk, read-only file system).
	// What rang is recorded there, so nothing rings twice; see update.
	memory    *store.Data
	memoryErr error // the write failure that started memory mode; nil for a read-only store
	warnings  []string

	subMu sync.Mutex
	subs  []chan struct{}

	// armed, when set (tests), is called each time the loop has armed its timer and waits.
	armed func(at time.Time)
}

// New returns a Service; call Run to start ringing.
func New(o Options) *Service {
	s := &Service{o: o, log: o.Log, kick: make(chan struct{}, 1)}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.started = o.Clock.Now()
	if o.Store.ReadOnly() {
		d := o.Store.Snapshot()
		s.memory = &d
	}
	if w := o.Store.Warning(); w != "" {
		s.warnings = append(s.warnings, w)
	}
	return s
}

// Subscribe returns a channel that receives a value (coalesced) after every change to the alarms
// or the ringing state; the tray redraws from it.
func (s *Service) Subscribe() <-chan struct{} {
	ch := make(chan struct{}, 1)
	s.subMu.Lock()
	s.subs = append(s.subs, ch)
	s.subMu.Unlock()
	return ch
}

func (s *Service) changed() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
	s.subMu.Lock()
	for _, ch := range s.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	s.subMu.Unlock()
}

// snapshot is data for callers that do not hold s.mu: in memory mode s.memory changes under it.
func (s *Service) snapshot() store.Data {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data()
}

// data is a copy of the current alarm data. The caller holds s.mu.
func (s *Service) data() store.Data {
	if s.memory != nil {
		d := *s.memory
		d.Alarms = slices.Clone(d.Alarms)
		return d
	}
	return s.o.Store.Snapshot()
}

// update changes the alarms; internal changes are the agent's own records of what rang.
//
// When the file is from a newer alarmd, internal changes happen in memory only (the agent keeps
// ringing correctly without writing a file it does not understand) and user changes are refused.
// When writing fails (a full disk, a read-only file system), the agent switches to memory too,
// so an occurrence it could not record still never rings twice; every later change first tries
// to write the whole in-memory data, and the first write that works ends memory mode. A user
// change that cannot be written is refused, and nothing is lost that was acknowledged.
func (s *Service) update(internal bool, fn func(d *store.Data) error) error {
	if s.memory == nil {
		err := s.o.Store.Update(fn)
		if err == nil || !internal || errors.Is(err, store.ErrReadOnly) {
			return err
		}
		return s.enterMemory(fn, err)
	}
	next := s.data()
	if err := fn(&next); err != nil {
		return err
	}
	if s.o.Store.ReadOnly() {
		if !internal {
			return conflict("%v", store.ErrReadOnly)
		}
		s.memory = &next
		return nil
	}
	werr := s.o.Store.Update(func(d *store.Data) error { *d = next; return nil })
	if werr == nil {
		s.log.Info("alarms file written again; changes made while it could not be are saved")
		s.memory, s.memoryErr = nil, nil
		return nil
	}
	if internal {
		s.memory = &next
		return nil
	}
	return werr
}

// enterMemory starts memory mode after the store failed to write an internal change.
func (s *Service) enterMemory(fn func(d *store.Data) error, cause error) error {
	d := s.o.Store.Snapshot()
	if err := fn(&d); err != nil {
		return err
	}
	s.memory, s.memoryErr = &d, cause
	s.log.Error("alarms file cannot be written; alarms ring from memory until it can", "err", cause)
	return nil
}

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

// evaluate rings what is due, records what was missed, and returns the next instant to wake at.
func (s *Service) evaluate() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	now, loc := s.o.Clock.Now(), s.o.Clock.Location()
	d := s.data()
	plan := scheduler.Compute(d.Alarms, now, loc, d.Paused, s.o.Ringer.IsRinging)
	if len(plan.Ring)+len(plan.Missed)+len(plan.Skipped)+len(plan.Finished) == 0 {
		return plan.Next
	}
	var rung []alarm.Alarm
	var missed []string
	record := func(d *store.Data) error {
		rung, missed = nil, nil
		for _, due := range plan.Ring {
			if a := find(d, due.ID); a != nil {
				scheduler.Record(a, due)
				rung = append(rung, *a)
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
				missed = append(missed, fmt.Sprintf("%s %s (%s late)", due.At.In(loc).Format("Mon 15:04"), a.Title(), roughly(due.Late)))
			}
		}
		for _, id := range plan.Finished {
			if a := find(d, id); a != nil && scheduler.Finish(a) {
				remove(d, id)
			}
		}
		return nil
	}
	// The record is in the file before anything rings; its fsyncs follow right after the
	// notification went out (see store.UpdateThenSync), keeping them off the due → ring path.
	syncRecord := func() {}
	var err error
	if s.memory == nil {
		syncRecord, err = s.o.Store.UpdateThenSync(record)
		if err != nil {
			err = s.enterMemory(record, err)
		}
	} else {
		err = s.update(true, record)
	}
	if err != nil {
		// Not reached (record does not fail), but if it were: not ringing at all loses the
		// alarm, so ring what is due and say why it was not recorded.
		s.log.Error("could not record due alarms; ringing anyway", "err", err)
		rung = rung[:0]
		for _, due := range plan.Ring {
			if a := find(&d, due.ID); a != nil {
				scheduler.Record(a, due)
				rung = append(rung, *a)
			}
		}
	}
	for i, a := range rung {
		due := plan.Ring[i]
		s.o.Ringer.Ring(a, due.At.In(loc), due.Late, due.Snoozed)
		s.log.Info("ringing", "alarm", a.ID, "label", a.Label, "due", due.At.Format(time.RFC3339),
			"late", due.Late.Round(time.Millisecond), "rung_after", s.o.Clock.Now().Sub(due.At).Round(100*time.Microsecond))
	}
	syncRecord()
	if len(missed) > 0 {
		s.log.Warn("missed alarms (later than their late window)", "alarms", strings.Join(missed, "; "))
		s.o.Ringer.ShowMissed(missed)
	}
	s.changed()
	next := scheduler.Compute(s.data().Alarms, now, loc, d.Paused, s.o.Ringer.IsRinging)
	if len(next.Ring)+len(next.Missed) > 0 && err == nil {
		return now // something became due while we worked: come straight back
	}
	return next.Next
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
		err = s.finish(out.ID)
	}
	if err != nil {
		s.log.Warn("could not record the end of ringing", "alarm", out.ID, "what", out.What.String(), "err", err)
	}
}

// finish records that a ringing ended: one-shots are disabled or, for relative timers, removed.
func (s *Service) finish(id int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.changed()
	return s.update(true, func(d *store.Data) error {
		a := find(d, id)
		if a == nil {
			return nil
		}
		a.SnoozedUntil = time.Time{}
		if scheduler.Finish(a) {
			remove(d, id)
		}
		return nil
	})
}

// List returns every alarm with its state and next ring, in id order.
func (s *Service) List() []api.Alarm {
	d := s.snapshot()
	loc := s.o.Clock.Location()
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
	spec, err := when.Parse(req.When, now)
	if err != nil {
		return api.Alarm{}, badRequest("%v", err)
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
			return api.Alarm{}, badRequest("label is empty; leave it out for a plain \"Alarm\"")
		}
		if err := alarm.ValidateLabel(*req.Label); err != nil {
			return api.Alarm{}, badRequest("%v", err)
		}
		a.Label = *req.Label
	}
	if req.Repeat != "" {
		r, err := when.ParseRepeat(req.Repeat)
		if err != nil {
			return api.Alarm{}, badRequest("%v", err)
		}
		a.Repeat = r
		if a.Kind != when.Local {
			// "in 25m --repeat daily": repeat at that wall-clock time from then on.
			a.Kind, a.First, a.At = when.Local, when.WallOf(a.At.In(loc)), time.Time{}
		}
		if _, ok := a.Repeat.Next(a.First, when.Wall{}); !ok {
			return api.Alarm{}, badRequest("repeat rule %q has no occurrence on or after %s", req.Repeat, a.First)
		}
	}
	s.mu.Lock()
	def := s.o.Defaults
	s.mu.Unlock()
	for _, o := range []struct {
		name     string
		text     string
		min, max time.Duration
		def      time.Duration
		dst      *alarm.Duration
	}{
		{"--snooze", req.Snooze, minDuration, maxSnooze, def.Snooze, &a.Snooze},
		{"--ring", req.Ring, minDuration, maxRing, def.Ring, &a.Ring},
		{"--late", req.Late, 0, maxLate, def.Late, &a.Late},
		{"--fade", req.Fade, 0, maxFade, def.Fade, &a.Fade},
	} {
		v := o.def
		if o.text != "" {
			d, err := time.ParseDuration(strings.TrimSpace(o.text))
			if err != nil {
				return api.Alarm{}, badRequest("%s %q is not a duration; use forms like 90s, 10m, 1h30m", o.name, o.text)
			}
			if d < o.min || d > o.max {
				return api.Alarm{}, badRequest("%s %s is out of range; accepted: %s to %s", o.name, d, o.min, o.max)
			}
			v = d
		}
		*o.dst = alarm.Duration(v)
	}
	a.Volume = def.Volume
	if req.Volume != 0 {
		if req.Volume < 1 || req.Volume > 100 {
			return api.Alarm{}, badRequest("--volume %d is out of range; accepted: 1 to 100 (percent)", req.Volume)
		}
		a.Volume = req.Volume
	}
	a.Sound = def.Sound
	if req.Sound != "" {
		a.Sound = req.Sound
	}
	if a.Sound != "" && s.o.CheckSound != nil {
		if err := s.o.CheckSound(a.Sound); err != nil {
			return api.Alarm{}, badRequest("%v", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	err = s.update(false, func(d *store.Data) error {
		if d.NextID < 1 {
			d.NextID = 1
		}
		a.ID = d.NextID
		d.NextID++
		d.Alarms = append(d.Alarms, a)
		return nil
	})
	if err != nil {
		return api.Alarm{}, wrapStore(err)
	}
	s.log.Info("alarm added", "alarm", a.ID, "label", a.Label, "kind", a.Kind)
	s.changed()
	return s.view(a, loc), nil
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
	err := s.update(false, func(d *store.Data) error {
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
		return api.Alarm{}, wrapStore(err)
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
	err := s.update(false, func(d *store.Data) error {
		if find(d, id) == nil {
			return notFound(id)
		}
		remove(d, id)
		return nil
	})
	if err != nil {
		return wrapStore(err)
	}
	s.o.Ringer.Forget(id)
	s.log.Info("alarm removed", "alarm", id)
	s.changed()
	return nil
}

// Snooze snoozes ringing alarm id (0: every ringing alarm) for d (0: each alarm's own snooze
// time). It returns the alarms snoozed.
func (s *Service) Snooze(id int, d time.Duration) ([]int, error) {
	if d != 0 && (d < minDuration || d > maxSnooze) {
		return nil, badRequest("snooze %s is out of range; accepted: %s to %s", d, minDuration, maxSnooze)
	}
	ids, err := s.ringingTargets(id, false)
	if err != nil {
		return nil, err
	}
	now := s.o.Clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	until := map[int]time.Time{}
	err = s.update(true, func(data *store.Data) error {
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
		return nil
	})
	if err != nil {
		return nil, wrapStore(err)
	}
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
		if err := s.finish(id); err != nil {
			return nil, wrapStore(err)
		}
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
	err := s.update(false, func(d *store.Data) error { d.Paused = p; return nil })
	if err != nil {
		return wrapStore(err)
	}
	s.changed()
	return nil
}

// SetDefaults replaces the option defaults for alarms added from now on (SIGHUP re-reads the
// config); alarms already stored keep the values they were added with.
func (s *Service) SetDefaults(d Defaults) {
	s.mu.Lock()
	s.o.Defaults = d
	s.mu.Unlock()
}

// Reload re-reads the alarms file (SIGHUP).
func (s *Service) Reload() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.o.Store.Reload(); err != nil {
		return fmt.Errorf("reload alarms: %w", err)
	}
	s.memory, s.memoryErr = nil, nil
	if s.o.Store.ReadOnly() {
		d := s.o.Store.Snapshot()
		s.memory = &d
	}
	if w := s.o.Store.Warning(); w != "" && !slices.Contains(s.warnings, w) {
		s.warnings = append(s.warnings, w)
		s.o.Ringer.Warn("alarmd", w)
	}
	s.changed()
	return nil
}

// Status reports the agent's state.
func (s *Service) Status() api.Status {
	s.mu.Lock()
	d, memoryErr := s.data(), s.memoryErr
	s.mu.Unlock()
	loc := s.o.Clock.Location()
	now := s.o.Clock.Now()
	st := api.Status{
		PID:           s.o.PID,
		Version:       s.o.Version,
		Started:       s.started,
		Uptime:        now.Sub(s.started).Round(time.Second).String(),
		Alarms:        len(d.Alarms),
		Ringing:       s.o.Ringer.Ringing(),
		Paused:        d.Paused,
		ReadOnly:      s.o.Store.ReadOnly(),
		Zone:          loc.String(),
		Tray:          "not available",
		Notifications: "not available",
		Audio:         "not available",
		Warnings:      slices.Clone(s.warnings),
	}
	if s.o.Health != nil {
		st.Tray, st.Notifications, st.Audio = s.o.Health()
	}
	notifyErr, soundErr := s.o.Ringer.Problems()
	if notifyErr != "" {
		st.Warnings = append(st.Warnings, "notifications are not shown: "+notifyErr)
	}
	if soundErr != "" {
		st.Warnings = append(st.Warnings, "sound is not played: "+soundErr)
	}
	if st.ReadOnly && !slices.ContainsFunc(st.Warnings, func(w string) bool { return strings.Contains(w, "read-only") }) {
		st.Warnings = append(st.Warnings, store.ErrReadOnly.Error())
	}
	if memoryErr != nil {
		st.Warnings = append(st.Warnings, fmt.Sprintf("alarms file cannot be written (%v): changes are refused, what rang is kept in memory", memoryErr))
	}
	var best *api.Alarm
	for _, v := range s.List() {
		if !v.Next.IsZero() && (best == nil || v.Next.Before(best.Next)) {
			v := v
			best = &v
		}
	}
	st.Next = best
	return st
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

func wrapStore(err error) error {
	var se *Error
	if errors.As(err, &se) {
		return err
	}
	if errors.Is(err, store.ErrReadOnly) {
		return conflict("%v", err)
	}
	return err // the store's errors already say "save alarms: …"
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
