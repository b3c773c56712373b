package when

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// oraclePhrases are WHEN phrases alarmd accepts, with the period that turns GNU date's "that
// time today (or this week, this year), even if past" into alarmd's next occurrence. Phrases
// date does not read are counted, not compared; "differ" names a known, explained difference.
var oraclePhrases = []struct {
	phrase string
	period string // "day", "week", "year" or "" (no such correction)
	differ string
}{
	{phrase: "7:30", period: "day"}, {phrase: "07:30:15", period: "day"}, {phrase: "7am", period: "day"},
	{phrase: "7:30pm", period: "day"}, {phrase: "12am", period: "day"}, {phrase: "9:00 pm", period: "day"},
	{phrase: "tomorrow 7:30"}, {phrase: "tomorrow 7am"}, {phrase: "7:30 tomorrow"}, {phrase: "7am tomorrow"},
	{phrase: "mon 9:00", period: "week"}, {phrase: "monday 9am", period: "week"}, {phrase: "tue 7:30pm", period: "week"},
	{phrase: "thurs 8:00", period: "week"}, {phrase: "friday 9pm", period: "week"}, {phrase: "9pm friday", period: "week"},
	{phrase: "sunday 8:00", period: "week"}, {phrase: "8:00 saturday", period: "week"},
	{phrase: "next monday 9am"}, {phrase: "next friday 7:30"}, {phrase: "next sunday 18:00"},
	{phrase: "dec 25 9:00", period: "year"}, {phrase: "december 25 9:00", period: "year"}, {phrase: "jan 1 0:00", period: "year"},
	{phrase: "feb 28 6:00", period: "year"}, {phrase: "july 4 12:00", period: "year"},
	{phrase: "2027-12-01 09:00"}, {phrase: "2027-12-01T09:00"}, {phrase: "2027-12-01 9am"},
	{phrase: "2027-12-01T08:00:00Z"}, {phrase: "2027-12-01T09:00:00+01:00"},
	{phrase: "2 hours"}, {phrase: "90 seconds"}, {phrase: "45 mins"}, {phrase: "45 minutes"}, {phrase: "+25 minutes"},
	{phrase: "now + 2 hours"}, {phrase: "1 hour 30 minutes"}, {phrase: "2 weeks"}, {phrase: "1 week"}, {phrase: "3 days"},
	{phrase: "2w", differ: `date reads "w" as the military time zone Whiskey (UTC-10) and "2" as 02:00 there`},
	{phrase: "in 2 hours"}, {phrase: "noon", period: "day"}, {phrase: "midnight", period: "day"}, {phrase: "at 7:30", period: "day"},
	{phrase: "tomorrow at 7:30"}, {phrase: "noon tomorrow"}, {phrase: "25 dec 9:00", period: "year"},
	{phrase: "december 25th 9:00", period: "year"}, {phrase: "7.30", period: "day"}, {phrase: "in an hour"},
	{phrase: "1h30m"}, {phrase: "25m"},
}

// TestAgreesWithGNUDate runs the phrases through GNU `date -d` in Berlin and New York and
// compares: every phrase both read must give the same instant, once date's "today, even if
// past" is turned into the next occurrence (DESIGN §13).
func TestAgreesWithGNUDate(t *testing.T) {
	date, err := exec.LookPath("date")
	if err != nil || exec.Command(date, "--version").Run() != nil {
		t.Skip("GNU date is not installed")
	}
	total, both, agree := 0, 0, 0
	var unread []string
	for _, zoneName := range []string{"Europe/Berlin", "America/New_York"} {
		loc := zone(t, zoneName)
		for _, p := range oraclePhrases {
			total++
			now := time.Now().In(loc)
			ours, err := Parse(p.phrase, now)
			if err != nil {
				t.Errorf("%s: alarmd does not read %q: %v", zoneName, p.phrase, err)
				continue
			}
			cmd := exec.Command(date, "-d", p.phrase, "+%s")
			cmd.Env = append(os.Environ(), "TZ="+zoneName, "LC_ALL=C")
			out, err := cmd.Output()
			if err != nil {
				unread = append(unread, p.phrase)
				continue
			}
			both++
			sec, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
			if err != nil {
				t.Fatalf("date -d %q printed %q", p.phrase, out)
			}
			theirs := time.Unix(sec, 0).In(loc)
			if !theirs.After(now) {
				switch p.period {
				case "day":
					theirs = nextWall(theirs, 0, 1)
				case "week":
					theirs = nextWall(theirs, 0, 7)
				case "year":
					theirs = nextWall(theirs, 1, 0)
				}
			}
			want := ours.At
			if ours.Kind == Local {
				want = ours.Wall.In(loc)
			}
			diff := want.Sub(theirs)
			close := diff < 2*time.Second && diff > -2*time.Second // relative phrases: a moment apart
			switch {
			case close && p.differ == "":
				agree++
			case close:
				t.Errorf("%s: %q now agrees with date; drop its explanation %q", zoneName, p.phrase, p.differ)
			case p.differ != "":
				t.Logf("%s: %q: alarmd %v, date %v (%s)", zoneName, p.phrase, want, theirs, p.differ)
			default:
				t.Errorf("%s at %v: %q: alarmd %v, date -d %v", zoneName, now.Format(time.RFC3339), p.phrase, want, theirs)
			}
		}
	}
	t.Logf("GNU date oracle: %d phrase runs (2 zones), %d read by both, %d agree, %d differ as explained; date does not read: %q",
		total, both, agree, both-agree, uniq(unread))
}

// nextWall moves t by years and days keeping its wall clock (date's times are wall times).
func nextWall(t time.Time, years, days int) time.Time {
	w := WallOf(t)
	y, m, d := w.Date()
	h, mi, s := w.Clock()
	return NewWall(y+years, m, d+days, h, mi, s).In(t.Location())
}

func uniq(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
