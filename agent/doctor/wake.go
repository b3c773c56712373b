package doctor

import (
	"strings"

	"alarmd/agent/api"
	"alarmd/agent/wake"
)

const checkWake = "wake"

// wakeCheck says whether alarms can wake the computer from suspend (DESIGN §15): the running
// agent's own view when it answers, else what an agent started from this binary would get. Not
// being able to is a warning, not a failure: alarms still ring while the computer is awake. A
// binary that had the capability and lost it (rebuilt, moved, upgraded) is named.
func wakeCheck(agent *api.Status, r wake.Report) Result {
	if agent != nil && strings.HasPrefix(agent.Wake, "on") {
		return Result{OK, checkWake, "the agent can wake the computer: " + strings.TrimPrefix(agent.Wake, "on ")}
	}
	if r.Works() {
		detail := r.Summary()
		if agent != nil && agent.Wake != "" {
			detail += "; the running agent says " + agent.Wake + ": restart it (alarmd stop && alarmd start)"
			return Result{Warn, checkWake, detail}
		}
		return Result{OK, checkWake, detail}
	}
	return Result{Warn, checkWake, r.Summary()}
}

// wakeReport inspects this binary.
func wakeReport(stateDir string) wake.Report {
	bin, err := wake.Binary()
	if err != nil {
		return wake.Report{Binary: "alarmd"}
	}
	return wake.Inspect(bin, wake.RecordFile(stateDir))
}
