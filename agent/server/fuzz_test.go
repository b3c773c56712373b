package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"alarmd/agent/api"
	"alarmd/agent/clock"
	"alarmd/agent/ringer"
	"alarmd/agent/service"
	"alarmd/agent/store"
)

// fuzzAPI is the real handler over a real service and store in a fresh directory.
func fuzzAPI(t *testing.T) (http.Handler, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "alarms.json")
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	clk := clock.NewFake(time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC), time.UTC)
	svc := service.New(service.Options{Store: st, Clock: clk, Ringer: ringer.New(ringer.Options{Log: log}), Log: log})
	return New(svc, log, func() {}).Handler(), path
}

// send runs one request through h and checks the properties every body must keep: no 5xx, and
// after a 2xx the store file reopens cleanly (not corrupt, not read-only).
func send(t *testing.T, h http.Handler, path, method, url string, body []byte) int {
	t.Helper()
	req := httptest.NewRequest(method, url, strings.NewReader(string(body)))
	req.Host = api.Host
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("%s %s %q: %d %s", method, url, body, rec.Code, rec.Body)
	}
	if rec.Code < 300 {
		st, err := store.Open(path)
		if err != nil {
			t.Fatalf("after %s %q (%d) the store does not reopen: %v", method, body, rec.Code, err)
		}
		if w := st.Warning(); w != "" || st.ReadOnly() {
			t.Fatalf("after %s %q (%d) the store reopens with warning %q, read-only %v", method, body, rec.Code, w, st.ReadOnly())
		}
	}
	return rec.Code
}

// FuzzAddBody posts arbitrary bodies to POST /v1/alarms.
func FuzzAddBody(f *testing.F) {
	for _, seed := range []string{
		`{"when": "7:30", "label": "Wake up"}`,
		`{"when": "in 25m"}`,
		`{"when": "mon 9:00", "repeat": "weekdays", "snooze": "5m", "ring": "1m", "late": "2m", "fade": "0s", "volume": 40}`,
		`{"when": "2027-01-01T09:00:00+01:00", "repeat": "rrule:FREQ=MONTHLY;BYMONTHDAY=-1"}`,
		`{"when": "noon", "label": ""}`,
		`{"when": "7:30", "label": "bell\u0007"}`,
		`{"when": "7:30", "sound": "../../etc/passwd"}`,
		`{"when": "7:30", "volume": -1}`,
		`{"when": "25:00"}`,
		`{"when": "7:30"} {"when": "8:00"}`,
		`{"when": "7:30", "bogus": 1}`,
		`[]`, `null`, ``, `{`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		h, path := fuzzAPI(t)
		send(t, h, path, http.MethodPost, "/v1/alarms", body)
	})
}

// FuzzPatchBody sends arbitrary bodies to PATCH /v1/alarms/1 (an existing alarm).
func FuzzPatchBody(f *testing.F) {
	for _, seed := range []string{
		`{"enabled": false}`,
		`{"enabled": true, "label": "renamed"}`,
		`{"label": ""}`,
		`{"label": "` + strings.Repeat("x", 201) + `"}`,
		`{"label": "tab\there"}`,
		`{"enabled": "yes"}`,
		`{}`, `null`, ``, `{"id": 2}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		h, path := fuzzAPI(t)
		if code := send(t, h, path, http.MethodPost, "/v1/alarms", []byte(`{"when": "7:30", "label": "fuzz"}`)); code != http.StatusCreated {
			t.Fatalf("setup add: %d", code)
		}
		send(t, h, path, http.MethodPatch, "/v1/alarms/1", body)
	})
}
