//go:build linux

// Package fakelogind is a small stand-in for systemd-logind for tests (DESIGN §15): it owns
// org.freedesktop.login1 on a private bus and offers what alarmd uses — Inhibit returning a pipe
// whose closing is the release, PrepareForSleep emitted on demand, Suspend recorded,
// GetSessionByPID, and one session object with Active and IdleHint that tests change.
package fakelogind

import (
	"fmt"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// The session every process is said to belong to.
const SessionPath = dbus.ObjectPath("/org/freedesktop/login1/session/_31")

// Inhibitor is one lock a client took.
type Inhibitor struct {
	What, Who, Why, Mode string
	Taken                time.Time
	released             chan struct{}
	releasedAt           time.Time
}

// Released is closed when the client has closed its end.
func (i *Inhibitor) Released() <-chan struct{} { return i.released }

// ReleasedAt is when the release was seen (zero before).
func (i *Inhibitor) ReleasedAt() time.Time {
	select {
	case <-i.released:
		return i.releasedAt
	default:
		return time.Time{}
	}
}

// Logind is the fake.
type Logind struct {
	conn *dbus.Conn

	mu         sync.Mutex
	inhibitors []*Inhibitor
	suspends   []time.Time
	active     bool
	idle       bool
	changed    chan struct{} // signalled on every Inhibit and Suspend
}

// Start connects to the bus at addr, takes org.freedesktop.login1 and serves until the test ends.
// The session starts inactive and idle, like a locked machine woken by its RTC.
func Start(t testing.TB, addr string) *Logind {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("fake logind: connect: %v", err)
	}
	l := &Logind{conn: conn, active: false, idle: true, changed: make(chan struct{}, 1)}
	if err := conn.Export(manager{l}, "/org/freedesktop/login1", "org.freedesktop.login1.Manager"); err != nil {
		t.Fatal(err)
	}
	if err := conn.Export(session{l}, SessionPath, "org.freedesktop.DBus.Properties"); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName("org.freedesktop.login1", dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("fake logind: own org.freedesktop.login1: %v (reply %v)", err, reply)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return l
}

// PrepareForSleep emits the signal as logind does before a sleep (true) and after it (false).
func (l *Logind) PrepareForSleep(start bool) error {
	return l.conn.Emit("/org/freedesktop/login1", "org.freedesktop.login1.Manager.PrepareForSleep", start)
}

// SetSession changes the session's Active and IdleHint and emits PropertiesChanged.
func (l *Logind) SetSession(active, idle bool) error {
	l.mu.Lock()
	l.active, l.idle = active, idle
	l.mu.Unlock()
	return l.conn.Emit(SessionPath, "org.freedesktop.DBus.Properties.PropertiesChanged", "org.freedesktop.login1.Session",
		map[string]dbus.Variant{"Active": dbus.MakeVariant(active), "IdleHint": dbus.MakeVariant(idle)}, []string{})
}

// Inhibitors returns the locks taken so far, in order.
func (l *Logind) Inhibitors() []*Inhibitor {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*Inhibitor(nil), l.inhibitors...)
}

// Suspends returns when Suspend was called.
func (l *Logind) Suspends() []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Time(nil), l.suspends...)
}

// Changed signals (coalesced) after every Inhibit and Suspend call.
func (l *Logind) Changed() <-chan struct{} { return l.changed }

// WaitInhibitor waits until the n-th lock (counting from 1) of the given mode has been taken.
func (l *Logind) WaitInhibitor(t testing.TB, mode string, n int, limit time.Duration) *Inhibitor {
	t.Helper()
	deadline := time.After(limit)
	for {
		count := 0
		for _, in := range l.Inhibitors() {
			if in.Mode == mode {
				if count++; count == n {
					return in
				}
			}
		}
		select {
		case <-l.changed:
		case <-deadline:
			t.Fatalf("fake logind: no %s inhibitor #%d within %s (have %d)", mode, n, limit, count)
			return nil
		}
	}
}

func (l *Logind) signal() {
	select {
	case l.changed <- struct{}{}:
	default:
	}
}

type manager struct{ l *Logind }

// Inhibit returns the write end of a pipe; the lock is released when every copy of it is
// closed. The fake's own copy is closed a moment after the reply went out (godbus sends the
// descriptor after the method returns), so a release shows at the earliest 300 ms after Inhibit.
func (m manager) Inhibit(what, who, why, mode string) (dbus.UnixFD, *dbus.Error) {
	r, w, err := os.Pipe()
	if err != nil {
		return 0, dbus.MakeFailedError(err)
	}
	in := &Inhibitor{What: what, Who: who, Why: why, Mode: mode, Taken: time.Now(), released: make(chan struct{})}
	go func() {
		_, _ = io.Copy(io.Discard, r)
		in.releasedAt = time.Now()
		_ = r.Close()
		close(in.released)
		m.l.signal()
	}()
	fd := dbus.UnixFD(w.Fd())
	time.AfterFunc(300*time.Millisecond, func() { _ = w.Close() })
	m.l.mu.Lock()
	m.l.inhibitors = append(m.l.inhibitors, in)
	m.l.mu.Unlock()
	m.l.signal()
	return fd, nil
}

func (m manager) Suspend(interactive bool) *dbus.Error {
	m.l.mu.Lock()
	m.l.suspends = append(m.l.suspends, time.Now())
	m.l.mu.Unlock()
	m.l.signal()
	return nil
}

func (m manager) GetSessionByPID(pid uint32) (dbus.ObjectPath, *dbus.Error) {
	return SessionPath, nil
}

func (m manager) GetSession(id string) (dbus.ObjectPath, *dbus.Error) {
	return SessionPath, nil
}

type session struct{ l *Logind }

func (s session) Get(iface, name string) (dbus.Variant, *dbus.Error) {
	s.l.mu.Lock()
	defer s.l.mu.Unlock()
	switch name {
	case "Active":
		return dbus.MakeVariant(s.l.active), nil
	case "IdleHint":
		return dbus.MakeVariant(s.l.idle), nil
	}
	return dbus.Variant{}, dbus.MakeFailedError(fmt.Errorf("no property %s.%s", iface, name))
}

func (s session) GetAll(iface string) (map[string]dbus.Variant, *dbus.Error) {
	s.l.mu.Lock()
	defer s.l.mu.Unlock()
	return map[string]dbus.Variant{"Active": dbus.MakeVariant(s.l.active), "IdleHint": dbus.MakeVariant(s.l.idle)}, nil
}
