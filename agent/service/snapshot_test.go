package service

import (
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"alarmd/agent/api"
	"alarmd/agent/history"
)

// TestSnapshotIsListAndStatusWithoutHealth: a tray redraw's one read gives what List and Status
// give, and never asks Health (which reaches into the tray and the bus).
func TestSnapshotIsListAndStatusWithoutHealth(t *testing.T) {
	h := newHarness(t, time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC))
	var health atomic.Int32
	h.svc.o.Health = func() (string, string, string) { health.Add(1); return "t", "n", "a" }

	if s := h.svc.Snapshot(); len(s.Alarms) != 0 || s.Next != nil || len(s.Ringing) != 0 || s.Paused {
		t.Fatalf("empty service: %+v", s)
	}
	tea := h.add("in 5m", "Tea")
	later := h.add("in 2h", "Later")
	off := h.add("tomorrow 7:00", "Off")
	no := false
	if _, err := h.svc.Edit(off.ID, api.EditRequest{Enabled: &no}, history.FromCLI); err != nil {
		t.Fatal(err)
	}
	h.clk.Advance(5 * time.Minute)
	h.expectShown("Tea", "")

	s := h.svc.Snapshot()
	if health.Load() != 0 {
		t.Fatalf("Snapshot called Health %d times", health.Load())
	}
	if want := h.svc.List(); !reflect.DeepEqual(s.Alarms, want) {
		t.Errorf("alarms\n%+v\nwant (List)\n%+v", s.Alarms, want)
	}
	st := h.svc.Status()
	if !reflect.DeepEqual(s.Ringing, st.Ringing) || len(s.Ringing) != 1 || s.Ringing[0] != tea.ID {
		t.Errorf("ringing %v, Status says %v, want [%d]", s.Ringing, st.Ringing, tea.ID)
	}
	if s.Next == nil || st.Next == nil || s.Next.ID != later.ID || !reflect.DeepEqual(*s.Next, *st.Next) {
		t.Errorf("next %+v, Status says %+v, want alarm %d", s.Next, st.Next, later.ID)
	}
	if err := h.svc.SetPaused(true); err != nil {
		t.Fatal(err)
	}
	if s := h.svc.Snapshot(); !s.Paused {
		t.Error("Snapshot does not say paused")
	}
	if health.Load() != 1 { // the one Status above
		t.Errorf("Health called %d times, want 1 (by Status only)", health.Load())
	}
}
