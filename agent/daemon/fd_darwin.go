package daemon

import "golang.org/x/sys/unix"

// inheritedFDDir lists this process's open descriptors.
const inheritedFDDir = "/dev/fd"

// dupOnto makes newfd a copy of oldfd (not close-on-exec, as standard streams must be).
func dupOnto(oldfd, newfd int) error {
	if oldfd == newfd {
		return nil
	}
	return unix.Dup2(oldfd, newfd)
}
