package wake

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTimerFires arms the real CLOCK_REALTIME_ALARM timerfd when this process may, and checks
// the honest outcome otherwise: without the capability Open fails with ErrUnavailable.
func TestTimerFires(t *testing.T) {
	tm, err := Open()
	if !HasEffective() {
		if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "CAP_WAKE_ALARM") {
			t.Fatalf("Open without the capability = %v, want ErrUnavailable naming CAP_WAKE_ALARM", err)
		}
		t.Logf("no CAP_WAKE_ALARM here: %v", err)
		return
	}
	if err != nil {
		// The kernel refused although the capability is there: say which errno, as the agent does.
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Open = %v, want an ErrUnavailable", err)
		}
		t.Logf("the kernel refuses CLOCK_REALTIME_ALARM here: %v", err)
		return
	}
	defer tm.Close()
	at := time.Now().Add(200 * time.Millisecond).Round(0)
	tm.Arm(at)
	if got := tm.Armed(); !got.Equal(at) {
		t.Errorf("Armed = %v, want %v", got, at)
	}
	select {
	case got := <-tm.Fired():
		if !got.Equal(at) || time.Now().Before(at) {
			t.Errorf("fired %v at %v, want %v", got, time.Now(), at)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the wake timer did not fire")
	}
	if !tm.LastFired().Equal(at) || !tm.Armed().IsZero() {
		t.Errorf("after firing: LastFired %v Armed %v", tm.LastFired(), tm.Armed())
	}
	// Disarmed, a later instant never fires: re-arm far ahead, then disarm, then arm soon.
	tm.Arm(time.Now().Add(time.Hour))
	tm.Arm(time.Time{})
	soon := time.Now().Add(50 * time.Millisecond).Round(0)
	tm.Arm(soon)
	if got := <-tm.Fired(); !got.Equal(soon) {
		t.Errorf("fired %v, want the re-armed %v (not the replaced instant)", got, soon)
	}
}

func TestFileCapabilityIsRead(t *testing.T) {
	setcap, err := exec.LookPath("setcap")
	if err != nil {
		if _, err = os.Stat("/usr/sbin/setcap"); err != nil {
			t.Skip("setcap not installed (libcap2-bin)")
		}
		setcap = "/usr/sbin/setcap"
	}
	bin := filepath.Join(t.TempDir(), "alarmd")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if has, err := FileHasCap(bin); err != nil || has {
		t.Fatalf("FileHasCap of a plain file = %v, %v; want false, nil", has, err)
	}
	if os.Geteuid() != 0 {
		if err := Setup(bin, os.Geteuid()); !errors.Is(err, ErrNotRoot) || !strings.Contains(err.Error(), "sudo "+bin+" wake setup") {
			t.Errorf("Setup as uid %d = %v, want ErrNotRoot naming the sudo command", os.Geteuid(), err)
		}
		t.Skip("setting a file capability needs root")
	}
	if err := Setup(bin, 1000); !errors.Is(err, ErrNotRoot) || !strings.Contains(err.Error(), "run: sudo "+bin+" wake setup") {
		t.Errorf("Setup as a user = %v, want ErrNotRoot naming the sudo command", err)
	}
	if err := Setup(bin, 0); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	if has, err := FileHasCap(bin); err != nil || !has {
		t.Fatalf("after setup FileHasCap = %v, %v", has, err)
	}
	// +p without +e is not enough: the capability would not be effective at exec.
	if out, err := exec.Command(setcap, "cap_wake_alarm+p", bin).CombinedOutput(); err != nil {
		t.Fatalf("setcap +p: %v %s", err, out)
	}
	if has, _ := FileHasCap(bin); has {
		t.Error("FileHasCap is true for cap_wake_alarm+p without the effective bit")
	}
	if out, err := exec.Command(setcap, "cap_net_raw+ep", bin).CombinedOutput(); err != nil {
		t.Fatalf("setcap other: %v %s", err, out)
	}
	if has, _ := FileHasCap(bin); has {
		t.Error("FileHasCap is true for another capability")
	}
}

func TestInspectNamesABinaryThatLostTheCapability(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "alarmd")
	if err := os.WriteFile(bin, []byte("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	rec := RecordFile(dir)
	if r := inspect(bin, rec, false); r.Works() || r.Lost != "" || !strings.Contains(r.Summary(), SetupCommand(bin)) {
		t.Errorf("no record: %+v, %q", r, r.Summary())
	}
	if err := Remember(rec, bin, time.Now()); err != nil {
		t.Fatal(err)
	}
	r := inspect(bin, rec, false)
	if r.Lost != bin || !strings.Contains(r.Summary(), "rebuilt or upgraded") || !strings.Contains(r.Summary(), SetupCommand(bin)) {
		t.Errorf("lost: %+v, %q", r, r.Summary())
	}
	moved := filepath.Join(dir, "moved")
	if r := inspect(moved, rec, false); r.Lost != bin || !strings.Contains(r.Summary(), bin) {
		t.Errorf("moved: %+v, %q", r, r.Summary())
	}
	if st, err := os.Stat(rec); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("record file mode: %v %v", st, err)
	}
}
