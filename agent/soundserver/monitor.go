package soundserver

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/jfreymuth/pulse/proto"

	"alarmd/agent/internal/oneline"
)

// requestTimeout bounds every request to the server, so a hung server costs a status line at
// most this long and never blocks the agent for good.
const requestTimeout = 2 * time.Second

// retryAfterLoss are the waits before reconnecting after the server went away (it restarts
// within a second or two when the session's service manager restarts it). After the last one
// the monitor stops trying on its own and only tries again when asked (Refresh): no timer runs
// while no server is there.
var retryAfterLoss = []time.Duration{500 * time.Millisecond, 2 * time.Second, 10 * time.Second}

// refreshEvery bounds how often Refresh dials a server that was not there.
const refreshEvery = 5 * time.Second

// Monitor keeps the default output's State current from the server's change events.
type Monitor struct {
	log    *slog.Logger
	getenv func(string) string

	mu         sync.Mutex
	state      State
	client     *proto.Client // nil while not connected
	conn       net.Conn
	lastDial   time.Time
	dialing    bool
	closed     bool
	subs       []chan struct{}
	events     chan struct{} // the server reported a change (buffered 1)
	lostLogged bool

	quit chan struct{}
	done sync.WaitGroup
}

// Open starts the monitor: it connects now (a missing server is not an error: State says so),
// subscribes to sink and server changes and keeps State current until Close.
func Open(log *slog.Logger) *Monitor {
	if log == nil {
		log = slog.Default()
	}
	m := &Monitor{
		log:    log.With("part", "sound server"),
		getenv: os.Getenv,
		events: make(chan struct{}, 1),
		quit:   make(chan struct{}),
		state:  State{Reason: "not checked yet"},
	}
	m.done.Add(1)
	go m.loop()
	m.connect()
	return m
}

// State is the default output as last reported.
func (m *Monitor) State() State {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state
}

// Subscribe returns a channel that receives a value (coalesced) after every change of State.
func (m *Monitor) Subscribe() <-chan struct{} {
	ch := make(chan struct{}, 1)
	m.mu.Lock()
	m.subs = append(m.subs, ch)
	m.mu.Unlock()
	return ch
}

// Refresh connects again when no server was there (at most every refreshEvery): a sound
// server started after the agent is found the next time status, doctor or a ring asks.
func (m *Monitor) Refresh() {
	m.mu.Lock()
	retry := m.client == nil && !m.closed && time.Since(m.lastDial) >= refreshEvery
	m.mu.Unlock()
	if retry {
		m.connect()
	}
}

// Close disconnects and stops the monitor's goroutine.
func (m *Monitor) Close() {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.closed = true
	conn := m.conn
	m.client, m.conn = nil, nil
	m.mu.Unlock()
	if conn != nil {
		_ = conn.Close()
	}
	close(m.quit)
	m.done.Wait()
}

// connect dials the server, authenticates, subscribes and reads the state once.
func (m *Monitor) connect() {
	m.mu.Lock()
	if m.client != nil || m.dialing || m.closed {
		m.mu.Unlock()
		return
	}
	m.dialing, m.lastDial = true, time.Now()
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		m.dialing = false
		m.mu.Unlock()
	}()
	c, conn, err := dial(m.getenv, func(msg any) { m.onMessage(msg) })
	if err != nil {
		m.setState(State{Reason: reasonOf(err)}, nil, nil)
		return
	}
	if err := c.Request(&proto.Subscribe{Mask: proto.SubscriptionMaskSink | proto.SubscriptionMaskServer}, nil); err != nil {
		_ = conn.Close()
		m.setState(State{Reason: "sound server: subscribe: " + oneline.Of(err.Error())}, nil, nil)
		return
	}
	st, err := query(c)
	if err != nil {
		_ = conn.Close()
		m.setState(State{Reason: reasonOf(err)}, nil, nil)
		return
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		_ = conn.Close()
		return
	}
	m.lostLogged = false
	m.mu.Unlock()
	m.setState(st, c, conn)
	m.log.Debug("watching the default output", "sink", st.Sink, "muted", st.Muted, "volume", st.Volume)
}

// dial connects to the native-protocol socket and authenticates with the cookie.
func dial(getenv func(string) string, callback func(any)) (*proto.Client, net.Conn, error) {
	addr, err := serverAddress(getenv)
	if err != nil {
		return nil, nil, err
	}
	conn, err := net.DialTimeout("unix", addr, requestTimeout)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (%s: %v)", errNoServer, addr, oneline.Of(err.Error()))
	}
	c := &proto.Client{Callback: callback}
	c.SetTimeout(requestTimeout)
	c.Open(conn)
	ck := cookie(getenv)
	if ck == nil {
		ck = make([]byte, 256) // an anonymous server takes any cookie
	}
	var auth proto.AuthReply
	if err := c.Request(&proto.Auth{Version: c.Version(), Cookie: ck}, &auth); err != nil {
		_ = conn.Close()
		return nil, nil, fmt.Errorf("sound server at %s refused the connection: %v", addr, oneline.Of(err.Error()))
	}
	c.SetVersion(auth.Version)
	props := proto.PropList{"application.name": proto.PropListString("alarmd"), "application.id": proto.PropListString("alarmd")}
	if err := c.Request(&proto.SetClientName{Props: props}, &proto.SetClientNameReply{}); err != nil {
		_ = conn.Close()
		return nil, nil, fmt.Errorf("sound server at %s: set client name: %v", addr, oneline.Of(err.Error()))
	}
	return c, conn, nil
}

// query reads the default sink's mute state and volume.
func query(c *proto.Client) (State, error) {
	var server proto.GetServerInfoReply
	if err := c.Request(&proto.GetServerInfo{}, &server); err != nil {
		return State{}, fmt.Errorf("sound server: server info: %w", err)
	}
	var sink proto.GetSinkInfoReply
	// An undefined index and no name ask for the default sink.
	if err := c.Request(&proto.GetSinkInfo{SinkIndex: proto.Undefined}, &sink); err != nil {
		return State{}, fmt.Errorf("sound server %s: no default output: %w", server.PackageName, err)
	}
	vols := append([]uint32(nil), sink.ChannelVolumes...)
	return State{Checked: true, Sink: sink.SinkName, Muted: sink.Mute, Volume: percentOf(vols), Volumes: vols}, nil
}

func reasonOf(err error) string {
	if errors.Is(err, errNoServer) {
		return "no sound server (PulseAudio or PipeWire) answers, so the volume cannot be checked"
	}
	return oneline.Of(err.Error())
}

// onMessage runs on the protocol client's reader goroutine: it must not make a request there
// (the reply would be read by the same goroutine), so it only wakes loop.
func (m *Monitor) onMessage(msg any) {
	switch msg.(type) {
	case *proto.SubscribeEvent, *proto.ConnectionClosed:
		select {
		case m.events <- struct{}{}:
		default:
		}
	}
}

// loop reads the state again after each event; it blocks on the channel in between.
func (m *Monitor) loop() {
	defer m.done.Done()
	for {
		select {
		case <-m.quit:
			return
		case <-m.events:
		}
		m.mu.Lock()
		c := m.client
		m.mu.Unlock()
		if c == nil {
			continue
		}
		st, err := query(c)
		if err == nil {
			m.setState(st, c, nil)
			continue
		}
		m.lost(err)
	}
}

// lost marks the server gone and reconnects a few times, in case it is only restarting.
func (m *Monitor) lost(err error) {
	m.mu.Lock()
	conn := m.conn
	m.client, m.conn = nil, nil
	logIt := !m.lostLogged
	m.lostLogged = true
	m.mu.Unlock()
	if conn != nil {
		_ = conn.Close()
	}
	if logIt {
		m.log.Info("the sound server went away; the output's volume is not checked until it is back", "err", oneline.Of(err.Error()))
	}
	m.setState(State{Reason: "the sound server went away (" + oneline.Of(err.Error()) + ")"}, nil, nil)
	for _, wait := range retryAfterLoss {
		t := time.NewTimer(wait)
		select {
		case <-m.quit:
			t.Stop()
			return
		case <-t.C:
		}
		m.connect()
		if m.State().Checked {
			return
		}
	}
}

// setState stores st (and the connection when one is given) and tells the subscribers when
// anything changed.
func (m *Monitor) setState(st State, c *proto.Client, conn net.Conn) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	if conn != nil {
		m.client, m.conn = c, conn
	}
	changed := !m.state.Equal(st)
	m.state = st
	var subs []chan struct{}
	if changed {
		subs = m.subs
	}
	m.mu.Unlock()
	for _, ch := range subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// client returns the connection, or an error saying why there is none.
func (m *Monitor) connected() (*proto.Client, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.client == nil {
		return nil, errors.New(m.state.Reason)
	}
	return m.client, nil
}

// SetMute mutes or unmutes the named sink.
func (m *Monitor) SetMute(sink string, mute bool) error {
	c, err := m.connected()
	if err != nil {
		return err
	}
	if err := c.Request(&proto.SetSinkMute{SinkIndex: proto.Undefined, SinkName: sink, Mute: mute}, nil); err != nil {
		return fmt.Errorf("set mute of %s: %w", sink, err)
	}
	return nil
}

// SetVolumes sets the named sink's channel volumes (0x10000 = 100 %).
func (m *Monitor) SetVolumes(sink string, vols []uint32) error {
	c, err := m.connected()
	if err != nil {
		return err
	}
	if err := c.Request(&proto.SetSinkVolume{SinkIndex: proto.Undefined, SinkName: sink, ChannelVolumes: vols}, nil); err != nil {
		return fmt.Errorf("set volume of %s: %w", sink, err)
	}
	return nil
}

// Now reads the default output afresh (not from the last event): the unmuter decides on it.
func (m *Monitor) Now() (State, error) {
	c, err := m.connected()
	if err != nil {
		return State{}, err
	}
	return query(c)
}

// Check reads the default output once, on a connection of its own (`alarmd doctor`).
func Check() State {
	c, conn, err := dial(os.Getenv, func(any) {})
	if err != nil {
		return State{Reason: reasonOf(err)}
	}
	defer conn.Close()
	st, err := query(c)
	if err != nil {
		return State{Reason: reasonOf(err)}
	}
	return st
}
