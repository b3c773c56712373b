package service

import (
	"alarmd/agent/store"
)

// Memory mode (DESIGN §11). When the alarms file is from a newer alarmd (read-only), or writing
// it failed (a full disk, a read-only file system), the agent works from s.memory instead of the
// store. Its own records of what rang go there, so an occurrence it could not write down still
// never rings twice; every later change first tries to write the whole in-memory data, and the
// first write that works ends memory mode. A user's change that cannot be written is refused,
// so nothing acknowledged is ever lost.

// snapshot is data for callers that do not hold s.mu: in memory mode s.memory changes under it.
func (s *Service) snapshot() store.Data {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data()
}

// data is a copy of the current alarm data. The caller holds s.mu.
func (s *Service) data() store.Data {
	if s.memory != nil {
		return s.memory.Clone()
	}
	return s.o.Store.Snapshot()
}

// change makes a user's change (add, edit, delete, pause) and writes it before returning; it
// fails when the change cannot be written. The caller holds s.mu.
func (s *Service) change(fn func(d *store.Data) error) error {
	if s.memory == nil {
		return wrapStore(s.o.Store.Update(fn))
	}
	next := s.data()
	if err := fn(&next); err != nil {
		return err
	}
	if s.o.Store.ReadOnly() {
		return wrapStore(store.ErrReadOnly)
	}
	if err := s.o.Store.Update(func(d *store.Data) error { *d = next; return nil }); err != nil {
		return err
	}
	s.leaveMemory()
	return nil
}

// record makes one of the agent's own changes (what rang, a snooze, the end of a ring) and
// writes it durably. It cannot fail: what cannot be written is kept in memory. The caller holds
// s.mu.
func (s *Service) record(fn func(d *store.Data)) { s.recordThenSync(fn, false)() }

// recordThenSync is record for the due-alarm path: with deferSync, the new file is in place
// when it returns and the returned func makes it durable (fsyncs), to be called once the alarm
// rings (see store.UpdateThenSync). The caller holds s.mu.
func (s *Service) recordThenSync(fn func(d *store.Data), deferSync bool) (sync func()) {
	noop := func() {}
	apply := func(d *store.Data) error { fn(d); return nil }
	if s.memory == nil {
		var err error
		sync = noop
		if deferSync {
			sync, err = s.o.Store.UpdateThenSync(apply)
		} else {
			err = s.o.Store.Update(apply)
		}
		if err == nil {
			return sync
		}
		d := s.o.Store.Snapshot()
		fn(&d)
		s.memory, s.memoryErr = &d, err
		s.log.Error("alarms file cannot be written; alarms ring from memory until it can", "err", err)
		return noop
	}
	next := s.data()
	fn(&next)
	s.memory = &next
	if !s.o.Store.ReadOnly() && s.o.Store.Update(func(d *store.Data) error { *d = next; return nil }) == nil {
		s.leaveMemory()
	}
	return noop
}

// leaveMemory ends memory mode after the whole in-memory data was written. The caller holds s.mu.
func (s *Service) leaveMemory() {
	s.log.Info("alarms file written again; changes made while it could not be are saved")
	s.memory, s.memoryErr = nil, nil
}
