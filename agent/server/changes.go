package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"alarmd/agent/api"
	"alarmd/agent/history"
)

// from is where a request came from, for the history: the CLI (and the Alarms window) say so in
// api.FromHeader; anything else is a script using the API.
func from(r *http.Request) string {
	switch f := r.Header.Get(api.FromHeader); f {
	case history.FromCLI, history.FromWindow:
		return f
	}
	return history.FromAPI
}

// snoozeIDs snoozes id (0: every ringing alarm) for the duration text (empty: each alarm's own)
// and answers with what answer makes of the ids snoozed.
func (s *Server) snoozeIDs(w http.ResponseWriter, r *http.Request, id int, text string, answer func([]int) any) {
	var d time.Duration
	if text != "" {
		v, err := time.ParseDuration(text)
		if err != nil || v <= 0 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("snooze duration %q is not valid; use forms like 90s, 5m, 1h", text))
			return
		}
		d = v
	}
	ids, err := s.svc.Snooze(id, d, from(r))
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, answer(ids))
}

// snoozeAll is POST /v1/snooze {"id"?, "for"?}: no id snoozes every ringing alarm.
func (s *Server) snoozeAll(w http.ResponseWriter, r *http.Request) {
	var req api.SnoozeAllRequest
	if !decode(w, r, &req, false) {
		return
	}
	if req.ID < 0 {
		writeError(w, http.StatusBadRequest, "id must be a positive number")
		return
	}
	s.snoozeIDs(w, r, req.ID, req.For, func(ids []int) any { return api.SnoozeResponse{Snoozed: ids} })
}

// answerAlarm runs op on the alarm the path names and answers with the alarm it returns.
func (s *Server) answerAlarm(w http.ResponseWriter, r *http.Request, op func(id int) (api.Alarm, error)) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	a, err := op(id)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) skip(w http.ResponseWriter, r *http.Request) {
	var req api.SkipRequest
	if !decode(w, r, &req, false) {
		return
	}
	if req.Count < 0 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("count %d is out of range; accepted: 1 to 1000", req.Count))
		return
	}
	s.answerAlarm(w, r, func(id int) (api.Alarm, error) { return s.svc.Skip(id, req.Count, from(r)) })
}

func (s *Server) unskip(w http.ResponseWriter, r *http.Request) {
	s.answerAlarm(w, r, func(id int) (api.Alarm, error) { return s.svc.Unskip(id, from(r)) })
}

// history is GET /v1/history?since=RFC3339&id=N.
func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	var q history.Query
	if v := r.URL.Query().Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("since %q is not an RFC 3339 time (2026-12-01T07:00:00+01:00)", v))
			return
		}
		q.Since = t
	}
	if v := r.URL.Query().Get("id"); v != "" {
		id, err := strconv.Atoi(v)
		if err != nil || id < 1 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("alarm id %q is not valid; ids are positive whole numbers (see: alarmd list)", v))
			return
		}
		q.ID = id
	}
	entries, err := s.svc.History(q)
	if err != nil {
		s.fail(w, err)
		return
	}
	if entries == nil {
		entries = []history.Entry{}
	}
	writeJSON(w, http.StatusOK, api.HistoryList{Entries: entries})
}

// events is GET /v1/events: one JSON event a line until the client goes away (DESIGN §12). The
// server's read and write deadlines would cut a waiting stream, so they are lifted for it; the
// client's going away is noticed by the connection's own read (netpoll), so a waiting stream
// costs the agent no wake-up.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	if err := rc.SetReadDeadline(time.Time{}); err != nil {
		writeError(w, http.StatusInternalServerError, "event stream: "+err.Error())
		return
	}
	if err := rc.SetWriteDeadline(time.Time{}); err != nil {
		writeError(w, http.StatusInternalServerError, "event stream: "+err.Error())
		return
	}
	evs, stop := s.svc.Watch()
	defer stop()
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.closing:
			return
		case ev, ok := <-evs:
			if !ok {
				return // fell behind: the client reconnects and starts afresh
			}
			if err := enc.Encode(ev); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
	}
}
