package ringer

import (
	"sync"
	"time"
)

// queue runs functions one after another, in the order they were pushed, on a goroutine of its
// own that exists only while there is work: pushing never blocks (the queue has no bound to
// fill), and an idle queue costs no goroutine and no wake-up. The ringer uses it so that the
// audio device and the notification server are only ever waited on by the queue, never by a
// caller holding a lock (DESIGN §5).
type queue struct {
	mu      sync.Mutex
	ops     []func()
	running bool
	idle    chan struct{} // closed when the queue next runs dry; nil while nobody waits
}

// push queues op after everything queued before it.
func (q *queue) push(op func()) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ops = append(q.ops, op)
	if !q.running {
		q.running = true
		go q.drain()
	}
}

func (q *queue) drain() {
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

// wait returns once everything queued so far has run, or after limit (0: no limit); it reports
// whether the queue ran dry.
func (q *queue) wait(limit time.Duration) bool {
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
