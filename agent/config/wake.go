package config

import (
	"fmt"
	"time"

	"alarmd/agent/alarm"
	"alarmd/agent/wake"
)

// wakeFile is the [wake] section of config.toml (DESIGN §15).
type wakeFile struct {
	Lead string `toml:"lead"`
}

// wakeLeadLimit is what `[wake] lead` accepts: from none to an hour before the ring.
var wakeLeadLimit = alarm.Limit{Name: "lead", Min: 0, Max: wake.MaxLead}

// readWakeLead reads `[wake] lead` into dst, or warns and keeps dst.
func readWakeLead(path, text string, dst *time.Duration, warns *[]string) {
	if text == "" {
		return
	}
	d, err := wakeLeadLimit.Parse("wake.lead", text)
	if err != nil {
		*warns = append(*warns, fmt.Sprintf("%s: %v; using %s", path, err, *dst))
		return
	}
	*dst = d
}
