package when

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/teambition/rrule-go"
)

func TestParseRepeatAccepted(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  ", ""},
		{"once", ""},
		{"daily", "daily"},
		{"DAILY", "daily"},
		{"weekdays", "weekdays"},
		{"Weekends", "weekends"},
		{"mon,wed,fri", "mon,wed,fri"},
		{"Fri, Mon,  WED", "mon,wed,fri"},
		{"monday,monday,mon", "mon"},
		{"sun,sat", "weekends"},
		{"mon,tue,wed,thu,fri", "weekdays"},
		{"tuesday, thursday, sunday", "tue,thu,sun"},
		{"mon,tue,wed,thu,fri,sat,sun", "daily"},
		{"rrule:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "rrule:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"},
		{"RRULE:freq=weekly; interval=2; byday=mo", "rrule:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"},
		{"rrule:RRULE:FREQ=DAILY", "rrule:FREQ=DAILY"},
		{"rrule:FREQ=DAILY;INTERVAL=1", "rrule:FREQ=DAILY"},
		{"rrule:FREQ=MONTHLY;BYMONTHDAY=-1", "rrule:FREQ=MONTHLY;BYMONTHDAY=-1"},
		{"rrule:FREQ=MONTHLY;BYDAY=-1FR", "rrule:FREQ=MONTHLY;BYDAY=-1FR"},
		{"rrule:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "rrule:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"},
		{"rrule:FREQ=DAILY;COUNT=3", "rrule:FREQ=DAILY;COUNT=3"},
		{"rrule:FREQ=DAILY;UNTIL=20261231", "rrule:FREQ=DAILY;UNTIL=20261231T235959"},
		{"rrule:FREQ=DAILY;UNTIL=20261231T070000Z", "rrule:FREQ=DAILY;UNTIL=20261231T070000Z"}, // an instant (DESIGN §13)
		{"rrule:FREQ=DAILY;EXDATE=20261203T070000,20261202T070000", "rrule:FREQ=DAILY;EXDATE=20261202T070000,20261203T070000"},
		{"rrule:FREQ=HOURLY;INTERVAL=4;BYHOUR=8,12,16", "rrule:FREQ=HOURLY;INTERVAL=4;BYHOUR=8,12,16"},
		{"rrule:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "rrule:FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR"},
	}
	for _, tt := range tests {
		r, err := ParseRepeat(tt.in)
		if err != nil {
			t.Errorf("ParseRepeat(%q): %v", tt.in, err)
			continue
		}
		if got := r.String(); got != tt.want {
			t.Errorf("ParseRepeat(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
		if r.IsZero() != (tt.want == "") {
			t.Errorf("ParseRepeat(%q).IsZero() = %v", tt.in, r.IsZero())
		}
		again, err := ParseRepeat(r.String())
		if err != nil || again != r {
			t.Errorf("canonical %q does not parse back to an equal Rule: %v, %v", r.String(), again, err)
		}
	}
}

func TestParseRepeatRejected(t *testing.T) {
	tests := []struct{ in, reason string }{
		{"hourly", `"hourly" is not a day`},
		{"mon,,fri", "empty day"},
		{"mon,fri,", "empty day"},
		{"mon wed", `"mon wed" is not a day`},
		{"rrule:", "empty RRULE"},
		{"rrule:FREQ=MINUTELY", "too often"},
		{"rrule:FREQ=SECONDLY;INTERVAL=30", "too often"},
		{"rrule:FREQ=DAILY;DTSTART=20260101T000000", "DTSTART is not allowed"},
		{"rrule:DTSTART:20260101T000000\nRRULE:FREQ=DAILY", "single line"},
		{"rrule:FREQ=DAILY;INTERVAL=-1", "INTERVAL must be"},
		{"rrule:FREQ=DAILY;INTERVAL=100000", "INTERVAL must be"},
		{"rrule:FREQ=DAILY;COUNT=-2", "COUNT must be positive"},
		{"rrule:FREQ=FORTNIGHTLY", "bad RRULE"},
		{"rrule:BYDAY=MO", "FREQ is required"},
		{"rrule:FREQ=DAILY;BYHOUR=25", "byhour"},
		{"rrule:FREQ=DAILY;BYDAY=XX", "bad RRULE"},
		{"rrule:FREQ=DAILY;FOO=1", "bad RRULE"},
		{"rrule:FREQ=YEARLY;BYEASTER=1000", "BYEASTER"},
	}
	for _, tt := range tests {
		_, err := ParseRepeat(tt.in)
		if err == nil {
			t.Errorf("ParseRepeat(%q) succeeded", tt.in)
			continue
		}
		e := checkOneLineError(t, err, tt.in)
		if !strings.Contains(err.Error(), tt.reason) || !strings.HasPrefix(err.Error(), "cannot read repeat rule ") {
			t.Errorf("ParseRepeat(%q) error %q, want it to contain %q", tt.in, err, tt.reason)
		}
		if e.Input != strings.TrimSpace(tt.in) || e.Forms != AcceptedRepeats {
			t.Errorf("ParseRepeat(%q) error Input %q / Forms wrong", tt.in, e.Input)
		}
	}
}

func TestRuleText(t *testing.T) {
	type doc struct {
		R Rule `json:"repeat"`
	}
	for _, in := range []string{"", "weekdays", "sat", "rrule:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"} {
		r, err := ParseRepeat(in)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(doc{r})
		if err != nil {
			t.Fatal(err)
		}
		var back doc
		if err := json.Unmarshal(b, &back); err != nil || back.R != r {
			t.Errorf("round trip of %q via %s = %v, %v", in, b, back.R, err)
		}
	}
	var d doc
	if err := json.Unmarshal([]byte(`{"repeat":"bogus"}`), &d); err == nil {
		t.Error("unmarshal of a bad rule succeeded")
	}
}

// series returns the first n occurrences of r from first.
func series(r Rule, first Wall, n int) []string {
	var out []string
	var after Wall
	for len(out) < n {
		w, ok := r.Next(first, after)
		if !ok {
			break
		}
		out = append(out, w.String())
		after = w
	}
	return out
}

func TestNext(t *testing.T) {
	tests := []struct {
		rule, first string
		want        []string
	}{
		{"", "2026-12-01T07:30:00", []string{"2026-12-01T07:30:00"}},
		{"daily", "2026-11-30T07:30:00", []string{"2026-11-30T07:30:00", "2026-12-01T07:30:00", "2026-12-02T07:30:00"}},
		// first is a Friday: weekdays skip the weekend
		{"weekdays", "2026-11-27T07:30:00", []string{"2026-11-27T07:30:00", "2026-11-30T07:30:00", "2026-12-01T07:30:00"}},
		// first is a Wednesday, not a weekend day: the series starts on Saturday
		{"weekends", "2026-11-25T09:00:00", []string{"2026-11-28T09:00:00", "2026-11-29T09:00:00", "2026-12-05T09:00:00"}},
		{"mon,wed,fri", "2026-11-24T06:00:00", []string{"2026-11-25T06:00:00", "2026-11-27T06:00:00", "2026-11-30T06:00:00"}},
		{"sun", "2026-12-31T23:59:59", []string{"2027-01-03T23:59:59", "2027-01-10T23:59:59", "2027-01-17T23:59:59"}},
		{"rrule:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "2026-11-30T08:00:00", []string{"2026-11-30T08:00:00", "2026-12-14T08:00:00", "2026-12-28T08:00:00"}},
		{"rrule:FREQ=WEEKLY;INTERVAL=2", "2026-12-02T08:00:00", []string{"2026-12-02T08:00:00", "2026-12-16T08:00:00", "2026-12-30T08:00:00"}},
		{"rrule:FREQ=MONTHLY;BYMONTHDAY=-1", "2027-01-10T07:00:00", []string{"2027-01-31T07:00:00", "2027-02-28T07:00:00", "2027-03-31T07:00:00"}},
		{"rrule:FREQ=MONTHLY", "2027-01-31T07:00:00", []string{"2027-01-31T07:00:00", "2027-03-31T07:00:00", "2027-05-31T07:00:00"}},
		{"rrule:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "2026-01-01T06:00:00", []string{"2028-02-29T06:00:00", "2032-02-29T06:00:00", "2036-02-29T06:00:00"}},
		{"rrule:FREQ=DAILY;COUNT=2", "2026-12-01T07:00:00", []string{"2026-12-01T07:00:00", "2026-12-02T07:00:00"}},
		{"rrule:FREQ=DAILY;UNTIL=20261202", "2026-12-01T07:00:00", []string{"2026-12-01T07:00:00", "2026-12-02T07:00:00"}},
		{"rrule:FREQ=DAILY;BYHOUR=7,19", "2026-12-01T07:00:00", []string{"2026-12-01T07:00:00", "2026-12-01T19:00:00", "2026-12-02T07:00:00"}},
		{"rrule:FREQ=HOURLY;INTERVAL=6", "2026-12-01T01:15:00", []string{"2026-12-01T01:15:00", "2026-12-01T07:15:00", "2026-12-01T13:15:00"}},
		{"rrule:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "2026-12-01T17:00:00", []string{"2026-12-31T17:00:00", "2027-01-29T17:00:00", "2027-02-26T17:00:00"}},
		{"rrule:FREQ=HOURLY;INTERVAL=8;BYHOUR=10", "2026-12-01T02:00:00", []string{"2026-12-01T10:00:00", "2026-12-02T10:00:00", "2026-12-03T10:00:00"}},
		// BYHOUR=5 is never reached in steps of 24 h from 02:30 (the
		// library would loop forever)
		{"rrule:FREQ=HOURLY;INTERVAL=24;BYHOUR=5", "2026-03-29T02:30:00", nil},
		// nothing ever matches: ended, not an endless search
		{"rrule:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "2026-01-01T06:00:00", nil},
	}
	for _, tt := range tests {
		r, err := ParseRepeat(tt.rule)
		if err != nil {
			t.Fatal(err)
		}
		got := series(r, wall(t, tt.first), 3)
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("%q from %s: %v, want %v", tt.rule, tt.first, got, tt.want)
		}
	}
}

func TestNextAfterFromLongAgo(t *testing.T) {
	first := wall(t, "2019-03-04T07:30:00") // a Monday
	after := wall(t, "2026-11-24T10:00:00") // a Tuesday
	tests := []struct{ rule, want string }{
		{"daily", "2026-11-25T07:30:00"},
		{"weekdays", "2026-11-25T07:30:00"},
		{"sat", "2026-11-28T07:30:00"},
		{"rrule:FREQ=WEEKLY;INTERVAL=2", "2026-11-30T07:30:00"},
		{"rrule:FREQ=WEEKLY;INTERVAL=3;BYDAY=TU,FR", "2026-12-08T07:30:00"}, // week 403 of the series is not a third one,
		{"rrule:FREQ=YEARLY", "2027-03-04T07:30:00"},
		{"rrule:FREQ=MONTHLY;INTERVAL=5", "2027-02-04T07:30:00"},
		{"rrule:FREQ=DAILY;COUNT=5", ""},
	}
	for _, tt := range tests {
		r, err := ParseRepeat(tt.rule)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := r.Next(first, after)
		if (tt.want == "") == ok || (ok && got.String() != tt.want) {
			t.Errorf("%q: Next = %v, %v; want %q", tt.rule, got, ok, tt.want)
		}
	}
	once := Rule{}
	if _, ok := once.Next(first, first); ok {
		t.Error("a one-shot rule has a next occurrence after its only one")
	}
	if got, ok := once.Next(first, first.AddDays(-1)); !ok || got != first {
		t.Error("a one-shot rule lost its occurrence")
	}
}

func TestLatest(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	first := wall(t, "2020-01-06T07:30:00") // a Monday
	now := at(t, "2026-11-24T10:00:00", berlin)
	tests := []struct {
		rule, after, want string // want "" = none
	}{
		{"", "", "2020-01-06T07:30:00"},
		{"", "2020-01-06T07:30:00", ""},
		{"daily", "", "2026-11-24T07:30:00"},
		{"daily", "2015-01-01T00:00:00", "2026-11-24T07:30:00"},
		{"daily", "2026-11-24T07:30:00", ""},
		{"daily", "2026-11-23T07:30:00", "2026-11-24T07:30:00"},
		{"weekends", "2020-01-01T00:00:00", "2026-11-22T07:30:00"},
		{"sat", "2026-11-21T07:30:00", ""},
		{"rrule:FREQ=WEEKLY;INTERVAL=2", "", "2026-11-16T07:30:00"},
		{"rrule:FREQ=WEEKLY;INTERVAL=2", "2026-11-16T07:30:00", ""},
		{"rrule:FREQ=DAILY;BYHOUR=7,9,11", "2026-11-23T00:00:00", "2026-11-24T09:30:00"},
		{"rrule:FREQ=YEARLY", "", "2026-01-06T07:30:00"},
		{"rrule:FREQ=DAILY;COUNT=10", "", "2020-01-15T07:30:00"},
		{"rrule:FREQ=DAILY;COUNT=10", "2020-01-15T07:30:00", ""},
		{"rrule:FREQ=DAILY;UNTIL=20261101", "2026-10-01T00:00:00", "2026-11-01T07:30:00"},
		{"rrule:FREQ=HOURLY;INTERVAL=5", "", "2026-11-24T06:30:00"}, // 60335 h after first,
	}
	for _, tt := range tests {
		r, err := ParseRepeat(tt.rule)
		if err != nil {
			t.Fatal(err)
		}
		var after Wall
		if tt.after != "" {
			after = wall(t, tt.after)
		}
		got, ok := r.Latest(first, after, now, berlin)
		if (tt.want == "") == ok || (ok && got.String() != tt.want) {
			t.Errorf("%q after %q: Latest = %v, %v; want %q", tt.rule, tt.after, got, ok, tt.want)
		}
	}
}

// TestRRuleRebaseMatchesLibrary compares the re-based, memoised evaluation
// with plain rrule-go iteration from DTSTART = first.
func TestRRuleRebaseMatchesLibrary(t *testing.T) {
	rules := []string{
		"rrule:FREQ=DAILY",
		"rrule:FREQ=DAILY;INTERVAL=3",
		"rrule:FREQ=DAILY;INTERVAL=2;BYDAY=MO,FR;BYHOUR=6,18",
		"rrule:FREQ=WEEKLY",
		"rrule:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,SU",
		"rrule:FREQ=WEEKLY;INTERVAL=3;WKST=SU;BYDAY=SU,SA",
		"rrule:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU,WE;BYSETPOS=1",
		"rrule:FREQ=MONTHLY",
		"rrule:FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=31",
		"rrule:FREQ=MONTHLY;BYDAY=2TU",
		"rrule:FREQ=MONTHLY;INTERVAL=4;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
		"rrule:FREQ=YEARLY",
		"rrule:FREQ=YEARLY;INTERVAL=2;BYWEEKNO=1;BYDAY=MO",
		"rrule:FREQ=YEARLY;BYYEARDAY=100,-1",
		"rrule:FREQ=HOURLY;INTERVAL=7",
		"rrule:FREQ=HOURLY;INTERVAL=5;BYHOUR=0,5,10,15,20;BYMINUTE=0,30",
		"rrule:FREQ=DAILY;UNTIL=20280101T000000",
	}
	start := NewWall(2019, 1, 1, 0, 0, 0)
	for i, text := range rules {
		r, err := ParseRepeat(text)
		if err != nil {
			t.Fatal(err)
		}
		c := lookupRRule(r.text)
		for j := 0; j < 25; j++ {
			// deterministic spread of first/after pairs
			first := Wall{sec: start.sec + int64((i*7919+j*104729)%(3*365))*secondsPerDay + int64(j*3607%secondsPerDay)}
			after := Wall{sec: first.sec + int64((j*j*2971+i*31)%(6*365))*secondsPerDay + int64(j*911)}
			ref := c.opt
			ref.Dtstart = first.utc()
			plain, err := rrule.NewRRule(ref)
			if err != nil {
				t.Fatal(err)
			}
			wantT := plain.After(after.utc(), false)
			got, ok := r.Next(first, after)
			if ok != !wantT.IsZero() || (ok && !got.utc().Equal(wantT)) {
				t.Errorf("%s first %v after %v: Next = %v %v, library says %v", text, first, after, got, ok, wantT)
			}
			prevT := plain.Before(after.utc(), true)
			p, ok := c.prev(first, after, true, Wall{})
			if ok != !prevT.IsZero() || (ok && !p.utc().Equal(prevT)) {
				t.Errorf("%s first %v: prev(%v) = %v %v, library says %v", text, first, after, p, ok, prevT)
			}
		}
	}
}

func TestRuleConcurrentUse(t *testing.T) {
	r, err := ParseRepeat("rrule:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH")
	if err != nil {
		t.Fatal(err)
	}
	first := wall(t, "2024-01-01T07:00:00")
	want, _ := r.Next(first, wall(t, "2026-11-24T00:00:00"))
	done := make(chan Wall)
	for i := 0; i < 8; i++ {
		go func() {
			var w Wall
			for k := 0; k < 50; k++ {
				w, _ = r.Next(first, wall(t, "2026-11-24T00:00:00").AddDays(k%3-3).AddDays(3))
			}
			done <- w
		}()
	}
	for i := 0; i < 8; i++ {
		if got := <-done; got != want {
			t.Errorf("concurrent Next = %v, want %v", got, want)
		}
	}
}

func TestRRuleCacheCleared(t *testing.T) {
	r, err := ParseRepeat("rrule:FREQ=DAILY;INTERVAL=9")
	if err != nil {
		t.Fatal(err)
	}
	rruleCache.Clear() // as if evicted: Next must recompile from the text
	first := wall(t, "2026-01-01T07:00:00")
	if got, ok := r.Next(first, first); !ok || got.String() != "2026-01-10T07:00:00" {
		t.Errorf("Next after cache clear = %v, %v", got, ok)
	}
}
