// Platforms other than Linux (macOS, Windows, the BSDs): native dialogs, no session bus.
//go:build !linux

package doctor

// dialogPrograms is empty: dialogs are native.
var dialogPrograms []string

// processName is not needed without a session bus.
func processName(int) string { return "" }
