package daemon

import (
	"fmt"
	"net"
	"os"
	"strconv"
)

// NotifyReady tells systemd (Type=notify) that the agent is up: "READY=1" with MAINPID, sent
// to $NOTIFY_SOCKET. It does nothing when the variable is unset.
func NotifyReady() error {
	return sdNotify("READY=1\nMAINPID=" + strconv.Itoa(os.Getpid()))
}

// NotifyStopping tells systemd the agent is shutting down. It does nothing when
// $NOTIFY_SOCKET is unset.
func NotifyStopping() error {
	return sdNotify("STOPPING=1")
}

// sdNotify sends one datagram to $NOTIFY_SOCKET. The variable is kept: both messages of the
// agent's life go to the same socket.
func sdNotify(state string) error {
	socket := os.Getenv("NOTIFY_SOCKET")
	if socket == "" {
		return nil
	}
	// A path, or '@' for the abstract namespace, which Go's net package maps to a leading NUL
	// itself. systemd's vsock: form is not used for user services.
	if socket[0] != '/' && socket[0] != '@' {
		return fmt.Errorf("sd_notify: unsupported NOTIFY_SOCKET %q", socket)
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: socket, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("sd_notify: %w", err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(state)); err != nil {
		return fmt.Errorf("sd_notify: %w", err)
	}
	return nil
}
