// Package logging builds the agent's slog logger: a size-rotated private file in daemon mode
// (DESIGN §2: rotated at 1 MiB, 3 kept, mode 0600), text on stderr in the foreground, without
// timestamps when stderr is the systemd journal (which stamps every line itself).
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/natefinch/lumberjack.v2"
)

const (
	// maxSizeMiB is when the log file is rotated (lumberjack counts in MiB).
	maxSizeMiB = 1
	// maxBackups is how many rotated files are kept besides the current one.
	maxBackups = 3
)

// stderr is where foreground logs go; a variable so tests can capture it.
var stderr = os.Stderr

// Options selects where and how much the agent logs.
type Options struct {
	// LogFile is the daemon-mode log file; required unless Foreground.
	LogFile string
	// Foreground logs to stderr (`alarmd run`) instead of LogFile.
	Foreground bool
	// Level is "debug", "info", "warn" or "error" (any case); empty means info.
	Level string
}

// Setup returns the agent's logger and the closer of its output (a no-op closer in the
// foreground). Close it last, at exit.
func Setup(opts Options) (*slog.Logger, io.Closer, error) {
	level, err := parseLevel(opts.Level)
	if err != nil {
		return nil, nil, err
	}
	handlerOpts := &slog.HandlerOptions{Level: level}

	if opts.Foreground {
		if stderrIsJournal(stderr) {
			handlerOpts.ReplaceAttr = dropTime
		}
		return slog.New(slog.NewTextHandler(stderr, handlerOpts)), nopCloser{}, nil
	}

	if opts.LogFile == "" {
		return nil, nil, fmt.Errorf("set up logging: no log file given")
	}
	// lumberjack would create a missing directory 0755; the state directory is private.
	if err := os.MkdirAll(filepath.Dir(opts.LogFile), 0o700); err != nil {
		return nil, nil, fmt.Errorf("set up logging: %w", err)
	}
	// lumberjack creates new files 0600 but keeps the mode of an existing one (also across
	// rotation), so a file left with a looser mode is tightened here once.
	if info, err := os.Stat(opts.LogFile); err == nil && info.Mode().Perm() != 0o600 {
		if err := os.Chmod(opts.LogFile, 0o600); err != nil {
			return nil, nil, fmt.Errorf("set up logging: %w", err)
		}
	}
	file := &lumberjack.Logger{
		Filename:   opts.LogFile,
		MaxSize:    maxSizeMiB,
		MaxBackups: maxBackups,
	}
	return slog.New(slog.NewTextHandler(file, handlerOpts)), file, nil
}

// parseLevel maps the configured level name to a slog level.
func parseLevel(name string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "info":
		return slog.LevelInfo, nil
	case "debug":
		return slog.LevelDebug, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	default:
		return 0, fmt.Errorf("set up logging: unknown level %q (want debug, info, warn or error)", name)
	}
}

// dropTime removes the top-level time attribute.
func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// nopCloser is the closer for stderr, which is not ours to close.
type nopCloser struct{}

func (nopCloser) Close() error { return nil }
