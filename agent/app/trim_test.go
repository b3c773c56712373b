package app

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestTrimAfterChanges(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes := make(chan struct{}, 1)
	var ringing atomic.Bool
	trims := make(chan time.Time, 8)
	const quiet = 50 * time.Millisecond
	go trimAfterChanges(ctx, changes, ringing.Load, quiet, func() { trims <- time.Now() })

	// A burst: each change restarts the quiet period, so one trim follows the last change.
	var last time.Time
	for range 5 {
		changes <- struct{}{}
		last = time.Now()
		time.Sleep(quiet / 5)
	}
	select {
	case at := <-trims:
		if at.Sub(last) < quiet {
			t.Errorf("trimmed %v after the last change, want ≥ %v", at.Sub(last), quiet)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no trim after the burst")
	}
	select {
	case <-trims:
		t.Fatal("a second trim for one burst")
	case <-time.After(4 * quiet):
	}

	// While an alarm rings there is no trim.
	ringing.Store(true)
	changes <- struct{}{}
	select {
	case <-trims:
		t.Fatal("trimmed while ringing")
	case <-time.After(4 * quiet):
	}
}
