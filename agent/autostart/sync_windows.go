package autostart

// syncDir is a no-op: Windows cannot open a directory for fsync, and NTFS journals renames.
func syncDir(dir string) error { return nil }
