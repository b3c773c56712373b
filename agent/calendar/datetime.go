package calendar

import (
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"alarmd/agent/when"
)

// stamp is a DATE-TIME as written: a wall time that is floating, UTC, or in a named zone.
type stamp struct {
	wall     when.Wall
	floating bool
	utc      bool
	loc      *time.Location // with a TZID
}

// instant resolves s (a floating time is read in the system zone by the caller's frame).
func (s stamp) instant() time.Time { return s.wall.In(s.frame()) }

// frame is the zone s is written in (UTC for floating ones, which only compare as walls).
func (s stamp) frame() *time.Location {
	if s.loc != nil {
		return s.loc
	}
	return time.UTC
}

func (s stamp) sameZone(loc *time.Location) bool {
	return s.loc != nil && loc != nil && s.loc.String() == loc.String() || s.utc && loc == time.UTC
}

func (s stamp) zoneName() string {
	if s.utc {
		return "UTC"
	}
	return s.frame().String()
}

// sub is the elapsed time from t to s, as walls in their own frames.
func (s stamp) sub(t stamp) time.Duration {
	if s.floating || t.floating {
		return wallDiff(s.wall, t.wall)
	}
	return s.instant().Sub(t.instant())
}

// dateTime reads a DATE or DATE-TIME property value with its TZID.
func (r *reader) dateTime(p *ical.Prop) (stamp, error) {
	v := strings.TrimSpace(p.Value)
	var s stamp
	layout := "20060102T150405"
	switch {
	case len(v) == len("20060102"):
		layout = "20060102"
	case strings.HasSuffix(v, "Z") || strings.HasSuffix(v, "z"):
		v = strings.ToUpper(v[:len(v)-1])
		s.utc = true
	}
	t, err := time.Parse(layout, v)
	if err != nil {
		return stamp{}, fmt.Errorf("%q is not a date-time like 20261224T180000", truncate(p.Value, 30))
	}
	s.wall = when.NewWall(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second())
	switch tzid := p.Params.Get(ical.PropTimezoneID); {
	case s.utc:
		s.loc = time.UTC
	case tzid != "":
		loc, err := r.zone(tzid)
		if err != nil {
			return stamp{}, err
		}
		s.loc = loc
	default:
		s.floating = true
	}
	return s, nil
}

// zone loads a TZID, remembering it: a calendar names the same few zones thousands of times.
// Besides IANA names it takes the path-prefixed forms some programs write
// ("/mozilla.org/20050126_1/Europe/Berlin").
func (r *reader) zone(tzid string) (*time.Location, error) {
	if loc, ok := r.zones[tzid]; ok {
		if loc == nil {
			return nil, fmt.Errorf("unknown TZID %q (not a zone of the IANA time zone database)", truncate(tzid, 60))
		}
		return loc, nil
	}
	var found *time.Location
	name := strings.Trim(tzid, "\"")
	parts := strings.Split(name, "/")
	for i := 0; i < len(parts) && found == nil; i++ {
		candidate := strings.Join(parts[i:], "/")
		if candidate == "" || strings.EqualFold(candidate, "local") {
			continue
		}
		if loc, err := time.LoadLocation(candidate); err == nil {
			found = loc
		}
	}
	r.zones[tzid] = found
	return r.zone(tzid)
}
