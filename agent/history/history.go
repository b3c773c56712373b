// Package history keeps the record of every alarm occurrence that ended (DESIGN §12): when it was
// due, when it rang, how it ended and where it was ended from. The file, history.jsonl, holds one
// JSON object a line and is only ever appended to, with an fsync after each entry, so a crash
// loses at most the entry being written. A torn last line (kill -9 mid-write) is cut off when
// the file is opened and skipped when it is read, so it never breaks the next append. The file is
// bounded: past MaxEntries entries, or once its oldest entry is older than MaxAge, it is
// rewritten (atomically) with what is still within both limits. That rewrite runs only once the
// file has grown compactSlack entries past the limit, not on every append.
package history

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"alarmd/agent/atomicfile"
)

// How an occurrence ended.
const (
	Stopped         = "stopped"
	NotAcknowledged = "not acknowledged"
	Missed          = "missed"
	Skipped         = "skipped"
	Paused          = "paused"
)

// Where an occurrence was ended from.
const (
	FromNotification = "notification"
	FromTray         = "tray"
	FromWindow       = "window"
	FromCLI          = "cli"
	FromAPI          = "api"
	FromAgent        = "agent" // the agent itself: a ring time ran out, a missed or paused occurrence
)

// Bounds of the file.
const (
	MaxEntries   = 2000
	MaxAge       = 180 * 24 * time.Hour
	compactSlack = 200 // entries past MaxEntries before the file is rewritten
)

// Entry is one ended occurrence.
type Entry struct {
	ID      int       `json:"id"`
	Label   string    `json:"label,omitempty"`
	Due     time.Time `json:"due"`
	Rang    time.Time `json:"rang,omitzero"` // zero when it never rang (missed, skipped, paused)
	Ended   time.Time `json:"ended"`
	End     string    `json:"end"`               // Stopped, NotAcknowledged, …
	Snoozes int       `json:"snoozes,omitempty"` // how often it was snoozed before it ended
	From    string    `json:"from"`              // FromNotification, FromTray, …
}

// Log is the history file. It is safe for concurrent use.
type Log struct {
	path string
	now  func() time.Time

	mu     sync.Mutex
	f      *os.File
	count  int       // entries in the file
	oldest time.Time // Ended of the first entry; zero when empty
}

// Open opens (creating, 0600, in a 0700 directory) the history file at path, cutting off a torn
// last line. now is the clock used for the age bound (nil: time.Now).
func Open(path string, now func() time.Time) (*Log, error) {
	if now == nil {
		now = time.Now
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("history directory: %w", err)
	}
	l := &Log{path: path, now: now}
	if err := l.open(); err != nil {
		return nil, err
	}
	return l, nil
}

// open (re)opens the file for appending and takes its measure. The caller holds l.mu or has the
// Log to itself.
func (l *Log) open() error {
	f, err := os.OpenFile(l.path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open history: %w", err)
	}
	entries, whole, err := scan(f)
	if err != nil {
		f.Close()
		return fmt.Errorf("read history: %w", err)
	}
	if err := f.Truncate(whole); err != nil { // a torn last line goes
		f.Close()
		return fmt.Errorf("cut torn history line: %w", err)
	}
	if _, err := f.Seek(whole, io.SeekStart); err != nil {
		f.Close()
		return fmt.Errorf("seek history: %w", err)
	}
	l.f, l.count, l.oldest = f, len(entries), time.Time{}
	if len(entries) > 0 {
		l.oldest = entries[0].Ended
	}
	return nil
}

// scan reads every complete entry from the start of f and returns the length of the part made of
// whole lines. Lines that are not valid entries are skipped.
func scan(f *os.File) (entries []Entry, whole int64, err error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, 0, err
	}
	r := bufio.NewReaderSize(f, 64<<10)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			whole += int64(len(line))
			var e Entry
			if json.Unmarshal(bytes.TrimSpace(line), &e) == nil && !e.Ended.IsZero() {
				entries = append(entries, e)
			}
		}
		if errors.Is(err, io.EOF) {
			return entries, whole, nil
		}
		if err != nil {
			return nil, 0, err
		}
	}
}

// Append writes e as one line and fsyncs it.
func (l *Log) Append(e Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode history entry: %w", err)
	}
	b = append(b, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return errors.New("history is closed")
	}
	if _, err := l.f.Write(b); err != nil {
		return fmt.Errorf("append history: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("sync history: %w", err)
	}
	l.count++
	if l.oldest.IsZero() {
		l.oldest = e.Ended
	}
	if l.count > MaxEntries+compactSlack || (!l.oldest.IsZero() && l.now().Sub(l.oldest) > MaxAge+24*time.Hour) {
		return l.compact()
	}
	return nil
}

// compact rewrites the file with the newest MaxEntries entries younger than MaxAge. The caller
// holds l.mu.
func (l *Log) compact() error {
	entries, _, err := scan(l.f)
	if err != nil {
		return fmt.Errorf("read history: %w", err)
	}
	entries = bounded(entries, l.now())
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, e := range entries {
		if err := enc.Encode(e); err != nil {
			return fmt.Errorf("encode history: %w", err)
		}
	}
	// Closed first: Windows cannot rename over a file that is open.
	l.f.Close()
	l.f = nil
	werr := atomicfile.WriteFile(l.path, buf.Bytes(), 0o600)
	if err := l.open(); err != nil {
		return errors.Join(werr, err)
	}
	if werr != nil {
		return fmt.Errorf("rewrite history: %w", werr)
	}
	return nil
}

// bounded keeps the newest MaxEntries of entries that ended within MaxAge of now.
func bounded(entries []Entry, now time.Time) []Entry {
	cut := 0
	for cut < len(entries) && now.Sub(entries[cut].Ended) > MaxAge {
		cut++
	}
	entries = entries[cut:]
	if len(entries) > MaxEntries {
		entries = entries[len(entries)-MaxEntries:]
	}
	return entries
}

// Query selects entries.
type Query struct {
	Since time.Time // entries that ended at or after Since (zero: all)
	ID    int       // only this alarm's (0: all)
}

// Read returns the entries q selects, oldest first, within the bounds (an entry past them that
// the file still holds before its next rewrite is left out).
func (l *Log) Read(q Query) ([]Entry, error) {
	f, err := os.Open(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open history: %w", err)
	}
	defer f.Close()
	entries, _, err := scan(f)
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	entries = bounded(entries, l.now())
	out := entries[:0]
	for _, e := range entries {
		if (q.ID == 0 || e.ID == q.ID) && !e.Ended.Before(q.Since) {
			out = append(out, e)
		}
	}
	return out, nil
}

// Close closes the file.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
