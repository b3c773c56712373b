//go:build linux

package quiet

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// pageOutFiles reclaims this process' resident pages of files it maps privately and never wrote,
// its executable above all (see resident.go), and returns how many kB were resident in the
// ranges it advised (the kernel keeps what another process maps too).
func pageOutFiles() (uint64, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return 0, fmt.Errorf("page out mapped files: %w", err)
	}
	defer f.Close()
	kB, err := pageOut(f, madvisePageout)
	if err != nil {
		return kB, fmt.Errorf("page out mapped files: %w", err)
	}
	return kB, nil
}

// madvisePageout asks the kernel to reclaim m's pages now. A raw syscall: the range is not Go
// memory, so there is no []byte of it for unix.Madvise.
func madvisePageout(m mapping) error {
	if _, _, errno := unix.Syscall(unix.SYS_MADVISE, m.start, m.end-m.start, unix.MADV_PAGEOUT); errno != 0 {
		return fmt.Errorf("madvise(MADV_PAGEOUT) %#x-%#x %s: %w", m.start, m.end, m.path, errno)
	}
	return nil
}
