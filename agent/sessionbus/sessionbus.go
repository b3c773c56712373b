// Package sessionbus finds the user's D-Bus session bus, the one way the agent, its tray and
// `alarmd doctor` decide which bus to talk to (DESIGN §10).
//
// The address is DBUS_SESSION_BUS_ADDRESS, unless that is empty or asks for autolaunch, else the
// socket $XDG_RUNTIME_DIR/bus (systemd's user bus) when it exists. Nothing here ever autolaunches
// a bus: godbus would otherwise run dbus-launch and start a stray bus that no notification
// daemon or panel listens on, so the agent would report notifications that nobody shows (see
// scripts/headless-session.sh). Without a bus, every caller gets ErrNoBus.
package sessionbus

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/godbus/dbus/v5"
)

// ErrNoBus means there is no session bus to connect to. Its message is the line users see in
// the agent's log, in `alarmd status` and in `alarmd doctor`. An address of "autolaunch:" counts
// as unset: the agent never starts a bus of its own.
var ErrNoBus = errors.New("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset and there is no $XDG_RUNTIME_DIR/bus)")

// Where an address came from, for Address.Source.
const (
	SourceEnv        = "DBUS_SESSION_BUS_ADDRESS"
	SourceRuntimeDir = "$XDG_RUNTIME_DIR/bus"
)

// envAddress is the variable godbus's dbus.SessionBus reads.
const envAddress = "DBUS_SESSION_BUS_ADDRESS"

// Address is a session bus to dial.
type Address struct {
	Addr   string // a D-Bus address, for dbus.Dial or dbus.Connect
	Source string // SourceEnv or SourceRuntimeDir
}

// Resolve finds the session bus in the environment lookupEnv reads (os.LookupEnv, or a fake in
// tests). It returns ErrNoBus when there is none; it never dials.
func Resolve(lookupEnv func(string) (string, bool)) (Address, error) {
	if a, _ := lookupEnv(envAddress); a != "" && !strings.HasPrefix(a, "autolaunch:") {
		return Address{Addr: a, Source: SourceEnv}, nil
	}
	dir, _ := lookupEnv("XDG_RUNTIME_DIR")
	if dir == "" {
		return Address{}, ErrNoBus
	}
	path := filepath.Join(dir, "bus")
	if fi, err := os.Stat(path); err != nil || fi.Mode().Type() != os.ModeSocket {
		return Address{}, ErrNoBus
	}
	return Address{Addr: "unix:path=" + dbus.EscapeBusAddressValue(path), Source: SourceRuntimeDir}, nil
}

// Find is Resolve in this process's environment.
func Find() (Address, error) { return Resolve(os.LookupEnv) }

// Export finds the session bus and makes DBUS_SESSION_BUS_ADDRESS name it, for code that dials
// through godbus's shared dbus.SessionBus() (fyne.io/systray does), which would otherwise
// autolaunch a bus when the variable is unset or says "autolaunch:". Without a bus it returns
// ErrNoBus and leaves the environment as it is; nothing may call dbus.SessionBus() then.
func Export() (Address, error) {
	a, err := Find()
	if err != nil {
		return Address{}, err
	}
	if a.Source != SourceEnv {
		if err := os.Setenv(envAddress, a.Addr); err != nil {
			return Address{}, fmt.Errorf("set %s: %w", envAddress, err)
		}
	}
	return a, nil
}
