package when

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/teambition/rrule-go"
)

// RRULE support.
//
// Rules are evaluated in floating time: DTSTART is the alarm's first ring as
// a UTC time whose fields are the wall clock, occurrences come out in UTC and
// are read back as Walls. Instants appear only later, through Wall.In, so DST
// and zone changes never reach the rrule library.
//
// Speed: building an rrule.RRule and iterating it from DTSTART costs
// microseconds per occurrence walked, and an alarm that started years ago
// would walk years. So (1) a rule without COUNT is re-based: its defaults
// (BYHOUR, BYMONTHDAY, ...) are made explicit from the first ring, and
// DTSTART moves to the start of the INTERVAL-aligned period that contains the
// search point, which yields exactly the same occurrences from there on; and
// (2) Next results are memoised per (first, after), since the scheduler asks
// the same question for every alarm each time anything changes.

const (
	// maxInterval bounds INTERVAL so that period arithmetic cannot overflow.
	maxInterval = 1000
	// searchYears is the minimum horizon searched for a next occurrence; a
	// rule with nothing inside it (e.g. BYMONTH=2;BYMONTHDAY=30) counts as
	// ended instead of making the library iterate to the year 9999.
	searchYears = 10
	// searchPeriods is the horizon in rule periods, for long intervals.
	searchPeriods = 12
	// searchYearsHourly is the horizon for HOURLY rules, which the library
	// walks about once per day even when every day is filtered out.
	searchYearsHourly = 2
	// maxCachedRRules bounds the parsed-rule cache; it is cleared when full
	// (only fuzzing or abuse gets there: users have a few rules).
	maxCachedRRules = 1024
	// maxMemo bounds each rule's memo of Next results; it holds one entry
	// per alarm using the rule, so 10 000 alarms sharing one rule still hit.
	maxMemo = 16384
)

// compiledRRule is the parsed form of one canonical RRULE text.
type compiledRRule struct {
	opt      rrule.ROption // as parsed; Dtstart zero, defaults not filled in
	interval int           // opt.Interval, at least 1
	broken   bool          // the text did not compile (never for a parsed Rule)
	ends                   // a UTC UNTIL and the excluded dates

	mu   sync.Mutex
	memo map[memoKey]memoResult
}

type memoKey struct{ first, after int64 }

type memoResult struct {
	w  Wall
	ok bool
}

var (
	rruleCache      sync.Map // canonical text -> *compiledRRule
	rruleCacheCount atomic.Int64
)

// lookupRRule returns the compiled form of a canonical rule text, compiling
// it again if the cache was cleared since it was parsed.
func lookupRRule(text string) *compiledRRule {
	if c, ok := rruleCache.Load(text); ok {
		return c.(*compiledRRule)
	}
	c := &compiledRRule{broken: true}
	if opt, e, err := parseRRuleOptions(strings.TrimPrefix(text, "rrule:")); err == nil {
		c = newCompiledRRule(opt, e)
	}
	if rruleCacheCount.Add(1) > maxCachedRRules {
		rruleCache.Clear()
		rruleCacheCount.Store(1)
	}
	actual, _ := rruleCache.LoadOrStore(text, c)
	return actual.(*compiledRRule)
}

func newCompiledRRule(opt rrule.ROption, e ends) *compiledRRule {
	return &compiledRRule{opt: opt, interval: max(opt.Interval, 1), ends: e, memo: map[memoKey]memoResult{}}
}

// parseRRule reads the text after "rrule:" and returns the Rule with its
// canonical text; the compiled form goes into the cache.
func parseRRule(body string) (Rule, *Error) {
	opt, e, err := parseRRuleOptions(body)
	if err != nil {
		return Rule{}, err
	}
	text := "rrule:" + canonicalRRule(opt, e)
	if _, ok := rruleCache.Load(text); !ok {
		lookupRRule(text)
	}
	return Rule{kind: ruleRRule, text: text}, nil
}

// parseRRuleOptions validates an RRULE body (case-insensitive, spaces
// ignored, an optional "RRULE:" prefix) for use as an alarm's repeat rule. Besides the RFC 5545
// parts it takes EXDATE=<wall>[,<wall>...], the excluded occurrences as floating date-times
// (this is how an imported EXDATE is kept, DESIGN §13).
func parseRRuleOptions(body string) (rrule.ROption, ends, *Error) {
	fail := func(format string, args ...any) (rrule.ROption, ends, *Error) {
		return rrule.ROption{}, ends{}, repeatError("", format, args...)
	}
	if strings.ContainsAny(body, "\r\n") {
		return fail("an RRULE must be a single line")
	}
	b := strings.ToUpper(strings.Join(strings.Fields(body), ""))
	b = strings.TrimPrefix(b, "RRULE:")
	if b == "" {
		return fail("empty RRULE, e.g. rrule:FREQ=WEEKLY;BYDAY=MO")
	}
	if strings.Contains(b, "DTSTART") {
		return fail("DTSTART is not allowed: the alarm's time is the start")
	}
	var e ends
	var untilText string
	var kept []string
	for _, part := range strings.Split(b, ";") {
		if v, ok := strings.CutPrefix(part, "EXDATE="); ok {
			ex, err := parseExdates(v)
			if err != nil {
				return rrule.ROption{}, ends{}, err
			}
			e.exdates = append(e.exdates, ex...)
			continue
		}
		if v, ok := strings.CutPrefix(part, "UNTIL="); ok {
			untilText = v
		}
		kept = append(kept, part)
	}
	if len(e.exdates) > maxExdates {
		return fail("at most %d EXDATEs", maxExdates)
	}
	slices.SortFunc(e.exdates, func(a, b Wall) int { return cmp.Compare(a.sec, b.sec) })
	e.exdates = slices.Compact(e.exdates)
	parsed, err := rrule.StrToROption(strings.Join(kept, ";"))
	if err != nil {
		return fail("bad RRULE: %v", err)
	}
	opt := *parsed
	switch {
	case opt.Freq == rrule.MINUTELY || opt.Freq == rrule.SECONDLY:
		return fail("FREQ=%v repeats too often for an alarm clock; use HOURLY or slower", opt.Freq)
	case opt.Interval < 0 || opt.Interval > maxInterval:
		return fail("INTERVAL must be 1-%d", maxInterval)
	case opt.Count < 0:
		return fail("COUNT must be positive")
	case len(opt.Byeaster) != 0:
		// A library extension, not RFC 5545, and it indexes out of range
		// for large offsets.
		return fail("BYEASTER is not part of RFC 5545")
	}
	if opt.Interval == 1 {
		opt.Interval = 0 // the default; dropped from the canonical text
	}
	// UNTIL (RFC 5545 §3.3.10): with a Z it is an instant, compared with each ring's instant
	// (ends.untilUTC; the library gets a bound late enough for any zone). Without one it is
	// floating like DTSTART; a date alone means the whole day.
	switch {
	case strings.HasSuffix(untilText, "Z"):
		e.untilUTC = opt.Until.UTC()
		opt.Until = opt.Until.Add(zoneWindow * time.Second)
	case len(untilText) == len("20060102"):
		opt.Until = opt.Until.Add(secondsPerDay*time.Second - time.Second)
	}
	check := opt
	check.Dtstart = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := rrule.NewRRule(check); err != nil {
		return fail("bad RRULE: %v", err)
	}
	return opt, e, nil
}

// maxExdates bounds the excluded dates of one rule.
const maxExdates = 1000

// ends holds what ends or interrupts a series beyond the library's options.
type ends struct {
	untilUTC time.Time // a UTC UNTIL: the last instant a ring may have; zero for none
	exdates  []Wall    // excluded occurrences, sorted
}

// excluded reports whether w is one of the EXDATEs.
func (e *ends) excluded(w Wall) bool {
	_, found := slices.BinarySearchFunc(e.exdates, w, func(a, b Wall) int { return cmp.Compare(a.sec, b.sec) })
	return found
}

// pastUntil reports whether occurrence w, resolved in loc, rings after a UTC UNTIL.
func (e *ends) pastUntil(w Wall, loc *time.Location) bool {
	return !e.untilUTC.IsZero() && w.In(loc).After(e.untilUTC)
}

// parseExdates reads 20261207T090000,20261214T090000; a date alone stands for its midnight
// (the importer writes date-only EXDATEs at the series' clock time).
func parseExdates(v string) ([]Wall, *Error) {
	var out []Wall
	for _, f := range strings.Split(v, ",") {
		layout := "20060102T150405"
		if len(f) == len("20060102") {
			layout = "20060102"
		}
		t, err := time.Parse(layout, f)
		if err != nil {
			return nil, repeatError("", "EXDATE %q is not a local date-time like 20261207T090000", f)
		}
		out = append(out, wallOfUTC(t))
	}
	return out, nil
}

// canonicalRRule prints opt in the library's order, UNTIL with "Z" only when it was an
// instant, then the EXDATEs.
func canonicalRRule(opt rrule.ROption, e ends) string {
	if !e.untilUTC.IsZero() {
		opt.Until = e.untilUTC
	}
	parts := strings.Split(opt.RRuleString(), ";")
	for i, p := range parts {
		if strings.HasPrefix(p, "UNTIL=") && e.untilUTC.IsZero() {
			parts[i] = strings.TrimSuffix(p, "Z")
		}
	}
	if len(e.exdates) > 0 {
		ex := make([]string, len(e.exdates))
		for i, w := range e.exdates {
			ex[i] = w.utc().Format("20060102T150405")
		}
		parts = append(parts, "EXDATE="+strings.Join(ex, ","))
	}
	return strings.Join(parts, ";")
}

// next implements Rule.Next, memoised.
func (c *compiledRRule) next(first, after Wall) (Wall, bool) {
	if c.broken {
		return Wall{}, false
	}
	key := memoKey{first.sec, after.sec}
	c.mu.Lock()
	res, hit := c.memo[key]
	c.mu.Unlock()
	if hit {
		return res.w, res.ok
	}
	res.w, res.ok = guard(func() (Wall, bool) { return c.computeNext(first, after) })
	c.mu.Lock()
	if len(c.memo) >= maxMemo {
		clear(c.memo)
	}
	c.memo[key] = res
	c.mu.Unlock()
	return res.w, res.ok
}

func (c *compiledRRule) computeNext(first, after Wall) (Wall, bool) {
	if !c.reachable(first) {
		return Wall{}, false
	}
	lower, inclusive := first, true
	if !after.IsZero() && !after.Before(first) {
		lower, inclusive = after, false
	}
	rr := c.build(first, lower, c.horizon(lower))
	if rr == nil {
		return Wall{}, false
	}
	t := rr.After(lower.utc(), inclusive)
	// Excluded dates are stepped over; each step passes one of them.
	for i := 0; !t.IsZero() && c.excluded(wallOfUTC(t)) && i <= len(c.exdates); i++ {
		t = rr.After(t, false)
	}
	if t.IsZero() || c.excluded(wallOfUTC(t)) {
		return Wall{}, false
	}
	return wallOfUTC(t), true
}

// prev returns the last occurrence at or before upper (strictly before when
// !inclusive) that is after floor. It searches windows that grow fourfold
// back from upper, so its cost does not depend on how old first or floor
// are, and gives up (ok=false) beyond the search horizon.
func (c *compiledRRule) prev(first, upper Wall, inclusive bool, floor Wall) (Wall, bool) {
	if c.broken || !c.reachable(first) {
		return Wall{}, false
	}
	limit := c.horizon(first) // only its length matters here
	limitDays := int(limit.Sub(first.utc()) / (secondsPerDay * time.Second))
	for spanDays := c.periodDays(); ; spanDays *= 4 {
		at := upper.AddDays(-spanDays)
		final := spanDays > limitDays
		if !at.After(floor) {
			at, final = floor, true
		}
		rr := c.build(first, at, upper.utc())
		if rr == nil {
			return Wall{}, false
		}
		if t := rr.Before(upper.utc(), inclusive); !t.IsZero() {
			w := wallOfUTC(t)
			return w, w.After(floor)
		}
		if final || c.rebaseStart(first, at).IsZero() {
			return Wall{}, false // searched back to floor, first, or the horizon
		}
	}
}

// latest implements Rule.Latest for an RRULE; lo..hi is the window in which
// occurrences may or may not be due yet (see Rule.Latest).
func (c *compiledRRule) latest(first, after, lo, hi Wall, due func(Wall) bool) (Wall, bool) {
	return guard(func() (Wall, bool) {
		w, ok := c.latestUnguarded(first, after, lo, hi, due)
		// An excluded occurrence is no occurrence: take the one before it, which is due too.
		for i := 0; ok && c.excluded(w) && i <= len(c.exdates); i++ {
			w, ok = c.prev(first, w, false, after)
		}
		if ok && c.excluded(w) {
			return Wall{}, false
		}
		return w, ok
	})
}

// guard runs an evaluation through the rrule library and turns a panic
// inside it into "no occurrence": a user's odd rule must not take the agent
// down. Known panics are excluded at parse time (BYEASTER); this is for the
// unknown ones.
func guard(eval func() (Wall, bool)) (w Wall, ok bool) {
	defer func() {
		if recover() != nil {
			w, ok = Wall{}, false
		}
	}()
	return eval()
}

func (c *compiledRRule) latestUnguarded(first, after, lo, hi Wall, due func(Wall) bool) (Wall, bool) {
	if c.broken || !c.reachable(first) {
		return Wall{}, false
	}
	from := lo
	if after.After(lo) {
		from = after
	}
	if rr := c.build(first, from, hi.utc()); rr != nil {
		occ := rr.Between(from.utc(), hi.utc(), true)
		for i := len(occ) - 1; i >= 0; i-- {
			w := wallOfUTC(occ[i])
			if !w.After(from) {
				break
			}
			if due(w) {
				return w, true
			}
		}
	}
	if !after.Before(lo) {
		return Wall{}, false
	}
	// Everything at or before lo is due: the answer is the last one there.
	return c.prev(first, lo, true, after)
}

// reachable reports whether an HOURLY rule can ever reach one of its BYHOUR
// hours from first's hour in steps of INTERVAL. rrule-go loops forever
// looking for the next allowed hour when none is reachable
// (FREQ=HOURLY;INTERVAL=24;BYHOUR=5 from 02:30).
func (c *compiledRRule) reachable(first Wall) bool {
	if c.opt.Freq != rrule.HOURLY || len(c.opt.Byhour) == 0 {
		return true
	}
	h, _, _ := first.Clock()
	step := gcd(c.interval, 24)
	for _, want := range c.opt.Byhour {
		if (want-h)%step == 0 {
			return true
		}
	}
	return false
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// build returns a fresh rrule.RRule for the series starting at first,
// re-based so that iteration starts at the period containing `at` (or at
// first when that is first's own period), and ending at until at the latest.
// A fresh value per call keeps concurrent callers apart: the library writes
// into an RRule while iterating it.
func (c *compiledRRule) build(first, at Wall, until time.Time) *rrule.RRule {
	opt := c.opt
	if start := c.rebaseStart(first, at); !start.IsZero() {
		opt = c.explicitOptions(first)
		opt.Dtstart = start
	} else {
		opt.Dtstart = first.utc()
	}
	if opt.Until.IsZero() || until.Before(opt.Until) {
		opt.Until = until
	}
	rr, err := rrule.NewRRule(opt)
	if err != nil {
		return nil // options were validated at parse time
	}
	return rr
}

// explicitOptions returns the options with every default that the library
// would take from DTSTART taken from first instead, so that DTSTART can move
// without changing the series (mirrors rrule-go's buildRRule).
func (c *compiledRRule) explicitOptions(first Wall) rrule.ROption {
	opt := c.opt
	f := first.utc()
	if len(opt.Byweekno) == 0 && len(opt.Byyearday) == 0 && len(opt.Bymonthday) == 0 &&
		len(opt.Byweekday) == 0 && len(opt.Byeaster) == 0 {
		switch opt.Freq {
		case rrule.YEARLY:
			if len(opt.Bymonth) == 0 {
				opt.Bymonth = []int{int(f.Month())}
			}
			opt.Bymonthday = []int{f.Day()}
		case rrule.MONTHLY:
			opt.Bymonthday = []int{f.Day()}
		case rrule.WEEKLY:
			opt.Byweekday = []rrule.Weekday{rruleWeekdays[f.Weekday()]}
		}
	}
	if len(opt.Byhour) == 0 && opt.Freq < rrule.HOURLY {
		opt.Byhour = []int{f.Hour()}
	}
	if len(opt.Byminute) == 0 && opt.Freq < rrule.MINUTELY {
		opt.Byminute = []int{f.Minute()}
	}
	if len(opt.Bysecond) == 0 && opt.Freq < rrule.SECONDLY {
		opt.Bysecond = []int{f.Second()}
	}
	return opt
}

var rruleWeekdays = [7]rrule.Weekday{rrule.SU, rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA}

// rebaseStart returns the start of the INTERVAL-aligned period that contains
// at, counted from first's period, as a floating UTC time; zero when that is
// first's own period or earlier, or when COUNT forbids re-basing (the count
// runs from first).
func (c *compiledRRule) rebaseStart(first, at Wall) time.Time {
	if c.opt.Count != 0 || !at.After(first) {
		return time.Time{}
	}
	n := c.interval
	f, a := first.utc(), at.utc()
	fDay, _ := first.days()
	aDay, _ := at.days()
	var k int64 // periods from first's period to at's, rounded down to a multiple of n
	switch c.opt.Freq {
	case rrule.YEARLY:
		k = alignDown(int64(a.Year()-f.Year()), n)
		if k > 0 {
			return time.Date(f.Year()+int(k), time.January, 1, 0, 0, 0, 0, time.UTC)
		}
	case rrule.MONTHLY:
		months := int64(a.Year()-f.Year())*12 + int64(a.Month()-f.Month())
		k = alignDown(months, n)
		if k > 0 {
			return time.Date(f.Year(), f.Month()+time.Month(k), 1, 0, 0, 0, 0, time.UTC)
		}
	case rrule.WEEKLY:
		wkst := c.opt.Wkst
		// Monday-based weekday (the library's numbering) minus the week start.
		back := (int64(weekdayOfDay(fDay))+6)%7 - int64(wkst.Day())
		weekStart := fDay - (back+7)%7
		k = alignDown(floorDiv(aDay-weekStart, 7), n)
		if k > 0 {
			return Wall{sec: (weekStart + 7*k) * secondsPerDay}.utc()
		}
	case rrule.DAILY:
		k = alignDown(aDay-fDay, n)
		if k > 0 {
			return Wall{sec: (fDay + k) * secondsPerDay}.utc()
		}
	case rrule.HOURLY:
		fHour := floorDiv(first.sec, 3600)
		k = alignDown(floorDiv(at.sec, 3600)-fHour, n)
		if k > 0 {
			return Wall{sec: (fHour + k) * 3600}.utc()
		}
	}
	return time.Time{}
}

// horizon returns how far past `from` a next occurrence is searched.
func (c *compiledRRule) horizon(from Wall) time.Time {
	f := from.utc()
	byYears := f.AddDate(searchYears, 0, 0)
	if c.opt.Freq == rrule.HOURLY {
		byYears = f.AddDate(searchYearsHourly, 0, 0)
	}
	n := searchPeriods * c.interval
	var byPeriods time.Time
	switch c.opt.Freq {
	case rrule.YEARLY:
		byPeriods = f.AddDate(n, 0, 0)
	case rrule.MONTHLY:
		byPeriods = f.AddDate(0, n, 0)
	case rrule.WEEKLY:
		byPeriods = f.AddDate(0, 0, 7*n)
	case rrule.DAILY:
		byPeriods = f.AddDate(0, 0, n)
	default:
		byPeriods = f.Add(time.Duration(n) * time.Hour)
	}
	if byPeriods.After(byYears) {
		return byPeriods
	}
	return byYears
}

// periodDays is roughly one INTERVAL of the rule in days, the first window
// prev searches.
func (c *compiledRRule) periodDays() int {
	per := map[rrule.Frequency]int{rrule.YEARLY: 366, rrule.MONTHLY: 31, rrule.WEEKLY: 7}[c.opt.Freq]
	return max(per, 1) * c.interval
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// alignDown rounds k down to a multiple of n.
func alignDown(k int64, n int) int64 { return floorDiv(k, int64(n)) * int64(n) }
