package cli

import (
	"fmt"
	"os"
	"os/signal"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"alarmd/agent/audio"
	"alarmd/agent/paths"
	"alarmd/sounds"
)

func (e *env) soundsCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "sounds",
		Short: "List the bundled sounds and your own",
		Long: "List the bundled alarm sounds and the audio files (wav, mp3, ogg, flac) in your sounds\n" +
			"directory (see: alarmd paths). Any of them, or a file path, can be given to add --sound.",
		Example: "  alarmd sounds\n  alarmd sounds play bell\n  alarmd sounds play ~/Music/rooster.ogg",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := paths.Resolve()
			if err != nil {
				return fmt.Errorf("paths: %w", err)
			}
			list, err := audio.List(p.SoundsDir)
			if err != nil {
				return fmt.Errorf("list sounds: %w", err)
			}
			if asJSON {
				return e.printJSON(map[string]any{"sounds": list, "default": sounds.Default(), "user_dir": p.SoundsDir})
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tKIND\tDESCRIPTION")
			for _, s := range list {
				desc := s.Path
				if s.Kind == "bundled" {
					desc = sounds.Description(s.Name)
					if s.Name == sounds.Default() {
						desc += " (default)"
					}
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, s.Kind, desc)
			}
			if err := tw.Flush(); err != nil {
				return fmt.Errorf("write output: %w", err)
			}
			fmt.Fprintf(e.stdout, "your own sounds go in %s\n", p.SoundsDir)
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.AddCommand(e.soundsPlayCommand())
	return c
}

func (e *env) soundsPlayCommand() *cobra.Command {
	var volume int
	c := &cobra.Command{
		Use:     "play NAME|FILE",
		Short:   "Play a sound once",
		Example: "  alarmd sounds play chime\n  alarmd sounds play ./rooster.flac --volume 50",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("usage: "+cmd.UseLine(), "sounds play needs exactly one sound name or file")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if volume < 1 || volume > 100 {
				return usagef("accepted: 1 to 100 (percent)", "--volume %d is out of range", volume)
			}
			p, err := paths.Resolve()
			if err != nil {
				return fmt.Errorf("paths: %w", err)
			}
			src, err := audio.Resolve(soundArg(args[0]), p.SoundsDir)
			if err != nil {
				return usagef("", "%v", err)
			}
			if err := audio.Check(src); err != nil {
				return usagef("accepted: wav, mp3, ogg (vorbis), flac", "%v", err)
			}
			ctx, stop := signal.NotifyContext(e.ctx, os.Interrupt)
			defer stop()
			player := audio.NewPlayer(nil)
			defer player.Close()
			if err := player.PlayOnce(ctx, src, float64(volume)/100); err != nil && ctx.Err() == nil {
				return fmt.Errorf("play %s: %w", src, err)
			}
			return nil
		},
	}
	c.Flags().IntVar(&volume, "volume", 100, "volume in percent, 1-100")
	return c
}
