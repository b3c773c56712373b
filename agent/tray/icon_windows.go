package tray

import "alarmd/assets"

// trayIcon is the icon bytes systray takes on Windows: a multi-size ICO.
func trayIcon(s assets.State) ([]byte, error) { return assets.TrayICO(s) }
