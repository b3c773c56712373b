package calendar

import (
	"os"
	"strings"
	"testing"
	"time"

	"alarmd/agent/when"
)

// FuzzRead: no input crashes the reader, every refusal is one line, and every alarm it
// returns rings in the future.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"foreign.ics", "kalarm.ics"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"", "hello", "BEGIN:VCALENDAR\r\n", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
		"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;TZID=Nowhere:20271201T090000\r\nBEGIN:VALARM\r\nACTION:AUDIO\r\nTRIGGER:PT0S\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20271201T090000Z\r\nRRULE:FREQ=DAILY;EXDATE=x\r\nEXDATE:20271202\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER;RELATED=END:-P1DT2H\r\nREPEAT:3\r\nDURATION:PT5M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		"BEGIN:VCALENDAR\r\nX-KDE-KALARM-VERSION:2.7.0\r\nBEGIN:VEVENT\r\nDTSTART:20271201T090000\r\nX-KDE-KALARM-FLAGS:REMINDER;ONCE;5H;LATECANCEL;99999\r\nBEGIN:VALARM\r\nACTION:AUDIO\r\nTRIGGER;VALUE=DATE-TIME:20271201T080000Z\r\nX-KDE-KALARM-VOLUME:2;x\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		"BEGIN:VCALENDAR\r\n" + strings.Repeat("BEGIN:VEVENT\r\n", 9),
	} {
		f.Add([]byte(s))
	}
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, loc)
	f.Fuzz(func(t *testing.T, data []byte) {
		plan, err := Read(data, Options{Now: now, Loc: loc, Defaults: testDefaults, MaxNew: 10000})
		if err != nil {
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		for _, p := range append(plan.Problems, plan.Notes...) {
			if strings.ContainsAny(p.String(), "\r\n") {
				t.Fatalf("problem is not one line: %q", p)
			}
		}
		for i := range plan.Alarms {
			a := &plan.Alarms[i]
			at, _, ok := a.NextRing(loc)
			if a.Enabled && (!ok || !at.After(now)) {
				t.Fatalf("alarm %+v does not ring in the future (%v, %v)", a, at, ok)
			}
			if a.Kind == when.Local && a.First.IsZero() {
				t.Fatalf("local alarm without a time: %+v", a)
			}
		}
	})
}
