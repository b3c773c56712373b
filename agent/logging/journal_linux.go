package logging

import (
	"fmt"
	"os"
	"syscall"
)

// stderrIsJournal reports whether f is the journal stream systemd connected us to.
// $JOURNAL_STREAM ("device:inode") is inherited by everything a service starts, including a
// terminal and the shells in it, so it is compared with f's own device and inode as
// systemd.exec(5) advises rather than trusted on its own.
func stderrIsJournal(f *os.File) bool {
	stream := os.Getenv("JOURNAL_STREAM")
	if stream == "" {
		return false
	}
	var dev, ino uint64
	if _, err := fmt.Sscanf(stream, "%d:%d", &dev, &ino); err != nil {
		return false
	}
	info, err := f.Stat()
	if err != nil {
		return false
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && uint64(st.Dev) == dev && uint64(st.Ino) == ino
}
