package cli

import (
	"github.com/spf13/cobra"
)

const completionForms = "usage: alarmd completion bash|zsh|fish|powershell"

func (e *env) completionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print a shell completion script",
		Long: "Print the completion script for a shell. Load it in the current shell, or install it\n" +
			"where the shell looks for completions.",
		Example: "  source <(alarmd completion bash)\n" +
			"  alarmd completion bash > ~/.local/share/bash-completion/completions/alarmd\n" +
			"  alarmd completion zsh > \"${fpath[1]}/_alarmd\"\n" +
			"  alarmd completion fish > ~/.config/fish/completions/alarmd.fish",
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef(completionForms, "completion needs exactly one shell")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(e.stdout, true)
			case "zsh":
				return root.GenZshCompletion(e.stdout)
			case "fish":
				return root.GenFishCompletion(e.stdout, true)
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(e.stdout)
			}
			return usagef(completionForms, "completion: unknown shell %q", args[0])
		},
	}
}
