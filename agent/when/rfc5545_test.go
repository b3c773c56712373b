package when

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// rfcCase is one example of RFC 5545 §3.8.5.3, written the way the RFC lists its instances:
// groups "1997 September 2-30;October 1-25" separated by " | ", every instance at DTSTART's
// clock time unless times are given (then each listed day has all of them).
type rfcCase struct {
	title     string   // the RFC's title of the example
	dtstart   string   // DTSTART;TZID=America/New_York value
	rules     []string // the RRULE and its "or" variants
	instances string
	times     []string // "09:00"...; nil: DTSTART's time
	complete  bool     // the RFC lists every instance (COUNT or UNTIL): nothing follows
}

// rfc5545Examples holds every example of RFC 5545 §3.8.5.3 whose frequency is hourly or
// slower, with the instances the RFC lists (DTSTART in America/New_York). The minutely examples
// are left out: alarmd refuses FREQ=MINUTELY.
var rfc5545Examples = []rfcCase{
	{title: "Daily for 10 occurrences", dtstart: "19970902T090000", rules: []string{"FREQ=DAILY;COUNT=10"},
		instances: "1997 September 2-11", complete: true},
	{title: "Daily until December 24, 1997", dtstart: "19970902T090000", rules: []string{"FREQ=DAILY;UNTIL=19971224T000000Z"},
		instances: "1997 September 2-30;October 1-25 | 1997 October 26-31;November 1-30;December 1-23", complete: true},
	{title: "Every other day - forever", dtstart: "19970902T090000", rules: []string{"FREQ=DAILY;INTERVAL=2"},
		instances: "1997 September 2,4,6,8,10,12,14,16,18,20,22,24,26,28,30;October 2,4,6,8,10,12,14,16,18,20,22,24 | 1997 October 26,28,30;November 1,3,5,7,9,11,13,15,17,19,21,23,25,27,29;December 1,3"},
	{title: "Every 10 days, 5 occurrences", dtstart: "19970902T090000", rules: []string{"FREQ=DAILY;INTERVAL=10;COUNT=5"},
		instances: "1997 September 2,12,22;October 2,12", complete: true},
	{title: "Every day in January, for 3 years", dtstart: "19980101T090000",
		rules:     []string{"FREQ=YEARLY;UNTIL=20000131T140000Z;BYMONTH=1;BYDAY=SU,MO,TU,WE,TH,FR,SA", "FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1"},
		instances: "1998 January 1-31 | 1999 January 1-31 | 2000 January 1-31", complete: true},
	{title: "Weekly for 10 occurrences", dtstart: "19970902T090000", rules: []string{"FREQ=WEEKLY;COUNT=10"},
		instances: "1997 September 2,9,16,23,30;October 7,14,21 | 1997 October 28;November 4", complete: true},
	{title: "Weekly until December 24, 1997", dtstart: "19970902T090000", rules: []string{"FREQ=WEEKLY;UNTIL=19971224T000000Z"},
		instances: "1997 September 2,9,16,23,30;October 7,14,21 | 1997 October 28;November 4,11,18,25;December 2,9,16,23", complete: true},
	{title: "Every other week - forever", dtstart: "19970902T090000", rules: []string{"FREQ=WEEKLY;INTERVAL=2;WKST=SU"},
		instances: "1997 September 2,16,30;October 14 | 1997 October 28;November 11,25;December 9,23 | 1998 January 6,20;February 3,17"},
	{title: "Weekly on Tuesday and Thursday for five weeks", dtstart: "19970902T090000",
		rules:     []string{"FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH", "FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH"},
		instances: "1997 September 2,4,9,11,16,18,23,25,30;October 2", complete: true},
	{title: "Every other week on Monday, Wednesday, and Friday until December 24, 1997, starting on Monday, September 1, 1997", dtstart: "19970901T090000",
		rules:     []string{"FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR"},
		instances: "1997 September 1,3,5,15,17,19,29;October 1,3,13,15,17 | 1997 October 27,29,31;November 10,12,14,24,26,28;December 8,10,12,22", complete: true},
	{title: "Every other week on Tuesday and Thursday, for 8 occurrences", dtstart: "19970902T090000",
		rules:     []string{"FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH"},
		instances: "1997 September 2,4,16,18,30;October 2,14,16", complete: true},
	{title: "Monthly on the first Friday for 10 occurrences", dtstart: "19970905T090000", rules: []string{"FREQ=MONTHLY;COUNT=10;BYDAY=1FR"},
		instances: "1997 September 5;October 3 | 1997 November 7;December 5 | 1998 January 2;February 6;March 6;April 3 | 1998 May 1;June 5", complete: true},
	{title: "Monthly on the first Friday until December 24, 1997", dtstart: "19970905T090000", rules: []string{"FREQ=MONTHLY;UNTIL=19971224T000000Z;BYDAY=1FR"},
		instances: "1997 September 5;October 3 | 1997 November 7;December 5", complete: true},
	{title: "Every other month on the first and last Sunday of the month for 10 occurrences", dtstart: "19970907T090000",
		rules:     []string{"FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU"},
		instances: "1997 September 7,28 | 1997 November 2,30 | 1998 January 4,25;March 1,29 | 1998 May 3,31", complete: true},
	{title: "Monthly on the second-to-last Monday of the month for 6 months", dtstart: "19970922T090000", rules: []string{"FREQ=MONTHLY;COUNT=6;BYDAY=-2MO"},
		instances: "1997 September 22;October 20 | 1997 November 17;December 22 | 1998 January 19;February 16", complete: true},
	{title: "Monthly on the third-to-the-last day of the month, forever", dtstart: "19970928T090000", rules: []string{"FREQ=MONTHLY;BYMONTHDAY=-3"},
		instances: "1997 September 28 | 1997 October 29;November 28;December 29 | 1998 January 29;February 26"},
	{title: "Monthly on the 2nd and 15th of the month for 10 occurrences", dtstart: "19970902T090000", rules: []string{"FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15"},
		instances: "1997 September 2,15;October 2,15 | 1997 November 2,15;December 2,15 | 1998 January 2,15", complete: true},
	{title: "Monthly on the first and last day of the month for 10 occurrences", dtstart: "19970930T090000", rules: []string{"FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1"},
		instances: "1997 September 30;October 1 | 1997 October 31;November 1,30;December 1,31 | 1998 January 1,31;February 1", complete: true},
	{title: "Every 18 months on the 10th thru 15th of the month for 10 occurrences", dtstart: "19970910T090000",
		rules:     []string{"FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15"},
		instances: "1997 September 10,11,12,13,14,15 | 1999 March 10,11,12,13", complete: true},
	{title: "Every Tuesday, every other month", dtstart: "19970902T090000", rules: []string{"FREQ=MONTHLY;INTERVAL=2;BYDAY=TU"},
		instances: "1997 September 2,9,16,23,30 | 1997 November 4,11,18,25 | 1998 January 6,13,20,27;March 3,10,17,24,31"},
	{title: "Yearly in June and July for 10 occurrences", dtstart: "19970610T090000", rules: []string{"FREQ=YEARLY;COUNT=10;BYMONTH=6,7"},
		instances: "1997 June 10;July 10 | 1998 June 10;July 10 | 1999 June 10;July 10 | 2000 June 10;July 10 | 2001 June 10;July 10", complete: true},
	{title: "Every other year on January, February, and March for 10 occurrences", dtstart: "19970310T090000",
		rules:     []string{"FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=1,2,3"},
		instances: "1997 March 10 | 1999 January 10;February 10;March 10 | 2001 January 10;February 10;March 10 | 2003 January 10;February 10;March 10", complete: true},
	{title: "Every third year on the 1st, 100th, and 200th day for 10 occurrences", dtstart: "19970101T090000",
		rules:     []string{"FREQ=YEARLY;INTERVAL=3;COUNT=10;BYYEARDAY=1,100,200"},
		instances: "1997 January 1 | 1997 April 10;July 19 | 2000 January 1 | 2000 April 9;July 18 | 2003 January 1 | 2003 April 10;July 19 | 2006 January 1", complete: true},
	{title: "Every 20th Monday of the year, forever", dtstart: "19970519T090000", rules: []string{"FREQ=YEARLY;BYDAY=20MO"},
		instances: "1997 May 19 | 1998 May 18 | 1999 May 17"},
	{title: "Monday of week number 20 (where the default start of the week is Monday), forever", dtstart: "19970512T090000",
		rules: []string{"FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO"}, instances: "1997 May 12 | 1998 May 11 | 1999 May 17"},
	{title: "Every Thursday in March, forever", dtstart: "19970313T090000", rules: []string{"FREQ=YEARLY;BYMONTH=3;BYDAY=TH"},
		instances: "1997 March 13,20,27 | 1998 March 5,12,19,26 | 1999 March 4,11,18,25"},
	{title: "Every Thursday, but only during June, July, and August, forever", dtstart: "19970605T090000", rules: []string{"FREQ=YEARLY;BYDAY=TH;BYMONTH=6,7,8"},
		instances: "1997 June 5,12,19,26;July 3,10,17,24,31;August 7,14,21,28 | 1998 June 4,11,18,25;July 2,9,16,23,30;August 6,13,20,27 | 1999 June 3,10,17,24;July 1,8,15,22,29;August 5,12,19,26"},
	{title: "Every Friday the 13th, forever", dtstart: "19970902T090000",
		rules:     []string{"FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13;EXDATE=19970902T090000"}, // the RFC's EXDATE removes DTSTART
		instances: "1998 February 13;March 13;November 13 | 1999 August 13 | 2000 October 13"},
	{title: "The first Saturday that follows the first Sunday of the month, forever", dtstart: "19970913T090000",
		rules:     []string{"FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13"},
		instances: "1997 September 13;October 11 | 1997 November 8;December 13 | 1998 January 10;February 7;March 7 | 1998 April 11;May 9;June 13"},
	{title: "Every 4 years, the first Tuesday after a Monday in November, forever (U.S. Presidential Election day)", dtstart: "19961105T090000",
		rules:     []string{"FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8"},
		instances: "1996 November 5 | 2000 November 7 | 2004 November 2"},
	{title: "The third instance into the month of one of Tuesday, Wednesday, or Thursday, for the next 3 months", dtstart: "19970904T090000",
		rules:     []string{"FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3"},
		instances: "1997 September 4;October 7 | 1997 November 6", complete: true},
	{title: "The second-to-last weekday of the month", dtstart: "19970929T090000", rules: []string{"FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2"},
		instances: "1997 September 29 | 1997 October 30;November 27;December 30 | 1998 January 29;February 26;March 30"},
	// The RFC lists 09:00, 12:00 and 15:00, but its own UNTIL (17:00Z) is 13:00 EDT, so 15:00
	// is past it: an erratum of the RFC. UNTIL with Z is an instant (§3.3.10), so 12:00 is last.
	{title: "Every 3 hours from 9:00 AM to 5:00 PM on a specific day", dtstart: "19970902T090000",
		rules:     []string{"FREQ=HOURLY;INTERVAL=3;UNTIL=19970902T170000Z"},
		instances: "1997 September 2", times: []string{"09:00", "12:00"}, complete: true},
	// The same rule with UNTIL at 5:00 PM New York time, which the title means, gives the
	// RFC's three instances.
	{title: "Every 3 hours from 9:00 AM to 5:00 PM on a specific day (UNTIL as the instant 5:00 PM EDT)", dtstart: "19970902T090000",
		rules:     []string{"FREQ=HOURLY;INTERVAL=3;UNTIL=19970902T210000Z", "FREQ=HOURLY;INTERVAL=3;UNTIL=19970902T170000"},
		instances: "1997 September 2", times: []string{"09:00", "12:00", "15:00"}, complete: true},
	{title: "Every 20 minutes from 9:00 AM to 4:40 PM every day", dtstart: "19970902T090000",
		rules:     []string{"FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15,16;BYMINUTE=0,20,40"},
		instances: "1997 September 2,3",
		times: []string{"09:00", "09:20", "09:40", "10:00", "10:20", "10:40", "11:00", "11:20", "11:40", "12:00", "12:20", "12:40",
			"13:00", "13:20", "13:40", "14:00", "14:20", "14:40", "15:00", "15:20", "15:40", "16:00", "16:20", "16:40"}},
	{title: "An example where the days generated makes a difference because of WKST", dtstart: "19970805T090000",
		rules: []string{"FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO"}, instances: "1997 August 5,10,19,24", complete: true},
	{title: "changing only WKST from MO to SU, yields different results", dtstart: "19970805T090000",
		rules: []string{"FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU"}, instances: "1997 August 5,17,19,31", complete: true},
	{title: "An example where an invalid date (i.e., February 30) is ignored", dtstart: "20070115T090000",
		rules: []string{"FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5"}, instances: "2007 January 15,30 | 2007 February 15 | 2007 March 15,30", complete: true},
}

func TestRFC5545Examples(t *testing.T) {
	ny := zone(t, "America/New_York")
	for _, tc := range rfc5545Examples {
		start, err := time.Parse("20060102T150405", tc.dtstart)
		if err != nil {
			t.Fatal(err)
		}
		first := wallOfUTC(start)
		want := expandRFCInstances(t, tc, first)
		for _, text := range tc.rules {
			r, err := ParseRepeat("rrule:" + text)
			if err != nil {
				t.Errorf("%s: %s: %v", tc.title, text, err)
				continue
			}
			var got []Wall
			after := Wall{}
			for len(got) < len(want)+1 {
				w, ok := r.NextIn(first, after, ny)
				if !ok {
					break
				}
				got = append(got, w)
				after = w
			}
			if !tc.complete && len(got) > len(want) {
				got = got[:len(want)]
			}
			if !equalWalls(got, want) {
				t.Errorf("%s\n  RRULE:%s\n  got  %v\n  want %v", tc.title, text, got, want)
			}
		}
	}
}

// expandRFCInstances turns "1997 September 2-30;October 1-25 | ..." into wall times.
func expandRFCInstances(t *testing.T, tc rfcCase, first Wall) []Wall {
	t.Helper()
	h, m, _ := first.Clock()
	times := tc.times
	if times == nil {
		times = []string{time.Date(0, 1, 1, h, m, 0, 0, time.UTC).Format("15:04")}
	}
	var out []Wall
	for _, group := range strings.Split(tc.instances, " | ") {
		year, rest, _ := strings.Cut(group, " ")
		for _, monthDays := range strings.Split(rest, ";") {
			name, days, _ := strings.Cut(strings.TrimSpace(monthDays), " ")
			month, err := time.Parse("January", name)
			if err != nil {
				t.Fatalf("%s: month %q: %v", tc.title, name, err)
			}
			for _, d := range strings.Split(days, ",") {
				lo, hi, isRange := strings.Cut(d, "-")
				a, _ := strconv.Atoi(lo)
				b := a
				if isRange {
					b, _ = strconv.Atoi(hi)
				}
				for day := a; day <= b; day++ {
					for _, hm := range times {
						clock, _ := time.Parse("15:04", hm)
						out = append(out, NewWall(atoi(year), month.Month(), day, clock.Hour(), clock.Minute(), 0))
					}
				}
			}
		}
	}
	return out
}

func equalWalls(a, b []Wall) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestUntilInstant: a UTC UNTIL ends the series at an instant, so the same rule ends at a
// different wall time in each zone; a floating UNTIL is the same wall time everywhere.
func TestUntilInstant(t *testing.T) {
	first := NewWall(2026, 12, 1, 7, 30, 0)
	utcUntil, _ := ParseRepeat("rrule:FREQ=DAILY;UNTIL=20261205T070000Z")
	floating, _ := ParseRepeat("rrule:FREQ=DAILY;UNTIL=20261205T070000")
	last := func(r Rule, loc *time.Location) Wall {
		var w, after Wall
		for {
			next, ok := r.NextIn(first, after, loc)
			if !ok {
				return w
			}
			w, after = next, next
		}
	}
	for _, tt := range []struct {
		rule Rule
		zone string
		want string
	}{
		{utcUntil, "Europe/Berlin", "2026-12-05T07:30:00"},    // 06:30Z, before 07:00Z
		{utcUntil, "America/New_York", "2026-12-04T07:30:00"}, // Dec 5 07:30 EST is 12:30Z
		{utcUntil, "UTC", "2026-12-04T07:30:00"},
		{floating, "Europe/Berlin", "2026-12-04T07:30:00"},
		{floating, "America/New_York", "2026-12-04T07:30:00"},
	} {
		if got := last(tt.rule, zone(t, tt.zone)); got.String() != tt.want {
			t.Errorf("%s in %s: last ring %v, want %s", tt.rule, tt.zone, got, tt.want)
		}
	}
	// Latest: a series that ended by instant has nothing due after the end.
	ny := zone(t, "America/New_York")
	now := at(t, "2026-12-20T12:00:00", ny)
	if w, ok := utcUntil.Latest(first, Wall{}, now, ny); !ok || w.String() != "2026-12-04T07:30:00" {
		t.Errorf("Latest after the UTC UNTIL in New York = %v, %v; want 2026-12-04T07:30:00", w, ok)
	}
}

// TestExdate: excluded occurrences are stepped over by Next and by Latest.
func TestExdate(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	first := NewWall(2026, 12, 1, 7, 30, 0)
	r, err := ParseRepeat("rrule:FREQ=DAILY;EXDATE=20261202T073000,20261203T073000")
	if err != nil {
		t.Fatal(err)
	}
	w, _ := r.NextIn(first, first, berlin)
	if w.String() != "2026-12-04T07:30:00" {
		t.Errorf("Next after Dec 1 = %v, want Dec 4 (Dec 2 and 3 excluded)", w)
	}
	now := at(t, "2026-12-03T12:00:00", berlin)
	if w, ok := r.Latest(first, Wall{}, now, berlin); !ok || w != first {
		t.Errorf("Latest on Dec 3 = %v, %v; want Dec 1", w, ok)
	}
	if _, err := ParseRepeat("rrule:FREQ=DAILY;EXDATE=tomorrow"); err == nil {
		t.Error("a bad EXDATE was accepted")
	}
}
