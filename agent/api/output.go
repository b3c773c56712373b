package api

// Output is the default sound output as the agent sees it (DESIGN §16).
type Output struct {
	// Checked is true when a sound server answered; Reason says why not otherwise.
	Checked bool   `json:"checked"`
	Reason  string `json:"reason,omitempty"`
	Sink    string `json:"sink,omitempty"`
	Muted   bool   `json:"muted,omitempty"`
	Volume  int    `json:"volume,omitempty"` // percent of the loudest channel
	// Silent: muted or below 10 %, so an alarm would only be shown.
	Silent bool `json:"silent,omitempty"`
}
