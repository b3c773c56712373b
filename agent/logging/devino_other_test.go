// Platforms other than Linux (macOS, Windows, the BSDs): tests do not compare device and inode.
//go:build !linux

package logging

import "os"

func devIno(info os.FileInfo) (dev, ino uint64, ok bool) { return 0, 0, false }
