package when

import (
	"testing"
	"time"
)

// TestDailyAcrossTransitions follows a daily alarm through both DST
// transitions of each zone: exactly one ring per day, at the expected
// instants (gap times shifted forward, ambiguous times at the first pass).
func TestDailyAcrossTransitions(t *testing.T) {
	daily, err := ParseRepeat("daily")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		zone, first string
		want        []string // RFC 3339 instants, one per day
	}{
		{"Europe/Berlin", "2026-03-28T02:30:00", []string{
			"2026-03-28T02:30:00+01:00", "2026-03-29T03:30:00+02:00", "2026-03-30T02:30:00+02:00"}},
		{"Europe/Berlin", "2026-10-24T02:30:00", []string{
			"2026-10-24T02:30:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"}},
		{"America/New_York", "2026-03-07T02:30:00", []string{
			"2026-03-07T02:30:00-05:00", "2026-03-08T03:30:00-04:00", "2026-03-09T02:30:00-04:00"}},
		{"America/New_York", "2026-10-31T01:30:00", []string{
			"2026-10-31T01:30:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"}},
		{"Australia/Lord_Howe", "2026-10-03T02:15:00", []string{
			"2026-10-03T02:15:00+10:30", "2026-10-04T02:45:00+11:00", "2026-10-05T02:15:00+11:00"}},
		{"Australia/Lord_Howe", "2026-04-04T01:45:00", []string{
			"2026-04-04T01:45:00+11:00", "2026-04-05T01:45:00+11:00", "2026-04-06T01:45:00+10:30"}},
		{"Asia/Kolkata", "2026-03-28T02:30:00", []string{
			"2026-03-28T02:30:00+05:30", "2026-03-29T02:30:00+05:30", "2026-03-30T02:30:00+05:30"}},
	}
	for _, tt := range tests {
		loc := zone(t, tt.zone)
		first := wall(t, tt.first)
		var after Wall
		for i, wantText := range tt.want {
			w, ok := daily.Next(first, after)
			if !ok {
				t.Fatalf("%s: series ended", tt.zone)
			}
			want, _ := time.Parse(time.RFC3339, wantText)
			if got := w.In(loc); !got.Equal(want) {
				t.Errorf("%s ring %d: %v, want %v", tt.zone, i, got, want)
			}
			after = w
		}
	}
}

// TestScheduledRingsAcrossTransitions simulates a scheduler that wakes
// every 5 minutes for four days around each transition and rings whatever
// Latest says is due: each day rings exactly once, within 5 minutes of its
// resolved instant.
func TestScheduledRingsAcrossTransitions(t *testing.T) {
	tests := []struct {
		zone, clock, startDay string
	}{
		{"Europe/Berlin", "02:30:00", "2026-03-27"},
		{"Europe/Berlin", "02:30:00", "2026-10-23"},
		{"America/New_York", "02:30:00", "2026-03-06"},
		{"America/New_York", "01:30:00", "2026-10-30"},
		{"Australia/Lord_Howe", "02:15:00", "2026-10-02"},
		{"Australia/Lord_Howe", "01:45:00", "2026-04-03"},
		{"Asia/Kolkata", "02:30:00", "2026-03-27"},
	}
	for _, rule := range []string{"daily", "rrule:FREQ=DAILY"} {
		r, err := ParseRepeat(rule)
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range tests {
			loc := zone(t, tt.zone)
			first := wall(t, tt.startDay+"T"+tt.clock)
			start := wall(t, tt.startDay+"T00:00:00").In(loc)
			after := first.AddDays(-1) // nothing handled yet but the day before
			rings := map[string]int{}
			for now := start; now.Before(start.Add(96 * time.Hour)); now = now.Add(5 * time.Minute) {
				o, ok := r.Latest(first, after, now, loc)
				if !ok {
					continue
				}
				if late := now.Sub(o.In(loc)); late < 0 || late >= 5*time.Minute {
					t.Errorf("%s %s: %v rang at %v, late by %v", rule, tt.zone, o, now, late)
				}
				y, m, d := o.Date()
				rings[time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Format("2006-01-02")]++
				after = o
			}
			if len(rings) != 4 {
				t.Errorf("%s %s from %s: rang on %d days, want 4: %v", rule, tt.zone, tt.startDay, len(rings), rings)
			}
			for day, n := range rings {
				if n != 1 {
					t.Errorf("%s %s: %d rings on %s", rule, tt.zone, n, day)
				}
			}
		}
	}
}

func TestLatestInGap(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	daily, _ := ParseRepeat("daily")
	first := wall(t, "2026-03-01T02:30:00")
	after := wall(t, "2026-03-28T02:30:00")
	if _, ok := daily.Latest(first, after, at(t, "2026-03-29T03:20:00", berlin), berlin); ok {
		t.Error("02:30 on the gap day is due before 03:30")
	}
	if o, ok := daily.Latest(first, after, at(t, "2026-03-29T03:30:00", berlin), berlin); !ok || o.String() != "2026-03-29T02:30:00" {
		t.Errorf("02:30 on the gap day at 03:30: Latest = %v, %v", o, ok)
	}
}
