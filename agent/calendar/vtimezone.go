package calendar

import (
	"fmt"
	"time"

	"github.com/emersion/go-ical"
)

// vtimezoneYears is how many years of a zone's rules a VTIMEZONE describes when its changes
// follow no yearly rule (they are then listed one by one).
const vtimezoneYears = 10

// zoneChange is one UTC offset transition of a zone.
type zoneChange struct {
	at       time.Time // the instant of the change
	from, to int       // UTC offsets in seconds before and after
	name     string    // the abbreviation after it ("CEST")
}

// changesBetween lists loc's transitions in [from, to).
func changesBetween(loc *time.Location, from, to time.Time) []zoneChange {
	var out []zoneChange
	t := from
	for t.Before(to) {
		_, end := t.In(loc).ZoneBounds()
		if end.IsZero() || !end.Before(to) {
			break
		}
		_, before := end.Add(-time.Second).In(loc).Zone()
		name, after := end.In(loc).Zone()
		if before != after {
			out = append(out, zoneChange{at: end, from: before, to: after, name: name})
		}
		t = end
	}
	return out
}

// buildVTimezone describes loc for the years from `from` on (RFC 5545 §3.6.5). A zone whose
// changes repeat every year on the same weekday of the same month gets one STANDARD and one
// DAYLIGHT component with a yearly RRULE, the form calendar programs write; any other zone gets
// its changes of the coming years listed one by one; a zone without changes gets one STANDARD.
func buildVTimezone(loc *time.Location, from time.Time) *ical.Component {
	tz := ical.NewComponent(ical.CompTimezone)
	tz.Props.SetText(ical.PropTimezoneID, loc.String())
	// From the year before the earliest time described, so its first onset precedes them all.
	start := time.Date(from.In(loc).Year()-1, time.January, 1, 0, 0, 0, 0, time.UTC)
	changes := changesBetween(loc, start, start.AddDate(vtimezoneYears, 0, 0))
	if len(changes) == 0 {
		name, off := from.In(loc).Zone()
		tz.Children = append(tz.Children, zonePart(ical.CompTimezoneStandard, time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), off, off, name, ""))
		return tz
	}
	if parts, ok := yearlyParts(loc, changes); ok {
		tz.Children = append(tz.Children, parts...)
		return tz
	}
	for _, c := range changes {
		tz.Children = append(tz.Children, changePart(c, ""))
	}
	return tz
}

// yearlyParts expresses changes as two yearly rules, if every year has the same two changes
// on the same "nth weekday of the month" at the same wall time.
func yearlyParts(loc *time.Location, changes []zoneChange) ([]*ical.Component, bool) {
	if len(changes) < 4 || len(changes)%2 != 0 {
		return nil, false
	}
	rules := make([]string, 2)
	for i, c := range changes {
		r := yearlyRule(c)
		if i < 2 {
			rules[i] = r
		} else if r != rules[i%2] || c.from != changes[i%2].from || c.to != changes[i%2].to {
			return nil, false
		}
	}
	return []*ical.Component{changePart(changes[0], rules[0]), changePart(changes[1], rules[1])}, true
}

// yearlyRule is the RRULE that repeats c every year: FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU.
func yearlyRule(c zoneChange) string {
	wall := c.at.Add(time.Duration(c.from) * time.Second).UTC() // the wall clock before the change
	n := (wall.Day()-1)/7 + 1
	if wall.Day()+7 > time.Date(wall.Year(), wall.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		n = -1
	}
	days := [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}
	return fmt.Sprintf("FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s;%s", int(wall.Month()), n, days[wall.Weekday()], wall.Format("150405"))
}

// changePart is a STANDARD or DAYLIGHT component for change c, repeating by rule if given
// (rule carries the wall clock after its last ";", which is cut off).
func changePart(c zoneChange, rule string) *ical.Component {
	kind := ical.CompTimezoneStandard
	if c.to > c.from {
		kind = ical.CompTimezoneDaylight
	}
	wall := c.at.Add(time.Duration(c.from) * time.Second).UTC()
	if rule != "" {
		rule = rule[:len(rule)-len(";150405")]
	}
	return zonePart(kind, wall, c.from, c.to, c.name, rule)
}

func zonePart(kind string, wall time.Time, from, to int, name, rule string) *ical.Component {
	p := ical.NewComponent(kind)
	dt := ical.NewProp(ical.PropDateTimeStart)
	dt.Value = wall.Format("20060102T150405")
	p.Props.Set(dt)
	p.Props.Set(&ical.Prop{Name: ical.PropTimezoneOffsetFrom, Params: ical.Params{}, Value: utcOffset(from)})
	p.Props.Set(&ical.Prop{Name: ical.PropTimezoneOffsetTo, Params: ical.Params{}, Value: utcOffset(to)})
	if name != "" {
		p.Props.SetText(ical.PropTimezoneName, name)
	}
	if rule != "" {
		p.Props.Set(&ical.Prop{Name: ical.PropRecurrenceRule, Params: ical.Params{}, Value: rule})
	}
	return p
}

// utcOffset formats seconds east of UTC as +0100 or +053000.
func utcOffset(sec int) string {
	sign := '+'
	if sec < 0 {
		sign, sec = '-', -sec
	}
	if sec%60 != 0 {
		return fmt.Sprintf("%c%02d%02d%02d", sign, sec/3600, sec/60%60, sec%60)
	}
	return fmt.Sprintf("%c%02d%02d", sign, sec/3600, sec/60%60)
}
