package api

// Snapshot is the service's alarm state at one instant, read in one go: what the tray draws a
// redraw from. It is not sent over the control socket.
type Snapshot struct {
	Alarms  []Alarm // every alarm with its state and next ring, in id order (as List)
	Paused  bool    // all alarms are paused
	Ringing []int   // the ids ringing now
	Next    *Alarm  // the alarm that rings next, nil when none will
	Silent  string  // "muted" or "at 4 %" while the sound output would not be heard (DESIGN §16), else ""
}
