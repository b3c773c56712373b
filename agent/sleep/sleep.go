// Package sleep makes the agent aware of the machine's sleep through logind (DESIGN §15). It
// holds a delay inhibitor, so that before a suspend it can arm the wake timer for the current
// plan and, when it cannot wake the machine and an alarm falls in the sleep, show one
// notification saying so — and then releases the lock at once. After the resume it re-plans and
// takes the lock again. When the resume came from alarmd's own wake timer it holds a block
// inhibitor (sleep and the lid switch) until the ring ends, and when nobody answered the ring
// and the session stayed as it was, it asks logind to suspend again.
//
// Nothing here polls: the watcher blocks on logind's signals, the wake timer and the ends of
// rings.
package sleep

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"alarmd/agent/ringer"
)

// Logind is what the watcher needs of logind (agent/logind's *Conn).
type Logind interface {
	PrepareForSleep() <-chan bool
	Inhibit(what, who, why, mode string) (*os.File, error)
	Suspend(interactive bool) error
	Session() (string, error)
	SessionState(path string) (active, idle bool, err error)
	WatchSession(path string) (changes <-chan struct{}, stop func(), err error)
}

// Planner is what the watcher needs of the service.
type Planner interface {
	// PrepareSleep arms the wake timer for the current plan and, when the agent cannot wake
	// the machine, lists the alarms asking for a wake within the given time ("Wake up at 07:30").
	PrepareSleep(within time.Duration) []string
	// Replan makes the scheduling loop plan again at once.
	Replan()
}

// WakeTimer is what the watcher reads of the wake timer (agent/wake's *Timer).
type WakeTimer interface {
	Armed() time.Time
	LastFired() time.Time
	Fired() <-chan time.Time
}

// Options configure a Watcher.
type Options struct {
	Logind  Logind
	Planner Planner
	// Wake is the wake timer; nil when the agent cannot wake the machine.
	Wake WakeTimer
	// Lead is the wake timer's lead before the ring.
	Lead time.Duration
	// Setup is the command that lets alarmd wake the machine, for the warning.
	Setup string
	// Notify shows a notification and returns once the server has it (or failed).
	Notify func(title, body string) error
	// Ringing reports whether any alarm rings now.
	Ringing func() bool
	Log     *slog.Logger
	// Now and AfterFunc are the clock; nil means the real one.
	Now       func() time.Time
	AfterFunc func(time.Duration, func()) interface{ Stop() bool }
	// Decided, when set (tests), is called when a woken machine's ring has ended, with whether
	// the watcher asked logind to suspend again.
	Decided func(suspended bool)
}

// Bounds of the watcher's behaviour.
const (
	// warnWithin is how far ahead an alarm counts as falling in the sleep: a machine put to
	// sleep is most often woken by its user within a night or a working day.
	warnWithin = 24 * time.Hour
	// notifyWait bounds how long the delay lock waits for the warning to reach the
	// notification server: the lock is released within 1 s of PrepareForSleep(true).
	notifyWait = 700 * time.Millisecond
	// resumeSlack is how long after the wake timer's instant a resume still counts as caused
	// by it (the RTC fires at the instant; resuming takes seconds).
	resumeSlack = 2 * time.Minute
	// ringStartSlack is how long after the lead a woken machine waits for its ring to start
	// before it gives the block lock back (the alarm was deleted or paused meanwhile).
	ringStartSlack = 2 * time.Minute
)

// The inhibitors' words, as `systemd-inhibit --list` shows them.
const (
	who      = "alarmd"
	whyDelay = "alarmd arms its wake timer and warns about alarms that would not ring"
	whyBlock = "an alarm rings on a computer alarmd woke for it"
)

// Watcher is the sleep watcher. Run it on its own goroutine; RingEnded may be called from any.
type Watcher struct {
	o    Options
	log  *slog.Logger
	ends chan ringEnd

	delay      *os.File // the delay lock, nil while released
	sleptAt    time.Time
	episode    *episode // set while the machine alarmd woke waits for its ring to end
	boundFired chan *episode
}

type ringEnd struct {
	id            int
	what          ringer.What
	othersRinging bool
}

// episode is a resume caused by alarmd's wake timer, until the ring it woke for ends.
type episode struct {
	block             *os.File
	session           string
	baseActive        bool
	baseIdle          bool
	userActed         bool
	acknowledged      bool
	ringEnded         bool
	changes           <-chan struct{}
	stopWatch         func()
	bound             interface{ Stop() bool }
	wokeAt, resumedAt time.Time
}

// New returns a watcher; Run starts it.
func New(o Options) *Watcher {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Now == nil {
		o.Now = func() time.Time { return time.Now().Round(0) }
	}
	if o.AfterFunc == nil {
		o.AfterFunc = func(d time.Duration, f func()) interface{ Stop() bool } { return time.AfterFunc(d, f) }
	}
	if o.Ringing == nil {
		o.Ringing = func() bool { return false }
	}
	return &Watcher{o: o, log: o.Log, ends: make(chan ringEnd, 64), boundFired: make(chan *episode, 1)}
}

// RingEnded tells the watcher how a ringing ended and whether other alarms still ring. It
// never blocks.
func (w *Watcher) RingEnded(id int, what ringer.What, othersRinging bool) {
	select {
	case w.ends <- ringEnd{id, what, othersRinging}:
	default:
	}
}

// Run takes the delay lock and follows the machine's sleep until ctx ends.
func (w *Watcher) Run(ctx context.Context) {
	w.takeDelay()
	defer func() {
		w.endEpisode()
		w.releaseDelay()
	}()
	var fired <-chan time.Time
	if w.o.Wake != nil {
		fired = w.o.Wake.Fired()
	}
	sleeps := w.o.Logind.PrepareForSleep()
	for {
		var changes <-chan struct{}
		if w.episode != nil {
			changes = w.episode.changes
		}
		select {
		case <-ctx.Done():
			return
		case start := <-sleeps:
			if start {
				w.beforeSleep()
			} else {
				w.afterResume()
			}
		case at := <-fired:
			w.log.Info("wake timer fired", "at", at.Format(time.RFC3339))
			w.o.Planner.Replan() // the ring stays armed; the wake timer now waits at the ring itself
		case e := <-w.ends:
			w.ringEndedNow(e)
		case <-changes:
			w.sessionChanged()
		case ep := <-w.boundFired:
			if ep == w.episode && !w.o.Ringing() {
				w.log.Info("no alarm rang after alarmd woke the computer; giving the sleep lock back")
				w.endEpisode()
			}
		}
	}
}

func (w *Watcher) takeDelay() {
	if w.delay != nil {
		return
	}
	f, err := w.o.Logind.Inhibit("sleep", who, whyDelay, "delay")
	if err != nil {
		w.log.Warn("no sleep delay lock; alarmd will not warn before a suspend", "err", err)
		return
	}
	w.delay = f
}

func (w *Watcher) releaseDelay() {
	if w.delay != nil {
		_ = w.delay.Close()
		w.delay = nil
	}
}

// beforeSleep handles PrepareForSleep(true): arm, warn when an alarm would not ring, release.
func (w *Watcher) beforeSleep() {
	began := time.Now()
	w.sleptAt = w.o.Now()
	w.endEpisode() // going back to sleep anyway
	missed := w.o.Planner.PrepareSleep(warnWithin)
	if len(missed) > 0 && w.o.Wake == nil {
		w.warn(missed)
	}
	w.releaseDelay()
	w.log.Info("the computer is going to sleep; delay lock released", "after", time.Since(began).Round(time.Millisecond), "armed_wake", w.armed())
}

// armed is the wake instant armed now, for the log.
func (w *Watcher) armed() string {
	if w.o.Wake == nil {
		return "none (cannot wake)"
	}
	if at := w.o.Wake.Armed(); !at.IsZero() {
		return at.Format(time.RFC3339)
	}
	return "none"
}

// warn shows the one notification about alarms that will not ring during the sleep, waiting
// for the server at most notifyWait.
func (w *Watcher) warn(missed []string) {
	body := missed[0]
	if n := len(missed) - 1; n == 1 {
		body += " and 1 more alarm"
	} else if n > 1 {
		body += fmt.Sprintf(" and %d more alarms", n)
	}
	body += " will not ring while the computer sleeps"
	if w.o.Setup != "" {
		body += " — to let alarmd wake it: " + w.o.Setup
	}
	w.log.Warn(body)
	if w.o.Notify == nil {
		return
	}
	done := make(chan error, 1)
	go func() { done <- w.o.Notify("Alarm will not ring during sleep", body) }()
	select {
	case err := <-done:
		if err != nil {
			w.log.Warn("sleep warning not shown", "err", err)
		}
	case <-time.After(notifyWait):
		w.log.Warn("the notification server did not take the sleep warning in time; releasing the sleep lock anyway")
	}
}

// afterResume handles PrepareForSleep(false): re-plan, take the lock again, and find out
// whether alarmd's wake timer woke the machine.
func (w *Watcher) afterResume() {
	now := w.o.Now()
	w.o.Planner.Replan()
	w.takeDelay()
	wokeAt, ours := w.wokeByUs(now)
	w.log.Info("the computer resumed; re-planning", "slept_at", w.sleptAt.Format(time.RFC3339), "woken_by_alarmd", ours)
	if ours {
		w.startEpisode(wokeAt, now)
	}
}

// wokeByUs reports whether the wake timer's instant fell inside the sleep that just ended and
// shortly before the resume.
func (w *Watcher) wokeByUs(now time.Time) (time.Time, bool) {
	if w.o.Wake == nil || w.sleptAt.IsZero() {
		return time.Time{}, false
	}
	at := w.o.Wake.LastFired()
	if armed := w.o.Wake.Armed(); !armed.IsZero() && !armed.After(now) && armed.After(at) {
		at = armed // expired, not read yet
	}
	if at.IsZero() || !at.After(w.sleptAt) || at.After(now) || now.Sub(at) > resumeSlack {
		return time.Time{}, false
	}
	return at, true
}

// startEpisode holds the block lock and watches the session until the ring ends.
func (w *Watcher) startEpisode(wokeAt, resumedAt time.Time) {
	ep := &episode{wokeAt: wokeAt, resumedAt: resumedAt}
	if path, err := w.o.Logind.Session(); err != nil {
		w.log.Warn("the user's session is unknown; the computer goes back to sleep after an unanswered ring unless the ring was answered", "err", err)
	} else {
		ep.session = path
		ep.baseActive, ep.baseIdle, err = w.o.Logind.SessionState(path)
		if err != nil {
			w.log.Warn("cannot read the session's state", "session", path, "err", err)
		}
		if ch, stop, err := w.o.Logind.WatchSession(path); err == nil {
			ep.changes, ep.stopWatch = ch, stop
		}
	}
	// The block lock comes after the session's state is known, so that a change seen after
	// it counts as the user's doing.
	block, err := w.o.Logind.Inhibit("sleep:handle-lid-switch", who, whyBlock, "block")
	if err != nil {
		block, err = w.o.Logind.Inhibit("sleep", who, whyBlock, "block")
	}
	if err != nil {
		w.log.Warn("no sleep block lock while ringing; closing the lid may cut the ring short", "err", err)
	}
	ep.block = block
	ep.bound = w.o.AfterFunc(w.o.Lead+ringStartSlack, func() {
		select {
		case w.boundFired <- ep:
		default:
		}
	})
	w.episode = ep
	w.log.Info("alarmd woke the computer; holding the sleep lock until the ring ends",
		"woke_at", wokeAt.Format(time.RFC3339), "session", ep.session, "active", ep.baseActive, "idle", ep.baseIdle)
}

// sessionChanged notes the user coming back: the session became active, or stopped being idle.
func (w *Watcher) sessionChanged() {
	ep := w.episode
	if ep == nil || ep.session == "" {
		return
	}
	active, idle, err := w.o.Logind.SessionState(ep.session)
	if err != nil {
		return
	}
	if (active && !ep.baseActive) || (!idle && ep.baseIdle) {
		if !ep.userActed {
			w.log.Info("the user is back; the computer stays awake", "active", active, "idle", idle)
		}
		ep.userActed = true
	}
}

// ringEndedNow decides, once the last ring of the episode has ended, whether to suspend again.
func (w *Watcher) ringEndedNow(e ringEnd) {
	ep := w.episode
	if ep == nil {
		return
	}
	if e.what != ringer.TimedOut {
		ep.acknowledged = true
	}
	if e.othersRinging {
		return
	}
	w.sessionChanged()
	suspend := !ep.acknowledged && !ep.userActed
	w.endEpisode()
	if w.o.Decided != nil {
		defer w.o.Decided(suspend)
	}
	if !suspend {
		w.log.Info("the ring was answered or the user is back; the computer stays awake", "alarm", e.id, "how", e.what.String())
		return
	}
	w.log.Info("nobody answered the alarm alarmd woke the computer for; suspending again", "alarm", e.id)
	if err := w.o.Logind.Suspend(false); err != nil {
		w.log.Warn("could not suspend again", "err", err)
	}
}

// endEpisode gives the block lock back and stops watching the session.
func (w *Watcher) endEpisode() {
	ep := w.episode
	if ep == nil {
		return
	}
	w.episode = nil
	if ep.bound != nil {
		ep.bound.Stop()
	}
	if ep.stopWatch != nil {
		ep.stopWatch()
	}
	if ep.block != nil {
		_ = ep.block.Close()
	}
}
