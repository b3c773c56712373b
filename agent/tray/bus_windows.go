package tray

// connectBus: the Windows notification area needs no bus; the icon is shown once the message
// loop runs.
func connectBus() (probe func() (string, bool), closeBus func(), reason string) {
	return func() (string, bool) { return "shown (notification area)", true }, func() {}, ""
}

// refreshLoginOnRedraw: fyne.io/systray reports no "menu opened" on Windows, so each redraw
// rereads the start-at-login state, off the menu's goroutine (a registry read, no systemctl).
const refreshLoginOnRedraw = true
