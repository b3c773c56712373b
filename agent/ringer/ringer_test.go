package ringer

import (
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"alarmd/agent/alarm"
	"alarmd/agent/notifier"
)

type fakeNotifier struct {
	mu     sync.Mutex
	next   uint32
	shown  []notifier.Notification
	closed []uint32
	events chan notifier.Event
}

func (f *fakeNotifier) Show(n notifier.Notification) (uint32, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n.Replaces == 0 {
		f.next++
		n.Replaces = f.next
	}
	f.shown = append(f.shown, n)
	return n.Replaces, nil
}

func (f *fakeNotifier) CloseNotification(id uint32) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = append(f.closed, id)
	return nil
}

func (f *fakeNotifier) Events() <-chan notifier.Event { return f.events }

type fakeSound struct {
	mu      sync.Mutex
	playing map[int]bool
	gate    chan struct{} // when set, Start waits for it: a slow device or a file on a slow disk
}

func (s *fakeSound) Start(id int, sound string, volume float64, fade time.Duration) error {
	if s.gate != nil {
		<-s.gate
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.playing[id] = true
	return nil
}

func (s *fakeSound) Stop(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.playing, id)
}

func (s *fakeSound) isPlaying(id int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.playing[id]
}

func newTest(t *testing.T) (*Ringer, *fakeNotifier, *fakeSound) {
	n := &fakeNotifier{events: make(chan notifier.Event, 8)}
	s := &fakeSound{playing: map[int]bool{}}
	r := New(Options{Notifier: n, Sound: s, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		AfterFunc: func(time.Duration, func()) Timer { return time.NewTimer(time.Hour) }})
	return r, n, s
}

// settle waits until the sound calls and notification changes asked for so far have been
// carried out.
func settle(r *Ringer) { <-r.Settled() }

// outcome returns the next outcome; it fails the test when none comes.
func outcome(t *testing.T, r *Ringer) Outcome {
	t.Helper()
	select {
	case o := <-r.Outcomes():
		return o
	case <-time.After(5 * time.Second):
		t.Fatal("no outcome")
		return Outcome{}
	}
}

// noOutcome checks that the events sent so far produced no outcome: the ringer handles events
// in order, so once a later marker event (a Stop of a ringing marker alarm) has produced its
// outcome, every earlier event has been handled.
func noOutcome(t *testing.T, r *Ringer, n *fakeNotifier, what string) {
	t.Helper()
	const marker = 999
	r.Ring(alarm.Alarm{ID: marker}, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), 0, false)
	settle(r)
	n.events <- notifier.Event{ID: r.shownNotice(marker), Action: "stop"}
	if o := outcome(t, r); o != (Outcome{marker, Stopped}) {
		t.Fatalf("%s became %+v", what, o)
	}
	r.Stop(marker)
	settle(r)
}

func TestButtonsAndHandClosing(t *testing.T) {
	r, n, s := newTest(t)
	a := alarm.Alarm{ID: 7, Label: "Wake up"}
	r.Ring(a, time.Date(2026, 11, 25, 7, 30, 0, 0, time.UTC), 0, false)
	settle(r)
	if !s.isPlaying(7) || !r.IsRinging(7) {
		t.Fatal("not ringing")
	}
	n.events <- notifier.Event{ID: 1, Action: "snooze"}
	if o := outcome(t, r); o != (Outcome{7, Snoozed}) {
		t.Fatalf("snooze button: %+v", o)
	}
	r.Snooze(7, time.Date(2026, 11, 25, 7, 40, 0, 0, time.UTC))
	settle(r)
	if s.isPlaying(7) || r.IsRinging(7) {
		t.Fatal("still sounding while snoozed")
	}
	// xfce4-notifyd follows a button press with NotificationClosed(dismissed): not a Stop.
	n.events <- notifier.Event{ID: 1, Closed: true, Reason: notifier.ReasonDismissed}
	noOutcome(t, r, n, "close after an action")
	// Ringing again replaces in place (the hand close above made the server forget the
	// bubble, so a new one is shown); closing it by hand now is a Stop.
	r.Ring(a, time.Date(2026, 11, 25, 7, 40, 0, 0, time.UTC), 0, true)
	settle(r)
	n.mu.Lock()
	last := n.shown[len(n.shown)-1]
	n.mu.Unlock()
	if last.Replaces == 0 || last.Body != "Wed 07:40 · snoozed" {
		t.Fatalf("re-ring: %+v", last)
	}
	r.mu.Lock()
	r.active[7].acted = time.Time{}
	r.mu.Unlock()
	n.events <- notifier.Event{ID: r.shownNotice(7), Closed: true, Reason: notifier.ReasonDismissed}
	if o := outcome(t, r); o != (Outcome{7, Stopped}) {
		t.Fatalf("hand close: %+v", o)
	}
	// Events for notifications that are not ours are ignored.
	n.events <- notifier.Event{ID: 12345, Action: "stop"}
	noOutcome(t, r, n, "foreign event")
}

// TestSlowSoundDoesNotDelayTheNotification: the notification goes out while the sound is still
// being opened, a Stop pressed meanwhile silences it once it has started, and Close waits for both.
func TestSlowSoundDoesNotDelayTheNotification(t *testing.T) {
	r, n, s := newTest(t)
	s.gate = make(chan struct{})
	r.Ring(alarm.Alarm{ID: 3, Label: "Tea"}, time.Date(2026, 11, 25, 16, 0, 0, 0, time.UTC), 0, false)
	r.mu.Lock()
	settled := r.noticesSettled()
	r.mu.Unlock()
	<-settled // the notification is out although the sound is still opening
	n.mu.Lock()
	shown := len(n.shown)
	n.mu.Unlock()
	if shown != 1 {
		t.Fatalf("%d notifications shown while the sound was opening, want 1", shown)
	}
	if !r.Stop(3) {
		t.Fatal("Stop: not ringing")
	}
	close(s.gate)
	settle(r)
	if s.isPlaying(3) {
		t.Fatal("the sound started after Stop and kept playing")
	}
	r.Close()
	r.Ring(alarm.Alarm{ID: 4}, time.Date(2026, 11, 25, 16, 5, 0, 0, time.UTC), 0, false) // no sound after Close, no panic
	if s.isPlaying(4) {
		t.Fatal("sound after Close")
	}
}

func TestHuman(t *testing.T) {
	for d, want := range map[time.Duration]string{
		10 * time.Minute: "10 min", 2 * time.Second: "2 s", time.Hour: "1 h", 90 * time.Second: "1m30s",
	} {
		if got := human(d); got != want {
			t.Errorf("human(%v) = %q, want %q", d, got, want)
		}
	}
}

// slowNotifier answers Show for one title only after a delay, as a hung or stopped
// notification daemon does once it resumes; everything else it answers at once.
type slowNotifier struct {
	fakeNotifier
	slowTitle string
	delay     time.Duration
	started   chan struct{} // closed when the slow Show has reached the server
	answered  chan struct{} // closed when the slow Show has returned
	shownCh   chan string   // the title of every Show as it is answered
}

func (s *slowNotifier) Show(n notifier.Notification) (uint32, error) {
	if n.Title == s.slowTitle {
		close(s.started)
		time.Sleep(s.delay)
		defer close(s.answered)
	}
	id, err := s.fakeNotifier.Show(n)
	s.shownCh <- n.Title
	return id, err
}

// TestSlowNotificationServerBlocksNothing: while the server takes 5 s to answer the first
// alarm's Notify, the ringer's state, a second alarm's notification and sound, its buttons, and
// a Stop of the first alarm all go on; once the late answer comes, the first alarm's
// notification is closed, as its state (stopped) says.
func TestSlowNotificationServerBlocksNothing(t *testing.T) {
	n := &slowNotifier{fakeNotifier: fakeNotifier{events: make(chan notifier.Event, 8)},
		slowTitle: "first", delay: 5 * time.Second, started: make(chan struct{}), answered: make(chan struct{}), shownCh: make(chan string, 16)}
	s := &fakeSound{playing: map[int]bool{}}
	r := New(Options{Notifier: n, Sound: s, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		AfterFunc: func(time.Duration, func()) Timer { return time.NewTimer(time.Hour) }})
	defer r.Close()
	late := func(what string) {
		t.Helper()
		select {
		case <-n.answered:
			t.Fatalf("%s waited for the slow Notify", what)
		default:
		}
	}
	start := time.Now()
	r.Ring(alarm.Alarm{ID: 1, Label: "first"}, time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC), 0, false)
	// Wait until the first Notify is on the bus: a Stop before that would rightly cancel it
	// unsent (changes not yet started collapse into the latest).
	<-n.started
	r.Ring(alarm.Alarm{ID: 2, Label: "second"}, time.Date(2026, 11, 25, 7, 0, 2, 0, time.UTC), 0, false)
	if got := <-n.shownCh; got != "second" {
		t.Fatalf("first notification answered: %q, want second", got)
	}
	r.sounds.Wait(0)
	if !s.isPlaying(1) || !s.isPlaying(2) || !slices.Equal(r.Ringing(), []int{1, 2}) {
		t.Fatalf("sounds 1 %v 2 %v, ringing %v", s.isPlaying(1), s.isPlaying(2), r.Ringing())
	}
	late("the second alarm")
	n.events <- notifier.Event{ID: r.shownNotice(2), Action: "stop"}
	if o := outcome(t, r); o != (Outcome{2, Stopped}) {
		t.Fatalf("second alarm's Stop button: %+v", o)
	}
	late("the second alarm's button")
	if !r.Stop(1) || r.IsRinging(1) {
		t.Fatal("Stop of the first alarm")
	}
	r.sounds.Wait(0)
	if s.isPlaying(1) {
		t.Fatal("first alarm still sounding after Stop")
	}
	late("Stop of the first alarm")
	t.Logf("everything done %v after the first Ring; the slow Notify is still waiting", time.Since(start).Round(time.Millisecond))

	<-n.answered
	settle(r)
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.shown) != 2 {
		t.Errorf("%d Shows, want 2 (one per alarm): %+v", len(n.shown), n.shown)
	}
	firstID := n.shown[1].Replaces // the fake stores the id it gave
	if !slices.Contains(n.closed, firstID) {
		t.Errorf("the first alarm's notification %d was not closed after its late answer (closed %v)", firstID, n.closed)
	}
}

// TestRingTimeoutFires: the ring timeout (a timer the test fires, as the clock would) silences
// the alarm, turns its notification into "not acknowledged" in place and reports TimedOut.
func TestRingTimeoutFires(t *testing.T) {
	n := &fakeNotifier{events: make(chan notifier.Event, 8)}
	s := &fakeSound{playing: map[int]bool{}}
	var timeouts []func()
	var after []time.Duration
	r := New(Options{Notifier: n, Sound: s, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		AfterFunc: func(d time.Duration, f func()) Timer {
			after, timeouts = append(after, d), append(timeouts, f)
			return time.NewTimer(time.Hour)
		}})
	defer r.Close()
	r.Ring(alarm.Alarm{ID: 5, Label: "Bake", Ring: alarm.Duration(3 * time.Second)}, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), 0, false)
	settle(r)
	if len(timeouts) != 1 || after[0] != 3*time.Second || !s.isPlaying(5) {
		t.Fatalf("timeouts %v, playing %v", after, s.isPlaying(5))
	}
	timeouts[0]()
	if o := outcome(t, r); o != (Outcome{5, TimedOut}) {
		t.Fatalf("outcome %+v", o)
	}
	settle(r)
	if s.isPlaying(5) || r.IsRinging(5) {
		t.Fatal("still ringing after the timeout")
	}
	n.mu.Lock()
	last := n.shown[len(n.shown)-1]
	n.mu.Unlock()
	if len(n.shown) != 2 || last.Replaces != n.shown[0].Replaces || last.Urgency != notifier.Normal ||
		last.Body != "Wed 09:00 · not acknowledged (rang for 3 s)" || len(last.Actions) != 0 {
		t.Fatalf("notifications: %+v", n.shown)
	}
	// A timeout that fires after the alarm was stopped does nothing.
	r.Ring(alarm.Alarm{ID: 6}, time.Date(2026, 11, 25, 9, 5, 0, 0, time.UTC), 0, false)
	r.Stop(6)
	timeouts[1]()
	noOutcome(t, r, n, "a timeout after Stop")
}

// TestClickOnBodyStops: the ringing notification carries a "default" action, which a click on
// its body sends (mako has no buttons at all), and it stops the alarm like the Stop button;
// without the actions capability the body says how to stop (DESIGN §17).
func TestClickOnBodyStops(t *testing.T) {
	r, n, s := newTest(t)
	r.Ring(alarm.Alarm{ID: 3, Label: "Tea"}, time.Date(2026, 11, 25, 16, 0, 0, 0, time.UTC), 0, false)
	settle(r)
	n.mu.Lock()
	shown := n.shown[len(n.shown)-1]
	n.mu.Unlock()
	keys := map[string]string{}
	for _, a := range shown.Actions {
		keys[a.Key] = a.Label
	}
	if label, ok := keys["default"]; !ok || label != "" || keys["stop"] != "Stop" || keys["snooze"] == "" {
		t.Fatalf("ringing actions %+v, want stop, snooze and an unlabelled default", shown.Actions)
	}
	if shown.WithoutActions != StopHint || StopHint != "click to stop · alarmd dismiss" {
		t.Errorf("without actions: %q", shown.WithoutActions)
	}
	n.events <- notifier.Event{ID: r.shownNotice(3), Action: "default"}
	if o := outcome(t, r); o != (Outcome{3, Stopped}) {
		t.Fatalf("click on the body: %+v, want stopped", o)
	}
	settle(r)
	if s.isPlaying(3) {
		t.Error("still sounding after the click")
	}
}
