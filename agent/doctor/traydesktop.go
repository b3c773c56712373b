package doctor

import (
	"os"
	"strings"
)

// trayHostFix names what to install for a tray icon on the desktop XDG_CURRENT_DESKTOP names
// (DESIGN §14): GNOME draws no StatusNotifierItems without an extension; panels that only know
// the old XEmbed tray need a StatusNotifierItem host. The Alarms window works either way.
func trayHostFix(desktop string) string {
	const window = "; meanwhile open your alarms from the app menu or with: alarmd open"
	d := strings.ToLower(desktop)
	switch {
	case strings.Contains(d, "gnome") || strings.Contains(d, "unity") || strings.Contains(d, "ubuntu"):
		return "on GNOME, install the AppIndicator and KStatusNotifierItem Support extension " +
			"(sudo apt install gnome-shell-extension-appindicator, then log in again)" + window
	case strings.Contains(d, "kde"), strings.Contains(d, "xfce"), strings.Contains(d, "lxqt"),
		strings.Contains(d, "budgie"), strings.Contains(d, "cinnamon"), strings.Contains(d, "mate"):
		return "add a status notifier / system tray plugin to the panel" + window
	}
	return "the panel draws only XEmbed tray icons or none: run a StatusNotifierItem host " +
		"(e.g. xfce4-panel's status tray plugin, waybar's tray, snixembed to bridge to XEmbed)" + window
}

func currentDesktop() string { return os.Getenv("XDG_CURRENT_DESKTOP") }
