package service

import (
	"errors"
	"fmt"

	"alarmd/agent/store"
)

// Kind says what sort of failure an operation's Error is. The service knows nothing of HTTP:
// the control API's server maps each kind to a status, the tray shows the message.
type Kind int

const (
	BadInput Kind = iota + 1 // the request is wrong: a bad time, option or label
	NotFound                 // no alarm with that id
	Conflict                 // not possible in this state: not ringing, already passed
	ReadOnly                 // the alarms file cannot be changed: from a newer alarmd, or unwritable
)

func (k Kind) String() string {
	switch k {
	case BadInput:
		return "bad input"
	case NotFound:
		return "not found"
	case Conflict:
		return "conflict"
	case ReadOnly:
		return "read-only"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Error is an operation's failure: its kind and the one line the user reads.
type Error struct {
	Kind Kind
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// KindOf returns the kind of err, or 0 when err is not an operation's Error.
func KindOf(err error) Kind {
	var se *Error
	if errors.As(err, &se) {
		return se.Kind
	}
	return 0
}

func badRequest(format string, a ...any) error { return &Error{BadInput, fmt.Sprintf(format, a...)} }
func notFound(id int) error {
	return &Error{NotFound, fmt.Sprintf("no alarm with id %d (see: alarmd list)", id)}
}
func conflict(format string, a ...any) error { return &Error{Conflict, fmt.Sprintf(format, a...)} }

// wrapStore turns the store's refusals into operation errors; other store errors already say
// "save alarms: …" and stay as they are.
func wrapStore(err error) error {
	var se *Error
	if err == nil || errors.As(err, &se) {
		return err
	}
	if errors.Is(err, store.ErrReadOnly) {
		return &Error{ReadOnly, err.Error()}
	}
	return err
}
