//go:build windows

package atomicfile

// syncDir does nothing on Windows: flushing needs a handle opened for writing, which os.Open
// does not give for a directory, and NTFS journals the rename itself.
func syncDir(dir string) error { return nil }
