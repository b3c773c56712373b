package daemon

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func newTestReadiness(t *testing.T) (*Readiness, *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return &Readiness{pipe: w}, r
}

func TestReadyWritesOKLineAndCloses(t *testing.T) {
	ready, r := newTestReadiness(t)
	if err := ready.Ready(4242); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	got, err := io.ReadAll(r) // returns only at EOF, i.e. once the write end is closed
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "ok 4242\n" {
		t.Fatalf("pipe got %q, want %q", got, "ok 4242\n")
	}
	if err := ready.Ready(1); !errors.Is(err, errAlreadyReported) {
		t.Fatalf("second Ready: %v, want errAlreadyReported", err)
	}
	ready.Fail(errors.New("late")) // must not panic or write
}

func TestFailWritesOneLine(t *testing.T) {
	ready, r := newTestReadiness(t)
	ready.Fail(errors.New("bind socket:\n  address in use\n"))
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if want := "err bind socket: address in use\n"; string(got) != want {
		t.Fatalf("pipe got %q, want %q", got, want)
	}
}

func TestFailTruncatesLongMessage(t *testing.T) {
	ready, r := newTestReadiness(t)
	ready.Fail(errors.New(strings.Repeat("x", 10000)))
	got, _ := io.ReadAll(r)
	if len(got) > 4096 {
		t.Fatalf("fail line is %d bytes, must stay under PIPE_BUF", len(got))
	}
}

func TestNilReadinessIsNoop(t *testing.T) {
	var ready *Readiness
	if err := ready.Ready(1); err != nil {
		t.Fatalf("nil Ready: %v", err)
	}
	ready.Fail(errors.New("x"))
}

func TestCallerHasNoReadiness(t *testing.T) {
	if CurrentStage() != Caller {
		t.Fatalf("test process stage = %v, want caller", CurrentStage())
	}
	if Stage2Readiness() != nil {
		t.Fatal("Stage2Readiness in the caller must be nil")
	}
}

func TestParseReadiness(t *testing.T) {
	if pid, err := parseReadiness("ok 17"); err != nil || pid != 17 {
		t.Fatalf("ok line: %d, %v", pid, err)
	}
	if _, err := parseReadiness("err no display"); err == nil || err.Error() != "no display" {
		t.Fatalf("err line: %v", err)
	}
	for _, bad := range []string{"ok", "ok x", "ok -3", "hello"} {
		if _, err := parseReadiness(bad); err == nil || !strings.Contains(err.Error(), "bad readiness line") {
			t.Errorf("%q: %v, want a bad-line error", bad, err)
		}
	}
}

func TestStageEnvironReplacesMarkers(t *testing.T) {
	env := stageEnviron([]string{"A=1", stageEnv + "=2", readyFDEnv + "=9", "B=2"}, Stage1, true)
	want := []string{"A=1", "B=2", stageEnv + "=1", readyFDEnv + "=3"}
	if strings.Join(env, ",") != strings.Join(want, ",") {
		t.Fatalf("env = %q, want %q", env, want)
	}
	env = stageEnviron(nil, Stage2, false)
	if strings.Join(env, ",") != stageEnv+"=2" {
		t.Fatalf("env without pipe = %q", env)
	}
}

func TestLogTailOnlySinceOffset(t *testing.T) {
	log := filepath.Join(t.TempDir(), "a.log")
	old := "old line 1\nold line 2\n"
	if err := os.WriteFile(log, []byte(old+"new 1\n\nnew 2\nnew 3\nnew 4\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got := logTail(log, int64(len(old)), 3)
	if strings.Join(got, "|") != "new 2|new 3|new 4" {
		t.Fatalf("tail = %q", got)
	}
	got = logTail(log, 1<<20, 2) // shrank (rotated): read from the start
	if strings.Join(got, "|") != "new 3|new 4" {
		t.Fatalf("tail after rotation = %q", got)
	}
	if logTail(filepath.Join(t.TempDir(), "missing"), 0, 3) != nil {
		t.Fatal("tail of a missing file should be empty")
	}
}

func TestAwaitReadinessEOFWithoutLog(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w.Close()
	_, err = awaitReadiness(r, time.Now().Add(time.Second), time.Second, "", 0)
	if err == nil || err.Error() != "agent exited during start-up" {
		t.Fatalf("err = %v", err)
	}
}
