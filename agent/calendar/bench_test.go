package calendar

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// bulkCalendar is n events in Berlin, half of them weekly, each with a ring and a reminder.
func bulkCalendar(n int) []byte {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n")
	base := time.Date(2030, 1, 1, 6, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		rule := ""
		if i%2 == 0 {
			rule = "RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR\r\n"
		}
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:bulk-%d@test\r\nDTSTAMP:20261120T120000Z\r\nDTSTART;TZID=Europe/Berlin:%s\r\n%sSUMMARY:Bulk %d\r\n"+
			"BEGIN:VALARM\r\nACTION:AUDIO\r\nTRIGGER:PT0S\r\nEND:VALARM\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:soon\r\nTRIGGER:-PT10M\r\nEND:VALARM\r\nEND:VEVENT\r\n",
			i, base.Add(time.Duration(i)*time.Minute).Format("20060102T150405"), rule, i)
	}
	b.WriteString("END:VCALENDAR\r\n")
	return []byte(b.String())
}

// BenchmarkRead10000 is the reading half of importing 10 000 events (DESIGN §13).
func BenchmarkRead10000(b *testing.B) {
	data := bulkCalendar(10000)
	o := options(b, "Europe/Berlin", "2026-11-24T10:00:00")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		plan, err := Read(data, o)
		if err != nil || len(plan.Alarms) != 10000 {
			b.Fatalf("%d alarms, %v", len(plan.Alarms), err)
		}
	}
}

// BenchmarkExport10000 writes 10 000 alarms.
func BenchmarkExport10000(b *testing.B) {
	o := options(b, "Europe/Berlin", "2026-11-24T10:00:00")
	plan, err := Read(bulkCalendar(10000), o)
	if err != nil {
		b.Fatal(err)
	}
	alarms := plan.Alarms
	for i := range alarms {
		alarms[i].ID = i + 1
	}
	for b.Loop() {
		if _, err := Export(alarms, o.Loc, o.Now); err != nil {
			b.Fatal(err)
		}
	}
}
