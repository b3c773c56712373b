package alarm

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Defaults are the option values an alarm is added with when the request leaves them out: the
// built-in ones (BuiltinDefaults), or what config.toml's [defaults] says (DESIGN §2, §5).
type Defaults struct {
	Sound  string // "" is the bundled default sound
	Snooze time.Duration
	Ring   time.Duration
	Late   time.Duration
	Fade   time.Duration
	Volume int    // percent
	Remind string // reminders before each ring ("1h,10m"); "" none
	Wake   *bool  // wake the computer for new alarms; nil: by kind (Alarm.WakesMachine)
}

// BuiltinDefaults are the defaults without a config file.
func BuiltinDefaults() Defaults {
	return Defaults{Snooze: DefaultSnooze, Ring: DefaultRing, Late: DefaultLate, Fade: DefaultFade, Volume: DefaultVolume}
}

// Limit is the accepted range of a duration option. The command line, the control API, the
// config file and the tray all check an option against the same Limit, so they accept the same
// values and say the same thing about the others.
type Limit struct {
	Name     string // the option's name: "snooze", "ring", "late", "fade"
	Min, Max time.Duration
}

// The per-alarm duration options and the volume.
var (
	SnoozeLimit = Limit{"snooze", time.Second, 24 * time.Hour}
	RingLimit   = Limit{"ring", time.Second, 24 * time.Hour}
	LateLimit   = Limit{"late", 0, 7 * 24 * time.Hour}
	FadeLimit   = Limit{"fade", 0, time.Hour}
)

// The accepted volume, in percent.
const (
	MinVolume = 1
	MaxVolume = 100
)

// DurationForms is what the errors about a duration offer instead.
const DurationForms = "use forms like 90s, 10m, 1h30m"

// Contains reports whether d is within the limit.
func (l Limit) Contains(d time.Duration) bool { return d >= l.Min && d <= l.Max }

// Range is the limit as people read it: "1s to 24h".
func (l Limit) Range() string { return short(l.Min) + " to " + short(l.Max) }

// Parse reads text as the option's value. flag is how the caller's user spells the option
// ("--snooze", "defaults.snooze"); the error is one line naming it, the value and what is
// accepted.
func (l Limit) Parse(flag, text string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(text))
	if err != nil {
		return 0, fmt.Errorf("%s %q is not a duration; %s", flag, text, DurationForms)
	}
	if !l.Contains(d) {
		return 0, fmt.Errorf("%s %s is out of range; accepted: %s", flag, short(d), l.Range())
	}
	return d, nil
}

// CheckVolume returns an error naming flag when v is not an accepted volume.
func CheckVolume(flag string, v int) error {
	if v < MinVolume || v > MaxVolume {
		return fmt.Errorf("%s %d is out of range; accepted: %d to %d (percent)", flag, v, MinVolume, MaxVolume)
	}
	return nil
}

// short formats a limit without the zero units time.Duration prints: 24h, 1s, 10m, 1h30m.
func short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// RemindLimit is the accepted range of one reminder's lead time; a recurring alarm's reminders
// must also be shorter than the time between its occurrences (see Alarm.ShortestPeriod).
var RemindLimit = Limit{"remind", time.Second, 7 * 24 * time.Hour}

// ParseReminders reads a comma-separated list of reminder lead times ("1h,10m"), each checked
// against RemindLimit, longest first, without repeats. flag names the option in errors.
func ParseReminders(flag, text string) ([]Duration, error) {
	var out []Duration
	for _, part := range strings.Split(text, ",") {
		if strings.TrimSpace(part) == "" {
			return nil, fmt.Errorf("%s %q has an empty entry; give lead times like 10m or 1h,10m", flag, text)
		}
		d, err := RemindLimit.Parse(flag, part)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, Duration(d)) {
			out = append(out, Duration(d))
		}
	}
	slices.SortFunc(out, func(a, b Duration) int { return cmp.Compare(b, a) })
	return out, nil
}
