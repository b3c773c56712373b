// Package logind is alarmd's client of systemd-logind on the system bus (DESIGN §15): sleep
// inhibitors (a delay lock so the agent hears of a suspend in time, a block lock while it rings
// on a machine it woke), the PrepareForSleep signal, Suspend, and the Active and IdleHint
// properties of the user's session. DBUS_SYSTEM_BUS_ADDRESS is honoured, so tests point it at a
// private bus with a fake logind.
package logind

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

// The names logind answers to.
const (
	Service      = "org.freedesktop.login1"
	ManagerPath  = dbus.ObjectPath("/org/freedesktop/login1")
	ManagerIface = "org.freedesktop.login1.Manager"
	SessionIface = "org.freedesktop.login1.Session"
	UserIface    = "org.freedesktop.login1.User"
	propsIface   = "org.freedesktop.DBus.Properties"
)

// callTimeout bounds every call to logind; none is made with a lock held.
const callTimeout = 5 * time.Second

// Conn is a private connection to the system bus with logind on it.
type Conn struct {
	conn    *dbus.Conn
	manager dbus.BusObject
	sleep   chan bool

	mu      sync.Mutex
	watched dbus.ObjectPath // the session whose PropertiesChanged are routed to changes
	changes chan struct{}
	signals chan *dbus.Signal
	done    chan struct{}
}

// Connect opens a private connection to the system bus and checks that logind is there. It
// never starts a bus. The error says which of the two is missing.
func Connect() (*Conn, error) {
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		return nil, fmt.Errorf("no system bus: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	var has bool
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, Service).Store(&has); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("system bus does not answer: %w", err)
	}
	if !has {
		_ = conn.Close()
		return nil, errors.New("logind (org.freedesktop.login1) is not on the system bus")
	}
	c := &Conn{
		conn:    conn,
		manager: conn.Object(Service, ManagerPath),
		sleep:   make(chan bool, 4),
		changes: make(chan struct{}, 1),
		signals: make(chan *dbus.Signal, 16),
		done:    make(chan struct{}),
	}
	if err := conn.AddMatchSignal(dbus.WithMatchSender(Service), dbus.WithMatchObjectPath(ManagerPath),
		dbus.WithMatchInterface(ManagerIface), dbus.WithMatchMember("PrepareForSleep")); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("subscribe to PrepareForSleep: %w", err)
	}
	conn.Signal(c.signals)
	go c.route()
	return c, nil
}

// route hands the signals to their channels; it blocks on the connection, so it costs nothing
// while nothing happens.
func (c *Conn) route() {
	defer close(c.done)
	for sig := range c.signals {
		switch {
		case sig.Name == ManagerIface+".PrepareForSleep" && len(sig.Body) == 1:
			if start, ok := sig.Body[0].(bool); ok {
				c.sleep <- start
			}
		case sig.Name == propsIface+".PropertiesChanged":
			c.mu.Lock()
			watched := c.watched
			c.mu.Unlock()
			if watched != "" && sig.Path == watched {
				select {
				case c.changes <- struct{}{}:
				default:
				}
			}
		}
	}
}

// PrepareForSleep delivers logind's PrepareForSleep: true before a suspend or hibernate, false
// after the resume.
func (c *Conn) PrepareForSleep() <-chan bool { return c.sleep }

// Inhibit takes an inhibitor lock ("sleep", "sleep:handle-lid-switch", …) in mode "delay" or
// "block"; closing the returned file releases it.
func (c *Conn) Inhibit(what, who, why, mode string) (*os.File, error) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	var fd dbus.UnixFD
	if err := c.manager.CallWithContext(ctx, ManagerIface+".Inhibit", 0, what, who, why, mode).Store(&fd); err != nil {
		return nil, fmt.Errorf("logind Inhibit(%s, %s): %w", what, mode, err)
	}
	return os.NewFile(uintptr(fd), "logind-inhibitor-"+mode), nil
}

// Suspend asks logind to suspend the machine (interactive=false: no polkit dialog).
func (c *Conn) Suspend(interactive bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	if err := c.manager.CallWithContext(ctx, ManagerIface+".Suspend", 0, interactive).Err; err != nil {
		return fmt.Errorf("logind Suspend: %w", err)
	}
	return nil
}

// Session finds the user's session: the one this process belongs to, else $XDG_SESSION_ID's,
// else the user's display session (an agent started by the user's service manager is in no
// session of its own).
func (c *Conn) Session() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	var path dbus.ObjectPath
	err := c.manager.CallWithContext(ctx, ManagerIface+".GetSessionByPID", 0, uint32(os.Getpid())).Store(&path)
	if err == nil {
		return string(path), nil
	}
	if id := os.Getenv("XDG_SESSION_ID"); id != "" {
		if err2 := c.manager.CallWithContext(ctx, ManagerIface+".GetSession", 0, id).Store(&path); err2 == nil {
			return string(path), nil
		}
	}
	var user dbus.ObjectPath
	if err2 := c.manager.CallWithContext(ctx, ManagerIface+".GetUser", 0, uint32(os.Getuid())).Store(&user); err2 != nil {
		return "", fmt.Errorf("find the session: %w", err)
	}
	v, err2 := c.conn.Object(Service, user).GetProperty(UserIface + ".Display")
	if err2 != nil {
		return "", fmt.Errorf("find the session: %w", err2)
	}
	var display struct {
		ID   string
		Path dbus.ObjectPath
	}
	if err2 := dbus.Store([]any{v.Value()}, &display); err2 != nil || display.Path == "" || display.Path == "/" {
		return "", fmt.Errorf("find the session: the user has no display session (%v)", err)
	}
	return string(display.Path), nil
}

// SessionState reads the session's Active and IdleHint.
func (c *Conn) SessionState(path string) (active, idle bool, err error) {
	obj := c.conn.Object(Service, dbus.ObjectPath(path))
	a, err := obj.GetProperty(SessionIface + ".Active")
	if err != nil {
		return false, false, fmt.Errorf("session Active: %w", err)
	}
	i, err := obj.GetProperty(SessionIface + ".IdleHint")
	if err != nil {
		return false, false, fmt.Errorf("session IdleHint: %w", err)
	}
	active, _ = a.Value().(bool)
	idle, _ = i.Value().(bool)
	return active, idle, nil
}

// WatchSession routes the session's PropertiesChanged to the returned channel (coalesced)
// until stop is called; only one session is watched at a time, and only while asked, so an idle
// agent hears nothing of the session's comings and goings.
func (c *Conn) WatchSession(path string) (changes <-chan struct{}, stop func(), err error) {
	opts := []dbus.MatchOption{dbus.WithMatchSender(Service), dbus.WithMatchObjectPath(dbus.ObjectPath(path)),
		dbus.WithMatchInterface(propsIface), dbus.WithMatchMember("PropertiesChanged")}
	if err := c.conn.AddMatchSignal(opts...); err != nil {
		return nil, nil, fmt.Errorf("watch the session: %w", err)
	}
	c.mu.Lock()
	c.watched = dbus.ObjectPath(path)
	c.mu.Unlock()
	return c.changes, func() {
		c.mu.Lock()
		c.watched = ""
		c.mu.Unlock()
		_ = c.conn.RemoveMatchSignal(opts...)
	}, nil
}

// Close closes the connection, which releases every inhibitor only this process held.
func (c *Conn) Close() error {
	c.conn.RemoveSignal(c.signals) // before Close, which would close the channel itself
	err := c.conn.Close()
	close(c.signals)
	<-c.done
	if err != nil {
		return fmt.Errorf("close the system bus connection: %w", err)
	}
	return nil
}
