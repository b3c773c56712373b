package daemon

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func listenNotify(t *testing.T, name string) *net.UnixConn {
	t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", name)
	return conn
}

func receive(t *testing.T, conn *net.UnixConn) string {
	t.Helper()
	if err := conn.SetReadDeadline(time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, _, err := conn.ReadFrom(buf)
	if err != nil {
		t.Fatalf("no notification: %v", err)
	}
	return string(buf[:n])
}

func TestNotifyPathSocket(t *testing.T) {
	conn := listenNotify(t, filepath.Join(t.TempDir(), "notify"))
	if err := NotifyReady(); err != nil {
		t.Fatalf("NotifyReady: %v", err)
	}
	if got, want := receive(t, conn), "READY=1\nMAINPID="+strconv.Itoa(os.Getpid()); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if err := NotifyStopping(); err != nil {
		t.Fatalf("NotifyStopping: %v", err)
	}
	if got := receive(t, conn); got != "STOPPING=1" {
		t.Fatalf("got %q, want STOPPING=1", got)
	}
}

func TestNotifyAbstractSocket(t *testing.T) {
	conn := listenNotify(t, fmt.Sprintf("@alarmd-test-notify-%d-%d", os.Getpid(), time.Now().UnixNano()))
	if err := NotifyReady(); err != nil {
		t.Fatalf("NotifyReady: %v", err)
	}
	if got := receive(t, conn); got[:8] != "READY=1\n" {
		t.Fatalf("got %q", got)
	}
}

func TestNotifyUnsetIsNoop(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	if err := NotifyReady(); err != nil {
		t.Fatalf("NotifyReady without socket: %v", err)
	}
}

func TestNotifyErrors(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "vsock:2:1234")
	if err := NotifyReady(); err == nil {
		t.Fatal("vsock address should be refused")
	}
	t.Setenv("NOTIFY_SOCKET", filepath.Join(t.TempDir(), "nobody-listens"))
	if err := NotifyReady(); err == nil {
		t.Fatal("missing socket should be an error")
	}
}
