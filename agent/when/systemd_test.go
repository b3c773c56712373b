package when

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestAgreesWithSystemdCalendar checks daily, weekday and day-list rules
// against `systemd-analyze calendar` around DST transitions (DESIGN §4): the
// rings must be the same instants, except that systemd skips a time that
// falls in a spring-forward gap where we ring it shifted.
func TestAgreesWithSystemdCalendar(t *testing.T) {
	tool, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed; the comparison needs it")
	}
	const iterations = 6
	rules := []struct{ repeat, calendarDays string }{
		{"daily", "*-*-*"},
		{"weekdays", "Mon..Fri *-*-*"},
		{"sun,wed", "Sun,Wed *-*-*"},
	}
	cases := []struct{ zone, clock, base string }{
		{"Europe/Berlin", "02:30:00", "2026-03-26T12:00:00"},
		{"Europe/Berlin", "02:30:00", "2026-10-22T12:00:00"},
		{"Europe/Berlin", "07:30:00", "2026-03-26T12:00:00"},
		{"America/New_York", "02:30:00", "2026-03-05T12:00:00"},
		{"America/New_York", "01:30:00", "2026-10-29T12:00:00"},
		{"Australia/Lord_Howe", "02:15:00", "2026-10-01T12:00:00"},
		{"Australia/Lord_Howe", "01:45:00", "2026-04-02T12:00:00"},
		{"Asia/Kolkata", "02:30:00", "2026-03-26T12:00:00"},
	}
	for _, rc := range rules {
		r, err := ParseRepeat(rc.repeat)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			loc := zone(t, c.zone)
			base := wall(t, c.base).In(loc)
			theirs, err := systemdCalendar(tool, c.zone, rc.calendarDays+" "+c.clock, base, iterations)
			if err != nil {
				t.Fatalf("systemd-analyze: %v", err)
			}
			first := wall(t, c.base[:10]+"T"+c.clock).AddDays(-3)
			var ours []time.Time
			for after := (Wall{}); len(ours) < iterations; {
				w, ok := r.Next(first, after)
				if !ok {
					t.Fatal("series ended")
				}
				after = w
				ring := w.In(loc)
				if !ring.After(base) || WallOf(ring) != w { // past, or shifted out of a gap
					continue
				}
				ours = append(ours, ring.UTC())
			}
			if fmt.Sprint(ours) != fmt.Sprint(theirs) {
				t.Errorf("%s %s in %s from %s:\n ours    %v\n systemd %v", rc.repeat, c.clock, c.zone, c.base, ours, theirs)
			}
		}
	}
}

// systemdCalendar returns the next n elapse instants (UTC) of a calendar
// expression evaluated in zone after base.
func systemdCalendar(tool, zone, expr string, base time.Time, n int) ([]time.Time, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool, "calendar", fmt.Sprintf("--iterations=%d", n),
		fmt.Sprintf("--base-time=@%d", base.Unix()), expr)
	cmd.Env = append(os.Environ(), "TZ="+zone, "LC_ALL=C")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", expr, err)
	}
	var times []time.Time
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		_, text, ok := strings.Cut(sc.Text(), "(in UTC): ")
		if !ok {
			continue
		}
		tm, err := time.Parse("Mon 2006-01-02 15:04:05 MST", strings.TrimSpace(text))
		if err != nil {
			return nil, fmt.Errorf("read %q: %w", text, err)
		}
		times = append(times, tm.UTC())
	}
	if len(times) != n {
		return nil, fmt.Errorf("%s: got %d times from:\n%s", expr, len(times), out)
	}
	return times, nil
}
