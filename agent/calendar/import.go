package calendar

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/emersion/go-ical"

	"alarmd/agent/alarm"
	"alarmd/agent/when"
)

// Limits of what an import reads (DESIGN §13).
const (
	// MaxBytes is the largest calendar file read: 10 000 alarms exported take about 6 MB.
	MaxBytes = 16 << 20
	// maxDepth is how deeply components may nest (VCALENDAR > VEVENT > VALARM is 3).
	maxDepth = 8
	// maxRepeat bounds a VALARM's REPEAT.
	maxRepeat = 1000
	// maxComponents bounds the components of a file, whatever they are.
	maxComponents = 200000
)

// Options are what an import needs from the agent.
type Options struct {
	Now      time.Time
	Loc      *time.Location  // the zone local-time alarms ring in
	Defaults alarm.Defaults  // for options the calendar does not give
	MaxNew   int             // refuse a file with more alarms than this (0: no limit)
	Existing map[string]bool // UIDs already kept: such components are left out
}

// Plan is what an import would add.
type Plan struct {
	Alarms   []alarm.Alarm // to be added (no IDs yet), in file order
	Problems []Problem     // components that cannot become alarms: a real import refuses
	Notes    []Problem     // what was left out or changed on the way (the alarm is added)
	Existing int           // components whose UID is already kept
	Ignored  int           // components without a VALARM, archived or cancelled
}

// Problem names one component and what is wrong with it (or, as a note, what was not kept).
type Problem struct {
	Component string `json:"component"` // e.g. `VEVENT 3 "Dentist" (UID abc)`
	Reason    string `json:"reason"`
}

func (p Problem) String() string { return p.Component + ": " + p.Reason }

// FileError is a calendar that cannot be read at all: not iCalendar, truncated, too big.
type FileError struct{ Reason string }

func (e *FileError) Error() string { return "cannot read calendar: " + e.Reason }

func fileError(format string, args ...any) error {
	return &FileError{Reason: fmt.Sprintf(format, args...)}
}

// Read parses a calendar and maps its components to alarms.
func Read(data []byte, o Options) (plan Plan, err error) {
	if len(data) > MaxBytes {
		return Plan{}, fileError("the file is %d MB; at most %d MB are read", len(data)>>20, MaxBytes>>20)
	}
	if err := precheck(data); err != nil {
		return Plan{}, err
	}
	defer func() {
		// go-ical panics on one malformed input it considers impossible; a file must never
		// take the agent down.
		if r := recover(); r != nil {
			plan, err = Plan{}, fileError("malformed iCalendar (%v)", r)
		}
	}()
	cal, err := ical.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return Plan{}, fileError("the file ends inside a component (truncated?)")
		}
		return Plan{}, fileError("%s", strings.TrimPrefix(err.Error(), "ical: "))
	}
	r := reader{o: o, zones: map[string]*time.Location{}, kalarm: cal.Props.Get("X-KDE-KALARM-VERSION") != nil}
	var comps []*ical.Component
	for _, c := range cal.Children {
		if c.Name == ical.CompEvent || c.Name == ical.CompToDo {
			comps = append(comps, c)
		}
	}
	withAlarm := 0
	for _, c := range comps {
		if hasAlarm(c) {
			withAlarm++
		}
	}
	if o.MaxNew > 0 && withAlarm > o.MaxNew {
		return Plan{}, fileError("the file has %d alarms; alarmd keeps at most %d", withAlarm, o.MaxNew)
	}
	seen := map[string]bool{}
	for i, c := range comps {
		r.one(&plan, c, i+1, seen)
	}
	return plan, nil
}

// precheck refuses what is not iCalendar, and nesting or component counts that no calendar
// has, before the decoder (which recurses per nesting level) sees them.
func precheck(data []byte) error {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	first, _, _ := bytes.Cut(bytes.TrimLeft(data, "\r\n\t "), []byte("\n"))
	if !bytes.EqualFold(bytes.TrimSpace(first), []byte("BEGIN:VCALENDAR")) {
		return fileError("not iCalendar: it does not start with BEGIN:VCALENDAR")
	}
	depth, count := 0, 0
	for line := range bytes.Lines(data) {
		upper := bytes.ToUpper(bytes.TrimRight(line, "\r\n"))
		switch {
		case bytes.HasPrefix(upper, []byte("BEGIN:")):
			depth++
			count++
			if depth > maxDepth {
				return fileError("components nested %d deep; calendars nest at most %d", depth, maxDepth)
			}
			if count > maxComponents {
				return fileError("more than %d components", maxComponents)
			}
		case bytes.HasPrefix(upper, []byte("END:")):
			depth--
		}
	}
	if depth > 0 {
		return fileError("the file ends inside a component (truncated?)")
	}
	return nil
}

func hasAlarm(c *ical.Component) bool {
	for _, ch := range c.Children {
		if ch.Name == ical.CompAlarm {
			return true
		}
	}
	return false
}

type reader struct {
	o      Options
	zones  map[string]*time.Location
	kalarm bool
}

// entry is one component being mapped.
type entry struct {
	notes []string // what was not kept
}

// errNotAnAlarm is a component whose alarms only send mail or run commands: nothing to ring,
// so it is left out like a component without a VALARM.
var errNotAnAlarm = errors.New("its VALARMs only send mail or run commands; left out")

func (e *entry) note(format string, args ...any) {
	e.notes = append(e.notes, fmt.Sprintf(format, args...))
}

// one maps component c (the n-th event or to-do of the file) into plan.
func (r *reader) one(plan *Plan, c *ical.Component, n int, seen map[string]bool) {
	uid := text(c, ical.PropUID)
	summary := text(c, ical.PropSummary)
	name := fmt.Sprintf("%s %d", c.Name, n)
	if summary != "" {
		name += " " + strconv.Quote(truncate(summary, 40))
	}
	if uid != "" {
		name += " (UID " + truncate(uid, 60) + ")"
	}
	if !hasAlarm(c) {
		plan.Ignored++
		return
	}
	if r.kalarm {
		if kind := text(c, "X-KDE-KALARM-TYPE"); kind != "" && kind != "ACTIVE" {
			plan.Ignored++ // archived alarms and templates are not alarms to ring
			return
		}
	}
	if strings.EqualFold(text(c, ical.PropStatus), "CANCELLED") || strings.EqualFold(text(c, ical.PropStatus), "COMPLETED") {
		plan.Ignored++
		return
	}
	if c.Props.Get(ical.PropRecurrenceID) != nil {
		plan.Notes = append(plan.Notes, Problem{name, "a changed occurrence of another event (RECURRENCE-ID) is not kept"})
		return
	}
	if uid == "" {
		sum := sha256.Sum256([]byte(c.Name + "\x00" + summary + "\x00" + rawValue(c, ical.PropDateTimeStart) + "\x00" + rawValue(c, ical.PropRecurrenceRule)))
		uid = "import-" + hex.EncodeToString(sum[:12])
	}
	if seen[uid] {
		plan.Problems = append(plan.Problems, Problem{name, "its UID appears twice in the file"})
		return
	}
	seen[uid] = true
	if r.o.Existing[uid] {
		plan.Existing++
		return
	}
	e := &entry{}
	a, err := r.mapComponent(c, e)
	if errors.Is(err, errNotAnAlarm) {
		plan.Ignored++
		plan.Notes = append(plan.Notes, Problem{name, err.Error()})
		return
	}
	if err != nil {
		plan.Problems = append(plan.Problems, Problem{name, err.Error()})
		return
	}
	a.UID = uid
	for _, n := range e.notes {
		plan.Notes = append(plan.Notes, Problem{name, n})
	}
	plan.Alarms = append(plan.Alarms, a)
}

// trigger is one VALARM, resolved to an offset from the ring anchor or an instant.
type trigger struct {
	action   string
	offset   time.Duration // from the anchor (start, or end with RELATED=END)
	related  string        // START or END
	absolute time.Time     // VALUE=DATE-TIME triggers
	kaType   string        // KAlarm's X-KDE-KALARM-TYPE of the alarm
	sound    string
	volume   string // KAlarm's X-KDE-KALARM-VOLUME
	repeat   int
	every    time.Duration
}

// mapComponent turns one VEVENT or VTODO into an alarm.
func (r *reader) mapComponent(c *ical.Component, e *entry) (alarm.Alarm, error) {
	o := r.o
	a := alarm.Alarm{Enabled: true, Created: o.Now}
	def := o.Defaults
	a.Snooze, a.Ring, a.Late, a.Fade = alarm.Duration(def.Snooze), alarm.Duration(def.Ring), alarm.Duration(def.Late), alarm.Duration(def.Fade)
	a.Volume, a.Sound = def.Volume, def.Sound

	startProp := c.Props.Get(ical.PropDateTimeStart)
	if c.Name == ical.CompToDo && startProp == nil {
		startProp = c.Props.Get(ical.PropDue)
	}
	if startProp == nil {
		return a, errors.New("no DTSTART (or DUE) to ring at")
	}
	start, err := r.dateTime(startProp)
	if err != nil {
		return a, fmt.Errorf("%s: %w", startProp.Name, err)
	}

	triggers, err := r.triggers(c, e)
	if err != nil {
		return a, err
	}
	if len(triggers) == 0 {
		if len(e.notes) > 0 {
			return a, errNotAnAlarm
		}
		return a, errors.New("no VALARM with ACTION:AUDIO or ACTION:DISPLAY")
	}
	ringIdx := mainTrigger(triggers, r.kalarm)
	ring := triggers[ringIdx]

	// The anchor of RELATED=END: DTEND, or DTSTART + DURATION; a to-do's DUE.
	anchorOffset := ring.offset
	if ring.related == "END" {
		end, err := r.endOf(c, start)
		if err != nil {
			return a, err
		}
		anchorOffset += end.sub(start)
	}

	// The rule, with EXDATEs in DTSTART's frame.
	var ruleText string
	if rr := c.Props.Get(ical.PropRecurrenceRule); rr != nil {
		if len(c.Props.Values(ical.PropRecurrenceRule)) > 1 {
			return a, errors.New("more than one RRULE; alarmd keeps one rule per alarm")
		}
		ruleText = strings.TrimPrefix(strings.ToUpper(rr.Value), "RRULE:")
		if err := checkRRule(ruleText); err != nil {
			return a, err
		}
	}
	if len(c.Props.Values(ical.PropRecurrenceDates)) > 0 {
		e.note("RDATE (extra dates) not kept")
	}
	if ring.repeat > 0 {
		e.note("the alarm's REPEAT:%d every %s is not kept: snooze instead", ring.repeat, ring.every)
	}

	// alarmd's own properties, from an export: the exact alarm.
	if kind := text(c, propKind); kind != "" {
		if err := r.readOwn(c, &a, start, anchorOffset); err != nil {
			return a, err
		}
	} else if err := r.place(&a, start, anchorOffset, ring, ruleText, c, e); err != nil {
		return a, err
	}

	// Reminders: the other triggers before the ring.
	ringAt := anchorOffset
	for i, t := range triggers {
		if i == ringIdx || t.action != "DISPLAY" {
			continue
		}
		off := t.offset
		if t.related == "END" {
			if end, err := r.endOf(c, start); err == nil {
				off += end.sub(start)
			}
		}
		if !t.absolute.IsZero() {
			continue // an absolute reminder of a one-shot: rare, and no lead time to keep
		}
		lead := ringAt - off
		switch {
		case lead <= 0:
			if lead < 0 {
				e.note("a reminder after the ring is not kept")
			}
		case !alarm.RemindLimit.Contains(lead):
			e.note("reminder %s before is out of range (%s) and not kept", lead, alarm.RemindLimit.Range())
		default:
			a.Remind = append(a.Remind, alarm.Duration(lead))
		}
	}
	sortReminders(&a)

	// Sound and KAlarm's volume, fade, late cancel, enabled.
	for _, t := range triggers {
		if t.sound != "" && a.Sound == def.Sound && text(c, propSound) == "" {
			a.Sound = t.sound
		}
		if t.volume != "" {
			r.kalarmVolume(t.volume, &a, e)
		}
	}
	if r.kalarm {
		r.kalarmFlags(c, &a, e)
	}
	if strings.EqualFold(text(c, ical.PropStatus), "DISABLED") {
		a.Enabled = false
	}
	if err := r.readOptions(c, &a); err != nil {
		return a, err
	}

	a.Label = label(c, triggers[ringIdx], summaryOf(c))
	if strings.EqualFold(text(c, propUnlabelled), "TRUE") {
		a.Label = ""
	}
	return a, r.checkFuture(&a)
}

// place sets the alarm's time and rule from DTSTART, the ring's offset and the RRULE.
func (r *reader) place(a *alarm.Alarm, start stamp, offset time.Duration, ring trigger, ruleText string, c *ical.Component, e *entry) error {
	loc := r.o.Loc
	if ruleText == "" {
		if !ring.absolute.IsZero() {
			a.Kind, a.At = when.Instant, ring.absolute
			return nil
		}
		if start.floating || start.sameZone(loc) {
			a.Kind, a.First = when.Local, addWall(start.wall, offset)
			return nil
		}
		a.Kind, a.At = when.Instant, start.instant().Add(offset)
		return nil
	}
	if !ring.absolute.IsZero() {
		offset = ring.absolute.Sub(start.instant())
	}
	// A recurring alarm rings at a wall time in the system zone. From another zone, the
	// series is moved there by its first ring.
	first := addWall(start.wall, offset)
	if !start.floating && !start.sameZone(loc) {
		moved := when.WallOf(start.instant().Add(offset).In(loc))
		e.note("from zone %s: rings at %s in %s", start.zoneName(), clockOf(moved), loc)
		offset += wallDiff(moved, first)
		first = moved
	}
	if offset != 0 {
		if err := shiftable(ruleText, start.wall, first); err != nil {
			return err
		}
	}
	exdates, err := r.exdates(c, start, offset, loc)
	if err != nil {
		return err
	}
	body := shiftUntil(ruleText, offset, start)
	if len(exdates) > 0 {
		body += ";EXDATE=" + strings.Join(exdates, ",")
	}
	rule, err := when.ParseRepeat("rrule:" + body)
	if err != nil {
		var we *when.Error
		if errors.As(err, &we) {
			return fmt.Errorf("RRULE: %s", we.Reason)
		}
		return fmt.Errorf("RRULE: %w", err)
	}
	a.Kind, a.First, a.Repeat = when.Local, first, rule
	return nil
}

// readOwn reads an alarm exported by alarmd from its X-ALARMD-* properties.
func (r *reader) readOwn(c *ical.Component, a *alarm.Alarm, start stamp, offset time.Duration) error {
	kind := when.Kind(text(c, propKind))
	switch kind {
	case when.Local:
		first := start.wall
		if s := text(c, propFirst); s != "" {
			if err := first.UnmarshalText([]byte(s)); err != nil {
				return fmt.Errorf("%s: %w", propFirst, err)
			}
		}
		a.Kind, a.First = when.Local, addWall(first, offset)
		if s := text(c, propDone); s != "" {
			if err := a.Done.UnmarshalText([]byte(s)); err != nil {
				return fmt.Errorf("%s: %w", propDone, err)
			}
		}
	case when.Instant, when.Relative:
		a.Kind, a.At = kind, start.instant().Add(offset)
	default:
		return fmt.Errorf("%s %q is not local, instant or relative", propKind, kind)
	}
	if s := text(c, propRepeat); s != "" {
		rule, err := when.ParseRepeat(s)
		if err != nil {
			return fmt.Errorf("%s: %w", propRepeat, err)
		}
		a.Repeat = rule
	}
	return nil
}

// readOptions reads X-ALARMD-* options, each checked against its limit.
func (r *reader) readOptions(c *ical.Component, a *alarm.Alarm) error {
	for _, o := range []struct {
		prop  string
		limit alarm.Limit
		dst   *alarm.Duration
	}{{propSnooze, alarm.SnoozeLimit, &a.Snooze}, {propRing, alarm.RingLimit, &a.Ring}, {propLate, alarm.LateLimit, &a.Late}, {propFade, alarm.FadeLimit, &a.Fade}} {
		if s := text(c, o.prop); s != "" {
			d, err := o.limit.Parse(o.prop, s)
			if err != nil {
				return err
			}
			*o.dst = alarm.Duration(d)
		}
	}
	if s := text(c, propVolume); s != "" {
		v, err := strconv.Atoi(s)
		if err == nil {
			err = alarm.CheckVolume(propVolume, v)
		}
		if err != nil {
			return fmt.Errorf("%s %q: %w", propVolume, s, err)
		}
		a.Volume = v
	}
	if s := text(c, propSound); s != "" {
		a.Sound = s
	}
	if strings.EqualFold(text(c, propEnabled), "FALSE") {
		a.Enabled = false
	}
	if s := text(c, propWake); s != "" {
		w := strings.EqualFold(s, "TRUE")
		a.Wake = &w
	}
	return nil
}

// checkFuture refuses an alarm that would never ring: a one-shot in the past, or a series
// that has ended. A series that started long ago continues from now: what is past counts as
// handled, so importing does not report missed alarms.
func (r *reader) checkFuture(a *alarm.Alarm) error {
	now, loc := r.o.Now, r.o.Loc
	if a.Kind != when.Local {
		if !a.At.After(now) {
			return fmt.Errorf("it was due at %s, in the past, and does not repeat", a.At.In(loc).Format("2006-01-02 15:04 MST"))
		}
		return nil
	}
	if a.Repeat.IsZero() {
		if !a.First.In(loc).After(now) {
			return fmt.Errorf("it was due at %s, in the past, and does not repeat", a.First.In(loc).Format("2006-01-02 15:04 MST"))
		}
		return nil
	}
	if a.Done.IsZero() {
		if past, ok := a.Repeat.Latest(a.First, when.Wall{}, now, loc); ok {
			a.Done = past
		}
	}
	if _, ok := a.Repeat.NextIn(a.First, a.Done, loc); !ok {
		return errors.New("its repeat rule has no occurrence after now (the series has ended)")
	}
	return nil
}

// triggers reads the component's VALARMs.
func (r *reader) triggers(c *ical.Component, e *entry) ([]trigger, error) {
	var out []trigger
	for i, v := range c.Children {
		if v.Name != ical.CompAlarm {
			continue
		}
		action := strings.ToUpper(text(v, ical.PropAction))
		t := trigger{action: action, related: "START", kaType: text(v, "X-KDE-KALARM-TYPE"), volume: text(v, "X-KDE-KALARM-VOLUME")}
		if rep := v.Props.Get(ical.PropRepeat); rep != nil {
			n, err := strconv.Atoi(strings.TrimSpace(rep.Value))
			if err != nil || n > maxRepeat {
				return nil, fmt.Errorf("VALARM %d: REPEAT %q; at most %d repeats are read", i+1, truncate(rep.Value, 20), maxRepeat)
			}
			if d := v.Props.Get(ical.PropDuration); d != nil && n > 0 {
				every, err := d.Duration()
				if err != nil {
					return nil, fmt.Errorf("VALARM %d: DURATION: %v", i+1, err)
				}
				t.repeat, t.every = n, every
			}
		}
		if r.kalarm && t.kaType != "" && t.kaType != "REMINDER" && !strings.HasPrefix(t.kaType, "SOUNDREPEAT") && t.kaType != "FILE" {
			continue // deferrals, at-login copies, pre and post actions: KAlarm's bookkeeping
		}
		switch action {
		case "AUDIO", "DISPLAY":
		case "":
			return nil, fmt.Errorf("VALARM %d has no ACTION", i+1)
		default:
			e.note("VALARM %d: ACTION:%s is not kept (alarmd rings and shows)", i+1, truncate(action, 20))
			continue
		}
		if a := v.Props.Get(ical.PropAttach); a != nil && action == "AUDIO" {
			if u, err := url.Parse(a.Value); err == nil && u.Scheme == "file" {
				t.sound = u.Path
			} else if strings.HasPrefix(a.Value, "/") {
				t.sound = a.Value
			}
		}
		trig := v.Props.Get(ical.PropTrigger)
		if trig == nil {
			return nil, fmt.Errorf("VALARM %d has no TRIGGER", i+1)
		}
		if strings.EqualFold(trig.Params.Get(ical.ParamValue), "DATE-TIME") || (len(trig.Value) >= 15 && trig.Value[8] == 'T') {
			at, err := r.dateTime(trig)
			if err != nil {
				return nil, fmt.Errorf("VALARM %d: TRIGGER: %w", i+1, err)
			}
			t.absolute = at.instant()
		} else {
			d, err := (&ical.Prop{Name: ical.PropTrigger, Params: ical.Params{}, Value: strings.TrimSpace(trig.Value)}).Duration()
			if err != nil {
				return nil, fmt.Errorf("VALARM %d: TRIGGER %q is not a duration like -PT15M", i+1, truncate(trig.Value, 30))
			}
			t.offset = d
			if strings.EqualFold(trig.Params.Get(ical.ParamRelated), "END") {
				t.related = "END"
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// mainTrigger picks the VALARM that is the ring: KAlarm's main alarm (no type), else the
// AUDIO alarm, else the latest DISPLAY alarm (earlier ones become reminders).
func mainTrigger(ts []trigger, kalarm bool) int {
	if kalarm {
		for i, t := range ts {
			if t.kaType == "" || t.kaType == "FILE" || strings.HasPrefix(t.kaType, "SOUNDREPEAT") {
				return i
			}
		}
	}
	for i, t := range ts {
		if t.action == "AUDIO" {
			return i
		}
	}
	best := 0
	for i, t := range ts {
		if t.related == ts[best].related && t.offset > ts[best].offset {
			best = i
		}
	}
	return best
}

// checkRRule refuses rules alarmd does not ring, naming why.
func checkRRule(rule string) error {
	for _, part := range strings.Split(rule, ";") {
		if v, ok := strings.CutPrefix(part, "FREQ="); ok && (v == "MINUTELY" || v == "SECONDLY") {
			return fmt.Errorf("RRULE FREQ=%s repeats more often than hourly; alarmd rings at most hourly", v)
		}
	}
	return nil
}

// shiftable refuses moving a rule's start by a trigger offset where that changes which days
// or hours the rule means.
func shiftable(rule string, start, first when.Wall) error {
	for _, part := range strings.Split(rule, ";") {
		key, _, _ := strings.Cut(part, "=")
		switch key {
		case "BYHOUR", "BYMINUTE", "BYSECOND":
			return fmt.Errorf("the alarm's trigger is offset from a rule with %s; alarmd cannot move such a rule", key)
		case "BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYSETPOS":
			sy, sm, sd := start.Date()
			fy, fm, fd := first.Date()
			if sy != fy || sm != fm || sd != fd {
				return fmt.Errorf("the alarm's trigger falls on another day than the event, whose rule has %s; alarmd cannot move such a rule", key)
			}
		}
	}
	return nil
}

// shiftUntil moves the rule's UNTIL by the ring's offset, so that it bounds rings as it
// bounded the event's starts.
func shiftUntil(rule string, offset time.Duration, start stamp) string {
	parts := strings.Split(rule, ";")
	for i, p := range parts {
		v, ok := strings.CutPrefix(p, "UNTIL=")
		if !ok {
			continue
		}
		switch {
		case strings.HasSuffix(v, "Z"):
			if t, err := time.Parse("20060102T150405Z", v); err == nil {
				parts[i] = "UNTIL=" + t.Add(offset).Format("20060102T150405Z")
			}
		case len(v) == len("20060102"):
			// A date: the whole day; left as it is.
		default:
			if t, err := time.Parse("20060102T150405", v); err == nil {
				parts[i] = "UNTIL=" + t.Add(offset).Format("20060102T150405")
			}
		}
	}
	return strings.Join(parts, ";")
}

// exdates reads EXDATE values as floating walls of the ring series.
func (r *reader) exdates(c *ical.Component, start stamp, offset time.Duration, loc *time.Location) ([]string, error) {
	var out []string
	for _, p := range c.Props.Values(ical.PropExceptionDates) {
		for _, v := range strings.Split(p.Value, ",") {
			one := ical.Prop{Name: p.Name, Params: p.Params, Value: strings.TrimSpace(v)}
			if len(one.Value) == len("20060102") {
				one.Value += "T" + wallValue(start.wall)[9:] // a date: that day's occurrence
				one.Params = ical.Params{}
				if start.loc != nil {
					one.Params.Set(ical.PropTimezoneID, start.loc.String())
				}
				if start.utc {
					one.Value += "Z"
				}
			}
			s, err := r.dateTime(&one)
			if err != nil {
				return nil, fmt.Errorf("EXDATE: %w", err)
			}
			// The occurrence's wall time in DTSTART's frame, then moved like the series.
			w := s.wall
			if !s.floating && !start.floating {
				w = when.WallOf(s.instant().In(start.frame()))
			}
			w = addWall(w, offset)
			out = append(out, wallValue(w))
			if len(out) > 1000 {
				return nil, errors.New("more than 1000 EXDATEs")
			}
		}
	}
	return out, nil
}

// endOf is the anchor of RELATED=END triggers.
func (r *reader) endOf(c *ical.Component, start stamp) (stamp, error) {
	if p := c.Props.Get(ical.PropDateTimeEnd); p != nil {
		return r.dateTime(p)
	}
	if p := c.Props.Get(ical.PropDue); p != nil {
		return r.dateTime(p)
	}
	if p := c.Props.Get(ical.PropDuration); p != nil {
		d, err := p.Duration()
		if err != nil {
			return stamp{}, fmt.Errorf("DURATION: %w", err)
		}
		end := start
		end.wall = addWall(start.wall, d)
		return end, nil
	}
	return start, nil
}

func sortReminders(a *alarm.Alarm) {
	for i := 1; i < len(a.Remind); i++ {
		for j := i; j > 0 && a.Remind[j] > a.Remind[j-1]; j-- {
			a.Remind[j], a.Remind[j-1] = a.Remind[j-1], a.Remind[j]
		}
	}
	out := a.Remind[:0]
	for i, d := range a.Remind {
		if i == 0 || d != a.Remind[i-1] {
			out = append(out, d)
		}
	}
	a.Remind = out
}

// label is the alarm's label: SUMMARY, else the ring's DISPLAY text; one line, at most
// alarm.MaxLabel characters.
func label(c *ical.Component, ring trigger, summary string) string {
	s := summary
	if s == "" {
		for _, v := range c.Children {
			if v.Name == ical.CompAlarm && strings.EqualFold(text(v, ical.PropAction), "DISPLAY") {
				if s = text(v, ical.PropDescription); s != "" {
					break
				}
			}
		}
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if r := []rune(s); len(r) > alarm.MaxLabel {
		s = string(r[:alarm.MaxLabel-1]) + "…"
	}
	return s
}

func summaryOf(c *ical.Component) string { return text(c, ical.PropSummary) }

// text is a property's unescaped text, or "".
func text(c *ical.Component, name string) string {
	p := c.Props.Get(name)
	if p == nil {
		return ""
	}
	s, err := p.Text()
	if err != nil {
		return p.Value
	}
	return strings.TrimSpace(s)
}

func rawValue(c *ical.Component, name string) string {
	if p := c.Props.Get(name); p != nil {
		return p.Value
	}
	return ""
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func addWall(w when.Wall, d time.Duration) when.Wall {
	y, mo, day := w.Date()
	h, mi, s := w.Clock()
	return when.NewWall(y, mo, day, h, mi, s+int(d/time.Second))
}

func wallDiff(a, b when.Wall) time.Duration {
	y1, m1, d1 := a.Date()
	h1, mi1, s1 := a.Clock()
	y2, m2, d2 := b.Date()
	h2, mi2, s2 := b.Clock()
	return time.Date(y1, m1, d1, h1, mi1, s1, 0, time.UTC).Sub(time.Date(y2, m2, d2, h2, mi2, s2, 0, time.UTC))
}

func clockOf(w when.Wall) string {
	h, m, _ := w.Clock()
	return fmt.Sprintf("%02d:%02d", h, m)
}
