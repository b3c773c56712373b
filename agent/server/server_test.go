package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"alarmd/agent/api"
	"alarmd/agent/client"
	"alarmd/agent/clock"
	"alarmd/agent/ringer"
	"alarmd/agent/service"
	"alarmd/agent/store"
)

// serve starts a real server on a real unix socket, backed by a real service and store.
func serve(t *testing.T) (*Server, string, *atomic.Int32) {
	srv, sock, quits, _ := serveCounting(t)
	return srv, sock, quits
}

// serveCounting is serve that also counts the requests OnActivity reports.
func serveCounting(t *testing.T) (srv *Server, sock string, quits, requests *atomic.Int32) {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "alarms.json"))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	clk := clock.NewFake(time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC), time.UTC)
	svc := service.New(service.Options{Store: st, Clock: clk, Ringer: ringer.New(ringer.Options{Log: log}), Log: log})
	quits, requests = new(atomic.Int32), new(atomic.Int32)
	srv = New(svc, log, func() { quits.Add(1) })
	srv.OnActivity(func() { requests.Add(1) })
	sock = filepath.Join(dir, "alarmd.sock")
	ln, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return srv, sock, quits, requests
}

// raw sends one request on the socket and returns status and error message.
func raw(t *testing.T, sock, method, path, host string, hdr map[string]string, body string) (int, string) {
	t.Helper()
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest(method, "http://"+host+path, strings.NewReader(body))
	if body == "" {
		req.Body = nil
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var e api.Error
	data, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(data, &e)
	return resp.StatusCode, e.Error
}

func TestSocketIsPrivate(t *testing.T) {
	_, sock, _ := serve(t)
	fi, err := os.Stat(sock)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v, err %v", fi.Mode(), err)
	}
}

func TestRejections(t *testing.T) {
	_, sock, _ := serve(t)
	big := `{"when":"7:30","label":"` + strings.Repeat("x", api.MaxBody) + `"}`
	for _, tc := range []struct {
		name, method, path, host string
		hdr                      map[string]string
		body                     string
		status                   int
		msg                      string
	}{
		{"origin header", "GET", "/v1/alarms", "alarmd", map[string]string{"Origin": "http://evil.example"}, "", 403, "Origin"},
		{"other host", "GET", "/v1/alarms", "localhost", nil, "", 403, "Host"},
		{"dns rebinding host", "GET", "/v1/status", "alarmd.evil.example", nil, "", 403, "Host"},
		{"body over 64 KiB", "POST", "/v1/alarms", "alarmd", nil, big, 413, "64 KiB"},
		{"label over 200 chars", "POST", "/v1/alarms", "alarmd", nil, `{"when":"7:30","label":"` + strings.Repeat("y", 201) + `"}`, 400, "at most 200"},
		{"label with control char", "POST", "/v1/alarms", "alarmd", nil, `{"when":"7:30","label":"a\u0007b"}`, 400, "control character"},
		{"label with newline", "POST", "/v1/alarms", "alarmd", nil, `{"when":"7:30","label":"a\nb"}`, 400, "control character"},
		{"unknown field", "POST", "/v1/alarms", "alarmd", nil, `{"when":"7:30","colour":"red"}`, 400, "colour"},
		{"not json", "POST", "/v1/alarms", "alarmd", nil, `when=7:30`, 400, "bad request body"},
		{"empty body", "POST", "/v1/alarms", "alarmd", nil, ``, 400, "empty body"},
		{"trailing data", "POST", "/v1/alarms", "alarmd", nil, `{"when":"7:30"} {}`, 400, "trailing"},
		{"bad when", "POST", "/v1/alarms", "alarmd", nil, `{"when":"25:00"}`, 400, "25:00"},
		{"bad id", "GET", "/v1/alarms/abc", "alarmd", nil, "", 400, "abc"},
		{"unknown id", "DELETE", "/v1/alarms/42", "alarmd", nil, "", 404, "42"},
		{"wrong method", "PUT", "/v1/alarms", "alarmd", nil, "", 405, "PUT"},
		{"unknown path", "GET", "/v2/alarms", "alarmd", nil, "", 404, "/v1/"},
		{"snooze not ringing", "POST", "/v1/dismiss", "alarmd", nil, "", 409, "no alarm is ringing"},
	} {
		status, msg := raw(t, sock, tc.method, tc.path, tc.host, tc.hdr, tc.body)
		if status != tc.status || !strings.Contains(msg, tc.msg) {
			t.Errorf("%s: %d %q, want %d with %q", tc.name, status, msg, tc.status, tc.msg)
		}
	}
}

// TestForeignPeerIsRefused checks the SO_PEERCRED path: the server is told its own uid is another
// one, so this test process is a foreign peer. (The end-to-end test uses a real second uid.)
func TestForeignPeerIsRefused(t *testing.T) {
	srv, sock, _ := serve(t)
	srv.uid = os.Getuid() + 1
	status, msg := raw(t, sock, "GET", "/v1/alarms", "alarmd", nil, "")
	if status != 403 || !strings.Contains(msg, "own user") {
		t.Fatalf("foreign peer got %d %q", status, msg)
	}
}

func TestClientRoundTrip(t *testing.T) {
	_, sock, quits := serve(t)
	c := client.New(sock)
	ctx := context.Background()
	label := "Wake up"
	a, err := c.Add(ctx, api.AddRequest{When: "7:30", Label: &label, Repeat: "weekdays"})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != 1 || a.Label != label || a.State != api.StateOn || a.Next.IsZero() {
		t.Fatalf("added %+v", a)
	}
	off := false
	if p, err := c.Edit(ctx, a.ID, api.EditRequest{Enabled: &off}); err != nil || p.State != api.StateOff {
		t.Fatalf("patch: %+v %v", p, err)
	}
	if l, err := c.List(ctx); err != nil || len(l) != 1 {
		t.Fatalf("list: %v %v", l, err)
	}
	if st, err := c.Status(ctx); err != nil || st.Alarms != 1 {
		t.Fatalf("status: %+v %v", st, err)
	}
	if _, err := c.Snooze(ctx, a.ID, 0); err == nil || err.(*client.APIError).Status != 409 {
		t.Fatalf("snooze of a silent alarm: %v", err)
	}
	if err := c.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, a.ID); err == nil || err.(*client.APIError).Status != 404 {
		t.Fatalf("get deleted: %v", err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Second)
	for quits.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if quits.Load() != 1 {
		t.Fatalf("stop did not call quit")
	}
}

func TestOnActivitySeesEveryRequest(t *testing.T) {
	_, sock, _, requests := serveCounting(t)
	c := client.New(sock)
	for range 3 {
		if _, err := c.List(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got := requests.Load(); got != 3 {
		t.Fatalf("OnActivity ran %d times for 3 requests on one connection", got)
	}
}

func TestClientNotRunning(t *testing.T) {
	c := client.New(filepath.Join(t.TempDir(), "none.sock"))
	if _, err := c.List(context.Background()); err != client.ErrNotRunning {
		t.Fatalf("got %v, want ErrNotRunning", err)
	}
}
