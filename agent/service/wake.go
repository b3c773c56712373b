package service

import (
	"fmt"
	"slices"
	"time"
)

// WakeTimer is the timer that wakes the computer from suspend (agent/wake's *Timer).
type WakeTimer interface {
	Arm(at time.Time)
}

// WakeOptions connect the service to waking the computer for alarms (DESIGN §15). The zero
// value means the agent cannot wake it.
type WakeOptions struct {
	// Timer is armed at the next wake-enabled ring minus Lead; nil when the agent cannot wake
	// the machine.
	Timer WakeTimer
	// Lead is how long before the ring the machine is woken.
	Lead time.Duration
	// Problem says why Timer is nil, and Setup is the command that fixes it ("" when none does),
	// for status.
	Problem, Setup string
}

// wakeChoice is a new alarm's wake setting: the request's, else the configured default, else
// nil (by kind, see alarm.Alarm.WakesMachine).
func wakeChoice(req, def *bool) *bool {
	if req != nil {
		v := *req
		return &v
	}
	if def != nil {
		v := *def
		return &v
	}
	return nil
}

// nextWake is the next ring of an alarm that wakes the computer (enabled, wake on, not ringing,
// still ahead of now) and the instant to wake the machine for it: the lead before the ring, or
// the ring itself once that has passed — a machine suspended within the lead must still wake
// for it. ok is false when no alarm asks for a wake, or all are paused.
func (s *Service) nextWake() (wakeAt, ring time.Time, id int, ok bool) {
	now, loc := s.o.Clock.Now(), s.o.Clock.Location()
	s.mu.Lock()
	d := s.data()
	s.mu.Unlock()
	if d.Paused {
		return time.Time{}, time.Time{}, 0, false
	}
	for _, a := range d.Alarms {
		if !a.WakesMachine() || s.o.Ringer.IsRinging(a.ID) {
			continue
		}
		at, _, due := a.NextRingAfterSkips(loc)
		if !due || !at.After(now) || (ok && !at.Before(ring)) {
			continue
		}
		ring, id, ok = at, a.ID, true
	}
	if !ok {
		return time.Time{}, time.Time{}, 0, false
	}
	wakeAt = ring.Add(-s.o.Wake.Lead)
	if !wakeAt.After(now) {
		wakeAt = ring
	}
	return wakeAt, ring, id, true
}

// armWake re-arms the wake timer for the plan just made (called by the loop after it armed
// the ring timer), or disarms it when no alarm asks for a wake. The timer makes no system call
// when the instant is the one already armed.
func (s *Service) armWake() {
	if s.o.Wake.Timer == nil {
		return
	}
	at, _, _, _ := s.nextWake()
	s.o.Wake.Timer.Arm(at)
}

// Replan makes the loop plan again at once (the machine has just resumed).
func (s *Service) Replan() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// PrepareSleep is called when the machine is about to sleep: it arms the wake timer for the
// current plan and, when the agent cannot wake the machine, lists the alarms that ask for a wake
// and fall within the next `within` as "Wake up at 07:30" (soonest first), which will not ring
// while it sleeps. Within a day the time alone names the moment.
func (s *Service) PrepareSleep(within time.Duration) []string {
	s.armWake()
	if s.o.Wake.Timer != nil {
		return nil
	}
	now, loc := s.o.Clock.Now(), s.o.Clock.Location()
	s.mu.Lock()
	d := s.data()
	s.mu.Unlock()
	if d.Paused {
		return nil
	}
	type hit struct {
		at    time.Time
		title string
	}
	var hits []hit
	for _, a := range d.Alarms {
		if !a.WakesMachine() {
			continue
		}
		at, _, ok := a.NextRingAfterSkips(loc)
		if !ok || !at.After(now) || at.Sub(now) > within {
			continue
		}
		hits = append(hits, hit{at, a.Title()})
	}
	slices.SortFunc(hits, func(a, b hit) int { return a.at.Compare(b.at) })
	out := make([]string, 0, len(hits))
	for _, h := range hits {
		format := "15:04"
		if h.at.Second() != 0 {
			format = "15:04:05"
		}
		out = append(out, fmt.Sprintf("%s at %s", h.title, h.at.In(loc).Format(format)))
	}
	return out
}

// wakeStatus is status's wake line.
func (s *Service) wakeStatus() string {
	w := s.o.Wake
	if w.Timer == nil {
		line := "off: " + w.Problem
		if w.Problem == "" {
			line = "off: not available"
		}
		if w.Setup != "" {
			line += "; to let alarmd wake the computer, run: " + w.Setup
		}
		return line
	}
	wakeAt, ring, id, ok := s.nextWake()
	if !ok {
		return fmt.Sprintf("on (lead %s): no alarm asks for a wake now", w.Lead)
	}
	loc := s.o.Clock.Location()
	return fmt.Sprintf("on (lead %s): wakes the computer at %s for alarm %d (rings %s)",
		w.Lead, wakeAt.In(loc).Format("Mon 15:04:05"), id, ring.In(loc).Format("15:04:05"))
}
