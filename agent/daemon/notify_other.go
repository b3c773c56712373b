// Platforms other than Linux (macOS, Windows, the BSDs): no systemd readiness notification.
//go:build !linux

package daemon

// NotifyReady is systemd's readiness notification; there is no systemd here, so it does
// nothing.
func NotifyReady() error { return nil }

// NotifyStopping is systemd's stopping notification; there is no systemd here, so it does
// nothing.
func NotifyStopping() error { return nil }
