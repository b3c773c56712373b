package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"alarmd/agent/autostart"
)

const autostartForms = "usage: alarmd autostart enable [--systemd] | disable | status [--json]"

func (e *env) autostartCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "autostart",
		Short: "Start alarmd at login, or stop doing so",
		Long: "Manage the entry that starts alarmd at login: an XDG autostart entry (the default) or a\n" +
			"systemd user unit on Linux, a LaunchAgent on macOS, the HKCU Run value on Windows.\n" +
			"Only one is active at a time; enabling again after the binary moved updates the path.",
		Example: "  alarmd autostart enable\n  alarmd autostart enable --systemd\n  alarmd autostart status\n  alarmd autostart disable",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return usagef(autostartForms, "autostart needs a subcommand")
		},
	}
	c.AddCommand(e.autostartEnableCommand(), e.autostartDisableCommand(), e.autostartStatusCommand())
	for _, sub := range c.Commands() {
		sub.SetFlagErrorFunc(flagError)
	}
	return c
}

func (e *env) autostartEnableCommand() *cobra.Command {
	var systemd bool
	c := &cobra.Command{
		Use:   "enable [--systemd]",
		Short: "Start alarmd at login",
		Long: "Write the login entry for this binary. With --systemd (Linux), write a systemd user unit\n" +
			"running `alarmd run` instead of the XDG autostart entry running `alarmd start`, and enable\n" +
			"it with systemctl --user when a user manager runs. The other kind of entry is removed.",
		Example: "  alarmd autostart enable\n  alarmd autostart enable --systemd",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := autostart.New(autostart.Options{})
			if err != nil {
				return err
			}
			kind := m.Default()
			if systemd {
				kind = autostart.Systemd
			}
			res, err := m.Enable(e.ctx, kind)
			if errors.Is(err, autostart.ErrUnsupported) {
				return usagef(autostartForms, "--systemd: systemd user units exist only on Linux")
			}
			e.printNotes(res.Notes)
			if err != nil {
				return err
			}
			for _, r := range res.Removed {
				fmt.Fprintf(e.stdout, "alarmd: removed %s\n", r)
			}
			fmt.Fprintf(e.stdout, "alarmd: autostart enabled (%s): %s\n", res.Written.Kind, res.Written.Location)
			return nil
		},
	}
	c.Flags().BoolVar(&systemd, "systemd", false, "write a systemd user unit instead of an XDG autostart entry (Linux)")
	return c
}

func (e *env) autostartDisableCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "disable",
		Short:   "Stop starting alarmd at login",
		Long:    "Remove alarmd's login entry, whichever kind it is. A running agent keeps running.",
		Example: "  alarmd autostart disable",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := autostart.New(autostart.Options{})
			if err != nil {
				return err
			}
			res, err := m.Disable(e.ctx)
			e.printNotes(res.Notes)
			if err != nil {
				return err
			}
			if len(res.Removed) == 0 {
				fmt.Fprintln(e.stdout, "alarmd: autostart was not enabled")
				return nil
			}
			for _, r := range res.Removed {
				fmt.Fprintf(e.stdout, "alarmd: removed %s\n", r)
			}
			fmt.Fprintln(e.stdout, "alarmd: autostart disabled")
			return nil
		},
	}
}

func (e *env) autostartStatusCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "status",
		Short: "Show which login entry is active and whether it starts this binary",
		Long: "Show the active login entry, the command it runs, and whether that is this binary. An\n" +
			"entry naming a moved or deleted binary is reported as stale; `alarmd autostart enable`\n" +
			"rewrites it.",
		Example: "  alarmd autostart status\n  alarmd autostart status --json",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := autostart.New(autostart.Options{})
			if err != nil {
				return err
			}
			st, err := m.Status(e.ctx)
			if err != nil {
				return err
			}
			if asJSON {
				return e.printJSON(st)
			}
			if len(st.Entries) == 0 {
				fmt.Fprintln(e.stdout, "autostart: not enabled (enable it with: alarmd autostart enable)")
				return nil
			}
			for _, en := range st.Entries {
				fmt.Fprintf(e.stdout, "autostart: %s  %s\n", en.Kind, en.Location)
				fmt.Fprintf(e.stdout, "command:   %s\n", en.Command)
				switch {
				case en.Current:
					fmt.Fprintf(e.stdout, "binary:    this one (%s)\n", st.Exe)
				case en.Target == "":
					fmt.Fprintln(e.stdout, "binary:    cannot tell; run `alarmd autostart enable` to rewrite the entry")
				case !en.TargetExists:
					fmt.Fprintf(e.stdout, "binary:    stale: %s does not exist (this binary is %s); run `alarmd autostart enable`\n", en.Target, st.Exe)
				default:
					fmt.Fprintf(e.stdout, "binary:    stale: %s is not this binary (%s); run `alarmd autostart enable`\n", en.Target, st.Exe)
				}
				for _, n := range en.Notes {
					fmt.Fprintf(e.stdout, "note:      %s\n", n)
				}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

// printNotes shows what the user should know but that is no failure, one line each on stderr.
func (e *env) printNotes(notes []string) {
	for _, n := range notes {
		fmt.Fprintf(e.stderr, "alarmd: note: %s\n", n)
	}
}
