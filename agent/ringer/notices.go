package ringer

import (
	"time"

	"alarmd/agent/notifier"
)

// notice is one alarm's notification as the server has it, plus the one change still to be made
// to it. The ringer only says what the notification should become (show this, or close it) and
// a worker goroutine of the notice's own carries that out, so a server that answers late (or
// never: a hung or stopped daemon) delays that alarm's notification and nothing else: not the
// ringer's lock, not another alarm, not a button press (DESIGN §5).
//
// Changes asked for while one is on the bus collapse into the latest: each Show replaces the
// notification in place, so only the newest state needs to reach the server, and when a hung
// server wakes up it sees at most two calls per alarm, never the whole backlog.
type notice struct {
	alarm   int
	id      uint32        // the server's id of the shown notification; 0 while none is shown
	want    *noticeChange // the latest change asked for and not yet started
	working bool          // a worker is carrying out changes
	done    chan struct{} // closed when the change on the bus now has been answered
}

type noticeChange struct {
	close bool
	n     notifier.Notification
}

// showNotice asks for alarm id's notification to become n. Caller holds r.mu.
func (r *Ringer) showNotice(id int, n notifier.Notification) {
	if r.notifier == nil {
		return
	}
	nt := r.notices[id]
	if nt == nil {
		nt = &notice{alarm: id}
		r.notices[id] = nt
	}
	nt.want = &noticeChange{n: n}
	r.work(nt)
}

// closeNotice asks for alarm id's notification to be closed. Caller holds r.mu.
func (r *Ringer) closeNotice(id int) {
	nt := r.notices[id]
	if nt == nil {
		return
	}
	if nt.id == 0 && !nt.working {
		delete(r.notices, id)
		return
	}
	nt.want = &noticeChange{close: true}
	r.work(nt)
}

// work starts nt's worker unless it runs. Caller holds r.mu.
func (r *Ringer) work(nt *notice) {
	if nt.working {
		return
	}
	nt.working = true
	r.noticeWorkers++
	go r.runNotice(nt)
}

// runNotice carries out nt's changes until none is left. It holds r.mu only between bus calls.
func (r *Ringer) runNotice(nt *notice) {
	for {
		r.mu.Lock()
		ch := nt.want
		if ch == nil {
			nt.working = false
			if nt.id == 0 && r.notices[nt.alarm] == nt {
				delete(r.notices, nt.alarm)
			}
			if r.noticeWorkers--; r.noticeWorkers == 0 && r.noticesIdle != nil {
				close(r.noticesIdle)
				r.noticesIdle = nil
			}
			r.mu.Unlock()
			return
		}
		nt.want = nil
		shown := nt.id
		done := make(chan struct{})
		nt.done = done
		r.mu.Unlock()

		if ch.close {
			r.closeOnServer(nt, shown)
		} else {
			r.showOnServer(nt, shown, ch.n)
		}
		close(done)
	}
}

func (r *Ringer) showOnServer(nt *notice, shown uint32, n notifier.Notification) {
	n.Replaces, n.AppIcon, n.Icon, n.Category = shown, r.appIcon, r.icon, "alarm"
	id, err := r.notifier.Show(n)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.noteNotifyError(err)
		return
	}
	r.notifyErr = ""
	if shown != 0 && shown != id {
		delete(r.byNotif, shown)
	}
	nt.id = id
	r.byNotif[id] = nt.alarm
}

func (r *Ringer) closeOnServer(nt *notice, shown uint32) {
	if shown == 0 {
		return
	}
	if err := r.notifier.CloseNotification(shown); err != nil {
		r.log.Debug("close notification", "alarm", nt.alarm, "err", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.byNotif, shown)
	if nt.id == shown {
		nt.id = 0
	}
}

// noticesSettled returns a channel closed once no notice has a change left to make. Caller
// holds r.mu.
func (r *Ringer) noticesSettled() <-chan struct{} {
	if r.noticeWorkers == 0 {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	if r.noticesIdle == nil {
		r.noticesIdle = make(chan struct{})
	}
	return r.noticesIdle
}

// lookupNotice maps a server notification id to its alarm. A server may send an event for a
// notification whose Notify reply has arrived but not yet been recorded by its worker; for an
// id it does not know, lookupNotice waits (at most limit, holding no lock) for the calls on the
// bus now to be answered, then looks again.
func (r *Ringer) lookupNotice(server uint32, limit time.Duration) (alarm int, ok bool) {
	r.mu.Lock()
	if id, ok := r.byNotif[server]; ok {
		r.mu.Unlock()
		return id, true
	}
	var pending []chan struct{}
	for _, nt := range r.notices {
		if nt.working && nt.done != nil {
			pending = append(pending, nt.done)
		}
	}
	r.mu.Unlock()
	if len(pending) == 0 {
		return 0, false
	}
	t := time.NewTimer(limit)
	defer t.Stop()
	for _, ch := range pending {
		select {
		case <-ch:
		case <-t.C:
			return r.knownNotice(server)
		}
	}
	return r.knownNotice(server)
}

func (r *Ringer) knownNotice(server uint32) (int, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id, ok := r.byNotif[server]
	return id, ok
}

// noticeGone records that the server closed notification server by itself (the user dismissed
// it): it must not be replaced or closed again. Caller holds r.mu.
func (r *Ringer) noticeGone(server uint32) {
	id, ok := r.byNotif[server]
	if !ok {
		return
	}
	delete(r.byNotif, server)
	if nt := r.notices[id]; nt != nil && nt.id == server {
		nt.id = 0
		if !nt.working {
			delete(r.notices, id)
		}
	}
}

// shownNotice is alarm id's notification id on the server (0: none), for tests.
func (r *Ringer) shownNotice(id int) uint32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if nt := r.notices[id]; nt != nil {
		return nt.id
	}
	return 0
}
