//go:build linux

package quiet

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestPageOutFilesOnThisProcess maps a file twice, once only read and once written to (then made
// read-only, as the loader does to a relocated segment): from this process' own smaps pageOut
// picks the read one and this test binary's code, not the written one; and the real advice
// leaves both mappings reading what they held.
func TestPageOutFilesOnThisProcess(t *testing.T) {
	content := bytes.Repeat([]byte("alarmd page "), 64<<10) // 768 KiB
	path := filepath.Join(t.TempDir(), "pages")
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	read, err := unix.Mmap(int(f.Fd()), 0, len(content), unix.PROT_READ, unix.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(read)
	written, err := unix.Mmap(int(f.Fd()), 0, len(content), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(written)
	written[5000] = 'X'
	if err := unix.Mprotect(written, unix.PROT_READ); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(read, content) { // and now every page of it is resident
		t.Fatal("the read mapping does not hold the file")
	}

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	smaps, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	var picked []uintptr
	var exePicked bool
	_, err = pageOut(smaps, func(m mapping) error {
		picked = append(picked, m.start)
		exePicked = exePicked || (m.path == exe && m.perms == "r-xp")
		return nil
	})
	smaps.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(picked, uintptr(unsafe.Pointer(&read[0]))) {
		t.Error("the read mapping was not picked")
	}
	if slices.Contains(picked, uintptr(unsafe.Pointer(&written[0]))) {
		t.Error("the written mapping was picked")
	}
	if !exePicked {
		t.Errorf("the code of %s was not picked", exe)
	}

	kB, err := pageOutFiles()
	if errors.Is(err, unix.EINVAL) {
		t.Skipf("this kernel has no MADV_PAGEOUT (Linux 5.4): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if kB == 0 {
		t.Error("pageOutFiles advised nothing")
	}
	if !bytes.Equal(read, content) {
		t.Error("the read mapping changed")
	}
	if written[5000] != 'X' || !bytes.Equal(written[:5000], content[:5000]) || !bytes.Equal(written[5001:], content[5001:]) {
		t.Error("the written mapping lost its write or changed")
	}
}
