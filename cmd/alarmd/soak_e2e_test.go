//go:build e2e

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"alarmd/agent/api"
	"alarmd/agent/client"
	"alarmd/agent/history"
)

// soakSize is the short soak of `make e2e` or, with ALARMD_SOAK=long (`make soak`), issue 6's long one.
func soakSize() (cycles, clients, ops int) {
	if os.Getenv("ALARMD_SOAK") == "long" {
		return 200, 100, 100
	}
	return 20, 20, 20
}

// soakSeed is ALARMD_SOAK_SEED or the clock; it is logged so a failure can be replayed.
func soakSeed(t *testing.T) uint64 {
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("ALARMD_SOAK_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("ALARMD_SOAK_SEED: %v", err)
		}
		seed = n
	}
	t.Logf("seed %d (replay with ALARMD_SOAK_SEED=%d)", seed, seed)
	return seed
}

// tracked is what the acknowledged changes say about one alarm. A request that got no answer
// (the agent was killed under it) leaves its alarm "uncertain" until the next check resolves it.
type tracked struct {
	exists    bool // acknowledged add and no acknowledged rm since
	enabled   bool
	label     string
	uncertain bool // an unacknowledged rm, enable/disable or edit may or may not have landed
	owner     int  // the worker that may change it, so changes to one alarm are never concurrent
}

// ackLog is the model of the alarms built from acknowledged (2xx) answers only.
type ackLog struct {
	mu      sync.Mutex
	alarms  map[int]*tracked
	removed map[int]bool // ids whose removal was acknowledged: they must never come back
	maxSeen int          // highest id seen anywhere, for reads of random alarms
	// checkedMax is the highest id known at the last check; an add nobody acknowledged can only
	// have an id above it (an acknowledged add may have a higher id than an unanswered one).
	checkedMax int
	dupes      []int // ids handed out twice
	acked      int
	unacked    int
	rejected   map[int]int // 4xx status → count
}

func newAckLog() *ackLog {
	return &ackLog{alarms: map[int]*tracked{}, removed: map[int]bool{}, rejected: map[int]int{}}
}

// owned returns the alarms worker w may change.
func (l *ackLog) owned(w int) []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ids []int
	for id, a := range l.alarms {
		if a.owner == w && a.exists {
			ids = append(ids, id)
		}
	}
	return ids
}

// check compares the agent's alarms (and the raw file) with the model, then adopts the
// uncertain outcomes as they turned out.
func (l *ackLog) check(t *testing.T, listed []api.Alarm, workers int) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	got := map[int]api.Alarm{}
	for _, a := range listed {
		got[a.ID] = a
	}
	for id, m := range l.alarms {
		a, ok := got[id]
		switch {
		case m.exists && !ok && !m.uncertain:
			t.Errorf("alarm %d: acknowledged add is gone", id)
		case m.exists && ok && a.Enabled != m.enabled && !m.uncertain:
			t.Errorf("alarm %d: enabled=%v, last acknowledged change said %v", id, a.Enabled, m.enabled)
		case m.exists && ok && a.Label != m.label && !m.uncertain:
			t.Errorf("alarm %d: label %q, last acknowledged edit said %q", id, a.Label, m.label)
		case !m.exists && ok:
			t.Errorf("alarm %d: acknowledged rm, but it is listed", id)
		}
		m.exists = ok
		if ok {
			m.enabled, m.label = a.Enabled, a.Label
		}
		m.uncertain = false
	}
	for _, id := range l.dupes {
		t.Errorf("alarm id %d was handed out by two acknowledged adds", id)
	}
	l.dupes = nil
	for id, a := range got {
		if l.removed[id] {
			t.Errorf("alarm %d: its removal was acknowledged, yet it is back", id)
		}
		if strings.HasPrefix(a.Label, ringLabel) {
			continue // the ringer's alarms: followed through the history instead
		}
		if _, known := l.alarms[id]; !known {
			// An add the agent did but could not answer before it was killed: its id must be new.
			if id <= l.checkedMax {
				t.Errorf("alarm %d appeared unacknowledged with an id at or below the highest known before (%d): ids reused?", id, l.checkedMax)
			}
			l.alarms[id] = &tracked{exists: true, enabled: a.Enabled, label: a.Label, owner: id % workers}
		}
		l.maxSeen = max(l.maxSeen, id)
	}
	for id := range l.alarms {
		l.checkedMax = max(l.checkedMax, id)
	}
}

// soakWorker sends random add/rm/enable/disable requests for the alarms it owns until ctx ends or
// a request goes unanswered.
func (l *ackLog) soakWorker(ctx context.Context, cl *client.Client, w, workers int, rng *rand.Rand, ops int) {
	for i := 0; ops == 0 || i < ops; i++ {
		if ctx.Err() != nil {
			return
		}
		mine := l.owned(w)
		op := rng.IntN(10)
		if len(mine) == 0 || (op < 4 && len(mine) < 8) {
			label := fmt.Sprintf("soak w%d", w)
			a, err := cl.Add(ctx, api.AddRequest{When: fmt.Sprintf("in %dh", 2+rng.IntN(20)), Label: &label})
			if !l.settle(err) {
				return
			}
			l.mu.Lock()
			if _, dup := l.alarms[a.ID]; dup || l.removed[a.ID] {
				l.dupes = append(l.dupes, a.ID)
			}
			// Ids go by worker: a later add of another worker must not steal this one's alarms.
			l.alarms[a.ID] = &tracked{exists: true, enabled: a.Enabled, label: label, owner: w}
			l.maxSeen = max(l.maxSeen, a.ID)
			l.mu.Unlock()
			continue
		}
		id := mine[rng.IntN(len(mine))]
		if op < 7 {
			err := cl.Delete(ctx, id)
			l.mark(id, err, func(m *tracked) { m.exists = false; l.removed[id] = true })
			if !l.settle(err) {
				return
			}
			continue
		}
		if op == 9 { // an edit of the label and the time
			label := fmt.Sprintf("soak w%d edit %d", w, i)
			when := fmt.Sprintf("in %dh", 2+rng.IntN(20))
			_, err := cl.Edit(ctx, id, api.EditRequest{Label: &label, When: &when})
			l.mark(id, err, func(m *tracked) { m.label, m.enabled = label, true })
			if !l.settle(err) {
				return
			}
			continue
		}
		on := rng.IntN(2) == 0
		_, err := cl.Edit(ctx, id, api.EditRequest{Enabled: &on})
		l.mark(id, err, func(m *tracked) { m.enabled = on })
		if !l.settle(err) {
			return
		}
	}
}

// ringLabel starts the labels of the alarms the soak's ringer adds, rings and stops.
const ringLabel = "soak ring"

// ringer adds a one-second timer, waits for it to ring and stops it, again and again, so that
// kills land during rings too; it returns the labels whose stop was acknowledged (each must be
// in the history afterwards).
func ringer(ctx context.Context, cl *client.Client, cycle int) (stopped []string) {
	for n := 0; ctx.Err() == nil; n++ {
		label := fmt.Sprintf("%s %d.%d", ringLabel, cycle, n)
		a, err := cl.Add(ctx, api.AddRequest{When: "1s", Label: &label, Ring: "1m"})
		if err != nil {
			return stopped
		}
		for ctx.Err() == nil {
			got, err := cl.Get(ctx, a.ID)
			if err != nil {
				return stopped
			}
			if got.State == api.StateRinging {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		ids, err := cl.Dismiss(ctx, a.ID)
		if err != nil {
			return stopped
		}
		if len(ids) == 1 {
			stopped = append(stopped, label)
		}
	}
	return stopped
}

// checkHistory reads history.jsonl as anything reading it would: every line but a torn last one
// parses, and every acknowledged stop is there.
func checkHistory(t *testing.T, a *agentEnv, stopped map[string]bool) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(a.dirs["XDG_STATE_HOME"], "alarmd", "history.jsonl"))
	if errors.Is(err, os.ErrNotExist) && len(stopped) == 0 {
		return
	}
	if err != nil {
		t.Fatalf("read history.jsonl: %v", err)
	}
	lines := strings.Split(string(raw), "\n")
	seen := map[string]bool{}
	for i, line := range lines {
		if line == "" {
			continue
		}
		var e history.Entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			if i == len(lines)-1 {
				continue // a torn last line (killed mid-append): the agent cuts it off at its next start
			}
			t.Fatalf("history.jsonl line %d does not parse after kill -9: %v\n%s", i+1, err, line)
		}
		if e.End == history.Stopped {
			seen[e.Label] = true
		}
	}
	for label := range stopped {
		if !seen[label] {
			t.Errorf("the acknowledged stop of %q is not in the history:\n%s", label, raw)
		}
	}
}

// mark applies an acknowledged change to the model, or marks the alarm uncertain when the request
// got no answer.
func (l *ackLog) mark(id int, err error, apply func(m *tracked)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := l.alarms[id]
	var ae *client.APIError
	switch {
	case err == nil:
		apply(m)
	case errors.As(err, &ae), errors.Is(err, client.ErrNotRunning):
		// refused, or never reached the agent: nothing changed
	default:
		m.uncertain = true
	}
}

// settle counts an answer; it returns false when there was none (the worker stops).
func (l *ackLog) settle(err error) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ae *client.APIError
	switch {
	case err == nil:
		l.acked++
		return true
	case errors.As(err, &ae):
		l.rejected[ae.Status]++
		return true
	case errors.Is(err, client.ErrNotRunning):
		return false // the agent was already gone: the request cannot have landed
	default:
		l.unacked++
		return false
	}
}

// checkFile parses the raw alarms.json as JSON, as anything reading the file would.
func checkFile(t *testing.T, a *agentEnv) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(a.dirs["XDG_DATA_HOME"], "alarmd", "alarms.json"))
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	if err != nil {
		t.Fatalf("read alarms.json: %v", err)
	}
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("alarms.json does not parse after kill -9: %v\n%s", err, raw)
	}
}

// waitUnlocked waits until nobody holds the pidfile lock. The main thread of a killed agent turns
// zombie before its other threads have closed the shared descriptors, so "not alive" comes a
// little before the lock is free.
func waitUnlocked(path string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		f, err := os.Open(path)
		if err != nil {
			return true
		}
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		f.Close() // closing drops the lock again
		if err == nil {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
}

// TestSoakKill9 kills the agent with SIGKILL at random moments while several clients change
// alarms, restarts it, and checks that every acknowledged change survived.
func TestSoakKill9(t *testing.T) {
	cycles, _, _ := soakSize()
	rng := rand.New(rand.NewPCG(soakSeed(t), 9))
	a := newAgentEnv(t)
	const workers = 4
	model := newAckLog()
	stopped := map[string]bool{}
	// Agents killed while ringing leave their notifications in the session's dunst: clear them
	// so the tests after this one start from an empty screen.
	t.Cleanup(func() { clearNotifications(t) })
	pid := a.start()
	for c := range cycles {
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		var rang []string
		wg.Add(1)
		go func() {
			defer wg.Done()
			rang = ringer(ctx, client.New(a.socket()), c)
		}()
		for w := range workers {
			wg.Add(1)
			wrng := rand.New(rand.NewPCG(rng.Uint64(), uint64(w)))
			go func() {
				defer wg.Done()
				model.soakWorker(ctx, client.New(a.socket()), w, workers, wrng, 0)
			}()
		}
		time.Sleep(time.Duration(300+rng.IntN(1500)) * time.Millisecond)
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		if !waitGone(pid, 2*time.Second) || !waitUnlocked(a.pidFile(), 2*time.Second) {
			t.Fatalf("cycle %d: agent survived SIGKILL", c)
		}
		cancel()
		wg.Wait()
		checkFile(t, a)
		for _, l := range rang {
			stopped[l] = true
		}
		checkHistory(t, a, stopped)
		pid = a.start()
		model.check(t, a.list(), workers)
		if t.Failed() {
			t.Fatalf("cycle %d failed; log:\n%s", c, a.log())
		}
	}
	left := len(a.list())
	a.must("stop")
	t.Logf("%d kill -9 cycles: %d acknowledged changes, %d unanswered (in flight at the kill), refused %v; %d alarms at the end; %d acknowledged stops of ringing alarms, all in the history",
		cycles, model.acked, model.unacked, model.rejected, left, len(stopped))
}

// TestSoakConcurrentClients has many clients change their own alarms and read everyone's at
// once: every request is answered (2xx, or 404 for an alarm another client just removed) and
// the final state is what the acknowledged changes say.
func TestSoakConcurrentClients(t *testing.T) {
	_, clients, ops := soakSize()
	seed := soakSeed(t)
	a := newAgentEnv(t)
	a.start()
	model := newAckLog()
	var wg sync.WaitGroup
	var mu sync.Mutex
	reads, readMisses, failures := 0, 0, []string{}
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			cl := client.New(a.socket())
			ctx := context.Background()
			for range ops {
				if rng.IntN(4) == 0 {
					// Read someone else's alarm: it may just have been removed (404).
					_, err := cl.Get(ctx, 1+rng.IntN(model.maxSeenLocked()+1))
					var ae *client.APIError
					mu.Lock()
					reads++
					switch {
					case err == nil:
					case errors.As(err, &ae) && ae.Status == 404:
						readMisses++
					default:
						failures = append(failures, err.Error())
					}
					mu.Unlock()
					continue
				}
				model.soakWorker(ctx, cl, w, clients, rng, 1)
			}
		}()
	}
	wg.Wait()
	if model.unacked > 0 {
		t.Errorf("%d requests went unanswered with the agent running", model.unacked)
	}
	for status, n := range model.rejected {
		t.Errorf("%d changes refused with %d: a client changes only its own alarms, so none should be", n, status)
	}
	for _, f := range failures {
		t.Errorf("read failed: %s", f)
	}
	final := a.list()
	model.check(t, final, clients)
	// The same must hold after a restart: the file holds what was acknowledged.
	a.must("stop")
	checkFile(t, a)
	a.start()
	model.check(t, a.list(), clients)
	a.must("stop")
	t.Logf("%d clients × %d operations: %d changes acknowledged, %d reads (%d of a removed alarm: 404), %d alarms at the end",
		clients, ops, model.acked, reads, readMisses, len(final))
}

func (l *ackLog) maxSeenLocked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.maxSeen
}
