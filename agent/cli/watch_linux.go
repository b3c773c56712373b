package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// waitForAgent returns once alive reports an agent again, watching the socket's directory with
// inotify instead of asking again and again: it asks once the watch is in place (so a start
// in between is not missed), after each file created there, and — as a safety net should an
// event be missed while the old agent winds down — every recheck. This costs the watcher, not
// an agent: none runs meanwhile. It returns ctx's error when interrupted.
func waitForAgent(ctx context.Context, socket string, alive func() bool) error {
	dir := filepath.Dir(socket)
	for ctx.Err() == nil {
		// The directory may not exist yet (the agent makes it): watch its parent until it does.
		watch := dir
		if _, err := os.Stat(dir); err != nil {
			watch = filepath.Dir(dir)
		}
		if err := waitForCreate(ctx, watch, alive); err != nil {
			return err
		}
		if alive() {
			return nil
		}
	}
	return ctx.Err()
}

// recheckEvery is the safety net's period while no agent runs.
const recheckEvery = 2 * time.Second

// waitForCreate blocks until something is created in dir, alive answers, or ctx ends.
func waitForCreate(ctx context.Context, dir string, alive func() bool) error {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return fmt.Errorf("inotify: %w", err)
	}
	f := os.NewFile(uintptr(fd), "inotify")
	defer f.Close()
	if _, err := unix.InotifyAddWatch(fd, dir, unix.IN_CREATE|unix.IN_MOVED_TO); err != nil {
		return fmt.Errorf("watch %s: %w", dir, err)
	}
	if alive() {
		return nil
	}
	done := make(chan struct{})
	defer close(done)
	recheck := time.NewTimer(recheckEvery)
	defer recheck.Stop()
	go func() {
		select {
		case <-ctx.Done():
			f.Close() // ends the read below
		case <-recheck.C:
			f.Close()
		case <-done:
		}
	}()
	buf := make([]byte, 4096)
	_, _ = f.Read(buf) // in the poller until something is created
	return ctx.Err()
}

// whenReaderGone returns a context that ends when the reader of out, a pipe, goes away: a status
// bar that exits (a reload, a logout) takes its `alarmd watch` with it, without waiting for the
// next line to fail. A goroutine sits in poll(2) on the pipe with no events asked for, which
// reports only POLLERR/POLLHUP: no wakeups meanwhile. Anything other than a pipe is left alone.
func whenReaderGone(ctx context.Context, out any) context.Context {
	f, ok := out.(*os.File)
	if !ok {
		return ctx
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO {
		return ctx
	}
	ctx, cancel := context.WithCancel(ctx)
	fd := int(f.Fd())
	go func() {
		fds := []unix.PollFd{{Fd: int32(fd), Events: 0}}
		for {
			n, err := unix.Poll(fds, -1)
			if err == unix.EINTR {
				continue
			}
			if err != nil || (n > 0 && fds[0].Revents&(unix.POLLERR|unix.POLLHUP|unix.POLLNVAL) != 0) {
				cancel()
				return
			}
		}
	}()
	return ctx
}
