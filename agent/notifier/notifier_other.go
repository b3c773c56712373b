// Platforms other than Linux (macOS, Windows, the BSDs): notifications through beeep.
//go:build !linux

package notifier

import (
	"fmt"
	"log/slog"
	"sync"

	"github.com/gen2brain/beeep"
)

// beeepCapabilities is what beeep offers on every platform: title and body, nothing more.
var beeepCapabilities = []string{"body"}

// Notifier shows notifications through beeep. beeep has no action buttons, cannot
// replace or close a notification and reports no events, so Events stays silent,
// CloseNotification does nothing and Replaces shows a new notification. It is safe for
// concurrent use and has the same API as the Linux Notifier.
type Notifier struct {
	logger *slog.Logger
	events chan Event

	mu      sync.Mutex
	closed  bool
	nextID  uint32 // beeep returns no ids; these are ours, so callers can treat both alike
	problem string // last Show error text; "" when the last Show worked
}

// New returns a Notifier; appName becomes beeep's application name.
func New(logger *slog.Logger, appName string) *Notifier {
	if logger == nil {
		logger = slog.Default()
	}
	if appName != "" {
		beeep.AppName = appName // beeep keeps it in a package variable
	}
	return &Notifier{logger: logger.With("component", "notifier"), events: make(chan Event, eventBuffer)}
}

// Connect has nothing to prepare with beeep; it reports only a closed Notifier.
func (n *Notifier) Connect() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return fmt.Errorf("connect notifier: %w", ErrClosed)
	}
	return nil
}

// Events never delivers anything with beeep; it is closed by Close.
func (n *Notifier) Events() <-chan Event { return n.events }

// Show displays x's title, body and icon. Actions, urgency, expiry and category are not
// supported by beeep and are ignored; a non-zero Replaces returns that id again.
func (n *Notifier) Show(x Notification) (uint32, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return 0, fmt.Errorf("show notification: %w", ErrClosed)
	}
	var icon any = "" // beeep treats a nil []byte as an icon to write out
	if len(x.Icon) > 0 {
		icon = x.Icon
	}
	if err := beeep.Notify(x.Title, x.Body, icon); err != nil {
		if n.problem == "" {
			n.logger.Warn("notifications unavailable", "err", err)
		}
		n.problem = err.Error()
		return 0, fmt.Errorf("show notification: %w", err)
	}
	if n.problem != "" {
		n.logger.Info("notifications available again")
		n.problem = ""
	}
	if x.Replaces != 0 {
		return x.Replaces, nil
	}
	n.nextID++
	if n.nextID == 0 { // ids are never 0, as on the freedesktop bus
		n.nextID = 1
	}
	return n.nextID, nil
}

// CloseNotification is a no-op: beeep cannot close what it showed.
func (n *Notifier) CloseNotification(id uint32) error { return nil }

// Capabilities returns what beeep supports: "body".
func (n *Notifier) Capabilities() []string { return append([]string(nil), beeepCapabilities...) }

// State is one line for `alarmd status` and doctor.
func (n *Notifier) State() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case n.closed:
		return "closed"
	case n.problem != "":
		return "unavailable: " + n.problem
	default:
		return formatAvailable(ServerInformation{Name: "beeep", Version: "v0.11.3"}, beeepCapabilities) +
			", no action buttons"
	}
}

// ServerInfo describes beeep, which stands in for a notification server here.
func (n *Notifier) ServerInfo() (name, vendor, version, spec string, err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return "", "", "", "", fmt.Errorf("server information: %w", ErrClosed)
	}
	return "beeep", "github.com/gen2brain/beeep", "v0.11.3", "", nil
}

// Close closes Events. Safe to repeat.
func (n *Notifier) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.closed {
		n.closed = true
		close(n.events)
	}
	return nil
}
