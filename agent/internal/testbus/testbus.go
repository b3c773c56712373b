//go:build linux

// Package testbus starts a private D-Bus session bus for tests: a dbus-daemon with its own
// configuration (no service activation, so nothing starts behind a test's back), listening on a
// socket in a directory the test owns, killed when the test ends.
package testbus

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// Bus is one running private bus.
type Bus struct {
	Addr   string
	cmd    *exec.Cmd
	stderr LockedBuffer
}

const config = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=SOCKET</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// Start runs a dbus-daemon listening on dir/bus (dir "" means a new temporary directory; the same
// dir gives the same address again after Stop) and stops it at the end of the test. It skips the
// test when dbus-daemon is not installed.
func Start(t testing.TB, dir string) *Bus {
	t.Helper()
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Skip("dbus-daemon is not installed (apt install dbus-daemon); this test needs a private bus")
	}
	if dir == "" {
		dir = t.TempDir()
	}
	conf := filepath.Join(dir, "bus.conf")
	socket := filepath.Join(dir, "bus")
	if err := os.WriteFile(conf, []byte(strings.Replace(config, "SOCKET", socket, 1)), 0o600); err != nil {
		t.Fatalf("write bus config: %v", err)
	}
	_ = os.Remove(socket) // a previous daemon in this dir leaves its socket behind
	b := &Bus{}
	b.cmd = exec.Command(daemon, "--config-file="+conf, "--nofork", "--nosyslog", "--print-address=1")
	// No Pdeathsig: it fires when the forking OS *thread* exits, and tests that lock threads
	// (the tray's event loop) would kill the bus under themselves. Cleanup stops it instead.
	b.cmd.Stderr = &b.stderr // chatty as root; shown on failure
	stdout, err := b.cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("dbus-daemon stdout: %v", err)
	}
	if err := b.cmd.Start(); err != nil {
		t.Fatalf("start dbus-daemon: %v", err)
	}
	t.Cleanup(func() {
		b.Stop()
		if t.Failed() {
			t.Logf("dbus-daemon stderr:\n%s", b.stderr.String())
		}
	})
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case b.Addr = <-line:
	case <-time.After(5 * time.Second):
		t.Fatal("dbus-daemon printed no address")
	}
	if b.Addr == "" {
		t.Fatal("dbus-daemon exited without an address")
	}
	return b
}

// Stop kills the daemon; it is idempotent.
func (b *Bus) Stop() {
	if b.cmd.ProcessState != nil {
		return
	}
	_ = b.cmd.Process.Kill()
	_ = b.cmd.Wait()
}

// Connect opens a connection to the bus, closed at the end of the test.
func (b *Bus) Connect(t testing.TB) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Connect(b.Addr)
	if err != nil {
		t.Fatalf("connect to the test bus: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// LockedBuffer collects output written from another goroutine (a child's stderr copied by
// os/exec, a logger): safe to read while it is written.
type LockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *LockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *LockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
