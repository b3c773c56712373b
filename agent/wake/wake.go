// Package wake lets alarmd wake the computer from suspend for an alarm (DESIGN §15): a timerfd
// on CLOCK_REALTIME_ALARM, which needs CAP_WAKE_ALARM, the detection of that capability in the
// agent's effective set and on its binary, `alarmd wake setup` (setcap on the binary), and the
// note of which binary last held the capability, so that one which lost it (rebuilt, moved,
// upgraded) can be named.
//
// The capability is used for the timerfd and nothing else: a file capability (+ep) puts it in
// the permitted and effective sets only, so the programs the agent starts (dialogs, players,
// systemctl) get none of it; DropInheritable clears the inheritable and ambient sets, through
// which a session manager that grants it (pam_systemd on a local seat) would pass it on.
package wake

import (
	"errors"
	"fmt"
	"time"
)

// DefaultLead is how long before the ring the machine is woken, so that it has resumed, and the
// network and the sound server are back, by the ring (`[wake] lead`).
const DefaultLead = 60 * time.Second

// MaxLead bounds `[wake] lead`: waking an hour early is already more than any resume needs.
const MaxLead = time.Hour

// ErrUnavailable is wrapped by every error that means "this agent cannot wake the machine".
var ErrUnavailable = errors.New("waking the computer is not available")

// unavailable wraps ErrUnavailable with why.
func unavailable(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnavailable, fmt.Sprintf(format, args...))
}

// SetupCommand is the command that gives the binary at path the capability.
func SetupCommand(path string) string { return "sudo " + path + " wake setup" }

// Report is what `alarmd wake status` and doctor say about waking for one binary.
type Report struct {
	Binary string // the binary's real path (symlinks resolved)
	// FileCap: the binary carries cap_wake_alarm in its permitted set with the effective bit.
	FileCap bool
	// Effective: this process holds CAP_WAKE_ALARM in its effective set (from the file
	// capability, from root, or from a session manager's ambient set).
	Effective bool
	// KernelErr is set when the kernel refused a CLOCK_REALTIME_ALARM timerfd although the
	// capability is there (EINVAL or EOPNOTSUPP: no RTC that can wake the machine).
	KernelErr error
	// Lost names the binary that held the capability when an agent last ran with it, when it
	// no longer does (it was rebuilt or upgraded) or is not this one (this one was moved or
	// copied); "" otherwise.
	Lost string
	// LostWhy says which of the two Lost is.
	LostWhy string
}

// Works reports whether an agent started from this binary can wake the machine.
func (r Report) Works() bool { return r.Effective && r.KernelErr == nil }

// Summary is one line: whether waking works and, if not, why and what to run.
func (r Report) Summary() string {
	switch {
	case r.Works() && r.FileCap:
		return fmt.Sprintf("works: %s has cap_wake_alarm (undo: sudo setcap -r %s)", r.Binary, r.Binary)
	case r.Works():
		return "works: this process holds CAP_WAKE_ALARM (root, or granted by the session)"
	case r.Effective:
		return fmt.Sprintf("does not work: the kernel refuses CLOCK_REALTIME_ALARM timers (%v); this machine has no RTC that can wake it", r.KernelErr)
	case r.Lost != "":
		return fmt.Sprintf("does not work: %s; run: %s", r.LostWhy, SetupCommand(r.Binary))
	case r.FileCap:
		return fmt.Sprintf("does not work: %s has cap_wake_alarm but this process did not receive it (a nosuid mount, a bounding set without it, or no_new_privs); run alarmd from another location", r.Binary)
	default:
		return fmt.Sprintf("does not work: %s lacks CAP_WAKE_ALARM; run: %s", r.Binary, SetupCommand(r.Binary))
	}
}
