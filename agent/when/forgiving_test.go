package when

import (
	"strings"
	"testing"
	"time"
)

// TestParseForgiving holds every form of DESIGN §13 in Berlin and New York: now is Tuesday
// 2026-11-24 10:00:00.5 wall time in both.
func TestParseForgiving(t *testing.T) {
	tests := []struct {
		expr string
		want string // wall time, or "+<duration>" for a relative result
	}{
		// "at", and the day before or after the time
		{"at 7:30", "2026-11-25T07:30:00"},
		{"at 11:00", "2026-11-24T11:00:00"},
		{"AT 7PM", "2026-11-24T19:00:00"},
		{"7:30 tomorrow", "2026-11-25T07:30:00"},
		{"tomorrow at 7:30", "2026-11-25T07:30:00"},
		{"at 7:30 tomorrow", "2026-11-25T07:30:00"},
		{"tomorrow at 7 am", "2026-11-25T07:00:00"},
		{"noon tomorrow", "2026-11-25T12:00:00"},
		{"midnight tomorrow", "2026-11-25T00:00:00"}, // same as "tomorrow midnight" (§4)
		{"6pm today", "2026-11-24T18:00:00"},
		{"today at 6pm", "2026-11-24T18:00:00"},
		{"9pm friday", "2026-11-27T21:00:00"},
		{"9 pm friday", "2026-11-27T21:00:00"},
		{"9pm on friday", "2026-11-27T21:00:00"},
		{"friday at 9pm", "2026-11-27T21:00:00"},
		{"7:30pm tue", "2026-11-24T19:30:00"}, // today, still ahead
		{"9:00 tuesday", "2026-12-01T09:00:00"},
		// next <weekday>: never today
		{"next monday 9am", "2026-11-30T09:00:00"},
		{"next tuesday 7:30pm", "2026-12-01T19:30:00"},
		{"next wed at noon", "2026-11-25T12:00:00"},
		{"9am next monday", "2026-11-30T09:00:00"},
		// month names, the day in either order, an optional ordinal and year
		{"dec 25 9:00", "2026-12-25T09:00:00"},
		{"25 dec 9:00", "2026-12-25T09:00:00"},
		{"25 dec 9am", "2026-12-25T09:00:00"},
		{"december 25th 9:00", "2026-12-25T09:00:00"},
		{"december 25th at 9:30 pm", "2026-12-25T21:30:00"},
		{"dec 25, 9:00", "2026-12-25T09:00:00"},
		{"9:00 dec 25", "2026-12-25T09:00:00"},
		{"9:00 on 25th of december", "2026-12-25T09:00:00"},
		{"1st jan 0:00", "2027-01-01T00:00:00"},
		{"nov 24 9:00", "2027-11-24T09:00:00"}, // today, past: next year
		{"nov 24 11:00", "2026-11-24T11:00:00"},
		{"Sept 2nd 8:00", "2027-09-02T08:00:00"},
		{"feb 29 6:00", "2028-02-29T06:00:00"},
		{"may 3rd 2027 7:00", "2027-05-03T07:00:00"},
		{"3 may 2027 7:00", "2027-05-03T07:00:00"},
		{"9:00 2026-12-01", "2026-12-01T09:00:00"},
		// a dot between hour and minutes
		{"7.30", "2026-11-25T07:30:00"},
		{"19.45", "2026-11-24T19:45:00"},
		{"7.30pm", "2026-11-24T19:30:00"},
		{"tomorrow 7.30", "2026-11-25T07:30:00"},
		{"7.30.15 tomorrow", "2026-11-25T07:30:15"},
		// durations with words, weeks, "and", "a"/"an"
		{"in an hour", "+1h"},
		{"an hour", "+1h"},
		{"in a minute", "+1m"},
		{"in 1 hour and 30 minutes", "+1h30m"},
		{"45 mins", "+45m"},
		{"45 minutes", "+45m"},
		{"in 2 weeks", "+336h"},
		{"in 1 week", "+168h"},
		{"2w", "+336h"},
		{"1 wk 2 days", "+216h"},
		{"in 3 days and 4 hours", "+76h"},
		{"1h30", "+1h30m"},
		{"in 2h15", "+2h15m"},
		{"1m30", "+1m30s"},
		{"now + 2 hours", "+2h"},
		{"now +25 minutes", "+25m"},
		{"now+1 week", "+168h"},
		{"+2 weeks", "+336h"},
		{"52 weeks", "+8736h"},
	}
	for _, zoneName := range []string{"Europe/Berlin", "America/New_York"} {
		loc := zone(t, zoneName)
		now := at(t, "2026-11-24T10:00:00", loc).Add(500 * time.Millisecond)
		for _, tt := range tests {
			got, err := Parse(tt.expr, now)
			if err != nil {
				t.Errorf("%s: Parse(%q): %v", zoneName, tt.expr, err)
				continue
			}
			if d, ok := strings.CutPrefix(tt.want, "+"); ok {
				want, _ := time.ParseDuration(d)
				if got.Kind != Relative || !got.At.Equal(now.Add(want)) {
					t.Errorf("%s: Parse(%q) = %+v, want now + %s", zoneName, tt.expr, got, want)
				}
				continue
			}
			if got.Kind != Local || got.Wall.String() != tt.want {
				t.Errorf("%s: Parse(%q) = %s %v, want local %s", zoneName, tt.expr, got.Kind, got.Wall, tt.want)
			}
		}
	}
}

// TestParseForgivingOnDSTDays: the new forms resolve through the same rules as §4 on the days
// the clocks change.
func TestParseForgivingOnDSTDays(t *testing.T) {
	tests := []struct {
		zone, now, expr, want string
	}{
		// Berlin: 2026-03-29 02:00 -> 03:00, 2026-10-25 03:00 -> 02:00.
		{"Europe/Berlin", "2026-03-28T12:00:00", "2:30 tomorrow", "2026-03-29T02:30:00"},
		{"Europe/Berlin", "2026-03-29T03:10:00", "at 2.30", "2026-03-29T02:30:00"}, // rings 03:30, ahead
		{"Europe/Berlin", "2026-03-29T03:40:00", "at 2:30", "2026-03-30T02:30:00"},
		{"Europe/Berlin", "2026-03-22T12:00:00", "2:30am next sunday", "2026-03-29T02:30:00"},
		{"Europe/Berlin", "2026-03-01T12:00:00", "march 29th 2:30", "2026-03-29T02:30:00"},
		{"Europe/Berlin", "2026-10-25T01:00:00", "2:30 today", "2026-10-25T02:30:00"},
		{"Europe/Berlin", "2026-10-25T03:30:00", "25 oct 2:30", "2027-10-25T02:30:00"},
		{"Europe/Berlin", "2026-10-24T23:00:00", "in 4 hours", "+4h"},
		// New York: 2026-03-08 02:00 -> 03:00, 2026-11-01 02:00 -> 01:00.
		{"America/New_York", "2026-03-07T20:00:00", "2:30am tomorrow", "2026-03-08T02:30:00"},
		{"America/New_York", "2026-03-08T03:31:00", "next sunday 2:30am", "2026-03-15T02:30:00"},
		{"America/New_York", "2026-11-01T00:30:00", "1.30 today", "2026-11-01T01:30:00"},
		{"America/New_York", "2026-10-31T12:00:00", "nov 1st 1:30am", "2026-11-01T01:30:00"},
		{"America/New_York", "2026-10-31T23:00:00", "in 3 hours", "+3h"},
	}
	for _, tt := range tests {
		loc := zone(t, tt.zone)
		now := at(t, tt.now, loc)
		got, err := Parse(tt.expr, now)
		if err != nil {
			t.Errorf("%s at %s: Parse(%q): %v", tt.zone, tt.now, tt.expr, err)
			continue
		}
		if d, ok := strings.CutPrefix(tt.want, "+"); ok {
			want, _ := time.ParseDuration(d)
			if !got.At.Equal(now.Add(want)) || got.At.Sub(now) != want {
				t.Errorf("%s at %s: Parse(%q) = %v, want %s later (elapsed time, across the change)", tt.zone, tt.now, tt.expr, got.At, want)
			}
			continue
		}
		if got.Wall.String() != tt.want {
			t.Errorf("%s at %s: Parse(%q) = %v, want %s", tt.zone, tt.now, tt.expr, got.Wall, tt.want)
		}
	}
}

// TestParseForgivingRejected: refusals name what was wrong, and ambiguous forms their readings.
func TestParseForgivingRejected(t *testing.T) {
	for _, zoneName := range []string{"Europe/Berlin", "America/New_York"} {
		now := at(t, "2026-11-24T10:00:00", zone(t, zoneName))
		for _, tt := range []struct{ expr, reason string }{
			{"12/25", `"12/25" could be month/day (Dec 25) or day/month (day 12 of month 25, which does not exist)`},
			{"3/4 9:00", "month/day (Mar 4) or day/month (Apr 3)"},
			{"12/25/2026", "ambiguous"},
			{"tomorrow at 25:00", "hour must be 0-23"},
			{"7.60", "minutes must be 0-59"},
			{"25.12", "hour must be 0-23"},
			{"feb 30 9:00", "February has at most 29 days"},
			{"feb 29 2027 9:00", "day must be 1-28 in February 2027"},
			{"dec 9:00", "needs a day of the month"},
			{"dec 25 9", "needs minutes or am/pm"},
			{"dec 25", "not a time"},
			{"next 9:00", `"next" takes a weekday`},
			{"next tomorrow 9:00", `"next" takes a weekday`},
			{"in an", "needs a unit after it"},
			{"in 2 fortnights", `unknown unit "fortnights"`},
			{"53 weeks", "at most 1 year"},
			{"in 1 hour and", "not a duration"},
			{"now", "would ring at once"},
			{"now 5m", `after "now" comes "+"`},
			{"at", "needs a time after"},
			{"25m in the kitchen", "not a duration"},
			{"1h90", "missing unit after 90"},
			{"1h30 5", "missing unit after 30"},
			{"nov 24 2026 9:00", "is in the past"},
			{"today at 9:00", "already passed"},
			{"1.5h30", "missing unit after"},
			{"2d5", "missing unit after 5"},
		} {
			_, err := Parse(tt.expr, now)
			if err == nil {
				t.Errorf("%s: Parse(%q) succeeded, want %q", zoneName, tt.expr, tt.reason)
				continue
			}
			checkOneLineError(t, err, tt.expr)
			if !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("%s: Parse(%q) = %q, want it to contain %q", zoneName, tt.expr, err, tt.reason)
			}
		}
	}
}

// TestParseArgsForgiving: the longer forms are found at the start of the command line.
func TestParseArgsForgiving(t *testing.T) {
	now := at(t, "2026-11-24T10:00:00", zone(t, "Europe/Berlin"))
	for _, tt := range []struct {
		args []string
		n    int
	}{
		{[]string{"7:30", "tomorrow", "Wake", "up"}, 2},
		{[]string{"december", "25th", "at", "9:30", "pm", "Presents"}, 5},
		{[]string{"in", "1", "hour", "and", "30", "minutes", "tea"}, 6},
		{[]string{"next", "monday", "at", "9am", "standup"}, 4},
		{[]string{"at", "7:30", "wake"}, 2},
		{[]string{"9:00", "at", "the", "office"}, 1},
	} {
		_, n, err := ParseArgs(tt.args, now)
		if err != nil || n != tt.n {
			t.Errorf("ParseArgs(%q) used %d args (%v), want %d", tt.args, n, err, tt.n)
		}
	}
}

func TestAcceptedFormsListsTheNewForms(t *testing.T) {
	for _, form := range []string{"7.30", "7:30 tomorrow", "next monday 9am", "dec 25 9:00", "25 dec 9am", "december 25th", "2w", "in an hour", "45 mins", "12/25"} {
		if !strings.Contains(AcceptedForms, form) {
			t.Errorf("AcceptedForms does not show %q", form)
		}
	}
}
