package api

import (
	"time"

	"alarmd/agent/history"
)

// FromHeader is the request header in which the command line ("cli") and the Alarms window
// ("window") say where a change comes from, for the history; without it a change counts as a
// script's ("api").
const FromHeader = "X-Alarmd-From"

// EditRequest is the body of PATCH /v1/alarms/{id}: every field of the add body, each left alone
// when absent, plus what only makes sense for an alarm that exists (DESIGN §12).
type EditRequest struct {
	When    *string `json:"when,omitempty"`
	Label   *string `json:"label,omitempty"`
	Repeat  *string `json:"repeat,omitempty"`
	Once    bool    `json:"once,omitempty"` // drop the repeat rule: ring once, at the next occurrence
	Sound   *string `json:"sound,omitempty"`
	Snooze  *string `json:"snooze,omitempty"`
	Ring    *string `json:"ring,omitempty"`
	Late    *string `json:"late,omitempty"`
	Fade    *string `json:"fade,omitempty"`
	Volume  *int    `json:"volume,omitempty"`
	Remind  *string `json:"remind,omitempty"` // "1h,10m"; "" removes every reminder
	Wake    *bool   `json:"wake,omitempty"`   // wake the computer for it (DESIGN §15)
	Enabled *bool   `json:"enabled,omitempty"`
}

// IsZero reports whether r changes nothing.
func (r EditRequest) IsZero() bool { return r == EditRequest{} }

// SkipRequest is the (optional) body of POST /v1/alarms/{id}/skip.
type SkipRequest struct {
	Count int `json:"count,omitempty"` // occurrences to skip; 0 means 1
}

// SnoozeAllRequest is the (optional) body of POST /v1/snooze: no ID means every ringing alarm, no
// For each alarm's own snooze time.
type SnoozeAllRequest struct {
	ID  int    `json:"id,omitempty"`
	For string `json:"for,omitempty"`
}

// SnoozeResponse lists the alarms snoozed.
type SnoozeResponse struct {
	Snoozed []int `json:"snoozed"`
}

// HistoryList is the body of GET /v1/history.
type HistoryList struct {
	Entries []history.Entry `json:"entries"`
}

// Event types on GET /v1/events.
const (
	EventAdded   = "added"
	EventChanged = "changed"
	EventRemoved = "removed"
	EventRinging = "ringing"
	EventSnoozed = "snoozed"
	EventStopped = "stopped"
	EventNext    = "next" // the alarm that rings next is another one, or rings at another time
)

// Event is one line of GET /v1/events.
type Event struct {
	Type  string    `json:"type"`
	At    time.Time `json:"at"`
	ID    int       `json:"id,omitempty"`
	Alarm *Alarm    `json:"alarm,omitempty"` // the alarm as it is now; for next: nil when none will ring
	Until time.Time `json:"until,omitzero"`  // snoozed: when it rings again
	End   string    `json:"end,omitempty"`   // stopped: how it ended (history's words)
	From  string    `json:"from,omitempty"`  // where the change came from (history's words)
}
