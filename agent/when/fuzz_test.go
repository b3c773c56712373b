package when

import (
	"strings"
	"testing"
	"time"
)

// fuzzZones are the zones FuzzParse picks "now" in.
var fuzzZones = []string{"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"}

func FuzzParse(f *testing.F) {
	seeds := []string{
		"7:30", "07:30:15", "7am", "7:30pm", "12am", "noon", "midnight", "today 18:00",
		"tomorrow 7:30", "tomorrow 7am", "mon 9:00", "monday 9am", "tue 7:30pm",
		"2026-12-01 09:00", "2026-12-01T09:00", "2026-12-01 9am", "2026-12-01T09:00:00+01:00",
		"2026-12-01T08:00:00Z", "25m", "1h30m", "90s", "in 25m", "in 1h 30m", "+25m", "in 2 hours",
		"25:00", "25:61", "7:60", "13pm", "tomorrowish", "", "-5m", "0s", "366d", "2020-01-01 09:00",
		"2:30", "1.5.5h", "9999-12-31T23:59:59+14:00", "0001-01-01 00:00", "in 99999999999999999999s",
		// DESIGN §13 forms
		"at 7:30", "7:30 tomorrow", "tomorrow at 7:30", "noon tomorrow", "9pm friday", "next monday 9am",
		"dec 25 9:00", "25 dec 9:00", "december 25th at 9:30 pm", "feb 29 6:00", "7.30", "19.45",
		"in an hour", "in 2 weeks", "in 1 hour and 30 minutes", "45 mins", "1h30", "now + 2 hours",
		"12/25", "3/4 9:00", "next", "in an", "1h30 5", "9:00 on 25th of december", "may 3rd 2027 7:00",
	}
	for i, s := range seeds {
		// now: around the 2026 transitions, or an ordinary day
		f.Add(s, int64(1774746000+i*7919), uint8(i))
	}
	f.Fuzz(func(t *testing.T, expr string, nowUnix int64, zoneIndex uint8) {
		loc := zone(t, fuzzZones[int(zoneIndex)%len(fuzzZones)])
		// keep now within the years an alarm clock sees
		const lo, span = 0, 130 * 365 * secondsPerDay
		nowUnix = lo + ((nowUnix%span)+span)%span
		now := time.Unix(nowUnix, 123456789).In(loc)

		spec, err := Parse(expr, now)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("Parse(%q): error is not one line: %q", expr, err)
			}
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Parse(%q): error is %T", expr, err)
			}
			return
		}
		switch spec.Kind {
		case Local:
			if spec.Wall.IsZero() || !spec.At.IsZero() {
				t.Fatalf("Parse(%q) = %+v: Local needs a Wall and no At", expr, spec)
			}
			if !spec.Wall.In(loc).After(now) {
				t.Fatalf("Parse(%q) at %v = %v, not in the future", expr, now, spec.Wall.In(loc))
			}
		case Instant, Relative:
			if !spec.Wall.IsZero() || !spec.At.After(now) {
				t.Fatalf("Parse(%q) at %v = %+v, not in the future", expr, now, spec)
			}
			if spec.Kind == Relative && spec.At.Sub(now) > maxRelative {
				t.Fatalf("Parse(%q) = %v, more than a year ahead", expr, spec.At)
			}
		default:
			t.Fatalf("Parse(%q) = %+v: bad kind", expr, spec)
		}
	})
}

func FuzzParseRepeat(f *testing.F) {
	for _, s := range []string{
		"", "daily", "weekdays", "weekends", "mon,wed,fri", "Fri, Mon", "sun,sat", "mon,,fri",
		"rrule:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "rrule:FREQ=MONTHLY;BYMONTHDAY=-1",
		"rrule:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "rrule:FREQ=DAILY;COUNT=3",
		"rrule:FREQ=DAILY;UNTIL=20261231", "rrule:FREQ=HOURLY;INTERVAL=1000",
		"rrule:FREQ=MONTHLY;BYDAY=MO,FR;BYSETPOS=-1", "rrule:FREQ=MINUTELY", "rrule:FREQ=DAILY;DTSTART=20260101T000000",
		"rrule:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "rrule:FREQ=YEARLY;BYWEEKNO=53;BYDAY=SU",
	} {
		f.Add(s)
	}
	first := NewWall(2026, 3, 29, 2, 30, 0)
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRepeat(s)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("ParseRepeat(%q): error is not one line: %q", s, err)
			}
			return
		}
		again, err := ParseRepeat(r.String())
		if err != nil || again != r {
			t.Fatalf("ParseRepeat(%q) = %q, which parses back as %v, %v", s, r.String(), again, err)
		}
		w, ok := r.Next(first, Wall{})
		if ok && w.Before(first) {
			t.Fatalf("%q: first occurrence %v before the start %v", s, w, first)
		}
		if ok {
			if w2, ok2 := r.Next(first, w); ok2 && !w2.After(w) {
				t.Fatalf("%q: Next after %v = %v, not later", s, w, w2)
			}
		}
	})
}
