package app

import (
	"context"
	"fmt"
	"time"

	"alarmd/agent/autostart"
)

// loginItem backs the tray's "Start at login" checkbox with the autostart entries of DESIGN §9:
// checked when an entry that starts this binary is active; ticking it writes the platform's
// default kind (keeping a systemd unit if that is what the user chose), unticking removes it.
type loginItem struct{ m *autostart.Manager }

func newLoginItem() (*loginItem, error) {
	m, err := autostart.New(autostart.Options{})
	if err != nil {
		return nil, fmt.Errorf("start at login: %w", err)
	}
	return &loginItem{m: m}, nil
}

func (l *loginItem) Enabled() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := l.m.Status(ctx)
	if err != nil {
		return false
	}
	e, ok := st.Active()
	return ok && e.Current
}

func (l *loginItem) SetEnabled(on bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
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
