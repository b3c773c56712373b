package notifier

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/esiqveland/notify"
	"github.com/godbus/dbus/v5"

	"alarmd/agent/sessionbus"
)

const (
	notificationsName  = "org.freedesktop.Notifications"
	notificationsPath  = dbus.ObjectPath("/org/freedesktop/Notifications")
	notificationsIface = "org.freedesktop.Notifications"

	busDaemonName     = "org.freedesktop.DBus"
	nameOwnerChanged  = "org.freedesktop.DBus.NameOwnerChanged"
	errServiceUnknown = "org.freedesktop.DBus.Error.ServiceUnknown"
	errNameHasNoOwner = "org.freedesktop.DBus.Error.NameHasNoOwner"

	// maxIconPixels keeps a mistaken huge PNG from turning into a multi-megabyte bus
	// message (4 bytes a pixel travel in image-data).
	maxIconPixels = 1024 * 1024
)

// Reasons shown by State after "unavailable: ". They are compared to log each kind of
// unavailability once, so they carry no error text (the log line and Show's error do).
const (
	reasonNoBus       = "no session bus"
	reasonBusConnect  = "cannot connect to the session bus"
	reasonBusLost     = "session bus connection lost"
	reasonNoServer    = "no notification server on the session bus"
	reasonServerError = "notification server not responding"
)

// Notifier shows notifications on the freedesktop notification server and delivers the
// server's ActionInvoked/NotificationClosed signals for them. It is safe for concurrent use.
//
// No lock is held across a bus call: calls from several goroutines go out side by side on
// the one connection, so a server that is slow to answer one notification (a hung or
// stopped daemon) delays that caller only (DESIGN §5).
type Notifier struct {
	logger      *slog.Logger
	appName     string
	events      chan Event
	callTimeout time.Duration
	// replyTimeout bounds how long Notify and CloseNotification wait for a server that
	// has not answered within callTimeout: it is then reported as not responding, but a
	// stopped daemon that resumes still shows (or closes) what it was asked to, and the
	// caller learns the id it needs to replace or close the notification later.
	replyTimeout time.Duration

	// iconMu guards iconKey/iconHint, the last decoded icon: an alarm shows the same PNG
	// every time, and decoding it on each Show would eat into the due→Notify budget.
	iconMu   sync.Mutex
	iconKey  []byte
	iconHint *dbus.Variant

	// mu guards the fields below and is never held across a bus call.
	mu         sync.Mutex
	closed     bool
	attempted  bool       // a connection was tried at least once
	conn       *dbus.Conn // nil until connected and after the connection is lost
	owner      string     // unique bus name of the notification server; signals must come from it
	server     *serverState
	problem    string              // why notifications are unavailable; "" when they work
	problemErr error               // the latest error behind problem, wrapping a sentinel
	available  bool                // the server was reported available and has not failed since
	ours       map[uint32]struct{} // ids shown through this Notifier and not yet closed
	// connecting, when set, is the connection attempt under way; others wait for its result
	// instead of dialling and probing a second time.
	connecting *attempt
	// inflight holds a channel per Notify call awaiting its reply, closed when it ends.
	inflight map[uint64]chan struct{}
	callSeq  uint64

	wg sync.WaitGroup // signal loops
}

// attempt is one connection attempt (dial and probe); done is closed when its result is set.
type attempt struct {
	done chan struct{}
	conn *dbus.Conn
	srv  *serverState
	err  error
}

// serverState is what was learnt from the server when it was last probed.
type serverState struct {
	info ServerInformation
	caps []string
}

// New returns a Notifier that will connect on first use (Connect, Show, Capabilities or
// ServerInfo). It does no I/O. appName is sent as the notifications' app_name.
func New(logger *slog.Logger, appName string) *Notifier {
	if logger == nil {
		logger = slog.Default()
	}
	return &Notifier{
		logger:       logger.With("component", "notifier"),
		appName:      appName,
		events:       make(chan Event, eventBuffer),
		callTimeout:  defaultCallTimeout,
		replyTimeout: defaultReplyTimeout,
		ours:         make(map[uint32]struct{}),
		inflight:     make(map[uint64]chan struct{}),
	}
}

// Connect opens the private bus connection and fetches the server's capabilities now,
// so that the first alarm's Notify costs one round trip. The agent calls it at start-up;
// an error (wrapping ErrNoSessionBus or ErrNoServer) is informational: later calls retry.
func (n *Notifier) Connect() error {
	if _, _, err := n.ready(); err != nil {
		return fmt.Errorf("connect notifier: %w", err)
	}
	return nil
}

// Events delivers ActionInvoked and NotificationClosed for notifications this Notifier
// showed. It is closed by Close. Events that find the channel full are dropped.
func (n *Notifier) Events() <-chan Event { return n.events }

// Show displays x and returns the server's id for it (x.Replaces when replacing). When
// the connection was lost it reconnects once; a missing server or bus is an error
// wrapping ErrNoServer or ErrNoSessionBus.
func (n *Notifier) Show(x Notification) (uint32, error) {
	for attempt := 0; ; attempt++ {
		conn, srv, err := n.ready()
		if err != nil {
			return 0, fmt.Errorf("show notification: %w", err)
		}
		id, err := n.notify(conn, srv, x)
		if err == nil {
			return id, nil
		}
		switch {
		case !conn.Connected() || errors.Is(err, dbus.ErrClosed):
			n.connectionLost(conn, err)
			if attempt == 0 {
				continue // one retry on a fresh connection
			}
			return 0, fmt.Errorf("show notification: %w: %w", ErrNoSessionBus, err)
		case isNoServer(err):
			n.serverGone(conn, err)
			return 0, fmt.Errorf("show notification: %w: %w", ErrNoServer, err)
		case errors.Is(err, context.DeadlineExceeded):
			n.serverFailed(conn, err)
			return 0, fmt.Errorf("show notification: %s: %w", reasonServerError, err)
		default:
			// The server answered with an error: it is there, the request was at fault.
			return 0, fmt.Errorf("show notification: %w", err)
		}
	}
}

// CloseNotification asks the server to close notification id; the server then sends
// NotificationClosed with ReasonClosed, which arrives on Events.
func (n *Notifier) CloseNotification(id uint32) error {
	conn, _, err := n.ready()
	if err != nil {
		return fmt.Errorf("close notification %d: %w", id, err)
	}
	if call := n.call(conn, "CloseNotification", id); call.Err != nil {
		return fmt.Errorf("close notification %d: %w", id, call.Err)
	}
	return nil
}

// call calls a method of the notification server and waits for the answer up to
// replyTimeout. A server that has not answered after callTimeout is reported as not
// responding (State, one log line) while the call keeps waiting; its answer, when it
// comes, reports the server available again.
func (n *Notifier) call(conn *dbus.Conn, method string, args ...any) *dbus.Call {
	ctx, cancel := context.WithTimeout(context.Background(), n.replyTimeout)
	defer cancel()
	slow := time.AfterFunc(n.callTimeout, func() {
		n.serverFailed(conn, fmt.Errorf("%s: no answer within %v", method, n.callTimeout))
	})
	call := conn.Object(notificationsName, notificationsPath).CallWithContext(ctx, notificationsIface+"."+method, 0, args...)
	slow.Stop()
	if call.Err == nil {
		n.answeredAgain(conn)
	}
	return call
}

// Capabilities returns the server's capabilities as last fetched (at connect, or when
// the server's owner changed), or nil while no server is available. The first call
// connects when nothing has tried yet.
func (n *Notifier) Capabilities() []string {
	n.connectOnce()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.server == nil {
		return nil
	}
	return append([]string(nil), n.server.caps...)
}

// ServerInfo returns the server's GetServerInformation answer as last fetched; the
// first call connects when nothing has tried yet.
func (n *Notifier) ServerInfo() (name, vendor, version, spec string, err error) {
	n.connectOnce()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.server == nil {
		switch {
		case n.closed:
			return "", "", "", "", fmt.Errorf("server information: %w", ErrClosed)
		case n.problemErr != nil:
			return "", "", "", "", fmt.Errorf("server information: %w", n.problemErr)
		default:
			return "", "", "", "", errors.New("server information: server not probed yet")
		}
	}
	i := n.server.info
	return i.Name, i.Vendor, i.Version, i.Spec, nil
}

// State is one line for `alarmd status` and doctor, e.g. "dunst 1.9.0 (actions, body)"
// or "unavailable: no session bus". It never touches the bus.
func (n *Notifier) State() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case n.closed:
		return "closed"
	case n.problem != "":
		// Before the server's own line: a server that stopped answering is still known.
		return "unavailable: " + n.problem
	case n.server != nil && n.conn != nil:
		return formatAvailable(n.server.info, n.server.caps)
	case !n.attempted:
		return "not connected yet"
	default:
		return "connected, server not probed yet"
	}
}

// Close closes the private connection, stops the signal goroutine and closes Events.
// It does not close shown notifications (use CloseNotification first). Safe to repeat.
func (n *Notifier) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	conn := n.conn
	n.conn, n.server = nil, nil
	n.mu.Unlock()

	var err error
	if conn != nil {
		if cerr := conn.Close(); cerr != nil {
			err = fmt.Errorf("close notifier bus connection: %w", cerr)
		}
	}
	n.wg.Wait()
	close(n.events)
	return err
}

// connectOnce makes the first connection attempt for the read-only accessors.
func (n *Notifier) connectOnce() {
	n.mu.Lock()
	tried := n.attempted || n.closed
	n.mu.Unlock()
	if tried {
		return
	}
	_, _, _ = n.ready() // the outcome is recorded in State
}

// ready returns a live connection and the server's state, connecting and probing as
// needed. One attempt runs at a time; callers that arrive meanwhile share its result.
func (n *Notifier) ready() (*dbus.Conn, *serverState, error) {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil, nil, ErrClosed
	}
	n.attempted = true
	if n.conn != nil && n.server != nil && n.conn.Connected() {
		conn, srv := n.conn, n.server
		n.mu.Unlock()
		return conn, srv, nil
	}
	if a := n.connecting; a != nil {
		n.mu.Unlock()
		<-a.done
		return a.conn, a.srv, a.err
	}
	a := &attempt{done: make(chan struct{})}
	n.connecting = a
	conn := n.conn
	n.mu.Unlock()

	a.conn, a.srv, a.err = n.connectAndProbe(conn)
	n.mu.Lock()
	n.connecting = nil
	n.mu.Unlock()
	close(a.done)
	return a.conn, a.srv, a.err
}

// connectAndProbe dials when conn is nil or dead, then probes the server. It runs in one
// goroutine at a time (see ready), holding no lock.
func (n *Notifier) connectAndProbe(conn *dbus.Conn) (*dbus.Conn, *serverState, error) {
	if conn != nil && !conn.Connected() {
		n.connectionLost(conn, errors.New("connection closed"))
		conn = nil
	}
	if conn == nil {
		var err error
		if conn, err = n.dial(); err != nil {
			return nil, nil, err
		}
	}
	srv, owner, err := n.probe(conn)
	if err != nil {
		switch {
		case !conn.Connected():
			n.connectionLost(conn, err)
			return nil, nil, fmt.Errorf("%w: %w", ErrNoSessionBus, err)
		case isNoServer(err):
			n.serverGone(conn, err)
			return nil, nil, fmt.Errorf("%w: %w", ErrNoServer, err)
		default:
			n.serverFailed(conn, err)
			return nil, nil, fmt.Errorf("%s: %w", reasonServerError, err)
		}
	}
	n.mu.Lock()
	if n.conn == conn {
		n.owner = owner
		n.server = srv
		n.becameAvailableLocked(srv)
	}
	n.mu.Unlock()
	return conn, srv, nil
}

// sessionBusAddress returns the session bus address to dial, by agent/sessionbus's rules (which
// never autolaunch a bus). Its error wraps both ErrNoSessionBus and sessionbus.ErrNoBus.
func sessionBusAddress() (string, error) {
	bus, err := sessionbus.Find()
	if err != nil {
		return "", noBus{err}
	}
	return bus.Addr, nil
}

// noBus is sessionbus's "no bus" error that is also an ErrNoSessionBus, without saying so twice.
type noBus struct{ error }

func (e noBus) Unwrap() []error { return []error{ErrNoSessionBus, e.error} }

// dial opens and authenticates the private connection, subscribes to the signals the
// notifier needs and starts the signal loop. Only ready's attempt calls it.
func (n *Notifier) dial() (*dbus.Conn, error) {
	addr, err := sessionBusAddress()
	if err != nil {
		n.unavailable(reasonNoBus, err)
		return nil, err
	}
	conn, err := n.dialAddress(addr)
	if err != nil {
		err = fmt.Errorf("%w: %s: %w", ErrNoSessionBus, addr, err)
		n.unavailable(reasonBusConnect, err)
		return nil, err
	}
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		_ = conn.Close()
		return nil, ErrClosed
	}
	n.conn, n.server, n.owner = conn, nil, ""
	n.mu.Unlock()
	return conn, nil
}

// dialAddress connects to addr with Auth and Hello bounded by callTimeout (a socket
// whose peer never answers would otherwise block forever), then subscribes.
func (n *Notifier) dialAddress(addr string) (*dbus.Conn, error) {
	conn, err := dbus.Dial(addr)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	timer := time.AfterFunc(n.callTimeout, func() { _ = conn.Close() })
	err = conn.Auth(nil)
	if err == nil {
		err = conn.Hello()
	}
	if !timer.Stop() {
		err = fmt.Errorf("no answer within %v", n.callTimeout)
	}
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("authenticate: %w", err)
	}

	// Register the channel before adding the match rules, so no signal slips between.
	signals := make(chan *dbus.Signal, eventBuffer)
	conn.Signal(signals)
	n.wg.Add(1)
	go n.loop(conn, signals)

	ctx, cancel := context.WithTimeout(context.Background(), n.callTimeout)
	defer cancel()
	// ActionInvoked is unicast and needs no rule; NotificationClosed may be broadcast.
	err = conn.AddMatchSignalContext(ctx,
		dbus.WithMatchObjectPath(notificationsPath),
		dbus.WithMatchInterface(notificationsIface))
	if err == nil {
		err = conn.AddMatchSignalContext(ctx,
			dbus.WithMatchSender(busDaemonName),
			dbus.WithMatchInterface(busDaemonName),
			dbus.WithMatchMember("NameOwnerChanged"),
			dbus.WithMatchArg(0, notificationsName))
	}
	if err != nil {
		_ = conn.Close() // ends the loop
		return nil, fmt.Errorf("subscribe to notification signals: %w", err)
	}
	return conn, nil
}

// probe fetches the server's capabilities, information and unique name. Calling a
// method (not just asking for the owner) lets a bus with service activation start the
// user's notification daemon.
func (n *Notifier) probe(conn *dbus.Conn) (*serverState, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), n.callTimeout)
	defer cancel()
	obj := conn.Object(notificationsName, notificationsPath)
	srv := &serverState{}
	if err := obj.CallWithContext(ctx, notificationsIface+".GetCapabilities", 0).Store(&srv.caps); err != nil {
		return nil, "", fmt.Errorf("get capabilities: %w", err)
	}
	i := &srv.info
	if err := obj.CallWithContext(ctx, notificationsIface+".GetServerInformation", 0).
		Store(&i.Name, &i.Vendor, &i.Version, &i.Spec); err != nil {
		return nil, "", fmt.Errorf("get server information: %w", err)
	}
	var owner string
	if err := conn.BusObject().CallWithContext(ctx, busDaemonName+".GetNameOwner", 0, notificationsName).
		Store(&owner); err != nil {
		return nil, "", fmt.Errorf("get owner of %s: %w", notificationsName, err)
	}
	return srv, owner, nil
}

// notify sends one Notify call.
func (n *Notifier) notify(conn *dbus.Conn, srv *serverState, x Notification) (uint32, error) {
	var actions []string
	if slices.Contains(srv.caps, "actions") {
		for _, a := range x.Actions {
			actions = append(actions, a.Key, a.Label)
		}
	}
	body := x.Body
	if actions == nil {
		actions = []string{} // marshals as an empty array
		if len(x.Actions) > 0 && x.WithoutActions != "" {
			body = joinLines(body, x.WithoutActions)
		}
	}
	hints := map[string]dbus.Variant{}
	urgency := notify.HintUrgency(notify.Urgency(x.Urgency))
	hints[urgency.ID] = urgency.Variant
	if x.Category != "" {
		hints["category"] = dbus.MakeVariant(x.Category)
	}
	if len(x.Icon) > 0 {
		if v := n.imageHint(x.Icon); v != nil {
			hints["image-data"] = *v
		}
	}

	seq, done := n.callStarted()
	defer n.callEnded(seq, done)
	var id uint32
	err := n.call(conn, "Notify",
		n.appName, x.Replaces, x.AppIcon, x.Title, body, actions, hints, expireMillis(x.Expire),
	).Store(&id)
	if err != nil {
		return 0, fmt.Errorf("notify: %w", err)
	}
	n.mu.Lock()
	n.ours[id] = struct{}{}
	n.mu.Unlock()
	return id, nil
}

// callStarted records a Notify awaiting its reply, for deliver.
func (n *Notifier) callStarted() (uint64, chan struct{}) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.callSeq++
	done := make(chan struct{})
	n.inflight[n.callSeq] = done
	return n.callSeq, done
}

// callEnded is called once the Notify's id (if any) is in ours.
func (n *Notifier) callEnded(seq uint64, done chan struct{}) {
	n.mu.Lock()
	delete(n.inflight, seq)
	n.mu.Unlock()
	close(done)
}

// expireMillis converts Notification.Expire to expire_timeout: 0 never, -1 server default.
func expireMillis(d time.Duration) int32 {
	switch {
	case d == 0:
		return 0
	case d < 0:
		return -1
	case d < time.Millisecond:
		return 1 // a positive duration must not turn into "never"
	case d.Milliseconds() > math.MaxInt32:
		return math.MaxInt32
	default:
		return int32(d.Milliseconds())
	}
}

// imageHint returns the image-data hint for a PNG, from the cache when it is the same
// icon as last time; nil when the PNG is unusable (logged once per distinct icon).
func (n *Notifier) imageHint(pngData []byte) *dbus.Variant {
	n.iconMu.Lock()
	defer n.iconMu.Unlock()
	if n.iconKey != nil && bytes.Equal(n.iconKey, pngData) {
		return n.iconHint
	}
	n.iconKey = bytes.Clone(pngData)
	n.iconHint = nil
	img, err := decodeIcon(pngData)
	if err != nil {
		n.logger.Warn("notification icon left out", "err", err)
		return nil
	}
	h := notify.HintImageDataRGBA(img)
	n.iconHint = &h.Variant
	return n.iconHint
}

// decodeIcon decodes a PNG into the layout image-data wants: origin at (0,0) (the
// encoder takes Rect.Max as the size) and straight, not premultiplied, alpha. Go's
// image.RGBA is premultiplied, so the pixels are drawn into an NRGBA and handed over in
// an RGBA header, which is all HintImageDataRGBA reads.
func decodeIcon(data []byte) (*image.RGBA, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode icon PNG: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxIconPixels {
		return nil, fmt.Errorf("icon is %dx%d pixels; at most %d pixels are sent", cfg.Width, cfg.Height, maxIconPixels)
	}
	src, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode icon PNG: %w", err)
	}
	b := src.Bounds()
	dst := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Rect, src, b.Min, draw.Src)
	return &image.RGBA{Pix: dst.Pix, Stride: dst.Stride, Rect: dst.Rect}, nil
}

// loop receives the connection's signals until godbus closes the channel, which it does
// when the connection ends (Close, or the bus went away).
func (n *Notifier) loop(conn *dbus.Conn, signals <-chan *dbus.Signal) {
	defer n.wg.Done()
	for sig := range signals {
		n.handleSignal(conn, sig)
	}
	n.connectionLost(conn, errors.New("connection closed"))
}

func (n *Notifier) handleSignal(conn *dbus.Conn, sig *dbus.Signal) {
	switch sig.Name {
	case nameOwnerChanged:
		var name, oldOwner, newOwner string
		if sig.Sender != busDaemonName || dbus.Store(sig.Body, &name, &oldOwner, &newOwner) != nil ||
			name != notificationsName {
			return
		}
		n.ownerChanged(conn, oldOwner, newOwner)
	case notificationsIface + ".ActionInvoked":
		var id uint32
		var key string
		if sig.Path != notificationsPath || dbus.Store(sig.Body, &id, &key) != nil {
			return
		}
		n.deliver(conn, sig.Sender, Event{ID: id, Action: key})
	case notificationsIface + ".NotificationClosed":
		var id, reason uint32
		if sig.Path != notificationsPath || dbus.Store(sig.Body, &id, &reason) != nil {
			return
		}
		n.deliver(conn, sig.Sender, Event{ID: id, Closed: true, Reason: reason})
	}
}

// deliver passes ev on when it concerns a notification this Notifier showed and comes
// from the current server; it never blocks on the Events channel.
func (n *Notifier) deliver(conn *dbus.Conn, sender string, ev Event) {
	n.mu.Lock()
	_, ours := n.ours[ev.ID]
	n.mu.Unlock()
	if !ours {
		// A server may send a signal for a notification before its Notify reply (one
		// that expires at once, say), or the reply may be in but its id not yet
		// recorded: wait for the Notify calls on the bus now, then look again.
		n.awaitInflight(inflightWait)
	}
	n.mu.Lock()
	_, ours = n.ours[ev.ID]
	ok := ours && n.conn == conn && sender == n.owner && !n.closed
	if ok && ev.Closed {
		delete(n.ours, ev.ID)
	}
	n.mu.Unlock()
	if !ok {
		return
	}
	select {
	case n.events <- ev:
	default:
		n.logger.Warn("notification event dropped: events channel full",
			"id", ev.ID, "action", ev.Action, "closed", ev.Closed, "reason", ev.Reason)
	}
}

// inflightWait bounds how long the signal loop waits for Notify replies (see deliver).
const inflightWait = time.Second

// awaitInflight waits until the Notify calls in flight now have ended, or limit passed.
func (n *Notifier) awaitInflight(limit time.Duration) {
	n.mu.Lock()
	pending := make([]chan struct{}, 0, len(n.inflight))
	for _, ch := range n.inflight {
		pending = append(pending, ch)
	}
	n.mu.Unlock()
	if len(pending) == 0 {
		return
	}
	t := time.NewTimer(limit)
	defer t.Stop()
	for _, ch := range pending {
		select {
		case <-ch:
		case <-t.C:
			return
		}
	}
}

// ownerChanged follows the notification server going away, appearing or being
// replaced, refreshing the capabilities from the new owner.
func (n *Notifier) ownerChanged(conn *dbus.Conn, oldOwner, newOwner string) {
	n.mu.Lock()
	if n.conn != conn || n.closed {
		n.mu.Unlock()
		return
	}
	if oldOwner != "" {
		// The old server's notifications went with it; their ids mean nothing now.
		clear(n.ours)
	}
	n.owner, n.server = newOwner, nil
	if newOwner == "" {
		n.unavailableLocked(reasonNoServer, fmt.Errorf("%w: %s released the name", ErrNoServer, oldOwner))
		n.mu.Unlock()
		return
	}
	n.mu.Unlock()

	srv, owner, err := n.probe(conn)
	if err != nil {
		// Show probes again; only log if that fails too.
		n.logger.Debug("probe new notification server", "owner", newOwner, "err", err)
		return
	}
	n.mu.Lock()
	if n.conn == conn && n.owner == owner && !n.closed {
		n.server = srv
		n.becameAvailableLocked(srv)
	}
	n.mu.Unlock()
}

// connectionLost forgets conn (if still current) and closes it.
func (n *Notifier) connectionLost(conn *dbus.Conn, err error) {
	n.mu.Lock()
	if n.conn == conn {
		n.conn, n.server, n.owner = nil, nil, ""
		clear(n.ours)
		if !n.closed {
			n.unavailableLocked(reasonBusLost, fmt.Errorf("%w: connection lost: %w", ErrNoSessionBus, err))
		}
	}
	n.mu.Unlock()
	_ = conn.Close()
}

// serverGone records that nobody owns the notification name.
func (n *Notifier) serverGone(conn *dbus.Conn, err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.conn == conn {
		n.server, n.owner = nil, ""
		n.unavailableLocked(reasonNoServer, fmt.Errorf("%w: %w", ErrNoServer, err))
	}
}

// serverFailed records a server that did not answer in time. What was learnt from it
// (its capabilities) is kept: a stopped daemon that resumes answers the calls sent
// meanwhile, and probing it again would only add a call to its queue.
func (n *Notifier) serverFailed(conn *dbus.Conn, err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.conn == conn {
		n.unavailableLocked(reasonServerError, err)
	}
}

// answeredAgain records that a server reported as not responding has answered a call.
func (n *Notifier) answeredAgain(conn *dbus.Conn) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.conn == conn && n.server != nil && n.problem == reasonServerError {
		n.becameAvailableLocked(n.server)
	}
}

func (n *Notifier) unavailable(reason string, err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.unavailableLocked(reason, err)
}

// unavailableLocked sets the reason notifications do not work and logs it once per
// change of reason, so a Show per alarm does not repeat the same line.
func (n *Notifier) unavailableLocked(reason string, err error) {
	n.problemErr = err
	if n.problem == reason {
		return
	}
	n.problem, n.available = reason, false
	n.logger.Warn("notifications unavailable: "+reason, "err", err)
}

// becameAvailableLocked clears the problem and logs the server once per recovery.
func (n *Notifier) becameAvailableLocked(srv *serverState) {
	if n.available {
		return
	}
	n.problem, n.problemErr, n.available = "", nil, true
	n.logger.Info("notification server available",
		"server", srv.info.Name, "version", srv.info.Version,
		"capabilities", strings.Join(srv.caps, ","))
}

// isNoServer reports a bus error meaning nobody owns org.freedesktop.Notifications.
func isNoServer(err error) bool {
	var de dbus.Error // godbus reports error replies as a dbus.Error value
	return errors.As(err, &de) && (de.Name == errServiceUnknown || de.Name == errNameHasNoOwner)
}
