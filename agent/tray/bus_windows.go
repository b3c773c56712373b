package tray

// EnsureBusAddress reports whether a session bus address is set; Windows has no session bus and
// the tray does not need one.
func EnsureBusAddress() bool { return false }

// connectBus: the Windows notification area needs no bus; the icon is shown once the message
// loop runs.
func connectBus() (probe func() (string, bool), closeBus func(), reason string) {
	return func() (string, bool) { return "shown (notification area)", true }, func() {}, ""
}
