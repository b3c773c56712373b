// Package calendar turns alarms into RFC 5545 iCalendar and back (DESIGN §13): export writes
// one VEVENT per alarm, import reads VEVENTs and VTODOs that carry a VALARM, including the
// calendars KAlarm writes. The format itself is read and written by github.com/emersion/go-ical;
// this package only maps components to alarms. It does no I/O and never reads the clock.
package calendar

import (
	"bytes"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"alarmd/agent/alarm"
	"alarmd/agent/when"
)

// Properties of alarmd's own settings (X-ALARMD-*), so an export read back is the same alarm.
const (
	propKind       = "X-ALARMD-KIND"
	propRepeat     = "X-ALARMD-REPEAT"
	propFirst      = "X-ALARMD-FIRST"
	propDone       = "X-ALARMD-DONE"
	propSound      = "X-ALARMD-SOUND"
	propSnooze     = "X-ALARMD-SNOOZE"
	propRing       = "X-ALARMD-RING"
	propLate       = "X-ALARMD-LATE"
	propFade       = "X-ALARMD-FADE"
	propVolume     = "X-ALARMD-VOLUME"
	propEnabled    = "X-ALARMD-ENABLED"
	propUnlabelled = "X-ALARMD-UNLABELLED"
	propWake       = "X-ALARMD-WAKE"
)

// ProductID is the PRODID of exported calendars.
const ProductID = "-//alarmd//alarmd//EN"

// ExportUID is the UID an alarm is exported with: the one it was imported with, or one made
// from its id and creation time, which never change.
func ExportUID(a *alarm.Alarm) string {
	if a.UID != "" {
		return a.UID
	}
	return fmt.Sprintf("alarmd-%d-%d@alarmd", a.ID, a.Created.Unix())
}

// Export writes alarms as one VCALENDAR. loc is the zone local-time alarms ring in (their
// DTSTART carries its TZID and the calendar its VTIMEZONE); now stamps DTSTAMP.
func Export(alarms []alarm.Alarm, loc *time.Location, now time.Time) ([]byte, error) {
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, ProductID)
	cal.Props.SetText(ical.PropCalendarScale, "GREGORIAN")
	local := false
	for i := range alarms {
		if alarms[i].Kind == when.Local {
			local = true
			break
		}
	}
	if local && loc != time.UTC {
		earliest := now
		for i := range alarms {
			if a := &alarms[i]; a.Kind == when.Local {
				if t := a.First.In(loc); t.Before(earliest) {
					earliest = t
				}
			}
		}
		cal.Children = append(cal.Children, buildVTimezone(loc, earliest))
	}
	for i := range alarms {
		ev, err := exportEvent(&alarms[i], loc, now)
		if err != nil {
			return nil, fmt.Errorf("export alarm %d: %w", alarms[i].ID, err)
		}
		cal.Children = append(cal.Children, ev)
	}
	if len(cal.Children) == 0 {
		// go-ical refuses an empty calendar; a calendar without events is still valid
		// RFC 5545 once it has a component, and an empty VTIMEZONE-free export is rare
		// enough to be written by hand.
		return []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:" + ProductID + "\r\nCALSCALE:GREGORIAN\r\nEND:VCALENDAR\r\n"), nil
	}
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return nil, fmt.Errorf("encode calendar: %w", err)
	}
	return buf.Bytes(), nil
}

func exportEvent(a *alarm.Alarm, loc *time.Location, now time.Time) (*ical.Component, error) {
	ev := ical.NewEvent()
	ev.Props.SetText(ical.PropUID, ExportUID(a))
	ev.Props.SetDateTime(ical.PropDateTimeStamp, now.UTC())
	if !a.Created.IsZero() {
		ev.Props.SetDateTime(ical.PropCreated, a.Created.UTC())
	}
	ev.Props.SetText(ical.PropSummary, a.Title())
	if a.Label == "" {
		setX(ev.Component, propUnlabelled, "TRUE")
	}
	local := a.Kind == when.Local
	start := ical.NewProp(ical.PropDateTimeStart)
	if local {
		start.Value = wallValue(a.First)
		if loc != time.UTC {
			start.Params.Set(ical.PropTimezoneID, loc.String())
		} else {
			start.Value += "Z"
		}
	} else {
		start.Value = a.At.UTC().Format("20060102T150405Z")
	}
	ev.Props.Set(start)
	if !a.Repeat.IsZero() {
		rule, exdates := standardRule(a.Repeat, loc)
		ev.Props.Set(&ical.Prop{Name: ical.PropRecurrenceRule, Params: ical.Params{}, Value: rule})
		if len(exdates) > 0 {
			ex := ical.NewProp(ical.PropExceptionDates)
			ex.Value = strings.Join(exdates, ",")
			if loc != time.UTC {
				ex.Params.Set(ical.PropTimezoneID, loc.String())
			}
			ev.Props.Set(ex)
		}
	}
	setX(ev.Component, propKind, string(a.Kind))
	if !a.Repeat.IsZero() {
		setX(ev.Component, propRepeat, a.Repeat.String())
	}
	if local {
		setX(ev.Component, propFirst, a.First.String())
		if !a.Done.IsZero() {
			setX(ev.Component, propDone, a.Done.String())
		}
	}
	if a.Sound != "" {
		setX(ev.Component, propSound, a.Sound)
	}
	for _, o := range []struct {
		name string
		d    alarm.Duration
	}{{propSnooze, a.Snooze}, {propRing, a.Ring}, {propLate, a.Late}, {propFade, a.Fade}} {
		if o.d != 0 {
			setX(ev.Component, o.name, time.Duration(o.d).String())
		}
	}
	if a.Volume != 0 {
		setX(ev.Component, propVolume, strconv.Itoa(a.Volume))
	}
	if !a.Enabled {
		setX(ev.Component, propEnabled, "FALSE")
	}
	if a.Wake != nil {
		setX(ev.Component, propWake, strings.ToUpper(strconv.FormatBool(*a.Wake)))
	}

	ring := ical.NewComponent(ical.CompAlarm)
	ring.Props.SetText(ical.PropAction, "AUDIO")
	ring.Props.Set(&ical.Prop{Name: ical.PropTrigger, Params: ical.Params{}, Value: "PT0S"})
	if a.Sound != "" && filepath.IsAbs(a.Sound) {
		attach := ical.NewProp(ical.PropAttach)
		attach.SetURI(&url.URL{Scheme: "file", Path: a.Sound})
		ring.Props.Set(attach)
	}
	ev.Children = append(ev.Children, ring)
	for _, r := range a.Remind {
		rem := ical.NewComponent(ical.CompAlarm)
		rem.Props.SetText(ical.PropAction, "DISPLAY")
		rem.Props.SetText(ical.PropDescription, a.Title())
		trig := ical.NewProp(ical.PropTrigger)
		trig.SetDuration(-time.Duration(r))
		trig.Params.Del(ical.ParamValue)
		rem.Props.Set(trig)
		ev.Children = append(ev.Children, rem)
	}
	return ev.Component, nil
}

// setX sets one of alarmd's own properties, as TEXT (escaped like any text value).
func setX(c *ical.Component, name, value string) { c.Props.SetText(name, value) }

// wallValue formats a wall time as an iCalendar local DATE-TIME.
func wallValue(w when.Wall) string {
	y, mo, d := w.Date()
	h, mi, s := w.Clock()
	return fmt.Sprintf("%04d%02d%02dT%02d%02d%02d", y, int(mo), d, h, mi, s)
}

// standardRule writes r as an RFC 5545 RRULE value, with its EXDATEs apart. A floating UNTIL
// becomes UTC through loc, because RFC 5545 §3.3.10 wants UNTIL in UTC when DTSTART has a
// TZID; X-ALARMD-REPEAT keeps the exact rule for alarmd.
func standardRule(r when.Rule, loc *time.Location) (rule string, exdates []string) {
	text := r.String()
	switch text {
	case "daily":
		return "FREQ=DAILY", nil
	case "weekdays":
		return "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", nil
	case "weekends":
		return "FREQ=WEEKLY;BYDAY=SA,SU", nil
	}
	body, isRRule := strings.CutPrefix(text, "rrule:")
	if !isRRule {
		days := strings.Split(text, ",")
		for i, d := range days {
			days[i] = strings.ToUpper(d[:2])
		}
		return "FREQ=WEEKLY;BYDAY=" + strings.Join(days, ","), nil
	}
	var parts []string
	for _, p := range strings.Split(body, ";") {
		switch {
		case strings.HasPrefix(p, "EXDATE="):
			exdates = strings.Split(strings.TrimPrefix(p, "EXDATE="), ",")
			continue
		case strings.HasPrefix(p, "UNTIL=") && !strings.HasSuffix(p, "Z") && loc != nil:
			if t, err := time.Parse("20060102T150405", strings.TrimPrefix(p, "UNTIL=")); err == nil {
				w := when.NewWall(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second())
				p = "UNTIL=" + w.In(loc).UTC().Format("20060102T150405Z")
			}
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ";"), exdates
}
