package clock

import (
	"encoding/binary"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func newWatchedClock(t *testing.T, etc testEtc) *SystemClock {
	t.Helper()
	c, err := newSystemClock(etc.config())
	if err != nil {
		t.Fatalf("newSystemClock: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if c.ZoneChanges() == nil {
		t.Fatal("no zone watching on Linux")
	}
	return c
}

func waitZoneChange(t *testing.T, c *SystemClock, what string) {
	t.Helper()
	select {
	case <-c.ZoneChanges():
	case <-time.After(time.Second):
		t.Fatalf("%s: no zone change signalled", what)
	}
}

func TestZoneChangeIsSignalledAndRead(t *testing.T) {
	etc := newTestEtc(t)
	etc.linkZone(t, "Europe/Berlin")
	c := newWatchedClock(t, etc)
	if loc := c.Location(); loc.String() != "Europe/Berlin" {
		t.Fatalf("initial location = %v", loc)
	}

	etc.linkZone(t, "Asia/Tokyo")
	waitZoneChange(t, c, "new symlink")
	if loc := c.Location(); loc.String() != "Asia/Tokyo" || offsetAt(loc) != 9*3600 {
		t.Errorf("after swap: %v (offset %d), want Asia/Tokyo", loc, offsetAt(loc))
	}

	etc.copyZone(t, "America/New_York")
	waitZoneChange(t, c, "copied file")
	if loc := c.Location(); loc.String() != "Local" || offsetAt(loc) != -5*3600 {
		t.Errorf("after copy: %v (offset %d), want Local at -18000", loc, offsetAt(loc))
	}
}

func TestZoneWatchIgnoresOtherFiles(t *testing.T) {
	etc := newTestEtc(t)
	etc.linkZone(t, "Europe/Berlin")
	// The kernel queues a write's events before the write returns, so a watch of our own, with
	// the watcher's mask, holds exactly what the watcher reads for it: no waiting to see whether
	// something is signalled, the decision is made on the real events.
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		t.Fatalf("inotify_init1: %v", err)
	}
	defer unix.Close(fd)
	if _, err := unix.InotifyAddWatch(fd, etc.dir, zoneWatchMask); err != nil {
		t.Fatalf("inotify watch: %v", err)
	}
	names := etc.config().watchedNames()
	queued := func(what string) (relevant bool) {
		t.Helper()
		buf := make([]byte, 64*(unix.SizeofInotifyEvent+unix.NAME_MAX+1))
		n, err := unix.Read(fd, buf)
		if err != nil || n <= 0 {
			t.Fatalf("%s: no inotify events queued (%d, %v)", what, n, err)
		}
		relevant, gone := scanInotifyEvents(buf[:n], names)
		if gone {
			t.Fatalf("%s: the watch went away", what)
		}
		return relevant
	}
	if err := os.WriteFile(etc.dir+"/hostname", []byte("box\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if queued("/etc/hostname written") {
		t.Error("a change to another file would be signalled")
	}
	if err := os.WriteFile(etc.dir+"/timezone", []byte("Europe/Berlin\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if !queued("/etc/timezone written") {
		t.Error("a change to /etc/timezone would not be signalled")
	}
	// And the watcher itself signals a watched file.
	c := newWatchedClock(t, etc)
	if err := os.WriteFile(etc.dir+"/timezone", []byte("Europe/Berlin\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	waitZoneChange(t, c, "/etc/timezone written")
}

func TestZoneWatcherCloseEndsGoroutine(t *testing.T) {
	etc := newTestEtc(t)
	w, err := newInotifyWatcher(etc.dir, []string{"localtime"}, func() {})
	if err != nil {
		t.Fatalf("newInotifyWatcher: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case <-w.done:
	default:
		t.Fatal("watcher goroutine still running after Close returned")
	}
}

func TestZoneWatchFailureIsNilChannel(t *testing.T) {
	logs := captureLogs(t)
	etc := newTestEtc(t)
	cfg := etc.config()
	cfg.etcDir = etc.dir + "/missing"
	c, err := newSystemClock(cfg)
	if err != nil {
		t.Fatalf("newSystemClock: %v", err)
	}
	defer func() { _ = c.Close() }()
	if c.ZoneChanges() != nil {
		t.Error("ZoneChanges is not nil although watching failed")
	}
	if logs.Len() == 0 {
		t.Error("the watch failure was not logged")
	}
}

func TestScanInotifyEvents(t *testing.T) {
	names := []string{"localtime", "timezone"}
	tests := []struct {
		name         string
		events       []rawInotifyEvent
		relevant     bool
		watchRemoved bool
	}{
		{"watched name", []rawInotifyEvent{{unix.IN_MOVED_TO, "localtime"}}, true, false},
		{"other name", []rawInotifyEvent{{unix.IN_CREATE, "hosts"}}, false, false},
		{"prefix is not a match", []rawInotifyEvent{{unix.IN_CREATE, "localtime.bak"}}, false, false},
		{"second of several", []rawInotifyEvent{{unix.IN_CREATE, "hosts"}, {unix.IN_CLOSE_WRITE, "timezone"}}, true, false},
		{"overflow", []rawInotifyEvent{{unix.IN_Q_OVERFLOW, ""}}, true, false},
		{"watch removed", []rawInotifyEvent{{unix.IN_IGNORED, ""}}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			relevant, removed := scanInotifyEvents(encodeInotifyEvents(tt.events), names)
			if relevant != tt.relevant || removed != tt.watchRemoved {
				t.Errorf("scan = %v, %v; want %v, %v", relevant, removed, tt.relevant, tt.watchRemoved)
			}
		})
	}
}

type rawInotifyEvent struct {
	mask uint32
	name string
}

// encodeInotifyEvents lays events out as the kernel does: a 16-byte header
// and the name padded with NULs to a multiple of 16.
func encodeInotifyEvents(events []rawInotifyEvent) []byte {
	var buf []byte
	for _, ev := range events {
		nameLen := 0
		if ev.name != "" {
			nameLen = (len(ev.name) + 1 + 15) / 16 * 16
		}
		hdr := make([]byte, unix.SizeofInotifyEvent)
		binary.NativeEndian.PutUint32(hdr[0:4], 1)
		binary.NativeEndian.PutUint32(hdr[4:8], ev.mask)
		binary.NativeEndian.PutUint32(hdr[12:16], uint32(nameLen))
		name := make([]byte, nameLen)
		copy(name, ev.name)
		buf = append(append(buf, hdr...), name...)
	}
	return buf
}

func TestZoneWatcherIsPolled(t *testing.T) {
	w, err := newInotifyWatcher(newTestEtc(t).dir, []string{"localtime"}, func() {})
	if err != nil {
		t.Fatalf("newInotifyWatcher: %v", err)
	}
	defer func() { _ = w.Close() }()
	if err := w.file.SetReadDeadline(time.Time{}); err != nil {
		t.Errorf("inotify fd is not in the poller: %v", err)
	}
}
