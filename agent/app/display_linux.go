package app

import "os"

// displayProblem says why dialogs cannot open, or "" when a display is there. The agent itself
// needs no display (notifications and the tray go over D-Bus, sound over ALSA), but the tray's
// New alarm… dialogs do.
func displayProblem() string {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return "no display (DISPLAY and WAYLAND_DISPLAY are unset): the New alarm… dialogs cannot open; alarms still ring"
	}
	return ""
}
