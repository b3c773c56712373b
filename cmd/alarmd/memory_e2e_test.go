//go:build e2e

package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// exeResidentKB sums the resident kB of pid's mappings of its own executable.
func exeResidentKB(t *testing.T, pid int) int {
	t.Helper()
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	total, inExe := 0, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) >= 5 && !strings.HasSuffix(fields[0], ":"): // a region's first line
			inExe = len(fields) >= 6 && strings.Join(fields[5:], " ") == exe
		case inExe && fields[0] == "Rss:":
			kB, _ := strconv.Atoi(fields[1])
			total += kB
		}
	}
	return total
}

// waitExeResidentBelow waits until pid holds less than limitKB of its executable resident.
func waitExeResidentBelow(t *testing.T, pid, limitKB int, within time.Duration) (int, bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		kB := exeResidentKB(t, pid)
		if kB < limitKB || time.Now().After(deadline) {
			return kB, kB < limitKB
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// syncBinary writes the agent's binary out to disk. Just built, it sits in the page cache dirty
// for up to half a minute, and MADV_PAGEOUT unmaps dirty pages but cannot reclaim them, so they
// come back in whole large folios; an installed agent's binary was written out long ago.
func syncBinary(t *testing.T) {
	t.Helper()
	f, err := os.Open(binary)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		t.Fatalf("sync %s: %v", binary, err)
	}
}

// TestQuietAgentPagesOutItsExecutable: a second after its alarms stop changing the agent holds
// little of its executable resident (of about 11 MB mapped at start-up), and again once a ring is
// over; the ring itself is on time.
func TestQuietAgentPagesOutItsExecutable(t *testing.T) {
	const limitKB = 4 << 10
	syncBinary(t)
	a := newAgentEnv(t)
	watch := watchNotify(t)
	pid := a.start()
	defer a.run("stop")
	for i := range 10 {
		a.must("add", fmt.Sprintf("%dh", i+2), fmt.Sprintf("alarm %d", i+1))
	}
	kB, ok := waitExeResidentBelow(t, pid, limitKB, 10*time.Second)
	t.Logf("idle: %d kB of the executable resident", kB)
	if !ok {
		t.Fatalf("idle agent holds %d kB of its executable, want under %d", kB, limitKB)
	}

	a.must("add", "2s", "paged out")
	due := dueOf(t, a, "paged out")
	call, ok := watch.waitFor("paged out", 4*time.Second)
	if !ok {
		t.Fatalf("no Notify within 4 s; log:\n%s", a.log())
	}
	if delay := call.at.Sub(due); delay < 0 || delay > time.Second {
		t.Errorf("Notify %v after due, want within 1 s", delay)
	}
	t.Logf("ringing: %d kB of the executable resident", exeResidentKB(t, pid))
	a.must("dismiss")
	kB, ok = waitExeResidentBelow(t, pid, limitKB, 10*time.Second)
	t.Logf("after the ring: %d kB of the executable resident", kB)
	if !ok {
		t.Errorf("agent holds %d kB of its executable after a ring, want under %d", kB, limitKB)
	}
}
