package service

import (
	"slices"

	"alarmd/agent/api"
	"alarmd/agent/store"
)

// Snapshot returns the alarms, the pause and what rings, read once for a tray redraw. Unlike
// Status it asks nothing of the tray, the notifier or the audio device (no Health), so a redraw
// never calls back into the tray or waits on the bus.
func (s *Service) Snapshot() api.Snapshot {
	d := s.snapshot()
	alarms := s.views(d)
	return api.Snapshot{
		Alarms:  alarms,
		Paused:  d.Paused,
		Ringing: s.o.Ringer.Ringing(),
		Next:    nextToRing(alarms),
	}
}

// views are the alarms of d with their state and next ring, in id order.
func (s *Service) views(d store.Data) []api.Alarm {
	loc := s.o.Clock.Location()
	out := make([]api.Alarm, 0, len(d.Alarms))
	for _, a := range d.Alarms {
		out = append(out, s.view(a, loc))
	}
	slices.SortFunc(out, func(a, b api.Alarm) int { return a.ID - b.ID })
	return out
}

// nextToRing is the alarm of alarms that rings soonest, or nil when none will ring.
func nextToRing(alarms []api.Alarm) *api.Alarm {
	var best *api.Alarm
	for i := range alarms {
		if a := &alarms[i]; !a.Next.IsZero() && (best == nil || a.Next.Before(best.Next)) {
			best = a
		}
	}
	if best == nil {
		return nil
	}
	next := *best
	return &next
}
