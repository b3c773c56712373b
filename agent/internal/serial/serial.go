// Package serial runs functions one after another on a goroutine that exists only while there is
// work: the ringer's sounds and the history's appends go through it so that no caller holding a
// lock waits for a device or a disk (DESIGN §5).
package serial

import (
	"sync"
	"time"
)

// Queue runs functions one after another, in the order they were pushed, on a goroutine of its
// own that exists only while there is work: pushing never blocks (the queue has no bound to
// fill), and an idle queue costs no goroutine and no wake-up. The zero Queue is ready to use.
type Queue struct {
	mu      sync.Mutex
	ops     []func()
	running bool
	idle    chan struct{} // closed when the queue next runs dry; nil while nobody waits
}

// Push queues op after everything queued before it.
func (q *Queue) Push(op func()) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ops = append(q.ops, op)
	if !q.running {
		q.running = true
		go q.drain()
	}
}

func (q *Queue) drain() {
	for {
		q.mu.Lock()
		if len(q.ops) == 0 {
			q.running = false
			if q.idle != nil {
				close(q.idle)
				q.idle = nil
			}
			q.mu.Unlock()
			return
		}
		op := q.ops[0]
		q.ops[0] = nil
		q.ops = q.ops[1:]
		q.mu.Unlock()
		op()
	}
}

// Wait returns once everything queued so far has run, or after limit (0: no limit); it reports
// whether the queue ran dry.
func (q *Queue) Wait(limit time.Duration) bool {
	q.mu.Lock()
	if !q.running {
		q.mu.Unlock()
		return true
	}
	if q.idle == nil {
		q.idle = make(chan struct{})
	}
	idle := q.idle
	q.mu.Unlock()
	if limit <= 0 {
		<-idle
		return true
	}
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-idle:
		return true
	case <-t.C:
		return false
	}
}
