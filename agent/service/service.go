// Package service is the agent's heart: it owns the alarms (through the store), runs the
// scheduling loop that rings them on time, and offers the operations the control API, the tray
// and the signals use. Each change is written to the store before it is acknowledged, and each
// occurrence is recorded before it rings.
package service

import (
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"alarmd/agent/alarm"
	"alarmd/agent/clock"
	"alarmd/agent/history"
	"alarmd/agent/internal/serial"
	"alarmd/agent/ringer"
	"alarmd/agent/store"
)

// Options are what a Service is built from.
type Options struct {
	Store    *store.Store
	Clock    clock.Clock
	Ringer   *ringer.Ringer
	Log      *slog.Logger
	Version  string
	PID      int
	Defaults alarm.Defaults
	// CheckSound validates --sound at add time (nil: any name is accepted).
	CheckSound func(sound string) error
	// Health reports the tray, notification and audio state lines for status (nil: "not
	// available").
	Health func() (tray, notifications, audio string)
	// Quit asks the agent to exit (POST /v1/stop).
	Quit func()
	// History records how each occurrence ended (nil: not recorded).
	History *history.Log
	// Wake arms the timer that wakes the computer for an alarm (DESIGN §15; zero: no waking).
	Wake WakeOptions
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

	// remindedUpTo is the instant up to which reminders were considered; remindFrom, per alarm,
	// the instant it last changed: a reminder whose moment lies before either is not shown late.
	remindedUpTo time.Time
	remindFrom   map[int]time.Time

	subMu sync.Mutex
	subs  []chan struct{}

	// watchers receive the events of GET /v1/events (see events.go); lastNext is the alarm that
	// rang next when they were last told. Both are guarded by s.mu.
	watchers map[*watcher]struct{}
	lastNext nextKey

	// historyQueue appends history entries in order, off the service lock.
	historyQueue serial.Queue

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
	s.remindedUpTo, s.remindFrom = s.started, map[int]time.Time{}
	s.watchers = map[*watcher]struct{}{}
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

// SetDefaults replaces the option defaults for alarms added from now on (SIGHUP re-reads the
// config); alarms already stored keep the values they were added with.
func (s *Service) SetDefaults(d alarm.Defaults) {
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
