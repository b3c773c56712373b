package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"alarmd/agent/api"
	"alarmd/agent/calendar"
)

// CalendarService is what GET /v1/export and POST /v1/import need (DESIGN §13).
type CalendarService interface {
	Export() ([]byte, error)
	Import(data []byte, dryRun bool) (api.ImportResult, error)
}

// bodyLimit is the largest request body accepted on path: a calendar for /v1/import, a small
// JSON object anywhere else.
func bodyLimit(path string) int64 {
	if path == "/v1/import" {
		return calendar.MaxBytes
	}
	return api.MaxBody
}

func (s *Server) calendarService(w http.ResponseWriter) (CalendarService, bool) {
	cs, ok := s.svc.(CalendarService)
	if !ok {
		writeError(w, http.StatusNotImplemented, "this agent cannot export or import calendars")
	}
	return cs, ok
}

// export answers GET /v1/export with the alarms as text/calendar.
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	cs, ok := s.calendarService(w)
	if !ok {
		return
	}
	data, err := cs.Export()
	if err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", api.CalendarType)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data) // the peer hung up; nothing to do
}

// importCalendar answers POST /v1/import[?dry_run=1]: the body is an iCalendar file.
func (s *Server) importCalendar(w http.ResponseWriter, r *http.Request) {
	cs, ok := s.calendarService(w)
	if !ok {
		return
	}
	dryRun := false
	if v := r.URL.Query().Get("dry_run"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("dry_run=%q: use 1 or 0", v))
			return
		}
		dryRun = b
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("calendar over %d MB; at most %d MB are read", calendar.MaxBytes>>20, calendar.MaxBytes>>20))
			return
		}
		writeError(w, http.StatusBadRequest, "read the calendar: "+err.Error())
		return
	}
	res, err := cs.Import(data, dryRun)
	if err != nil {
		if res.Error != "" {
			// Components that cannot be alarms: the whole result, so the client can name each.
			writeJSON(w, http.StatusBadRequest, res)
			return
		}
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
