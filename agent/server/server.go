// Package server is the agent's side of the control API (DESIGN §8): HTTP/1.1 and JSON on a unix
// socket that only the agent's own user may use. It translates requests into service operations
// and nothing else.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"alarmd/agent/api"
	"alarmd/agent/history"
	"alarmd/agent/service"
)

// Service is what the server needs of the alarm service.
type Service interface {
	Status() api.Status
	List() []api.Alarm
	Get(id int) (api.Alarm, error)
	Add(req api.AddRequest) (api.Alarm, error)
	Edit(id int, req api.EditRequest, from string) (api.Alarm, error)
	Delete(id int, from string) error
	Snooze(id int, d time.Duration, from string) ([]int, error)
	Dismiss(id int, from string) ([]int, error)
	Skip(id, count int, from string) (api.Alarm, error)
	Unskip(id int, from string) (api.Alarm, error)
	History(q history.Query) ([]history.Entry, error)
	Watch() (events <-chan api.Event, stop func())
}

// Server serves the control API.
type Server struct {
	svc  Service
	log  *slog.Logger
	quit func()
	uid  int
	http *http.Server
	// closing is closed by Shutdown, which ends the event streams (they would otherwise keep it
	// waiting until its deadline).
	closing   chan struct{}
	closeOnce sync.Once
	// openWindow shows the Alarms window (window.go); nil: none.
	openWindow func() (bool, error)
}

// New returns a server for svc; quit is called for POST /v1/stop.
func New(svc Service, log *slog.Logger, quit func()) *Server {
	s := &Server{svc: svc, log: log, quit: quit, uid: os.Getuid(), closing: make(chan struct{})}
	s.http = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		// The CLI sends one request per connection; a short idle timeout also means the
		// deadline a finished connection leaves in Go's timer heap (a stopped timer still
		// wakes the runtime once when it would have fired) comes due while the agent is
		// still winding down from the request rather than half a minute into idle.
		IdleTimeout:    5 * time.Second,
		MaxHeaderBytes: 16 << 10,
		ConnContext:    withPeer,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	return s
}

// Listen opens the control socket at path, private to the user (0600). A socket file left by an
// agent that died is removed first: the caller holds the single-instance lock, so no live agent
// can own it.
func Listen(path string) (net.Listener, error) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("remove stale socket: %w", err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listen on control socket: %w", err)
	}
	// The directory is already 0700; the mode on the socket is a second fence.
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("chmod control socket: %w", err)
	}
	return ln, nil
}

// Serve answers requests on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	err := s.http.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting requests and waits for the ones under way.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closeOnce.Do(func() { close(s.closing) })
	return s.http.Shutdown(ctx)
}

type route struct {
	pattern string
	methods map[string]func(w http.ResponseWriter, r *http.Request)
}

// OnActivity makes f run whenever a connection starts a request. Call it before Serve.
func (s *Server) OnActivity(f func()) {
	s.http.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateActive {
			f()
		}
	}
}

// Handler is the API's http.Handler (exported for tests).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range []route{
		{"/v1/status", map[string]func(http.ResponseWriter, *http.Request){"GET": s.status}},
		{"/v1/alarms", map[string]func(http.ResponseWriter, *http.Request){"GET": s.list, "POST": s.add}},
		{"/v1/alarms/{id}", map[string]func(http.ResponseWriter, *http.Request){"GET": s.get, "PATCH": s.patch, "DELETE": s.delete}},
		{"/v1/alarms/{id}/snooze", map[string]func(http.ResponseWriter, *http.Request){"POST": s.snooze}},
		{"/v1/alarms/{id}/skip", map[string]func(http.ResponseWriter, *http.Request){"POST": s.skip}},
		{"/v1/alarms/{id}/unskip", map[string]func(http.ResponseWriter, *http.Request){"POST": s.unskip}},
		{"/v1/snooze", map[string]func(http.ResponseWriter, *http.Request){"POST": s.snoozeAll}},
		{"/v1/dismiss", map[string]func(http.ResponseWriter, *http.Request){"POST": s.dismiss}},
		{"/v1/history", map[string]func(http.ResponseWriter, *http.Request){"GET": s.history}},
		{"/v1/events", map[string]func(http.ResponseWriter, *http.Request){"GET": s.events}},
		{"/v1/stop", map[string]func(http.ResponseWriter, *http.Request){"POST": s.stop}},
		{"/v1/window", map[string]func(http.ResponseWriter, *http.Request){"POST": s.window}},
		{"/v1/export", map[string]func(http.ResponseWriter, *http.Request){"GET": s.export}},
		{"/v1/import", map[string]func(http.ResponseWriter, *http.Request){"POST": s.importCalendar}},
	} {
		mux.HandleFunc(rt.pattern, func(w http.ResponseWriter, r *http.Request) {
			h, ok := rt.methods[r.Method]
			if !ok {
				allowed := make([]string, 0, len(rt.methods))
				for m := range rt.methods {
					allowed = append(allowed, m)
				}
				w.Header().Set("Allow", strings.Join(allowed, ", "))
				writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed on %s", r.Method, r.URL.Path))
				return
			}
			h(w, r)
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no such endpoint: %s (the API lives under /v1/)", r.URL.Path))
	})
	return s.guard(mux)
}

// guard enforces DESIGN §8's rejections before any handler runs.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if uid, ok := peerFrom(r.Context()); ok && uid != s.uid {
			s.log.Warn("control API: refused a peer of another user", "uid", uid)
			writeError(w, http.StatusForbidden, "forbidden: the agent serves only its own user")
			return
		}
		if r.Header.Get("Origin") != "" {
			// A browser page talking to us through some proxy: never.
			writeError(w, http.StatusForbidden, "forbidden: requests with an Origin header are refused")
			return
		}
		if r.Host != api.Host {
			writeError(w, http.StatusForbidden, fmt.Sprintf("forbidden: Host must be %q", api.Host))
			return
		}
		if limit := bodyLimit(r.URL.Path); r.ContentLength > limit {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d KiB", limit>>10))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, bodyLimit(r.URL.Path))
		next.ServeHTTP(w, r)
	})
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.svc.Status())
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, api.AlarmList{Alarms: s.svc.List()})
}

func (s *Server) add(w http.ResponseWriter, r *http.Request) {
	var req api.AddRequest
	if !decode(w, r, &req, true) {
		return
	}
	a, err := s.svc.Add(req)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, a)
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	a, err := s.svc.Get(id)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) patch(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	var req api.EditRequest
	if !decode(w, r, &req, true) {
		return
	}
	a, err := s.svc.Edit(id, req, from(r))
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := s.svc.Delete(id, from(r)); err != nil {
		s.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) snooze(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	var req api.SnoozeRequest
	if !decode(w, r, &req, false) {
		return
	}
	s.snoozeIDs(w, r, id, req.For, func(ids []int) any { return api.DismissResponse{Dismissed: ids} })
}

func (s *Server) dismiss(w http.ResponseWriter, r *http.Request) {
	var req api.DismissRequest
	if !decode(w, r, &req, false) {
		return
	}
	if req.ID < 0 {
		writeError(w, http.StatusBadRequest, "id must be a positive number")
		return
	}
	ids, err := s.svc.Dismiss(req.ID, from(r))
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, api.DismissResponse{Dismissed: ids})
}

func (s *Server) stop(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "stopping"})
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	s.log.Info("stop requested through the control API")
	go s.quit()
}

// statusOf is the HTTP status the control API answers each kind of service error with: the
// one place where the service's failures meet HTTP.
var statusOf = map[service.Kind]int{
	service.BadInput: http.StatusBadRequest,
	service.NotFound: http.StatusNotFound,
	service.Conflict: http.StatusConflict,
	service.ReadOnly: http.StatusConflict,
}

// fail answers a service error with the status of its kind; anything else is a 500 with the
// message.
func (s *Server) fail(w http.ResponseWriter, err error) {
	var se *service.Error
	if errors.As(err, &se) {
		status, ok := statusOf[se.Kind]
		if !ok {
			status = http.StatusInternalServerError
		}
		writeError(w, status, se.Msg)
		return
	}
	s.log.Error("control API request failed", "err", err)
	writeError(w, http.StatusInternalServerError, err.Error())
}

func pathID(w http.ResponseWriter, r *http.Request) (int, bool) {
	raw := r.PathValue("id")
	id, err := strconv.Atoi(raw)
	if err != nil || id < 1 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("alarm id %q is not valid; ids are positive whole numbers (see: alarmd list)", raw))
		return 0, false
	}
	return id, true
}

// decode reads a JSON body strictly: unknown fields and trailing data are errors, so a typo in a
// script is reported rather than ignored. An empty body is fine unless required.
func decode(w http.ResponseWriter, r *http.Request, v any, required bool) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if dec.More() {
			err = errors.New("trailing data after the JSON object")
		} else if _, e := dec.Token(); e != io.EOF {
			err = errors.New("trailing data after the JSON object")
		}
	}
	if errors.Is(err, io.EOF) && !required {
		return true
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d KiB", api.MaxBody>>10))
			return false
		}
		if errors.Is(err, io.EOF) {
			err = errors.New("empty body; a JSON object is required")
		}
		writeError(w, http.StatusBadRequest, "bad request body: "+err.Error())
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the peer hung up; nothing to do
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, api.Error{Error: msg})
}
