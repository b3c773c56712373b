package scheduler

import (
	"fmt"
	"testing"
	"time"

	"alarmd/agent/alarm"
	"alarmd/agent/when"
)

func mustRule(t testing.TB, s string) when.Rule {
	t.Helper()
	r, err := when.ParseRepeat(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestComputeClassifies(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	late := alarm.Duration(alarm.DefaultLate)
	alarms := []alarm.Alarm{
		{ID: 1, Kind: when.Local, First: when.NewWall(2026, 11, 25, 11, 55, 0), Enabled: true},                                          // 5 min late: ring
		{ID: 2, Kind: when.Local, First: when.NewWall(2026, 11, 25, 7, 30, 0), Enabled: true},                                           // hours late: missed
		{ID: 3, Kind: when.Local, First: when.NewWall(2026, 11, 25, 13, 0, 0), Enabled: true},                                           // future
		{ID: 4, Kind: when.Relative, At: now.Add(30 * time.Minute), Enabled: true},                                                      // future, earlier
		{ID: 5, Kind: when.Local, First: when.NewWall(2026, 11, 1, 8, 0, 0), Repeat: mustRule(t, "daily"), Enabled: true},               // weeks of missed days: one entry, today's
		{ID: 6, Kind: when.Local, First: when.NewWall(2026, 11, 25, 9, 0, 0), Done: when.NewWall(2026, 11, 25, 9, 0, 0), Enabled: true}, // rang, cut short: finished
		{ID: 7, Kind: when.Local, First: when.NewWall(2026, 11, 25, 11, 59, 0), Enabled: false},                                         // disabled
		{ID: 8, Kind: when.Instant, At: now.Add(-time.Minute), Enabled: true},                                                           // ringing now: left alone
		{ID: 9, Kind: when.Local, First: when.NewWall(2026, 11, 25, 13, 0, 0), SnoozedUntil: now.Add(-time.Second), Enabled: true, Done: when.NewWall(2026, 11, 25, 13, 0, 0)},
	}
	for i := range alarms {
		alarms[i].Late = late // Add stores the default; literals must say it
	}
	p := Compute(alarms, now, time.UTC, false, func(id int) bool { return id == 8 })
	ids := func(ds []Due) string {
		return fmt.Sprint(func() []int {
			var o []int
			for _, d := range ds {
				o = append(o, d.ID)
			}
			return o
		}())
	}
	if got := ids(p.Ring); got != "[1 9]" {
		t.Errorf("ring %s", got)
	}
	if got := ids(p.Missed); got != "[2 5]" {
		t.Errorf("missed %s", got)
	}
	if fmt.Sprint(p.Finished) != "[6]" {
		t.Errorf("finished %v", p.Finished)
	}
	if p.NextID != 4 || !p.Next.Equal(now.Add(30*time.Minute)) {
		t.Errorf("next %d %v", p.NextID, p.Next)
	}
	if p.Ring[0].Late != 5*time.Minute || !p.Ring[1].Snoozed {
		t.Errorf("ring details %+v", p.Ring)
	}
	if d := p.Missed[1]; !d.Occurrence.Equal(when.NewWall(2026, 11, 25, 8, 0, 0)) || d.Late != 4*time.Hour {
		t.Errorf("daily missed occurrence %v late %v, want today's 08:00, 4h", d.Occurrence, d.Late)
	}
	if pp := Compute(alarms, now, time.UTC, true, nil); len(pp.Ring)+len(pp.Missed) != 0 || len(pp.Skipped) != 5 {
		t.Errorf("paused: ring %d missed %d skipped %d", len(pp.Ring), len(pp.Missed), len(pp.Skipped))
	}
}

func TestRecordAndFinish(t *testing.T) {
	daily := alarm.Alarm{Kind: when.Local, Repeat: mustRule(t, "daily"), Enabled: true, SnoozedUntil: time.Now()}
	occ := when.NewWall(2026, 11, 25, 8, 0, 0)
	Record(&daily, Due{Occurrence: occ})
	if !daily.Done.Equal(occ) || !daily.SnoozedUntil.IsZero() {
		t.Errorf("record local: %+v", daily)
	}
	if Finish(&daily) || !daily.Enabled {
		t.Errorf("a recurring alarm is neither removed nor disabled")
	}
	rel := alarm.Alarm{Kind: when.Relative, Enabled: true}
	Record(&rel, Due{})
	if !rel.Rung || !Finish(&rel) {
		t.Errorf("relative: rung %v, should be removed", rel.Rung)
	}
	clk := alarm.Alarm{Kind: when.Local, Enabled: true}
	if Finish(&clk) || clk.Enabled {
		t.Errorf("clock one-shot should stay, disabled")
	}
}

// BenchmarkNextRing10000 is the scheduler's whole decision over 10 000 mixed alarms: what rings,
// and the next instant to wake at.
func BenchmarkNextRing10000(b *testing.B) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, berlin)
	rules := []string{"", "daily", "weekdays", "mon,wed,fri", "weekends", "rrule:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"}
	alarms := make([]alarm.Alarm, 10000)
	for i := range alarms {
		a := alarm.Alarm{ID: i + 1, Kind: when.Local, Enabled: true,
			First: when.NewWall(2026, 11, 26+i%3, i%24, i%60, 0), Repeat: mustRule(b, rules[i%len(rules)])}
		if i%10 == 9 {
			a = alarm.Alarm{ID: i + 1, Kind: when.Relative, At: now.Add(time.Duration(i) * time.Minute), Enabled: true}
		}
		alarms[i] = a
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p := Compute(alarms, now, berlin, false, nil)
		if p.Next.IsZero() {
			b.Fatal("nothing scheduled")
		}
	}
}
