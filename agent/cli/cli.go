// Package cli is alarmd's command line (DESIGN §3): it parses arguments, talks to the agent through
// the control API client, and turns every outcome into one line and an exit code. It holds no
// alarm logic of its own beyond splitting WHEN from the label.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"alarmd/agent/client"
	"alarmd/agent/daemon"
	"alarmd/agent/internal/oneline"
	"alarmd/agent/paths"
)

// Version is set at build time with -ldflags "-X alarmd/agent/cli.Version=…"; otherwise it comes
// from the module's build information.
var Version = ""

// Exit codes (DESIGN §3).
const (
	ExitOK         = 0
	ExitFailure    = 1
	ExitUsage      = 2
	ExitNotRunning = 3
)

// usageError is bad input: exit 2, and the accepted forms after the one-line message.
type usageError struct {
	msg   string
	forms string
}

func (e *usageError) Error() string { return e.msg }

func usagef(forms, format string, a ...any) error {
	return &usageError{msg: fmt.Sprintf(format, a...), forms: forms}
}

// exitError carries an exit code other than 1 with its message ("" prints nothing).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

var errNotRunning = &exitError{ExitNotRunning, "not running; start it with: alarmd start"}

// env is what commands share.
type env struct {
	stdout, stderr io.Writer
	now            func() time.Time
	ctx            context.Context
}

// Main runs the command line and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	switch daemon.CurrentStage() {
	case daemon.Stage1:
		daemon.RunStage1() // does not return
	case daemon.Stage2:
		if err := runAgent(true); err != nil {
			fmt.Fprintf(stderr, "alarmd: %v\n", oneline.Of(err.Error()))
			return ExitFailure
		}
		return ExitOK
	}
	e := &env{stdout: stdout, stderr: stderr, now: time.Now, ctx: context.Background()}
	root := e.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	return e.report(err)
}

// report prints err as one line (plus accepted forms for usage errors) and picks the exit code.
func (e *env) report(err error) int {
	if err == nil {
		return ExitOK
	}
	var ue *usageError
	var xe *exitError
	var ae *client.APIError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "alarmd: %s\n", oneline.Of(ue.Error()))
		if ue.forms != "" {
			fmt.Fprintln(e.stderr, strings.TrimRight(ue.forms, "\n"))
		}
		return ExitUsage
	case errors.As(err, &xe):
		if xe.msg != "" {
			fmt.Fprintf(e.stderr, "alarmd: %s\n", xe.msg)
		}
		return xe.code
	case errors.Is(err, client.ErrNotRunning):
		fmt.Fprintf(e.stderr, "alarmd: %s\n", errNotRunning.msg)
		return ExitNotRunning
	case errors.As(err, &ae):
		fmt.Fprintf(e.stderr, "alarmd: %s\n", oneline.Of(ae.Error()))
		if ae.Status == 400 || ae.Status == 413 {
			return ExitUsage
		}
		return ExitFailure
	default:
		fmt.Fprintf(e.stderr, "alarmd: %s\n", oneline.Of(err.Error()))
		return ExitFailure
	}
}

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func (e *env) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "alarmd",
		Short:         "A desktop alarm clock that lives in the tray",
		Long:          "alarmd is a per-user alarm clock agent: it rings alarms with a notification and a sound,\nand this command line controls it.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	root.SetFlagErrorFunc(rootFlagError)
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(
		e.startCommand(), e.runCommand(), e.stopCommand(), e.statusCommand(),
		e.addCommand(), e.listCommand(), e.idsCommand("rm"), e.idsCommand("enable"), e.idsCommand("disable"),
		e.editCommand(), e.skipCommand(), e.unskipCommand(), e.historyCommand(), e.watchCommand(),
		e.snoozeCommand(), e.dismissCommand(), e.nextCommand(), e.soundsCommand(), e.pathsCommand(), e.versionCommand(),
		e.autostartCommand(), e.doctorCommand(), e.completionCommand(),
		e.wakeCommand(),
		e.exportCommand(), e.importCommand(),
		e.openCommand(),
	)
	for _, c := range root.Commands() {
		c.SetFlagErrorFunc(flagError)
	}
	return root
}

func flagError(cmd *cobra.Command, err error) error {
	return usagef("usage: "+cmd.UseLine(), "%s: %v", cmd.Name(), err)
}

// rootFlagError reports a flag that alarmd itself does not know. A word before it was meant as
// the command, and not being one is the mistake to report: `alarmd frobnicate --label x` names
// an unknown command, not an unknown flag of alarmd. The flag set holds the words it read
// before the bad flag.
func rootFlagError(cmd *cobra.Command, err error) error {
	if words := cmd.Flags().Args(); len(words) > 0 {
		return noArgs(cmd, words)
	}
	return usagef("usage: "+cmd.UseLine(), "%v", err)
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		if cmd.HasSubCommands() {
			return usagef("run 'alarmd --help' for the list of commands", "unknown command %q", args[0])
		}
		return usagef("usage: "+cmd.UseLine(), "%s takes no arguments (got %q)", cmd.Name(), args[0])
	}
	return nil
}

func maxArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > n {
			return usagef("usage: "+cmd.UseLine(), "%s takes at most %d argument(s), got %d", cmd.Name(), n, len(args))
		}
		return nil
	}
}

func minArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usagef("usage: "+cmd.UseLine(), "%s needs %s", cmd.Name(), what)
		}
		return nil
	}
}

// client returns a client for the agent of this user.
func (e *env) client() (*client.Client, paths.Paths, error) {
	p, err := paths.Resolve()
	if err != nil {
		return nil, p, fmt.Errorf("paths: %w", err)
	}
	return client.New(p.SocketFile), p, nil
}

func (e *env) printJSON(v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

func (e *env) versionCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:     "version",
		Example: "  alarmd version",
		Short:   "Print alarmd's version",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON {
				return e.printJSON(map[string]string{"version": version()})
			}
			fmt.Fprintf(e.stdout, "alarmd %s\n", version())
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func (e *env) pathsCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:     "paths",
		Example: "  alarmd paths\n  alarmd paths --json | jq -r .socket",
		Short:   "Print the files and directories alarmd uses",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := paths.Resolve()
			if err != nil {
				return fmt.Errorf("paths: %w", err)
			}
			if asJSON {
				m := map[string]string{}
				for _, kv := range p.List() {
					m[kv[0]] = kv[1]
				}
				return e.printJSON(m)
			}
			w := 0
			for _, kv := range p.List() {
				w = max(w, len(kv[0]))
			}
			for _, kv := range p.List() {
				fmt.Fprintf(e.stdout, "%-*s  %s\n", w, kv[0], kv[1])
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}
