package app

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"alarmd/agent/api"
	"alarmd/agent/clock"
	"alarmd/agent/dnd"
	"alarmd/agent/service"
	"alarmd/agent/soundserver"
)

// Heard-for-sure (DESIGN §16): the agent watches the default sound output and the notification
// server's Do Not Disturb mode, says so in status, doctor, the tray and at add, and — with
// [audio] unmute — raises the output while alarms ring. Everything here is driven by events
// (the sound server's subscription, D-Bus signals, the service's change notices); nothing runs
// on a timer.

// Silent-output warnings: at most one notification an hour, and only for an alarm due this soon.
const (
	silentWarnEvery  = time.Hour
	silentWarnWithin = 12 * time.Hour
)

// heard holds the output monitor, the DND watcher and the unmuter, and merges their changes
// with the service's for the tray.
type heard struct {
	out     outputWatch
	dnd     *dnd.Watcher         // nil without a session bus
	unmuter *soundserver.Unmuter // nil: [audio] unmute is off
	svc     snapshotter
	ring    ringState
	clock   clock.Clock
	log     *slog.Logger

	// The channels watch reads, subscribed before anything can ring.
	changes, outputChanges, dndChanges <-chan struct{}
	stopped                            chan struct{} // closed when watch has returned

	mu         sync.Mutex
	lastWarned time.Time // the last silent-output notification
	subs       []chan struct{}
}

// outputWatch is what heard reads of the sound output; *soundserver.Monitor implements it.
type outputWatch interface {
	State() soundserver.State
	Subscribe() <-chan struct{}
	Refresh()
}

// snapshotter is what heard reads of the service.
type snapshotter interface {
	Snapshot() api.Snapshot
}

// ringState is what heard reads of the ringer and asks of it.
type ringState interface {
	Ringing() []int
	Warn(title, body string)
}

// unmuteRecord is the file in the runtime directory that keeps what [audio] unmute changed.
const unmuteRecord = "unmute.json"

// startHeard starts the watchers; run's goroutine (watch) drives them. It never fails: without
// a sound server or a session bus the corresponding part reports that it cannot check.
func (a *agent) startHeard() {
	h := &heard{svc: a.svc, ring: a.ring, clock: a.clock, log: a.log, stopped: make(chan struct{})}
	monitor := soundserver.Open(a.log)
	a.onRelease(monitor.Close)
	h.out = monitor
	h.changes, h.outputChanges = a.svc.Subscribe(), h.out.Subscribe()
	// Repair what an agent killed while ringing left unmuted, whether or not unmute is still
	// on: the user's output is theirs.
	u := soundserver.NewUnmuter(monitor, filepath.Join(a.paths.RuntimeDir, unmuteRecord), a.cfg.Audio.MinVolume, a.log)
	u.Repair()
	if a.cfg.Audio.Unmute {
		h.unmuter = u
	}
	if w, err := dnd.Watch(a.desktopLog); err == nil {
		h.dnd = w
		h.dndChanges = w.Subscribe()
		a.onRelease(w.Close)
	}
	// Released before the monitor: an orderly stop puts the output back first.
	a.onRelease(func() {
		select {
		case <-h.stopped:
		case <-time.After(5 * time.Second):
		}
	})
	a.heard = h
	go h.watch(a.ctx.Done())
}

// watch follows the service, the output and the DND mode until the agent stops. It blocks on
// their channels in between: no wakeups while nothing changes.
func (h *heard) watch(done <-chan struct{}) {
	defer close(h.stopped)
	ringing := false
	h.warnSilent() // an alarm due soon into an output that was muted before the agent started
	for {
		select {
		case <-done:
			if ringing && h.unmuter != nil {
				h.unmuter.Ringing(false) // an orderly stop puts the output back too
			}
			return
		case <-h.changes:
			now := len(h.ring.Ringing()) > 0
			if now != ringing {
				ringing = now
				if h.unmuter != nil {
					h.unmuter.Ringing(ringing)
				}
				if ringing && h.dnd != nil {
					h.dnd.Refresh() // the log says when a ring starts hidden (mako's modes)
				}
			}
		case <-h.outputChanges:
		case <-h.dndChanges:
		}
		h.warnSilent()
		h.tell()
	}
}

// Subscribe is the service's change channel widened by the output's and the DND mode's
// changes: the tray redraws on any of them.
func (h *heard) Subscribe() <-chan struct{} {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	h.subs = append(h.subs, ch)
	h.mu.Unlock()
	return ch
}

func (h *heard) tell() {
	h.mu.Lock()
	subs := h.subs
	h.mu.Unlock()
	for _, ch := range subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// output is the output's state for the API.
func (h *heard) output() api.Output {
	st := h.out.State()
	return api.Output{Checked: st.Checked, Reason: st.Reason, Sink: st.Sink, Muted: st.Muted, Volume: st.Volume, Silent: st.Silent()}
}

// warnSilent shows the silent-output notification when the output is silent and an alarm is due
// within silentWarnWithin, at most once per silentWarnEvery. It is evaluated when something
// changes (the output, an alarm, a ring), never on a clock tick.
func (h *heard) warnSilent() {
	st := h.out.State()
	if !st.Silent() {
		return
	}
	snap := h.svc.Snapshot()
	now := h.clock.Now()
	if snap.Paused || snap.Next == nil || snap.Next.Next.Sub(now) > silentWarnWithin {
		return
	}
	h.mu.Lock()
	due := h.lastWarned.IsZero() || now.Sub(h.lastWarned) >= silentWarnEvery
	if due {
		h.lastWarned = now
	}
	h.mu.Unlock()
	if !due {
		return
	}
	body := fmt.Sprintf("%s at %s will only be shown, not heard. Unmute the sound output, or set [audio] unmute = true in alarmd's config.",
		snap.Next.Title(), snap.Next.Next.In(h.clock.Location()).Format("Mon 15:04"))
	h.ring.Warn("Sound output is "+st.Describe(), body)
}

// decorate adds the output and the DND mode to a status.
func (h *heard) decorate(st api.Status) api.Status {
	h.out.Refresh() // a sound server started after the agent is found now
	o := h.output()
	st.Output = &o
	out := h.out.State()
	switch {
	case out.Silent():
		st.Audio = fmt.Sprintf("%s (output %s): alarms will only be shown; player %s", out.Describe(), out.Sink, st.Audio)
		st.Warnings = append(st.Warnings, "sound output is "+out.Describe()+" — alarms will only be shown")
	case out.Checked:
		st.Audio += fmt.Sprintf(" · output %s %s", out.Sink, out.Describe())
	default:
		st.Audio += " · volume cannot be checked (" + out.Reason + ")"
	}
	if h.dnd != nil {
		h.dnd.Refresh() // mako announces no mode change: read it now
		if d := h.dnd.State(); d.Held {
			st.DoNotDisturb = d.How
			st.Notifications += " — " + d.Describe()
			st.Warnings = append(st.Warnings, d.Describe()+": alarms still ring with sound")
		}
	}
	return st
}

// statusWithOutput is the service as the control socket serves it: Status carries the output
// and the DND mode.
type statusWithOutput struct {
	*service.Service
	h *heard
}

func (s statusWithOutput) Status() api.Status { return s.h.decorate(s.Service.Status()) }

// trayController is the service as the tray drives it: the snapshot says whether the output
// is silent, the change channel includes the output's changes, and an alarm added from the
// tray while the output is silent gets one warning.
type trayController struct {
	*service.Service
	h *heard
}

func (c trayController) Snapshot() api.Snapshot {
	s := c.Service.Snapshot()
	if st := c.h.out.State(); st.Silent() {
		s.Silent = st.Describe()
	}
	return s
}

func (c trayController) Subscribe() <-chan struct{} { return c.h.Subscribe() }

func (c trayController) Add(req api.AddRequest) (api.Alarm, error) {
	st := c.h.out.State()
	if st.Silent() {
		// This add's warning is the hour's: the change notice the add causes shows no second.
		c.h.mu.Lock()
		c.h.lastWarned = c.h.clock.Now()
		c.h.mu.Unlock()
	}
	a, err := c.Service.Add(req)
	if err == nil && st.Silent() {
		c.h.ring.Warn("Sound output is "+st.Describe(), a.Title()+" will only be shown, not heard: unmute the sound output.")
	}
	return a, err
}
