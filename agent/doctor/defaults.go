package doctor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"time"

	"alarmd/agent/api"
	"alarmd/agent/audio"
	"alarmd/agent/autostart"
	"alarmd/agent/client"
	"alarmd/agent/clock"
	"alarmd/agent/daemon"
	"alarmd/agent/dnd"
	"alarmd/agent/notifier"
	"alarmd/agent/paths"
	"alarmd/agent/soundserver"
)

// Defaults returns the dependencies for the real session of this user.
func Defaults(p paths.Paths) Deps {
	quiet := slog.New(slog.DiscardHandler)
	return Deps{
		Paths:     p,
		LookupEnv: os.LookupEnv,
		LookPath:  exec.LookPath,
		Notifier: func() NotificationServer {
			return notifier.New(quiet, "alarmd")
		},
		AudioProbe: func(ctx context.Context) error {
			return probeAudio(ctx, quiet)
		},
		Autostart: func(ctx context.Context) (autostart.Status, error) {
			m, err := autostart.New(autostart.Options{})
			if err != nil {
				return autostart.Status{}, err
			}
			return m.Status(ctx)
		},
		AgentPID: daemon.Holder,
		Output:   soundserver.Check,
		DND:      dnd.Check,
		AgentStatus: func(ctx context.Context, socket string) (api.Status, error) {
			return client.New(socket).Status(ctx)
		},
		Zone: func() (*time.Location, error) {
			c, err := clock.System()
			if err != nil {
				return nil, err
			}
			defer c.Close()
			return c.Location(), nil
		},
	}
}

// probeAudio plays the bundled default clip at volume 0 through the agent's own player: the
// same open-and-consume test the agent relies on, and nothing is heard.
func probeAudio(ctx context.Context, logger *slog.Logger) error {
	p := audio.NewPlayer(logger)
	defer p.Close()
	err := p.PlayOnce(ctx, audio.DefaultSource(), 0)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("play silence: %w", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		// Neither finished nor failed in time; the state says which side it was on.
		if s := p.State(); strings.HasPrefix(s, "unavailable") {
			return errors.New(s)
		}
	}
	return err
}
