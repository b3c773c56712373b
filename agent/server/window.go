package server

import (
	"net/http"

	"alarmd/agent/api"
)

// OnWindow sets what POST /v1/window does (DESIGN §14): open shows the Alarms window in the
// agent's session and returns at once; shown is false when it was open already. Without it the
// endpoint answers 503. Call it before Serve.
func (s *Server) OnWindow(open func() (shown bool, err error)) { s.openWindow = open }

// window is POST /v1/window.
func (s *Server) window(w http.ResponseWriter, r *http.Request) {
	if s.openWindow == nil {
		writeError(w, http.StatusServiceUnavailable, "this agent shows no windows (no dialog program or no display)")
		return
	}
	shown, err := s.openWindow()
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "cannot show the Alarms window: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, api.WindowResponse{Shown: shown})
}
