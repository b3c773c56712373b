//go:build e2e

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"alarmd/agent/api"
)

// DESIGN §13: calendars in and out, through the real agent and command line.

// runStdin is run with standard input.
func (a *agentEnv) runStdin(stdin []byte, args ...string) result {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = a.env
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String(), took: time.Since(start)}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		a.t.Fatalf("alarmd %v: %v", args, err)
	}
	return r
}

// inZone makes the agent and command line of a run in zone.
func (a *agentEnv) inZone(zone string) *agentEnv {
	a.env = append(a.env, "TZ="+zone)
	return a
}

// comparable is what a round trip keeps of an alarm.
func comparable(l []api.Alarm) []string {
	var out []string
	for _, x := range l {
		out = append(out, fmt.Sprintf("%q %s next=%s snooze=%v ring=%v late=%v fade=%v vol=%d sound=%q remind=%v enabled=%v",
			x.Label, x.Repeat, x.Next.UTC().Format(time.RFC3339), x.Snooze, x.Ring, x.Late, x.Fade, x.Volume, x.Sound, x.Remind, x.Enabled))
	}
	slices.Sort(out)
	return out
}

// TestCalendarRoundTrip: alarms exported by one agent and imported into another are the same
// alarms; a dry run adds nothing; importing again adds nothing; `export | import -` too.
func TestCalendarRoundTrip(t *testing.T) {
	a := newAgentEnv(t).inZone("Europe/Berlin")
	a.start()
	a.must("add", "7:30", "Wake up", "--repeat", "weekdays", "--remind", "10m", "--snooze", "9m", "--volume", "70")
	a.must("add", "dec", "25", "9:00", "Presents", "--late", "1h")
	a.must("add", "in", "2", "hours", "Tea")
	a.must("add", "next", "monday", "9am", "Standup", "--repeat", "rrule:FREQ=WEEKLY;BYDAY=MO;UNTIL=20281231T080000Z")
	a.must("add", "tomorrow", "at", "6pm", "--repeat", "rrule:FREQ=MONTHLY;INTERVAL=2")
	a.must("disable", "2")
	before := a.list()
	file := filepath.Join(t.TempDir(), "alarms.ics")
	a.must("export", file)
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("export file: %v, %v (want mode 0600)", fi, err)
	}
	stdout := a.must("export")
	data, _ := os.ReadFile(file)
	if strings.Count(stdout, "BEGIN:VEVENT") != 5 || strings.Count(string(data), "BEGIN:VEVENT") != 5 {
		t.Fatalf("export has %d VEVENTs:\n%s", strings.Count(stdout, "BEGIN:VEVENT"), stdout)
	}
	// The same agent: everything is already there.
	if r := a.runStdin([]byte(stdout), "import", "-"); r.code != 0 || !strings.HasPrefix(r.stdout, "added 0 alarm(s), 5 already imported") {
		t.Errorf("export | import - into the same agent: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	a.must("stop")

	b := newAgentEnv(t).inZone("Europe/Berlin")
	b.start()
	defer b.run("stop")
	dry := b.must("import", file, "--dry-run")
	if !strings.HasPrefix(dry, "would add 5 alarm(s)") || len(b.list()) != 0 {
		t.Fatalf("dry run printed %q and left %d alarms", dry, len(b.list()))
	}
	out := b.must("import", file)
	if !strings.HasPrefix(out, "added 5 alarm(s)") {
		t.Errorf("import printed %q", out)
	}
	after := b.list()
	if got, want := comparable(after), comparable(before); !slices.Equal(got, want) {
		t.Errorf("round trip changed the alarms:\n got  %s\n want %s", strings.Join(got, "\n      "), strings.Join(want, "\n      "))
	}
	if again := b.must("import", file); !strings.HasPrefix(again, "added 0 alarm(s), 5 already imported") || len(b.list()) != 5 {
		t.Errorf("second import printed %q; %d alarms", again, len(b.list()))
	}
	// KAlarm's calendar: its notes say what was not kept (the sound file is not on this machine).
	k := b.must("import", "../../agent/calendar/testdata/kalarm.ics", "--dry-run")
	if !strings.HasPrefix(k, "would add 2 alarm(s), 1 without an alarm left out") || !strings.Contains(k, "Get up") || !strings.Contains(k, "sound not kept") {
		t.Errorf("KAlarm dry run printed:\n%s", k)
	}
}

// TestImportedEventRings: a VEVENT written by another program, DTSTART;TZID=Europe/Berlin and
// TRIGGER:-PT15M, rings 15 minutes before its start.
func TestImportedEventRings(t *testing.T) {
	a := newAgentEnv(t).inZone("Europe/Berlin")
	watch := watchNotify(t)
	a.start()
	defer a.run("stop")
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(15*time.Minute + 3*time.Second).Truncate(time.Second).In(berlin)
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other Program//EN\r\nBEGIN:VEVENT\r\nUID:meeting-e2e@other.example\r\n" +
		"DTSTAMP:20261120T120000Z\r\nDTSTART;TZID=Europe/Berlin:" + start.Format("20060102T150405") + "\r\nDURATION:PT30M\r\n" +
		"SUMMARY:Meeting from another program\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n" +
		"END:VEVENT\r\nEND:VCALENDAR\r\n"
	if r := a.runStdin([]byte(ics), "import", "-"); r.code != 0 {
		t.Fatalf("import: exit %d %s%s", r.code, r.stdout, r.stderr)
	}
	l := a.list()
	want := start.Add(-15 * time.Minute)
	if len(l) != 1 || !l[0].Next.Equal(want) {
		t.Fatalf("list: %+v; want the ring at %v", l, want)
	}
	call, ok := watch.waitFor("Meeting from another program", 8*time.Second)
	if !ok {
		t.Fatalf("the imported alarm did not ring; log:\n%s", a.log())
	}
	if d := call.at.Sub(want); d < 0 || d > 2*time.Second {
		t.Errorf("rang %v after start − 15 min", d)
	}
	a.must("dismiss")
}

// TestImportRefusals: one clear line for each bad calendar, exit 2, nothing added.
func TestImportRefusals(t *testing.T) {
	a := newAgentEnv(t).inZone("Europe/Berlin")
	a.start()
	defer a.run("stop")
	a.must("add", "7:30", "kept")
	event := func(body string) string {
		return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:good@test\r\nSUMMARY:Good\r\nDTSTART:20301201T090000\r\n" +
			"BEGIN:VALARM\r\nACTION:AUDIO\r\nTRIGGER:PT0S\r\nEND:VALARM\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:bad@test\r\nSUMMARY:Bad\r\n" + body +
			"BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	}
	var many strings.Builder
	many.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n")
	for i := 0; i < 10001; i++ {
		fmt.Fprintf(&many, "BEGIN:VEVENT\r\nUID:%d@test\r\nDTSTART:20301201T090000\r\nBEGIN:VALARM\r\nACTION:AUDIO\r\nTRIGGER:PT0S\r\nEND:VALARM\r\nEND:VEVENT\r\n", i)
	}
	many.WriteString("END:VCALENDAR\r\n")
	big := filepath.Join(t.TempDir(), "big.ics")
	if err := os.WriteFile(big, append([]byte("BEGIN:VCALENDAR\r\n"), bytes.Repeat([]byte("X"), 50<<20)...), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, data, file, want string }{
		{name: "not iCalendar", data: "hello\n", want: "not iCalendar"},
		{name: "truncated", data: event("DTSTART:20301201T090000\r\n")[:200], want: "truncated"},
		{name: "50 MB", file: big, want: "is 50 MB; at most 16 MB are imported"},
		{name: "more than alarmd keeps", data: many.String(), want: "the file has 10001 alarms; alarmd keeps at most 10000"},
		{name: "unknown TZID", data: event("DTSTART;TZID=Mars/Olympus_Mons:20301201T090000\r\n"), want: `VEVENT 2 "Bad" (UID bad@test): DTSTART: unknown TZID "Mars/Olympus_Mons"`},
		{name: "sub-minutely", data: event("DTSTART:20301201T090000\r\nRRULE:FREQ=SECONDLY\r\n"), want: "RRULE FREQ=SECONDLY repeats more often than hourly"},
		{name: "in the past", data: event("DTSTART:20200101T090000\r\n"), want: "in the past, and does not repeat"},
		{name: "repeat 1000000", data: strings.Replace(event("DTSTART:20301201T090000\r\n"), "TRIGGER:-PT5M", "TRIGGER:-PT5M\r\nREPEAT:1000000\r\nDURATION:PT1M", 1), want: `REPEAT "1000000"; at most 1000`},
	} {
		args := []string{"import", "-"}
		if tt.file != "" {
			args = []string{"import", tt.file}
		}
		r := a.runStdin([]byte(tt.data), args...)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code != 2 || len(lines) != 1 || !strings.Contains(lines[0], tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 and one line with %q", tt.name, r.code, r.stderr, tt.want)
		}
		if l := a.list(); len(l) != 1 {
			t.Errorf("%s: %d alarms after a refused import, want the 1 kept", tt.name, len(l))
		}
	}
}

// TestImport10000 imports 10 000 events through the command line and reports how long it
// took. Under ALARMD_BENCH=1 the agent is measured idle for 120 s before the import and 120 s
// after it (DESIGN §13: export and import add no idle work).
func TestImport10000(t *testing.T) {
	a := newAgentEnv(t).inZone("Europe/Berlin")
	pid := a.start()
	defer a.run("stop")
	bench := os.Getenv("ALARMD_BENCH") == "1"
	var before idleFigures
	if bench {
		time.Sleep(idleSettle)
		before = measureIdle(t, pid, 120*time.Second)
	}
	var ics strings.Builder
	ics.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n")
	base := time.Date(2030, 1, 1, 6, 0, 0, 0, time.UTC)
	for i := 0; i < 10000; i++ {
		rule := ""
		if i%2 == 0 {
			rule = "RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR\r\n"
		}
		fmt.Fprintf(&ics, "BEGIN:VEVENT\r\nUID:bulk-%d@test\r\nDTSTAMP:20261120T120000Z\r\nDTSTART;TZID=Europe/Berlin:%s\r\n%sSUMMARY:Bulk %d\r\n"+
			"BEGIN:VALARM\r\nACTION:AUDIO\r\nTRIGGER:PT0S\r\nEND:VALARM\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:soon\r\nTRIGGER:-PT10M\r\nEND:VALARM\r\nEND:VEVENT\r\n",
			i, base.Add(time.Duration(i)*time.Minute).Format("20060102T150405"), rule, i)
	}
	ics.WriteString("END:VCALENDAR\r\n")
	r := a.runStdin([]byte(ics.String()), "import", "-")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "added 10000 alarm(s)") {
		t.Fatalf("import: exit %d %.300s %s", r.code, r.stdout, r.stderr)
	}
	t.Logf("FIGURE import of 10 000 events (%d KB) through the CLI: %v", ics.Len()>>10, r.took.Round(time.Millisecond))
	if l := a.list(); len(l) != 10000 {
		t.Fatalf("%d alarms after the import", len(l))
	}
	start := time.Now()
	out := a.must("export")
	t.Logf("FIGURE export of 10 000 alarms: %v (%d KB)", time.Since(start).Round(time.Millisecond), len(out)>>10)
	if bench {
		time.Sleep(idleSettle)
		f := measureIdle(t, pid, 120*time.Second)
		t.Logf("FIGURE idle over %.0f s: no alarms %.3f wakeups/s (CPU %.2f ms/min, RSS %.1f MB); 10 000 imported alarms %.3f wakeups/s (CPU %.2f ms/min, RSS %.1f MB)",
			f.seconds, before.wakeupsPerS, before.cpuMSPerMin, before.rssMB, f.wakeupsPerS, f.cpuMSPerMin, f.rssMB)
	}
}
