//go:build !linux

package doctor

// usesSessionBus: macOS and Windows have no session bus; their notifications and tray are
// native (other Unix desktops are not tested and are treated the same way).
const usesSessionBus = false

// dialogPrograms is empty: dialogs are native.
var dialogPrograms []string

// processName is not needed without a session bus.
func processName(int) string { return "" }
