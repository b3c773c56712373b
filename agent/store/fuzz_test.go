package store

import (
	"bytes"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the alarms file decoder: it must never panic, and whatever
// it accepts as a file of this version must encode and decode back to the same data.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"version": 1, "next_id": 1, "alarms": []}`,
		`{"version": 1, "next_id": 3, "alarms": [{"id": 1, "label": "Wake up", "kind": "local", "first": "2026-11-26T07:30:00", "repeat": "daily", "enabled": true, "created": "2026-11-25T12:00:00Z"}, {"id": 2, "kind": "relative", "at": "2026-11-25T13:00:00Z", "enabled": false, "rung": true, "created": "2026-11-25T12:00:00Z"}]}`,
		`{"version": 1, "alarms": [{"id": 7, "kind": "instant", "at": "2026-11-25T13:00:00+01:00", "snooze": "5m", "volume": 50, "enabled": true, "created": "2026-11-25T12:00:00Z"}]}`,
		`{"version": 2, "next_id": "x", "alarms": {}}`,
		`{"version": 1, "next_id": 2, "alarms": [{"id": 1}, {"id": 1}]}`,
		`{"version": 0}`,
		`{"version": 1, "paused": true, "alarms": null}`,
		`not json`,
		``,
		`{"version": 1, "next_id": 9223372036854775807, "alarms": [{"id": 9223372036854775806}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		d, version, problem := decode(raw)
		if problem != nil || version > Version {
			return
		}
		if err := d.validate(); err != nil {
			t.Fatalf("decode accepted data that validate refuses: %v\n%s", err, raw)
		}
		first, err := encode(&d)
		if err != nil {
			t.Fatalf("encode of accepted data: %v\n%s", err, raw)
		}
		d2, version2, problem2 := decode(first)
		if problem2 != nil || version2 != version {
			t.Fatalf("re-decode: version %d, problem %v\nfile:\n%s", version2, problem2, first)
		}
		second, err := encode(&d2)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if !bytes.Equal(first, second) {
			t.Fatalf("round trip changed the data:\n%s\n---\n%s", first, second)
		}
	})
}
