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
	"syscall"
	"time"

	"alarmd/agent/clock"
	"alarmd/agent/config"
	"alarmd/agent/daemon"
	"alarmd/agent/logging"
	"alarmd/agent/notifier"
	"alarmd/agent/paths"
	"alarmd/agent/ringer"
	"alarmd/agent/server"
	"alarmd/agent/service"
	"alarmd/agent/store"
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
			return fmt.Errorf("state dir: %w", err)
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
	for _, w := range cfgWarnings {
		log.Warn("config: " + w)
	}

	if err := p.EnsureRuntimeDir(); err != nil {
		return fmt.Errorf("runtime dir: %w", err)
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

	notif := notifier.New(log, "alarmd")
	defer notif.Close()
	// Connect now, so the first ring does not pay for it; a failure is logged once by the
	// notifier itself and alarms still ring.
	_ = notif.Connect()
	ring := ringer.New(ringer.Options{Notifier: notif, Log: log, AppIcon: "alarm-clock"})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc := service.New(service.Options{
		Store:   st,
		Clock:   clk,
		Ringer:  ring,
		Log:     log,
		Version: opts.Version,
		PID:     os.Getpid(),
		Defaults: service.Defaults{
			Sound: cfg.Defaults.Sound, Snooze: cfg.Defaults.Snooze, Ring: cfg.Defaults.Ring,
			Late: cfg.Defaults.Late, Fade: cfg.Defaults.Fade, Volume: cfg.Defaults.Volume,
		},
		Health: func() (string, string, string) {
			return "not built into this version", notif.State(), "not built into this version"
		},
		Quit: cancel,
	})

	ln, err := server.Listen(p.SocketFile)
	if err != nil {
		return err
	}
	srv := server.New(svc, log, cancel)
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
					log.Info("SIGHUP: reloading alarms")
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
