package wake

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// capBit is CAP_WAKE_ALARM's place in the 2×32-bit capability sets.
const (
	capWord = unix.CAP_WAKE_ALARM / 32
	capMask = uint32(1) << (unix.CAP_WAKE_ALARM % 32)
)

// capSets reads this thread's capability sets (the agent never changes them per thread, so
// any thread's answer is the process's).
func capSets() ([2]unix.CapUserData, error) {
	var data [2]unix.CapUserData
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return data, fmt.Errorf("capget: %w", err)
	}
	return data, nil
}

// HasEffective reports whether this process holds CAP_WAKE_ALARM in its effective set.
func HasEffective() bool {
	data, err := capSets()
	return err == nil && data[capWord].Effective&capMask != 0
}

// FileHasCap reports whether the file at path carries cap_wake_alarm in its permitted set with
// the effective bit set (`setcap cap_wake_alarm+ep`), read from its security.capability
// attribute (vfs_cap_data, revision 2 or 3).
func FileHasCap(path string) (bool, error) {
	buf := make([]byte, 64)
	n, err := unix.Getxattr(path, "security.capability", buf)
	if errors.Is(err, unix.ENODATA) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read the capabilities of %s: %w", path, err)
	}
	if n < 20 {
		return false, fmt.Errorf("%s: security.capability of %d bytes is not vfs_cap_data", path, n)
	}
	magic := binary.LittleEndian.Uint32(buf[0:])
	const effectiveFlag = 0x000001
	rev := magic &^ effectiveFlag
	if rev != 0x02000000 && rev != 0x03000000 {
		return false, fmt.Errorf("%s: security.capability revision %#x is not understood", path, rev)
	}
	// data[i] = {permitted, inheritable} for bits 32i..32i+31.
	permitted := binary.LittleEndian.Uint32(buf[4+8*capWord:])
	return magic&effectiveFlag != 0 && permitted&capMask != 0, nil
}

// Binary is the real path of the running executable, symlinks resolved. A binary replaced on
// disk while it runs (rebuilt, upgraded) still names its path.
func Binary() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find this binary: %w", err)
	}
	exe = strings.TrimSuffix(exe, " (deleted)")
	if real, err := filepath.EvalSymlinks(exe); err == nil {
		exe = real
	}
	return exe, nil
}

// DropInheritable clears the inheritable and ambient capability sets, so that nothing the agent
// starts receives CAP_WAKE_ALARM from it; the permitted and effective sets keep it for the
// timerfd. Capabilities belong to threads, so this must reach every thread of the runtime. In
// the cgo build (the ALSA one) the C constructor in drop_cgo_linux.go has already cleared both
// sets before the runtime started a second thread; without cgo, syscall.AllThreadsSyscall does
// it here. It reports what it could not clear.
func DropInheritable() error {
	if inheritable() {
		data, err := capSets()
		if err != nil {
			return err
		}
		if _, _, errno := syscall.AllThreadsSyscall6(syscall.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0, 0); errno != 0 {
			return fmt.Errorf("clear the ambient capabilities: %w", errno)
		}
		data[0].Inheritable, data[1].Inheritable = 0, 0
		hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
		if _, _, errno := syscall.AllThreadsSyscall(syscall.SYS_CAPSET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0); errno != 0 {
			return fmt.Errorf("clear the inheritable capabilities: %w", errno)
		}
	}
	return nil
}

// inheritable reports whether this thread could pass a capability on to a program it starts.
func inheritable() bool {
	data, err := capSets()
	if err != nil {
		return false
	}
	ambient, _ := unix.PrctlRetInt(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_IS_SET, unix.CAP_WAKE_ALARM, 0, 0)
	return data[0].Inheritable != 0 || data[1].Inheritable != 0 || ambient != 0
}
