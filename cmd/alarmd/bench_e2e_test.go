//go:build e2e

package main

import (
	"bytes"
	"context"
	le "encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"alarmd/agent/api"
	"alarmd/agent/client"
)

// procSample is one reading of a process's cost counters, summed over all its threads: the
// process-level status file counts the main thread only.
type procSample struct {
	at    time.Time
	csw   int64 // voluntary + nonvoluntary context switches
	cpuNS int64 // time on CPU (schedstat's first field), more precise than clock ticks
	rssKB int64 // VmRSS of the process
}

func sampleProc(pid int) (procSample, error) {
	s := procSample{at: time.Now()}
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return s, fmt.Errorf("read tasks of %d: %w", pid, err)
	}
	for _, task := range tasks {
		dir := fmt.Sprintf("/proc/%d/task/%s", pid, task.Name())
		status, err := os.ReadFile(dir + "/status")
		if err != nil {
			continue // the thread ended between listing and reading
		}
		for _, line := range strings.Split(string(status), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if ok && (k == "voluntary_ctxt_switches" || k == "nonvoluntary_ctxt_switches") {
				n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				s.csw += n
			}
		}
		if sched, err := os.ReadFile(dir + "/schedstat"); err == nil {
			if f := strings.Fields(string(sched)); len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				s.cpuNS += n
			}
		}
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, fmt.Errorf("read status of %d: %w", pid, err)
	}
	if m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(status); m != nil {
		s.rssKB, _ = strconv.ParseInt(string(m[1]), 10, 64)
	}
	return s, nil
}

// idleFigures is the cost of an agent doing nothing over one interval.
type idleFigures struct {
	wakeupsPerS, cpuMSPerMin, rssMB float64
	seconds                         float64
}

func measureIdle(t *testing.T, pid int, d time.Duration) idleFigures {
	t.Helper()
	a, err := sampleProc(pid)
	if err != nil {
		t.Fatal(err)
	}
	// Sample once a second too, so the log says when the agent woke and which thread did:
	// a single burst (one event) reads differently from a steady tick.
	prev, threads := a.csw, threadSwitches(pid)
	for start := time.Now(); time.Since(start) < d; {
		time.Sleep(min(time.Second, d-time.Since(start)))
		s, err := sampleProc(pid)
		if err != nil {
			t.Fatal(err)
		}
		if s.csw != prev {
			now := threadSwitches(pid)
			var who []string
			for tid, n := range now {
				if n != threads[tid] {
					who = append(who, fmt.Sprintf("%s+%d", tid, n-threads[tid]))
				}
			}
			slices.Sort(who)
			t.Logf("idle: woke at +%.0f s: %d context switches (threads %s)", time.Since(start).Seconds(), s.csw-prev, strings.Join(who, " "))
			prev, threads = s.csw, now
		}
	}
	b, err := sampleProc(pid)
	if err != nil {
		t.Fatal(err)
	}
	secs := b.at.Sub(a.at).Seconds()
	return idleFigures{
		wakeupsPerS: float64(b.csw-a.csw) / secs,
		cpuMSPerMin: float64(b.cpuNS-a.cpuNS) / 1e6 / secs * 60,
		rssMB:       float64(b.rssKB) / 1024,
		seconds:     secs,
	}
}

// percentile returns the p-th percentile (nearest rank) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/1e6) }

// benchRow is one line of the performance table.
type benchRow struct {
	what, method, goal, result string
	verdict                    string // ✓, ✗ or "" when there is no goal
}

func verdict(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}

// audioProbe watches the headless session's ALSA file sink for the first non-silent sample.
type audioProbe struct {
	path string
}

// waitSound polls the sink file every 2 ms until it holds a non-silent S16_LE sample past the
// starting size, and returns the poll time at which that sample was first in the file.
func (p audioProbe) waitSound(from int64, deadline time.Time) (time.Time, bool) {
	f, err := os.Open(p.path)
	if err != nil {
		return time.Time{}, false
	}
	defer f.Close()
	off := from &^ 3 // frame aligned: 2 channels × 2 bytes
	buf := make([]byte, 64<<10)
	for time.Now().Before(deadline) {
		now := time.Now()
		n, err := f.ReadAt(buf, off)
		n &^= 3
		for i := 0; i+1 < n; i += 2 {
			if le.LittleEndian.Uint16(buf[i:]) != 0 { // silence is digital zero
				return now, true
			}
		}
		off += int64(n)
		if err == io.EOF || n == 0 {
			time.Sleep(2 * time.Millisecond)
		}
	}
	return time.Time{}, false
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// waitQuiet waits until path has not grown for d (the speaker went back to suspended).
func waitQuiet(path string, d, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	last, since := fileSize(path), time.Now()
	for time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		if s := fileSize(path); s != last {
			last, since = s, time.Now()
		} else if time.Since(since) >= d {
			return true
		}
	}
	return false
}

// idleSettle is how long the agent is left alone before an idle measurement.
const idleSettle = 15 * time.Second

// TestBenchmark measures the agent as DESIGN and issue 6 ask and writes docs/PERFORMANCE.md. It
// reports; a missed goal is marked ✗, not failed. Run it with `make bench` (ALARMD_BENCH=1).
func TestBenchmark(t *testing.T) {
	if os.Getenv("ALARMD_BENCH") != "1" {
		t.Skip("the benchmark takes ~10 minutes; run it with `make bench` (ALARMD_BENCH=1)")
	}
	idleFor := 120 * time.Second
	if v := os.Getenv("ALARMD_BENCH_IDLE"); v != "" { // a quicker look while developing
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("ALARMD_BENCH_IDLE: %v", err)
		}
		idleFor = d
	}
	ctx := context.Background()
	var rows []benchRow
	add := func(r benchRow) {
		rows = append(rows, r)
		t.Logf("%-40s %s %s", r.what, r.result, r.verdict)
	}

	// --- idle, tray registered, 10 alarms ---------------------------------------------------
	w := ownTrayWatcher(t)
	watch := watchNotify(t)
	a := newAgentEnv(t)
	pid := a.start()
	cl := client.New(a.socket())
	now := time.Now()
	for i := range 10 {
		at := now.Add(6*time.Hour + time.Duration(i)*7*time.Minute)
		if _, err := cl.Add(ctx, api.AddRequest{When: at.Format("15:04"), Repeat: "daily", Label: ptr(fmt.Sprintf("idle %d", i))}); err != nil {
			t.Fatalf("add: %v", err)
		}
	}
	select {
	case <-w.regs:
	case <-time.After(5 * time.Second):
		t.Fatalf("the tray item did not register\nlog:\n%s", a.log())
	}
	// The Go runtime winds down for a few seconds after activity (sysmon backs off, the
	// scavenger finishes), and the deadlines of the last requests come due once: measure the
	// settled agent, as it is between alarms. The CLI closes its connection after each command;
	// this client must too, or the agent times the idle connection out inside the measurement.
	cl.CloseIdleConnections()
	time.Sleep(idleSettle)
	before := measureIdle(t, pid, idleFor)
	idleMethod := fmt.Sprintf("%.0f s after %v of settling, 10 daily alarms, tray registered with a StatusNotifierWatcher; sums over /proc/PID/task/*/status and schedstat", before.seconds, idleSettle)
	add(benchRow{"idle wakeups/s (before any ring)", idleMethod, "≤ 0.05", fmt.Sprintf("%.3f", before.wakeupsPerS), verdict(before.wakeupsPerS <= 0.05)})
	add(benchRow{"idle CPU ms/min (before any ring)", idleMethod, "≤ 3", fmt.Sprintf("%.2f", before.cpuMSPerMin), verdict(before.cpuMSPerMin <= 3)})
	add(benchRow{"idle RSS MB", "VmRSS at the end of the idle interval", "≤ 16", fmt.Sprintf("%.1f", before.rssMB), verdict(before.rssMB <= 16)})

	// --- firing: due → Notify, 50 alarms over 60 s ----------------------------------------
	const fires = 50
	base := time.Now().Add(5 * time.Second)
	ids := make([]int, fires)
	for i := range fires {
		at := base.Add(time.Duration(i) * 60 * time.Second / fires)
		al, err := cl.Add(ctx, api.AddRequest{When: at.Format(time.RFC3339Nano), Label: ptr(fmt.Sprintf("bench fire %02d", i))})
		if err != nil {
			t.Fatalf("add fire %d: %v", i, err)
		}
		ids[i] = al.ID
	}
	dues := map[int]time.Time{}
	for _, al := range a.list() {
		dues[al.ID] = al.Next
	}
	var notifyDelays []time.Duration
	missed := 0
	for i, id := range ids {
		due := dues[id]
		call, ok := watch.waitFor(fmt.Sprintf("bench fire %02d", i), time.Until(due)+3*time.Second)
		if !ok {
			missed++
			continue
		}
		notifyDelays = append(notifyDelays, call.at.Sub(due))
		if _, err := cl.Dismiss(ctx, id); err != nil {
			t.Logf("dismiss %d: %v", id, err)
		}
	}
	p99 := percentile(notifyDelays, 99)
	add(benchRow{"due → Notify p50 / p99 / max",
		fmt.Sprintf("%d alarms `add <RFC 3339 instant>` spread over 60 s; due = `list --json` next; Notify = receive time of a D-Bus monitor (BecomeMonitor) in the test; each dismissed once seen", fires),
		"p99 ≤ 5 ms",
		fmt.Sprintf("%s / %s / %s (%d/%d seen)", ms(percentile(notifyDelays, 50)), ms(p99), ms(percentile(notifyDelays, 100)), len(notifyDelays), fires),
		verdict(missed == 0 && p99 <= 5*time.Millisecond)})

	// --- due → first non-silent audio sample, 10 alarms, with no fade and the default fade ---
	probe := audioProbe{os.Getenv("HEADLESS_AUDIO_FILE")}
	if probe.path == "" {
		t.Fatal("HEADLESS_AUDIO_FILE is not set")
	}
	for _, fade := range []string{"0s", ""} {
		var audioDelays []time.Duration
		for i := range 10 {
			waitQuiet(probe.path, 300*time.Millisecond, 5*time.Second)
			from := fileSize(probe.path)
			at := time.Now().Add(1500 * time.Millisecond)
			al, err := cl.Add(ctx, api.AddRequest{When: at.Format(time.RFC3339Nano), Fade: fade, Label: ptr(fmt.Sprintf("bench sound %02d", i))})
			if err != nil {
				t.Fatalf("add sound %d: %v", i, err)
			}
			got, err := cl.Get(ctx, al.ID)
			if err != nil {
				t.Fatal(err)
			}
			heard, ok := probe.waitSound(from, got.Next.Add(3*time.Second))
			if ok {
				audioDelays = append(audioDelays, heard.Sub(got.Next))
			}
			if _, err := cl.Dismiss(ctx, al.ID); err != nil {
				t.Logf("dismiss %d: %v", al.ID, err)
			}
		}
		p95 := percentile(audioDelays, 95)
		what, method := "due → first non-silent audio p50 / p95 (`--fade 0s`)", "10 alarms with no fade-in, so this is the pipeline: timer, ring, speaker resume, ALSA. "
		if fade == "" {
			what, method = "due → first non-silent audio p50 / p95 (default 10 s fade)", "10 alarms with the default fade-in: a ramp linear in dB that starts at -60 dB (inaudible, but not zero), so its first frames already count. "
		}
		add(benchRow{what,
			method + "The session's ALSA sink (file plugin → FIFO → real-time pacer) is polled every 2 ms from before due; the time is the poll that first finds a non-zero sample past the size at the start. Resolution: 2 ms poll + the pacer's 20 ms chunks",
			"p95 ≤ 150 ms",
			fmt.Sprintf("%s / %s (%d/10 heard)", ms(percentile(audioDelays, 50)), ms(p95), len(audioDelays)),
			verdict(len(audioDelays) == 10 && p95 <= 150*time.Millisecond)})
	}

	// --- idle after a ring: the speaker must be suspended again -----------------------------
	waitQuiet(probe.path, time.Second, 10*time.Second)
	cl.CloseIdleConnections()
	time.Sleep(idleSettle)
	after := measureIdle(t, pid, idleFor)
	add(benchRow{"idle wakeups/s (after rings, speaker suspended)", fmt.Sprintf("as above: %.0f s, from %v after the last ring was dismissed", after.seconds, idleSettle), "≤ 0.05", fmt.Sprintf("%.3f", after.wakeupsPerS), verdict(after.wakeupsPerS <= 0.05)})
	add(benchRow{"idle CPU ms/min (after rings)", "as above", "≤ 3", fmt.Sprintf("%.2f", after.cpuMSPerMin), verdict(after.cpuMSPerMin <= 3)})
	add(benchRow{"RSS MB after rings", "VmRSS", "≤ 16", fmt.Sprintf("%.1f", after.rssMB), verdict(after.rssMB <= 16)})

	// --- control: list ---------------------------------------------------------------------
	var lists []time.Duration
	for range 200 {
		lists = append(lists, a.run("list").took)
	}
	lp50 := percentile(lists, 50)
	add(benchRow{"`alarmd list` wall time p50", "200 runs of the whole process (fork, exec, socket, 10 alarms, print), timed by the test", "≤ 10 ms",
		fmt.Sprintf("%s (p95 %s)", ms(lp50), ms(percentile(lists, 95))), verdict(lp50 <= 10*time.Millisecond)})
	a.must("stop")

	// --- control: start → ready -------------------------------------------------------------
	var starts []time.Duration
	for range 10 {
		e := newAgentEnv(t)
		r := e.run("start")
		if r.code != 0 {
			t.Fatalf("start: %d %s", r.code, r.stderr)
		}
		starts = append(starts, r.took)
		e.must("stop")
	}
	sp50 := percentile(starts, 50)
	add(benchRow{"`alarmd start` → ready", "wall time of `alarmd start` (it returns when stage 2 wrote ok on the readiness pipe), median of 10 fresh starts with new XDG dirs", "≤ 300 ms",
		fmt.Sprintf("%s (max %s)", ms(sp50), ms(percentile(starts, 100))), verdict(sp50 <= 300*time.Millisecond)})

	// --- scale: 10 000 alarms ---------------------------------------------------------------
	big := newAgentEnv(t)
	bigPID := big.start()
	bcl := client.New(big.socket())
	began := time.Now()
	rules := []string{"", "daily", "weekdays", "mon,wed,fri", "weekends"}
	var slowest time.Duration
	addErrors := 0
	// Spread over the day but none within the next two hours: an alarm that came due during the
	// adds would ring through the measurement (and an agent that rings does not trim its memory).
	firstHour := time.Now().Hour() + 2
	for i := range 10000 {
		req := api.AddRequest{When: fmt.Sprintf("%02d:%02d", (firstHour+i%20)%24, i%60), Repeat: rules[i%len(rules)], Label: ptr(fmt.Sprintf("scale %d", i))}
		if i%10 == 9 {
			req = api.AddRequest{When: fmt.Sprintf("in %dh%dm", 30+i%200, i%60), Label: req.Label}
		}
		t0 := time.Now()
		if _, err := bcl.Add(ctx, req); err != nil {
			// A timeout here is a finding (the agent took > 15 s for one add), not a reason to
			// lose the other figures.
			addErrors++
			t.Logf("add %d: %v", i, err)
			if addErrors > 20 {
				t.Fatalf("too many failed adds; log tail:\n%s", tail(big.log(), 30))
			}
		}
		slowest = max(slowest, time.Since(t0))
	}
	addTook := time.Since(began)
	time.Sleep(2 * time.Second)
	bs, err := sampleProc(bigPID)
	if err != nil {
		t.Fatal(err)
	}
	var bigLists []time.Duration
	for range 5 {
		r := big.run("list", "--json")
		if r.code != 0 {
			t.Fatalf("list --json: %s", r.stderr)
		}
		bigLists = append(bigLists, r.took)
	}
	rssMB := float64(bs.rssKB) / 1024
	add(benchRow{"10 000 alarms: time to add", "one Go client (agent/client) over the socket, one POST each, sequential; every add is an atomic, fsynced rewrite of alarms.json", "-",
		fmt.Sprintf("%.1f s (%.1f ms/add, slowest %s, %d failed)", addTook.Seconds(), float64(addTook)/1e6/10000, ms(slowest), addErrors), verdict(addErrors == 0)})
	add(benchRow{"10 000 alarms: RSS MB", "VmRSS 2 s after the last add", "≤ 40", fmt.Sprintf("%.1f", rssMB), verdict(rssMB <= 40)})
	add(benchRow{"10 000 alarms: `list --json` wall time", "median of 5 whole-process runs", "-", ms(percentile(bigLists, 50)), ""})
	big.must("stop")
	nr, nrErr := nextRingBench()
	if nrErr != nil {
		t.Errorf("next-ring benchmark: %v", nrErr)
		nr = "failed: " + nrErr.Error()
	}
	add(benchRow{"10 000 alarms: next-ring computation", "`go test -bench BenchmarkNextRing10000 ./agent/scheduler` (the whole decision: what rings now and the next instant), ns/op", "-", nr, ""})

	table := renderTable(rows)
	fmt.Println(table)
	if err := writePerformanceDoc(table); err != nil {
		t.Errorf("write docs/PERFORMANCE.md: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// nextRingBench runs the scheduler's benchmark in a child `go test` and returns its ns/op.
func nextRingBench() (string, error) {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "^BenchmarkNextRing10000$", "-benchtime", "200x", "-count", "1", "./agent/scheduler")
	cmd.Dir = repoRoot()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%v: %s", err, out)
	}
	m := regexp.MustCompile(`BenchmarkNextRing10000\S*\s+\d+\s+([\d.]+) ns/op`).FindSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("no ns/op in: %s", out)
	}
	ns, _ := strconv.ParseFloat(string(m[1]), 64)
	return fmt.Sprintf("%.0f ns/op (%.2f ms)", ns, ns/1e6), nil
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func renderTable(rows []benchRow) string {
	var b strings.Builder
	b.WriteString("| figure | result | goal | ok | method |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.what, r.result, r.goal, r.verdict, r.method)
	}
	return b.String()
}

// Sections of docs/PERFORMANCE.md that other runs own: the bench rewrites the rest and keeps
// these (bench-peers.sh writes the peers, the fault suite under `make bench` writes the faults).
var docSections = []string{"peers", "faults"}

func performanceDoc() string { return filepath.Join(repoRoot(), "docs", "PERFORMANCE.md") }

func writePerformanceDoc(table string) error {
	old, _ := os.ReadFile(performanceDoc())
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	goVersion, _ := exec.Command("go", "env", "GOVERSION").Output()
	var b strings.Builder
	fmt.Fprintf(&b, `# Performance

Written by `+"`make bench`"+` (cmd/alarmd/bench_e2e_test.go, TestBenchmark) — do not edit by hand; run it
again. Every figure comes from the real binary in the private headless session of
scripts/headless-session.sh (private session bus, dunst, ALSA file sink paced at real time), using
public interfaces only: /proc, a D-Bus monitor, the audio sink file, the CLI and the control API.

- date: %s
- machine: %d cores, kernel %s, %s
- goals: issue 6; a missed goal is marked ✗ (the bench reports, it does not fail)

%s
Notes on method:
- wakeups/s are context switches (voluntary + nonvoluntary) summed over every thread in
  /proc/PID/task/*/status, divided by the interval; CPU time is the first field of
  /proc/PID/task/*/schedstat (ns), summed.
- due → Notify: due is the `+"`next`"+` instant that `+"`list --json`"+` reports; the Notify time is when the
  test's bus monitor received the method call, so it includes one bus hop.
- due → audio: the sink writes the FIFO at real time through a pacer in 20 ms chunks; the test
  polls the sink file every 2 ms and takes the first poll that finds a non-zero sample. Resolution about
  ±2 ms, plus up to 20 ms of pacer chunking. The default fade-in starts at -60 dB rather than at zero,
  so its first frames are already non-zero; the bench shows both the bare pipeline (--fade 0s) and
  the default.
`, time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.NumCPU(), strings.TrimSpace(string(kernel)), strings.TrimSpace(string(goVersion)), table)
	for _, name := range docSections {
		begin, end := "<!-- "+name+":begin -->", "<!-- "+name+":end -->"
		block := begin + "\n(not measured yet)\n" + end
		if i, j := bytes.Index(old, []byte(begin)), bytes.Index(old, []byte(end)); i >= 0 && j > i {
			block = string(old[i : j+len(end)])
		}
		title := map[string]string{"peers": "Peers (`make bench-peers`)", "faults": "Faults (fault suite, TestFaults)"}[name]
		fmt.Fprintf(&b, "\n## %s\n\n%s\n", title, block)
	}
	return writeFileAtomic(performanceDoc(), []byte(b.String()), 0o644)
}

// replaceDocSection swaps the named section's body in docs/PERFORMANCE.md.
func replaceDocSection(name, body string) error {
	old, err := os.ReadFile(performanceDoc())
	if err != nil {
		return fmt.Errorf("read %s: %w", performanceDoc(), err)
	}
	begin, end := "<!-- "+name+":begin -->", "<!-- "+name+":end -->"
	i, j := bytes.Index(old, []byte(begin)), bytes.Index(old, []byte(end))
	if i < 0 || j < i {
		return fmt.Errorf("no %s section in %s", name, performanceDoc())
	}
	var b bytes.Buffer
	b.Write(old[:i])
	b.WriteString(begin + "\n" + strings.TrimRight(body, "\n") + "\n" + end)
	b.Write(old[j+len(end):])
	return writeFileAtomic(performanceDoc(), b.Bytes(), 0o644)
}

// writeFileAtomic writes a temp file in the same directory, syncs it and renames it over path.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
