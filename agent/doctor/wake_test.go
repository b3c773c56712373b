package doctor

import (
	"errors"
	"strings"
	"testing"

	"alarmd/agent/api"
	"alarmd/agent/wake"
)

func TestWakeCheck(t *testing.T) {
	works := wake.Report{Binary: "/b/alarmd", FileCap: true, Effective: true}
	lacks := wake.Report{Binary: "/b/alarmd"}
	lost := wake.Report{Binary: "/b/alarmd", Lost: "/b/alarmd", LostWhy: "/b/alarmd had cap_wake_alarm … and has lost it: it was rebuilt or upgraded"}
	kernel := wake.Report{Binary: "/b/alarmd", Effective: true, KernelErr: errors.New("EINVAL")}
	for _, c := range []struct {
		name  string
		agent *api.Status
		r     wake.Report
		level Level
		want  string
	}{
		{"agent on", &api.Status{Wake: "on (lead 1m0s): no alarm asks for a wake now"}, lacks, OK, "the agent can wake the computer"},
		{"binary works, no agent", nil, works, OK, "works: /b/alarmd has cap_wake_alarm"},
		{"set up after the agent started", &api.Status{Wake: "off: the agent does not hold CAP_WAKE_ALARM"}, works, Warn, "restart it"},
		{"lacks", nil, lacks, Warn, "run: sudo /b/alarmd wake setup"},
		{"lost", nil, lost, Warn, "rebuilt or upgraded; run: sudo /b/alarmd wake setup"},
		{"kernel", nil, kernel, Warn, "the kernel refuses CLOCK_REALTIME_ALARM timers (EINVAL)"},
	} {
		got := wakeCheck(c.agent, c.r)
		if got.Check != "wake" || got.Level != c.level || !strings.Contains(got.Detail, c.want) {
			t.Errorf("%s: %+v, want %s …%s…", c.name, got, c.level, c.want)
		}
	}
}
