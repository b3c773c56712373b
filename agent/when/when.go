// Package when reads alarm time expressions (WHEN) and repeat rules, and
// computes when an alarm rings next (DESIGN §4).
//
// It is pure logic: no I/O, and it never reads the clock. The current time is
// always passed in, so callers (the scheduler, the CLI, tests) decide what
// "now" is and in which zone it is seen.
//
// Local alarms are kept as floating wall-clock times (Wall) and resolved to
// instants only through Wall.In, at the moment a ring is computed. That is how
// an alarm follows a change of the system zone, and it is the single place
// where the DST rules live: a time inside a spring-forward gap moves forward
// by the gap length, and an ambiguous time resolves to its first occurrence.
package when

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Kind says how an alarm's time is anchored.
type Kind string

const (
	// Local is a wall-clock date and time that follows the system zone
	// (clock times, weekdays, dates).
	Local Kind = "local"
	// Instant is an absolute instant (RFC 3339 with an offset).
	Instant Kind = "instant"
	// Relative is now + a duration: an instant, removed after it rang.
	Relative Kind = "relative"
)

// Spec is a parsed WHEN.
type Spec struct {
	Kind Kind
	At   time.Time // Instant, Relative
	Wall Wall      // Local: the first ring as wall time
}

// AcceptedForms lists the accepted WHEN forms, for printing after an Error.
var AcceptedForms = strings.TrimSpace(`
accepted times (case-insensitive):
  7:30  07:30:15  7.30  19.45  7am  7:30pm  noon  midnight   next such time, today or tomorrow
  at 7:30   today 18:00   tomorrow 7:30   7:30 tomorrow   tomorrow at 7am   noon tomorrow
  mon 9:00   monday 9am   9pm friday   next monday 9am   next such day (next: never today)
  dec 25 9:00   25 dec 9am   december 25th at 9:00   dec 25 2027 9:00   next such date
  2026-12-01 09:00   2026-12-01T09:00:30   2026-12-01 9am   local date and time
  2026-12-01T09:00:00+01:00   2026-12-01T08:00:00Z   absolute instant (RFC 3339)
  25m  1h30m  1h30  90s  1.5h  2w  45 mins  in 2 hours  in an hour and 30 minutes  +25m
    now + 1 week   from now; units w, d, h, m, s and their words; at most 1 year
  not accepted, being ambiguous: 12/25 (month/day or day/month?): write dec 25 or 25 dec`)

// AcceptedRepeats lists the accepted --repeat rules, for printing after an Error.
var AcceptedRepeats = strings.TrimSpace(`
accepted repeat rules (case-insensitive):
  daily   weekdays (mon-fri)   weekends (sat,sun)
  mon,wed,fri   monday, thursday   any list of days
  rrule:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO   an RFC 5545 RRULE: the alarm's time is its start
    (no DTSTART; FREQ=HOURLY or slower; UNTIL=20271231T230000Z is an instant,
    without the Z a local date or date-time; EXDATE=20261224T073000,... skips occurrences)`)

// subject names what an Error was about; it selects the message prefix.
type subject uint8

const (
	subjectTime subject = iota
	subjectRepeat
)

// Error is a bad WHEN or repeat rule. Input is what the user gave, Reason
// what was wrong with it, and Forms the accepted forms to print after the
// one-line message (AcceptedForms or AcceptedRepeats).
type Error struct {
	Input  string
	Reason string
	Forms  string

	subject subject
	// level ranks how specific the failure is, so ParseArgs can report the
	// most useful of several failed prefixes: 0 = not recognised at all,
	// 1 = the form was recognised but its remainder was not, 2 = a value
	// was out of range or in the past.
	level int
}

// maxInputInMessage bounds how much of the input Error() repeats, so that a
// pasted paragraph still gives a readable one-line message.
const maxInputInMessage = 60

// Error returns one line naming the input and what was wrong with it, e.g.
// `cannot read time "25:00": hour must be 0-23`.
func (e *Error) Error() string {
	what := "time"
	if e.subject == subjectRepeat {
		what = "repeat rule"
	}
	in := e.Input
	if utf8.RuneCountInString(in) > maxInputInMessage {
		runes := []rune(in)
		in = string(runes[:maxInputInMessage]) + "…"
	}
	// Quote escapes newlines and control characters, which keeps the
	// message on one line whatever the user typed.
	reason := strings.Join(strings.Fields(e.Reason), " ")
	return fmt.Sprintf("cannot read %s %s: %s", what, strconv.Quote(in), reason)
}

// timeError builds an Error about a WHEN.
func timeError(input string, level int, format string, args ...any) *Error {
	return &Error{
		Input:  strings.TrimSpace(input),
		Reason: fmt.Sprintf(format, args...),
		Forms:  AcceptedForms,
		level:  level,
	}
}

// repeatError builds an Error about a repeat rule.
func repeatError(input string, format string, args ...any) *Error {
	return &Error{
		Input:   strings.TrimSpace(input),
		Reason:  fmt.Sprintf(format, args...),
		Forms:   AcceptedRepeats,
		subject: subjectRepeat,
		level:   2,
	}
}
