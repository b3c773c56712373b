package service

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// bulkICS is n events in Berlin far ahead, each with a ring; uids start at from.
func bulkICS(from, n int) []byte {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n")
	for i := from; i < from+n; i++ {
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:bulk-%d@test\r\nDTSTART;TZID=Europe/Berlin:20300101T%02d%02d00\r\nSUMMARY:Bulk %d\r\n"+
			"BEGIN:VALARM\r\nACTION:AUDIO\r\nTRIGGER:PT0S\r\nEND:VALARM\r\nEND:VEVENT\r\n", i, i/60%24, i%60, i)
	}
	b.WriteString("END:VCALENDAR\r\n")
	return []byte(b.String())
}

// TestImportKeepsTheAlarmLimit: an import that would take the agent past MaxAlarms adds
// nothing, and a refused import leaves the store as it was (DESIGN §13).
func TestImportKeepsTheAlarmLimit(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	h := newHarness(t, time.Date(2026, 11, 24, 10, 0, 0, 0, berlin))
	h.add("7:30", "kept")
	if _, err := h.svc.Import(bulkICS(0, MaxAlarms), false); err == nil || KindOf(err) != BadInput ||
		!strings.Contains(err.Error(), fmt.Sprintf("1 alarms kept and %d to add would be more than the %d alarmd keeps", MaxAlarms, MaxAlarms)) {
		t.Errorf("import past the limit: %v", err)
	}
	if n := len(h.svc.List()); n != 1 {
		t.Fatalf("%d alarms after a refused import, want 1", n)
	}
	res, err := h.svc.Import(bulkICS(0, MaxAlarms-1), false)
	if err != nil || len(res.Added) != MaxAlarms-1 {
		t.Fatalf("import up to the limit: %d added, %v", len(res.Added), err)
	}
	if d := h.store.Snapshot(); len(d.Alarms) != MaxAlarms || d.NextID != MaxAlarms+1 {
		t.Errorf("store holds %d alarms, next id %d", len(d.Alarms), d.NextID)
	}
	if _, err := h.svc.Import(bulkICS(MaxAlarms, 1), false); err == nil {
		t.Error("one alarm past the limit was imported")
	}
	// The same file again adds nothing, even at the limit.
	if res, err := h.svc.Import(bulkICS(0, 10), false); err != nil || len(res.Added) != 0 || res.Existing != 10 {
		t.Errorf("re-import at the limit: %+v, %v", res, err)
	}
}
