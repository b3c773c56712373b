//go:build linux && cgo

package wake

/*
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>

// The agent's children must not receive CAP_WAKE_ALARM (DESIGN §15). Capabilities belong to
// threads, and the Go runtime starts its threads before any Go code runs, so the agent's
// inheritable and ambient sets are cleared here, in a constructor that runs while the process
// has its only thread. Only the agent does this (`alarmd run`, or the daemon's stage 2): the
// `alarmd start` that re-executes itself must hand an ambient capability on to its stages.
__attribute__((constructor)) static void alarmd_wake_drop_inheritable(int argc, char **argv) {
	const char *stage = getenv("ALARMD_DAEMON_STAGE");
	int agent = (stage != NULL && strcmp(stage, "2") == 0) || (argc > 1 && strcmp(argv[1], "run") == 0);
	if (!agent) {
		return;
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	if (syscall(SYS_capget, &hdr, data) != 0 || (data[0].inheritable == 0 && data[1].inheritable == 0)) {
		return;
	}
	data[0].inheritable = 0;
	data[1].inheritable = 0;
	syscall(SYS_capset, &hdr, data);
}
*/
import "C"
