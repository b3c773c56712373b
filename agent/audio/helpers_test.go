package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"log/slog"
	"math"
	"os"
	"sync"
	"testing"
)

// writeSineWAV writes a mono 16-bit PCM WAV file of a sine tone.
func writeSineWAV(t *testing.T, path string, rate int, seconds, freq, amp float64) {
	t.Helper()
	n := int(math.Round(seconds * float64(rate)))
	var b bytes.Buffer
	w := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	w(uint32(36 + 2*n))
	b.WriteString("WAVEfmt ")
	w(uint32(16))
	w(uint16(1))
	w(uint16(1))
	w(uint32(rate))
	w(uint32(2 * rate))
	w(uint16(2))
	w(uint16(16))
	b.WriteString("data")
	w(uint32(2 * n))
	for i := range n {
		w(int16(math.Round(amp * 32767 * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))))
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// rampSource is a seekable mono test source whose frame i has the value
// vals[i]; with failAt >= 0 it reports an error once it reaches that frame.
type rampSource struct {
	vals   []float64
	pos    int
	failAt int
	err    error
	closed bool
}

func newRamp(n int) *rampSource {
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = float64(i+1) / float64(n)
	}
	return &rampSource{vals: vals, failAt: -1}
}

func constSource(n int, v float64) *rampSource {
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = v
	}
	return &rampSource{vals: vals, failAt: -1}
}

func (r *rampSource) Stream(samples [][2]float64) (int, bool) {
	if r.err != nil {
		return 0, false
	}
	n := 0
	for n < len(samples) && r.pos < len(r.vals) {
		if r.pos == r.failAt {
			r.err = errors.New("disk on fire")
			return n, n > 0
		}
		samples[n] = [2]float64{r.vals[r.pos], r.vals[r.pos]}
		n++
		r.pos++
	}
	return n, n > 0
}

func (r *rampSource) Err() error    { return r.err }
func (r *rampSource) Len() int      { return len(r.vals) }
func (r *rampSource) Position() int { return r.pos }
func (r *rampSource) Seek(p int) error {
	r.pos = p
	return nil
}
func (r *rampSource) Close() error {
	r.closed = true
	return nil
}

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// countLines returns how many lines of s contain sub.
func countLines(s, sub string) int {
	n := 0
	for _, line := range bytes.Split([]byte(s), []byte("\n")) {
		if bytes.Contains(line, []byte(sub)) {
			n++
		}
	}
	return n
}

func newTestLogger(w *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, nil))
}
