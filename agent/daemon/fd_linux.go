package daemon

import "golang.org/x/sys/unix"

// inheritedFDDir lists this process's open descriptors.
const inheritedFDDir = "/proc/self/fd"

// dupOnto makes newfd a copy of oldfd (not close-on-exec, as standard streams must be).
// Dup3 because linux/arm64 has no dup2 system call.
func dupOnto(oldfd, newfd int) error {
	if oldfd == newfd {
		return nil
	}
	return unix.Dup3(oldfd, newfd, 0)
}
