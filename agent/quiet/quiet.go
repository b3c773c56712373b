// Package quiet keeps the agent small and still between alarms.
//
// After a burst of work (changes to the alarms, a ring) the heap has grown by garbage that the
// runtime's scavenger would hand back only slowly, waking the agent for it. And with the usual
// GOGC pacing the runtime forces a collection every two minutes even when nothing was
// allocated: on an idle agent that is most of its wake-ups (about ten context switches each).
//
// So once the alarms have not changed for a while and nothing rings, Keep returns the free
// memory to the system and switches the collector from GOGC to a memory limit: GOGC off, the
// limit at what the runtime holds now plus as much again as the live heap (the heap goal GOGC=100
// would set) plus some headroom. Memory that grows past it is still collected; only the timed
// collections stop. The next change or control request restores GOGC until the agent is quiet
// again. If the user
// set GOGC or GOMEMLIMIT, Keep leaves the collector alone and only returns memory.
//
// Quiet, it also pages out its executable: most of its resident memory, and none of it needed
// until the next alarm (see resident.go).
package quiet

import (
	"context"
	"log/slog"
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Options configure Keep.
type Options struct {
	// Changes receives a value after every change to the alarms or the ringing state.
	Changes <-chan struct{}
	// Activity receives a value for other work, such as a control request: a `list` of
	// 10 000 alarms allocates tens of MB, which under the memory limit would mean one
	// collection (and returned pages faulted back in) after another. May be nil.
	Activity <-chan struct{}
	// Busy reports whether something rings; the agent is not quiet while it does (and returning
	// memory while mixing could stall the sound).
	Busy func() bool
	// After is how long changes must have stopped; 0 means one second.
	After time.Duration
	// Headroom is added to the memory limit; 0 means 4 MiB.
	Headroom uint64
}

// Keep runs until ctx ends. It starts as if a change had just happened.
func Keep(ctx context.Context, o Options) {
	k := newKeeper(o, os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "")
	defer k.loud()
	k.run(ctx)
}

// keeper holds the collector settings to restore; tests replace the runtime calls.
type keeper struct {
	o        Options
	pace     bool // whether to switch the collector, not only return memory
	paced    bool
	gcBefore int   // GOGC percent in effect when pacing began
	limit    int64 // memory limit in effect when pacing began

	freeOSMemory   func()
	setGCPercent   func(int) int
	setMemoryLimit func(int64) int64
	held           func() (held, live uint64)
	pageOutFiles   func() (kB uint64, err error)
}

func newKeeper(o Options, pace bool) *keeper {
	if o.After <= 0 {
		o.After = time.Second
	}
	if o.Headroom == 0 {
		o.Headroom = 4 << 20
	}
	return &keeper{o: o, pace: pace, freeOSMemory: debug.FreeOSMemory, setGCPercent: debug.SetGCPercent,
		setMemoryLimit: debug.SetMemoryLimit, held: heldAndLive, pageOutFiles: pageOutFiles}
}

func (k *keeper) run(ctx context.Context) {
	timer := time.NewTimer(k.o.After)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-k.o.Changes:
			k.loud()
			timer.Reset(k.o.After)
		case <-k.o.Activity:
			k.loud()
			timer.Reset(k.o.After)
		case <-timer.C:
			if !k.o.Busy() {
				k.quiet()
			}
		}
	}
}

// quiet returns free memory and mapped files' pages and, when pacing, swaps GOGC for a memory
// limit.
func (k *keeper) quiet() {
	k.freeOSMemory() // a full collection: live is now exact
	// After the collection, which runs code of its own; a failure only leaves pages resident.
	if _, err := k.pageOutFiles(); err != nil {
		slog.Debug("mapped files stay resident", "err", err)
	}
	if !k.pace || k.paced {
		return
	}
	held, live := k.held()
	limit := held + live + k.o.Headroom
	if held == 0 || limit > math.MaxInt64 {
		return // the metrics are missing: keep GOGC rather than guess a limit
	}
	k.limit = k.setMemoryLimit(int64(limit))
	k.gcBefore = k.setGCPercent(-1)
	k.paced = true
}

// loud restores the collector's settings from before quiet.
func (k *keeper) loud() {
	if !k.paced {
		return
	}
	k.setGCPercent(k.gcBefore)
	k.setMemoryLimit(k.limit)
	k.paced = false
}

// heldAndLive reads what the memory limit counts (everything the runtime has mapped and not
// released) and the live heap of the last collection.
func heldAndLive() (held, live uint64) {
	s := []metrics.Sample{
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/gc/heap/live:bytes"},
	}
	metrics.Read(s)
	for _, x := range s {
		if x.Value.Kind() != metrics.KindUint64 {
			return 0, 0
		}
	}
	return s[0].Value.Uint64() - s[1].Value.Uint64(), s[2].Value.Uint64()
}
