package app

import (
	"context"
	"time"
)

// trimQuiet is how long changes must have stopped before the agent hands memory back.
const trimQuiet = time.Second

// trimAfterChanges calls trim (debug.FreeOSMemory) once the alarms have not changed for quiet
// and nothing rings. A burst of changes (a script adding hundreds of alarms, say) leaves the heap
// grown by the garbage of rewriting the file each time; the runtime's scavenger would return it
// only slowly, keeping the agent's RSS up and waking it for the work. Not while ringing: the
// player trims when its speaker goes quiet, and a trim while mixing could stall the sound.
// It returns when ctx ends.
func trimAfterChanges(ctx context.Context, changes <-chan struct{}, ringing func() bool, quiet time.Duration, trim func()) {
	timer := time.NewTimer(quiet)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-changes:
			timer.Reset(quiet)
		case <-timer.C:
			if !ringing() {
				trim()
			}
		}
	}
}
