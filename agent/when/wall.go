package when

import (
	"fmt"
	"time"
)

// Wall is a floating local date and time with second precision and no zone,
// e.g. "2026-12-01T07:30:00". It becomes an instant only through In.
//
// It is stored as seconds since 0001-01-01T00:00:00 so that the zero Wall
// matches the zero time.Time, comparisons are integer compares, and day
// arithmetic in Next costs no calendar work. Wall values are comparable
// with ==.
type Wall struct {
	sec int64 // seconds since 0001-01-01T00:00:00 of the wall clock
}

const (
	secondsPerDay = 24 * 60 * 60
	// unixToWall converts Unix seconds to seconds since 0001-01-01.
	unixToWall = 62135596800
	// wallLayout is the text form of a Wall (String, MarshalText).
	wallLayout = "2006-01-02T15:04:05"
)

// NewWall returns the wall time for the given fields. Out-of-range values
// are normalised the way time.Date does (October 32 is November 1).
func NewWall(year int, month time.Month, day, hour, min, sec int) Wall {
	return wallOfUTC(time.Date(year, month, day, hour, min, sec, 0, time.UTC))
}

// WallOf returns t's wall clock in t's own location, truncated to the second.
func WallOf(t time.Time) Wall {
	_, offset := t.Zone()
	return Wall{sec: t.Unix() + int64(offset) + unixToWall}
}

// wallOfUTC reads the fields of a UTC time as a wall clock.
func wallOfUTC(t time.Time) Wall {
	return Wall{sec: t.Unix() + unixToWall}
}

// utc returns w as a UTC time whose fields are the wall clock; this is the
// "floating" form in which RRULEs are evaluated.
func (w Wall) utc() time.Time {
	return time.Unix(w.sec-unixToWall, 0).UTC()
}

// days returns the day number of w (days since 0001-01-01) and the seconds
// into that day.
func (w Wall) days() (day, secOfDay int64) {
	day = w.sec / secondsPerDay
	secOfDay = w.sec % secondsPerDay
	if secOfDay < 0 { // floor division for walls before year 1
		day--
		secOfDay += secondsPerDay
	}
	return day, secOfDay
}

// weekdayOfDay returns the weekday of a day number; 0001-01-01 was a Monday.
func weekdayOfDay(day int64) time.Weekday {
	wd := (day + 1) % 7
	if wd < 0 {
		wd += 7
	}
	return time.Weekday(wd)
}

// IsZero reports whether w is the zero Wall (0001-01-01T00:00:00), which
// stands for "no time".
func (w Wall) IsZero() bool { return w.sec == 0 }

// Before reports whether w is earlier than u.
func (w Wall) Before(u Wall) bool { return w.sec < u.sec }

// After reports whether w is later than u.
func (w Wall) After(u Wall) bool { return w.sec > u.sec }

// Equal reports whether w and u are the same wall time.
func (w Wall) Equal(u Wall) bool { return w.sec == u.sec }

// Date returns the year, month and day of w.
func (w Wall) Date() (year int, month time.Month, day int) { return w.utc().Date() }

// Clock returns the hour, minute and second of w.
func (w Wall) Clock() (hour, min, sec int) {
	_, s := w.days()
	return int(s / 3600), int(s / 60 % 60), int(s % 60)
}

// Weekday returns the day of the week of w.
func (w Wall) Weekday() time.Weekday {
	day, _ := w.days()
	return weekdayOfDay(day)
}

// AddDays returns w moved by n calendar days, keeping its clock time.
func (w Wall) AddDays(n int) Wall { return Wall{sec: w.sec + int64(n)*secondsPerDay} }

// String returns w as "2006-01-02T15:04:05".
func (w Wall) String() string { return w.utc().Format(wallLayout) }

// MarshalText encodes w as "2006-01-02T15:04:05", and the zero Wall as "".
func (w Wall) MarshalText() ([]byte, error) {
	if w.IsZero() {
		return []byte{}, nil
	}
	return []byte(w.String()), nil
}

// UnmarshalText decodes the form written by MarshalText.
func (w *Wall) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*w = Wall{}
		return nil
	}
	t, err := time.Parse(wallLayout, string(b))
	if err != nil {
		return fmt.Errorf("read wall time %q: %w", b, err)
	}
	*w = wallOfUTC(t)
	return nil
}

// zoneWindow bounds how far an instant can be from its wall clock read as
// UTC: real UTC offsets, historical local mean times included, stay within
// ±26 h. Any transition that can affect a wall time lies in this window.
const zoneWindow = 26 * 60 * 60

// In resolves w in loc (DESIGN §4 DST). A time inside a spring-forward gap
// moves forward by the gap length (02:30 -> 03:30 in Europe/Berlin; 02:15 ->
// 02:45 on Lord Howe's 30-minute gap). An ambiguous time (fall back)
// resolves to its first occurrence, the earlier instant. A nil loc means UTC.
//
// time.Date is not used directly because it leaves both cases unspecified,
// and in practice it shifts gap times backward in zones west of UTC.
func (w Wall) In(loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	naive := w.sec - unixToWall // the wall clock read as if it were UTC

	// Fast path: no zone transition anywhere near, so the offset in effect
	// at the start of the window is the answer.
	t0 := time.Unix(naive-zoneWindow, 0).In(loc)
	_, offLeft := t0.Zone()
	if _, end := t0.ZoneBounds(); end.IsZero() || end.Unix() > naive+zoneWindow {
		return time.Unix(naive-int64(offLeft), 0).In(loc)
	}

	// A transition from offLeft to offRight lies in the window. Each offset
	// gives one candidate instant, valid if that offset is really in effect
	// there.
	_, offRight := time.Unix(naive+zoneWindow, 0).In(loc).Zone()
	left := naive - int64(offLeft)
	right := naive - int64(offRight)
	leftOK := offsetAt(left, loc) == offLeft
	rightOK := offsetAt(right, loc) == offRight
	switch {
	case leftOK && rightOK: // ambiguous: the first occurrence wins
		return time.Unix(min(left, right), 0).In(loc)
	case leftOK:
		return time.Unix(left, 0).In(loc)
	case rightOK:
		return time.Unix(right, 0).In(loc)
	case offLeft < offRight:
		// In the gap: keep the offset from before it, which lands the
		// same distance after the transition as w is after the gap start.
		return time.Unix(left, 0).In(loc)
	default:
		// Several transitions inside the window (never seen in current
		// zones); let the standard library decide.
		y, mo, d := w.Date()
		h, mi, s := w.Clock()
		return time.Date(y, mo, d, h, mi, s, 0, loc)
	}
}

// offsetAt returns the UTC offset in seconds in effect in loc at a Unix time.
func offsetAt(unix int64, loc *time.Location) int {
	_, off := time.Unix(unix, 0).In(loc).Zone()
	return off
}
