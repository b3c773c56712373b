package service

import (
	"time"

	"alarmd/agent/api"
)

// watcherBuffer is how many events a watcher may fall behind before it is dropped: a client
// that stops reading must not make the agent hold events for it forever (it reconnects).
const watcherBuffer = 256

// watcher is one GET /v1/events stream.
type watcher struct {
	ch chan api.Event
}

// nextKey identifies what rings next, to tell when the "next" event is due.
type nextKey struct {
	id int
	at time.Time
}

// Watch returns a channel of the service's events (DESIGN §12) and a func that stops them. The
// first event is "next", saying what rings next now. The channel is closed when stop is called or
// when the watcher fell more than watcherBuffer events behind. Events are sent as changes happen:
// a watcher that only waits costs nothing.
func (s *Service) Watch() (events <-chan api.Event, stop func()) {
	w := &watcher{ch: make(chan api.Event, watcherBuffer)}
	s.mu.Lock()
	s.watchers[w] = struct{}{}
	next := nextOf(s.views(s.data(), s.o.Clock.Location()))
	s.lastNext = keyOf(next)
	w.ch <- api.Event{Type: api.EventNext, At: s.o.Clock.Now(), Alarm: next}
	s.mu.Unlock()
	return w.ch, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if _, ok := s.watchers[w]; ok {
			delete(s.watchers, w)
			close(w.ch)
		}
	}
}

func keyOf(a *api.Alarm) nextKey {
	if a == nil {
		return nextKey{}
	}
	return nextKey{a.ID, a.Next}
}

// emit sends ev to every watcher without waiting; one whose buffer is full is dropped. The
// caller holds s.mu.
func (s *Service) emit(ev api.Event) {
	if len(s.watchers) == 0 {
		return
	}
	if ev.At.IsZero() {
		ev.At = s.o.Clock.Now()
	}
	for w := range s.watchers {
		select {
		case w.ch <- ev:
		default:
			s.log.Warn("event watcher fell behind; dropping it (it reconnects)")
			delete(s.watchers, w)
			close(w.ch)
		}
	}
}

// emitNext sends "next" when what rings next changed. The caller holds s.mu.
func (s *Service) emitNext() {
	if len(s.watchers) == 0 {
		return
	}
	next := nextOf(s.views(s.data(), s.o.Clock.Location()))
	if k := keyOf(next); k != s.lastNext {
		s.lastNext = k
		s.emit(api.Event{Type: api.EventNext, Alarm: next})
	}
}
