package clock

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"

	"golang.org/x/sys/unix"
)

// defaultZoneConfig is where Linux keeps its zone, as Go reads it at start.
func defaultZoneConfig() zoneConfig {
	return zoneConfig{etcDir: "/etc", localtimePath: "/etc/localtime", lookupEnv: os.LookupEnv}
}

// watchZone watches dir for changes to the named entries, calling onChange
// and then signalling the returned channel. If inotify is unavailable it
// logs one line and returns a nil channel and a nil closer.
func watchZone(dir string, names []string, onChange func()) (<-chan struct{}, io.Closer) {
	w, err := newInotifyWatcher(dir, names, onChange)
	if err != nil {
		slog.Warn("cannot watch for time zone changes; the zone is still re-read on clock jumps and before each ring", "err", err)
		return nil, nil
	}
	return w.changes, w
}

// zoneWatchMask covers every way tools replace /etc/localtime: timedatectl
// renames a new symlink over it (IN_MOVED_TO), others delete and create it,
// or rewrite it in place (IN_CLOSE_WRITE), or only touch it (IN_ATTRIB).
// IN_MOVED_FROM catches it being renamed away.
const zoneWatchMask = unix.IN_CREATE | unix.IN_MOVED_TO | unix.IN_MOVED_FROM |
	unix.IN_DELETE | unix.IN_CLOSE_WRITE | unix.IN_ATTRIB | unix.IN_ONLYDIR

// inotifyWatcher reads a non-blocking inotify fd through Go's poller, so its
// goroutine is parked until the directory changes.
type inotifyWatcher struct {
	file     *os.File
	names    []string
	onChange func()
	changes  chan struct{}
	done     chan struct{}
}

func newInotifyWatcher(dir string, names []string, onChange func()) (*inotifyWatcher, error) {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("inotify_init1: %w", err)
	}
	if _, err := unix.InotifyAddWatch(fd, dir, zoneWatchMask); err != nil {
		_ = unix.Close(fd)
		return nil, fmt.Errorf("inotify watch %s: %w", dir, err)
	}
	w := &inotifyWatcher{
		file:     os.NewFile(uintptr(fd), "inotify"),
		names:    names,
		onChange: onChange,
		changes:  make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
	go w.run()
	return w, nil
}

// Close stops the watcher; closing the file wakes the pending Read.
func (w *inotifyWatcher) Close() error {
	err := w.file.Close()
	<-w.done
	if err != nil && !errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("close inotify: %w", err)
	}
	return nil
}

func (w *inotifyWatcher) run() {
	defer close(w.done)
	// Room for many events with names up to NAME_MAX.
	buf := make([]byte, 16*(unix.SizeofInotifyEvent+unix.NAME_MAX+1))
	for {
		n, err := w.file.Read(buf)
		if err != nil {
			if !errors.Is(err, os.ErrClosed) {
				slog.Error("read inotify; no longer watching for time zone changes", "err", err)
			}
			return
		}
		relevant, gone := scanInotifyEvents(buf[:n], w.names)
		if relevant {
			w.onChange()
			signal(w.changes)
		}
		if gone {
			slog.Warn("watched directory went away; no longer watching for time zone changes")
			return
		}
	}
}

// scanInotifyEvents decodes a buffer of inotify events. relevant: one of
// them concerns a watched name, or events were lost (queue overflow), so
// a change may have been missed. gone: the watch was removed (the directory
// was deleted or unmounted), so no further events will come.
func scanInotifyEvents(buf []byte, names []string) (relevant, gone bool) {
	for len(buf) >= unix.SizeofInotifyEvent {
		mask := binary.NativeEndian.Uint32(buf[4:8])
		nameLen := int(binary.NativeEndian.Uint32(buf[12:16]))
		end := unix.SizeofInotifyEvent + nameLen
		if end > len(buf) {
			return relevant, gone // truncated; the kernel never does this
		}
		name := string(bytes.TrimRight(buf[unix.SizeofInotifyEvent:end], "\x00"))
		buf = buf[end:]
		switch {
		case mask&unix.IN_Q_OVERFLOW != 0:
			relevant = true
		case mask&unix.IN_IGNORED != 0:
			gone = true
		case slices.Contains(names, name):
			relevant = true
		}
	}
	return relevant, gone
}
