package clock

import (
	"bytes"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the package's goroutines to log into.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// captureLogs sends the default slog logger's output to a buffer for the
// rest of the test. Tests using it must not run in parallel.
func captureLogs(t *testing.T) *syncBuffer {
	t.Helper()
	buf := &syncBuffer{}
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(buf, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	return buf
}

// waitEvent waits at most d for an event; 0 means none came.
func waitEvent(ch <-chan Event, d time.Duration) Event {
	select {
	case ev := <-ch:
		return ev
	case <-time.After(d):
		return 0
	}
}
