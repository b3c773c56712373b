package logging

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDaemonModeRotatesAtOneMiBKeepingThree(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "alarmd")
	logFile := filepath.Join(dir, "alarmd.log")
	logger, closer, err := Setup(Options{LogFile: logFile, Level: "info"})
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	padding := strings.Repeat("x", 1000)
	written := 0
	for written < 4*1024*1024+512*1024 { // more than current + 3 backups can hold
		logger.Info("filler", "n", written, "pad", padding)
		written += len(padding) + 50
	}
	if err := closer.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	// lumberjack deletes surplus backups in its own goroutine after a rotation, with no way to
	// wait for it, so this allows it a moment.
	var names []string
	deadline := time.Now().Add(2 * time.Second)
	for {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		names = names[:0]
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if len(names) <= 4 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(names) != 4 {
		t.Fatalf("log dir holds %d files, want the log and 3 backups: %v", len(names), names)
	}
	for _, name := range names {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, want 0600", name, info.Mode().Perm())
		}
		if info.Size() > 1024*1024 {
			t.Errorf("%s is %d bytes, over 1 MiB", name, info.Size())
		}
		if name != "alarmd.log" && !strings.HasPrefix(name, "alarmd-") {
			t.Errorf("unexpected file %s", name)
		}
	}
	if info, err := os.Stat(dir); err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("log dir: %v, %v; want mode 0700", info.Mode(), err)
	}
}

func TestDaemonModeTightensExistingFile(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "alarmd.log")
	if err := os.WriteFile(logFile, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(logFile, 0o644); err != nil {
		t.Fatal(err)
	}
	logger, closer, err := Setup(Options{LogFile: logFile})
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	logger.Info("hello", "who", "world")
	closer.Close()
	info, err := os.Stat(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, want 0600", info.Mode().Perm())
	}
	data, _ := os.ReadFile(logFile)
	if !strings.HasPrefix(string(data), "old\n") || !strings.Contains(string(data), "msg=hello who=world") {
		t.Fatalf("log = %q: want the old line kept and the new one appended", data)
	}
	if !strings.Contains(string(data), "time=") {
		t.Fatalf("daemon log lines need their own timestamps: %q", data)
	}
}

func TestDaemonModeNeedsLogFile(t *testing.T) {
	if _, _, err := Setup(Options{}); err == nil {
		t.Fatal("Setup without a log file should fail")
	}
}

// captureStderr points foreground logging at a temp file and returns a reader of it.
func captureStderr(t *testing.T) (*os.File, func() string) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	old := stderr
	stderr = f
	t.Cleanup(func() { stderr = old; f.Close() })
	return f, func() string {
		data, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
}

func journalStreamOf(t *testing.T, f *os.File) string {
	t.Helper()
	info, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	dev, ino, ok := devIno(info)
	if !ok {
		t.Skip("no device/inode numbers on this platform")
	}
	return fmt.Sprintf("%d:%d", dev, ino)
}

func TestForegroundJournalOmitsTime(t *testing.T) {
	f, read := captureStderr(t)
	t.Setenv("JOURNAL_STREAM", journalStreamOf(t, f))
	logger, closer, err := Setup(Options{Foreground: true})
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	defer closer.Close()
	logger.Info("started", "pid", 7)
	out := read()
	if strings.Contains(out, "time=") {
		t.Fatalf("journal output has a time attribute: %q", out)
	}
	if !strings.Contains(out, "level=INFO msg=started pid=7") {
		t.Fatalf("output = %q", out)
	}
}

func TestForegroundOtherStreamKeepsTime(t *testing.T) {
	_, read := captureStderr(t)
	// Inherited from a service that started our terminal, but not our stderr.
	t.Setenv("JOURNAL_STREAM", "8:12345")
	logger, _, err := Setup(Options{Foreground: true})
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	logger.Info("started")
	if out := read(); !strings.HasPrefix(out, "time=") {
		t.Fatalf("terminal output lacks time: %q", out)
	}
}

func TestLevels(t *testing.T) {
	cases := []struct {
		level      string
		debug, inf bool
		warn       bool
	}{
		{"", false, true, true},
		{"debug", true, true, true},
		{"INFO", false, true, true},
		{"warn", false, false, true},
		{"error", false, false, false},
	}
	for _, c := range cases {
		_, read := captureStderr(t)
		logger, _, err := Setup(Options{Foreground: true, Level: c.level})
		if err != nil {
			t.Fatalf("level %q: %v", c.level, err)
		}
		logger.Debug("d")
		logger.Info("i")
		logger.Warn("w")
		out := read()
		for _, want := range []struct {
			msg  string
			seen bool
		}{{"msg=d", c.debug}, {"msg=i", c.inf}, {"msg=w", c.warn}} {
			if strings.Contains(out, want.msg) != want.seen {
				t.Errorf("level %q: %s seen=%v, want %v (output %q)", c.level, want.msg, !want.seen, want.seen, out)
			}
		}
	}
	if _, _, err := Setup(Options{Foreground: true, Level: "loud"}); err == nil {
		t.Fatal("unknown level should be an error")
	}
}
