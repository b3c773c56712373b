package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"alarmd/agent/wake"
)

const wakeForms = "usage: alarmd wake setup | status [--json]"

// wakeCommand is `alarmd wake` (DESIGN §15).
func (e *env) wakeCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "wake",
		Short: "Let alarmd wake the computer from suspend for an alarm",
		Long: "An alarm with wake on (clock-time and recurring alarms by default) wakes the computer\n" +
			"from suspend shortly before it rings. That needs the CAP_WAKE_ALARM capability, given once\n" +
			"with `sudo alarmd wake setup`; `alarmd wake status` says whether waking works.",
		Example: "  sudo alarmd wake setup\n  alarmd wake status",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return usagef(wakeForms, "wake needs a subcommand")
		},
	}
	c.AddCommand(e.wakeSetupCommand(), e.wakeStatusCommand())
	for _, sub := range c.Commands() {
		sub.SetFlagErrorFunc(flagError)
	}
	return c
}

func (e *env) wakeSetupCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "setup",
		Short: "Give this binary the capability to wake the computer (run with sudo)",
		Long: "Run `setcap cap_wake_alarm+ep` on this binary's real path, so that the agent started from\n" +
			"it may set timers that wake the computer from suspend, and nothing else. Needs root; a\n" +
			"rebuilt, moved or upgraded binary needs it again. Undo it with `sudo setcap -r PATH`.",
		Example: "  sudo alarmd wake setup",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			bin, err := wake.Binary()
			if err != nil {
				return err
			}
			if err := wake.Setup(bin, os.Geteuid()); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "alarmd: %s may now wake the computer for alarms (undo: sudo setcap -r %s)\n", bin, bin)
			if c, _, err := e.client(); err == nil {
				ctx, cancel := context.WithTimeout(e.ctx, 2*time.Second)
				defer cancel()
				if _, err := c.Status(ctx); err == nil {
					fmt.Fprintln(e.stdout, "alarmd: restart the agent to use it: alarmd stop && alarmd start")
				}
			}
			return nil
		},
	}
}

// wakeStatus is `alarmd wake status --json`.
type wakeStatus struct {
	Works     bool   `json:"works"`
	Binary    string `json:"binary"`
	FileCap   bool   `json:"file_capability"`
	Effective bool   `json:"effective"`
	Detail    string `json:"detail"`
	Agent     string `json:"agent,omitempty"` // the running agent's own wake line
	Command   string `json:"command,omitempty"`
}

func (e *env) wakeStatusCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "status",
		Short: "Say whether alarmd can wake the computer, and if not why and what to run",
		Long: "Check this binary's cap_wake_alarm file capability, whether this process received it,\n" +
			"whether the kernel takes alarm timers, and what the running agent says. Exit 0 when\n" +
			"waking works, 1 when it does not.",
		Example: "  alarmd wake status\n  alarmd wake status --json",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			bin, err := wake.Binary()
			if err != nil {
				return err
			}
			_, p, err := e.client()
			if err != nil {
				return err
			}
			r := wake.Inspect(bin, wake.RecordFile(p.StateDir))
			st := wakeStatus{Works: r.Works(), Binary: bin, FileCap: r.FileCap, Effective: r.Effective, Detail: r.Summary()}
			if !r.Works() && r.KernelErr == nil {
				st.Command = wake.SetupCommand(bin)
			}
			if c, _, err := e.client(); err == nil {
				ctx, cancel := context.WithTimeout(e.ctx, 5*time.Second)
				defer cancel()
				if as, err := c.Status(ctx); err == nil {
					st.Agent = as.Wake
				}
			}
			if asJSON {
				if err := e.printJSON(st); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(e.stdout, "waking: %s\n", st.Detail)
				if st.Agent != "" {
					fmt.Fprintf(e.stdout, "agent:  %s\n", st.Agent)
				}
			}
			if !st.Works {
				return &exitError{ExitFailure, ""}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

// wakeFlags are --wake and --no-wake (add, edit): on, off, or the default when neither is given.
type wakeFlags struct{ on, off bool }

// addWakeFlags declares --wake and --no-wake on c.
func addWakeFlags(c *cobra.Command) *wakeFlags {
	w, f := &wakeFlags{}, c.Flags()
	f.BoolVar(&w.on, "wake", false, "wake the computer from suspend for it (default for clock-time and recurring alarms)")
	f.BoolVar(&w.off, "no-wake", false, "do not wake the computer for it (default for timers such as in 25m)")
	return w
}

// value is the request's wake field: nil when neither flag was given; both is a usage error.
func (w *wakeFlags) value(cmd *cobra.Command) (*bool, error) {
	on, off := cmd.Flags().Changed("wake") && w.on, cmd.Flags().Changed("no-wake") && w.off
	switch {
	case on && off:
		return nil, usagef("usage: "+cmd.UseLine(), "--wake and --no-wake contradict each other; give one")
	case on:
		v := true
		return &v, nil
	case off:
		v := false
		return &v, nil
	}
	return nil, nil
}
