package doctor

import (
	"context"
	"strings"
	"testing"
	"time"

	"alarmd/agent/dnd"
	"alarmd/agent/soundserver"
)

func TestOutputCheck(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		st     soundserver.State
		level  Level
		detail string
	}{
		{soundserver.State{Reason: "no sound server (PulseAudio or PipeWire) answers, so the volume cannot be checked"}, OK, "the volume cannot be checked"},
		{soundserver.State{Checked: true, Sink: "out", Muted: true, Volume: 80}, Warn, "out is muted: alarms will only be shown"},
		{soundserver.State{Checked: true, Sink: "out", Volume: 4}, Warn, "out is at 4 %"},
		{soundserver.State{Checked: true, Sink: "out", Volume: 65}, OK, "out at 65 %, not muted"},
	} {
		r := outputCheck(ctx, func() soundserver.State { return tc.st }, time.Second)
		if r.Level != tc.level || r.Check != checkOutput || !strings.Contains(r.Detail, tc.detail) {
			t.Errorf("%+v: %+v, want %s %q", tc.st, r, tc.level, tc.detail)
		}
	}
	hung := make(chan struct{})
	defer close(hung)
	if r := outputCheck(ctx, func() soundserver.State { <-hung; return soundserver.State{} }, 10*time.Millisecond); r.Level != Warn || !strings.Contains(r.Detail, "did not answer") {
		t.Errorf("hung server: %+v", r)
	}
}

func TestDNDCheck(t *testing.T) {
	ctx := context.Background()
	read := func(st dnd.State, ok bool) func() (dnd.State, bool) {
		return func() (dnd.State, bool) { return st, ok }
	}
	held := dnd.State{Server: "dunst", Held: true, How: "dunst is paused"}
	if r := dndCheck(ctx, true, read(held, true), time.Second); r.Level != Warn || r.Detail != "notifications held back (Do Not Disturb: dunst is paused); alarms still ring with sound" {
		t.Errorf("held: %+v", r)
	}
	if r := dndCheck(ctx, true, read(dnd.State{Server: "dunst"}, true), time.Second); r.Level != OK || !strings.Contains(r.Detail, "off (dunst") {
		t.Errorf("off: %+v", r)
	}
	if r := dndCheck(ctx, true, read(dnd.State{}, true), time.Second); r.Level != OK || !strings.Contains(r.Detail, "no notification server") {
		t.Errorf("no server: %+v", r)
	}
	if r := dndCheck(ctx, false, nil, time.Second); r.Level != Warn {
		t.Errorf("no bus: %+v", r)
	}
}
