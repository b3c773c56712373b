// Package notifier shows desktop notifications for ringing alarms and reports what the
// user did with them (DESIGN §5, §1).
//
// On Linux it speaks org.freedesktop.Notifications through github.com/esiqveland/notify's
// hint encoders on its own private session-bus connection: the tray owns the shared
// connection, and ActionInvoked is unicast to the connection that called Notify, so the
// notifier sends and listens on one connection of its own. The bus address is always
// explicit (DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus): the notifier never lets
// godbus autolaunch a stray bus through dbus-launch.
//
// On macOS and Windows it falls back to github.com/gen2brain/beeep, which has no action
// buttons and cannot replace or close a notification; those calls degrade to no-ops.
//
// A Notifier connects lazily and never fails to construct: a missing bus or notification
// server is reported by Show's error and described by State, and logged once per change.
package notifier

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Urgency is the freedesktop urgency level; the values are the ones sent on the wire.
type Urgency byte

// Urgency levels of the Desktop Notifications Specification.
const (
	Low      Urgency = 0
	Normal   Urgency = 1
	Critical Urgency = 2
)

// String returns the urgency's lower-case name.
func (u Urgency) String() string {
	switch u {
	case Low:
		return "low"
	case Normal:
		return "normal"
	case Critical:
		return "critical"
	default:
		return fmt.Sprintf("urgency(%d)", byte(u))
	}
}

// Action is one button on a notification: Key comes back in Event.Action, Label is shown.
type Action struct {
	Key   string // e.g. "stop"; "default" is the action some servers invoke on a click
	Label string // e.g. "Snooze 10 min"
}

// Notification is what Show displays.
type Notification struct {
	Title   string
	Body    string
	Urgency Urgency
	// Actions are dropped when the server does not advertise the "actions" capability.
	Actions []Action
	// WithoutActions is added to Body, on a line of its own, when a server without the
	// "actions" capability drops Actions: it says how to do without them ("click to stop ·
	// alarmd dismiss", DESIGN §17). Such a server still reports a click as a close; beeep
	// (macOS, Windows) reports nothing, so it leaves this out.
	WithoutActions string
	// Icon is a PNG image sent as the "image-data" hint; nil sends none. An icon that
	// does not decode is left out (logged once) rather than failing the notification.
	Icon []byte
	// AppIcon is an icon-theme name or file URI, e.g. "alarmd"; may be empty.
	AppIcon string
	// Expire is how long the server shows the notification: 0 never expires (what the
	// agent uses for alarms), a negative value leaves the choice to the server.
	Expire time.Duration
	// Replaces is the id of a shown notification to update in place; 0 shows a new one.
	Replaces uint32
	// Category is the "category" hint, e.g. "alarm"; empty sends none.
	Category string
}

// Event is something the server reported about a notification this Notifier showed.
type Event struct {
	ID     uint32
	Action string // key of the invoked action ("stop", "snooze", "default"); "" when Closed
	Closed bool   // the notification went away (NotificationClosed)
	Reason uint32 // when Closed: see the Reason* constants
}

// Reasons carried by NotificationClosed, from the Desktop Notifications Specification.
const (
	ReasonExpired   uint32 = 1 // the expire timeout passed
	ReasonDismissed uint32 = 2 // the user dismissed it (DESIGN §5: counts as Stop)
	ReasonClosed    uint32 = 3 // closed by CloseNotification
	ReasonUndefined uint32 = 4
)

// Errors that Show, Connect, CloseNotification and ServerInfo wrap, for errors.Is.
var (
	// ErrNoSessionBus: no session bus address, or the bus cannot be reached.
	ErrNoSessionBus = errors.New("no session bus")
	// ErrNoServer: nobody owns org.freedesktop.Notifications on the session bus.
	ErrNoServer = errors.New("no notification server on the session bus")
	// ErrClosed: the Notifier was closed.
	ErrClosed = errors.New("notifier closed")
)

// eventBuffer is the capacity of the Events channel; events beyond it are dropped
// (with a log line) because the bus signal goroutine must never block.
const eventBuffer = 16

// defaultCallTimeout bounds every bus round trip (connect, probe, Notify). Long enough
// for a bus to activate a notification daemon, short enough that a hung server cannot
// stall the ringing path indefinitely.
const defaultCallTimeout = 5 * time.Second

// defaultReplyTimeout is how long Notify and CloseNotification keep waiting for a server
// that missed defaultCallTimeout (see Notifier.replyTimeout on Linux).
const defaultReplyTimeout = 5 * time.Minute

// ServerInformation is the answer to GetServerInformation.
type ServerInformation struct {
	Name, Vendor, Version, Spec string
}

// formatAvailable renders the State line of a working server:
// "dunst 1.9.0 (actions, body, ...)".
func formatAvailable(info ServerInformation, caps []string) string {
	name := info.Name
	if name == "" {
		name = "notification server"
	}
	if info.Version != "" {
		name += " " + info.Version
	}
	return fmt.Sprintf("%s (%s)", name, strings.Join(caps, ", "))
}

// joinLines puts extra on a line of its own under body.
func joinLines(body, extra string) string {
	if body == "" {
		return extra
	}
	return body + "\n" + extra
}
