//go:build !linux

package logging

import "os"

func devIno(info os.FileInfo) (dev, ino uint64, ok bool) { return 0, 0, false }
