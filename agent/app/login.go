package app

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"alarmd/agent/autostart"
)

// loginItem backs the tray's "Start at login" checkbox with the autostart entries of DESIGN §9:
// checked when an entry that starts this binary is active; ticking it writes the platform's
// default kind (keeping a systemd unit if that is what the user chose), unticking removes it.
//
// Reading the entries may run systemctl, so Enabled reports a cached state that only Refresh
// and SetEnabled (which the tray calls off its menu goroutine) read afresh.
type loginItem struct {
	m       *autostart.Manager
	enabled atomic.Bool
}

func newLoginItem() (*loginItem, error) {
	m, err := autostart.New(autostart.Options{})
	if err != nil {
		return nil, fmt.Errorf("start at login: %w", err)
	}
	return &loginItem{m: m}, nil
}

// Enabled is the state the last Refresh or SetEnabled found (false before the first).
func (l *loginItem) Enabled() bool { return l.enabled.Load() }

// Refresh reads the entries again; when they cannot be read the item shows unchecked.
func (l *loginItem) Refresh() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	on, err := l.read(ctx)
	l.enabled.Store(on)
	return err
}

func (l *loginItem) read(ctx context.Context) (bool, error) {
	st, err := l.m.Status(ctx)
	if err != nil {
		return false, fmt.Errorf("start at login: %w", err)
	}
	e, ok := st.Active()
	return ok && e.Current, nil
}

// SetEnabled writes or removes the entry and updates what Enabled reports.
func (l *loginItem) SetEnabled(on bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := l.set(ctx, on)
	// Show what the entries say now (a failed change may be half done; another entry may win).
	if now, rerr := l.read(ctx); rerr == nil {
		l.enabled.Store(now)
	} else if err == nil {
		l.enabled.Store(on)
	}
	return err
}

func (l *loginItem) set(ctx context.Context, on bool) error {
	if !on {
		_, err := l.m.Disable(ctx)
		return err
	}
	kind := l.m.Default()
	if st, err := l.m.Status(ctx); err == nil {
		if e, ok := st.Active(); ok {
			kind = e.Kind // re-point the kind the user already uses at this binary
		}
	}
	_, err := l.m.Enable(ctx, kind)
	return err
}
