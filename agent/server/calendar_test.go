package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"alarmd/agent/api"
	"alarmd/agent/client"
)

// TestCalendarEndpoints: POST /v1/import and GET /v1/export through the client, on a real
// service (DESIGN §13).
func TestCalendarEndpoints(t *testing.T) {
	_, sock, _ := serve(t)
	c := client.New(sock)
	ctx := context.Background()
	var ics strings.Builder
	ics.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n")
	for i := 0; i < 500; i++ { // about 100 KB: more than the JSON bodies may be
		fmt.Fprintf(&ics, "BEGIN:VEVENT\r\nUID:%d@test\r\nSUMMARY:Event %d\r\nDTSTART:20301201T%02d%02d00Z\r\nBEGIN:VALARM\r\nACTION:AUDIO\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VEVENT\r\n", i, i, i/60%24, i%60)
	}
	ics.WriteString("END:VCALENDAR\r\n")
	dry, err := c.Import(ctx, []byte(ics.String()), true)
	if err != nil || !dry.DryRun || len(dry.Added) != 500 || dry.Added[0].ID != 0 {
		t.Fatalf("dry run: %d added, %v", len(dry.Added), err)
	}
	if l, _ := c.List(ctx); len(l) != 0 {
		t.Fatalf("a dry run added %d alarms", len(l))
	}
	res, err := c.Import(ctx, []byte(ics.String()), false)
	if err != nil || len(res.Added) != 500 || res.Added[0].ID != 1 {
		t.Fatalf("import: %d added, %v", len(res.Added), err)
	}
	again, err := c.Import(ctx, []byte(ics.String()), false)
	if err != nil || len(again.Added) != 0 || again.Existing != 500 {
		t.Errorf("second import: %+v, %v", again, err)
	}
	data, err := c.Export(ctx)
	if err != nil || strings.Count(string(data), "BEGIN:VEVENT") != 500 {
		t.Errorf("export: %d VEVENTs, %v", strings.Count(string(data), "BEGIN:VEVENT"), err)
	}

	// A component that cannot be an alarm: 400, the result names it, nothing added.
	bad := strings.Replace(ics.String(), "UID:7@test\r\nSUMMARY:Event 7\r\nDTSTART:20301201T000700Z", "UID:bad@test\r\nSUMMARY:Old\r\nDTSTART:20200101T090000Z", 1)
	res, err = c.Import(ctx, []byte(bad), false)
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || len(res.Problems) != 1 || !strings.Contains(res.Problems[0].Component, "UID bad@test") {
		t.Errorf("bad import: %+v, %v", res.Problems, err)
	}
	if l, _ := c.List(ctx); len(l) != 500 {
		t.Errorf("%d alarms after a refused import, want 500", len(l))
	}

	// Limits: the import body may be large, other bodies stay small.
	if status, msg := raw(t, sock, "POST", "/v1/import?dry_run=perhaps", api.Host, nil, "x"); status != http.StatusBadRequest {
		t.Errorf("dry_run=perhaps: %d %s", status, msg)
	}
	if status, _ := raw(t, sock, "POST", "/v1/alarms", api.Host, nil, strings.Repeat(" ", 100<<10)); status != http.StatusRequestEntityTooLarge {
		t.Errorf("a 100 KB add body: %d, want 413", status)
	}
	if status, msg := raw(t, sock, "POST", "/v1/import", api.Host, nil, "BEGIN:VCALENDAR\r\n"+strings.Repeat("X", 17<<20)); status != http.StatusRequestEntityTooLarge {
		t.Errorf("a 17 MB calendar: %d %s, want 413", status, msg)
	}
	if status, msg := raw(t, sock, "POST", "/v1/import", api.Host, nil, "hello"); status != http.StatusBadRequest || !strings.Contains(msg, "not iCalendar") {
		t.Errorf("not iCalendar: %d %q", status, msg)
	}
}
