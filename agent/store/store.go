// Package store keeps the alarms file, alarms.json (DESIGN §11).
//
// The file is the source of truth: every change is written to disk atomically before it becomes
// visible in memory, so the agent never shows (or rings) a state it has not saved. A file that
// cannot be read as alarms is moved aside rather than overwritten, and a file written by a newer
// alarmd is never written at all.
package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"alarmd/agent/alarm"
	"alarmd/agent/atomicfile"
)

// Version is the alarms file format this build reads and writes.
const Version = 1

// ErrReadOnly is returned by Update while the file on disk is from a newer alarmd.
var ErrReadOnly = errors.New("alarms file is from a newer alarmd; running read-only")

// corruptStamp is the UTC timestamp layout in the name a corrupt file is moved to.
const corruptStamp = "20060102T150405Z"

// Data is the content of the alarms file.
type Data struct {
	Version int           `json:"version"`
	NextID  int           `json:"next_id"`
	Paused  bool          `json:"paused,omitempty"` // "Pause all alarms"
	Alarms  []alarm.Alarm `json:"alarms"`
}

// Add gives a the next free ID, appends it, and returns the ID. IDs are never reused, not even
// after the alarm with the highest one was removed.
func (d *Data) Add(a alarm.Alarm) int {
	if d.NextID < 1 {
		d.NextID = 1
	}
	a.ID = d.NextID
	d.NextID++
	d.Alarms = append(d.Alarms, a)
	return a.ID
}

// Find returns the alarm with the given ID, for changing it in place, or nil.
func (d *Data) Find(id int) *alarm.Alarm {
	for i := range d.Alarms {
		if d.Alarms[i].ID == id {
			return &d.Alarms[i]
		}
	}
	return nil
}

// Remove deletes the alarm with the given ID and reports whether there was one.
func (d *Data) Remove(id int) bool {
	n := len(d.Alarms)
	d.Alarms = slices.DeleteFunc(d.Alarms, func(a alarm.Alarm) bool { return a.ID == id })
	return len(d.Alarms) != n
}

// clone copies d so that changing the copy cannot change d. Copying the slice is enough: an
// alarm.Alarm holds no slices, maps or pointers to mutable data (a test checks this).
func (d Data) clone() Data {
	d.Alarms = slices.Clone(d.Alarms)
	for i := range d.Alarms {
		d.Alarms[i] = d.Alarms[i].Clone()
	}
	return d
}

// Clone returns a copy of d that shares nothing with it.
func (d Data) Clone() Data { return d.clone() }

// validate reports what makes d unfit to be stored: IDs must be positive, unique and below
// NextID, so that an ID is never handed out twice.
func (d *Data) validate() error {
	seen := make(map[int]bool, len(d.Alarms))
	for _, a := range d.Alarms {
		if a.ID < 1 {
			return fmt.Errorf("alarm id %d is not a positive integer", a.ID)
		}
		if seen[a.ID] {
			return fmt.Errorf("alarm id %d occurs twice", a.ID)
		}
		seen[a.ID] = true
		if a.ID >= d.NextID {
			return fmt.Errorf("alarm id %d is not below next_id %d", a.ID, d.NextID)
		}
	}
	return nil
}

// Store is the alarms file and its current content. It is safe for concurrent use.
type Store struct {
	path string
	now  func() time.Time // names corrupt files; injected by tests

	// updateMu serialises Update and Reload, the only writers of the fields below. They hold
	// mu just long enough to swap in the new state, so Snapshot never waits for an fsync.
	updateMu sync.Mutex
	mu       sync.RWMutex
	data     Data
	// saved is the SHA-256 of the data as last written or read (normalised), to tell whether
	// Update changed anything; the encoding itself would be the size of the file (2 MB at
	// 10 000 alarms) held for the agent's lifetime.
	saved    [sha256.Size]byte
	readOnly bool
	warning  string
}

// Open loads the alarms file at path. A missing file is an empty store (NextID 1); the file is
// created on the first change, together with its directory (0700) if that is missing.
//
// A file that does not parse, has a version below 1, or has invalid or duplicate IDs is renamed
// to alarms.json.corrupt-<UTC timestamp>, and the store starts empty with a Warning. A file with a
// higher version than this build knows makes the store read-only, with a Warning; it is never
// written. Only a file that cannot be read at all (permissions, I/O) is an error.
//
// Leftover temporary files from a write that was interrupted by a crash are removed.
func Open(path string) (*Store, error) {
	return open(path, time.Now)
}

func open(path string, now func() time.Time) (*Store, error) {
	s := &Store{path: path, now: now}
	s.updateMu.Lock()
	defer s.updateMu.Unlock()
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

// Path is the alarms file.
func (s *Store) Path() string { return s.path }

// Warning is "" or one line describing what went wrong with the file at the last load, for
// status, log and notification. The store has already logged it.
func (s *Store) Warning() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.warning
}

// ReadOnly reports whether Update refuses every change (see ErrReadOnly).
func (s *Store) ReadOnly() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.readOnly
}

// Snapshot returns a copy of the current data that the caller may keep and change freely.
func (s *Store) Snapshot() Data {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.data.clone()
}

// Update applies fn to a copy of the data. If fn returns nil and changed something, the copy
// is written to the file atomically and only then becomes the current data; if the write fails
// the current data stays as it was and the error is returned as "save alarms: ...". An error
// from fn is returned unchanged and nothing is written. Updates are serialised; fn may call
// Snapshot but not Update or Reload, which would deadlock.
//
// fn cannot change the format version, and data with invalid IDs (see Data.Add) is refused
// rather than written, since the next load would treat it as corrupt.
func (s *Store) Update(fn func(d *Data) error) error {
	_, err := s.update(fn, false)
	return err
}

// UpdateThenSync is Update for the one write that sits in front of a ring: the new file is in
// place (written and renamed, so any process reading it, or the agent after a crash, sees the
// change) when it returns, and the returned sync makes it durable against a power cut (fsync of
// the file and of the directory). Calling sync after the ring has started takes the ~3 ms of
// fsyncs off the due → notification path without ever ringing an unrecorded occurrence in a
// running system. sync is never nil; it is a no-op when nothing was written.
func (s *Store) UpdateThenSync(fn func(d *Data) error) (sync func(), err error) {
	return s.update(fn, true)
}

func (s *Store) update(fn func(d *Data) error, deferSync bool) (func(), error) {
	syncLater, err := s.updateLocked(fn, deferSync)
	if err != nil || syncLater == nil {
		return func() {}, err
	}
	return func() {
		if err := syncLater(); err != nil {
			slog.Warn("could not sync the alarms file after saving", "path", s.path, "err", err)
		}
	}, nil
}

// updateLocked applies fn and writes the result. With deferSync the write is not yet durable
// and the returned function (nil when nothing was written) makes it so.
func (s *Store) updateLocked(fn func(d *Data) error, deferSync bool) (syncLater func() error, err error) {
	s.updateMu.Lock()
	defer s.updateMu.Unlock()
	// Holding updateMu, nobody else changes the fields, so reading them needs no mu.
	if s.readOnly {
		return nil, ErrReadOnly
	}
	next := s.data.clone()
	if err := fn(&next); err != nil {
		return nil, err
	}
	next.Version = Version
	if next.Alarms == nil {
		next.Alarms = []alarm.Alarm{} // "alarms": [] rather than null in the file
	}
	if err := next.validate(); err != nil {
		return nil, fmt.Errorf("save alarms: %w", err)
	}
	b, err := encode(&next)
	if err != nil {
		return nil, fmt.Errorf("save alarms: %w", err)
	}
	sum := sha256.Sum256(b)
	if sum == s.saved {
		return nil, nil
	}
	if deferSync {
		syncLater, err = atomicfile.WriteFileSyncLater(s.path, b, 0o600)
	} else {
		err = atomicfile.WriteFile(s.path, b, 0o600)
	}
	if errors.Is(err, atomicfile.ErrNotDurable) {
		// The new content is in place and is what a reader now sees, so the write counts as
		// done; only its survival across a power cut is in doubt.
		slog.Warn("could not sync the alarms directory after saving", "path", s.path, "err", err)
		err = nil
	}
	if err != nil {
		return nil, fmt.Errorf("save alarms: %w", err)
	}
	s.mu.Lock()
	s.data, s.saved = next, sum
	s.mu.Unlock()
	return syncLater, nil
}

// Reload re-reads the file (on SIGHUP), with the same handling of missing, corrupt and newer
// files as Open. If the file cannot be read at all, the current data is kept and the error is
// returned. Warning and ReadOnly then describe the new load.
func (s *Store) Reload() error {
	s.updateMu.Lock()
	defer s.updateMu.Unlock()
	return s.load()
}

// load reads the file into s. The caller holds s.updateMu. On an error s is unchanged.
func (s *Store) load() error {
	removeStaleTemps(s.path)

	raw, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		s.set(Data{Version: Version, NextID: 1}, false, "")
		return nil
	}
	if err != nil {
		return fmt.Errorf("load alarms: %w", err)
	}

	d, version, problem := decode(raw)
	switch {
	case problem == nil && version > Version:
		warning := fmt.Sprintf("alarms file %s has format version %d, newer than this alarmd understands (%d); running read-only",
			s.path, version, Version)
		slog.Warn("alarms file is from a newer alarmd; not writing it", "path", s.path, "version", version, "known", Version)
		// Show what we can of it, but never write it back (readOnly).
		s.set(d, true, warning)
		return nil
	case problem == nil:
		s.set(d, false, "")
		return nil
	}

	aside, err := s.moveAside()
	if err != nil {
		// Starting empty and writable would overwrite the file on the first change; staying
		// read-only keeps the agent running without losing what may still be recoverable.
		warning := fmt.Sprintf("alarms file %s is unreadable (%v) and could not be moved aside (%v); running read-only", s.path, problem, err)
		slog.Error("alarms file is corrupt and could not be moved aside", "path", s.path, "problem", problem, "err", err)
		s.set(Data{Version: Version, NextID: 1}, true, warning)
		return nil
	}
	warning := fmt.Sprintf("alarms file was corrupt (%v); kept as %s and started with no alarms", problem, aside)
	slog.Warn("alarms file was corrupt; moved aside and started empty", "path", s.path, "problem", problem, "kept_as", aside)
	s.set(Data{Version: Version, NextID: 1}, false, warning)
	return nil
}

// set replaces the in-memory state after a load.
func (s *Store) set(d Data, readOnly bool, warning string) {
	if d.Alarms == nil {
		d.Alarms = []alarm.Alarm{}
	}
	var saved [sha256.Size]byte
	if b, err := encode(&d); err == nil { // only for change detection: a failure means "changed"
		saved = sha256.Sum256(b)
	}
	s.mu.Lock()
	s.data, s.saved, s.readOnly, s.warning = d, saved, readOnly, warning
	s.mu.Unlock()
}

// decode parses a file. It returns the version found (even when it is newer than Version, so
// the caller can say so) and a problem when the file must be treated as corrupt. Unknown fields
// are accepted: a newer alarmd of the same format version may have added some.
func decode(raw []byte) (d Data, version int, problem error) {
	if err := json.Unmarshal(raw, &d); err != nil {
		if v, ok := peekVersion(raw); ok && v > Version {
			// A newer format may change field types; it is not corrupt, just not ours.
			return Data{Version: v, NextID: 1, Alarms: []alarm.Alarm{}}, v, nil
		}
		return Data{}, 0, fmt.Errorf("not valid alarms JSON: %w", err)
	}
	if d.Version > Version {
		return d, d.Version, nil
	}
	if d.Version < 1 {
		return Data{}, d.Version, fmt.Errorf("version %d is not a valid format version", d.Version)
	}
	if d.NextID < 1 {
		// next_id is only a high-water mark; a missing one is rebuilt from the IDs below.
		d.NextID = 1
	}
	repaired := false
	for _, a := range d.Alarms {
		if a.ID >= d.NextID {
			d.NextID, repaired = a.ID+1, true
		}
	}
	if err := d.validate(); err != nil {
		return Data{}, d.Version, err
	}
	if repaired {
		slog.Warn("alarms file next_id was not above every alarm id; raised it so no id is reused", "next_id", d.NextID)
	}
	return d, d.Version, nil
}

// peekVersion reads only the version field, for files that a newer alarmd wrote in a shape
// this build cannot decode fully.
func peekVersion(raw []byte) (int, bool) {
	var v struct {
		Version int `json:"version"`
	}
	if json.Unmarshal(raw, &v) != nil {
		return 0, false
	}
	return v.Version, true
}

// encode renders d as the file content: indented, because people read and edit this file.
//
// The layout puts one alarm on each line: a person can still read and diff the file, and it
// costs half of what indenting every field does (48 ms against 22 ms for 10 000 alarms, and
// every change rewrites the whole file).
func encode(d *Data) ([]byte, error) {
	head, err := json.Marshal(struct {
		Version int  `json:"version"`
		NextID  int  `json:"next_id"`
		Paused  bool `json:"paused,omitempty"`
	}{d.Version, d.NextID, d.Paused})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(len(head) + 256*len(d.Alarms) + 16) // a typical line is ~230 bytes: one allocation
	buf.Write(head[:len(head)-1])                // without the closing brace
	buf.WriteString(`,"alarms":[`)
	// An Encoder writes straight into buf (json.Marshal would allocate each line first); it
	// ends each value with a newline, which the separator then replaces.
	enc := json.NewEncoder(&buf)
	for i := range d.Alarms {
		if i > 0 {
			buf.Truncate(buf.Len() - 1)
			buf.WriteByte(',')
		}
		buf.WriteString("\n  ")
		if err := enc.Encode(&d.Alarms[i]); err != nil {
			return nil, err
		}
	}
	if len(d.Alarms) > 0 {
		buf.Truncate(buf.Len() - 1)
	}
	buf.WriteString("\n]}\n")
	return buf.Bytes(), nil
}

// moveAside renames the file to alarms.json.corrupt-<UTC timestamp>, adding -2, -3, … when a
// file of that name already exists so that an earlier corrupt copy is never replaced.
func (s *Store) moveAside() (string, error) {
	base := s.path + ".corrupt-" + s.now().UTC().Format(corruptStamp)
	for i := 1; i <= 100; i++ {
		name := base
		if i > 1 {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		_, err := os.Lstat(name)
		if err == nil {
			continue
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		if err := os.Rename(s.path, name); err != nil {
			return "", err
		}
		return name, nil
	}
	return "", fmt.Errorf("too many files named %s*", base)
}

// removeStaleTemps deletes temporary files a crashed write left behind. Only one agent runs at
// a time (the pidfile lock) and writes hold s.updateMu, so none of them is still being written.
func removeStaleTemps(path string) {
	dir, prefix := filepath.Dir(path), atomicfile.TempPrefix(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return // a missing dir has no leftovers; any other problem shows up when reading the file
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) || !e.Type().IsRegular() {
			continue
		}
		m := filepath.Join(dir, e.Name())
		if err := os.Remove(m); err != nil && !errors.Is(err, fs.ErrNotExist) {
			slog.Warn("could not remove a leftover temporary alarms file", "path", m, "err", err)
			continue
		}
		slog.Info("removed a leftover temporary alarms file from an interrupted write", "path", m)
	}
}
