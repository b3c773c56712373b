package clock

import (
	"slices"
	"strings"
	"testing"
	"time"
)

var fakeStart = time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC)

// pending returns the event waiting in ch, or 0 if there is none. Fake
// delivers synchronously, so there is never anything to wait for.
func pending(ch <-chan Event) Event {
	select {
	case ev := <-ch:
		return ev
	default:
		return 0
	}
}

func newFakeTimer(t *testing.T, f *Fake) Timer {
	t.Helper()
	timer, err := f.NewTimer()
	if err != nil {
		t.Fatalf("NewTimer: %v", err)
	}
	t.Cleanup(func() { _ = timer.Close() })
	return timer
}

func TestFakeNowIsInLocationWithoutMonotonic(t *testing.T) {
	berlin := loadZone(t, "Europe/Berlin")
	f := NewFake(time.Now(), berlin)
	now := f.Now()
	if now.Location() != berlin {
		t.Errorf("Now location = %v, want Europe/Berlin", now.Location())
	}
	if strings.Contains(now.String(), "m=") {
		t.Errorf("Now carries a monotonic reading: %v", now)
	}
	if got := NewFake(fakeStart, nil).Location(); got != time.UTC {
		t.Errorf("nil location = %v, want UTC", got)
	}
}

func TestFakeAdvanceFiresOnceReached(t *testing.T) {
	f := NewFake(fakeStart, nil)
	timer := newFakeTimer(t, f)
	at := fakeStart.Add(10 * time.Minute)
	timer.Arm(at)
	if got := f.Armed(); !slices.Equal(got, []time.Time{at}) {
		t.Fatalf("Armed = %v, want [%v]", got, at)
	}

	f.Advance(10*time.Minute - time.Nanosecond)
	if ev := pending(timer.C()); ev != 0 {
		t.Fatalf("event %v before the instant", ev)
	}
	f.Advance(time.Nanosecond)
	if ev := pending(timer.C()); ev != Fired {
		t.Fatalf("event at the instant = %v, want Fired", ev)
	}
	if got := f.Armed(); len(got) != 0 {
		t.Errorf("Armed after firing = %v, want none (one-shot)", got)
	}
	f.Advance(time.Hour)
	if ev := pending(timer.C()); ev != 0 {
		t.Errorf("event %v after the timer already fired", ev)
	}
}

func TestFakeArmPastFiresAtOnce(t *testing.T) {
	f := NewFake(fakeStart, nil)
	timer := newFakeTimer(t, f)
	timer.Arm(fakeStart)
	if ev := pending(timer.C()); ev != Fired {
		t.Fatalf("arming now: event = %v, want Fired", ev)
	}
	timer.Arm(fakeStart.Add(-time.Hour))
	if ev := pending(timer.C()); ev != Fired {
		t.Fatalf("arming the past: event = %v, want Fired", ev)
	}
	if got := f.Armed(); len(got) != 0 {
		t.Errorf("Armed = %v, want none", got)
	}
}

func TestFakeRearmReplacesAndZeroDisarms(t *testing.T) {
	f := NewFake(fakeStart, nil)
	timer := newFakeTimer(t, f)
	timer.Arm(fakeStart.Add(time.Minute))
	timer.Arm(fakeStart.Add(time.Hour))
	f.Advance(2 * time.Minute)
	if ev := pending(timer.C()); ev != 0 {
		t.Fatalf("replaced instant fired: %v", ev)
	}
	timer.Arm(time.Time{})
	if got := f.Armed(); len(got) != 0 {
		t.Fatalf("Armed after disarm = %v", got)
	}
	f.Advance(2 * time.Hour)
	if ev := pending(timer.C()); ev != 0 {
		t.Errorf("disarmed timer reported %v", ev)
	}
}

func TestFakeSetForwardPastInstant(t *testing.T) {
	f := NewFake(fakeStart, nil)
	timer := newFakeTimer(t, f)
	timer.Arm(fakeStart.Add(time.Hour))
	f.Set(fakeStart.Add(2 * time.Hour))
	// Jumped then Fired, coalesced into the stronger Jumped.
	if ev := pending(timer.C()); ev != Jumped {
		t.Fatalf("event = %v, want Jumped", ev)
	}
	if ev := pending(timer.C()); ev != 0 {
		t.Fatalf("second event %v; events must coalesce", ev)
	}
	if got := f.Armed(); len(got) != 0 {
		t.Errorf("Armed = %v; the passed instant must be consumed", got)
	}
}

func TestFakeSetForwardSeenByBusyReceiver(t *testing.T) {
	// A receiver that takes Jumped before the jump passes the instant sees
	// the Fired too.
	f := NewFake(fakeStart, nil)
	timer := newFakeTimer(t, f)
	at := fakeStart.Add(time.Hour)
	timer.Arm(at)
	f.Set(fakeStart.Add(time.Minute))
	if ev := pending(timer.C()); ev != Jumped {
		t.Fatalf("event = %v, want Jumped", ev)
	}
	f.Set(at)
	if ev := pending(timer.C()); ev != Jumped {
		t.Fatalf("event = %v, want Jumped", ev)
	}
	timer.Arm(at) // what a scheduler re-evaluating would do
	if ev := pending(timer.C()); ev != Fired {
		t.Fatalf("re-arming the reached instant: %v, want Fired", ev)
	}
}

func TestFakeSetBackKeepsTimerArmed(t *testing.T) {
	f := NewFake(fakeStart, nil)
	timer := newFakeTimer(t, f)
	at := fakeStart.Add(time.Hour)
	timer.Arm(at)
	f.Set(fakeStart.Add(-24 * time.Hour))
	if ev := pending(timer.C()); ev != Jumped {
		t.Fatalf("event = %v, want Jumped", ev)
	}
	if got := f.Armed(); !slices.Equal(got, []time.Time{at}) {
		t.Fatalf("Armed = %v, want [%v]", got, at)
	}
	if got := f.Now(); !got.Equal(fakeStart.Add(-24 * time.Hour)) {
		t.Errorf("Now = %v after Set", got)
	}
	f.Advance(25 * time.Hour)
	if ev := pending(timer.C()); ev != Fired {
		t.Errorf("event after reaching the instant = %v, want Fired", ev)
	}
}

func TestFakeSetLeavesDisarmedTimersAlone(t *testing.T) {
	f := NewFake(fakeStart, nil)
	timer := newFakeTimer(t, f)
	f.Set(fakeStart.Add(time.Hour))
	if ev := pending(timer.C()); ev != 0 {
		t.Errorf("disarmed timer got %v", ev)
	}
}

func TestFakeEventsCoalesce(t *testing.T) {
	f := NewFake(fakeStart, nil)
	timer := newFakeTimer(t, f)
	timer.Arm(fakeStart)
	timer.Arm(fakeStart)
	if ev := pending(timer.C()); ev != Fired {
		t.Fatalf("event = %v, want Fired", ev)
	}
	if ev := pending(timer.C()); ev != 0 {
		t.Fatalf("second event %v; events must coalesce", ev)
	}

	// A pending Fired is replaced by a later Jumped.
	timer.Arm(fakeStart)
	timer.Arm(fakeStart.Add(time.Hour))
	f.Set(fakeStart.Add(time.Minute))
	if ev := pending(timer.C()); ev != Jumped {
		t.Fatalf("event = %v, want Jumped replacing Fired", ev)
	}
}

func TestFakeTimersAreIndependent(t *testing.T) {
	f := NewFake(fakeStart, nil)
	early, late := newFakeTimer(t, f), newFakeTimer(t, f)
	early.Arm(fakeStart.Add(time.Minute))
	late.Arm(fakeStart.Add(time.Hour))
	want := []time.Time{fakeStart.Add(time.Minute), fakeStart.Add(time.Hour)}
	if got := f.Armed(); !slices.Equal(got, want) {
		t.Fatalf("Armed = %v, want %v", got, want)
	}
	f.Advance(time.Minute)
	if ev := pending(early.C()); ev != Fired {
		t.Errorf("early = %v, want Fired", ev)
	}
	if ev := pending(late.C()); ev != 0 {
		t.Errorf("late = %v, want nothing", ev)
	}
}

func TestFakeCloseDisarms(t *testing.T) {
	f := NewFake(fakeStart, nil)
	timer := newFakeTimer(t, f)
	timer.Arm(fakeStart.Add(time.Minute))
	if err := timer.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got := f.Armed(); len(got) != 0 {
		t.Errorf("Armed after Close = %v", got)
	}
	timer.Arm(fakeStart)
	if ev := pending(timer.C()); ev != 0 {
		t.Errorf("closed timer got %v", ev)
	}
	if err := timer.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestFakeSetLocationSignals(t *testing.T) {
	f := NewFake(fakeStart, nil)
	tokyo := loadZone(t, "Asia/Tokyo")
	select {
	case <-f.ZoneChanges():
		t.Fatal("zone change signalled before any change")
	default:
	}
	f.SetLocation(tokyo)
	f.SetLocation(tokyo)
	select {
	case <-f.ZoneChanges():
	default:
		t.Fatal("no zone change signalled")
	}
	select {
	case <-f.ZoneChanges():
		t.Fatal("zone changes must coalesce")
	default:
	}
	if f.Location() != tokyo || f.Now().Location() != tokyo {
		t.Errorf("location not switched: %v / %v", f.Location(), f.Now().Location())
	}
}

func TestFakeAdvanceNegativePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Advance(-1) did not panic")
		}
	}()
	NewFake(fakeStart, nil).Advance(-1)
}

func TestDeliverCoalescing(t *testing.T) {
	tests := []struct {
		name string
		sent []Event
		want Event
	}{
		{"single fired", []Event{Fired}, Fired},
		{"fired twice", []Event{Fired, Fired}, Fired},
		{"jumped replaces fired", []Event{Fired, Jumped}, Jumped},
		{"fired does not replace jumped", []Event{Jumped, Fired}, Jumped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := make(chan Event, 1)
			for _, ev := range tt.sent {
				deliver(ch, ev)
			}
			if got := pending(ch); got != tt.want {
				t.Errorf("pending = %v, want %v", got, tt.want)
			}
			if got := pending(ch); got != 0 {
				t.Errorf("second pending = %v, want nothing", got)
			}
		})
	}
}

func TestEventString(t *testing.T) {
	for ev, want := range map[Event]string{Fired: "fired", Jumped: "jumped", 7: "Event(7)"} {
		if got := ev.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(ev), got, want)
		}
	}
}

// loadZone loads a zone from the system's zoneinfo or skips the test.
func loadZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("zone %s not available: %v", name, err)
	}
	return loc
}
