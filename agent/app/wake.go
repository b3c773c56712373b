package app

import (
	"strings"
	"time"

	"alarmd/agent/api"
	"alarmd/agent/history"
	"alarmd/agent/logind"
	"alarmd/agent/notifier"
	"alarmd/agent/ringer"
	"alarmd/agent/service"
	"alarmd/agent/sleep"
	"alarmd/agent/wake"
)

// wakeParts are the agent's parts for waking the computer and following its sleep (DESIGN §15).
type wakeParts struct {
	timer   *wake.Timer // nil: the agent cannot wake the machine
	logind  *logind.Conn
	watcher *sleep.Watcher // nil without logind
	done    chan struct{}  // closed when the watcher has stopped
}

// openWake opens the wake timer and the connection to logind and returns what the service
// needs. Without the capability, or without logind, the agent logs one line for each and runs
// as before.
func (a *agent) openWake() service.WakeOptions {
	if err := wake.DropInheritable(); err != nil {
		a.log.Warn("could not clear the inheritable capabilities; programs alarmd starts may receive CAP_WAKE_ALARM", "err", err)
	}
	lead := a.cfg.WakeLead
	opts := service.WakeOptions{Lead: lead}
	bin, _ := wake.Binary()
	t, err := wake.Open()
	switch {
	case err != nil:
		opts.Problem = strings.TrimPrefix(err.Error(), wake.ErrUnavailable.Error()+": ")
		if !wake.HasEffective() && bin != "" {
			opts.Setup = wake.SetupCommand(bin)
		}
		line := "the computer will not be woken for alarms (" + opts.Problem + "); they ring when it is awake"
		if opts.Setup != "" {
			line += "; to let alarmd wake it: " + opts.Setup
		}
		a.log.Warn(line)
	default:
		a.wake.timer = t
		opts.Timer = t
		a.onRelease(func() { _ = t.Close() })
		a.log.Info("the computer is woken for alarms that ask for it", "lead", lead.String())
		if has, _ := wake.FileHasCap(bin); has {
			if err := wake.Remember(wake.RecordFile(a.paths.StateDir), bin, time.Now()); err != nil {
				a.log.Warn("could not note the binary that holds the capability", "err", err)
			}
		}
	}
	a.startLogind()
	return opts
}

// startLogind connects to logind and builds the sleep watcher; watchSleep runs it.
func (a *agent) startLogind() {
	conn, err := logind.Connect()
	if err != nil {
		a.log.Warn("no sleep awareness: " + err.Error() + "; alarms still ring, late or as missed after a sleep")
		return
	}
	a.wake.logind = conn
	o := sleep.Options{
		Logind:  conn,
		Planner: servicePlanner{a},
		Lead:    a.cfg.WakeLead,
		Notify: func(title, body string) error {
			_, err := a.notif.Show(notifier.Notification{Title: title, Body: body, Urgency: notifier.Normal, AppIcon: "alarmd", Expire: -1})
			return err
		},
		Ringing: func() bool { return len(a.ring.Ringing()) > 0 },
		Log:     a.log,
	}
	if a.wake.timer != nil {
		o.Wake = a.wake.timer
	} else if bin, err := wake.Binary(); err == nil && !wake.HasEffective() {
		o.Setup = wake.SetupCommand(bin)
	}
	a.wake.watcher = sleep.New(o)
	a.wake.done = make(chan struct{})
	a.onRelease(func() {
		select {
		case <-a.wake.done:
		case <-time.After(2 * time.Second):
		}
		_ = conn.Close()
	})
}

// watchSleep runs the sleep watcher until the agent stops, and tells it how each ringing ends
// (from the service's events), so that a machine alarmd woke goes back to sleep when nobody
// answered.
func (a *agent) watchSleep() {
	if a.wake.watcher == nil {
		a.replanOnWake()
		return
	}
	defer close(a.wake.done)
	events, stop := a.svc.Watch()
	defer stop()
	go a.wake.watcher.Run(a.ctx)
	for {
		select {
		case <-a.ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				a.log.Warn("the sleep watcher lost the service's events; a woken computer stays awake after its ring")
				<-a.ctx.Done()
				return
			}
			switch ev.Type {
			case api.EventStopped:
				what := ringer.Stopped
				if ev.End == history.NotAcknowledged {
					what = ringer.TimedOut
				}
				a.wake.watcher.RingEnded(ev.ID, what, len(a.ring.Ringing()) > 0)
			case api.EventSnoozed:
				a.wake.watcher.RingEnded(ev.ID, ringer.Snoozed, len(a.ring.Ringing()) > 0)
			}
		}
	}
}

// servicePlanner is the service as the sleep watcher sees it; a.svc exists by the time the
// watcher runs.
type servicePlanner struct{ a *agent }

func (p servicePlanner) PrepareSleep(within time.Duration) []string {
	return p.a.svc.PrepareSleep(within)
}

func (p servicePlanner) Replan() { p.a.svc.Replan() }

// replanOnWake stands in for the sleep watcher without logind: when the wake timer fires, the
// loop plans again, which arms the wake timer at the ring itself for a machine put back to
// sleep during the lead.
func (a *agent) replanOnWake() {
	if a.wake.timer == nil {
		return
	}
	for {
		select {
		case <-a.ctx.Done():
			return
		case <-a.wake.timer.Fired():
			a.svc.Replan()
		}
	}
}
