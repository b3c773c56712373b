package when

import (
	"strings"
	"testing"
	"time"
)

func TestParseAccepted(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	// Tuesday 2026-11-24 10:00:00.5 CET
	now := at(t, "2026-11-24T10:00:00", berlin).Add(500 * time.Millisecond)
	local := func(s string) Spec { return Spec{Kind: Local, Wall: wall(t, s)} }
	rel := func(d time.Duration) Spec { return Spec{Kind: Relative, At: now.Add(d)} }
	inst := func(s string) Spec {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return Spec{Kind: Instant, At: tm}
	}
	tests := []struct {
		expr string
		want Spec
	}{
		{"7:30", local("2026-11-25T07:30:00")},
		{"07:30", local("2026-11-25T07:30:00")},
		{"07:30:15", local("2026-11-25T07:30:15")},
		{"10:00", local("2026-11-25T10:00:00")}, // not strictly ahead: tomorrow
		{"10:00:01", local("2026-11-24T10:00:01")},
		{"23:59:59", local("2026-11-24T23:59:59")},
		{"0:00", local("2026-11-25T00:00:00")},
		{"7am", local("2026-11-25T07:00:00")},
		{"7 AM", local("2026-11-25T07:00:00")},
		{"11am", local("2026-11-24T11:00:00")},
		{"7:30pm", local("2026-11-24T19:30:00")},
		{"7:30:15 pm", local("2026-11-24T19:30:15")},
		{"12am", local("2026-11-25T00:00:00")},
		{"12pm", local("2026-11-24T12:00:00")},
		{"12:30am", local("2026-11-25T00:30:00")},
		{"noon", local("2026-11-24T12:00:00")},
		{"Midnight", local("2026-11-25T00:00:00")},
		{"  7:30  ", local("2026-11-25T07:30:00")},
		{"today 18:00", local("2026-11-24T18:00:00")},
		{"Today   6pm", local("2026-11-24T18:00:00")},
		{"tomorrow 7:30", local("2026-11-25T07:30:00")},
		{"tomorrow 7am", local("2026-11-25T07:00:00")},
		{"TOMORROW 9:15:30", local("2026-11-25T09:15:30")},
		{"mon 9:00", local("2026-11-30T09:00:00")},
		{"monday 9am", local("2026-11-30T09:00:00")},
		{"tue 7:30pm", local("2026-11-24T19:30:00")}, // today, still ahead
		{"tue 9:00", local("2026-12-01T09:00:00")},   // today, past: in 7 days
		{"Tuesday 10:00", local("2026-12-01T10:00:00")},
		{"wed noon", local("2026-11-25T12:00:00")},
		{"thurs 8:00", local("2026-11-26T08:00:00")},
		{"fri 8:00", local("2026-11-27T08:00:00")},
		{"sat 8:00", local("2026-11-28T08:00:00")},
		{"sunday 8:00", local("2026-11-29T08:00:00")},
		{"2026-12-01 09:00", local("2026-12-01T09:00:00")},
		{"2026-12-01T09:00", local("2026-12-01T09:00:00")},
		{"2026-12-01t09:00:30", local("2026-12-01T09:00:30")},
		{"2026-12-01 9am", local("2026-12-01T09:00:00")},
		{"2026-12-01 9:30 pm", local("2026-12-01T21:30:00")},
		{"2026-12-01 noon", local("2026-12-01T12:00:00")},
		{"2026-11-24 10:00:01", local("2026-11-24T10:00:01")},
		{"2028-02-29 06:00", local("2028-02-29T06:00:00")},
		{"2026-12-01T09:00:00+01:00", inst("2026-12-01T09:00:00+01:00")},
		{"2026-12-01T08:00:00Z", inst("2026-12-01T08:00:00Z")},
		{"2026-12-01t08:00:00z", inst("2026-12-01T08:00:00Z")},
		{"2026-12-01T09:00-05:00", inst("2026-12-01T09:00:00-05:00")},
		{"2026-12-01 09:00:00.25+01:00", inst("2026-12-01T09:00:00.25+01:00")},
		{"2026-12-01 09:00 +01:00", inst("2026-12-01T09:00:00+01:00")},
		{"25m", rel(25 * time.Minute)},
		{"1h30m", rel(90 * time.Minute)},
		{"90s", rel(90 * time.Second)},
		{"1.5h", rel(90 * time.Minute)},
		{".5m", rel(30 * time.Second)},
		{"in 25m", rel(25 * time.Minute)},
		{"in 1h 30m", rel(90 * time.Minute)},
		{"IN 1H30M", rel(90 * time.Minute)},
		{"+25m", rel(25 * time.Minute)},
		{"+ 25m", rel(25 * time.Minute)},
		{"in 2 hours", rel(2 * time.Hour)},
		{"in 1 hour 5 minutes 3 seconds", rel(time.Hour + 5*time.Minute + 3*time.Second)},
		{"10 min", rel(10 * time.Minute)},
		{"in 2d", rel(48 * time.Hour)},
		{"365d", rel(365 * 24 * time.Hour)},
		{"1s", rel(time.Second)},
		{"0.000000001s", rel(time.Nanosecond)},
	}
	for _, tt := range tests {
		got, err := Parse(tt.expr, now)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.expr, err)
			continue
		}
		if got.Kind != tt.want.Kind || got.Wall != tt.want.Wall || !got.At.Equal(tt.want.At) {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.expr, got, tt.want)
		}
		if got.Kind == Relative && got.At.Location() != berlin {
			t.Errorf("Parse(%q).At is in %v, want now's zone", tt.expr, got.At.Location())
		}
	}
}

func TestParseRejected(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	now := at(t, "2026-11-24T10:00:00", berlin)
	tests := []struct {
		expr, reason string // reason: a substring of the message
	}{
		{"", "no time given"},
		{"   ", "no time given"},
		{"25:00", "hour must be 0-23"},
		{"24:00", "hour must be 0-23"},
		{"25:61", "hour must be 0-23"},
		{"7:60", "minutes must be 0-59"},
		{"7:30:60", "seconds must be 0-59"},
		{"7:5", "minutes must be two digits"},
		{"7:30:5", "seconds must be two digits"},
		{"123:00", "hour must be one or two digits"},
		{"7:30:00:00", "too many colons"},
		{"7:", "missing number"},
		{"13pm", "hour must be 1-12 with am/pm"},
		{"0am", "hour must be 1-12 with am/pm"},
		{"13:30pm", "hour must be 1-12 with am/pm"},
		{"7", "needs minutes"},
		{"tomorrowish", "not a time, weekday, date or duration"},
		{"tomorrow", "needs a time of day"},
		{"tomorrow soon", "is not a time of day"},
		{"tomorrow 25:00", "hour must be 0-23"},
		{"mon", "needs a time of day"},
		{"today 9:00", "09:00 today has already passed"},
		{"today 10:00", "already passed"},
		{"2020-01-01 09:00", "is in the past"},
		{"2026-11-24 10:00", "is in the past"},
		{"2026-11-24T08:59:59Z", "is in the past"},
		{"2026-13-01 09:00", "month must be 1-12"},
		{"2026-02-29 09:00", "day must be 1-28"},
		{"2026-04-31 09:00", "day must be 1-30"},
		{"2026-12-01", "needs a time of day"},
		{"2026-12-1x 09:00", "a date must look like"},
		{"2026-12-01 25:00", "hour must be 0-23"},
		{"2026-12-01 soon", "is not a time of day"},
		{"2026-12-01T25:00:00+01:00", "RFC 3339"},
		{"2026-12-01T09:00:00+0100x", "RFC 3339"},
		{"0m", "more than zero"},
		{"0s", "more than zero"},
		{"0.0000000001s", "more than zero"},
		{"-5m", "must be positive"},
		{"in -5m", "must be positive"},
		{"366d", "at most 1 year"},
		{"8761h", "at most 1 year"},
		{"99999999999999999999h", "at most 1 year"},
		{"364d 25h", "at most 1 year"},
		{"in", "needs a duration"},
		{"+", "needs a duration"},
		{"5x", `unknown unit "x"`},
		{"5ms", `unknown unit "ms"`},
		{"in 25", "missing unit"},
		{"in soon", "not a duration"},
		{"1..5h", "not a duration"},
		{"now", "would ring at once"},
		{"at", "needs a time after"},
		{"7:30 fri, 9:00", `"fri 9:00" is not a day`},
		{"ünïcødé", "not a time"},
		{"tomorrow\n7:30x", "is not a time of day"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.expr, now)
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want error %q", tt.expr, tt.reason)
			continue
		}
		e := checkOneLineError(t, err, tt.expr)
		msg := err.Error()
		if !strings.Contains(msg, tt.reason) {
			t.Errorf("Parse(%q) error %q does not contain %q", tt.expr, msg, tt.reason)
		}
		if e.Input != strings.TrimSpace(tt.expr) {
			t.Errorf("Parse(%q) error Input = %q", tt.expr, e.Input)
		}
		if !strings.HasPrefix(msg, "cannot read time ") || (!strings.Contains(tt.expr, "\n") && !strings.Contains(msg, `"`+strings.TrimSpace(tt.expr)+`"`)) {
			t.Errorf("Parse(%q) error %q does not name the input", tt.expr, msg)
		}
		if e.Forms != AcceptedForms {
			t.Errorf("Parse(%q) error Forms is not AcceptedForms", tt.expr)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	long := strings.Repeat("x", 300)
	_, err := Parse(long, time.Now())
	if err == nil || len(err.Error()) > 160 || !strings.Contains(err.Error(), "…") {
		t.Errorf("long input error = %v, want a shortened quote", err)
	}
	e := &Error{Input: "25:00", Reason: "hour must be 0-23"}
	if got := e.Error(); got != `cannot read time "25:00": hour must be 0-23` {
		t.Errorf("Error() = %q", got)
	}
	e.Reason = "a\nb"
	if got := e.Error(); strings.Contains(got, "\n") {
		t.Errorf("Error() with a multi-line reason = %q", got)
	}
	for _, forms := range []string{AcceptedForms, AcceptedRepeats} {
		if len(strings.Split(forms, "\n")) < 3 {
			t.Errorf("forms text too short: %q", forms)
		}
	}
}

func TestParseArgs(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	now := at(t, "2026-11-24T10:00:00", berlin)
	tests := []struct {
		args     []string
		n        int
		kind     Kind
		wall     string // for Local
		errInput string // when an error is expected: the input it names
		errText  string
	}{
		{args: []string{"7:30", "Wake", "up"}, n: 1, kind: Local, wall: "2026-11-25T07:30:00"},
		{args: []string{"tomorrow", "7am", "Wake", "up"}, n: 2, kind: Local, wall: "2026-11-25T07:00:00"},
		{args: []string{"7", "am", "tea"}, n: 2, kind: Local, wall: "2026-11-25T07:00:00"},
		{args: []string{"7:30", "pm"}, n: 2, kind: Local, wall: "2026-11-24T19:30:00"},
		{args: []string{"2026-12-01", "9:30", "pm", "party"}, n: 3, kind: Local, wall: "2026-12-01T21:30:00"},
		{args: []string{"2026-12-01", "9:30", "pm"}, n: 3, kind: Local, wall: "2026-12-01T21:30:00"},
		{args: []string{"monday", "9am", "standup", "meeting", "room"}, n: 2, kind: Local, wall: "2026-11-30T09:00:00"},
		{args: []string{"in", "1h", "30m", "tea"}, n: 3, kind: Relative},
		{args: []string{"in", "2", "hours"}, n: 3, kind: Relative},
		{args: []string{"25m", "in", "the", "kitchen"}, n: 1, kind: Relative},
		{args: []string{"tomorrow 7:30", "one", "arg"}, n: 1, kind: Local, wall: "2026-11-25T07:30:00"},
		{args: []string{"2026-12-01T09:00:00Z", "x"}, n: 1, kind: Instant},
		{args: []string{}, errInput: "", errText: "no time given"},
		{args: []string{"tomorrowish", "7:30"}, errInput: "tomorrowish 7:30", errText: `"tomorrowish" is not a day`},
		{args: []string{"tomorrow", "25:00", "wake"}, errInput: "tomorrow 25:00", errText: "hour must be 0-23"},
		{args: []string{"7:60", "wake", "up"}, errInput: "7:60", errText: "minutes must be 0-59"},
		{args: []string{"today", "9:00", "wake"}, errInput: "today 9:00", errText: "already passed"},
		{args: []string{"tomorrow", "wake", "me"}, errInput: "tomorrow", errText: "needs a time of day"},
		{args: []string{"in", "25x", "tea"}, errInput: "in 25x", errText: `unknown unit "x"`},
	}
	for _, tt := range tests {
		spec, n, err := ParseArgs(tt.args, now)
		if tt.errText != "" {
			if err == nil {
				t.Errorf("ParseArgs(%q) = %+v, %d; want error", tt.args, spec, n)
				continue
			}
			e := checkOneLineError(t, err, strings.Join(tt.args, " "))
			if e.Input != tt.errInput || !strings.Contains(err.Error(), tt.errText) {
				t.Errorf("ParseArgs(%q) error %q (input %q), want input %q and %q", tt.args, err, e.Input, tt.errInput, tt.errText)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseArgs(%q): %v", tt.args, err)
			continue
		}
		if n != tt.n || spec.Kind != tt.kind || (tt.wall != "" && spec.Wall.String() != tt.wall) {
			t.Errorf("ParseArgs(%q) = %+v, %d; want %s %s, %d", tt.args, spec, n, tt.kind, tt.wall, tt.n)
		}
	}
}

// TestParseClockOnDSTDays checks that "next such local time" judges today's
// time by its resolved instant, so gap times count as shifted and
// ambiguous times ring only at their first occurrence.
func TestParseClockOnDSTDays(t *testing.T) {
	tests := []struct {
		zone, now, expr, want string
	}{
		// Berlin spring forward 2026-03-29 02:00 CET -> 03:00 CEST.
		{"Europe/Berlin", "2026-03-29T01:00:00", "2:30", "2026-03-29T02:30:00"},
		{"Europe/Berlin", "2026-03-29T03:10:00", "2:30", "2026-03-29T02:30:00"}, // rings 03:30, still ahead
		{"Europe/Berlin", "2026-03-29T03:40:00", "2:30", "2026-03-30T02:30:00"},
		{"Europe/Berlin", "2026-03-29T01:00:00", "sun 2:30", "2026-03-29T02:30:00"},
		{"Europe/Berlin", "2026-03-29T03:40:00", "sun 2:30", "2026-04-05T02:30:00"},
		{"Europe/Berlin", "2026-03-28T12:00:00", "tomorrow 2:30", "2026-03-29T02:30:00"},
		// Berlin fall back 2026-10-25 03:00 CEST -> 02:00 CET.
		{"Europe/Berlin", "2026-10-25T01:00:00", "2:30", "2026-10-25T02:30:00"},
		{"Europe/Berlin", "2026-10-25T03:30:00", "2:30", "2026-10-26T02:30:00"},
		// New York 2026-03-08 (gap 02:00-03:00) and 2026-11-01 (01:00-02:00 twice).
		{"America/New_York", "2026-03-08T01:59:00", "2:30", "2026-03-08T02:30:00"},
		{"America/New_York", "2026-03-08T03:31:00", "2:30", "2026-03-09T02:30:00"},
		{"America/New_York", "2026-11-01T01:10:00", "1:30", "2026-11-01T01:30:00"},
		// Lord Howe 2026-10-04 (gap 02:00-02:30) and 2026-04-05 (01:30-02:00 twice).
		{"Australia/Lord_Howe", "2026-10-04T01:00:00", "2:15", "2026-10-04T02:15:00"},
		{"Australia/Lord_Howe", "2026-10-04T02:40:00", "2:15", "2026-10-04T02:15:00"}, // rings 02:45
		{"Australia/Lord_Howe", "2026-10-04T02:50:00", "2:15", "2026-10-05T02:15:00"},
		// Kolkata: no DST, +05:30.
		{"Asia/Kolkata", "2026-03-29T01:00:00", "2:30", "2026-03-29T02:30:00"},
		{"Asia/Kolkata", "2026-03-29T02:30:00", "2:30", "2026-03-30T02:30:00"},
	}
	for _, tt := range tests {
		loc := zone(t, tt.zone)
		now := at(t, tt.now, loc)
		got, err := Parse(tt.expr, now)
		if err != nil {
			t.Errorf("%s at %s: Parse(%q): %v", tt.zone, tt.now, tt.expr, err)
			continue
		}
		if got.Wall.String() != tt.want {
			t.Errorf("%s at %s: Parse(%q) = %v, want %s", tt.zone, tt.now, tt.expr, got.Wall, tt.want)
		}
	}

	// The second pass through New York's repeated hour: 1:30 already rang
	// at its first occurrence, so the next one is tomorrow.
	ny := zone(t, "America/New_York")
	secondPass := time.Date(2026, 11, 1, 6, 10, 0, 0, time.UTC).In(ny) // 01:10 EST
	if got, err := Parse("1:30", secondPass); err != nil || got.Wall.String() != "2026-11-02T01:30:00" {
		t.Errorf("second 01:10 in New York: Parse(\"1:30\") = %v, %v; want 2026-11-02T01:30:00", got.Wall, err)
	}
	if _, err := Parse("today 1:30", secondPass); err == nil {
		t.Error(`second 01:10 in New York: "today 1:30" accepted, but its first occurrence is past`)
	}
}
