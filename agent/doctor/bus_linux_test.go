package doctor

import (
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"

	"alarmd/agent/internal/testbus"
)

// startBus starts a private bus listening on dir/bus and returns its address.
func startBus(t *testing.T, dir string) string { return testbus.Start(t, dir).Addr }

// connect opens a private connection for a fake service; closed at the end of the test.
func connect(t *testing.T, addr string) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("connect %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func own(t *testing.T, conn *dbus.Conn, name string) {
	t.Helper()
	reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("request %s: %v (reply %v)", name, err, reply)
	}
}

// fakeNotifications is a notification server that answers the probe calls.
type fakeNotifications struct {
	caps []string
}

func (f *fakeNotifications) GetCapabilities() ([]string, *dbus.Error) { return f.caps, nil }

func (f *fakeNotifications) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "fakenotifyd", "alarmd tests", "0.9", "1.2", nil
}

func exportNotifications(t *testing.T, addr string, caps ...string) {
	t.Helper()
	conn := connect(t, addr)
	if err := conn.Export(&fakeNotifications{caps: caps}, "/org/freedesktop/Notifications", "org.freedesktop.Notifications"); err != nil {
		t.Fatal(err)
	}
	own(t, conn, "org.freedesktop.Notifications")
}

// fakeWatcher is a StatusNotifierWatcher with its host-registered property.
type fakeWatcher struct{}

func (fakeWatcher) RegisterStatusNotifierItem(string) *dbus.Error { return nil }
func (fakeWatcher) RegisterStatusNotifierHost(string) *dbus.Error { return nil }

func exportWatcher(t *testing.T, addr string, hostRegistered bool) {
	t.Helper()
	conn := connect(t, addr)
	if err := conn.Export(fakeWatcher{}, watcherPath, watcherName); err != nil {
		t.Fatal(err)
	}
	_, err := prop.Export(conn, watcherPath, prop.Map{watcherName: {
		"IsStatusNotifierHostRegistered": {Value: hostRegistered},
		"RegisteredStatusNotifierItems":  {Value: []string{}},
		"ProtocolVersion":                {Value: int32(0)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	own(t, conn, watcherName)
}
