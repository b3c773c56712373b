// Platforms other than Linux (macOS, Windows, the BSDs): no systemd journal.
//go:build !linux

package logging

import "os"

// stderrIsJournal is always false: the systemd journal exists on Linux only.
func stderrIsJournal(f *os.File) bool { return false }
