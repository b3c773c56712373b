package api

// ImportProblem names one calendar component and what is wrong with it, or, as a note, what
// of it was not kept (DESIGN §13).
type ImportProblem struct {
	Component string `json:"component"`
	Reason    string `json:"reason"`
}

// ImportResult answers POST /v1/import: the alarms added (with a dry run: that would be
// added, without ids), the components that cannot become alarms (a real import then adds
// nothing and answers 400 with Error set), what was left out on the way, and how many
// components were already imported or are not alarms.
type ImportResult struct {
	DryRun   bool            `json:"dry_run,omitempty"`
	Added    []Alarm         `json:"added"`
	Problems []ImportProblem `json:"problems,omitempty"`
	Notes    []ImportProblem `json:"notes,omitempty"`
	Existing int             `json:"existing,omitempty"`
	Ignored  int             `json:"ignored,omitempty"`
	Error    string          `json:"error,omitempty"`
}

// CalendarType is the media type of GET /v1/export and of the POST /v1/import body.
const CalendarType = "text/calendar; charset=utf-8"
