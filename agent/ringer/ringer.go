// Package ringer carries out the ringing of due alarms (DESIGN §5): one notification per alarm,
// replaced in place as the alarm goes from ringing to snoozed to not acknowledged, its sound
// looping until the user stops or snoozes it or the ring time runs out.
//
// The ringer decides nothing about the alarms' future: what the user did (Stop, Snooze, or no
// answer) is reported on Outcomes, and the agent records it in the store.
package ringer

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"alarmd/agent/alarm"
	"alarmd/agent/internal/serial"
	"alarmd/agent/notifier"
)

// Notifier shows desktop notifications; *notifier.Notifier is the real one.
type Notifier interface {
	Show(n notifier.Notification) (uint32, error)
	CloseNotification(id uint32) error
	Events() <-chan notifier.Event
}

// Sound plays an alarm's sound in a loop; the audio player is the real one. Start returns an
// error when no sound can be played; the alarm still notifies.
type Sound interface {
	Start(id int, sound string, volume float64, fade time.Duration) error
	Stop(id int)
}

// What a user (or the clock) did with a ringing alarm.
type What int

const (
	Stopped  What = iota + 1 // Stop pressed, notification closed by hand, CLI or tray dismiss
	Snoozed                  // Snooze pressed
	TimedOut                 // nobody answered within the ring time
	SkipNext                 // "Skip this time" pressed on a reminder: skip the occurrence it announced
)

func (w What) String() string {
	switch w {
	case Stopped:
		return "stopped"
	case Snoozed:
		return "snoozed"
	case TimedOut:
		return "not acknowledged"
	case SkipNext:
		return "skip next"
	}
	return fmt.Sprintf("What(%d)", int(w))
}

// Outcome reports how one alarm's ringing ended. For Snoozed from the notification button the
// agent applies the alarm's own snooze time.
type Outcome struct {
	ID   int
	What What
}

// Timer is the part of *time.Timer the ringer uses; tests inject their own.
type Timer interface{ Stop() bool }

// Ringer rings alarms. It is safe for concurrent use, and none of its methods waits for the
// notification server or the audio device: each change is recorded under r.mu and carried out
// afterwards by a worker (the sound queue, or the alarm's notice), so a hung D-Bus peer or a slow
// device never holds a lock that the agent's loop, the control API or the tray needs.
type Ringer struct {
	notifier   Notifier
	sound      Sound
	log        *slog.Logger
	afterFunc  func(time.Duration, func()) Timer
	outcomes   chan Outcome
	appIcon    string
	icon       []byte
	eventsDone chan struct{}

	// sounds runs the Sound's calls in order, so that Ring sends the notification at once
	// instead of after the sound has been opened (a custom file is read from disk), and a slow
	// Sound never delays a button press.
	sounds serial.Queue
	// plain sends the agent's own notifications (missed alarms, warnings), which replace nothing.
	plain serial.Queue

	mu        sync.Mutex
	active    map[int]*ringing // alarms ringing or snoozed (their notification is still shown)
	reminding map[int]bool     // alarms whose notification is a reminder of the coming ring
	notices   map[int]*notice  // each alarm's notification on the server, by alarm id
	byNotif   map[uint32]int   // server notification id → alarm id
	notifyErr string
	closed    bool
	// noticeWorkers counts the notices' running workers; noticesIdle, when set, is closed as
	// the count drops to zero (Close waits on it).
	noticeWorkers int
	noticesIdle   chan struct{}

	soundMu  sync.Mutex // guards soundErr, which the sound queue sets
	soundErr string
}

type ringing struct {
	alarm   alarm.Alarm
	ringing bool // false while snoozed
	timeout Timer
	at      time.Time
	// acted is when a button of the notification was last pressed: some servers (xfce4-notifyd)
	// follow an action with NotificationClosed(dismissed), which must not count as Stop.
	acted time.Time
}

// Options configure a Ringer.
type Options struct {
	Notifier Notifier // may be nil: no notifications at all
	Sound    Sound    // may be nil: silent alarms
	Log      *slog.Logger
	// AfterFunc schedules the ring timeout; nil means time.AfterFunc.
	AfterFunc func(time.Duration, func()) Timer
	AppIcon   string // notification icon name
	Icon      []byte // notification image (PNG)
}

// New returns a Ringer. Call Close to stop listening for notification events.
func New(o Options) *Ringer {
	r := &Ringer{
		notifier:   o.Notifier,
		sound:      o.Sound,
		log:        o.Log,
		afterFunc:  o.AfterFunc,
		outcomes:   make(chan Outcome, 64),
		appIcon:    o.AppIcon,
		icon:       o.Icon,
		active:     map[int]*ringing{},
		reminding:  map[int]bool{},
		notices:    map[int]*notice{},
		byNotif:    map[uint32]int{},
		eventsDone: make(chan struct{}),
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	if r.afterFunc == nil {
		r.afterFunc = func(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
	}
	if r.notifier != nil {
		go r.watchEvents()
	} else {
		close(r.eventsDone)
	}
	return r
}

// queueSound queues a Sound call, in order with the others. Caller holds r.mu.
func (r *Ringer) queueSound(op func()) {
	if r.sound != nil && !r.closed {
		r.sounds.Push(op)
	}
}

// Outcomes delivers how ringing ended. The agent must keep reading it.
func (r *Ringer) Outcomes() <-chan Outcome { return r.outcomes }

// Ring starts ringing a: notification now, sound looping, timeout after its ring time. at is the
// instant it was due, late how late it is being rung, snoozed whether it comes back from a snooze.
func (r *Ringer) Ring(a alarm.Alarm, at time.Time, late time.Duration, snoozed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.active[a.ID]
	if st == nil {
		st = &ringing{}
		r.active[a.ID] = st
	}
	if st.timeout != nil {
		st.timeout.Stop()
	}
	st.alarm, st.ringing, st.at = a, true, at
	delete(r.reminding, a.ID) // the ring replaces the reminder in place
	body := at.Format("Mon 15:04")
	if late >= time.Minute {
		body += fmt.Sprintf(" · late by %d min", int(late.Round(time.Minute)/time.Minute))
	}
	if snoozed {
		body += " · snoozed"
	}
	// The sound starts on its own goroutine while Notify goes out and waits for the server's
	// answer: neither waits for the other.
	id, sound, volume, fade := a.ID, a.Sound, float64(a.VolumePercent())/100, a.FadeIn()
	r.queueSound(func() { r.noteSoundError(r.sound.Start(id, sound, volume, fade)) })
	r.showNotice(a.ID, notifier.Notification{
		Title:   a.Title(),
		Body:    body,
		Urgency: notifier.Critical,
		// "default" is what a click on the body sends (mako has nothing else): it means Stop.
		// Its label is empty because xfce4-notifyd draws a button for every labelled action
		// and would show Stop twice (DESIGN §17).
		Actions: []notifier.Action{
			{Key: "stop", Label: "Stop"},
			{Key: "snooze", Label: "Snooze " + human(a.SnoozeFor())},
			{Key: "default", Label: ""},
		},
		WithoutActions: StopHint,
	})
	st.timeout = r.afterFunc(a.RingFor(), func() { r.timeout(id, st) })
}

// StopHint is what a ringing notification says when the server shows no actions: closing it
// (a click, on most servers) stops the alarm, and so does the command line.
const StopHint = "click to stop · alarmd dismiss"

// timeout ends a ringing nobody answered.
func (r *Ringer) timeout(id int, st *ringing) {
	r.mu.Lock()
	if r.active[id] != st || !st.ringing {
		r.mu.Unlock()
		return
	}
	r.silence(id, st)
	r.showNotice(id, notifier.Notification{
		Title:   st.alarm.Title(),
		Body:    st.at.Format("Mon 15:04") + " · not acknowledged (rang for " + human(st.alarm.RingFor()) + ")",
		Urgency: notifier.Normal,
	})
	r.forget(id, st, false)
	r.mu.Unlock()
	r.outcomes <- Outcome{ID: id, What: TimedOut}
}

// Stop ends a ringing (or the snoozed state) of alarm id and closes its notification. It reports
// whether the alarm was ringing or snoozed.
func (r *Ringer) Stop(id int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.active[id]
	if st == nil {
		return false
	}
	r.silence(id, st)
	r.forget(id, st, true)
	return true
}

// Snooze silences alarm id until `until` and turns its notification into a snoozed one. It
// reports whether the alarm was ringing.
func (r *Ringer) Snooze(id int, until time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.active[id]
	if st == nil || !st.ringing {
		return false
	}
	r.silence(id, st)
	st.ringing = false
	r.showNotice(id, notifier.Notification{
		Title:   st.alarm.Title(),
		Body:    "Snoozed until " + until.Format("15:04:05"),
		Urgency: notifier.Normal,
	})
	return true
}

// Forget drops alarm id's snoozed state and closes its notification (the alarm was deleted or
// disabled while snoozed).
func (r *Ringer) Forget(id int) { r.Stop(id) }

// Ringing lists the alarms ringing now, in id order.
func (r *Ringer) Ringing() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []int
	for id, st := range r.active {
		if st.ringing {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// IsRinging reports whether alarm id rings now.
func (r *Ringer) IsRinging(id int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.active[id]
	return st != nil && st.ringing
}

// Problems returns the last notification and sound errors ("" when fine), for status.
func (r *Ringer) Problems() (notify, sound string) {
	r.mu.Lock()
	notify = r.notifyErr
	r.mu.Unlock()
	r.soundMu.Lock()
	defer r.soundMu.Unlock()
	return notify, r.soundErr
}

// ShowMissed shows the one summary notification for alarms that were missed (DESIGN §7).
func (r *Ringer) ShowMissed(lines []string) {
	if len(lines) == 0 {
		return
	}
	title := "Missed alarm"
	if len(lines) > 1 {
		title = fmt.Sprintf("%d missed alarms", len(lines))
	}
	r.Warn(title, strings.Join(lines, "\n"))
}

// Warn shows a plain notification about the agent itself (a corrupt alarms file, say). It
// returns at once; the notification goes out on its own queue.
func (r *Ringer) Warn(title, body string) {
	if r.notifier == nil {
		return
	}
	n := notifier.Notification{Title: title, Body: body, Urgency: notifier.Normal, AppIcon: r.appIcon, Icon: r.icon}
	r.plain.Push(func() {
		_, err := r.notifier.Show(n)
		if err != nil {
			r.mu.Lock()
			r.noteNotifyError(err)
			r.mu.Unlock()
		}
	})
}

// Settled returns a channel closed once every sound call and notification change asked for
// before the call has been carried out (or has failed). The agent does not need it; tests use it
// to check that something did not happen without waiting for a while.
func (r *Ringer) Settled() <-chan struct{} {
	r.mu.Lock()
	notices := r.noticesSettled()
	r.mu.Unlock()
	done := make(chan struct{})
	go func() {
		r.sounds.Wait(0)
		<-notices
		r.plain.Wait(0)
		close(done)
	}()
	return done
}

// closeWait bounds how long Close lets notification changes reach the server: a hung server
// must not keep the agent from exiting.
const closeWait = 2 * time.Second

// Close stops every sound and closes every notification of ringing or snoozed alarms. It
// returns when the sounds have been stopped and the notifications closed (or closeWait has
// passed); later rings only notify.
func (r *Ringer) Close() {
	r.mu.Lock()
	for id, st := range r.active {
		r.silence(id, st)
		r.forget(id, st, true)
	}
	r.closed = true
	settled := r.noticesSettled()
	r.mu.Unlock()
	r.sounds.Wait(0)
	workers := make(chan struct{})
	go func() { <-settled; r.plain.Wait(0); close(workers) }()
	t := time.NewTimer(closeWait)
	defer t.Stop()
	select {
	case <-workers:
	case <-t.C:
		r.log.Warn("notification server did not answer; leaving without closing the notifications", "waited", closeWait)
	}
}

// silence stops st's sound and timeout. Caller holds r.mu.
func (r *Ringer) silence(id int, st *ringing) {
	if st.timeout != nil {
		st.timeout.Stop()
		st.timeout = nil
	}
	if st.ringing {
		r.queueSound(func() { r.sound.Stop(id) })
	}
}

// forget drops st, closing its notification when closeNotif. Caller holds r.mu.
func (r *Ringer) forget(id int, st *ringing, closeNotif bool) {
	st.ringing = false
	delete(r.active, id)
	if closeNotif {
		r.closeNotice(id)
	}
}

// eventLookupWait bounds how long an event for a notification not yet recorded waits for the
// Notify calls on the bus to be answered.
const eventLookupWait = time.Second

// watchEvents turns notification button presses and hand closings into outcomes.
func (r *Ringer) watchEvents() {
	defer close(r.eventsDone)
	for ev := range r.notifier.Events() {
		id, ok := r.lookupNotice(ev.ID, eventLookupWait)
		if !ok {
			continue
		}
		r.mu.Lock()
		st := r.active[id]
		r.mu.Unlock()
		switch {
		case ev.Closed && ev.Reason == notifier.ReasonExpired:
			r.mu.Lock()
			r.noticeGone(ev.ID) // a reminder that expired: nothing to replace or close
			delete(r.reminding, id)
			r.mu.Unlock()
		case r.isReminder(id, st):
			if ev.Action == "skip" {
				r.mu.Lock()
				delete(r.reminding, id)
				r.closeNotice(id)
				r.mu.Unlock()
				r.outcomes <- Outcome{ID: id, What: SkipNext}
			} else if ev.Closed {
				r.mu.Lock()
				r.noticeGone(ev.ID)
				delete(r.reminding, id)
				r.mu.Unlock()
			}
		case ev.Closed && ev.Reason == notifier.ReasonDismissed:
			r.mu.Lock()
			r.noticeGone(ev.ID) // already gone: do not replace or close it again
			// Closing a ringing alarm's notification by hand counts as Stop (DESIGN §5). Closing
			// the "snoozed" bubble, or the close some servers send right after a button press,
			// does not: the snooze stands.
			stop := st != nil && st.ringing && time.Since(st.acted) > 2*time.Second
			if stop {
				r.silence(id, st)
			}
			r.mu.Unlock()
			if stop {
				r.outcomes <- Outcome{ID: id, What: Stopped}
			}
		case st == nil:
		case ev.Action == "stop", ev.Action == "default", ev.Action == "snooze":
			r.mu.Lock()
			st.acted = time.Now()
			// Silence at once; recording what the user chose takes the agent's loop a moment
			// longer, and the sound should not outlast the press by more than the buffers.
			r.silence(id, st)
			r.mu.Unlock()
			what := Stopped
			if ev.Action == "snooze" {
				what = Snoozed
			}
			r.outcomes <- Outcome{ID: id, What: what}
		}
	}
}

// isReminder reports whether alarm id's notification is a reminder (st is its ringing state).
func (r *Ringer) isReminder(id int, st *ringing) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return st == nil && r.reminding[id]
}

// Remind shows alarm a's quiet reminder (DESIGN §12): normal urgency, no sound, expiring by
// itself at the ring, with "Skip this time" for a recurring alarm where the server has buttons.
// It shows in the place of the alarm's own notification, which the ring then replaces. An alarm
// that rings or is snoozed gets no reminder.
func (r *Ringer) Remind(a alarm.Alarm, ring, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.active[a.ID] != nil || r.closed {
		return
	}
	in := ring.Sub(now).Round(time.Minute)
	n := notifier.Notification{
		Title:   a.Title(),
		Body:    fmt.Sprintf("at %s (in %s)", ring.Format("15:04"), humanIn(in)),
		Urgency: notifier.Normal,
		Expire:  max(ring.Sub(now), time.Second),
	}
	if a.Recurring() {
		n.Actions = []notifier.Action{{Key: "skip", Label: "Skip this time"}}
	}
	r.reminding[a.ID] = true
	r.showNotice(a.ID, n)
}

// CancelReminder closes alarm id's reminder, if one shows (the alarm changed, or its next ring
// was skipped).
func (r *Ringer) CancelReminder(id int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.reminding[id] && r.active[id] == nil {
		delete(r.reminding, id)
		r.closeNotice(id)
	}
}

// humanIn says how far off a ring is, in whole minutes: "10 min", "1 h", "1 h 30 min".
func humanIn(d time.Duration) string {
	m := int(d / time.Minute)
	switch {
	case m < 1:
		return "under a minute"
	case m < 60:
		return fmt.Sprintf("%d min", m)
	case m%60 == 0:
		return fmt.Sprintf("%d h", m/60)
	default:
		return fmt.Sprintf("%d h %d min", m/60, m%60)
	}
}

// noteNotifyError and noteSoundError keep the reason for status. They log at debug level only:
// the notifier and the player each log their own one line when they become unavailable (DESIGN
// §5: one log line), and a second line per ring would repeat it.
func (r *Ringer) noteNotifyError(err error) {
	msg := err.Error()
	if r.notifyErr != msg {
		r.log.Debug("notification not shown; the alarm rings without one", "err", err)
	}
	r.notifyErr = msg
}

// noteSoundError runs on the sound goroutine; nil clears the reason.
func (r *Ringer) noteSoundError(err error) {
	r.soundMu.Lock()
	defer r.soundMu.Unlock()
	if err == nil {
		r.soundErr = ""
		return
	}
	msg := err.Error()
	if r.soundErr != msg {
		r.log.Debug("sound not played; the alarm shows its notification only", "err", err)
	}
	r.soundErr = msg
}

// human formats a snooze or ring time the way the buttons say it: "10 min", "90 s", "1 h".
func human(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%d h", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%d min", d/time.Minute)
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Round(time.Second)/time.Second))
	default:
		return d.Round(time.Second).String()
	}
}
