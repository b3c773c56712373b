package when

import (
	"fmt"
	"strings"
	"time"
)

// The forgiving grammar (DESIGN §13): what people type, on top of the exact §4 forms.
//
// It runs only when the exact grammar refused the input, so every §4 form keeps its meaning.
// An expression is a day part and a time part in either order, each optionally introduced by
// a word ("at 7:30", "on friday"), or a duration written with words ("in an hour and 30
// minutes", "45 mins", "now + 2 weeks"). Forms that stay ambiguous are refused with their
// readings named, never guessed.

// monthNames maps month names and abbreviations to months.
var monthNames = map[string]time.Month{
	"jan": time.January, "january": time.January,
	"feb": time.February, "february": time.February,
	"mar": time.March, "march": time.March,
	"apr": time.April, "april": time.April,
	"may": time.May,
	"jun": time.June, "june": time.June,
	"jul": time.July, "july": time.July,
	"aug": time.August, "august": time.August,
	"sep": time.September, "sept": time.September, "september": time.September,
	"oct": time.October, "october": time.October,
	"nov": time.November, "november": time.November,
	"dec": time.December, "december": time.December,
}

// forgivingUnits are the duration units beyond durationUnits: weeks.
var forgivingUnits = map[string]time.Duration{
	"w": 7 * 24 * time.Hour, "wk": 7 * 24 * time.Hour, "wks": 7 * 24 * time.Hour,
	"week": 7 * 24 * time.Hour, "weeks": 7 * 24 * time.Hour,
}

// maxYearsAhead bounds the search for the next such month and day ("feb 29" waits for a leap
// year, at most eight years away).
const maxYearsAhead = 8

// parseForgiving reads s (lower case, single spaces) with the forgiving grammar.
func parseForgiving(s string, now time.Time) (Spec, *Error) {
	s = strings.TrimSpace(strings.Join(strings.Fields(strings.ReplaceAll(s, ",", " ")), " "))
	if s == "" {
		return Spec{}, timeError("", 0, "not a time")
	}
	if strings.Contains(s, "/") {
		return Spec{}, slashDateError(s)
	}
	if rest, ok := strings.CutPrefix(s, "now+"); ok {
		s = "now + " + rest
	}
	toks := strings.Fields(s)
	switch {
	case toks[0] == "in" || toks[0] == "now" || toks[0] == "+" || strings.HasPrefix(toks[0], "+"):
		rest := toks
		if rest[0] == "now" {
			rest = rest[1:]
			if len(rest) == 0 {
				return Spec{}, timeError("", 1, "an alarm \"now\" would ring at once; give a time or a duration, e.g. \"now + 5m\"")
			}
			if rest[0] != "+" && !strings.HasPrefix(rest[0], "+") {
				return Spec{}, timeError("", 1, "after \"now\" comes \"+\" and a duration, e.g. \"now + 2 hours\"")
			}
		}
		if rest[0] == "in" || rest[0] == "+" {
			rest = rest[1:]
		} else {
			rest[0] = strings.TrimPrefix(rest[0], "+")
		}
		return parseWordyDuration(rest, now)
	case looksLikeDuration(toks):
		return parseWordyDuration(toks, now)
	}
	return parseDayAndTime(toks, now)
}

// slashDateError refuses "12/25" and "3/4": month/day and day/month are both in use.
func slashDateError(s string) *Error {
	a, b, ok := strings.Cut(strings.Fields(s)[0], "/")
	if !ok || !isDigits(a) || !isDigits(b) || strings.Contains(b, "/") || len(a) > 2 || len(b) > 2 {
		return timeError("", 2, "a date with slashes is ambiguous (month/day or day/month); write \"dec 25\", \"25 dec\" or 2026-12-25")
	}
	reading := func(m, d int) string {
		if m < 1 || m > 12 || d < 1 || d > 31 {
			return fmt.Sprintf("day %d of month %d, which does not exist", d, m)
		}
		return fmt.Sprintf("%s %d", time.Month(m).String()[:3], d)
	}
	x, y := atoi(a), atoi(b)
	return timeError("", 2, "%q could be month/day (%s) or day/month (%s); write the month as a word, e.g. %q",
		a+"/"+b, reading(x, y), reading(y, x), "dec 25 9:00")
}

// looksLikeDuration reports whether toks start like a duration: a number or "a"/"an"
// followed by a unit, or a number glued to a unit.
func looksLikeDuration(toks []string) bool {
	t := toks[0]
	if t == "a" || t == "an" {
		return len(toks) > 1 && isUnit(toks[1])
	}
	i := 0
	for i < len(t) && (isDigit(t[i]) || t[i] == '.') {
		i++
	}
	if i == 0 {
		return false
	}
	if i < len(t) {
		return t[i] >= 'a' && t[i] <= 'z' && !strings.HasSuffix(t, "am") && !strings.HasSuffix(t, "pm") &&
			!strings.HasSuffix(t, "st") && !strings.HasSuffix(t, "nd") && !strings.HasSuffix(t, "rd") && !strings.HasSuffix(t, "th")
	}
	return len(toks) > 1 && isUnit(toks[1])
}

func isUnit(w string) bool {
	_, ok := durationUnits[w]
	_, week := forgivingUnits[w]
	return ok || week
}

func unitOf(w string) (time.Duration, bool) {
	if d, ok := durationUnits[w]; ok {
		return d, true
	}
	d, ok := forgivingUnits[w]
	return d, ok
}

// parseWordyDuration reads "an hour and 30 minutes", "2 weeks", "1h30" (minutes after hours,
// seconds after minutes) and returns now + the sum.
func parseWordyDuration(toks []string, now time.Time) (Spec, *Error) {
	// Split glued tokens ("1h30m", "2w") into numbers and words.
	var parts []string
	for _, t := range toks {
		for t != "" {
			i := 0
			if isDigit(t[0]) || t[0] == '.' {
				for i < len(t) && (isDigit(t[i]) || t[i] == '.') {
					i++
				}
			} else {
				for i < len(t) && !isDigit(t[i]) && t[i] != '.' {
					i++
				}
			}
			parts = append(parts, t[:i])
			t = t[i:]
		}
	}
	if len(parts) == 0 {
		return Spec{}, timeError("", 1, "needs a duration, e.g. \"in 25m\"")
	}
	var total time.Duration
	var lastUnit time.Duration
	lastWhole := false
	for i := 0; i < len(parts); i++ {
		p := parts[i]
		if p == "and" && i > 0 && i+1 < len(parts) {
			continue
		}
		number := p
		if p == "a" || p == "an" {
			if i+1 == len(parts) || !isUnit(parts[i+1]) {
				return Spec{}, timeError("", 2, "%q needs a unit after it, e.g. \"in an hour\"", p)
			}
			number = "1"
		} else if !isDigit(p[0]) && p[0] != '.' {
			return Spec{}, timeError("", 1, "%q is not part of a duration, e.g. \"in 1 hour and 30 minutes\"", p)
		}
		if strings.Count(number, ".") > 1 || number == "." {
			return Spec{}, timeError("", 1, "not a duration, e.g. 25m or 1h30m")
		}
		var unit time.Duration
		if i+1 < len(parts) && (isDigit(parts[i+1][0]) || parts[i+1][0] == '.') {
			return Spec{}, timeError("", 2, "missing unit after %s (use w, d, h, m or s)", number)
		}
		if i+1 < len(parts) && parts[i+1] != "and" {
			u, ok := unitOf(parts[i+1])
			if !ok {
				return Spec{}, timeError("", 2, "unknown unit %q (use w, d, h, m or s, or their words)", parts[i+1])
			}
			unit = u
			i++
		} else {
			// A bare last number after whole hours means minutes and after whole minutes
			// seconds ("1h30"); anything else would be a guess.
			if i+1 != len(parts) || !lastWhole || !isDigits(number) || atoi(number) > 59 {
				return Spec{}, timeError("", 2, "missing unit after %s (use w, d, h, m or s)", number)
			}
			switch lastUnit {
			case time.Hour:
				unit = time.Minute
			case time.Minute:
				unit = time.Second
			default:
				return Spec{}, timeError("", 2, "missing unit after %s (use w, d, h, m or s)", number)
			}
			if strings.Contains(number, ".") {
				return Spec{}, timeError("", 2, "missing unit after %s (use w, d, h, m or s)", number)
			}
		}
		part, ok := scaleDecimal(number, unit)
		if !ok || part > maxRelative || total+part > maxRelative {
			return Spec{}, timeError("", 2, "a duration must be at most 1 year")
		}
		total += part
		lastUnit, lastWhole = unit, isDigits(number)
	}
	if total <= 0 {
		return Spec{}, timeError("", 2, "a duration must be more than zero")
	}
	return Spec{Kind: Relative, At: now.Add(total).Round(0)}, nil
}

// dayPart is a parsed day: one of today/tomorrow, a weekday, a month and day, or a date.
type dayPart struct {
	word     int        // dayToday, dayTomorrow, a time.Weekday, or dayNone
	next     bool       // "next friday": never today
	month    time.Month // with day: a month and day
	day      int
	year     int // 0: the next such date
	fullDate bool
}

const dayNone = -99

// parseDayAndTime reads [at|on] DAY [at] TIME or [at] TIME [on] DAY or [at] TIME.
func parseDayAndTime(toks []string, now time.Time) (Spec, *Error) {
	if toks[0] == "at" {
		toks = toks[1:]
		if len(toks) == 0 {
			return Spec{}, timeError("", 1, "needs a time after \"at\", e.g. \"at 7:30\"")
		}
	}
	var best *Error
	keep := func(e *Error) {
		if best == nil || e.level > best.level {
			best = e
		}
	}
	// The time alone.
	if sec, err := parseTimeTokens(toks); err == nil {
		return nextAtClock(now, sec, allDays)
	} else {
		keep(err)
	}
	for k := 1; k < len(toks); k++ {
		// DAY [at] TIME
		day, derr := parseDayTokens(toks[:k])
		timeToks := toks[k:]
		if len(timeToks) > 1 && timeToks[0] == "at" {
			timeToks = timeToks[1:]
		}
		sec, terr := parseTimeTokens(timeToks)
		switch {
		case derr == nil && terr == nil:
			return resolveDay(day, sec, now)
		case derr == nil:
			keep(raise(terr, 1))
		case terr == nil:
			keep(raise(derr, 1))
		}
		// TIME [on] DAY
		dayToks := toks[k:]
		if len(dayToks) > 1 && dayToks[0] == "on" {
			dayToks = dayToks[1:]
		}
		sec, terr = parseTimeTokens(toks[:k])
		day, derr = parseDayTokens(dayToks)
		switch {
		case derr == nil && terr == nil:
			return resolveDay(day, sec, now)
		case derr == nil:
			keep(raise(terr, 1))
		case terr == nil:
			keep(raise(derr, 1))
		}
	}
	if best == nil || best.level == 0 {
		return Spec{}, timeError("", 0, "not a time, weekday, date or duration")
	}
	return Spec{}, best
}

// raise lifts an error's level to at least l: the other half of the input was recognised.
func raise(e *Error, l int) *Error {
	if e.level < l {
		e.level = l
	}
	return e
}

// parseTimeTokens reads a time of day: "7:30", "7.30", "7:30pm", "9 pm", "noon".
func parseTimeTokens(toks []string) (int64, *Error) {
	var s string
	switch {
	case len(toks) == 1:
		s = toks[0]
	case len(toks) == 2 && (toks[1] == "am" || toks[1] == "pm"):
		s = toks[0] + toks[1]
	default:
		return 0, timeError("", 0, "not a time of day")
	}
	if dotted := dotClock(s); dotted != "" {
		s = dotted
	}
	if !isClockShape(s) {
		return 0, timeError("", 0, "%q is not a time of day", s)
	}
	if !strings.ContainsAny(s, ":apmnoidgh") {
		// A bare number is an hour only with am/pm; "dec 25 9" is not a time.
		return 0, timeError("", 1, "%q needs minutes or am/pm, e.g. %s:00 or %sam", s, s, s)
	}
	return parseClock(s)
}

// dotClock turns "7.30", "19.45", "7.30pm" and "7.30.15" into the colon form, or returns "".
func dotClock(s string) string {
	body, ampm := cutAMPM(s)
	if !strings.Contains(body, ".") {
		return ""
	}
	fields := strings.Split(body, ".")
	if len(fields) > 3 || len(fields[0]) < 1 || len(fields[0]) > 2 {
		return ""
	}
	for _, f := range fields {
		if !isDigits(f) {
			return ""
		}
	}
	for _, f := range fields[1:] {
		if len(f) != 2 {
			return ""
		}
	}
	return strings.Join(fields, ":") + ampm
}

// parseDayTokens reads a day: today, tomorrow, [next] weekday, month day [year],
// day [of] month [year] (the day with an optional ordinal), or 2026-12-25.
func parseDayTokens(toks []string) (dayPart, *Error) {
	if len(toks) == 0 {
		return dayPart{}, timeError("", 0, "no day")
	}
	if len(toks) == 1 {
		if d, ok := dayWords[toks[0]]; ok {
			return dayPart{word: d}, nil
		}
		if y, m, d, ok := isoDate(toks[0]); ok {
			return checkDate(dayPart{word: dayNone, month: m, day: d, year: y, fullDate: true})
		}
	}
	if toks[0] == "next" && len(toks) == 1 {
		return dayPart{}, timeError("", 1, "\"next\" takes a weekday, e.g. \"next monday 9am\"")
	}
	if len(toks) == 2 && toks[0] == "next" {
		d, ok := dayWords[toks[1]]
		if !ok || d < 0 {
			return dayPart{}, timeError("", 1, "\"next\" takes a weekday, e.g. \"next monday 9am\"")
		}
		return dayPart{word: d, next: true}, nil
	}
	// Month and day, either order, optional "of" and year.
	rest := toks
	var year int
	if n := len(rest); n >= 3 && len(rest[n-1]) == 4 && isDigits(rest[n-1]) {
		year = atoi(rest[n-1])
		rest = rest[:n-1]
	}
	var month time.Month
	var day int
	switch {
	case len(rest) == 2:
		if m, ok := monthNames[rest[0]]; ok {
			month, day = m, ordinalDay(rest[1])
		} else if m, ok := monthNames[rest[1]]; ok {
			month, day = m, ordinalDay(rest[0])
		}
	case len(rest) == 3 && rest[1] == "of":
		if m, ok := monthNames[rest[2]]; ok {
			month, day = m, ordinalDay(rest[0])
		}
	}
	if _, ok := monthNames[rest[0]]; ok && len(rest) == 1 {
		return dayPart{}, timeError("", 1, "needs a day of the month, e.g. \"dec 25\" or \"25th december\"")
	}
	if month == 0 {
		return dayPart{}, timeError("", 0, "%q is not a day", strings.Join(toks, " "))
	}
	if day == 0 {
		return dayPart{}, timeError("", 1, "needs a day of the month, e.g. \"dec 25\" or \"25th december\"")
	}
	return checkDate(dayPart{word: dayNone, month: month, day: day, year: year, fullDate: year != 0})
}

// checkDate refuses days that no month has, or that the given year's month lacks.
func checkDate(d dayPart) (dayPart, *Error) {
	y := d.year
	if y == 0 {
		y = 2028 // a leap year: "feb 29" exists
	}
	if last := daysInMonth(y, d.month); d.day < 1 || d.day > last {
		if d.year == 0 {
			return dayPart{}, timeError("", 2, "%s has at most %d days", d.month, last)
		}
		return dayPart{}, timeError("", 2, "day must be 1-%d in %s %d", last, d.month, d.year)
	}
	return d, nil
}

// ordinalDay reads "25", "25th", "1st", "2nd", "3rd"; 0 when it is none of these.
func ordinalDay(s string) int {
	for _, suffix := range []string{"st", "nd", "rd", "th"} {
		if strings.HasSuffix(s, suffix) {
			s = strings.TrimSuffix(s, suffix)
			break
		}
	}
	if !isDigits(s) || len(s) > 2 {
		return 0
	}
	return atoi(s)
}

// isoDate reads 2026-12-25.
func isoDate(s string) (int, time.Month, int, bool) {
	f := strings.Split(s, "-")
	if len(f) != 3 || len(f[0]) != 4 || !isDigits(f[0]) || !isDigits(f[1]) || !isDigits(f[2]) || len(f[1]) > 2 || len(f[2]) > 2 {
		return 0, 0, 0, false
	}
	m := atoi(f[1])
	if m < 1 || m > 12 {
		return 0, 0, 0, false
	}
	return atoi(f[0]), time.Month(m), atoi(f[2]), true
}

// resolveDay turns a day and a time of day into the ring, always after now.
func resolveDay(d dayPart, secOfDay int64, now time.Time) (Spec, *Error) {
	todayDay, _ := WallOf(now).days()
	loc := now.Location()
	switch {
	case d.word == dayToday || d.word == dayTomorrow:
		return parseDayWord("", d.word, formatClock(secOfDay), now)
	case d.word >= 0:
		start := todayDay
		if d.next {
			start++
		}
		for day := start; day <= start+8; day++ {
			if weekdayOfDay(day) != time.Weekday(d.word) {
				continue
			}
			w := Wall{sec: day*secondsPerDay + secOfDay}
			if w.In(loc).After(now) {
				return Spec{Kind: Local, Wall: w}, nil
			}
		}
		return Spec{}, timeError("", 2, "no such time in the coming week")
	case d.fullDate:
		w := NewWall(d.year, d.month, d.day, 0, 0, 0)
		return checkFuture(Wall{sec: w.sec + secOfDay}, now)
	}
	year, _, _ := now.Date()
	for y := year; y <= year+maxYearsAhead; y++ {
		if d.day > daysInMonth(y, d.month) {
			continue
		}
		w := NewWall(y, d.month, d.day, 0, 0, 0)
		w = Wall{sec: w.sec + secOfDay}
		if w.In(loc).After(now) {
			return Spec{Kind: Local, Wall: w}, nil
		}
	}
	return Spec{}, timeError("", 2, "no %s %d in the coming %d years", d.month, d.day, maxYearsAhead)
}
