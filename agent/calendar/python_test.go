package calendar

import (
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"alarmd/agent/alarm"
	"alarmd/agent/when"
)

// readByPython is an independent reader of the export: Debian's python3-icalendar (installed
// by scripts/deps.sh test). It prints, per VEVENT, its RRULE, DTSTART and VALARMs as JSON.
const readByPython = `
import json, sys
from icalendar import Calendar
cal = Calendar.from_ical(sys.stdin.buffer.read())
out = {"tzids": [str(tz.get("TZID")) for tz in cal.walk("VTIMEZONE")], "events": []}
for ev in cal.walk("VEVENT"):
    rule = ev.get("RRULE")
    start = ev.decoded("DTSTART")
    alarms = []
    for al in ev.walk("VALARM"):
        alarms.append({"action": str(al.get("ACTION")), "trigger": al.decoded("TRIGGER").total_seconds()})
    out["events"].append({
        "uid": str(ev.get("UID")), "summary": str(ev.get("SUMMARY")),
        "rrule": rule.to_ical().decode() if rule is not None else "",
        "start": start.isoformat(), "tzid": str(ev["DTSTART"].params.get("TZID", "")),
        "alarms": alarms, "kind": str(ev.get("X-ALARMD-KIND")),
    })
json.dump(out, sys.stdout)
`

// pythonWithICalendar finds a Python that has the icalendar module: Debian's first, since the
// package installs there.
func pythonWithICalendar(t *testing.T) string {
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(p)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import icalendar").Run() == nil {
			return path
		}
	}
	t.Skip("python3-icalendar is not installed (scripts/deps.sh test installs it); the export is checked with it")
	return ""
}

// TestExportReadByPythonICalendar: an export read back by python3-icalendar has one VEVENT
// per alarm with its RRULE (as python prints it: BYDAY=+1FR for 1FR), DTSTART in the right
// zone and the VALARMs (ring and reminders).
func TestExportReadByPythonICalendar(t *testing.T) {
	python := pythonWithICalendar(t)
	o := options(t, "Europe/Berlin", "2026-11-24T10:00:00")
	weekdays, _ := when.ParseRepeat("weekdays")
	monthly, _ := when.ParseRepeat("rrule:FREQ=MONTHLY;BYDAY=1FR;UNTIL=20271231T230000Z")
	alarms := []alarm.Alarm{
		{ID: 1, Label: "Wake up", Kind: when.Local, First: when.NewWall(2026, 11, 25, 7, 0, 0), Repeat: weekdays, Enabled: true,
			Remind: []alarm.Duration{alarm.Duration(time.Hour), alarm.Duration(10 * time.Minute)}, Created: o.Now},
		{ID: 2, Label: "Team lunch", Kind: when.Local, First: when.NewWall(2026, 12, 4, 12, 0, 0), Repeat: monthly, Enabled: true, Created: o.Now},
		{ID: 3, Label: "Tea", Kind: when.Relative, At: o.Now.Add(25 * time.Minute), Enabled: true, Created: o.Now},
	}
	data, err := Export(alarms, o.Loc, o.Now)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, "-c", readByPython)
	cmd.Stdin = strings.NewReader(string(data))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3-icalendar could not read the export: %v\n%s", err, data)
	}
	var got struct {
		TZIDs  []string `json:"tzids"`
		Events []struct {
			UID, Summary, RRule, Start, TZID, Kind string
			Alarms                                 []struct {
				Action  string
				Trigger float64
			}
		}
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(got.Events) != len(alarms) || !slices.Equal(got.TZIDs, []string{"Europe/Berlin"}) {
		t.Fatalf("python read %d VEVENTs and zones %v, want %d and [Europe/Berlin]:\n%s", len(got.Events), got.TZIDs, len(alarms), out)
	}
	want := []struct {
		rrule, start, tzid string
		triggers           []float64 // seconds: the ring, then the reminders
	}{
		{"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "2026-11-25T07:00:00+01:00", "Europe/Berlin", []float64{0, -3600, -600}},
		{"FREQ=MONTHLY;UNTIL=20271231T230000Z;BYDAY=+1FR", "2026-12-04T12:00:00+01:00", "Europe/Berlin", []float64{0}},
		{"", o.Now.Add(25 * time.Minute).UTC().Format("2006-01-02T15:04:05+00:00"), "", []float64{0}},
	}
	for i, ev := range got.Events {
		w := want[i]
		var triggers []float64
		for j, a := range ev.Alarms {
			triggers = append(triggers, a.Trigger)
			wantAction := "DISPLAY"
			if j == 0 {
				wantAction = "AUDIO"
			}
			if a.Action != wantAction {
				t.Errorf("event %d VALARM %d: ACTION %s, want %s", i+1, j+1, a.Action, wantAction)
			}
		}
		if ev.RRule != w.rrule || ev.Start != w.start || ev.TZID != w.tzid || !slices.Equal(triggers, w.triggers) ||
			ev.Summary != alarms[i].Label || ev.UID != ExportUID(&alarms[i]) || ev.Kind != string(alarms[i].Kind) {
			t.Errorf("event %d as python reads it: %+v\nwant %+v", i+1, ev, w)
		}
	}
}
