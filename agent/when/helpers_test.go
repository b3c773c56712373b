package when

import (
	"errors"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // zones for tests even where the system has none
)

// zone loads a location or fails the test.
func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load zone %s: %v", name, err)
	}
	return loc
}

// wall parses "2006-01-02T15:04:05" or fails the test.
func wall(t testing.TB, s string) Wall {
	t.Helper()
	var w Wall
	if err := w.UnmarshalText([]byte(s)); err != nil {
		t.Fatalf("bad wall %q: %v", s, err)
	}
	return w
}

// at returns a wall time resolved in loc, for building "now" values.
func at(t testing.TB, s string, loc *time.Location) time.Time {
	t.Helper()
	return wall(t, s).In(loc)
}

// checkOneLineError asserts err is an *Error whose message is one line and
// names the input.
func checkOneLineError(t testing.TB, err error, input string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%q: error %v is %T, want *Error", input, err, err)
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\n\r") {
		t.Errorf("%q: error is not one line: %q", input, msg)
	}
	if e.Forms == "" {
		t.Errorf("%q: error has no accepted forms", input)
	}
	return e
}
