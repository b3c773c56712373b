package wake

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"alarmd/agent/atomicfile"
)

// ErrNotRoot is returned by Setup when it does not run as root.
var ErrNotRoot = errors.New("wake setup needs root")

// Setup gives the binary at path the capability: `setcap cap_wake_alarm+ep path`, then reads
// the attribute back. It refuses, naming the sudo command, when not run as root.
func Setup(path string, euid int) error {
	if euid != 0 {
		return fmt.Errorf("%w; run: %s", ErrNotRoot, SetupCommand(path))
	}
	setcap, err := findSetcap()
	if err != nil {
		return err
	}
	out, err := exec.Command(setcap, "cap_wake_alarm+ep", path).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s cap_wake_alarm+ep %s: %v: %s", setcap, path, err, strings.TrimSpace(string(out)))
	}
	ok, err := FileHasCap(path)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("setcap ran but %s still lacks cap_wake_alarm (does its file system keep extended attributes?)", path)
	}
	return nil
}

// findSetcap finds libcap's setcap, which sudo's PATH may lack.
func findSetcap() (string, error) {
	if p, err := exec.LookPath("setcap"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/setcap", "/sbin/setcap"} {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", errors.New("setcap is not installed (Debian/Ubuntu: apt install libcap2-bin)")
}

// record is the note of the binary an agent last ran from while holding the capability
// through its file capability; wake status and doctor use it to name a binary that lost it.
type record struct {
	Binary string    `json:"binary"`
	Since  time.Time `json:"since"`
}

// RecordFile is where the note is kept, in the agent's state directory.
func RecordFile(stateDir string) string { return filepath.Join(stateDir, "wake-binary.json") }

// Remember notes binary as the one set up, unless the note already says so. The agent calls it
// when it runs with the capability from its file.
func Remember(file, binary string, now time.Time) error {
	if r, err := readRecord(file); err == nil && r.Binary == binary {
		return nil
	}
	data, err := json.Marshal(record{Binary: binary, Since: now.UTC().Truncate(time.Second)})
	if err != nil {
		return fmt.Errorf("encode %s: %w", file, err)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(file), err)
	}
	if err := atomicfile.WriteFile(file, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	return nil
}

func readRecord(file string) (record, error) {
	var r record
	data, err := os.ReadFile(file)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("%s: %w", file, err)
	}
	return r, nil
}

// Inspect reports on waking for binary as run by this process: the file capability, this
// process's effective set, whether the kernel takes a CLOCK_REALTIME_ALARM timerfd (tried only
// with the capability), and what the record says about a binary that lost it.
func Inspect(binary, recordFile string) Report {
	return inspect(binary, recordFile, HasEffective())
}

// inspect is Inspect for a process that holds the capability in its effective set or not.
func inspect(binary, recordFile string, effective bool) Report {
	r := Report{Binary: binary, Effective: effective}
	r.FileCap, _ = FileHasCap(binary)
	if r.Effective {
		if t, err := Open(); err != nil {
			r.KernelErr = errors.New(strings.TrimPrefix(err.Error(), ErrUnavailable.Error()+": "))
		} else {
			_ = t.Close()
		}
	}
	if r.FileCap || r.Effective {
		return r
	}
	rec, err := readRecord(recordFile)
	if errors.Is(err, fs.ErrNotExist) || err != nil || rec.Binary == "" {
		return r
	}
	since := rec.Since.Local().Format("2006-01-02 15:04")
	switch {
	case rec.Binary == binary:
		r.Lost = binary
		r.LostWhy = fmt.Sprintf("%s had cap_wake_alarm when the agent ran from it (since %s) and has lost it: it was rebuilt or upgraded", binary, since)
	default:
		has, err := FileHasCap(rec.Binary)
		switch {
		case err == nil && has:
			r.Lost = rec.Binary
			r.LostWhy = fmt.Sprintf("%s is not the binary that was set up: %s has cap_wake_alarm (it was moved or copied)", binary, rec.Binary)
		default:
			r.Lost = rec.Binary
			r.LostWhy = fmt.Sprintf("the binary that had cap_wake_alarm, %s, no longer has it or is gone (moved, rebuilt or upgraded)", rec.Binary)
		}
	}
	return r
}
