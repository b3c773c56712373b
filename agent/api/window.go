package api

// WindowResponse is the answer to POST /v1/window (DESIGN §14): Shown is false when the Alarms
// window was open already and was brought forward instead.
type WindowResponse struct {
	Shown bool `json:"shown"`
}
