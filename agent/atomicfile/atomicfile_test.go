package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// entries lists the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func checkFile(t *testing.T, path, content string, perm fs.FileMode) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != content {
		t.Errorf("%s holds %q, want %q", path, got, content)
	}
	if runtime.GOOS == "windows" {
		return // only the read-only bit exists there
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != perm {
		t.Errorf("%s has mode %v, want %v", path, info.Mode().Perm(), perm)
	}
}

func TestWriteFileContentAndMode(t *testing.T) {
	if runtime.GOOS != "windows" {
		// The mode is set explicitly, so a strict umask must not narrow 0644.
		old := syscallUmask(0o077)
		t.Cleanup(func() { syscallUmask(old) })
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "a.conf")
	if err := WriteFile(path, []byte("one\n"), 0o600); err != nil {
		t.Fatalf("WriteFile: %v", err)
	}
	checkFile(t, path, "one\n", 0o600)
	// Replacing gives the new content and the newly asked mode.
	if err := WriteFile(path, []byte("two\n"), 0o644); err != nil {
		t.Fatalf("WriteFile over an existing file: %v", err)
	}
	checkFile(t, path, "two\n", 0o644)
	if names := entries(t, dir); len(names) != 1 || names[0] != "a.conf" {
		t.Errorf("directory holds %v, want only a.conf", names)
	}
}

func TestWriteFileCreatesMissingDirectoriesPrivate(t *testing.T) {
	base := t.TempDir()
	path := filepath.Join(base, "x", "y", "f")
	if err := WriteFile(path, []byte("z"), 0o600); err != nil {
		t.Fatalf("WriteFile: %v", err)
	}
	checkFile(t, path, "z", 0o600)
	if runtime.GOOS == "windows" {
		return
	}
	for _, d := range []string{filepath.Join(base, "x"), filepath.Join(base, "x", "y")} {
		info, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm()&^0o700 != 0 {
			t.Errorf("%s created with mode %v, want at most 0700", d, info.Mode().Perm())
		}
	}
}

func TestFailedWriteLeavesTargetAndNoTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	// A non-empty directory at the target: everything up to the rename works, the rename fails.
	target := filepath.Join(dir, "target")
	if err := os.MkdirAll(filepath.Join(target, "inside"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, write := range map[string]func() error{
		"WriteFile": func() error { return WriteFile(target, []byte("new"), 0o600) },
		"WriteFileSyncLater": func() error {
			sync, err := WriteFileSyncLater(target, []byte("new"), 0o600)
			if err == nil && sync == nil {
				t.Error("WriteFileSyncLater returned neither an error nor a sync function")
			}
			return err
		},
	} {
		err := write()
		if err == nil {
			t.Fatalf("%s over a directory succeeded", name)
		}
		if errors.Is(err, ErrNotDurable) {
			t.Errorf("%s: a failed rename is reported as ErrNotDurable: %v", name, err)
		}
		if !strings.Contains(err.Error(), target) {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
		if names := entries(t, dir); len(names) != 1 || names[0] != "target" {
			t.Errorf("%s: directory holds %v after the failure, want only the untouched target", name, names)
		}
	}
}

func TestDirectoryFsyncFailureMeansInPlaceNotDurable(t *testing.T) {
	var synced []string
	failure := errors.New("injected directory fsync failure")
	fsyncDir = func(dir string) error { synced = append(synced, dir); return failure }
	t.Cleanup(func() { fsyncDir = syncDir })
	dir := t.TempDir()
	path := filepath.Join(dir, "f")

	err := WriteFile(path, []byte("durable?"), 0o600)
	if !errors.Is(err, ErrNotDurable) || !errors.Is(err, failure) || !strings.Contains(err.Error(), dir) {
		t.Errorf("WriteFile with a failing directory fsync: %v, want ErrNotDurable wrapping the failure and naming %s", err, dir)
	}
	checkFile(t, path, "durable?", 0o600) // the rename happened all the same

	sync, err := WriteFileSyncLater(path, []byte("later"), 0o600)
	if err != nil {
		t.Fatalf("WriteFileSyncLater: %v (the directory is synced only by sync)", err)
	}
	if len(synced) != 1 {
		t.Errorf("directory synced %d times before sync was called, want once (by the first write)", len(synced))
	}
	checkFile(t, path, "later", 0o600)
	if err := sync(); !errors.Is(err, ErrNotDurable) || !errors.Is(err, failure) {
		t.Errorf("sync with a failing directory fsync: %v, want ErrNotDurable wrapping the failure", err)
	}
	if len(synced) != 2 || synced[1] != dir {
		t.Errorf("directories synced: %v, want %s twice", synced, dir)
	}
}

func TestSyncLaterSyncsTheDirectoryAndReportsAVanishedFile(t *testing.T) {
	var synced []string
	fsyncDir = func(dir string) error { synced = append(synced, dir); return syncDir(dir) }
	t.Cleanup(func() { fsyncDir = syncDir })
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	sync, err := WriteFileSyncLater(path, []byte("x"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := sync(); err != nil {
		t.Fatalf("sync: %v", err)
	}
	if len(synced) != 1 || synced[0] != dir {
		t.Errorf("directories synced: %v, want [%s]", synced, dir)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := sync(); !errors.Is(err, ErrNotDurable) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("sync of a removed file: %v, want ErrNotDurable and ErrNotExist", err)
	}
}

func TestSyncDirOfTheRealDirectory(t *testing.T) {
	if err := SyncDir(t.TempDir()); err != nil {
		t.Errorf("SyncDir: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "missing")
	err := SyncDir(missing)
	if runtime.GOOS == "windows" {
		if err != nil {
			t.Errorf("SyncDir is a no-op on Windows, got %v", err)
		}
		return
	}
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("SyncDir of a missing directory: %v, want ErrNotExist naming it", err)
	}
}

func TestTempPrefixIsHiddenAndNamesTheFile(t *testing.T) {
	if got := TempPrefix(filepath.Join("some", "dir", "alarms.json")); got != ".alarms.json.tmp-" {
		t.Errorf("TempPrefix = %q", got)
	}
}
