// Package app assembles the agent from its parts — paths, lock, store, clock, notifier, ringer,
// service, control socket — runs it until it is asked to stop, and takes it apart again in
// order. `alarmd run` calls it in the foreground and the daemon's stage 2 calls it detached.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"alarmd/agent/audio"
	"alarmd/agent/clock"
	"alarmd/agent/config"
	"alarmd/agent/daemon"
	"alarmd/agent/history"
	"alarmd/agent/logging"
	"alarmd/agent/notifier"
	"alarmd/agent/paths"
	"alarmd/agent/quiet"
	"alarmd/agent/ringer"
	"alarmd/agent/server"
	"alarmd/agent/service"
	"alarmd/agent/sessionbus"
	"alarmd/agent/store"
	"alarmd/agent/tray"
	"alarmd/agent/window"
)

// Options say how the agent runs.
type Options struct {
	// Daemon is true in the daemon's stage 2: detach stdio into the log file and report readiness
	// on the pipe. False for `alarmd run`: log to stderr, sd_notify when under systemd.
	Daemon  bool
	Version string
}

// Run runs the agent until SIGTERM, SIGINT or POST /v1/stop. Errors before the agent is ready are
// reported on the readiness pipe (daemon) and returned.
func Run(opts Options) (err error) {
	ready := daemon.Stage2Readiness()
	defer func() {
		if err != nil && ready != nil {
			ready.Fail(err)
		}
	}()
	a := &agent{opts: opts}
	defer a.release()
	if err := a.assemble(); err != nil {
		return err
	}
	a.run(ready)
	return nil
}

// agent is the agent's parts. assemble builds them in order and records what undoes each;
// run serves until the agent is asked to stop and shuts the running parts down; release undoes
// the rest, last built first.
type agent struct {
	opts  Options
	paths paths.Paths
	cfg   config.Config // as loaded at start; SIGHUP hands a new one to the service
	log   *slog.Logger
	// desktopLog is log, or only its errors once the one line about a missing session bus is
	// out: the notifier and the tray would each say the same again.
	desktopLog *slog.Logger
	undo       []func()

	ctx    context.Context
	cancel context.CancelFunc // stops the agent

	store    *store.Store
	history  *history.Log // nil when the file cannot be opened
	clock    clock.Clock
	notif    *notifier.Notifier
	player   *audio.Player
	ring     *ringer.Ringer
	svc      *service.Service
	tray     atomic.Pointer[tray.Tray] // nil until the tray started (status asks for it earlier)
	ln       net.Listener
	srv      *server.Server
	requests chan struct{} // a control request came in (for agent/quiet)
	heard    *heard        // the sound output and Do Not Disturb (DESIGN §16)
	wake     wakeParts     // waking the computer and following its sleep (DESIGN §15)

	win *window.Window // the Alarms window (DESIGN §14)
}

// onRelease records what undoes a part just built.
func (a *agent) onRelease(f func()) { a.undo = append(a.undo, f) }

// release undoes what assemble built, in reverse order.
func (a *agent) release() {
	for i := len(a.undo) - 1; i >= 0; i-- {
		a.undo[i]()
	}
}

// assemble builds the agent from its paths and config, up to a listening control socket.
func (a *agent) assemble() error {
	if err := a.setUp(); err != nil {
		return err
	}
	if err := a.openState(); err != nil {
		return err
	}
	a.startDesktop()
	a.newService()
	a.startHeard()
	a.startWindow()
	a.startTray()
	return a.listen()
}

// setUp resolves the paths, detaches (daemon), loads the config and starts logging.
func (a *agent) setUp() error {
	p, err := paths.Resolve()
	if err != nil {
		return fmt.Errorf("paths: %w", err)
	}
	a.paths = p
	if a.opts.Daemon {
		if err := p.EnsureStateDir(); err != nil {
			return err
		}
		if err := daemon.Detach(p.LogFile); err != nil {
			return fmt.Errorf("detach: %w", err)
		}
	}
	cfg, cfgWarnings, err := config.Load(p.ConfigFile)
	if err != nil {
		return err
	}
	a.cfg = cfg
	logFile := ""
	if a.opts.Daemon {
		logFile = p.LogFile
	}
	log, logCloser, err := logging.Setup(logging.Options{LogFile: logFile, Foreground: !a.opts.Daemon, Level: cfg.LogLevel})
	if err != nil {
		return fmt.Errorf("log: %w", err)
	}
	a.onRelease(func() { _ = logCloser.Close() })
	a.log = log
	slog.SetDefault(log)
	// Libraries that print with the standard log package (fyne.io/systray's "failed to register"
	// while no tray host runs) would repeat what the agent already says in its own line.
	slog.SetLogLoggerLevel(slog.LevelDebug)
	a.configWarnings(cfgWarnings)
	return nil
}

func (a *agent) configWarnings(warnings []string) {
	for _, w := range warnings {
		a.log.Warn("config: " + w)
	}
}

// openState takes the agent's lock and opens the alarms and the clock.
func (a *agent) openState() error {
	if err := a.paths.EnsureRuntimeDir(); err != nil {
		return err // it names the directory and how to fix it
	}
	lock, err := daemon.AcquireLock(a.paths.PidFile)
	if err != nil {
		return err
	}
	a.onRelease(func() { _ = lock.Release() })
	st, err := store.Open(a.paths.AlarmsFile)
	if err != nil {
		return fmt.Errorf("open alarms: %w", err)
	}
	if w := st.Warning(); w != "" {
		a.log.Warn(w)
	}
	clk, err := clock.System()
	if err != nil {
		return fmt.Errorf("clock: %w", err)
	}
	a.onRelease(func() { _ = clk.Close() })
	a.store, a.clock = st, clk
	// Without a history file the agent still rings; `history` is then empty (one log line).
	if h, err := history.Open(a.paths.HistoryFile, clk.Now); err != nil {
		a.log.Warn("history not kept", "err", err)
	} else {
		a.history = h
		a.onRelease(func() { _ = h.Close() })
	}
	return nil
}

// startDesktop builds what reaches the desktop: the notifier, the speaker and the ringer over
// them. None of it fails: alarms ring with whatever works.
func (a *agent) startDesktop() {
	if msg := displayProblem(); msg != "" {
		a.log.Warn(msg)
	}
	a.desktopLog = a.log
	// A session started without DBUS_SESSION_BUS_ADDRESS may still have the standard user bus;
	// point both the notifier and the tray at it rather than letting anything autolaunch one.
	if sessionbus.Used {
		if _, err := sessionbus.Export(); err != nil {
			// One line for the whole desktop side (DESIGN §10).
			a.log.Warn(err.Error() + ": no notifications and no tray icon; alarms still ring with sound")
			a.desktopLog = slog.New(minLevel{a.log.Handler(), slog.LevelError})
		}
	}
	a.notif = notifier.New(a.desktopLog, "alarmd")
	a.onRelease(func() { _ = a.notif.Close() })
	// Connect now, so the first ring does not pay for it; a failure is logged once by the
	// notifier itself and alarms still ring.
	_ = a.notif.Connect()
	// The speaker is opened on the first ring, not now, and suspended whenever nothing rings.
	a.player = audio.NewPlayer(a.log)
	a.onRelease(func() { _ = a.player.Close() })
	a.ring = ringer.New(ringer.Options{
		Notifier: a.notif,
		Sound:    alarmSound{player: a.player, userDir: a.paths.SoundsDir, fallback: a.cfg.Defaults.Sound, log: a.log},
		Log:      a.log,
		AppIcon:  notificationIcon(a.paths.RuntimeDir, a.log),
	})
}

// newService builds the alarm service and the context that stops the agent.
func (a *agent) newService() {
	a.ctx, a.cancel = context.WithCancel(context.Background())
	a.onRelease(a.cancel)
	a.svc = service.New(service.Options{
		Store:      a.store,
		Clock:      a.clock,
		Ringer:     a.ring,
		Log:        a.log,
		Version:    a.opts.Version,
		PID:        os.Getpid(),
		Defaults:   a.cfg.Defaults,
		CheckSound: checkSound(a.paths.SoundsDir),
		Health:     a.health,
		Quit:       a.cancel,
		History:    a.history,
		Wake:       a.openWake(),
	})
}

// health is the tray, notification and audio lines of `alarmd status`.
func (a *agent) health() (trayState, notifications, sound string) {
	trayState = "starting"
	if tr := a.tray.Load(); tr != nil {
		trayState = tr.State()
	}
	return trayState, a.notif.State(), a.player.State()
}

// startTray shows the tray icon; the agent runs without it when it cannot.
func (a *agent) startTray() {
	o := tray.Options{
		Controller:  trayController{a.svc, a.heard},
		Log:         a.desktopLog,
		QuickTimers: a.cfg.QuickTimers,
		Quit:        a.cancel,
		Notify:      func(title, body string) { a.ring.Warn(title, body) },
	}
	if login, err := newLoginItem(); err != nil {
		a.log.Warn("the tray's Start at login item is hidden", "err", err)
	} else {
		o.Autostart = login
	}
	a.trayWindow(&o)
	tr, err := tray.Start(a.ctx, o)
	if err != nil {
		a.log.Warn("tray not started; alarms still ring", "err", err)
		return
	}
	a.tray.Store(tr)
	a.onRelease(tr.Close)
}

// listen opens the control socket; run serves it.
func (a *agent) listen() error {
	ln, err := server.Listen(a.paths.SocketFile)
	if err != nil {
		return err
	}
	a.ln = ln
	a.srv = server.New(statusWithOutput{a.svc, a.heard}, a.log, a.cancel)
	a.srv.OnWindow(a.openWindow)
	a.requests = make(chan struct{}, 1)
	a.srv.OnActivity(func() {
		select {
		case a.requests <- struct{}{}:
		default:
		}
	})
	return nil
}

// run serves the control socket, handles signals and runs the scheduler until the agent is
// asked to stop, then shuts those down.
func (a *agent) run(ready *daemon.Readiness) {
	var serving sync.WaitGroup
	serving.Add(1)
	go func() {
		defer serving.Done()
		if err := a.srv.Serve(a.ln); err != nil {
			a.log.Error("control socket stopped", "err", err)
			a.cancel()
		}
	}()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)
	go a.handleSignals(sigs)

	scheduler := make(chan error, 1)
	go func() { scheduler <- a.svc.Run(a.ctx) }()
	go a.watchSleep()
	go a.hintWithoutTray()
	a.reportReady(ready)
	// A second after start-up, and after every later burst of changes, hand the garbage back
	// and stop the runtime's timed collections (see agent/quiet).
	go quiet.Keep(a.ctx, quiet.Options{Changes: a.svc.Subscribe(), Activity: a.requests, Busy: func() bool { return len(a.ring.Ringing()) > 0 }})

	<-a.ctx.Done()
	a.shutdown(scheduler, &serving)
}

// reportReady tells the starter (the daemon's stage 1, or systemd) and the log that the agent
// serves.
func (a *agent) reportReady(ready *daemon.Readiness) {
	pid := os.Getpid()
	if err := ready.Ready(pid); err != nil {
		a.log.Warn("could not report readiness to the starter", "err", err)
	}
	if err := daemon.NotifyReady(); err != nil {
		a.log.Warn("sd_notify READY failed", "err", err)
	}
	a.log.Info("agent ready", "pid", pid, "version", a.opts.Version, "socket", a.paths.SocketFile, "alarms", len(a.svc.List()))
}

// handleSignals stops the agent on SIGTERM and SIGINT and reloads on SIGHUP.
func (a *agent) handleSignals(sigs <-chan os.Signal) {
	for {
		select {
		case <-a.ctx.Done():
			return
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				a.reload()
				continue
			}
			a.log.Info("stopping on signal", "signal", sig.String())
			a.cancel()
		}
	}
}

// reload reads the config and the alarms file again (SIGHUP); a broken config keeps the old.
func (a *agent) reload() {
	a.log.Info("SIGHUP: reloading the config and the alarms")
	if c, warns, err := config.Load(a.paths.ConfigFile); err != nil {
		a.log.Error("config not reloaded", "err", err)
	} else {
		a.configWarnings(warns)
		a.svc.SetDefaults(c.Defaults)
	}
	if err := a.svc.Reload(); err != nil {
		a.log.Error("reload failed; keeping the alarms in memory", "err", err)
	}
}

// shutdown waits for the scheduler, closes the control socket and stops the ringer; release
// takes the rest apart.
func (a *agent) shutdown(scheduler <-chan error, serving *sync.WaitGroup) {
	_ = daemon.NotifyStopping()
	a.log.Info("agent stopping")
	if err := <-scheduler; err != nil {
		a.log.Error("scheduler stopped with an error", "err", err)
	}
	ctx, done := context.WithTimeout(context.Background(), 3*time.Second)
	defer done()
	if err := a.srv.Shutdown(ctx); err != nil {
		a.log.Warn("control socket shutdown", "err", err)
	}
	serving.Wait()
	a.ring.Close()
	if err := os.Remove(a.paths.SocketFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		a.log.Warn("remove control socket", "err", err)
	}
	a.log.Info("agent stopped")
}

// minLevel drops records below a level: it quiets a part whose one problem was already logged.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(as), h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.min}
}
