package when

import (
	"math/rand/v2"
	"testing"
	"time"
)

// benchAlarm is one alarm as the scheduler holds it.
type benchAlarm struct {
	rule  Rule
	first Wall
	after Wall // the last occurrence handled
}

// benchAlarms builds n alarms, a mix of one-shots, daily, weekdays, day
// lists and RRULEs, with first rings over the past three years and the
// last handled occurrence just before now.
func benchAlarms(b *testing.B, n int, now time.Time, loc *time.Location) []benchAlarm {
	texts := []string{
		"", "", "", // one-shot clock alarms
		"daily", "daily", "weekdays", "weekdays", "weekends",
		"mon,wed,fri", "tue,thu", "sat",
		"rrule:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO",
		"rrule:FREQ=MONTHLY;BYMONTHDAY=-1",
		"rrule:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
		"rrule:FREQ=DAILY;BYHOUR=7,19",
		"rrule:FREQ=YEARLY",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	nowWall := WallOf(now.In(loc))
	alarms := make([]benchAlarm, n)
	for i := range alarms {
		r, err := ParseRepeat(texts[i%len(texts)])
		if err != nil {
			b.Fatal(err)
		}
		clock := int64(rng.IntN(24*60)) * 60
		day, _ := nowWall.days()
		a := benchAlarm{rule: r}
		if r.IsZero() {
			a.first = Wall{sec: (day+1+int64(rng.IntN(7)))*secondsPerDay + clock}
		} else {
			a.first = Wall{sec: (day-int64(rng.IntN(3*365)))*secondsPerDay + clock}
			a.after, _ = r.Latest(a.first, Wall{}, now, loc)
		}
		alarms[i] = a
	}
	return alarms
}

// BenchmarkNext10000 computes the next ring over 10 000 mixed alarms, the
// way the scheduler recomputes its timer; ns/op is for all 10 000.
func BenchmarkNext10000(b *testing.B) {
	loc := zone(b, "Europe/Berlin")
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, loc)
	alarms := benchAlarms(b, 10000, now, loc)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var soonest Wall
		for i := range alarms {
			a := &alarms[i]
			if w, ok := a.rule.Next(a.first, a.after); ok && (soonest.IsZero() || w.Before(soonest)) {
				soonest = w
			}
		}
		if soonest.IsZero() {
			b.Fatal("no next ring")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10000, "ns/alarm")
}

// BenchmarkNextIn10000 is BenchmarkNext10000 plus resolving every ring to an
// instant with Wall.In, as the scheduler must to compare rings.
func BenchmarkNextIn10000(b *testing.B) {
	loc := zone(b, "Europe/Berlin")
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, loc)
	alarms := benchAlarms(b, 10000, now, loc)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var soonest time.Time
		for i := range alarms {
			a := &alarms[i]
			if w, ok := a.rule.Next(a.first, a.after); ok {
				if ring := w.In(loc); soonest.IsZero() || ring.Before(soonest) {
					soonest = ring
				}
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10000, "ns/alarm")
}

// BenchmarkRRuleNextUncached is one RRULE Next without the memo, for an
// alarm that started years ago (the cost the memo saves on repeats).
func BenchmarkRRuleNextUncached(b *testing.B) {
	r, err := ParseRepeat("rrule:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH")
	if err != nil {
		b.Fatal(err)
	}
	c := lookupRRule(r.text)
	first := NewWall(2019, 1, 7, 7, 30, 0)
	after := NewWall(2026, 11, 24, 10, 0, 0)
	for b.Loop() {
		if _, ok := c.computeNext(first, after); !ok {
			b.Fatal("ended")
		}
	}
}

// BenchmarkLatest is Latest for a daily and an RRULE alarm whose last
// handled ring is years back (missed-alarm catch-up after a long sleep).
func BenchmarkLatest(b *testing.B) {
	loc := zone(b, "Europe/Berlin")
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, loc)
	first := NewWall(2019, 1, 7, 7, 30, 0)
	for _, text := range []string{"weekdays", "rrule:FREQ=DAILY;BYHOUR=7,19"} {
		r, err := ParseRepeat(text)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(text, func(b *testing.B) {
			for b.Loop() {
				if _, ok := r.Latest(first, first, now, loc); !ok {
					b.Fatal("nothing due")
				}
			}
		})
	}
}

func BenchmarkWallIn(b *testing.B) {
	loc := zone(b, "Europe/Berlin")
	w := NewWall(2026, 11, 25, 7, 30, 0)
	for b.Loop() {
		_ = w.In(loc)
	}
}
