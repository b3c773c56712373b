package doctor

import (
	"strings"
	"testing"
)

func TestTrayHostFixNamesTheDesktopsFix(t *testing.T) {
	for desktop, want := range map[string]string{
		"GNOME":        "AppIndicator and KStatusNotifierItem Support extension",
		"ubuntu:GNOME": "gnome-shell-extension-appindicator",
		"XFCE":         "system tray plugin",
		"":             "StatusNotifierItem host",
		"i3":           "snixembed",
	} {
		got := trayHostFix(desktop)
		if !strings.Contains(got, want) || !strings.Contains(got, "alarmd open") {
			t.Errorf("trayHostFix(%q) = %q, want it to name %q and alarmd open", desktop, got, want)
		}
	}
}
