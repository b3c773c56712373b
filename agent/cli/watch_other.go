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

// whenReaderGone: elsewhere a watch whose reader went away ends at the next line it prints.
func whenReaderGone(ctx context.Context, out any) context.Context { return ctx }
