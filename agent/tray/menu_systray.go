//go:build linux || windows

package tray

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"fyne.io/systray"

	"alarmd/agent/api"
	"alarmd/agent/history"
	"alarmd/assets"
)

// ringPool is how many Stop/Snooze pairs the menu holds. fyne appends new items at the end of
// their parent, so root-level items cannot be grown later in place; more alarms ringing at once
// than this are still stopped from their notifications or the CLI.
const ringPool = 4

// Start shows the tray icon and returns at once. It fails only when called twice in a process;
// a missing session bus or tray host is not an error (State says why, and the icon appears
// when a tray host starts).
func Start(ctx context.Context, o Options) (*Tray, error) {
	if !started.CompareAndSwap(false, true) {
		return nil, errors.New("tray: already started in this process")
	}
	t := newTray(ctx, o)
	probe, closeBus, reason := connectBus()
	if reason != "" {
		t.setState(reason)
		t.log.Info("tray icon not shown: " + reason + "; alarms still ring")
		close(t.loopDone)
		close(t.exited)
		return t, nil
	}
	t.probe = probe
	if _, host := probe(); !host {
		t.log.Info("no tray host (StatusNotifierWatcher) yet; the icon appears when one starts")
	}

	events := make(chan event, 32)
	m := &menu{t: t, events: events}
	first := BuildModel(o.Controller.Snapshot(), t.o.Now())
	systray.SetTitle("alarmd")
	setIcon(first.Icon)
	systray.SetTooltip(first.Tooltip)
	// A left click (Activate) opens New alarm…; this also makes the item say ItemIsMenu=false,
	// so hosts open the menu on a right click.
	systray.SetOnTapped(func() { m.send(event{kind: evNewAlarm}) })

	ready := make(chan struct{})
	changes := o.Controller.Subscribe()
	go func() {
		// On Windows the message loop must run on the thread that created the window.
		runtime.LockOSThread()
		systray.Run(func() { m.build(); close(ready) }, func() { close(t.exited) })
	}()
	t.quit = func() {
		systray.Quit()
		select {
		case <-t.exited:
		case <-time.After(3 * time.Second):
			t.log.Warn("tray did not stop within 3 s")
		}
		closeBus()
	}
	go func() {
		defer close(t.loopDone)
		select {
		case <-ready:
		case <-t.dialogCtx.Done():
			return
		}
		m.loop(t.dialogCtx, changes, first)
	}()
	go m.forwardOpened()
	return t, nil
}

// event is a click, forwarded from an item's ClickedCh to the loop, or news for the loop.
type event struct {
	kind  int
	index int
	login loginOp // evLoginDone: what ran
	err   error   // evLoginDone: how it went
}

// loginOp is a read or a change of the start-at-login state.
type loginOp struct {
	set bool // SetEnabled(on); false: Refresh
	on  bool
}

const (
	evStop = iota
	evSnooze
	evNewAlarm
	evQuick
	evEnable
	evDelete
	evPause
	evLogin
	evQuit
	evOpened    // the host opened the menu
	evLoginDone // a loginOp ended
	evWindow    // Alarms…
)

// item is a menu item with the state last sent over the bus, so that a redraw only sends what
// changed.
type item struct {
	mi                      *systray.MenuItem
	title                   string
	checked, hidden, inited bool
}

func (it *item) set(title string, checked, visible bool) {
	if !it.inited || it.title != title {
		it.mi.SetTitle(title)
		it.title = title
	}
	if it.mi.Checked() != checked {
		if checked {
			it.mi.Check()
		} else {
			it.mi.Uncheck()
		}
	}
	if !it.inited || it.hidden == visible {
		if visible {
			it.mi.Show()
		} else {
			it.mi.Hide()
		}
		it.hidden = !visible
	}
	it.inited = true
}

type ringSlot struct{ stop, snooze *item }

type alarmSlot struct{ sub, enabled, del *item }

// menu is the systray menu. Only the loop goroutine touches it after build.
type menu struct {
	t      *Tray
	events chan event
	icon   assets.State
	tip    string

	header   *item
	ring     []ringSlot
	ringIDs  []int
	quick    []*item
	alarms   *item
	noAlarms *item
	slots    []alarmSlot
	slotIDs  []int
	pause    *item
	login    *item

	// The start-at-login state is read and changed off the loop, one operation at a time (they
	// may run systemctl): loginBusy says one runs, loginNext is the one to run after it.
	loginBusy    bool
	loginNext    *loginOp
	loginChecked bool // what the checkbox shows

	cd countdownState // a running timer's once-a-minute refresh (menu_countdown.go)
}

func (m *menu) send(e event) {
	select {
	case m.events <- e:
	case <-m.t.dialogCtx.Done():
	}
}

// forward relays an item's clicks to the loop.
func (m *menu) forward(mi *systray.MenuItem, e event) {
	go func() {
		for {
			select {
			case <-mi.ClickedCh:
				m.send(e)
			case <-m.t.dialogCtx.Done():
				return
			}
		}
	}()
}

func (m *menu) add(mi *systray.MenuItem, e event) *item {
	m.forward(mi, e)
	return &item{mi: mi}
}

// build creates every fixed item in menu order (runs on systray's ready callback).
func (m *menu) build() {
	m.header = &item{mi: systray.AddMenuItem("", "")}
	m.header.mi.Disable()
	for i := 0; i < ringPool; i++ {
		s := ringSlot{
			stop:   m.add(systray.AddMenuItem("Stop", ""), event{kind: evStop, index: i}),
			snooze: m.add(systray.AddMenuItem("Snooze", ""), event{kind: evSnooze, index: i}),
		}
		s.stop.set("Stop", false, false)
		s.snooze.set("Snooze", false, false)
		m.ring = append(m.ring, s)
	}
	systray.AddSeparator()
	m.add(systray.AddMenuItem("New alarm…", "Set an alarm"), event{kind: evNewAlarm})
	if m.t.o.OpenWindow != nil {
		m.add(systray.AddMenuItem("Alarms…", "Open the Alarms window"), event{kind: evWindow})
	}
	qt := systray.AddMenuItem("Quick timer", "Start a timer")
	for i, d := range m.t.o.QuickTimers {
		m.quick = append(m.quick, m.add(qt.AddSubMenuItem(duration(d), ""), event{kind: evQuick, index: i}))
	}
	m.alarms = &item{mi: systray.AddMenuItem("Alarms", "")}
	m.noAlarms = &item{mi: m.alarms.mi.AddSubMenuItem("No alarms", "")}
	m.noAlarms.mi.Disable()
	systray.AddSeparator()
	m.pause = m.add(systray.AddMenuItemCheckbox("Pause all alarms", "Skip every alarm until resumed", false), event{kind: evPause})
	m.login = m.add(systray.AddMenuItemCheckbox("Start at login", "", false), event{kind: evLogin})
	if m.t.o.Autostart == nil {
		m.login.set("Start at login", false, false)
	}
	systray.AddSeparator()
	m.add(systray.AddMenuItem("Quit", "Stop alarmd; alarms will not ring"), event{kind: evQuit})
}

func (m *menu) loop(ctx context.Context, changes <-chan struct{}, first Model) {
	m.apply(first)
	m.requestLogin(loginOp{}) // the first read of the start-at-login state
	for {
		select {
		case <-ctx.Done():
			return
		case <-changes:
			m.redraw()
		case <-m.countdownC():
			m.cd.timer = nil
			m.redraw()
		case e := <-m.events:
			m.handle(e)
		}
	}
}

func (m *menu) redraw() {
	m.apply(BuildModel(m.t.o.Controller.Snapshot(), m.t.o.Now()))
	if refreshLoginOnRedraw {
		m.requestLogin(loginOp{})
	}
}

// forwardOpened relays the host's "menu opened" to the loop, which then rereads the
// start-at-login state. fyne drops the signal unless someone is waiting for it, hence a
// goroutine of its own.
func (m *menu) forwardOpened() {
	for {
		select {
		case <-systray.TrayOpenedCh:
			m.send(event{kind: evOpened})
		case <-m.t.dialogCtx.Done():
			return
		}
	}
}

// requestLogin runs op on a goroutine of its own, or after the one running: a change replaces
// a waiting read (it reads the state too), a read never replaces a waiting change.
func (m *menu) requestLogin(op loginOp) {
	a := m.t.o.Autostart
	if a == nil {
		return
	}
	if m.loginBusy {
		if op.set || m.loginNext == nil {
			m.loginNext = &op
		}
		return
	}
	m.loginBusy = true
	m.t.loginOps.Add(1)
	go func() {
		defer m.t.loginOps.Done()
		var err error
		if op.set {
			err = a.SetEnabled(op.on)
		} else {
			err = a.Refresh()
		}
		m.send(event{kind: evLoginDone, login: op, err: err})
	}()
}

// loginDone shows what a loginOp found and starts the next one, if any.
func (m *menu) loginDone(e event) {
	m.loginBusy = false
	if e.err != nil && e.login.set {
		m.failed("start at login", e.err)
	} else if e.err != nil {
		m.t.log.Debug("start at login: cannot read the state", "err", e.err)
	}
	next := m.loginNext
	m.loginNext = nil
	if next == nil || !next.set {
		// A waiting change keeps the checkbox showing what the user asked for.
		m.loginChecked = m.t.o.Autostart.Enabled()
		m.login.set("Start at login", m.loginChecked, true)
	}
	if next != nil {
		m.requestLogin(*next)
	}
}

func setIcon(s assets.State) {
	b, err := trayIcon(s)
	if err != nil {
		return // cannot happen: the icons are embedded; a test checks every state
	}
	systray.SetIcon(b)
}

// apply makes the menu show md, sending only what changed.
func (m *menu) apply(md Model) {
	if md.Icon != m.icon {
		setIcon(md.Icon)
		m.icon = md.Icon
	}
	if md.Tooltip != m.tip {
		systray.SetTooltip(md.Tooltip)
		m.tip = md.Tooltip
	}
	m.header.set(md.Header, false, true)
	m.ringIDs = m.ringIDs[:0]
	for i, s := range m.ring {
		if i < len(md.Ringing) {
			r := md.Ringing[i]
			s.stop.set(r.Stop, false, true)
			s.snooze.set(r.Snooze, false, true)
			m.ringIDs = append(m.ringIDs, r.ID)
		} else {
			s.stop.set(s.stop.title, false, false)
			s.snooze.set(s.snooze.title, false, false)
		}
	}
	switch {
	case md.More > 0:
		m.noAlarms.set(fmt.Sprintf("%d more not shown (alarmd list)", md.More), false, true)
	default:
		m.noAlarms.set("No alarms", false, len(md.Alarms) == 0)
	}
	for len(m.slots) < len(md.Alarms) {
		i := len(m.slots)
		sub := &item{mi: m.alarms.mi.AddSubMenuItem("", "")}
		m.slots = append(m.slots, alarmSlot{
			sub:     sub,
			enabled: m.add(sub.mi.AddSubMenuItemCheckbox("Enabled", "", false), event{kind: evEnable, index: i}),
			del:     m.add(sub.mi.AddSubMenuItem("Delete", ""), event{kind: evDelete, index: i}),
		})
	}
	m.slotIDs = m.slotIDs[:0]
	for i, s := range m.slots {
		if i < len(md.Alarms) {
			a := md.Alarms[i]
			s.sub.set(a.Title, false, true)
			s.enabled.set("Enabled", a.Enabled, true)
			s.del.set("Delete", false, true)
			m.slotIDs = append(m.slotIDs, a.ID)
		} else {
			s.sub.set(s.sub.title, false, false)
		}
	}
	m.pause.set("Pause all alarms", md.Paused, true)
	m.applyCountdown(md)
	if m.t.o.Autostart != nil {
		m.login.set("Start at login", m.loginChecked, true)
	}
}

// handle carries out a click.
func (m *menu) handle(e event) {
	c := m.t.o.Controller
	var err error
	what := ""
	switch e.kind {
	case evStop:
		if e.index < len(m.ringIDs) {
			what = fmt.Sprintf("stop alarm %d", m.ringIDs[e.index])
			_, err = c.Dismiss(m.ringIDs[e.index], history.FromTray)
		}
	case evSnooze:
		if e.index < len(m.ringIDs) {
			what = fmt.Sprintf("snooze alarm %d", m.ringIDs[e.index])
			_, err = c.Snooze(m.ringIDs[e.index], 0, history.FromTray)
		}
	case evNewAlarm:
		m.t.openNewAlarm()
	case evWindow:
		m.t.o.OpenWindow()
	case evQuick:
		d := m.t.o.QuickTimers[e.index]
		label := duration(d) + " timer"
		what = "quick timer " + duration(d)
		_, err = c.Add(api.AddRequest{When: whenOf(d), Label: &label})
	case evEnable:
		if e.index < len(m.slotIDs) {
			id := m.slotIDs[e.index]
			on := !m.slots[e.index].enabled.mi.Checked()
			what = fmt.Sprintf("enable alarm %d", id)
			_, err = c.Edit(id, api.EditRequest{Enabled: &on}, history.FromTray)
		}
	case evDelete:
		if e.index < len(m.slotIDs) {
			what = fmt.Sprintf("delete alarm %d", m.slotIDs[e.index])
			err = c.Delete(m.slotIDs[e.index], history.FromTray)
		}
	case evPause:
		what = "pause all alarms"
		err = c.SetPaused(!m.pause.mi.Checked())
	case evLogin:
		if m.t.o.Autostart != nil {
			// Show the choice at once; loginDone shows what it came to.
			m.loginChecked = !m.loginChecked
			m.login.set("Start at login", m.loginChecked, true)
			m.requestLogin(loginOp{set: true, on: m.loginChecked})
		}
	case evQuit:
		m.t.log.Info("quit chosen from the tray")
		m.t.o.Quit()
	case evOpened:
		m.requestLogin(loginOp{})
	case evLoginDone:
		m.loginDone(e)
	}
	if err != nil {
		m.failed(what, err)
	}
}

// failed logs and shows a tray action that did not work.
func (m *menu) failed(what string, err error) {
	m.t.log.Warn("tray action failed", "action", what, "err", err)
	m.t.o.Notify("alarmd", fmt.Sprintf("Could not %s: %v", what, err))
}
