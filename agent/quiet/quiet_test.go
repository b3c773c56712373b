package quiet

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeRuntime records what a keeper does to the collector.
type fakeRuntime struct {
	mu      sync.Mutex
	frees   int
	percent int
	limit   int64
}

func (f *fakeRuntime) keeper(o Options, pace bool) *keeper {
	k := newKeeper(o, pace)
	k.freeOSMemory = func() { f.mu.Lock(); f.frees++; f.mu.Unlock() }
	k.setGCPercent = func(p int) int { f.mu.Lock(); defer f.mu.Unlock(); old := f.percent; f.percent = p; return old }
	k.setMemoryLimit = func(l int64) int64 { f.mu.Lock(); defer f.mu.Unlock(); old := f.limit; f.limit = l; return old }
	k.held = func() (uint64, uint64) { return 10 << 20, 3 << 20 }
	return k
}

func (f *fakeRuntime) state() (frees, percent int, limit int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.frees, f.percent, f.limit
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestQuietAfterChangesStopAndLoudOnChange(t *testing.T) {
	f := &fakeRuntime{percent: 100, limit: 1 << 62}
	changes := make(chan struct{}, 1)
	var busy atomic.Bool
	busyAsked := make(chan struct{}, 1) // the keeper's timer fired while busy
	busyFn := func() bool {
		b := busy.Load()
		if b {
			select {
			case busyAsked <- struct{}{}:
			default:
			}
		}
		return b
	}
	// Unbuffered: a send returns only once the keeper has finished what it was doing.
	activity := make(chan struct{})
	k := f.keeper(Options{Changes: changes, Activity: activity, Busy: busyFn, After: 30 * time.Millisecond}, true)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { k.run(ctx); k.loud(); close(done) }()

	// Quiet after the start: memory returned, GOGC off, limit = held + live + 4 MiB.
	waitFor(t, "quiet", func() bool { _, p, _ := f.state(); return p == -1 })
	if frees, _, limit := f.state(); frees != 1 || limit != (10<<20)+(3<<20)+(4<<20) {
		t.Fatalf("frees %d, limit %d", frees, limit)
	}
	// A change restores GOGC and the old limit at once.
	changes <- struct{}{}
	waitFor(t, "loud", func() bool { _, p, _ := f.state(); return p == 100 })
	if _, _, limit := f.state(); limit != 1<<62 {
		t.Fatalf("limit %d after the change, want the old one", limit)
	}
	// So does a control request. And while something rings the agent stays loud, however long
	// it lasts: each time the keeper's timer fires it asks Busy and leaves everything as it is.
	// (Once quiet the keeper has no timer running, so busy is set before anything can ask.)
	waitFor(t, "quiet after the change", func() bool { _, p, _ := f.state(); return p == -1 })
	busy.Store(true)
	activity <- struct{}{}
	waitFor(t, "loud for a request", func() bool { _, p, _ := f.state(); return p == 100 })
	for period := range 2 {
		select {
		case <-busyAsked:
		case <-time.After(2 * time.Second):
			t.Fatalf("timer period %d: the keeper never asked whether something rings", period)
		}
		activity <- struct{}{} // taken only after the keeper acted on its timer
		if frees, p, _ := f.state(); frees != 2 || p != 100 {
			t.Fatalf("timer period %d while busy: frees %d, percent %d; want it loud (2, 100)", period, frees, p)
		}
	}
	busy.Store(false)
	changes <- struct{}{}
	waitFor(t, "quiet again", func() bool { _, p, _ := f.state(); return p == -1 })
	cancel()
	<-done
	if _, p, limit := f.state(); p != 100 || limit != 1<<62 {
		t.Fatalf("after the end: percent %d, limit %d; want them restored", p, limit)
	}
}

func TestOnlyReturnsMemoryWhenTheUserSetGOGC(t *testing.T) {
	f := &fakeRuntime{percent: 50, limit: 1 << 62}
	k := f.keeper(Options{Changes: make(chan struct{}), Busy: func() bool { return false }, After: 10 * time.Millisecond}, false)
	ctx, cancel := context.WithCancel(context.Background())
	go k.run(ctx)
	waitFor(t, "memory returned", func() bool { n, _, _ := f.state(); return n == 1 })
	cancel()
	if _, p, limit := f.state(); p != 50 || limit != 1<<62 {
		t.Fatalf("collector changed: percent %d, limit %d", p, limit)
	}
}

// gogc reads the GOGC percent in effect (-1: off) without changing it, as SetGCPercent would
// for a moment and so race with the keeper.
func gogc() int64 {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return -2
	}
	return int64(s[0].Value.Uint64()) // the runtime stores -1 (off) sign-extended
}

// TestRealCollectorUnderTheLimit runs Keep on this test binary's runtime: while quiet, garbage
// well under the limit is not collected (GOGC's pacing is off), garbage past it is and the heap
// stays under it (the limit is on); a change brings GOGC back.
func TestRealCollectorUnderTheLimit(t *testing.T) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("GOGC or GOMEMLIMIT is set: Keep leaves the collector alone (TestOnlyReturnsMemoryWhenTheUserSetGOGC)")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	changes := make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	// A large headroom puts the limit far above what the runtime holds, so that garbage below it
	// tells pacing by GOGC (which collects for every few MiB of this test's small heap) from
	// pacing by the limit (which does not collect at all until the limit is near).
	const headroom = 64 << 20
	go func() {
		Keep(ctx, Options{Changes: changes, Busy: func() bool { return false }, After: 20 * time.Millisecond, Headroom: headroom})
		close(done)
	}()
	waitFor(t, "GOGC off", func() bool { return gogc() == -1 })
	limit := debug.SetMemoryLimit(-1)
	if limit <= headroom || limit > 1<<40 {
		t.Fatalf("memory limit %d while quiet", limit)
	}
	garbage := func(mib int) (collections uint32) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		var sink []byte
		for range mib {
			sink = make([]byte, 1<<20)
			sink[0] = 1
		}
		_ = sink
		runtime.ReadMemStats(&after)
		return after.NumGC - before.NumGC
	}
	// Half the headroom: no collection, because the keeper switched GOGC's pacing off.
	if n := garbage(headroom / 2 >> 20); n != 0 {
		t.Errorf("%d collections for %d MiB of garbage with %d MiB of headroom under the limit: still paced by GOGC", n, headroom/2>>20, headroom>>20)
	}
	// 200 MiB, far over the limit: collected all the same, because the keeper set the limit.
	if n := garbage(200); n == 0 {
		t.Fatalf("no collection for 200 MiB of garbage under a %d-byte limit", limit)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if after.HeapSys-after.HeapReleased > uint64(limit)+(16<<20) {
		t.Errorf("heap held %d bytes over a %d-byte limit", after.HeapSys-after.HeapReleased, limit)
	}
	changes <- struct{}{}
	waitFor(t, "GOGC back", func() bool { return gogc() == 100 })
	cancel()
	<-done
}
