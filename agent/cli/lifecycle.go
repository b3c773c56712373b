package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"alarmd/agent/api"
	"alarmd/agent/app"
	"alarmd/agent/client"
	"alarmd/agent/daemon"
	"alarmd/agent/paths"
)

const (
	startTimeout = 10 * time.Second
	stopTimeout  = 5 * time.Second
)

func runAgent(detached bool) error {
	return app.Run(app.Options{Daemon: detached, Version: version()})
}

func (e *env) startCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "start",
		Short:   "Start the agent in the background",
		Long:    "Start the agent as a daemon (detached from the terminal) and wait until it is ready.",
		Example: "  alarmd start",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := paths.Resolve()
			if err != nil {
				return fmt.Errorf("paths: %w", err)
			}
			if pid, err := daemon.Holder(p.PidFile); err == nil && pid > 0 {
				fmt.Fprintf(e.stdout, "alarmd: already running (pid %d)\n", pid)
				return nil
			}
			pid, err := daemon.Start([]string{"start"}, os.Environ(), startTimeout, p.LogFile)
			if err != nil {
				var re *daemon.RunningError
				if errors.As(err, &re) || strings.HasPrefix(err.Error(), "already running") {
					fmt.Fprintf(e.stdout, "alarmd: %v\n", err)
					return nil
				}
				return err
			}
			fmt.Fprintf(e.stdout, "alarmd: started (pid %d)\n", pid)
			return nil
		},
	}
}

func (e *env) runCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "run",
		Example: "  alarmd run\n  ExecStart=/usr/local/bin/alarmd run   (in a systemd user unit, Type=notify)",
		Short:   "Run the agent in the foreground (systemd, launchd, debugging)",
		Long: "Run the agent in the foreground, logging to stderr. Under systemd (Type=notify) it reports\n" +
			"readiness with sd_notify.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			err := runAgent(false)
			var re *daemon.RunningError
			if errors.As(err, &re) {
				return &exitError{ExitFailure, err.Error()}
			}
			return err
		},
	}
}

func (e *env) stopCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "stop",
		Example: "  alarmd stop",
		Short:   "Stop the running agent",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, p, err := e.client()
			if err != nil {
				return err
			}
			pid, _ := daemon.Holder(p.PidFile)
			if err := c.Stop(e.ctx); err != nil {
				if errors.Is(err, client.ErrNotRunning) {
					if pid > 0 {
						return fmt.Errorf("agent (pid %d) holds the lock but does not answer on %s", pid, p.SocketFile)
					}
					fmt.Fprintln(e.stdout, "alarmd: not running")
					return nil
				}
				return err
			}
			deadline := time.Now().Add(stopTimeout)
			for time.Now().Before(deadline) {
				if h, err := daemon.Holder(p.PidFile); err == nil && h == 0 {
					fmt.Fprintln(e.stdout, "alarmd: stopped")
					return nil
				}
				time.Sleep(20 * time.Millisecond)
			}
			return fmt.Errorf("agent (pid %d) did not exit within %s", pid, stopTimeout)
		},
	}
}

func (e *env) statusCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:     "status",
		Example: "  alarmd status\n  alarmd status --json",
		Short:   "Show whether the agent runs, its next alarm and its health",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, _, err := e.client()
			if err != nil {
				return err
			}
			st, err := c.Status(e.ctx)
			if err != nil {
				if errors.Is(err, client.ErrNotRunning) && asJSON {
					_ = e.printJSON(map[string]any{"running": false})
					return &exitError{ExitNotRunning, errNotRunning.msg}
				}
				return err
			}
			if asJSON {
				return e.printJSON(st)
			}
			e.printStatus(st)
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func (e *env) printStatus(st api.Status) {
	w := e.stdout
	fmt.Fprintf(w, "alarmd %s running (pid %d, up %s)\n", st.Version, st.PID, st.Uptime)
	next := "none"
	if st.Next != nil {
		next = fmt.Sprintf("%s  %s (%s) [id %d]", st.Next.Next.Format("Mon 15:04"), st.Next.Title(), until(e.now(), st.Next.Next), st.Next.ID)
	}
	fmt.Fprintf(w, "next:          %s\n", next)
	extra := ""
	if len(st.Ringing) > 0 {
		extra = fmt.Sprintf(", ringing: %v", st.Ringing)
	}
	if st.Paused {
		extra += ", all paused"
	}
	fmt.Fprintf(w, "alarms:        %d%s\n", st.Alarms, extra)
	fmt.Fprintf(w, "zone:          %s\n", st.Zone)
	fmt.Fprintf(w, "tray:          %s\n", st.Tray)
	fmt.Fprintf(w, "notifications: %s\n", st.Notifications)
	fmt.Fprintf(w, "audio:         %s\n", st.Audio)
	if st.Wake != "" {
		fmt.Fprintf(w, "wake:          %s\n", st.Wake)
	}
	for _, warn := range st.Warnings {
		fmt.Fprintf(w, "warning:       %s\n", warn)
	}
}

// until says how far t is from now, the way `add` and `status` print it: "in 8h12m".
func until(now, t time.Time) string {
	d := t.Sub(now)
	if d < 0 {
		return "due"
	}
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("in %ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("in %dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("in %dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	default:
		return fmt.Sprintf("in %dd%dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
	}
}
