// Package alarm defines the alarm record shared by the store, the scheduler, the control API and
// the command line, and the defaults that apply when an option was not given.
//
// An Alarm is plain data: it knows when it was asked to ring and what has already been rung, but
// computing the next ring instant needs the current zone and clock, which the scheduler supplies.
package alarm

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"alarmd/agent/when"
)

// Defaults for the per-alarm options (DESIGN §5, §7).
const (
	DefaultSnooze = 10 * time.Minute
	DefaultRing   = 5 * time.Minute
	DefaultLate   = 10 * time.Minute
	DefaultFade   = 10 * time.Second
	DefaultVolume = 100

	// MaxLabel is the longest label accepted, in characters (DESIGN §8).
	MaxLabel = 200
)

// Alarm is one stored alarm.
type Alarm struct {
	ID    int    `json:"id"`
	Label string `json:"label,omitempty"`
	// UID is the iCalendar UID the alarm was imported with (DESIGN §13); export uses it, so an
	// imported alarm keeps its identity and importing the same file twice adds nothing.
	UID string `json:"uid,omitempty"`

	// Kind says how the time is anchored. Instant and Relative alarms ring at At; Local alarms
	// ring at First (and, when repeating, at the later occurrences of Repeat) in whatever zone the
	// system has at that moment.
	Kind   when.Kind `json:"kind"`
	At     time.Time `json:"at,omitzero"`
	First  when.Wall `json:"first,omitzero"`
	Repeat when.Rule `json:"repeat,omitzero"`

	Sound  string   `json:"sound,omitempty"`
	Snooze Duration `json:"snooze,omitzero"`
	Ring   Duration `json:"ring,omitzero"`
	Late   Duration `json:"late,omitzero"`
	Fade   Duration `json:"fade,omitzero"`
	Volume int      `json:"volume,omitzero"` // percent; 0 means DefaultVolume
	Wake   *bool    `json:"wake,omitempty"`  // wake the computer for it; nil: by kind (WakesMachine)
	// Remind lists how long before each ring a quiet reminder is shown (DESIGN §12).
	Remind []Duration `json:"remind,omitempty"`

	Enabled bool `json:"enabled"`

	// Done is the last occurrence of a Local alarm that was rung or given up as missed; the next
	// occurrence is the first one after it. Recorded before ringing, so an occurrence never rings
	// twice, not even across a crash or a zone change.
	Done when.Wall `json:"done,omitzero"`
	// Rung is set once an Instant or Relative alarm has rung (or was missed).
	Rung bool `json:"rung,omitempty"`
	// SnoozedUntil, when set, is the instant a snoozed alarm rings again.
	SnoozedUntil time.Time `json:"snoozed_until,omitzero"`
	// Skip is how many of a recurring alarm's next occurrences pass without ringing.
	Skip int `json:"skip,omitempty"`
	// SkipFrom is where the latest skip was asked from (the history's words), for the history
	// entries of the skipped occurrences.
	SkipFrom string `json:"skip_from,omitempty"`
	// Ringing describes the occurrence that is ringing or snoozed, from its first ring until it
	// ends, so that its history entry (DESIGN §12) survives a restart in between.
	Ringing *Occurrence `json:"ringing,omitempty"`

	Created time.Time `json:"created"`
}

// Occurrence is one occurrence of an alarm between its first ring and its end.
type Occurrence struct {
	Due     time.Time `json:"due"`               // the instant it was due
	Rang    time.Time `json:"rang"`              // when it first rang
	Snoozes int       `json:"snoozes,omitempty"` // how often it was snoozed
}

// Clone returns a copy of a that shares nothing with it: the store and the service hand out
// copies that callers may change.
func (a Alarm) Clone() Alarm {
	a.Remind = slices.Clone(a.Remind)
	if a.Ringing != nil {
		occ := *a.Ringing
		a.Ringing = &occ
	}
	if a.Wake != nil {
		w := *a.Wake
		a.Wake = &w
	}
	return a
}

// Title is the notification title: the label, or "Alarm" without one.
func (a *Alarm) Title() string {
	if a.Label == "" {
		return "Alarm"
	}
	return a.Label
}

// SnoozeFor, RingFor and VolumePercent return the option or, when it is zero, its default:
// zero is not a valid snooze, ring time or volume. Late and Fade are stored as given when the
// alarm is added (the defaults are applied then), because zero is meaningful for them: ring only
// on time, start at full volume.
func (a *Alarm) SnoozeFor() time.Duration { return a.Snooze.Or(DefaultSnooze) }
func (a *Alarm) RingFor() time.Duration   { return a.Ring.Or(DefaultRing) }

// LateBy is how late a missed occurrence may still ring.
func (a *Alarm) LateBy() time.Duration { return max(time.Duration(a.Late), 0) }

// FadeIn is how long the sound takes to reach its volume.
func (a *Alarm) FadeIn() time.Duration { return max(time.Duration(a.Fade), 0) }

func (a *Alarm) VolumePercent() int {
	if a.Volume <= 0 {
		return DefaultVolume
	}
	return a.Volume
}

// Recurring reports whether the alarm has more than one occurrence.
func (a *Alarm) Recurring() bool { return !a.Repeat.IsZero() }

// NextRing is the instant the alarm rings next, in loc, or ok=false when it will not ring again
// (disabled, or a one-shot that has rung). A snooze wins over the schedule.
func (a *Alarm) NextRing(loc *time.Location) (at time.Time, occurrence when.Wall, ok bool) {
	if !a.Enabled {
		return time.Time{}, when.Wall{}, false
	}
	if !a.SnoozedUntil.IsZero() {
		return a.SnoozedUntil, a.Done, true
	}
	switch a.Kind {
	case when.Instant, when.Relative:
		if a.Rung {
			return time.Time{}, when.Wall{}, false
		}
		return a.At, when.Wall{}, true
	default:
		w, ok := a.Repeat.NextIn(a.First, a.Done, loc)
		if !ok {
			return time.Time{}, when.Wall{}, false
		}
		return w.In(loc), w, true
	}
}

// NextRingAfterSkips is NextRing with the occurrences the user skipped passed over: the ring
// that will actually sound. A snooze still wins.
func (a *Alarm) NextRingAfterSkips(loc *time.Location) (at time.Time, occurrence when.Wall, ok bool) {
	at, occurrence, ok = a.NextRing(loc)
	if !ok || a.Skip <= 0 || !a.SnoozedUntil.IsZero() || a.Kind != when.Local || !a.Recurring() {
		return at, occurrence, ok
	}
	for range a.Skip {
		if occurrence, ok = a.Repeat.NextIn(a.First, occurrence, loc); !ok {
			return time.Time{}, when.Wall{}, false
		}
	}
	return occurrence.In(loc), occurrence, true
}

// ValidateLabel checks a label against DESIGN §8: at most MaxLabel characters, valid UTF-8, no
// control characters. The error names what was wrong.
func ValidateLabel(label string) error {
	if !utf8.ValidString(label) {
		return fmt.Errorf("label is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(label); n > MaxLabel {
		return fmt.Errorf("label is %d characters long; at most %d are accepted", n, MaxLabel)
	}
	if i := strings.IndexFunc(label, unicode.IsControl); i >= 0 {
		return fmt.Errorf("label contains a control character (%U); use plain text", []rune(label[i:])[0])
	}
	return nil
}

// Duration is a time.Duration written as text ("10m0s") in JSON, so the file stays readable.
type Duration time.Duration

// Or returns d, or def when d is zero.
func (d Duration) Or(def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return time.Duration(d)
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration %q: %w", b, err)
	}
	*d = Duration(v)
	return nil
}

// ShortestPeriod is the shortest time between two of the next few occurrences of a recurring
// alarm from after (0 for a one-shot or when it cannot be told): a reminder must be shorter, or
// it would fall before the previous occurrence.
func (a *Alarm) ShortestPeriod(after when.Wall, loc *time.Location) time.Duration {
	if !a.Recurring() {
		return 0
	}
	const look = 8
	var shortest time.Duration
	prev, ok := a.Repeat.NextIn(a.First, after, loc)
	for i := 0; ok && i < look; i++ {
		var next when.Wall
		if next, ok = a.Repeat.NextIn(a.First, prev, loc); !ok {
			break
		}
		if gap := next.In(loc).Sub(prev.In(loc)); shortest == 0 || gap < shortest {
			shortest = gap
		}
		prev = next
	}
	return shortest
}
