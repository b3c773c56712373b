// Platforms other than Linux: without inotify the watcher asks every 2 s while no agent runs
// (this costs the watcher, not the agent, which is not running).

//go:build !linux

package cli

import (
	"context"
	"time"
)

// waitForAgent returns once alive reports an agent again, or ctx's error when interrupted.
func waitForAgent(ctx context.Context, socket string, alive func() bool) error {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for !alive() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}
