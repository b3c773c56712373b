// Package app assembles the agent from its parts — paths, lock, store, clock, notifier, ringer,
// service, control socket — runs it until it is asked to stop, and takes it apart again in
// order. `alarmd run` calls it in the foreground and the daemon's stage 2 calls it detached.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	"alarmd/agent/logging"
	"alarmd/agent/notifier"
	"alarmd/agent/paths"
	"alarmd/agent/quiet"
	"alarmd/agent/ringer"
	"alarmd/agent/server"
	"alarmd/agent/service"
	"alarmd/agent/store"
	"alarmd/agent/tray"
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
	p, err := paths.Resolve()
	if err != nil {
		return fmt.Errorf("paths: %w", err)
	}
	if opts.Daemon {
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
	logFile := ""
	if opts.Daemon {
		logFile = p.LogFile
	}
	log, logCloser, err := logging.Setup(logging.Options{LogFile: logFile, Foreground: !opts.Daemon, Level: cfg.LogLevel})
	if err != nil {
		return fmt.Errorf("log: %w", err)
	}
	defer logCloser.Close()
	slog.SetDefault(log)
	// Libraries that print with the standard log package (fyne.io/systray's "failed to register"
	// while no tray host runs) would repeat what the agent already says in its own line.
	slog.SetLogLoggerLevel(slog.LevelDebug)
	for _, w := range cfgWarnings {
		log.Warn("config: " + w)
	}

	if err := p.EnsureRuntimeDir(); err != nil {
		return err // it names the directory and how to fix it
	}
	lock, err := daemon.AcquireLock(p.PidFile)
	if err != nil {
		return err
	}
	defer lock.Release()

	st, err := store.Open(p.AlarmsFile)
	if err != nil {
		return fmt.Errorf("open alarms: %w", err)
	}
	if w := st.Warning(); w != "" {
		log.Warn(w)
	}
	clk, err := clock.System()
	if err != nil {
		return fmt.Errorf("clock: %w", err)
	}
	defer clk.Close()

	// A session started without DBUS_SESSION_BUS_ADDRESS may still have the standard user bus;
	// point both the notifier and the tray at it rather than letting anything autolaunch one.
	if msg := displayProblem(); msg != "" {
		log.Warn(msg)
	}
	desktopLog := log
	if !tray.EnsureBusAddress() {
		// One line for the whole desktop side (DESIGN §10); the notifier and the tray would each
		// say the same thing again.
		log.Warn("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset and there is no $XDG_RUNTIME_DIR/bus): no notifications and no tray icon; alarms still ring with sound")
		desktopLog = slog.New(minLevel{log.Handler(), slog.LevelError})
	}
	notif := notifier.New(desktopLog, "alarmd")
	defer notif.Close()
	// Connect now, so the first ring does not pay for it; a failure is logged once by the
	// notifier itself and alarms still ring.
	_ = notif.Connect()
	// The speaker is opened on the first ring, not now, and suspended whenever nothing rings.
	player := audio.NewPlayer(log)
	defer player.Close()
	ring := ringer.New(ringer.Options{
		Notifier: notif,
		Sound:    alarmSound{player: player, userDir: p.SoundsDir, fallback: cfg.Defaults.Sound, log: log},
		Log:      log,
		AppIcon:  notificationIcon(p.RuntimeDir, log),
	})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var trayIcon atomic.Pointer[tray.Tray]
	svc := service.New(service.Options{
		Store:      st,
		Clock:      clk,
		Ringer:     ring,
		Log:        log,
		Version:    opts.Version,
		PID:        os.Getpid(),
		Defaults:   serviceDefaults(cfg),
		CheckSound: checkSound(p.SoundsDir),
		Health: func() (string, string, string) {
			trayState := "starting"
			if tr := trayIcon.Load(); tr != nil {
				trayState = tr.State()
			}
			return trayState, notif.State(), player.State()
		},
		Quit: cancel,
	})

	trayOpts := tray.Options{
		Controller:  svc,
		Log:         desktopLog,
		QuickTimers: cfg.QuickTimers,
		Quit:        cancel,
		Notify:      func(title, body string) { ring.Warn(title, body) },
	}
	if login, err := newLoginItem(); err != nil {
		log.Warn("the tray's Start at login item is hidden", "err", err)
	} else {
		trayOpts.Autostart = login
	}
	tr, err := tray.Start(ctx, trayOpts)
	if err != nil {
		log.Warn("tray not started; alarms still ring", "err", err)
	} else {
		trayIcon.Store(tr)
		defer tr.Close()
	}

	ln, err := server.Listen(p.SocketFile)
	if err != nil {
		return err
	}
	srv := server.New(svc, log, cancel)
	requests := make(chan struct{}, 1)
	srv.OnActivity(func() {
		select {
		case requests <- struct{}{}:
		default:
		}
	})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ln); err != nil {
			log.Error("control socket stopped", "err", err)
			cancel()
		}
	}()

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case sig := <-sigs:
				if sig == syscall.SIGHUP {
					log.Info("SIGHUP: reloading the config and the alarms")
					if c, warns, err := config.Load(p.ConfigFile); err != nil {
						log.Error("config not reloaded", "err", err)
					} else {
						for _, w := range warns {
							log.Warn("config: " + w)
						}
						svc.SetDefaults(serviceDefaults(c))
					}
					if err := svc.Reload(); err != nil {
						log.Error("reload failed; keeping the alarms in memory", "err", err)
					}
					continue
				}
				log.Info("stopping on signal", "signal", sig.String())
				cancel()
			}
		}
	}()

	runErr := make(chan error, 1)
	go func() { runErr <- svc.Run(ctx) }()

	pid := os.Getpid()
	if err := ready.Ready(pid); err != nil {
		log.Warn("could not report readiness to the starter", "err", err)
	}
	if err := daemon.NotifyReady(); err != nil {
		log.Warn("sd_notify READY failed", "err", err)
	}
	log.Info("agent ready", "pid", pid, "version", opts.Version, "socket", p.SocketFile, "alarms", len(svc.List()))
	// A second after start-up, and after every later burst of changes, hand the garbage back
	// and stop the runtime's timed collections (see agent/quiet).
	go quiet.Keep(ctx, quiet.Options{Changes: svc.Subscribe(), Activity: requests, Busy: func() bool { return len(ring.Ringing()) > 0 }})

	<-ctx.Done()
	_ = daemon.NotifyStopping()
	log.Info("agent stopping")
	if err := <-runErr; err != nil {
		log.Error("scheduler stopped with an error", "err", err)
	}
	shutdownCtx, done := context.WithTimeout(context.Background(), 3*time.Second)
	defer done()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("control socket shutdown", "err", err)
	}
	wg.Wait()
	ring.Close()
	if err := os.Remove(p.SocketFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		log.Warn("remove control socket", "err", err)
	}
	log.Info("agent stopped")
	return nil
}

// serviceDefaults are the config's option defaults in the service's terms.
func serviceDefaults(c config.Config) service.Defaults {
	d := c.Defaults
	return service.Defaults{Sound: d.Sound, Snooze: d.Snooze, Ring: d.Ring, Late: d.Late, Fade: d.Fade, Volume: d.Volume}
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
