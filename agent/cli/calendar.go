package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"alarmd/agent/api"
	"alarmd/agent/atomicfile"
	"alarmd/agent/calendar"
	"alarmd/agent/client"
	"alarmd/agent/internal/oneline"
)

// exportCommand is `alarmd export [FILE]` (DESIGN §13).
func (e *env) exportCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "export [FILE]",
		Short: "Write the alarms as an iCalendar file (standard output without FILE)",
		Long: "Write every alarm as RFC 5545 iCalendar: one VEVENT per alarm with its RRULE, a VALARM\n" +
			"that rings (ACTION:AUDIO) and one ACTION:DISPLAY per reminder, and alarmd's own settings\n" +
			"as X-ALARMD-* properties, so that `alarmd import` gives back the same alarms.",
		Example: "  alarmd export > alarms.ics\n  alarmd export ~/alarms.ics\n  alarmd export | alarmd import -",
		Args:    maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, _, err := e.client()
			if err != nil {
				return err
			}
			data, err := c.Export(e.ctx)
			if err != nil {
				return err
			}
			if len(args) == 0 || args[0] == "-" {
				if _, err := e.stdout.Write(data); err != nil {
					return fmt.Errorf("write output: %w", err)
				}
				return nil
			}
			if err := atomicfile.WriteFile(args[0], data, 0o600); err != nil {
				return fmt.Errorf("write %s: %w", args[0], err)
			}
			return nil
		},
	}
}

// importCommand is `alarmd import FILE.ics [--dry-run]` (DESIGN §13).
func (e *env) importCommand() *cobra.Command {
	var dryRun, asJSON bool
	c := &cobra.Command{
		Use:   "import FILE.ics|- [--dry-run]",
		Short: "Add the alarms of an iCalendar file (KAlarm's calendars too)",
		Long: "Add an alarm for every VEVENT and VTODO of an iCalendar file that has a VALARM: it rings at\n" +
			"the VALARM's trigger (relative to the start or end, or absolute), keeps the RRULE and\n" +
			"EXDATEs, and makes earlier DISPLAY alarms reminders. KAlarm's calendar files\n" +
			"(~/.local/share/kalarm/*.ics) are read with their enabled state, sound, volume,\n" +
			"reminder and late cancel. Everything is added or nothing: a component that cannot\n" +
			"become an alarm is named and the import refused. Components already imported (same\n" +
			"UID) are left out, so importing a file twice adds nothing the second time.\n" +
			"--dry-run shows what would be added and what would not be kept.",
		Example: "  alarmd import work.ics --dry-run\n  alarmd import ~/.local/share/kalarm/calendar.ics\n  alarmd export | alarmd import -",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("usage: "+cmd.UseLine(), "import needs one file (or - for standard input)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := readCalendar(cmd, args[0])
			if err != nil {
				return err
			}
			c, _, err := e.client()
			if err != nil {
				return err
			}
			res, err := c.Import(e.ctx, data, dryRun)
			var ae *client.APIError
			if err != nil && !(errors.As(err, &ae) && len(res.Problems) > 0) {
				return err
			}
			if asJSON {
				if perr := e.printJSON(res); perr != nil {
					return perr
				}
			} else if len(res.Problems) == 0 || dryRun {
				e.printImport(res)
			}
			if len(res.Problems) > 0 {
				if asJSON {
					return &exitError{ExitUsage, ""}
				}
				// One line per component that cannot be an alarm, and nothing else.
				for _, p := range res.Problems {
					fmt.Fprintf(e.stderr, "alarmd: cannot import %s; nothing was added\n", oneline.Of(p.Component+": "+p.Reason))
				}
				return &exitError{ExitUsage, ""}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&dryRun, "dry-run", false, "show what would be added; add nothing")
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return c
}

// readCalendar reads FILE or standard input, refusing more than the agent reads.
func readCalendar(cmd *cobra.Command, name string) ([]byte, error) {
	var r io.Reader
	if name == "-" {
		r = cmd.InOrStdin()
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, usagef("", "cannot read %s: %v", name, errors.Unwrap(err))
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.IsDir() {
			return nil, usagef("", "%s is a directory; give one .ics file, e.g. %s/calendar.ics", name, name)
		} else if err == nil && fi.Size() > calendar.MaxBytes {
			return nil, usagef("", "%s is %d MB; at most %d MB are imported", name, fi.Size()>>20, calendar.MaxBytes>>20)
		}
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, calendar.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > calendar.MaxBytes {
		return nil, usagef("", "%s is more than %d MB; at most %d MB are imported", name, calendar.MaxBytes>>20, calendar.MaxBytes>>20)
	}
	return data, nil
}

// printImport shows what was (or would be) added and what was not kept.
func (e *env) printImport(res api.ImportResult) {
	verb := "added"
	if res.DryRun || len(res.Problems) > 0 {
		verb = "would add"
	}
	line := fmt.Sprintf("%s %d alarm(s)", verb, len(res.Added))
	if res.Existing > 0 {
		line += fmt.Sprintf(", %d already imported", res.Existing)
	}
	if res.Ignored > 0 {
		line += fmt.Sprintf(", %d without an alarm left out", res.Ignored)
	}
	fmt.Fprintln(e.stdout, line)
	if len(res.Added) > 0 && len(res.Added) <= 50 {
		tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		for _, a := range res.Added {
			id := "-"
			if a.ID > 0 {
				id = fmt.Sprint(a.ID)
			}
			next := "-"
			if !a.Next.IsZero() {
				next = a.Next.Format("Mon 2006-01-02 15:04")
			}
			rep := a.Repeat.String()
			if rep == "" {
				rep = "once"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", id, next, rep, a.Title())
		}
		_ = tw.Flush()
	}
	for _, n := range res.Notes {
		fmt.Fprintf(e.stdout, "not kept: %s\n", oneline.Of(n.Component+": "+n.Reason))
	}
}
