//go:build e2e

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"alarmd/agent/api"
	"alarmd/internal/fakelogind"
)

// The end-to-end tests of waking the computer and of sleep awareness (DESIGN §15).

// userAgent is alarmd run as uid 65534 (nobody) from a copy of the binary, with XDG directories
// of its own, optionally under strace.
type userAgent struct {
	t     *testing.T
	dir   string
	bin   string
	env   []string
	agent *exec.Cmd
	trace string // strace output file, "" when not traced
	logf  string
	// ambient starts the agent with CAP_WAKE_ALARM in its ambient set, as pam_systemd grants it
	// on a local seat, instead of from the file.
	ambient bool
}

const nobody = "65534"

func newUserAgent(t *testing.T, withCap bool) *userAgent {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to act as uid 65534 and to set a file capability")
	}
	for _, p := range []string{"setpriv", "setcap", "strace"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s not installed (scripts/deps.sh installs util-linux, libcap2-bin and strace)", p)
		}
	}
	dir := t.TempDir()
	for d := dir; len(d) > len(os.TempDir()); d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	u := &userAgent{t: t, dir: dir, bin: filepath.Join(dir, "alarmd"), logf: filepath.Join(dir, "agent.log")}
	data, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(u.bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if withCap {
		if out, err := exec.Command("setcap", "cap_wake_alarm+ep", u.bin).CombinedOutput(); err != nil {
			t.Fatalf("setcap: %v %s", err, out)
		}
	}
	home := filepath.Join(dir, "home")
	u.env = []string{"PATH=/usr/bin:/bin:/usr/sbin:/sbin", "HOME=" + home, "TZ=UTC"}
	for _, k := range []string{"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR"} {
		d := filepath.Join(home, strings.ToLower(strings.TrimPrefix(k, "XDG_")))
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		u.env = append(u.env, k+"="+d)
	}
	if out, err := exec.Command("chown", "-R", nobody+":"+nobody, home).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v %s", err, out)
	}
	return u
}

// cmd is alarmd ARGS as uid 65534.
func (u *userAgent) cmd(args ...string) *exec.Cmd {
	c := exec.Command("setpriv", append([]string{"--reuid=" + nobody, "--regid=" + nobody, "--clear-groups", u.bin}, args...)...)
	c.Env = u.env
	return c
}

func (u *userAgent) run(args ...string) (string, int) {
	u.t.Helper()
	out, err := u.cmd(args...).CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		u.t.Fatalf("alarmd %v: %v", args, err)
	}
	return string(out), code
}

// start runs `alarmd run` in the foreground as uid 65534, traced when asked, and waits until it
// answers.
func (u *userAgent) start(traced bool) {
	u.t.Helper()
	c := u.cmd("run")
	if u.ambient {
		c = exec.Command("capsh", "--caps=cap_wake_alarm+eip cap_setpcap,cap_setuid,cap_setgid+ep", "--keep=1", "--user=nobody",
			"--addamb=cap_wake_alarm", "--", "-c", `exec "$0" "$@"`, u.bin, "run")
		c.Env = u.env
	}
	if traced {
		u.trace = filepath.Join(u.dir, "strace.log")
		c = exec.Command("strace", append([]string{"-f", "-e", "trace=timerfd_create,timerfd_settime", "-o", u.trace}, c.Args...)...)
		c.Env = u.env
	}
	lf, err := os.Create(u.logf)
	if err != nil {
		u.t.Fatal(err)
	}
	c.Stdout, c.Stderr = lf, lf
	if err := c.Start(); err != nil {
		u.t.Fatal(err)
	}
	u.agent = c
	u.t.Cleanup(func() {
		_ = c.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = c.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = c.Process.Kill()
			<-done
		}
		lf.Close()
	})
	if _, ok := waitFor(10*time.Second, func() bool { _, code := u.run("status"); return code == 0 }); !ok {
		u.t.Fatalf("the agent does not answer\nlog:\n%s", u.log())
	}
}

func (u *userAgent) log() string { b, _ := os.ReadFile(u.logf); return string(b) }

func (u *userAgent) stop() {
	u.t.Helper()
	if out, code := u.run("stop"); code != 0 {
		u.t.Errorf("stop: exit %d %s", code, out)
	}
	_ = u.agent.Wait()
}

// agentPID is the pid of the agent itself (under setpriv and strace, the exec'd alarmd).
func (u *userAgent) agentPID() int {
	b, _ := os.ReadFile(filepath.Join(u.dir, "home", "runtime_dir", "alarmd", "alarmd.pid"))
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

func (u *userAgent) next(label string) time.Time {
	u.t.Helper()
	out, code := u.run("list", "--json")
	if code != 0 {
		u.t.Fatalf("list: %s", out)
	}
	var l api.AlarmList
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		u.t.Fatalf("list --json: %v: %s", err, out)
	}
	for _, a := range l.Alarms {
		if a.Label == label {
			return a.Next
		}
	}
	u.t.Fatalf("no alarm %q in %s", label, out)
	return time.Time{}
}

// capLine reads a Cap* line of /proc/PID/status.
func capLine(pid int, name string) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, name+":") {
			return strings.TrimSpace(strings.TrimPrefix(line, name+":"))
		}
	}
	return ""
}

var alarmFD = regexp.MustCompile(`timerfd_create\(CLOCK_REALTIME_ALARM, [^)]*\) = (\d+)`)

// TestWakeAsUserWithAndWithoutTheCapability: an ordinary user on a copy of the binary with
// cap_wake_alarm+ep gets a CLOCK_REALTIME_ALARM timerfd armed at ring − lead for a clock-time
// alarm and not for a timer; the agent holds the capability in nothing but its permitted and
// effective sets. The same binary with the capability removed: the ring timer is still armed,
// `wake status` and doctor name the binary that lost it and the command, one log line.
func TestWakeAsUserWithAndWithoutTheCapability(t *testing.T) {
	u := newUserAgent(t, true)
	u.start(true)
	pid := u.agentPID()
	if got := capLine(pid, "CapEff"); got != "0000000800000000" {
		t.Errorf("agent CapEff = %s, want only CAP_WAKE_ALARM (0000000800000000)", got)
	}
	for _, set := range []string{"CapInh", "CapAmb"} {
		if got := capLine(pid, set); got != "0000000000000000" {
			t.Errorf("agent %s = %s, want empty: its children must not receive CAP_WAKE_ALARM", set, got)
		}
	}
	if out, code := u.run("add", "in", "25m", "Tea"); code != 0 {
		t.Fatalf("add timer: %s", out)
	}
	time.Sleep(300 * time.Millisecond) // strace writes as the agent works; the next add orders it
	trace, _ := os.ReadFile(u.trace)
	m := alarmFD.FindSubmatch(trace)
	if m == nil {
		// The honest outcome when the kernel refuses alarm timers even with the capability.
		t.Fatalf("no successful timerfd_create(CLOCK_REALTIME_ALARM) in strace:\n%s\nlog:\n%s", trace, u.log())
	}
	fd := string(m[1])
	settime := regexp.MustCompile(`timerfd_settime\(` + fd + `, TFD_TIMER_ABSTIME\|TFD_TIMER_CANCEL_ON_SET, \{it_interval=\{tv_sec=0, tv_nsec=0\}, it_value=\{tv_sec=(\d+), tv_nsec=0\}\}, NULL\) = 0`)
	if settime.Match(trace) || strings.Contains(string(trace), "timerfd_settime("+fd+",") {
		t.Errorf("the wake timer was set for a timer (in 25m):\n%s", trace)
	}
	if out, code := u.run("add", "07:30", "Wake up"); code != 0 {
		t.Fatalf("add: %s", out)
	}
	ring := u.next("Wake up")
	want := ring.Add(-time.Minute).Unix()
	var got []string
	if _, ok := waitFor(5*time.Second, func() bool {
		trace, _ = os.ReadFile(u.trace)
		got = nil
		for _, m := range settime.FindAllSubmatch(trace, -1) {
			got = append(got, string(m[1]))
		}
		return len(got) > 0
	}); !ok {
		t.Fatalf("no absolute timerfd_settime on the wake timer (fd %s):\n%s", fd, trace)
	}
	if len(got) != 1 || got[0] != strconv.FormatInt(want, 10) {
		t.Errorf("wake timer set at %v, want once at %d (ring %s − 60 s)", got, want, ring.Format(time.RFC3339))
	}
	t.Logf("strace: %s", regexp.MustCompile(`.*timerfd_create\(CLOCK_REALTIME_ALARM.*|.*timerfd_settime\(`+fd+`,.*`).FindAll(trace, -1))
	if out, code := u.run("wake", "status"); code != 0 || !strings.Contains(out, "waking: works: "+u.bin+" has cap_wake_alarm") {
		t.Errorf("wake status with the capability: exit %d\n%s", code, out)
	}
	if out, _ := u.run("status"); !strings.Contains(out, "wake:          on (lead 1m0s): wakes the computer at ") {
		t.Errorf("status:\n%s", out)
	}
	u.stop()

	// The binary loses the capability (as a rebuild or an upgrade would).
	if out, err := exec.Command("setcap", "-r", u.bin).CombinedOutput(); err != nil {
		t.Fatalf("setcap -r: %v %s", err, out)
	}
	u.start(true)
	trace, _ = os.ReadFile(u.trace)
	if bytes.Contains(trace, []byte("CLOCK_REALTIME_ALARM")) {
		t.Errorf("without the capability the agent still tried an alarm timer:\n%s", trace)
	}
	// The ring timer (CLOCK_REALTIME) is armed for the next alarm all the same.
	ringSet := regexp.MustCompile(`timerfd_settime\(\d+, TFD_TIMER_ABSTIME\|TFD_TIMER_CANCEL_ON_SET, \{it_interval=\{tv_sec=0, tv_nsec=0\}, it_value=\{tv_sec=(\d+),`)
	if _, ok := waitFor(5*time.Second, func() bool { trace, _ = os.ReadFile(u.trace); return ringSet.Match(trace) }); !ok {
		t.Errorf("the ring timer was not armed without the capability:\n%s", trace)
	}
	out, code := u.run("wake", "status")
	wantCmd := "run: sudo " + u.bin + " wake setup"
	if code != 1 || !strings.Contains(out, "rebuilt or upgraded") || !strings.Contains(out, wantCmd) {
		t.Errorf("wake status after losing the capability: exit %d\n%s", code, out)
	}
	doctor, _ := u.run("doctor")
	if !strings.Contains(doctor, "warn  wake: does not work: "+u.bin+" had cap_wake_alarm") || !strings.Contains(doctor, wantCmd) {
		t.Errorf("doctor:\n%s", doctor)
	}
	if st, _ := u.run("status"); !strings.Contains(st, "wake:          off: the agent does not hold CAP_WAKE_ALARM; to let alarmd wake the computer, run: sudo "+u.bin+" wake setup") {
		t.Errorf("status:\n%s", st)
	}
	if n := strings.Count(u.log(), "will not be woken for alarms"); n != 1 {
		t.Errorf("%d log lines about waking, want 1:\n%s", n, u.log())
	}
	t.Logf("wake status without the capability:\n%s", out)
}

// sleepAgent is an agent of the harness's kind with a fake logind on a private system bus.
func sleepAgent(t *testing.T, wrap []string, config string) (*agentEnv, *fakelogind.Logind, int) {
	t.Helper()
	addr := privateBus(t, t.TempDir())
	fake := fakelogind.Start(t, addr)
	a := newAgentEnv(t)
	a.env = append(a.env, "DBUS_SYSTEM_BUS_ADDRESS="+addr)
	if config != "" {
		cfg := filepath.Join(a.dirs["XDG_CONFIG_HOME"], "alarmd", "config.toml")
		os.MkdirAll(filepath.Dir(cfg), 0o700)
		if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var pid int
	if len(wrap) == 0 {
		pid = a.start()
	} else {
		cmd := exec.Command(wrap[0], append(wrap[1:], binary, "start")...)
		cmd.Env = a.env
		out, err := cmd.CombinedOutput()
		m := startedRE.FindStringSubmatch(string(out))
		if err != nil || m == nil {
			t.Fatalf("%v start: %v %s", wrap, err, out)
		}
		pid, _ = strconv.Atoi(m[1])
	}
	t.Cleanup(func() { a.run("stop") })
	fake.WaitInhibitor(t, "delay", 1, 5*time.Second)
	return a, fake, pid
}

func waitLog(t *testing.T, a *agentEnv, s string, d time.Duration) {
	t.Helper()
	if _, ok := waitFor(d, func() bool { return strings.Contains(a.log(), s) }); !ok {
		t.Fatalf("no %q in the log within %s:\n%s", s, d, a.log())
	}
}

// TestSleepWarningWhenWakingIsUnavailable: an agent without CAP_WAKE_ALARM (dropped from its
// bounding set) takes the delay lock at start; on PrepareForSleep(true) it shows one
// notification about the alarm that falls in the sleep, then releases the lock within 1 s; after
// PrepareForSleep(false) it takes the lock again.
func TestSleepWarningWhenWakingIsUnavailable(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to drop CAP_WAKE_ALARM from the bounding set (setpriv)")
	}
	a, fake, pid := sleepAgent(t, []string{"setpriv", "--bounding-set=-wake_alarm", "--inh-caps=-all"}, "")
	if got := capLine(pid, "CapEff"); strings.HasSuffix(got, "800000000") || got == "" {
		t.Fatalf("agent CapEff %s still holds CAP_WAKE_ALARM", got)
	}
	watch := watchNotify(t)
	ring := time.Now().Add(2 * time.Hour).Truncate(time.Minute)
	a.must("add", ring.Format("15:04"), "Wake up")
	first := fake.Inhibitors()[0]
	time.Sleep(400 * time.Millisecond) // the fake's own copy of the pipe is closed by now
	sent := time.Now()
	if err := fake.PrepareForSleep(true); err != nil {
		t.Fatal(err)
	}
	n, ok := watch.waitFor("Alarm will not ring during sleep", 3*time.Second)
	if !ok {
		t.Fatalf("no warning notification\nlog:\n%s", a.log())
	}
	bin, _ := filepath.EvalSymlinks(binary)
	want := "Wake up at " + ring.Format("15:04") + " will not ring while the computer sleeps — to let alarmd wake it: sudo " + bin + " wake setup"
	if n.body != want {
		t.Errorf("warning body %q, want %q", n.body, want)
	}
	select {
	case <-first.Released():
	case <-time.After(3 * time.Second):
		t.Fatal("the delay lock was not released")
	}
	took := first.ReleasedAt().Sub(sent)
	t.Logf("FIGURE PrepareForSleep(true) → delay lock released, with the warning shown first: %s", took.Round(time.Millisecond))
	if took > time.Second {
		t.Errorf("delay lock released %s after PrepareForSleep(true), want within 1 s", took)
	}
	if !n.at.Before(first.ReleasedAt()) {
		t.Errorf("the warning went out at %s, after the lock was released at %s", n.at, first.ReleasedAt())
	}
	if err := fake.PrepareForSleep(false); err != nil {
		t.Fatal(err)
	}
	fake.WaitInhibitor(t, "delay", 2, 5*time.Second)
}

// TestAlarmPassedDuringSleepRingsOnResume: the agent is frozen during the "sleep" (SIGSTOP, as
// the kernel freezes tasks); an alarm whose instant passed rings late, one beyond its late window
// goes to the missed summary, right after PrepareForSleep(false).
func TestAlarmPassedDuringSleepRingsOnResume(t *testing.T) {
	a, fake, pid := sleepAgent(t, nil, "")
	watch := watchNotify(t)
	due := time.Now().Add(3 * time.Second).Truncate(time.Second)
	a.must("add", due.Format(time.RFC3339), "Late but rings", "--late", "10m")
	a.must("add", due.Format(time.RFC3339), "Too late", "--late", "0s")
	first := fake.Inhibitors()[0]
	if err := fake.PrepareForSleep(true); err != nil {
		t.Fatal(err)
	}
	<-first.Released()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(due.Add(3 * time.Second)))
	if err := fake.PrepareForSleep(false); err != nil {
		t.Fatal(err)
	}
	resumed := time.Now()
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	late, ok := watch.waitFor("Late but rings", 3*time.Second)
	if !ok {
		t.Fatalf("the alarm within its late window did not ring after the resume\nlog:\n%s", a.log())
	}
	missed, ok := watch.waitFor("Missed alarm", 3*time.Second)
	if !ok || !strings.Contains(missed.body, "Too late") {
		t.Fatalf("no missed summary naming the alarm beyond its late window: %+v\nlog:\n%s", missed, a.log())
	}
	t.Logf("resume → late ring %s, → missed summary %s", late.at.Sub(resumed).Round(time.Millisecond), missed.at.Sub(resumed).Round(time.Millisecond))
	fake.WaitInhibitor(t, "delay", 2, 5*time.Second)
	a.must("dismiss")
}

// wokenRing plays a sleep that alarmd's real wake timer ends (lead 2 s) before an alarm that
// rings for 3 s, and returns once the agent holds its block lock.
func wokenRing(t *testing.T) (*agentEnv, *fakelogind.Logind) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs CAP_WAKE_ALARM (root here) for the real CLOCK_REALTIME_ALARM timer")
	}
	a, fake, _ := sleepAgent(t, nil, "[wake]\nlead = \"2s\"\n")
	if !strings.Contains(a.must("status"), "wake:          on (lead 2s)") {
		t.Fatalf("waking is not on:\n%s", a.must("status"))
	}
	ring := time.Now().Add(5 * time.Second).Truncate(time.Second)
	a.must("add", ring.Format(time.RFC3339), "Woken", "--ring", "3s")
	first := fake.Inhibitors()[0]
	if err := fake.PrepareForSleep(true); err != nil {
		t.Fatal(err)
	}
	<-first.Released()
	waitLog(t, a, "wake timer fired", 10*time.Second)
	if err := fake.PrepareForSleep(false); err != nil {
		t.Fatal(err)
	}
	block := fake.WaitInhibitor(t, "block", 1, 5*time.Second)
	if block.What != "sleep:handle-lid-switch" {
		t.Errorf("block lock on %q, want sleep:handle-lid-switch", block.What)
	}
	return a, fake
}

func TestUnansweredRingAfterWakeSuspendsAgain(t *testing.T) {
	a, fake := wokenRing(t)
	waitLog(t, a, "suspending again", 15*time.Second)
	if n := len(fake.Suspends()); n != 1 {
		t.Errorf("Suspend called %d times, want 1\nlog:\n%s", n, a.log())
	}
	for _, in := range fake.Inhibitors() {
		if in.Mode == "block" {
			select {
			case <-in.Released():
			case <-time.After(2 * time.Second):
				t.Errorf("the block lock is still held after the ring")
			}
		}
	}
}

func TestStoppedRingAfterWakeStaysAwake(t *testing.T) {
	a, fake := wokenRing(t)
	waitLog(t, a, "ringing", 10*time.Second)
	a.must("dismiss")
	waitLog(t, a, "the ring was answered or the user is back", 10*time.Second)
	if n := len(fake.Suspends()); n != 0 {
		t.Errorf("Suspend called %d times after the alarm was stopped", n)
	}
}

func TestActiveSessionAfterWakeStaysAwake(t *testing.T) {
	a, fake := wokenRing(t)
	if err := fake.SetSession(true, false); err != nil {
		t.Fatal(err)
	}
	waitLog(t, a, "the user is back; the computer stays awake", 10*time.Second)
	waitLog(t, a, "the ring was answered or the user is back", 15*time.Second)
	if n := len(fake.Suspends()); n != 0 {
		t.Errorf("Suspend called %d times after the session became active", n)
	}
}

// TestIdleWithWakeAlarms: wake-enabled alarms cost no idle wakeups: an agent with three
// clock-time alarms (wake timer armed) against one with three timers (wake timer disarmed).
// 120 s each under ALARMD_BENCH=1, 20 s otherwise.
func TestIdleWithWakeAlarms(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs CAP_WAKE_ALARM (root here) so that the wake timer is armed")
	}
	d := 20 * time.Second
	if os.Getenv("ALARMD_BENCH") == "1" {
		d = 120 * time.Second
	}
	measure := func(wake bool) idleFigures {
		a := newAgentEnv(t)
		pid := a.start()
		defer a.run("stop")
		for _, when := range []string{"7:30", "8:00", "9:15"} {
			args := []string{"add", when, "idle " + when}
			if !wake {
				args = append(args, "--no-wake")
			}
			a.must(args...)
		}
		st := a.must("status")
		if got := strings.Contains(st, "wakes the computer at"); got != wake {
			t.Fatalf("wake=%v but status says:\n%s", wake, st)
		}
		time.Sleep(idleSettle)
		return measureIdle(t, pid, d)
	}
	without := measure(false)
	with := measure(true)
	t.Logf("FIGURE idle wakeups over %.0f s: without a wake-enabled alarm %.3f/s, with three (wake timer armed) %.3f/s (CPU %.2f vs %.2f ms/min)",
		with.seconds, without.wakeupsPerS, with.wakeupsPerS, without.cpuMSPerMin, with.cpuMSPerMin)
	if with.wakeupsPerS > without.wakeupsPerS+3/with.seconds {
		t.Errorf("wake-enabled alarms add wakeups: %.3f/s with vs %.3f/s without", with.wakeupsPerS, without.wakeupsPerS)
	}
}

// TestAgentChildrenGetNoCapability: the programs the agent starts run without CAP_WAKE_ALARM.
// The agent runs as uid 65534 holding the capability — from a binary with cap_wake_alarm+ep, or
// in its ambient set as a session manager would pass it — on a session bus of that user's own
// with a tray host; a click on the icon opens the New alarm… dialog, whose program (a stand-in
// for zenity) records the capability sets it was started with.
func TestAgentChildrenGetNoCapability(t *testing.T) {
	t.Run("file", func(t *testing.T) { childCaps(t, newUserAgent(t, true)) })
	t.Run("ambient", func(t *testing.T) {
		if _, err := exec.LookPath("capsh"); err != nil {
			t.Skip("capsh not installed (libcap2-bin)")
		}
		u := newUserAgent(t, false)
		u.ambient = true
		childCaps(t, u)
	})
}

func childCaps(t *testing.T, u *userAgent) {
	busDir := filepath.Join(u.dir, "bus")
	binDir := filepath.Join(u.dir, "fakebin")
	caps := filepath.Join(u.dir, "home", "child-caps")
	for _, d := range []string{busDir, binDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	exec.Command("chown", nobody+":"+nobody, busDir).Run()
	script := "#!/bin/sh\ngrep '^Cap' /proc/$$/status > " + caps + "\nexit 1\n"
	for _, name := range []string{"qarma", "zenity", "matedialog"} {
		if err := os.WriteFile(filepath.Join(binDir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// A session bus run by uid 65534 that lets the test (root) in to play the tray host.
	sock := filepath.Join(busDir, "bus")
	conf := filepath.Join(busDir, "bus.conf")
	os.WriteFile(conf, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:path=`+sock+`</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>
`), 0o644)
	bus := exec.Command("setpriv", "--reuid="+nobody, "--regid="+nobody, "--clear-groups", "dbus-daemon", "--config-file="+conf, "--nofork", "--nosyslog")
	if err := bus.Start(); err != nil {
		t.Skipf("dbus-daemon: %v", err)
	}
	t.Cleanup(func() { bus.Process.Kill(); bus.Wait() })
	addr := "unix:path=" + sock
	if _, ok := waitFor(5*time.Second, func() bool { _, err := os.Stat(sock); return err == nil }); !ok {
		t.Fatal("the user's session bus did not start")
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr) // ownTrayWatcher connects there
	w := ownTrayWatcher(t)
	for i, kv := range u.env {
		if strings.HasPrefix(kv, "PATH=") {
			u.env[i] = "PATH=" + binDir + ":" + strings.TrimPrefix(kv, "PATH=")
		}
	}
	u.env = append(u.env, "DBUS_SESSION_BUS_ADDRESS="+addr, "DISPLAY="+os.Getenv("DISPLAY"))
	u.start(false)
	defer u.stop()
	var sender string
	select {
	case sender = <-w.regs:
	case <-time.After(10 * time.Second):
		t.Fatalf("the agent's tray item did not register\nlog:\n%s", u.log())
	}
	if err := w.conn.Object(sender, "/StatusNotifierItem").Call("org.kde.StatusNotifierItem.Activate", 0, int32(0), int32(0)).Err; err != nil {
		t.Fatalf("Activate: %v", err)
	}
	var got []byte
	if _, ok := waitFor(10*time.Second, func() bool { got, _ = os.ReadFile(caps); return len(got) > 0 }); !ok {
		t.Fatalf("the dialog program was not started\nlog:\n%s", u.log())
	}
	pid := u.agentPID()
	t.Logf("the dialog program's capability sets (agent: CapEff %s CapInh %s CapAmb %s):\n%s", capLine(pid, "CapEff"), capLine(pid, "CapInh"), capLine(pid, "CapAmb"), got)
	if capLine(pid, "CapEff") != "0000000800000000" {
		t.Errorf("the agent does not hold CAP_WAKE_ALARM: CapEff %s", capLine(pid, "CapEff"))
	}
	for _, set := range []string{"CapInh", "CapPrm", "CapEff", "CapAmb"} {
		if !regexp.MustCompile(`(?m)^` + set + `:\s+0000000000000000$`).Match(got) {
			t.Errorf("the agent's child has %s other than empty:\n%s", set, got)
		}
	}
}
