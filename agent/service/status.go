package service

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"alarmd/agent/api"
	"alarmd/agent/store"
)

// Status reports the agent's state.
func (s *Service) Status() api.Status {
	s.mu.Lock()
	d, memoryErr := s.data(), s.memoryErr
	warnings := slices.Clone(s.warnings)
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
		Warnings:      warnings,
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
	st.Wake = s.wakeStatus()
	st.Next = nextOf(s.views(d, loc))
	return st
}

// nextOf is the alarm that rings soonest, or nil.
func nextOf(alarms []api.Alarm) *api.Alarm {
	var best *api.Alarm
	for i := range alarms {
		v := &alarms[i]
		if !v.Next.IsZero() && (best == nil || v.Next.Before(best.Next)) {
			best = v
		}
	}
	if best == nil {
		return nil
	}
	next := *best
	return &next
}
