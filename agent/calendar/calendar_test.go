package calendar

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"alarmd/agent/alarm"
	"alarmd/agent/when"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

var testDefaults = alarm.Defaults{Snooze: 10 * time.Minute, Ring: 5 * time.Minute, Late: 10 * time.Minute, Fade: 10 * time.Second, Volume: 100}

func options(t testing.TB, zoneName, now string) Options {
	loc := zone(t, zoneName)
	var w when.Wall
	if err := w.UnmarshalText([]byte(now)); err != nil {
		t.Fatal(err)
	}
	return Options{Now: w.In(loc), Loc: loc, Defaults: testDefaults, MaxNew: 10000}
}

func readFile(t testing.TB, name string, o Options) Plan {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := Read(data, o)
	if err != nil {
		t.Fatalf("Read %s: %v", name, err)
	}
	return plan
}

func nextRing(a *alarm.Alarm, loc *time.Location) time.Time {
	at, _, _ := a.NextRing(loc)
	return at
}

// TestImportForeignEvent: a VEVENT written by another program, DTSTART;TZID=Europe/Berlin and
// TRIGGER:-PT15M, rings 15 minutes before its start, in Berlin and seen from New York.
func TestImportForeignEvent(t *testing.T) {
	for _, tt := range []struct {
		zone string
		kind when.Kind
	}{{"Europe/Berlin", when.Local}, {"America/New_York", when.Instant}} {
		o := options(t, tt.zone, "2026-11-24T10:00:00")
		plan := readFile(t, "foreign.ics", o)
		if len(plan.Problems) != 0 || len(plan.Alarms) != 2 || plan.Ignored != 1 {
			t.Fatalf("%s: plan = %+v", tt.zone, plan)
		}
		a := plan.Alarms[0]
		want := time.Date(2026, 12, 3, 9, 45, 0, 0, zone(t, "Europe/Berlin"))
		if a.Kind != tt.kind || !nextRing(&a, o.Loc).Equal(want) || a.Label != "Dentist" || a.UID != "dentist-20261203@example.com" {
			t.Errorf("%s: dentist = %+v, rings %v; want %s at %v", tt.zone, a, nextRing(&a, o.Loc), tt.kind, want)
		}
		// The to-do: an AUDIO alarm an hour before its (date-only) DUE, related to the end.
		todo := plan.Alarms[1]
		if todo.Label != "File taxes" || todo.First.String() != "2026-12-14T23:00:00" {
			t.Errorf("%s: to-do = %+v", tt.zone, todo)
		}
	}
}

// TestImportKAlarm reads a calendar in KAlarm's format (written for this test from KAlarm's
// calendar code): enabled, sound and volume, recurrence with EXDATE, reminder, late cancel.
func TestImportKAlarm(t *testing.T) {
	o := options(t, "Europe/Berlin", "2026-11-24T10:00:00")
	plan := readFile(t, "kalarm.ics", o)
	if len(plan.Problems) != 0 || len(plan.Alarms) != 2 || plan.Ignored != 1 {
		t.Fatalf("plan = %+v", plan)
	}
	getUp := plan.Alarms[0]
	wantRule, _ := when.ParseRepeat("rrule:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;EXDATE=20261224T073000")
	switch {
	case getUp.Label != "Get up", getUp.UID != "KAlarm-1698140000.1021":
		t.Errorf("label/uid: %+v", getUp)
	case getUp.Repeat != wantRule || getUp.First.String() != "2026-11-02T07:30:00":
		t.Errorf("rule %v from %v, want %v", getUp.Repeat, getUp.First, wantRule)
	case time.Duration(getUp.Late) != 5*time.Minute:
		t.Errorf("late = %v, want 5m (LATECANCEL;5)", time.Duration(getUp.Late))
	case !slices.Equal(getUp.Remind, []alarm.Duration{alarm.Duration(10 * time.Minute)}):
		t.Errorf("remind = %v, want [10m]", getUp.Remind)
	case getUp.Sound != "/usr/share/sounds/alarmd-test/bell.oga" || getUp.Volume != 80 || time.Duration(getUp.Fade) != 15*time.Second:
		t.Errorf("sound %q volume %d fade %v", getUp.Sound, getUp.Volume, time.Duration(getUp.Fade))
	case !getUp.Enabled:
		t.Error("enabled alarm imported disabled")
	}
	if got, want := nextRing(&getUp, o.Loc), time.Date(2026, 11, 25, 7, 30, 0, 0, o.Loc); !got.Equal(want) {
		t.Errorf("next ring %v, want %v (past occurrences count as handled)", got, want)
	}
	// Christmas Eve is excluded.
	w, _ := getUp.Repeat.NextIn(getUp.First, when.NewWall(2026, 12, 23, 7, 30, 0), o.Loc)
	if w.String() != "2026-12-25T07:30:00" {
		t.Errorf("after Dec 23: %v, want Dec 25 (EXDATE Dec 24)", w)
	}
	mum := plan.Alarms[1]
	if mum.Enabled || mum.Label != "Call mum" || time.Duration(mum.Late) != 30*time.Minute || mum.First.String() != "2026-12-05T09:00:00" {
		t.Errorf("disabled alarm = %+v", mum)
	}
}

// TestRoundTrip: export then import gives the same alarms (label, rule, next ring, options).
func TestRoundTrip(t *testing.T) {
	o := options(t, "Europe/Berlin", "2026-11-24T10:00:00")
	noWake := false
	rule := func(s string) when.Rule {
		r, err := when.ParseRepeat(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	alarms := []alarm.Alarm{
		{ID: 1, Label: "Wake up", Kind: when.Local, First: when.NewWall(2026, 11, 25, 7, 0, 0), Repeat: rule("weekdays"),
			Enabled: true, Snooze: alarm.Duration(9 * time.Minute), Ring: alarm.Duration(3 * time.Minute), Late: alarm.Duration(time.Hour),
			Fade: alarm.Duration(30 * time.Second), Volume: 70, Sound: "/usr/share/sounds/bell.oga",
			Remind: []alarm.Duration{alarm.Duration(time.Hour), alarm.Duration(10 * time.Minute)}, Created: o.Now.Add(-time.Hour)},
		{ID: 2, Kind: when.Local, First: when.NewWall(2026, 12, 24, 18, 0, 0), Enabled: false, Created: o.Now, Wake: &noWake},
		{ID: 3, Label: "Tea", Kind: when.Relative, At: o.Now.Add(25 * time.Minute), Enabled: true, Created: o.Now},
		{ID: 4, Label: "Call", Kind: when.Instant, At: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), Enabled: true, Created: o.Now},
		{ID: 5, Label: "Bins; out, now", Kind: when.Local, First: when.NewWall(2026, 1, 5, 19, 0, 0), Done: when.NewWall(2026, 11, 23, 19, 0, 0),
			Repeat: rule("rrule:FREQ=WEEKLY;BYDAY=MO;UNTIL=20271231T230000Z;EXDATE=20261228T190000"), Enabled: true, Created: o.Now},
	}
	data, err := Export(alarms, o.Loc, o.Now)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := Read(data, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Problems) != 0 || len(plan.Alarms) != len(alarms) {
		t.Fatalf("plan = %+v\n%s", plan, data)
	}
	for i, want := range alarms {
		got := plan.Alarms[i]
		if got.Label != want.Label || got.Repeat != want.Repeat || got.Kind != want.Kind || !nextRing(&got, o.Loc).Equal(nextRing(&want, o.Loc)) ||
			got.Snooze != want.Snooze && want.Snooze != 0 || got.Ring != want.Ring && want.Ring != 0 || got.Late != want.Late && want.Late != 0 ||
			got.Fade != want.Fade && want.Fade != 0 || got.Volume != want.Volume && want.Volume != 0 || got.Sound != want.Sound ||
			got.Enabled != want.Enabled || !slices.Equal(got.Remind, want.Remind) || got.UID != ExportUID(&want) ||
			(got.Wake == nil) != (want.Wake == nil) || got.Wake != nil && *got.Wake != *want.Wake {
			t.Errorf("alarm %d came back as\n  %+v\nwant\n  %+v", want.ID, got, want)
		}
	}
	// Importing the same file into the same alarms adds nothing.
	o.Existing = map[string]bool{}
	for i := range alarms {
		o.Existing[ExportUID(&alarms[i])] = true
	}
	again, err := Read(data, o)
	if err != nil || len(again.Alarms) != 0 || again.Existing != len(alarms) {
		t.Errorf("second import: %+v, %v", again, err)
	}
}

// TestImportRefusals: one clear line for each bad input, naming the component and why.
func TestImportRefusals(t *testing.T) {
	o := options(t, "Europe/Berlin", "2026-11-24T10:00:00")
	event := func(body string) string {
		return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:x@test\r\nSUMMARY:Bad\r\n" + body +
			"BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	}
	many := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" +
		strings.Repeat("BEGIN:VEVENT\r\nDTSTART:20271201T090000\r\nBEGIN:VALARM\r\nACTION:AUDIO\r\nTRIGGER:PT0S\r\nEND:VALARM\r\nEND:VEVENT\r\n", 10001) +
		"END:VCALENDAR\r\n"
	for _, tt := range []struct {
		name, data, want string
		file             bool // the whole file is refused
	}{
		{"not iCalendar", "hello, world\n", "not iCalendar", true},
		{"truncated", event("DTSTART:20271201T090000\r\n")[:120], "truncated", true},
		{"50 MB", "BEGIN:VCALENDAR\r\n" + strings.Repeat("X", 50<<20), "at most 16 MB", true},
		{"more events than alarms kept", many, "the file has 10001 alarms; alarmd keeps at most 10000", true},
		{"nested", "BEGIN:VCALENDAR\r\n" + strings.Repeat("BEGIN:X\r\n", 20), "nested", true},
		{"unknown TZID", event("DTSTART;TZID=Mars/Olympus_Mons:20271201T090000\r\n"), `unknown TZID "Mars/Olympus_Mons"`, false},
		{"sub-minutely RRULE", event("DTSTART:20271201T090000\r\nRRULE:FREQ=MINUTELY;INTERVAL=5\r\n"), "more often than hourly", false},
		{"secondly RRULE", event("DTSTART:20271201T090000\r\nRRULE:FREQ=SECONDLY\r\n"), "more often than hourly", false},
		{"in the past", event("DTSTART:20200101T090000\r\n"), "in the past, and does not repeat", false},
		{"ended series", event("DTSTART:20200101T090000\r\nRRULE:FREQ=DAILY;COUNT=3\r\n"), "series has ended", false},
		{"repeat 1000000", strings.Replace(event("DTSTART:20271201T090000\r\n"), "TRIGGER:-PT5M", "TRIGGER:-PT5M\r\nREPEAT:1000000\r\nDURATION:PT1M", 1), "REPEAT \"1000000\"; at most 1000", false},
		{"bad trigger", strings.Replace(event("DTSTART:20271201T090000\r\n"), "TRIGGER:-PT5M", "TRIGGER:soon", 1), "TRIGGER \"soon\" is not a duration", false},
		{"no start", event(""), "no DTSTART", false},
		{"bad rule", event("DTSTART:20271201T090000\r\nRRULE:FREQ=FORTNIGHTLY\r\n"), "RRULE", false},
	} {
		plan, err := Read([]byte(tt.data), o)
		if tt.file {
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s: error %v, want one line with %q", tt.name, err, tt.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if len(plan.Problems) != 1 || !strings.Contains(plan.Problems[0].String(), tt.want) ||
			!strings.HasPrefix(plan.Problems[0].String(), `VEVENT 1 "Bad" (UID x@test): `) || len(plan.Alarms) != 0 {
			t.Errorf("%s: plan %+v, want one problem with %q", tt.name, plan, tt.want)
		}
	}
}

// TestExportVTimezone: the calendar's VTIMEZONE describes the zone with yearly rules.
func TestExportVTimezone(t *testing.T) {
	o := options(t, "Europe/Berlin", "2026-11-24T10:00:00")
	data, err := Export([]alarm.Alarm{{ID: 1, Kind: when.Local, First: when.NewWall(2026, 11, 25, 7, 0, 0), Enabled: true}}, o.Loc, o.Now)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"BEGIN:VTIMEZONE", "TZID:Europe/Berlin", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
		"TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "DTSTART;TZID=Europe/Berlin:20261125T070000", "ACTION:AUDIO"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("export lacks %q:\n%s", want, data)
		}
	}
}

// TestImportLeftOutAndLabels: a component that only mails is left out with a note; labels are
// one valid line of at most alarm.MaxLabel characters.
func TestImportLeftOutAndLabels(t *testing.T) {
	o := options(t, "Europe/Berlin", "2026-11-24T10:00:00")
	long := strings.Repeat("é", 300)
	data := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" +
		"BEGIN:VEVENT\r\nUID:mail@test\r\nDTSTART:20271201T090000\r\nBEGIN:VALARM\r\nACTION:EMAIL\r\nTRIGGER:PT0S\r\nEND:VALARM\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:long@test\r\nSUMMARY:" + long + "\r\nDTSTART:20271201T090000\r\nBEGIN:VALARM\r\nACTION:AUDIO\r\nTRIGGER:PT0S\r\nEND:VALARM\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:bytes@test\r\nDTSTART:20271201T090000\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:two\\nlines \xff\r\nTRIGGER:PT0S\r\nEND:VALARM\r\nEND:VEVENT\r\n" +
		"END:VCALENDAR\r\n"
	plan, err := Read([]byte(data), o)
	if err != nil || len(plan.Problems) != 0 || len(plan.Alarms) != 2 || plan.Ignored != 1 {
		t.Fatalf("plan %+v, %v", plan, err)
	}
	for _, a := range plan.Alarms {
		if err := alarm.ValidateLabel(a.Label); err != nil {
			t.Errorf("label %q: %v", a.Label, err)
		}
	}
	if got := plan.Alarms[1].Label; got != "two lines \uFFFD" {
		t.Errorf("label from a DISPLAY description = %q", got)
	}
}
