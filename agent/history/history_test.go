package history

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)

func entry(i int, ended time.Time) Entry {
	return Entry{ID: i, Label: fmt.Sprintf("alarm %d", i), Due: ended.Add(-time.Minute), Rang: ended.Add(-time.Minute), Ended: ended, End: Stopped, From: FromCLI}
}

func open(t *testing.T, path string, now func() time.Time) *Log {
	t.Helper()
	l, err := Open(path, now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func TestAppendReadAndMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "history.jsonl")
	l := open(t, path, func() time.Time { return t0 })
	for i := 1; i <= 3; i++ {
		if err := l.Append(entry(i, t0.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	got, err := l.Read(Query{})
	if err != nil || len(got) != 3 || got[0].ID != 1 || got[2] != entry(3, t0.Add(3*time.Minute)) {
		t.Fatalf("Read = %+v, %v", got, err)
	}
	if got, _ := l.Read(Query{ID: 2}); len(got) != 1 || got[0].ID != 2 {
		t.Errorf("Read id 2 = %+v", got)
	}
	if got, _ := l.Read(Query{Since: t0.Add(2 * time.Minute)}); len(got) != 2 {
		t.Errorf("Read since = %+v", got)
	}
	fi, _ := os.Stat(path)
	di, _ := os.Stat(filepath.Dir(path))
	if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
		t.Errorf("modes %v %v", fi.Mode().Perm(), di.Mode().Perm())
	}
}

// A kill -9 in the middle of an append leaves a torn last line: it is skipped on read, cut off
// at the next open, and the next append starts on a line of its own.
func TestTornLastLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.jsonl")
	l := open(t, path, func() time.Time { return t0 })
	l.Append(entry(1, t0))
	l.Close()
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"id":2,"label":"torn","due":"2026-12-0`)
	f.Close()
	if got, _ := l.Read(Query{}); len(got) != 1 {
		t.Fatalf("read with a torn line: %+v", got)
	}
	l2 := open(t, path, func() time.Time { return t0 })
	if err := l2.Append(entry(3, t0.Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	got, _ := l2.Read(Query{})
	raw, _ := os.ReadFile(path)
	if len(got) != 2 || got[1].ID != 3 || strings.Contains(string(raw), "torn") || bytes.Count(raw, []byte("\n")) != 2 {
		t.Fatalf("after the next append: %+v\n%s", got, raw)
	}
}

// The file stays bounded: past MaxEntries it is rewritten with the newest MaxEntries, but only
// every compactSlack appends; entries older than MaxAge go.
func TestBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.jsonl")
	now := t0
	l := open(t, path, func() time.Time { return now })
	rewrites := 0
	var lastSize int64
	for i := 1; i <= MaxEntries+compactSlack+1; i++ {
		if err := l.Append(entry(i, t0.Add(time.Duration(i)*time.Second))); err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Stat(path)
		if fi.Size() < lastSize { // only a rewrite makes an append-only file shorter
			rewrites++
		}
		lastSize = fi.Size()
	}
	got, _ := l.Read(Query{})
	if rewrites != 1 || len(got) != MaxEntries || got[0].ID != compactSlack+2 {
		t.Fatalf("%d rewrites, %d entries, first %d", rewrites, len(got), got[0].ID)
	}
	if fi, err := os.Stat(path); err == nil {
		t.Logf("%d entries after the rewrite: %d bytes (%d a line)", len(got), fi.Size(), fi.Size()/int64(len(got)))
	}
	// Half a year later, an append drops everything older than MaxAge.
	now = t0.Add(MaxAge + 48*time.Hour)
	l.Append(entry(9999, now))
	if got, _ := l.Read(Query{}); len(got) != 1 || got[0].ID != 9999 {
		t.Fatalf("after MaxAge: %d entries", len(got))
	}
}

func BenchmarkAppend(b *testing.B) {
	path := filepath.Join(b.TempDir(), "history.jsonl")
	l, err := Open(path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	var lat []time.Duration
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if err := l.Append(entry(i, t0.Add(time.Duration(i)*time.Second))); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	reportPercentiles(b, lat)
}
