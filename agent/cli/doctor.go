package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"alarmd/agent/doctor"
	"alarmd/agent/paths"
)

func (e *env) doctorCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "doctor",
		Short: "Check everything alarmd needs and say what is missing",
		Long: "Check the session bus, the notification server and its capabilities, the tray host, the\n" +
			"audio device, the dialog program, the autostart entry, the agent and its lock, the alarms\n" +
			"file and the time zone. Each line is `ok`, `warn` or `fail`; the exit status is 1 when any\n" +
			"check fails. Doctor changes nothing.",
		Example: "  alarmd doctor\n  alarmd doctor --json",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := paths.Resolve()
			if err != nil {
				return fmt.Errorf("paths: %w", err)
			}
			report := doctor.Run(e.ctx, doctor.Defaults(p))
			if asJSON {
				err = report.WriteJSON(e.stdout)
			} else {
				err = report.Write(e.stdout)
			}
			if err != nil {
				return err
			}
			if report.Failed() {
				return &exitError{ExitFailure, ""}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}
