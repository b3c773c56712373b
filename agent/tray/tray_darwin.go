package tray

import (
	"context"
	"errors"
)

// Start on macOS returns a tray that shows nothing: fyne.io/systray needs cgo and the process's
// main thread there, which the agent's structure does not give it yet. State says so.
func Start(ctx context.Context, o Options) (*Tray, error) {
	if !started.CompareAndSwap(false, true) {
		return nil, errors.New("tray: already started in this process")
	}
	t := newTray(ctx, o)
	t.setState("not available on macOS in this version")
	t.log.Info("tray icon not shown: not available on macOS in this version")
	close(t.loopDone)
	close(t.exited)
	return t, nil
}
