package alarm

import (
	"strings"
	"testing"
	"time"
)

func TestLimitParse(t *testing.T) {
	for _, c := range []struct {
		limit Limit
		text  string
		want  time.Duration
		err   string
	}{
		{SnoozeLimit, "5m", 5 * time.Minute, ""},
		{SnoozeLimit, " 1s ", time.Second, ""},
		{SnoozeLimit, "24h", 24 * time.Hour, ""},
		{SnoozeLimit, "0s", 0, `--snooze 0s is out of range; accepted: 1s to 24h`},
		{SnoozeLimit, "25h", 0, `--snooze 25h is out of range; accepted: 1s to 24h`},
		{RingLimit, "forever", 0, `--ring "forever" is not a duration; use forms like 90s, 10m, 1h30m`},
		{LateLimit, "0s", 0, ""},
		{LateLimit, "-1m", 0, `--late -1m is out of range; accepted: 0s to 168h`},
		{FadeLimit, "90m", 0, `--fade 1h30m is out of range; accepted: 0s to 1h`},
	} {
		got, err := c.limit.Parse("--"+c.limit.Name, c.text)
		switch {
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("%s.Parse(%q) = %v, %v; want %v", c.limit.Name, c.text, got, err, c.want)
		case c.err != "" && (err == nil || err.Error() != c.err):
			t.Errorf("%s.Parse(%q) error = %v; want %q", c.limit.Name, c.text, err, c.err)
		}
	}
}

func TestCheckVolume(t *testing.T) {
	for v, ok := range map[int]bool{0: false, 1: true, 50: true, 100: true, 101: false, -5: false} {
		err := CheckVolume("--volume", v)
		if (err == nil) != ok {
			t.Errorf("CheckVolume(%d) = %v", v, err)
		}
		if err != nil && !strings.Contains(err.Error(), "accepted: 1 to 100 (percent)") {
			t.Errorf("CheckVolume(%d) message %q", v, err)
		}
	}
}

func TestBuiltinDefaultsAreWithinTheLimits(t *testing.T) {
	d := BuiltinDefaults()
	for l, v := range map[Limit]time.Duration{SnoozeLimit: d.Snooze, RingLimit: d.Ring, LateLimit: d.Late, FadeLimit: d.Fade} {
		if !l.Contains(v) {
			t.Errorf("default %s %v is outside %s", l.Name, v, l.Range())
		}
	}
	if CheckVolume("volume", d.Volume) != nil {
		t.Errorf("default volume %d", d.Volume)
	}
}
