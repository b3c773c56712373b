package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"alarmd/agent/alarm"
)

// fixedNow is the injected clock; it names corrupt files alarms.json.corrupt-20261124T101500Z.
var fixedNow = func() time.Time { return time.Date(2026, 11, 24, 11, 15, 0, 0, time.FixedZone("CET", 3600)) }

const corruptSuffix = ".corrupt-20261124T101500Z"

func newPath(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "alarmd", "alarms.json")
}

func mustOpen(t *testing.T, path string) *Store {
	t.Helper()
	s, err := open(path, fixedNow)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	return s
}

func mustUpdate(t *testing.T, s *Store, fn func(d *Data) error) {
	t.Helper()
	if err := s.Update(fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func addLabels(labels ...string) func(d *Data) error {
	return func(d *Data) error {
		for _, l := range labels {
			d.Add(alarm.Alarm{Label: l, Enabled: true})
		}
		return nil
	}
}

// summary renders the parts of the data this package is responsible for.
func summary(d Data) string {
	var b strings.Builder
	fmt.Fprintf(&b, "v%d next=%d paused=%v", d.Version, d.NextID, d.Paused)
	for _, a := range d.Alarms {
		fmt.Fprintf(&b, " %d:%s", a.ID, a.Label)
	}
	return b.String()
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestOpenMissingFileIsEmptyAndCreatesNothing(t *testing.T) {
	path := newPath(t)
	s := mustOpen(t, path)
	if got, want := summary(s.Snapshot()), "v1 next=1 paused=false"; got != want {
		t.Errorf("empty store = %q, want %q", got, want)
	}
	if s.Warning() != "" || s.ReadOnly() {
		t.Errorf("Warning %q, ReadOnly %v; want none", s.Warning(), s.ReadOnly())
	}
	mustUpdate(t, s, func(d *Data) error { return nil }) // no change, so no write
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an unchanged Update created %s (stat err %v)", filepath.Dir(path), err)
	}
}

func TestRoundTrip(t *testing.T) {
	path := newPath(t)
	s := mustOpen(t, path)
	mustUpdate(t, s, addLabels("Wake up", "Tea", "Meeting"))
	mustUpdate(t, s, func(d *Data) error {
		if !d.Remove(3) {
			return errors.New("alarm 3 missing")
		}
		d.Find(2).Label = "Green tea"
		d.Paused = true
		return nil
	})
	want := "v1 next=4 paused=true 1:Wake up 2:Green tea"
	if got := summary(s.Snapshot()); got != want {
		t.Fatalf("after updates: %q, want %q", got, want)
	}

	s2 := mustOpen(t, path)
	if got := summary(s2.Snapshot()); got != want {
		t.Fatalf("reopened: %q, want %q", got, want)
	}
	// The removed highest ID is not handed out again.
	mustUpdate(t, s2, addLabels("Later"))
	if got := summary(s2.Snapshot()); !strings.HasSuffix(got, " 4:Later") {
		t.Errorf("new alarm after removing id 3: %q, want id 4", got)
	}

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte(`{"version":1,"next_id":5,"paused":true,"alarms":[`+"\n  {")) || bytes.Count(raw, []byte("\n")) != 3+2 {
		t.Errorf("file is not one alarm a line with next_id 5:\n%s", raw)
	}
	var plain Data
	if err := json.Unmarshal(raw, &plain); err != nil || len(plain.Alarms) != 3 {
		t.Errorf("file is not plain JSON: %v", err)
	}
}

func TestSnapshotIsACopy(t *testing.T) {
	s := mustOpen(t, newPath(t))
	mustUpdate(t, s, addLabels("one"))
	snap := s.Snapshot()
	snap.Alarms[0].Label = "changed"
	snap.Alarms = append(snap.Alarms, alarm.Alarm{ID: 99})
	snap.NextID = 42
	if got := summary(s.Snapshot()); got != "v1 next=2 paused=false 1:one" {
		t.Errorf("changing a snapshot changed the store: %q", got)
	}
}

// Snapshot and Update hand out copies made with alarm.Alarm.Clone. This fills every field of an
// Alarm that refers to other memory and checks that the clone shares none of it, so a field like
// that added later without a line in Clone fails here.
func TestAlarmCloneSharesNothing(t *testing.T) {
	var a alarm.Alarm
	v := reflect.ValueOf(&a).Elem()
	var refs []string
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch f.Kind() {
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 1, 1))
			refs = append(refs, name)
		case reflect.Pointer:
			f.Set(reflect.New(f.Type().Elem()))
			refs = append(refs, name)
		case reflect.Map, reflect.Interface, reflect.Chan, reflect.Func, reflect.UnsafePointer:
			t.Errorf("Alarm.%s is a %s: teach Alarm.Clone (and this test) to copy it", name, f.Kind())
		}
	}
	c := a.Clone()
	cv := reflect.ValueOf(&c).Elem()
	for _, name := range refs {
		orig, cl := v.FieldByName(name), cv.FieldByName(name)
		same := false
		switch orig.Kind() {
		case reflect.Slice:
			same = orig.Index(0).Addr().Pointer() == cl.Index(0).Addr().Pointer()
		case reflect.Pointer:
			same = orig.Pointer() == cl.Pointer()
		}
		if same {
			t.Errorf("Alarm.Clone shares Alarm.%s with the original", name)
		}
	}
}

func TestConcurrentUpdates(t *testing.T) {
	path := newPath(t)
	s := mustOpen(t, path)
	const writers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				errs <- s.Update(addLabels(fmt.Sprintf("w%d-%d", w, i)))
			}
		})
		wg.Go(func() { // readers alongside the writers
			for range each {
				d := s.Snapshot()
				if len(d.Alarms) > 0 && d.Alarms[len(d.Alarms)-1].ID >= d.NextID {
					errs <- fmt.Errorf("snapshot saw id %d with next_id %d", d.Alarms[len(d.Alarms)-1].ID, d.NextID)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	check := func(name string, d Data) {
		if len(d.Alarms) != writers*each || d.NextID != writers*each+1 {
			t.Fatalf("%s: %d alarms, next_id %d; want %d and %d", name, len(d.Alarms), d.NextID, writers*each, writers*each+1)
		}
		for i, a := range d.Alarms {
			if a.ID != i+1 {
				t.Fatalf("%s: alarm %d has id %d", name, i, a.ID)
			}
		}
	}
	check("memory", s.Snapshot())
	check("reopened", mustOpen(t, path).Snapshot())
	if names := dirNames(t, filepath.Dir(path)); len(names) != 1 {
		t.Errorf("files left in the data dir: %v", names)
	}
}

func validFile(t *testing.T) []byte {
	t.Helper()
	path := newPath(t)
	s := mustOpen(t, path)
	mustUpdate(t, s, addLabels("Wake up", "Tea"))
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestCorruptFileIsMovedAside(t *testing.T) {
	valid := validFile(t)
	cases := map[string]string{
		"truncated":         string(valid[:len(valid)/2]),
		"garbage":           "\x00\x01not json at all\xff",
		"empty":             "",
		"trailing data":     string(valid) + "}",
		"no version":        `{"next_id": 2, "alarms": [{"id": 1}]}`,
		"version 0":         `{"version": 0, "next_id": 2, "alarms": []}`,
		"duplicate ids":     `{"version": 1, "next_id": 3, "alarms": [{"id": 1}, {"id": 1}]}`,
		"id 0":              `{"version": 1, "next_id": 3, "alarms": [{"id": 0}]}`,
		"negative id":       `{"version": 1, "next_id": 3, "alarms": [{"id": -4}]}`,
		"alarms not a list": `{"version": 1, "next_id": 3, "alarms": {"id": 1}}`,
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			path := newPath(t)
			writeFile(t, path, content)
			s := mustOpen(t, path)

			if got := summary(s.Snapshot()); got != "v1 next=1 paused=false" {
				t.Errorf("store after a corrupt file = %q, want empty", got)
			}
			aside := path + corruptSuffix
			if w := s.Warning(); !strings.Contains(w, "corrupt") || !strings.Contains(w, aside) || strings.Contains(w, "\n") {
				t.Errorf("Warning = %q, want one line saying corrupt and naming %s", w, aside)
			}
			if s.ReadOnly() {
				t.Error("a corrupt file made the store read-only; it was moved aside, so writing is safe")
			}
			if got, err := os.ReadFile(aside); err != nil || string(got) != content {
				t.Errorf("moved-aside file: err %v, content changed: %v", err, string(got) != content)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("corrupt file still at %s (stat err %v)", path, err)
			}
			mustUpdate(t, s, addLabels("fresh"))
			if got := summary(mustOpen(t, path).Snapshot()); got != "v1 next=2 paused=false 1:fresh" {
				t.Errorf("after writing to the fresh store: %q", got)
			}
		})
	}
}

func TestCorruptFileNeverReplacesAnEarlierOne(t *testing.T) {
	path := newPath(t)
	writeFile(t, path, "first")
	mustOpen(t, path)
	writeFile(t, path, "second")
	s := mustOpen(t, path) // same injected instant: same timestamp
	if !strings.Contains(s.Warning(), path+corruptSuffix+"-2") {
		t.Errorf("Warning = %q, want it to name the -2 copy", s.Warning())
	}
	for name, want := range map[string]string{path + corruptSuffix: "first", path + corruptSuffix + "-2": "second"} {
		if got, err := os.ReadFile(name); err != nil || string(got) != want {
			t.Errorf("%s = %q (err %v), want %q", name, got, err, want)
		}
	}
}

func TestNewerVersionIsReadOnly(t *testing.T) {
	for name, content := range map[string]string{
		"same shape":      `{"version": 2, "next_id": 8, "alarms": [{"id": 7, "label": "Future", "chime": "x"}], "zones": {}}`,
		"different shape": `{"version": 2, "next_id": "eight", "alarms": {"7": {}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			path := newPath(t)
			writeFile(t, path, content)
			s := mustOpen(t, path)
			if !s.ReadOnly() {
				t.Fatal("a version 2 file did not make the store read-only")
			}
			if w := s.Warning(); !strings.Contains(w, "version 2") || !strings.Contains(w, "read-only") {
				t.Errorf("Warning = %q, want it to say version 2 and read-only", w)
			}
			err := s.Update(addLabels("must not be written"))
			if !errors.Is(err, ErrReadOnly) {
				t.Errorf("Update on a read-only store: %v, want ErrReadOnly", err)
			}
			if got, _ := os.ReadFile(path); string(got) != content {
				t.Errorf("file changed:\n%s", got)
			}
			if names := dirNames(t, filepath.Dir(path)); len(names) != 1 {
				t.Errorf("files in the data dir: %v, want only alarms.json", names)
			}
		})
	}
}

func TestUnknownFieldsAreNotCorruption(t *testing.T) {
	path := newPath(t)
	writeFile(t, path, `{"version": 1, "next_id": 3, "theme": "dark", "alarms": [{"id": 2, "label": "x", "colour": "red"}]}`)
	s := mustOpen(t, path)
	if s.Warning() != "" || s.ReadOnly() {
		t.Fatalf("Warning %q, ReadOnly %v; want a normal load", s.Warning(), s.ReadOnly())
	}
	if got := summary(s.Snapshot()); got != "v1 next=3 paused=false 2:x" {
		t.Errorf("loaded %q", got)
	}
}

func TestLowNextIDIsRaised(t *testing.T) {
	path := newPath(t)
	writeFile(t, path, `{"version": 1, "next_id": 2, "alarms": [{"id": 5}, {"id": 3}]}`)
	s := mustOpen(t, path)
	if s.Warning() != "" {
		t.Errorf("Warning %q for a repairable next_id", s.Warning())
	}
	mustUpdate(t, s, addLabels("new"))
	if got := summary(s.Snapshot()); got != "v1 next=7 paused=false 5: 3: 6:new" {
		t.Errorf("after adding: %q, want the new alarm to get id 6", got)
	}
}

func TestUpdateErrorFromFnIsReturnedUnchanged(t *testing.T) {
	path := newPath(t)
	s := mustOpen(t, path)
	mustUpdate(t, s, addLabels("keep"))
	before, _ := os.ReadFile(path)

	sentinel := errors.New("no such alarm")
	err := s.Update(func(d *Data) error {
		d.Alarms[0].Label = "half-done change"
		d.Add(alarm.Alarm{Label: "half-done add"})
		return fmt.Errorf("rm 9: %w", sentinel)
	})
	if !errors.Is(err, sentinel) || err.Error() != "rm 9: no such alarm" {
		t.Errorf("Update returned %v, want fn's error unchanged", err)
	}
	if got := summary(s.Snapshot()); got != "v1 next=2 paused=false 1:keep" {
		t.Errorf("memory after a failed fn: %q", got)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("file written although fn failed")
	}
}

func TestUpdateRefusesInvalidIDs(t *testing.T) {
	path := newPath(t)
	s := mustOpen(t, path)
	mustUpdate(t, s, addLabels("one"))
	before, _ := os.ReadFile(path)
	for name, fn := range map[string]func(d *Data) error{
		"duplicate": func(d *Data) error { d.Alarms = append(d.Alarms, d.Alarms[0]); return nil },
		"zero":      func(d *Data) error { d.Alarms = append(d.Alarms, alarm.Alarm{}); return nil },
		"reused":    func(d *Data) error { d.NextID = 1; return nil },
	} {
		err := s.Update(fn)
		if err == nil || !strings.HasPrefix(err.Error(), "save alarms: ") {
			t.Errorf("%s: Update returned %v, want a save alarms error", name, err)
		}
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("file written with invalid ids")
	}
	if got := summary(s.Snapshot()); got != "v1 next=2 paused=false 1:one" {
		t.Errorf("memory after refused updates: %q", got)
	}
}

func TestUnchangedUpdateDoesNotWrite(t *testing.T) {
	path := newPath(t)
	s := mustOpen(t, path)
	mustUpdate(t, s, addLabels("one"))
	// A marker the store would not write: if the file is rewritten, it disappears.
	raw, _ := os.ReadFile(path)
	marked := append(bytes.Clone(raw), "\n\n"...)
	writeFile(t, path, string(marked))
	mustUpdate(t, s, func(d *Data) error {
		d.Alarms[0].Label = "one" // same value: no change
		return nil
	})
	if got, _ := os.ReadFile(path); !bytes.Equal(got, marked) {
		t.Error("an Update that changed nothing rewrote the file")
	}
}

func TestWriteFailureLeavesMemoryUnchanged(t *testing.T) {
	path := newPath(t)
	s := mustOpen(t, path)
	mustUpdate(t, s, addLabels("saved"))

	// Replace the data dir by a regular file: creating the temp file must fail, even as root.
	dir := filepath.Dir(path)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	err := s.Update(addLabels("lost"))
	if err == nil || !strings.HasPrefix(err.Error(), "save alarms: ") {
		t.Fatalf("Update with an unwritable path: %v, want a save alarms error", err)
	}
	if got := summary(s.Snapshot()); got != "v1 next=2 paused=false 1:saved" {
		t.Errorf("memory after a failed write: %q", got)
	}
}

func TestWriteFailureInReadOnlyDir(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("needs Unix permissions that bind the current user (root ignores them)")
	}
	path := newPath(t)
	s := mustOpen(t, path)
	mustUpdate(t, s, addLabels("saved"))
	dir := filepath.Dir(path)
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	err := s.Update(addLabels("lost"))
	if err == nil || !strings.HasPrefix(err.Error(), "save alarms: ") || !errors.Is(err, os.ErrPermission) {
		t.Fatalf("Update in a read-only dir: %v, want a wrapped permission error", err)
	}
	if got := summary(s.Snapshot()); got != "v1 next=2 paused=false 1:saved" {
		t.Errorf("memory after a failed write: %q", got)
	}
}

func TestPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes on Windows")
	}
	path := newPath(t) // its directory does not exist yet
	s := mustOpen(t, path)
	mustUpdate(t, s, addLabels("private"))
	for name, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s has mode %04o, want %04o", name, got, want)
		}
	}
}

func TestNoTempFilesLeftBehind(t *testing.T) {
	path := newPath(t)
	s := mustOpen(t, path)
	for i := range 5 {
		mustUpdate(t, s, addLabels(fmt.Sprint(i)))
	}
	_ = s.Update(func(d *Data) error { return errors.New("refused") })
	_ = s.Update(func(d *Data) error { d.Alarms = append(d.Alarms, d.Alarms[0]); return nil })
	if names := dirNames(t, filepath.Dir(path)); !reflect.DeepEqual(names, []string{"alarms.json"}) {
		t.Errorf("data dir holds %v, want only alarms.json", names)
	}
}

func TestLeftoverTempFileFromACrashIsIgnoredAndRemoved(t *testing.T) {
	path := newPath(t)
	s := mustOpen(t, path)
	mustUpdate(t, s, addLabels("survivor"))
	// A crash between CreateTemp and Rename leaves a half-written temp file behind.
	leftover := filepath.Join(filepath.Dir(path), ".alarms.json.tmp-123456789")
	writeFile(t, leftover, `{"version": 1, "next_id": 9, "alar`)

	s2 := mustOpen(t, path)
	if got := summary(s2.Snapshot()); got != "v1 next=2 paused=false 1:survivor" || s2.Warning() != "" {
		t.Errorf("after a crash: %q, warning %q", got, s2.Warning())
	}
	if _, err := os.Stat(leftover); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("leftover temp file still there (stat err %v)", err)
	}
}

func TestReload(t *testing.T) {
	path := newPath(t)
	s := mustOpen(t, path)
	mustUpdate(t, s, addLabels("one"))

	writeFile(t, path, `{"version": 1, "next_id": 6, "alarms": [{"id": 5, "label": "edited by hand"}]}`)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := summary(s.Snapshot()); got != "v1 next=6 paused=false 5:edited by hand" {
		t.Errorf("after a hand edit and Reload: %q", got)
	}

	writeFile(t, path, `{"version": 3, "alarms": []}`)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if !s.ReadOnly() || !errors.Is(s.Update(addLabels("x")), ErrReadOnly) {
		t.Error("Reload of a newer file did not make the store read-only")
	}

	writeFile(t, path, `{"version": 1, "next_id": 2, "alarms": [{"id": 1, "label": "back"}]}`)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if s.ReadOnly() || s.Warning() != "" {
		t.Errorf("after restoring a version 1 file: ReadOnly %v, Warning %q", s.ReadOnly(), s.Warning())
	}
	mustUpdate(t, s, addLabels("two"))

	writeFile(t, path, "{{{")
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.Warning(), "corrupt") || len(s.Snapshot().Alarms) != 0 {
		t.Errorf("after Reload of a corrupt file: warning %q, %d alarms", s.Warning(), len(s.Snapshot().Alarms))
	}
	mustUpdate(t, s, addLabels("three"))

	// A file that cannot be read at all keeps the current data and reports the error.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	err := s.Reload()
	if err == nil || !strings.HasPrefix(err.Error(), "load alarms: ") {
		t.Errorf("Reload of a directory: %v, want a load alarms error", err)
	}
	if got := summary(s.Snapshot()); got != "v1 next=2 paused=false 1:three" {
		t.Errorf("data after a failed Reload: %q", got)
	}
}

func TestOpenUnreadableFileIsAnError(t *testing.T) {
	path := newPath(t)
	if err := os.MkdirAll(path, 0o700); err != nil { // a directory where the file should be
		t.Fatal(err)
	}
	if _, err := Open(path); err == nil || !strings.HasPrefix(err.Error(), "load alarms: ") {
		t.Errorf("Open of a directory: %v, want a load alarms error", err)
	}
}

func BenchmarkUpdate10000(b *testing.B) {
	path := filepath.Join(b.TempDir(), "alarms.json")
	s, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	err = s.Update(func(d *Data) error {
		for i := range 10000 {
			d.Add(alarm.Alarm{Label: fmt.Sprintf("Alarm number %d", i), Enabled: true})
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		err := s.Update(func(d *Data) error {
			d.Alarms[i%len(d.Alarms)].Enabled = !d.Alarms[i%len(d.Alarms)].Enabled
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(fi.Size()), "file-bytes")
}

func TestUpdateThenSyncIsVisibleBeforeSync(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alarms.json")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	sync, err := s.UpdateThenSync(func(d *Data) error { d.Add(alarm.Alarm{Label: "recorded"}); return nil })
	if err != nil {
		t.Fatal(err)
	}
	// Before the deferred fsync, the file already holds the change: a crash of the agent now
	// cannot lose it.
	again, err := Open(path)
	if err != nil || len(again.Snapshot().Alarms) != 1 || again.Snapshot().Alarms[0].Label != "recorded" {
		t.Fatalf("reopened before sync: %+v %v", again.Snapshot(), err)
	}
	sync()
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("after sync: %v %v", fi.Mode(), err)
	}
	// Nothing changed: no write, and the sync is a no-op.
	sync2, err := s.UpdateThenSync(func(d *Data) error { return nil })
	if err != nil || sync2 == nil {
		t.Fatalf("no-op update: %v", err)
	}
	sync2()
}
