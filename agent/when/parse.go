package when

import (
	"errors"
	"strings"
	"time"
)

// maxRelative is the longest accepted relative duration ("at most 1 year").
const maxRelative = 365 * 24 * time.Hour

// maxArgsInWhen is how many command-line args ParseArgs may join into a WHEN
// ("in 1 hour and 30 minutes" and "december 25th at 9:30 pm" are the longest common forms).
const maxArgsInWhen = 6

// Parse reads one WHEN expression. now carries the local zone
// (now.Location()); results for Local kinds are resolved against it and are
// always strictly after now. Errors are *Error.
func Parse(expr string, now time.Time) (Spec, error) {
	s := strings.ToLower(strings.Join(strings.Fields(expr), " "))
	spec, err := parseNormalized(s, now)
	if err != nil && s != "" {
		// The exact §4 grammar refused it; the forgiving one (DESIGN §13) may read it. Its
		// error wins only when it got further.
		if fspec, ferr := parseForgiving(s, now); ferr == nil {
			spec, err = fspec, nil
		} else if ferr.level > err.level || (ferr.level == err.level && err.level >= 2) {
			err = ferr
		}
	}
	if err != nil {
		err.Input = strings.TrimSpace(expr)
		return Spec{}, err
	}
	return spec, nil
}

// ParseArgs finds the WHEN at the start of command-line args: it tries the
// longest prefix of at most 6 args (joined with spaces) that parses, and
// returns the number of args used. If none parses, the error is the most
// specific failure among the prefixes (a value out of range beats an
// unrecognised remainder; on a tie the shorter prefix is named), or the one
// for args[0] when nothing was recognised at all.
func ParseArgs(args []string, now time.Time) (Spec, int, error) {
	if len(args) == 0 {
		return Spec{}, 0, timeError("", 2, "no time given")
	}
	var best *Error
	for n := min(maxArgsInWhen, len(args)); n >= 1; n-- {
		spec, err := Parse(strings.Join(args[:n], " "), now)
		if err == nil {
			return spec, n, nil
		}
		var e *Error
		if !errors.As(err, &e) {
			return Spec{}, 0, err
		}
		if best == nil || e.level >= best.level {
			best = e // longest first, so >= keeps the shorter on a tie
		}
	}
	return Spec{}, 0, best
}

// parseNormalized parses a lower-cased expression with single spaces. The
// returned error's Input is filled in by the caller.
func parseNormalized(s string, now time.Time) (Spec, *Error) {
	switch {
	case s == "":
		return Spec{}, timeError("", 2, "no time given")
	case s == "in" || strings.HasPrefix(s, "in "):
		return parseRelative(strings.TrimPrefix(s, "in"), now)
	case s[0] == '+':
		return parseRelative(s[1:], now)
	case s[0] == '-' && len(s) > 1 && (isDigit(s[1]) || s[1] == '.'):
		return Spec{}, timeError("", 2, "a duration must be positive")
	case len(s) >= 5 && isDigits(s[:4]) && s[4] == '-':
		return parseDated(s, now)
	}
	word, rest, _ := strings.Cut(s, " ")
	if day, ok := dayWords[word]; ok {
		return parseDayWord(word, day, rest, now)
	}
	if isClockShape(s) {
		secOfDay, err := parseClock(s)
		if err != nil {
			return Spec{}, err
		}
		return nextAtClock(now, secOfDay, allDays)
	}
	if (isDigit(s[0]) || s[0] == '.') && isDurationShape(s) {
		return parseRelative(s, now)
	}
	return Spec{}, timeError("", 0, "not a time, weekday, date or duration")
}

// Day words that may precede a clock time. today/tomorrow are pseudo-days.
const (
	dayToday    = -1
	dayTomorrow = -2
)

var dayWords = map[string]int{
	"today": dayToday, "tomorrow": dayTomorrow,
	"sun": int(time.Sunday), "sunday": int(time.Sunday),
	"mon": int(time.Monday), "monday": int(time.Monday),
	"tue": int(time.Tuesday), "tues": int(time.Tuesday), "tuesday": int(time.Tuesday),
	"wed": int(time.Wednesday), "wednesday": int(time.Wednesday),
	"thu": int(time.Thursday), "thur": int(time.Thursday), "thurs": int(time.Thursday), "thursday": int(time.Thursday),
	"fri": int(time.Friday), "friday": int(time.Friday),
	"sat": int(time.Saturday), "saturday": int(time.Saturday),
}

// parseDayWord handles "today 18:00", "tomorrow 7am" and "mon 9:00".
func parseDayWord(word string, day int, rest string, now time.Time) (Spec, *Error) {
	if rest == "" {
		return Spec{}, timeError("", 1, "needs a time of day, e.g. %q", word+" 7:30")
	}
	if !isClockShape(rest) {
		return Spec{}, timeError("", 1, "%q is not a time of day, e.g. %q", rest, word+" 7:30")
	}
	secOfDay, err := parseClock(rest)
	if err != nil {
		return Spec{}, err
	}
	today := WallOf(now)
	todayDay, _ := today.days()
	switch day {
	case dayToday:
		w := Wall{sec: todayDay*secondsPerDay + secOfDay}
		if !w.In(now.Location()).After(now) {
			return Spec{}, timeError("", 2, "%s today has already passed", formatClock(secOfDay))
		}
		return Spec{Kind: Local, Wall: w}, nil
	case dayTomorrow:
		w := Wall{sec: (todayDay+1)*secondsPerDay + secOfDay}
		return checkFuture(w, now)
	default:
		return nextAtClock(now, secOfDay, 1<<uint(day))
	}
}

// allDays is a weekday mask (bit i = time.Weekday i) with every day set.
const allDays = 0x7f

// nextAtClock returns the first wall time at secOfDay, on a day in the
// weekday mask, that resolves strictly after now: today if it is still
// ahead (judged through Wall.In, so a time in today's DST gap counts as its
// shifted instant), else the next matching day.
func nextAtClock(now time.Time, secOfDay int64, mask uint8) (Spec, *Error) {
	todayDay, _ := WallOf(now).days()
	loc := now.Location()
	// Eight days cover "today, but already past" for a single weekday.
	for d := todayDay; d <= todayDay+8; d++ {
		if mask&(1<<uint(weekdayOfDay(d))) == 0 {
			continue
		}
		w := Wall{sec: d*secondsPerDay + secOfDay}
		if w.In(loc).After(now) {
			return Spec{Kind: Local, Wall: w}, nil
		}
	}
	// Only reachable in zones whose offset jumps by days (none today).
	return Spec{}, timeError("", 2, "no such time in the coming week")
}

// checkFuture accepts a Local wall time only if it resolves after now.
func checkFuture(w Wall, now time.Time) (Spec, *Error) {
	if !w.In(now.Location()).After(now) {
		return Spec{}, timeError("", 2, "%s is in the past", strings.Replace(w.String(), "T", " ", 1))
	}
	return Spec{Kind: Local, Wall: w}, nil
}

// formatClock renders seconds into a day as 07:30 or 07:30:15.
func formatClock(secOfDay int64) string {
	w := Wall{sec: secOfDay}
	if secOfDay%60 != 0 {
		return w.utc().Format("15:04:05")
	}
	return w.utc().Format("15:04")
}

// isClockShape reports whether s looks like a clock time (digits and colons,
// optionally followed by am/pm, or noon/midnight), so that range errors can
// be reported as such rather than as "not a time".
func isClockShape(s string) bool {
	if s == "noon" || s == "midnight" {
		return true
	}
	s, ampm := cutAMPM(s)
	if s == "" || !isDigit(s[0]) {
		return false
	}
	colon := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == ':':
			colon = true
		case !isDigit(s[i]):
			return false
		}
	}
	// Bare digits are a clock time only with am/pm ("7am"); "7" alone is
	// still reported as a clock time missing its minutes.
	return colon || ampm != "" || len(s) <= 4
}

// cutAMPM removes a trailing "am"/"pm" (with an optional space before it).
func cutAMPM(s string) (rest, ampm string) {
	for _, suffix := range []string{"am", "pm"} {
		if strings.HasSuffix(s, suffix) {
			return strings.TrimSuffix(s[:len(s)-2], " "), suffix
		}
	}
	return s, ""
}

// parseClock reads a clock time of clock shape and returns seconds into the
// day.
func parseClock(s string) (int64, *Error) {
	switch s {
	case "noon":
		return 12 * 3600, nil
	case "midnight":
		return 0, nil
	}
	s, ampm := cutAMPM(s)
	parts := strings.Split(s, ":")
	if len(parts) > 3 {
		return 0, timeError("", 2, "too many colons")
	}
	if len(parts) == 1 && ampm == "" {
		return 0, timeError("", 1, "needs minutes, am/pm or a unit, e.g. 7:00, 7am or 7m")
	}
	for i, p := range parts {
		switch {
		case p == "":
			return 0, timeError("", 2, "missing number")
		case i == 0 && len(p) > 2:
			return 0, timeError("", 2, "hour must be one or two digits, e.g. 07:30")
		case i > 0 && len(p) != 2:
			return 0, timeError("", 2, "%s must be two digits", []string{"", "minutes", "seconds"}[i])
		}
	}
	hour := atoi(parts[0])
	minute, second := 0, 0
	if len(parts) > 1 {
		minute = atoi(parts[1])
	}
	if len(parts) > 2 {
		second = atoi(parts[2])
	}
	if ampm != "" {
		if hour < 1 || hour > 12 {
			return 0, timeError("", 2, "hour must be 1-12 with am/pm")
		}
		hour %= 12
		if ampm == "pm" {
			hour += 12
		}
	} else if hour > 23 {
		return 0, timeError("", 2, "hour must be 0-23")
	}
	if minute > 59 {
		return 0, timeError("", 2, "minutes must be 0-59")
	}
	if second > 59 {
		return 0, timeError("", 2, "seconds must be 0-59")
	}
	return int64(hour*3600 + minute*60 + second), nil
}

// parseDated handles "2026-12-01 09:00" (Local) and RFC 3339 with an offset
// (Instant). s starts with four digits and a dash.
func parseDated(s string, now time.Time) (Spec, *Error) {
	datePart, rest := s, ""
	if i := strings.IndexAny(s, "t "); i >= 0 {
		datePart, rest = s[:i], s[i+1:]
	}
	fields := strings.Split(datePart, "-")
	if len(fields) != 3 || len(fields[0]) != 4 || !isDigits(fields[1]) || !isDigits(fields[2]) ||
		len(fields[1]) < 1 || len(fields[1]) > 2 || len(fields[2]) < 1 || len(fields[2]) > 2 {
		return Spec{}, timeError("", 1, "a date must look like 2026-12-01")
	}
	year, month, day := atoi(fields[0]), atoi(fields[1]), atoi(fields[2])
	if month < 1 || month > 12 {
		return Spec{}, timeError("", 2, "month must be 1-12")
	}
	if last := daysInMonth(year, time.Month(month)); day < 1 || day > last {
		return Spec{}, timeError("", 2, "day must be 1-%d in %04d-%02d", last, year, month)
	}
	// Spaces inside the time part only come from joined args ("9 am",
	// "09:00 +01:00"); the forms are unambiguous without them.
	rest = strings.ReplaceAll(rest, " ", "")
	if rest == "" {
		return Spec{}, timeError("", 1, "needs a time of day, e.g. %q", datePart+" 09:00")
	}
	if strings.HasSuffix(rest, "z") || strings.ContainsAny(rest, "+-") {
		return parseInstant(datePart, rest, now)
	}
	if !isClockShape(rest) {
		return Spec{}, timeError("", 1, "%q is not a time of day", rest)
	}
	secOfDay, err := parseClock(rest)
	if err != nil {
		return Spec{}, err
	}
	w := NewWall(year, time.Month(month), day, 0, 0, 0)
	return checkFuture(Wall{sec: w.sec + secOfDay}, now)
}

// parseInstant reads an RFC 3339 date-time with offset; seconds are optional.
func parseInstant(datePart, rest string, now time.Time) (Spec, *Error) {
	text := datePart + "T" + strings.ToUpper(rest)
	var t time.Time
	var err error
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00"} {
		if t, err = time.Parse(layout, text); err == nil {
			break
		}
	}
	if err != nil {
		return Spec{}, timeError("", 2, "not an RFC 3339 time with offset, e.g. 2026-12-01T09:00:00+01:00")
	}
	if !t.After(now) {
		return Spec{}, timeError("", 2, "%s is in the past", t.Format(time.RFC3339))
	}
	return Spec{Kind: Instant, At: t}, nil
}

// durationUnits are the accepted duration units; a unit is the whole run of
// letters after a number.
var durationUnits = map[string]time.Duration{
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
}

// parseRelative reads a duration such as "1h30m", "1h 30m", "1.5h" or
// "2 hours" (after any "in"/"+" prefix) and returns now + duration.
func parseRelative(s string, now time.Time) (Spec, *Error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Spec{}, timeError("", 1, "needs a duration, e.g. \"in 25m\"")
	}
	if s[0] == '-' {
		return Spec{}, timeError("", 2, "a duration must be positive")
	}
	var total time.Duration
	for s != "" {
		// One part: a number, optional spaces, a unit word. Units are whole
		// words so that "25m in the kitchen" does not read as "25min".
		i := 0
		for i < len(s) && (isDigit(s[i]) || s[i] == '.') {
			i++
		}
		number := s[:i]
		s = strings.TrimLeft(s[i:], " ")
		j := 0
		for j < len(s) && s[j] >= 'a' && s[j] <= 'z' {
			j++
		}
		unitName := s[:j]
		s = strings.TrimLeft(s[j:], " ")
		if number == "" || strings.Count(number, ".") > 1 || number == "." {
			return Spec{}, timeError("", 1, "not a duration, e.g. 25m or 1h30m")
		}
		if unitName == "" {
			return Spec{}, timeError("", 2, "missing unit after %s (use d, h, m or s)", number)
		}
		unit, ok := durationUnits[unitName]
		if !ok {
			return Spec{}, timeError("", 2, "unknown unit %q (use d, h, m or s)", unitName)
		}
		part, ok := scaleDecimal(number, unit)
		if !ok || part > maxRelative || total+part > maxRelative {
			return Spec{}, timeError("", 2, "a duration must be at most 1 year")
		}
		total += part
	}
	if total <= 0 {
		return Spec{}, timeError("", 2, "a duration must be more than zero")
	}
	return Spec{Kind: Relative, At: now.Add(total).Round(0)}, nil
}

// scaleDecimal returns number*unit exactly for a decimal "12.5"; ok=false
// when it exceeds maxRelative (so the caller can report "too long" without
// overflow).
func scaleDecimal(number string, unit time.Duration) (time.Duration, bool) {
	intPart, fracPart, _ := strings.Cut(number, ".")
	var whole int64
	for i := 0; i < len(intPart); i++ {
		whole = whole*10 + int64(intPart[i]-'0')
		if whole > int64(maxRelative/unit) {
			return 0, false
		}
	}
	d := time.Duration(whole) * unit
	// Nine fraction digits are enough for nanosecond precision of seconds.
	scale := int64(1)
	var frac int64
	for i := 0; i < len(fracPart) && i < 9; i++ {
		frac = frac*10 + int64(fracPart[i]-'0')
		scale *= 10
	}
	// unit/scale is exact for every unit when scale <= 1e9 and unit is a
	// whole number of seconds.
	d += time.Duration(frac) * (unit / time.Duration(scale))
	return d, true
}

// isDurationShape reports whether s holds only what a duration can: digits,
// dots, spaces and unit letters.
func isDurationShape(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isDigit(c) && c != '.' && c != ' ' && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// atoi converts a short run of ASCII digits; callers check the shape first.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s) && i < 9; i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func daysInMonth(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
