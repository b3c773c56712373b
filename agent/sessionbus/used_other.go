//go:build !linux

package sessionbus

// Used is false on macOS and Windows, whose notifications and tray are native (other systems
// are not tested and are treated the same way): nothing there needs a session bus.
const Used = false
