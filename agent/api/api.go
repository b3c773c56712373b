// Package api holds the JSON shapes of the control API (DESIGN §8) shared by the agent's server and
// the command-line client, so the two cannot drift apart.
package api

import (
	"time"

	"alarmd/agent/alarm"
)

// Host is the only Host header the server accepts; clients dial the unix socket and use
// http://alarmd/v1/... as the URL.
const Host = "alarmd"

// MaxBody is the largest request body accepted (bigger → 413).
const MaxBody = 64 << 10

// States an alarm can be in, as `alarmd list` shows them.
const (
	StateOn      = "on"
	StateOff     = "off"
	StateSnoozed = "snoozed"
	StateRinging = "ringing"
)

// Alarm is an alarm as the API shows it: the stored record plus what the agent computed.
type Alarm struct {
	alarm.Alarm
	State string    `json:"state"`
	Next  time.Time `json:"next,omitzero"` // next ring instant, if any
}

// AlarmList is the body of GET /v1/alarms.
type AlarmList struct {
	Alarms []Alarm `json:"alarms"`
}

// AddRequest is the body of POST /v1/alarms. Durations are Go duration strings ("10m", "1h30m").
type AddRequest struct {
	When   string  `json:"when"`
	Label  *string `json:"label,omitempty"`
	Repeat string  `json:"repeat,omitempty"`
	Sound  string  `json:"sound,omitempty"`
	Snooze string  `json:"snooze,omitempty"`
	Ring   string  `json:"ring,omitempty"`
	Late   string  `json:"late,omitempty"`
	Fade   string  `json:"fade,omitempty"`
	Volume int     `json:"volume,omitempty"`
	Remind string  `json:"remind,omitempty"` // reminders before each ring: "10m", "1h,10m"
	Wake   *bool   `json:"wake,omitempty"`   // wake the computer for it (DESIGN §15); nil: the default
}

// SnoozeRequest is the (optional) body of POST /v1/alarms/{id}/snooze.
type SnoozeRequest struct {
	For string `json:"for,omitempty"`
}

// DismissRequest is the (optional) body of POST /v1/dismiss; no ID means every ringing alarm.
type DismissRequest struct {
	ID int `json:"id,omitempty"`
}

// DismissResponse lists the alarms that were ringing and are now stopped.
type DismissResponse struct {
	Dismissed []int `json:"dismissed"`
}

// Status is the body of GET /v1/status.
type Status struct {
	PID           int       `json:"pid"`
	Version       string    `json:"version"`
	Started       time.Time `json:"started"`
	Uptime        string    `json:"uptime"`
	Alarms        int       `json:"alarms"`
	Next          *Alarm    `json:"next,omitempty"`
	Ringing       []int     `json:"ringing,omitempty"`
	Paused        bool      `json:"paused,omitempty"`
	ReadOnly      bool      `json:"read_only,omitempty"`
	Zone          string    `json:"zone"`
	Tray          string    `json:"tray"`
	Notifications string    `json:"notifications"`
	Audio         string    `json:"audio"`
	Output        *Output   `json:"output,omitempty"`         // the default sound output (DESIGN §16)
	DoNotDisturb  string    `json:"do_not_disturb,omitempty"` // why notifications are held back, "" when they are not
	Warnings      []string  `json:"warnings,omitempty"`
	Wake          string    `json:"wake,omitempty"` // whether the agent can wake the computer, and its next wake (DESIGN §15)
}

// Error is the body of every error response.
type Error struct {
	Error string `json:"error"`
}
