// Package assets embeds alarmd's icons: the tray icon in its five states (PNG for Linux and
// macOS panels, ICO for Windows) and the application icon for the hicolor theme. They are
// drawn by ./gen (see internal/icongen) and licensed CC0-1.0.
package assets

import (
	"embed"
	"fmt"
	"io/fs"
)

//go:generate go run ./gen -out .

//go:embed tray icons
var files embed.FS

// State is a tray icon state.
type State string

// The tray icon states (DESIGN §10).
const (
	Set     State = "set"     // alarms set
	None    State = "none"    // no alarms
	Ringing State = "ringing" // an alarm rings
	Paused  State = "paused"  // all alarms paused
	Silent  State = "silent"  // alarms set, but the sound output is muted or below 10 % (DESIGN §16)
)

// TrayPNG returns the tray icon for s at size px (22, 24 or 32).
func TrayPNG(s State, size int) ([]byte, error) {
	return files.ReadFile(fmt.Sprintf("tray/alarmd-%s-%d.png", s, size))
}

// TrayICO returns the Windows tray icon for s (16, 20, 24 and 32 px in one file).
func TrayICO(s State) ([]byte, error) {
	return files.ReadFile(fmt.Sprintf("tray/alarmd-%s.ico", s))
}

// AppIconPNG returns the application icon at size px (16, 24, 32, 48, 64, 128 or 256).
func AppIconPNG(size int) ([]byte, error) {
	return files.ReadFile(fmt.Sprintf("icons/hicolor/%dx%d/apps/alarmd.png", size, size))
}

// Icons is the hicolor theme tree (hicolor/NxN/apps/alarmd.png, hicolor/scalable/apps/
// alarmd.svg), for installing the application icon.
func Icons() fs.FS {
	sub, err := fs.Sub(files, "icons")
	if err != nil { // cannot happen: "icons" is a valid path embedded above
		return files
	}
	return sub
}
