// Package tray is the agent's face in the panel (DESIGN §10): a StatusNotifierItem icon whose
// picture and tooltip follow the alarms' state, and a menu to stop or snooze a ringing alarm,
// set a new alarm or a quick timer, switch alarms on and off, pause everything, toggle start at
// login, and quit.
//
// What the tray shows is computed by a pure function (BuildModel) from one snapshot of the
// service, so it is tested without D-Bus; the systray glue only applies a Model to menu items.
// The tray redraws only when the controller reports a change: it has no timers of its own. A
// redraw asks the service for nothing but its Snapshot, which never calls back into the tray,
// and reads the start-at-login state from a cache: reading it afresh may run systemctl, so that
// happens off the menu's goroutine when the menu opens or the user toggles it.
//
// The tray never stops the agent from working: with no session bus or no tray host it logs one
// line and State says why. fyne.io/systray re-registers the icon itself whenever a
// StatusNotifierWatcher (tray host) appears or restarts.
package tray

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"alarmd/agent/api"
)

// Controller is what the tray drives; *service.Service implements it.
type Controller interface {
	// Snapshot is the alarms, the pause, what rings and what rings next, read at once; a
	// redraw draws from it alone.
	Snapshot() api.Snapshot
	Add(req api.AddRequest) (api.Alarm, error)
	// The changes take where they came from (history.FromTray), for the history.
	Edit(id int, req api.EditRequest, from string) (api.Alarm, error)
	Delete(id int, from string) error
	Snooze(id int, d time.Duration, from string) ([]int, error)
	Dismiss(id int, from string) ([]int, error)
	SetPaused(p bool) error
	Subscribe() <-chan struct{}
}

// Autostart switches starting at login on and off. Refresh and SetEnabled may take a while
// (they may run systemctl): the tray calls them one at a time and never on its menu goroutine.
type Autostart interface {
	// Enabled reports the state the last Refresh or SetEnabled found; it must not block, as every
	// redraw reads it.
	Enabled() bool
	// Refresh reads the state afresh, for a change made elsewhere (`alarmd autostart`).
	Refresh() error
	// SetEnabled turns starting at login on or off and updates what Enabled reports.
	SetEnabled(on bool) error
}

// Dialog asks the questions of "New alarm…". The default uses zenity (ncruces/zenity), which on
// Linux runs the zenity, qarma or matedialog program.
type Dialog interface {
	// Available reports whether dialogs can be shown at all.
	Available() bool
	// AskWhen asks for a WHEN, prefilled with prev; ok is false on Cancel.
	AskWhen(prev string) (text string, ok bool, err error)
	// AskLabel asks for an optional label, prefilled with prev; ok is false on Cancel.
	AskLabel(prev string) (text string, ok bool, err error)
	// ShowError shows msg in an error dialog and returns when it is closed.
	ShowError(msg string) error
}

// DefaultQuickTimers are the Quick timer entries when the config gives none.
var DefaultQuickTimers = []time.Duration{
	5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 25 * time.Minute,
	30 * time.Minute, 45 * time.Minute, 60 * time.Minute,
}

// InstallDialogHint is the notification body shown when no dialog program is installed.
const InstallDialogHint = "Install zenity to set alarms from the tray: sudo apt install zenity"

// Options configure the tray.
type Options struct {
	Controller  Controller
	Log         *slog.Logger
	QuickTimers []time.Duration // nil: DefaultQuickTimers
	Quit        func()          // the agent's shutdown
	Autostart   Autostart       // nil: the "Start at login" item is hidden
	Dialog      Dialog          // nil: zenity dialogs
	Notify      func(title, body string)
	// Now is the clock used to validate WHEN in the New alarm dialog (nil: time.Now).
	Now func() time.Time
	// OpenWindow shows the Alarms window (DESIGN §14); nil hides the Alarms… item.
	OpenWindow func()
	// NewAlarmForm shows the window's New alarm form for New alarm… and a left click; nil: the
	// tray's own dialogs (Dialog).
	NewAlarmForm func()
}

// Tray is the running tray icon. Start it once per process (fyne.io/systray is a process-wide
// singleton).
type Tray struct {
	o     Options
	log   *slog.Logger
	state atomic.Pointer[string] // set when the tray is not running: the reason
	probe func() (string, bool)  // asks the bus what the host shows, when running

	dialogBusy atomic.Bool
	loginOps   sync.WaitGroup // Autostart calls under way; Close waits for them
	dialogCtx  context.Context
	stop       context.CancelFunc
	loopDone   chan struct{}
	exited     chan struct{}
	closeOnce  sync.Once
	quit       func() // removes the icon and waits for systray to stop, when running
}

var started atomic.Bool

func newTray(ctx context.Context, o Options) *Tray {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if len(o.QuickTimers) == 0 {
		o.QuickTimers = DefaultQuickTimers
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Notify == nil {
		o.Notify = func(string, string) {}
	}
	if o.Quit == nil {
		o.Quit = func() {}
	}
	t := &Tray{o: o, log: o.Log.With("part", "tray"), loopDone: make(chan struct{}), exited: make(chan struct{})}
	t.dialogCtx, t.stop = context.WithCancel(ctx)
	if o.Dialog == nil {
		t.o.Dialog = zenityDialog{ctx: t.dialogCtx}
	}
	return t
}

func (t *Tray) setState(s string) { t.state.Store(&s) }

// State says what the tray shows, for `alarmd status`: "shown (StatusNotifierItem)", "waiting
// for a tray host …", "no session bus …", "stopped".
func (t *Tray) State() string {
	if s := t.state.Load(); s != nil {
		return *s
	}
	if t.probe == nil {
		return "starting"
	}
	s, _ := t.probe()
	return s
}

// Close removes the icon and stops the tray's goroutines. It is safe to call more than once and
// on a tray that never showed.
func (t *Tray) Close() {
	t.closeOnce.Do(func() {
		t.stop()
		if t.quit == nil {
			return
		}
		<-t.loopDone
		t.loginOps.Wait() // a start-at-login change the user asked for is not cut short
		t.quit()
		t.setState("stopped")
	})
}
