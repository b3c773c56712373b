package ringer

import (
	"io"
	"log/slog"
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

// settle waits until the sound calls queued so far have run.
func settle(r *Ringer) {
	done := make(chan struct{})
	r.mu.Lock()
	r.queueSound(func() { close(done) })
	r.mu.Unlock()
	<-done
}

func outcome(t *testing.T, r *Ringer) (Outcome, bool) {
	t.Helper()
	select {
	case o := <-r.Outcomes():
		return o, true
	case <-time.After(200 * time.Millisecond):
		return Outcome{}, false
	}
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
	if o, ok := outcome(t, r); !ok || o != (Outcome{7, Snoozed}) {
		t.Fatalf("snooze button: %+v %v", o, ok)
	}
	r.Snooze(7, time.Date(2026, 11, 25, 7, 40, 0, 0, time.UTC))
	settle(r)
	if s.isPlaying(7) || r.IsRinging(7) {
		t.Fatal("still sounding while snoozed")
	}
	// xfce4-notifyd follows a button press with NotificationClosed(dismissed): not a Stop.
	n.events <- notifier.Event{ID: 1, Closed: true, Reason: 2}
	if o, ok := outcome(t, r); ok {
		t.Fatalf("close after an action became %+v", o)
	}
	// Ringing again replaces in place; closing it by hand now is a Stop.
	r.Ring(a, time.Date(2026, 11, 25, 7, 40, 0, 0, time.UTC), 0, true)
	n.mu.Lock()
	last := n.shown[len(n.shown)-1]
	n.mu.Unlock()
	if last.Replaces == 0 {
		t.Fatal("re-ring did not keep a notification id")
	}
	r.mu.Lock()
	r.active[7].acted = time.Time{}
	notif := r.active[7].notif
	r.mu.Unlock()
	n.events <- notifier.Event{ID: notif, Closed: true, Reason: 2}
	if o, ok := outcome(t, r); !ok || o != (Outcome{7, Stopped}) {
		t.Fatalf("hand close: %+v %v", o, ok)
	}
	// Events for notifications that are not ours are ignored.
	n.events <- notifier.Event{ID: 999, Action: "stop"}
	if o, ok := outcome(t, r); ok {
		t.Fatalf("foreign event became %+v", o)
	}
}

// TestSlowSoundDoesNotDelayTheNotification: the notification goes out while the sound is still
// being opened, a Stop pressed meanwhile silences it once it has started, and Close waits for both.
func TestSlowSoundDoesNotDelayTheNotification(t *testing.T) {
	r, n, s := newTest(t)
	s.gate = make(chan struct{})
	r.Ring(alarm.Alarm{ID: 3, Label: "Tea"}, time.Date(2026, 11, 25, 16, 0, 0, 0, time.UTC), 0, false)
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
