package calendar

import (
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"alarmd/agent/alarm"
)

// KAlarm's calendar files (~/.local/share/kalarm/*.ics) are iCalendar with KAlarm's settings
// in X-KDE-KALARM-* properties (DESIGN §13), as KAlarm's own calendar code writes them:
//
//   - the calendar has X-KDE-KALARM-VERSION; each event X-KDE-KALARM-TYPE ACTIVE, ARCHIVED or
//     TEMPLATE (only active alarms are imported);
//   - the event's X-KDE-KALARM-FLAGS is a ";"-separated list: LATECANCEL;<minutes> cancels an
//     alarm that is that late, REMINDER;[ONCE;]<n>M|H|D a reminder that long before, DATE a
//     date-only alarm, LOCAL the system zone, and others alarmd has no use for;
//   - STATUS:DISABLED is a disabled alarm;
//   - the main VALARM has no X-KDE-KALARM-TYPE; the reminder's type is REMINDER; an AUDIO
//     VALARM with ATTACH is the sound, its X-KDE-KALARM-VOLUME "<volume>;<fade volume>;<fade
//     seconds>" with volumes 0-1 (or -1 for unset);
//   - a recurrence is an RRULE (with EXDATEs); a sub-repetition is REPEAT and DURATION on the
//     main VALARM, or X-KDE-KALARM-REPEAT "<n>M:<count>" once the main alarm has expired.

// kalarmFlags reads X-KDE-KALARM-FLAGS.
func (r *reader) kalarmFlags(c *ical.Component, a *alarm.Alarm, e *entry) {
	p := c.Props.Get("X-KDE-KALARM-FLAGS")
	if p == nil {
		return
	}
	flags := strings.Split(strings.ReplaceAll(p.Value, `\;`, ";"), ";")
	for i := 0; i < len(flags); i++ {
		switch flags[i] {
		case "LATECANCEL", "LATECLOSE":
			if i+1 < len(flags) {
				if n, err := strconv.Atoi(flags[i+1]); err == nil {
					i++
					late := time.Duration(n) * time.Minute
					if late == 0 {
						late = time.Minute // KAlarm reads 0 as 1 minute
					}
					if late > alarm.LateLimit.Max {
						e.note("late cancel %s is more than alarmd keeps (%s)", late, alarm.LateLimit.Range())
						late = alarm.LateLimit.Max
					}
					a.Late = alarm.Duration(late)
				}
			}
		case "REMINDER":
			if i+1 < len(flags) && flags[i+1] == "ONCE" {
				e.note("a reminder for the first occurrence only is kept for every occurrence")
				i++
			}
			if i+1 < len(flags) {
				if d, ok := kalarmLead(flags[i+1]); ok {
					i++
					if d > 0 && alarm.RemindLimit.Contains(d) && !hasReminder(a, d) {
						a.Remind = append(a.Remind, alarm.Duration(d))
						sortReminders(a)
					}
				}
			}
		case "WORKTIME", "EXHOLIDAYS":
			e.note("KAlarm's %s restriction is not kept", strings.ToLower(flags[i]))
		}
	}
	if p := c.Props.Get("X-KDE-KALARM-REPEAT"); p != nil {
		e.note("KAlarm's sub-repetition %q is not kept: snooze instead", p.Value)
	}
}

// kalarmLead reads a reminder lead time: 10M, 2H, 1D.
func kalarmLead(s string) (time.Duration, bool) {
	if len(s) < 2 {
		return 0, false
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil {
		return 0, false
	}
	unit := map[byte]time.Duration{'M': time.Minute, 'H': time.Hour, 'D': 24 * time.Hour}[s[len(s)-1]]
	if unit == 0 {
		return 0, false
	}
	return time.Duration(n) * unit, true
}

func hasReminder(a *alarm.Alarm, d time.Duration) bool {
	for _, r := range a.Remind {
		if time.Duration(r) == d {
			return true
		}
	}
	return false
}

// kalarmVolume reads X-KDE-KALARM-VOLUME "0.80;-1.00;0" (volume, fade volume, fade seconds).
func (r *reader) kalarmVolume(v string, a *alarm.Alarm, e *entry) {
	f := strings.Split(strings.ReplaceAll(v, `\;`, ";"), ";")
	if vol, err := strconv.ParseFloat(f[0], 64); err == nil && vol > 0 && vol <= 1 {
		a.Volume = max(1, int(vol*100+0.5))
	}
	if len(f) >= 3 {
		if secs, err := strconv.Atoi(f[2]); err == nil && secs > 0 {
			fade := time.Duration(secs) * time.Second
			if fade > alarm.FadeLimit.Max {
				fade = alarm.FadeLimit.Max
				e.note("fade of %ds is longer than alarmd's %s", secs, alarm.FadeLimit.Max)
			}
			a.Fade = alarm.Duration(fade)
		}
	}
}
