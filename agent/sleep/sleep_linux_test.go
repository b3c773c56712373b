package sleep

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"alarmd/agent/internal/testbus"
	"alarmd/agent/logind"
	"alarmd/agent/ringer"
	"alarmd/internal/fakelogind"
)

// fakePlanner records the watcher's calls to the service.
type fakePlanner struct {
	mu       sync.Mutex
	missed   []string
	prepared int
	replans  chan struct{}
}

func (p *fakePlanner) PrepareSleep(within time.Duration) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.prepared++
	return p.missed
}

func (p *fakePlanner) Replan() {
	select {
	case p.replans <- struct{}{}:
	default:
	}
}

// fakeWake is a wake timer whose instants the test sets.
type fakeWake struct {
	mu           sync.Mutex
	armed, fired time.Time
	ch           chan time.Time
}

func (f *fakeWake) Armed() time.Time        { f.mu.Lock(); defer f.mu.Unlock(); return f.armed }
func (f *fakeWake) LastFired() time.Time    { f.mu.Lock(); defer f.mu.Unlock(); return f.fired }
func (f *fakeWake) Fired() <-chan time.Time { return f.ch }
func (f *fakeWake) fire(at time.Time) {
	f.mu.Lock()
	f.fired, f.armed = at, time.Time{}
	f.mu.Unlock()
	f.ch <- at
}

type harness struct {
	t       *testing.T
	fake    *fakelogind.Logind
	planner *fakePlanner
	wake    *fakeWake
	notes   chan string
	decided chan bool
	w       *Watcher
}

// start runs a watcher against a fake logind on a private system bus.
func start(t *testing.T, canWake bool, missed []string, adjust ...func(*Options)) *harness {
	bus := testbus.Start(t, "")
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", bus.Addr)
	h := &harness{t: t, fake: fakelogind.Start(t, bus.Addr), planner: &fakePlanner{missed: missed, replans: make(chan struct{}, 8)},
		notes: make(chan string, 4), decided: make(chan bool, 4)}
	conn, err := logind.Connect()
	if err != nil {
		t.Fatalf("connect to the fake logind: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	o := Options{
		Logind: conn, Planner: h.planner, Lead: 2 * time.Second, Setup: "sudo /x/alarmd wake setup",
		Notify:  func(title, body string) error { h.notes <- title + ": " + body; return nil },
		Decided: func(s bool) { h.decided <- s },
	}
	if canWake {
		h.wake = &fakeWake{ch: make(chan time.Time, 1)}
		o.Wake = h.wake
	}
	for _, f := range adjust {
		f(&o)
	}
	h.w = New(o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

func TestDelayLockTakenReleasedAndTakenAgain(t *testing.T) {
	h := start(t, true, nil)
	first := h.fake.WaitInhibitor(t, "delay", 1, 5*time.Second)
	if first.What != "sleep" || first.Who != "alarmd" {
		t.Errorf("delay lock = %+v, want what=sleep who=alarmd", first)
	}
	time.Sleep(400 * time.Millisecond) // past the fake's own copy of the pipe (see fakelogind)
	sent := time.Now()
	if err := h.fake.PrepareForSleep(true); err != nil {
		t.Fatal(err)
	}
	select {
	case <-first.Released():
	case <-time.After(5 * time.Second):
		t.Fatal("the delay lock was not released after PrepareForSleep(true)")
	}
	took := first.ReleasedAt().Sub(sent)
	t.Logf("PrepareForSleep(true) → delay lock released: %s", took)
	if took > time.Second {
		t.Errorf("the delay lock was released %s after PrepareForSleep(true), want within 1 s", took)
	}
	if err := h.fake.PrepareForSleep(false); err != nil {
		t.Fatal(err)
	}
	h.fake.WaitInhibitor(t, "delay", 2, 5*time.Second)
	select {
	case <-h.planner.replans:
	case <-time.After(5 * time.Second):
		t.Fatal("no re-plan after PrepareForSleep(false)")
	}
}

func TestWarningWhenTheAgentCannotWake(t *testing.T) {
	h := start(t, false, []string{"Wake up at 07:30", "Standup at 09:00"})
	first := h.fake.WaitInhibitor(t, "delay", 1, 5*time.Second)
	if err := h.fake.PrepareForSleep(true); err != nil {
		t.Fatal(err)
	}
	var note string
	select {
	case note = <-h.notes:
	case <-time.After(5 * time.Second):
		t.Fatal("no warning notification before the sleep")
	}
	want := "Wake up at 07:30 and 1 more alarm will not ring while the computer sleeps — to let alarmd wake it: sudo /x/alarmd wake setup"
	if !strings.Contains(note, want) {
		t.Errorf("warning %q, want it to contain %q", note, want)
	}
	<-first.Released()
	if len(h.notes) != 0 {
		t.Errorf("more than one warning: %q", <-h.notes)
	}
}

func TestNoWarningWhenTheAgentCanWake(t *testing.T) {
	h := start(t, true, []string{"Wake up at 07:30"})
	first := h.fake.WaitInhibitor(t, "delay", 1, 5*time.Second)
	time.Sleep(400 * time.Millisecond)
	if err := h.fake.PrepareForSleep(true); err != nil {
		t.Fatal(err)
	}
	<-first.Released() // the warning, if any, goes out before the release
	if len(h.notes) != 0 {
		t.Errorf("a warning although the agent can wake the machine: %q", <-h.notes)
	}
}

// woken plays a sleep that alarmd's wake timer ends, and returns the block lock it then holds.
func (h *harness) woken() *fakelogind.Inhibitor {
	h.t.Helper()
	h.fake.WaitInhibitor(h.t, "delay", 1, 5*time.Second)
	if err := h.fake.PrepareForSleep(true); err != nil {
		h.t.Fatal(err)
	}
	// the release of the delay lock marks the sleep as begun
	in := h.fake.Inhibitors()[0]
	<-in.Released()
	time.Sleep(10 * time.Millisecond)
	h.wake.fire(time.Now().Round(0))
	if err := h.fake.PrepareForSleep(false); err != nil {
		h.t.Fatal(err)
	}
	block := h.fake.WaitInhibitor(h.t, "block", 1, 5*time.Second)
	if block.What != "sleep:handle-lid-switch" {
		h.t.Errorf("block lock on %q, want sleep:handle-lid-switch", block.What)
	}
	return block
}

func (h *harness) decision() bool {
	h.t.Helper()
	select {
	case s := <-h.decided:
		return s
	case <-time.After(5 * time.Second):
		h.t.Fatal("no decision after the ring ended")
		return false
	}
}

func TestUnansweredRingOnAWokenMachineSuspendsOnce(t *testing.T) {
	h := start(t, true, nil)
	block := h.woken()
	h.w.RingEnded(1, ringer.TimedOut, false)
	if !h.decision() {
		t.Fatal("the watcher did not suspend after an unanswered ring on a machine it woke")
	}
	<-block.Released()
	if n := len(h.fake.Suspends()); n != 1 {
		t.Errorf("Suspend called %d times, want 1", n)
	}
}

func TestStoppedRingDoesNotSuspend(t *testing.T) {
	h := start(t, true, nil)
	block := h.woken()
	h.w.RingEnded(1, ringer.Stopped, false)
	if h.decision() {
		t.Error("suspended although the alarm was stopped")
	}
	<-block.Released()
	if n := len(h.fake.Suspends()); n != 0 {
		t.Errorf("Suspend called %d times, want 0", n)
	}
}

func TestActiveSessionDoesNotSuspend(t *testing.T) {
	h := start(t, true, nil)
	h.woken()
	if err := h.fake.SetSession(true, false); err != nil {
		t.Fatal(err)
	}
	// Wait until the watcher read the change: the decision re-reads the state anyway, so this
	// only makes the order certain.
	h.w.RingEnded(1, ringer.TimedOut, false)
	if h.decision() {
		t.Error("suspended although the session became active")
	}
	if n := len(h.fake.Suspends()); n != 0 {
		t.Errorf("Suspend called %d times, want 0", n)
	}
}

func TestOtherAlarmsStillRingingWait(t *testing.T) {
	h := start(t, true, nil)
	h.woken()
	h.w.RingEnded(1, ringer.TimedOut, true)
	h.w.RingEnded(2, ringer.TimedOut, false)
	if !h.decision() {
		t.Fatal("no suspend after the last unanswered ring")
	}
	if len(h.decided) != 0 || len(h.fake.Suspends()) != 1 {
		t.Errorf("decisions left %d, suspends %d; want one decision and one Suspend", len(h.decided), len(h.fake.Suspends()))
	}
}

func TestResumeNotCausedByTheWakeTimer(t *testing.T) {
	h := start(t, true, nil)
	h.fake.WaitInhibitor(t, "delay", 1, 5*time.Second)
	h.wake.fire(time.Now().Add(-time.Second).Round(0)) // before the sleep
	<-h.planner.replans
	if err := h.fake.PrepareForSleep(true); err != nil {
		t.Fatal(err)
	}
	if err := h.fake.PrepareForSleep(false); err != nil {
		t.Fatal(err)
	}
	h.fake.WaitInhibitor(t, "delay", 2, 5*time.Second)
	h.w.RingEnded(1, ringer.TimedOut, false) // no episode: ignored
	for _, in := range h.fake.Inhibitors() {
		if in.Mode == "block" {
			t.Errorf("a block lock although the user woke the machine: %+v", in)
		}
	}
}

// TestStalledNotificationServerDoesNotHoldTheLock: a notification server that never answers
// delays the release by at most notifyWait.
func TestStalledNotificationServerDoesNotHoldTheLock(t *testing.T) {
	block := make(chan struct{})
	h := start(t, false, []string{"Wake up at 07:30"}, func(o *Options) {
		o.Notify = func(title, body string) error { <-block; return nil }
	})
	t.Cleanup(func() { close(block) })
	first := h.fake.WaitInhibitor(t, "delay", 1, 5*time.Second)
	time.Sleep(400 * time.Millisecond)
	sent := time.Now()
	if err := h.fake.PrepareForSleep(true); err != nil {
		t.Fatal(err)
	}
	select {
	case <-first.Released():
	case <-time.After(5 * time.Second):
		t.Fatal("a stalled notification server kept the delay lock")
	}
	took := first.ReleasedAt().Sub(sent)
	t.Logf("PrepareForSleep(true) → delay lock released, notification server stalled: %s", took)
	if took > time.Second {
		t.Errorf("released after %s, want within 1 s", took)
	}
}
