package service

import (
	"time"

	"alarmd/agent/alarm"
	"alarmd/agent/history"
	"alarmd/agent/scheduler"
	"alarmd/agent/store"
)

// endOccurrence ends a's ringing or snoozed occurrence with end, from where it was ended, and
// returns its history entry; ok is false when a has no occurrence under way. The caller holds
// s.mu and changes a inside a store change.
func endOccurrence(a *alarm.Alarm, end, from string, now time.Time) (history.Entry, bool) {
	occ := a.Ringing
	if occ == nil {
		return history.Entry{}, false
	}
	a.Ringing = nil
	return history.Entry{ID: a.ID, Label: a.Label, Due: occ.Due, Rang: occ.Rang, Ended: now, End: end,
		Snoozes: occ.Snoozes, From: from}, true
}

// unrung is the history entry of an occurrence that passed without ringing (missed, skipped,
// paused).
func unrung(a *alarm.Alarm, due scheduler.Due, end, from string, now time.Time) history.Entry {
	return history.Entry{ID: a.ID, Label: a.Label, Due: due.At, Ended: now, End: end, From: from}
}

// appendHistory writes entries to the history in order, on the history's own queue: the disk is
// never waited on under the service lock.
func (s *Service) appendHistory(entries []history.Entry) {
	if s.o.History == nil || len(entries) == 0 {
		return
	}
	s.historyQueue.Push(func() {
		for _, e := range entries {
			if err := s.o.History.Append(e); err != nil {
				s.log.Warn("history entry not written", "alarm", e.ID, "end", e.End, "err", err)
			}
		}
	})
}

// flushWait bounds how long a user's request waits for its history entry to be on disk.
const flushWait = 2 * time.Second

// flushHistory waits (holding no lock) until the entries queued so far are written, so that what
// a request acknowledges (a stop, an edit that ended a ring) is in the history when it answers.
func (s *Service) flushHistory() {
	if s.o.History != nil {
		s.historyQueue.Wait(flushWait)
	}
}

// History returns the history entries q selects, oldest first.
func (s *Service) History(q history.Query) ([]history.Entry, error) {
	if s.o.History == nil {
		return nil, nil
	}
	s.flushHistory() // what was ended before the request is in it
	entries, err := s.o.History.Read(q)
	if err != nil {
		return nil, err
	}
	return entries, nil
}

// recoverInterrupted ends, as not acknowledged, the occurrences that were ringing when the agent
// last stopped (a crash or a kill while ringing): they will not ring again, and their history
// entry is written now. Snoozed ones keep their snooze. The caller holds s.mu.
func (s *Service) recoverInterrupted() {
	now := s.o.Clock.Now()
	var ended []history.Entry
	d := s.data()
	stale := false
	for _, a := range d.Alarms {
		stale = stale || (a.Ringing != nil && a.SnoozedUntil.IsZero())
	}
	if !stale {
		return
	}
	s.record(func(d *store.Data) {
		ended = nil
		for i := range d.Alarms {
			a := &d.Alarms[i]
			if a.Ringing != nil && a.SnoozedUntil.IsZero() {
				if e, ok := endOccurrence(a, history.NotAcknowledged, history.FromAgent, now); ok {
					ended = append(ended, e)
				}
			}
		}
	})
	s.appendHistory(ended)
}
