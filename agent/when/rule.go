package when

import (
	"strings"
	"time"
)

// ruleKind says which representation a Rule uses.
type ruleKind uint8

const (
	ruleOnce  ruleKind = iota // the zero Rule: a single occurrence
	ruleDays                  // at first's clock time on the days in a weekday mask
	ruleRRule                 // an RFC 5545 RRULE, evaluated in floating time
)

// Rule is a repeat rule; the zero Rule means "once".
//
// Rule is a small value (safe to copy, comparable with ==): day rules are a
// weekday mask, and an RRULE is its canonical text, whose parsed form lives
// in a package-level cache keyed by that text (see rrule.go). Two rules
// parsed from equivalent texts compare equal.
type Rule struct {
	kind ruleKind
	days uint8  // ruleDays: bit i set = time.Weekday(i) is a ring day
	text string // ruleRRule: canonical "rrule:..." text
}

// Weekday masks of the named day rules.
const (
	maskWeekdays = 1<<time.Monday | 1<<time.Tuesday | 1<<time.Wednesday | 1<<time.Thursday | 1<<time.Friday
	maskWeekends = 1<<time.Saturday | 1<<time.Sunday
)

// repeatDayNames maps the day names accepted in day lists to weekdays.
var repeatDayNames = map[string]time.Weekday{
	"sun": time.Sunday, "sunday": time.Sunday,
	"mon": time.Monday, "monday": time.Monday,
	"tue": time.Tuesday, "tues": time.Tuesday, "tuesday": time.Tuesday,
	"wed": time.Wednesday, "wednesday": time.Wednesday,
	"thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "thursday": time.Thursday,
	"fri": time.Friday, "friday": time.Friday,
	"sat": time.Saturday, "saturday": time.Saturday,
}

// canonicalDayOrder lists days Monday first, as String prints them.
var canonicalDayOrder = [7]time.Weekday{
	time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday,
}

// ParseRepeat reads a repeat rule: "" (once), "daily", "weekdays",
// "weekends", a day list such as "mon,wed,fri" (full names, any case,
// spaces after commas, duplicates folded), or "rrule:<RFC 5545 RRULE>".
// Errors are *Error.
func ParseRepeat(s string) (Rule, error) {
	trimmed := strings.TrimSpace(s)
	lower := strings.ToLower(trimmed)
	switch lower {
	case "", "once":
		return Rule{}, nil
	case "daily":
		return Rule{kind: ruleDays, days: allDays}, nil
	case "weekdays":
		return Rule{kind: ruleDays, days: maskWeekdays}, nil
	case "weekends":
		return Rule{kind: ruleDays, days: maskWeekends}, nil
	}
	if strings.HasPrefix(lower, "rrule:") {
		r, err := parseRRule(trimmed[len("rrule:"):])
		if err != nil {
			err.Input = trimmed
			return Rule{}, err
		}
		return r, nil
	}
	var mask uint8
	for _, name := range strings.Split(lower, ",") {
		name = strings.TrimSpace(name)
		wd, ok := repeatDayNames[name]
		if !ok {
			if name == "" {
				return Rule{}, repeatError(trimmed, "empty day in list")
			}
			return Rule{}, repeatError(trimmed, "%q is not a day or a rule", name)
		}
		mask |= 1 << uint(wd)
	}
	return Rule{kind: ruleDays, days: mask}, nil
}

// IsZero reports whether r is the zero Rule ("once").
func (r Rule) IsZero() bool { return r.kind == ruleOnce }

// String returns the canonical text of r: "", "daily", "weekdays",
// "weekends", "mon,wed,fri" (Monday first), or "rrule:FREQ=...".
func (r Rule) String() string {
	switch r.kind {
	case ruleDays:
		switch r.days {
		case allDays:
			return "daily"
		case maskWeekdays:
			return "weekdays"
		case maskWeekends:
			return "weekends"
		}
		var names []string
		for _, wd := range canonicalDayOrder {
			if r.days&(1<<uint(wd)) != 0 {
				names = append(names, strings.ToLower(wd.String()[:3]))
			}
		}
		return strings.Join(names, ",")
	case ruleRRule:
		return r.text
	}
	return ""
}

// MarshalText encodes r as its canonical text ("" for once).
func (r Rule) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText decodes any text ParseRepeat accepts.
func (r *Rule) UnmarshalText(b []byte) error {
	parsed, err := ParseRepeat(string(b))
	if err != nil {
		return err
	}
	*r = parsed
	return nil
}

// Next returns the first occurrence strictly after `after` (zero after: the
// first occurrence at or after first), for a series that starts at first.
// A zero Rule has the single occurrence first. ok=false when the series has
// ended (a one-shot already past, an RRULE with COUNT/UNTIL exhausted, or an
// RRULE with no occurrence within its search horizon, see rrule.go).
//
// Occurrences are wall times; a recurring alarm therefore rings at most once
// per scheduled day whatever DST does, and ambiguous times resolve to their
// first instant through Wall.In.
//
// An RRULE whose UNTIL is a UTC instant ends by instant, which depends on the zone: Next judges
// it in UTC; NextIn judges it in the zone the alarm rings in.
func (r Rule) Next(first, after Wall) (Wall, bool) { return r.NextIn(first, after, time.UTC) }

// NextIn is Next for an alarm that rings in loc: an occurrence whose instant is after a UTC
// UNTIL (RFC 5545 §3.3.10) does not count.
func (r Rule) NextIn(first, after Wall, loc *time.Location) (Wall, bool) {
	switch r.kind {
	case ruleDays:
		return nextOnDays(r.days, first, after)
	case ruleRRule:
		c := lookupRRule(r.text)
		w, ok := c.next(first, after)
		if ok && c.pastUntil(w, loc) {
			return Wall{}, false
		}
		return w, ok
	}
	if after.IsZero() || first.After(after) {
		return first, true
	}
	return Wall{}, false
}

// nextOnDays is Next for a weekday-mask rule: plain day arithmetic, no
// calendar or zone work, so it stays in the tens of nanoseconds.
func nextOnDays(mask uint8, first, after Wall) (Wall, bool) {
	if mask == 0 {
		return Wall{}, false
	}
	_, clock := first.days()
	lower, inclusive := first, true
	if !after.IsZero() && !after.Before(first) {
		lower, inclusive = after, false
	}
	day, secOfDay := lower.days()
	if clock < secOfDay || (clock == secOfDay && !inclusive) {
		day++
	}
	for mask&(1<<uint(weekdayOfDay(day))) == 0 {
		day++
	}
	return Wall{sec: day*secondsPerDay + clock}, true
}

// prevOnDays returns the last occurrence at or before upper (strictly before
// when !inclusive) of a weekday-mask rule starting at first.
func prevOnDays(mask uint8, first, upper Wall, inclusive bool) (Wall, bool) {
	if mask == 0 {
		return Wall{}, false
	}
	_, clock := first.days()
	day, secOfDay := upper.days()
	if clock > secOfDay || (clock == secOfDay && !inclusive) {
		day--
	}
	for mask&(1<<uint(weekdayOfDay(day))) == 0 {
		day--
	}
	w := Wall{sec: day*secondsPerDay + clock}
	if w.Before(first) {
		return Wall{}, false
	}
	return w, true
}

// latestWindow brackets the wall times that can be due: an occurrence more
// than this before now's wall clock is certainly due, one more than this
// after it certainly is not, because UTC offsets differ by at most 26 h.
const latestWindow = 2 // days

// Latest returns the last occurrence o with after < o and o.In(loc) <= now
// (instant comparison): the most recent due-but-not-yet-handled occurrence.
// ok=false if there is none. It costs a few steps however far `after` lies
// in the past; it never walks the series from after to now.
//
// "Last" is in series (wall-time) order. Inside a DST gap a shifted
// occurrence can resolve later than a following one; only the wall order
// counts here, so the earlier wall time is then treated as handled.
func (r Rule) Latest(first, after Wall, now time.Time, loc *time.Location) (Wall, bool) {
	if loc == nil {
		loc = time.UTC
	}
	due := func(w Wall) bool { return !w.In(loc).After(now) }
	if r.kind == ruleOnce {
		if first.After(after) && due(first) {
			return first, true
		}
		return Wall{}, false
	}
	nowWall := WallOf(now.In(loc))
	hi := nowWall.AddDays(latestWindow)
	lo := nowWall.AddDays(-latestWindow)
	if r.kind == ruleRRule {
		c := lookupRRule(r.text)
		if !c.untilUTC.IsZero() && now.After(c.untilUTC) {
			// Nothing after a UTC UNTIL is due: look back from it.
			now = c.untilUTC
			nowWall = WallOf(now.In(loc))
			lo, hi = nowWall.AddDays(-latestWindow), nowWall.AddDays(latestWindow)
		}
		return c.latest(first, after, lo, hi, due)
	}
	upper, inclusive := hi, true
	for {
		o, ok := prevOnDays(r.days, first, upper, inclusive)
		if !ok || !o.After(after) {
			return Wall{}, false
		}
		if !o.After(lo) || due(o) {
			return o, true
		}
		upper, inclusive = o, false
	}
}
