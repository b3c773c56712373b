package service

import (
	"alarmd/agent/api"
)

// Snapshot returns the alarms, the pause and what rings, read once for a tray redraw. Unlike
// Status it asks nothing of the tray, the notifier or the audio device (no Health), so a redraw
// never calls back into the tray or waits on the bus.
func (s *Service) Snapshot() api.Snapshot {
	d := s.snapshot()
	alarms := s.views(d, s.o.Clock.Location())
	return api.Snapshot{
		Alarms:  alarms,
		Paused:  d.Paused,
		Ringing: s.o.Ringer.Ringing(),
		Next:    nextOf(alarms),
	}
}
