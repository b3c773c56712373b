package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"alarmd/agent/daemon"
	"alarmd/agent/paths"
)

// openCommand is `alarmd open` (DESIGN §14): the app launcher's command. It starts the agent when
// none runs, as `start` does, then asks it to show the Alarms window, which the agent runs in
// its own session; a window already open is brought forward instead.
func (e *env) openCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "open",
		Short:   "Open the Alarms window (starting the agent if needed)",
		Long:    "Open the Alarms window, starting the agent first when none runs. The app launcher runs this.",
		Example: "  alarmd open",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := paths.Resolve()
			if err != nil {
				return fmt.Errorf("paths: %w", err)
			}
			if pid, err := daemon.Holder(p.PidFile); err != nil || pid <= 0 {
				pid, err := daemon.Start([]string{"start"}, os.Environ(), startTimeout, p.LogFile)
				var re *daemon.RunningError
				switch {
				case err == nil:
					fmt.Fprintf(e.stdout, "alarmd: started (pid %d)\n", pid)
				case errors.As(err, &re) || strings.HasPrefix(err.Error(), "already running"):
					// another open or start won the race: use its agent
				default:
					return err
				}
			}
			c, _, err := e.client()
			if err != nil {
				return err
			}
			shown, err := c.OpenWindow(e.ctx)
			if err != nil {
				return err
			}
			if !shown {
				fmt.Fprintln(e.stdout, "alarmd: the Alarms window is open already")
			}
			return nil
		},
	}
}
