package app

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"alarmd/agent/autostart"
)

// TestLoginItemCachesTheState: Enabled, which every tray redraw calls, never reads the entries
// (nor runs systemctl); Refresh and SetEnabled do, and Enabled then says what they found.
func TestLoginItemCachesTheState(t *testing.T) {
	root := t.TempDir()
	exe := filepath.Join(root, "bin", "alarmd")
	if err := os.MkdirAll(filepath.Dir(exe), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, []byte("#!/bin/sh\nexit 0\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	var systemctl atomic.Int32
	opts := autostart.Options{
		ConfigHome: filepath.Join(root, "config"),
		Home:       filepath.Join(root, "home"),
		Exe:        exe,
		Systemctl: func(context.Context, ...string) ([]byte, error) {
			systemctl.Add(1)
			return []byte("Failed to connect to bus: No medium found\n"), os.ErrNotExist // no user manager
		},
	}
	m, err := autostart.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	l := &loginItem{m: m}
	elsewhere, err := autostart.New(opts) // `alarmd autostart` in another process
	if err != nil {
		t.Fatal(err)
	}

	if l.Enabled() {
		t.Error("enabled before anything was read")
	}
	if err := l.SetEnabled(true); err != nil {
		t.Fatalf("SetEnabled(true): %v", err)
	}
	if !l.Enabled() {
		t.Fatal("not enabled after SetEnabled(true)")
	}
	if _, err := elsewhere.Disable(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := systemctl.Load()
	for range 3 {
		if !l.Enabled() {
			t.Fatal("Enabled read the entries afresh")
		}
	}
	if n := systemctl.Load() - before; n != 0 {
		t.Errorf("Enabled ran systemctl %d times", n)
	}
	if err := l.Refresh(); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if l.Enabled() {
		t.Error("still enabled after Refresh saw the entry removed")
	}
	if err := l.SetEnabled(true); err != nil || !l.Enabled() {
		t.Fatalf("SetEnabled(true) again: %v, enabled %v", err, l.Enabled())
	}
	if err := l.SetEnabled(false); err != nil || l.Enabled() {
		t.Fatalf("SetEnabled(false): %v, enabled %v", err, l.Enabled())
	}
}
