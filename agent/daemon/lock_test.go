package daemon

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gofrs/flock"
)

func pidfileIn(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "run", "alarmd.pid")
}

func readFileString(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func assertMode0600(t *testing.T, path string) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("%s mode = %v, want 0600", path, info.Mode().Perm())
	}
}

func TestAcquireLockWritesPIDAndKeepsFile(t *testing.T) {
	path := pidfileIn(t)
	l, err := AcquireLock(path)
	if err != nil {
		t.Fatalf("AcquireLock: %v", err)
	}
	if got, want := readFileString(t, path), strconv.Itoa(os.Getpid())+"\n"; got != want {
		t.Fatalf("pidfile = %q, want %q", got, want)
	}
	assertMode0600(t, path)
	if info, err := os.Stat(filepath.Dir(path)); err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("pidfile dir: %v, %v; want mode 0700", info.Mode(), err)
	}

	// flock belongs to the open file, so a second lock in the same process conflicts too.
	_, err = AcquireLock(path)
	var running *RunningError
	if !errors.As(err, &running) || running.PID != os.Getpid() {
		t.Fatalf("second AcquireLock: %v, want RunningError with our pid", err)
	}
	if pid, err := Holder(path); err != nil || pid != os.Getpid() {
		t.Fatalf("Holder while held: %d, %v", pid, err)
	}

	if err := l.Release(); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("pidfile must survive Release: %v", err)
	}
	if pid, err := Holder(path); err != nil || pid != 0 {
		t.Fatalf("Holder after release: %d, %v; want 0, nil", pid, err)
	}
	l2, err := AcquireLock(path)
	if err != nil {
		t.Fatalf("AcquireLock after release: %v", err)
	}
	l2.Release()
	var nilLock *Lock
	if err := nilLock.Release(); err != nil {
		t.Fatalf("nil Release: %v", err)
	}
}

func TestAcquireLockTightensModeAndReplacesStalePID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alarmd.pid")
	if err := os.WriteFile(path, []byte("99999999999\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil { // WriteFile's mode is subject to umask
		t.Fatal(err)
	}
	l, err := AcquireLock(path)
	if err != nil {
		t.Fatalf("AcquireLock over stale file: %v", err)
	}
	defer l.Release()
	if got, want := readFileString(t, path), strconv.Itoa(os.Getpid())+"\n"; got != want {
		t.Fatalf("pidfile = %q, want %q", got, want)
	}
	assertMode0600(t, path)
}

// TestAcquireLockAnotherProcessThenTakeover is the kill -9 story of DESIGN §6.
func TestAcquireLockAnotherProcessThenTakeover(t *testing.T) {
	path := pidfileIn(t)
	locker := exec.Command(mustExecutable())
	locker.Env = append(os.Environ(), helperRoleEnv+"=locker", lockerPathEnv+"="+path)
	out, err := locker.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := locker.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = locker.Process.Kill(); _ = locker.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("locker said %q, %v", line, err)
	}
	lockerPID := locker.Process.Pid
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}

	_, err = AcquireLock(path)
	var running *RunningError
	if !errors.As(err, &running) || running.PID != lockerPID {
		t.Fatalf("AcquireLock while held: %v, want RunningError{%d}", err, lockerPID)
	}
	if want := "already running (pid " + strconv.Itoa(lockerPID) + ")"; err.Error() != want {
		t.Fatalf("message %q, want %q", err.Error(), want)
	}
	if pid, err := Holder(path); err != nil || pid != lockerPID {
		t.Fatalf("Holder: %d, %v; want %d", pid, err, lockerPID)
	}

	if err := locker.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = locker.Wait()
	if got := readFileString(t, path); got != strconv.Itoa(lockerPID)+"\n" {
		t.Fatalf("stale pidfile = %q, want the killed holder's pid", got)
	}
	if pid, err := Holder(path); err != nil || pid != 0 {
		t.Fatalf("Holder after kill: %d, %v; want 0, nil", pid, err)
	}

	l, err := AcquireLock(path)
	if err != nil {
		t.Fatalf("takeover: %v", err)
	}
	defer l.Release()
	if got := readFileString(t, path); got != strconv.Itoa(os.Getpid())+"\n" {
		t.Fatalf("pidfile after takeover = %q", got)
	}
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) {
		t.Fatal("pidfile was replaced (unlinked); it must be rewritten in place")
	}
	assertMode0600(t, path)
}

// holdRawLock locks path the way another agent would, without writing a PID.
func holdRawLock(t *testing.T, path string) {
	t.Helper()
	fl := flock.New(path)
	ok, err := fl.TryLock()
	if err != nil || !ok {
		t.Fatalf("raw lock: %v, %v", ok, err)
	}
	t.Cleanup(func() { fl.Unlock() })
}

func TestAcquireLockWaitsForHolderToWritePID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alarmd.pid")
	holdRawLock(t, path)
	writeErr := make(chan error, 1)
	go func() {
		time.Sleep(100 * time.Millisecond) // the holder between its lock and its write
		writeErr <- os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600)
	}()
	_, err := AcquireLock(path)
	if werr := <-writeErr; werr != nil {
		t.Fatal(werr)
	}
	var running *RunningError
	if !errors.As(err, &running) || running.PID != os.Getpid() {
		t.Fatalf("AcquireLock: %v, want RunningError with the late-written pid", err)
	}
}

func TestAcquireLockHeldWithoutPIDGivesUp(t *testing.T) {
	old := pidWaitWindow
	pidWaitWindow = 100 * time.Millisecond
	t.Cleanup(func() { pidWaitWindow = old })

	path := filepath.Join(t.TempDir(), "alarmd.pid")
	holdRawLock(t, path)
	// A PID that cannot exist counts as stale, like an empty file.
	if err := os.WriteFile(path, []byte("2147483646\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := AcquireLock(path)
	var running *RunningError
	if !errors.As(err, &running) || running.PID != 0 {
		t.Fatalf("AcquireLock: %v, want RunningError{0}", err)
	}
	if err.Error() != "already running (pid unknown)" {
		t.Fatalf("message %q", err.Error())
	}
	if _, err := Holder(path); err == nil {
		t.Fatal("Holder of a locked pidfile without a live pid should report an error")
	}
}

func TestHolderMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alarmd.pid")
	if pid, err := Holder(path); err != nil || pid != 0 {
		t.Fatalf("Holder: %d, %v; want 0, nil", pid, err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Holder must not create the pidfile: %v", err)
	}
}
