//go:build !windows

package tray

import "alarmd/assets"

// trayIcon is the icon bytes systray takes on this platform: a 32 px PNG (hosts scale it down).
func trayIcon(s assets.State) ([]byte, error) { return assets.TrayPNG(s, 32) }
