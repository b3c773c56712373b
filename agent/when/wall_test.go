package when

import (
	"encoding/json"
	"testing"
	"time"
)

func TestWallFields(t *testing.T) {
	w := NewWall(2026, time.December, 1, 7, 30, 15)
	if y, m, d := w.Date(); y != 2026 || m != time.December || d != 1 {
		t.Errorf("Date = %d-%d-%d", y, m, d)
	}
	if h, mi, s := w.Clock(); h != 7 || mi != 30 || s != 15 {
		t.Errorf("Clock = %d:%d:%d", h, mi, s)
	}
	if wd := w.Weekday(); wd != time.Tuesday {
		t.Errorf("Weekday = %v, want Tuesday", wd)
	}
	if got := w.String(); got != "2026-12-01T07:30:15" {
		t.Errorf("String = %q", got)
	}
	if got := w.AddDays(31).String(); got != "2027-01-01T07:30:15" {
		t.Errorf("AddDays(31) = %q", got)
	}
	if got := w.AddDays(-1).Weekday(); got != time.Monday {
		t.Errorf("AddDays(-1).Weekday = %v", got)
	}
	if got := NewWall(2026, time.October, 32, 25, 0, 0).String(); got != "2026-11-02T01:00:00" {
		t.Errorf("normalised NewWall = %q", got)
	}
	if !NewWall(1, time.January, 1, 0, 0, 0).IsZero() || w.IsZero() {
		t.Error("IsZero wrong")
	}
	u := w.AddDays(1)
	if !w.Before(u) || w.After(u) || !u.After(w) || w.Equal(u) || !w.Equal(NewWall(2026, 12, 1, 7, 30, 15)) {
		t.Error("comparisons wrong")
	}
	if w != NewWall(2026, 12, 1, 7, 30, 15) {
		t.Error("equal walls are not == ")
	}
}

func TestWallWeekdayMatchesTime(t *testing.T) {
	start := time.Date(1999, 12, 25, 13, 0, 0, 0, time.UTC)
	for i := 0; i < 800; i++ {
		tm := start.AddDate(0, 0, i)
		if got, want := WallOf(tm).Weekday(), tm.Weekday(); got != want {
			t.Fatalf("%v: Weekday = %v, want %v", tm, got, want)
		}
	}
}

func TestWallOf(t *testing.T) {
	kolkata := zone(t, "Asia/Kolkata")
	tm := time.Date(2026, 5, 1, 23, 59, 59, 999_999_999, kolkata)
	if got := WallOf(tm).String(); got != "2026-05-01T23:59:59" {
		t.Errorf("WallOf = %q, want the wall clock in the time's own zone, truncated", got)
	}
	if got := WallOf(tm.UTC()).String(); got != "2026-05-01T18:29:59" {
		t.Errorf("WallOf(UTC) = %q", got)
	}
}

func TestWallText(t *testing.T) {
	type doc struct {
		W Wall `json:"w"`
	}
	for _, w := range []Wall{{}, NewWall(2026, 12, 1, 7, 30, 0)} {
		b, err := json.Marshal(doc{w})
		if err != nil {
			t.Fatal(err)
		}
		var back doc
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("unmarshal %s: %v", b, err)
		}
		if back.W != w {
			t.Errorf("round trip of %v via %s gave %v", w, b, back.W)
		}
	}
	if b, _ := json.Marshal(doc{}); string(b) != `{"w":""}` {
		t.Errorf("zero Wall marshals as %s, want empty string", b)
	}
	var w Wall
	for _, bad := range []string{"2026-12-01", "2026-12-01 07:30:00", "2026-13-01T00:00:00", "x"} {
		if err := w.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("UnmarshalText(%q) succeeded", bad)
		}
	}
}

func TestWallIn(t *testing.T) {
	tests := []struct {
		zone, wall, want string // want is RFC 3339
	}{
		// ordinary times
		{"Europe/Berlin", "2026-07-01T07:30:00", "2026-07-01T07:30:00+02:00"},
		{"Europe/Berlin", "2026-12-01T07:30:00", "2026-12-01T07:30:00+01:00"},
		{"Asia/Kolkata", "2026-03-29T02:30:00", "2026-03-29T02:30:00+05:30"},
		{"Asia/Kolkata", "2026-11-01T01:30:00", "2026-11-01T01:30:00+05:30"},
		// spring-forward gaps move forward by the gap length
		{"Europe/Berlin", "2026-03-29T02:00:00", "2026-03-29T03:00:00+02:00"},
		{"Europe/Berlin", "2026-03-29T02:30:00", "2026-03-29T03:30:00+02:00"},
		{"Europe/Berlin", "2026-03-29T02:59:59", "2026-03-29T03:59:59+02:00"},
		{"Europe/Berlin", "2026-03-29T03:00:00", "2026-03-29T03:00:00+02:00"},
		{"America/New_York", "2026-03-08T02:30:00", "2026-03-08T03:30:00-04:00"},
		{"Australia/Lord_Howe", "2026-10-04T02:15:00", "2026-10-04T02:45:00+11:00"},
		{"Australia/Lord_Howe", "2026-10-04T02:00:00", "2026-10-04T02:30:00+11:00"},
		// ambiguous times resolve to their first occurrence
		{"Europe/Berlin", "2026-10-25T02:00:00", "2026-10-25T02:00:00+02:00"},
		{"Europe/Berlin", "2026-10-25T02:30:00", "2026-10-25T02:30:00+02:00"},
		{"Europe/Berlin", "2026-10-25T03:00:00", "2026-10-25T03:00:00+01:00"},
		{"America/New_York", "2026-11-01T01:30:00", "2026-11-01T01:30:00-04:00"},
		{"America/New_York", "2026-11-01T02:00:00", "2026-11-01T02:00:00-05:00"},
		{"Australia/Lord_Howe", "2026-04-05T01:45:00", "2026-04-05T01:45:00+11:00"},
		{"Australia/Lord_Howe", "2026-04-05T02:00:00", "2026-04-05T02:00:00+10:30"},
	}
	for _, tt := range tests {
		got := wall(t, tt.wall).In(zone(t, tt.zone))
		want, err := time.Parse(time.RFC3339, tt.want)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(want) || got.Location().String() != tt.zone {
			t.Errorf("%s In(%s) = %v, want %v", tt.wall, tt.zone, got, want)
		}
	}
	if got := NewWall(2026, 1, 1, 0, 0, 0).In(nil); !got.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("In(nil) = %v, want UTC", got)
	}
}

// TestWallInProperties walks every quarter hour of 2026 in each test zone:
// valid wall times map to the earliest instant showing them, gap times to
// the wall time plus the gap length.
func TestWallInProperties(t *testing.T) {
	for _, name := range []string{"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC", "Pacific/Apia"} {
		loc := zone(t, name)
		gaps := 0
		for w := NewWall(2026, 1, 1, 0, 0, 0); w.Before(NewWall(2027, 1, 1, 0, 0, 0)); w.sec += 15 * 60 {
			got := w.In(loc)
			if shown := WallOf(got); shown != w {
				gaps++
				// in a gap: shown is w + gap, and the instant gap earlier
				// shows a wall before w (the clock jumped over w)
				gap := time.Duration(shown.sec-w.sec) * time.Second
				if gap <= 0 || gap > 2*time.Hour {
					t.Errorf("%s %v: resolved to %v, shift %v", name, w, got, gap)
					continue
				}
				if !WallOf(got.Add(-gap)).Before(w) {
					t.Errorf("%s %v: resolved to %v, but it is not in a gap", name, w, got)
				}
				continue
			}
			for _, d := range []time.Duration{30 * time.Minute, time.Hour} {
				if WallOf(got.Add(-d)) == w {
					t.Errorf("%s %v: resolved to %v, but %v earlier shows it too", name, w, got, d)
				}
			}
		}
		want := map[string]int{"Europe/Berlin": 4, "America/New_York": 4, "Australia/Lord_Howe": 2}[name]
		if gaps != want {
			t.Errorf("%s: %d quarter hours in gaps in 2026, want %d", name, gaps, want)
		}
	}
}
