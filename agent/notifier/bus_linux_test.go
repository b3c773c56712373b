package notifier

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"alarmd/agent/internal/testbus"
)

// waitTimeout bounds every wait for something the bus should deliver promptly.
const waitTimeout = 5 * time.Second

// testBus is a private dbus-daemon started for one test (see agent/internal/testbus).
type testBus = testbus.Bus

// startBus starts a private bus listening on dir/bus ("" means a new temp dir).
func startBus(t *testing.T, dir string) *testBus { return testbus.Start(t, dir) }

// lockedBuffer is testbus.LockedBuffer: output written from another goroutine.
type lockedBuffer = testbus.LockedBuffer

// notifyCall is one Notify call as the fake server received it.
type notifyCall struct {
	Sender                 string
	AppName                string
	ReplacesID             uint32
	AppIcon, Summary, Body string
	Actions                []string
	Hints                  map[string]dbus.Variant
	Expire                 int32
	ID                     uint32
}

// fakeServer implements org.freedesktop.Notifications on a test bus. Its exported
// methods are the D-Bus methods; everything else is unexported.
type fakeServer struct {
	t     *testing.T
	conn  *dbus.Conn
	caps  []string
	calls chan notifyCall
	// closeAtOnce makes Notify send NotificationClosed(id, expired) before its reply,
	// as a server may for a notification that expires immediately.
	closeAtOnce bool
	// slowSummary and slowFor make Notify answer a notification with that summary only
	// after slowFor, as a hung or stopped daemon does once it resumes.
	slowSummary string
	slowFor     time.Duration

	mu     sync.Mutex
	nextID uint32
}

// startFakeServer exports a fake server with caps on b and claims the name.
func startFakeServer(t *testing.T, b *testBus, caps ...string) *fakeServer {
	t.Helper()
	f := newFakeServer(t, b, caps...)
	f.export(t)
	return f
}

// newFakeServer connects a fake server that is not yet on the bus: set its options,
// then call export.
func newFakeServer(t *testing.T, b *testBus, caps ...string) *fakeServer {
	t.Helper()
	return &fakeServer{t: t, conn: b.Connect(t), caps: caps, calls: make(chan notifyCall, 64)}
}

// export serves the fake's methods and claims org.freedesktop.Notifications.
func (f *fakeServer) export(t *testing.T) {
	t.Helper()
	if err := f.conn.Export(f, notificationsPath, notificationsIface); err != nil {
		t.Fatalf("export fake server: %v", err)
	}
	reply, err := f.conn.RequestName(notificationsName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("claim %s: reply %v, err %v", notificationsName, reply, err)
	}
}

func (f *fakeServer) GetCapabilities() ([]string, *dbus.Error) { return f.caps, nil }

func (f *fakeServer) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "fake", "alarmd tests", "1.0", "1.2", nil
}

func (f *fakeServer) Notify(sender dbus.Sender, appName string, replacesID uint32, appIcon, summary, body string,
	actions []string, hints map[string]dbus.Variant, expire int32) (uint32, *dbus.Error) {
	id := replacesID
	if id == 0 {
		f.mu.Lock()
		f.nextID++
		id = f.nextID
		f.mu.Unlock()
	}
	if f.closeAtOnce {
		f.emitTo(string(sender), "NotificationClosed", id, ReasonExpired)
	}
	if summary == f.slowSummary && f.slowFor > 0 {
		time.Sleep(f.slowFor)
	}
	f.calls <- notifyCall{string(sender), appName, replacesID, appIcon, summary, body, actions, hints, expire, id}
	return id, nil
}

func (f *fakeServer) CloseNotification(sender dbus.Sender, id uint32) *dbus.Error {
	f.emitTo(string(sender), "NotificationClosed", id, ReasonClosed)
	return nil
}

// emitTo sends a unicast signal of the Notifications interface to dest, as servers do
// for ActionInvoked (conn.Emit cannot address a destination).
func (f *fakeServer) emitTo(dest, member string, body ...any) {
	emitFrom(f.t, f.conn, dest, member, body...)
}

// emitFrom sends a unicast Notifications signal on conn; it may run outside the test's
// goroutine (inside an exported method), hence Errorf rather than Fatalf.
func emitFrom(t *testing.T, conn *dbus.Conn, dest, member string, body ...any) {
	msg := &dbus.Message{
		Type: dbus.TypeSignal,
		Headers: map[dbus.HeaderField]dbus.Variant{
			dbus.FieldPath:        dbus.MakeVariant(notificationsPath),
			dbus.FieldInterface:   dbus.MakeVariant(notificationsIface),
			dbus.FieldMember:      dbus.MakeVariant(member),
			dbus.FieldDestination: dbus.MakeVariant(dest),
			dbus.FieldSignature:   dbus.MakeVariant(dbus.SignatureOf(body...)),
		},
		Body: body,
	}
	if call := conn.Send(msg, nil); call.Err != nil {
		t.Errorf("send %s signal: %v", member, call.Err)
	}
}

// nextCall returns the next Notify the fake received.
func (f *fakeServer) nextCall(t *testing.T) notifyCall {
	t.Helper()
	select {
	case c := <-f.calls:
		return c
	case <-time.After(waitTimeout):
		t.Fatal("the fake server received no Notify")
		return notifyCall{}
	}
}

// release gives up the name, as a server that quits does.
func (f *fakeServer) release(t *testing.T) {
	t.Helper()
	if _, err := f.conn.ReleaseName(notificationsName); err != nil {
		t.Fatalf("release %s: %v", notificationsName, err)
	}
}

// logRecorder is a slog.Handler that keeps every record, so tests can count log lines.
type logRecorder struct {
	mu      sync.Mutex
	records []slog.Record
	added   chan struct{}
}

func newLogRecorder() *logRecorder { return &logRecorder{added: make(chan struct{}, 1024)} }

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRecorder) WithGroup(string) slog.Handler            { return l }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	l.records = append(l.records, r.Clone())
	l.mu.Unlock()
	select {
	case l.added <- struct{}{}:
	default:
	}
	return nil
}

// count returns how many records at level contain substr in their message.
func (l *logRecorder) count(level slog.Level, substr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.records {
		if r.Level == level && strings.Contains(r.Message, substr) {
			n++
		}
	}
	return n
}

// waitFor waits until at least want records match, failing after waitTimeout.
func (l *logRecorder) waitFor(t *testing.T, level slog.Level, substr string, want int) {
	t.Helper()
	deadline := time.After(waitTimeout)
	for l.count(level, substr) < want {
		select {
		case <-l.added:
		case <-deadline:
			t.Fatalf("waited for %d %v log lines containing %q, have %d", want, level, substr, l.count(level, substr))
		}
	}
}

// newTestNotifier returns a Notifier on addr (via DBUS_SESSION_BUS_ADDRESS) logging to
// a recorder, closed at the end of the test.
func newTestNotifier(t *testing.T, addr string) (*Notifier, *logRecorder) {
	t.Helper()
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	logs := newLogRecorder()
	n := New(slog.New(logs), "alarmd-test")
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Errorf("close notifier: %v", err)
		}
	})
	return n, logs
}

// nextEvent returns the next event, failing after waitTimeout.
func nextEvent(t *testing.T, n *Notifier) Event {
	t.Helper()
	select {
	case ev, ok := <-n.Events():
		if !ok {
			t.Fatal("Events closed")
		}
		return ev
	case <-time.After(waitTimeout):
		t.Fatal("no event arrived")
		return Event{}
	}
}
