//go:build e2e

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// Heard for sure (DESIGN §16), end to end: a test's own PulseAudio, the session's dunst (and an
// xfce4-notifyd on a bus of its own), and the real agent.

// trayPixmap reads the registered tray item's IconPixmap, as a panel draws it.
func trayPixmap(t *testing.T, conn *dbus.Conn, sender string) []byte {
	t.Helper()
	v, err := conn.Object(sender, "/StatusNotifierItem").GetProperty("org.kde.StatusNotifierItem.IconPixmap")
	if err != nil {
		t.Fatalf("IconPixmap: %v", err)
	}
	var pix []struct {
		W, H int32
		Data []byte
	}
	if err := v.Store(&pix); err != nil {
		t.Fatalf("IconPixmap %v: %v", v, err)
	}
	var all []byte
	for _, p := range pix {
		all = append(all, p.Data...)
	}
	return all
}

// waitPixmap waits until the icon is (want true) or is not (want false) the picture ref.
func waitPixmap(t *testing.T, conn *dbus.Conn, sender string, ref []byte, want bool) bool {
	_, ok := waitFor(3*time.Second, func() bool { return bytes.Equal(trayPixmap(t, conn, sender), ref) == want })
	return ok
}

// trayLabels lists the labels of the tray menu's top level.
func trayLabels(t *testing.T, conn *dbus.Conn, sender string) map[string]int32 {
	t.Helper()
	menu := conn.Object(sender, "/StatusNotifierItem/menu")
	var rev uint32
	var raw []any
	for range 2 { // the first answer is one level deep only
		if err := menu.Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{}).Store(&rev, &raw); err != nil {
			t.Fatalf("GetLayout: %v", err)
		}
	}
	labels := map[string]int32{}
	for _, c := range raw[2].([]dbus.Variant) {
		item := c.Value().([]any)
		if l, ok := item[1].(map[string]dbus.Variant)["label"]; ok {
			s, _ := l.Value().(string)
			labels[s] = item[0].(int32)
		}
	}
	return labels
}

func clickTray(t *testing.T, conn *dbus.Conn, sender string, id int32) {
	t.Helper()
	menu := conn.Object(sender, "/StatusNotifierItem/menu")
	if err := menu.Call("com.canonical.dbusmenu.Event", 0, id, "clicked", dbus.MakeVariant(int32(0)), uint32(time.Now().Unix())).Err; err != nil {
		t.Fatalf("click: %v", err)
	}
}

func waitRegistered(t *testing.T, w *e2eWatcher, a *agentEnv) string {
	t.Helper()
	select {
	case s := <-w.regs:
		return s
	case <-time.After(5 * time.Second):
		t.Fatalf("the tray item did not register\nlog:\n%s", a.log())
	}
	return ""
}

// countCalls counts the Notify calls whose summary starts with prefix.
func (w *notifyWatch) countCalls(prefix string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, c := range w.calls {
		if strings.HasPrefix(c.summary, prefix) {
			n++
		}
	}
	return n
}

// TestMutedOutputWarns: muting the sink makes status, doctor, add and the tray icon say so and
// sends one warning notification (an alarm is due within 12 h); unmuting clears all of it
// within a second.
func TestMutedOutputWarns(t *testing.T) {
	w := ownTrayWatcher(t)
	watch := watchNotify(t)
	a := newAgentEnv(t)
	_, p := a.pulseSink()
	a.start()
	defer a.run("stop")
	sender := waitRegistered(t, w, a)
	a.must("add", "2h", "muted test")
	if _, ok := waitFor(2*time.Second, func() bool { return strings.Contains(a.must("status"), "output alarm_out at 100 %") }); !ok {
		t.Fatalf("status before muting:\n%s", a.must("status"))
	}
	if d := a.must("doctor"); !strings.Contains(d, "ok    sound output: alarm_out at 100 %, not muted") {
		t.Errorf("doctor before muting:\n%s", d)
	}
	loud := trayPixmap(t, w.conn, sender)

	p.pactl("set-sink-mute", "@DEFAULT_SINK@", "1")
	muted := time.Now()
	took, ok := waitFor(2*time.Second, func() bool { return strings.Contains(a.must("status"), "audio:         muted (output alarm_out)") })
	if !ok {
		t.Fatalf("status does not say muted:\n%s", a.must("status"))
	}
	t.Logf("mute -> status says muted: %v", took.Round(time.Millisecond))
	st := a.status()
	if st.Output == nil || !st.Output.Silent || !st.Output.Muted || st.Output.Sink != "alarm_out" {
		t.Errorf("status --json output: %+v", st.Output)
	}
	if !strings.Contains(a.must("status"), "warning:       sound output is muted — alarms will only be shown") {
		t.Errorf("status has no warning:\n%s", a.must("status"))
	}
	r := a.run("doctor")
	if r.code != 0 || !strings.Contains(r.stdout, "warn  sound output: alarm_out is muted: alarms will only be shown, not heard") {
		t.Errorf("doctor while muted: exit %d\n%s", r.code, r.stdout)
	}
	if _, ok := watch.waitFor("Sound output is muted", 3*time.Second); !ok {
		t.Errorf("no warning notification for the alarm due in 2 h; log:\n%s", a.log())
	}
	r = a.run("add", "3h", "second")
	warnLine := "warning: sound output is muted — this alarm will only be shown\n"
	if r.code != 0 || r.stderr != warnLine || !strings.HasPrefix(r.stdout, "added ") {
		t.Errorf("add while muted: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if !waitPixmap(t, w.conn, sender, loud, false) {
		t.Errorf("the tray icon did not change when the output was muted")
	}
	silentIcon := trayPixmap(t, w.conn, sender)
	t.Logf("muted at %v; icon changed", time.Since(muted).Round(time.Millisecond))

	// Unmuted but at 4 %: still silent.
	p.pactl("set-sink-volume", "@DEFAULT_SINK@", "4%")
	p.pactl("set-sink-mute", "@DEFAULT_SINK@", "0")
	if _, ok := waitFor(2*time.Second, func() bool { return strings.Contains(a.must("status"), "audio:         at 4 % (output alarm_out)") }); !ok {
		t.Errorf("status at 4 %%:\n%s", a.must("status"))
	}
	if r := a.run("add", "4h", "third"); r.stderr != "warning: sound output is at 4 % — this alarm will only be shown\n" {
		t.Errorf("add at 4 %%: stderr %q", r.stderr)
	}
	if !bytes.Equal(trayPixmap(t, w.conn, sender), silentIcon) {
		t.Errorf("the icon at 4 %% is not the silent one")
	}

	// Audible again: everything clears within a second.
	p.pactl("set-sink-volume", "@DEFAULT_SINK@", "65%")
	unmuted := time.Now()
	cleared, ok := waitFor(time.Second, func() bool {
		s := a.must("status")
		return strings.Contains(s, "output alarm_out at 65 %") && !strings.Contains(s, "sound output is")
	})
	if !ok {
		t.Errorf("status not cleared within 1 s of unmuting:\n%s", a.must("status"))
	}
	iconBack := waitPixmap(t, w.conn, sender, loud, true)
	t.Logf("FIGURE unmute -> status warning cleared: %v; icon back %v after %v", cleared.Round(time.Millisecond), iconBack, time.Since(unmuted).Round(time.Millisecond))
	if !iconBack || time.Since(unmuted) > time.Second+500*time.Millisecond {
		t.Errorf("the tray icon did not go back within 1 s (back: %v)", iconBack)
	}
	if r := a.run("add", "5h", "fourth"); r.stderr != "" {
		t.Errorf("add when audible warns: %q", r.stderr)
	}
	if n := watch.countCalls("Sound output is"); n != 1 {
		t.Errorf("%d silent-output notifications within the hour, want 1", n)
	}
}

// writeConfig writes the agent's config.toml.
func (a *agentEnv) writeConfig(text string) {
	a.t.Helper()
	dir := filepath.Join(a.dirs["XDG_CONFIG_HOME"], "alarmd")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		a.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(text), 0o600); err != nil {
		a.t.Fatal(err)
	}
}

// TestUnmuteWhileRinging: with [audio] unmute, a sink muted at 20 % is heard while the alarm
// rings and is muted at 20 % again after Stop; a volume the user sets during the ring stays;
// after kill -9 during a ring, the next start puts the sink back.
func TestUnmuteWhileRinging(t *testing.T) {
	clearNotifications(t)
	a := newAgentEnv(t)
	sink, p := a.pulseSink()
	a.writeConfig("[audio]\nunmute = true\n")
	p.pactl("set-sink-volume", "@DEFAULT_SINK@", "20%")
	p.pactl("set-sink-mute", "@DEFAULT_SINK@", "1")
	pid := a.start()
	defer a.run("stop")

	from := sink.size()
	a.must("add", "2s", "unmute one", "--fade", "0s")
	if _, ok := sink.waitSound(from, 5*time.Second); !ok {
		t.Fatalf("nothing heard from a muted sink with unmute = true; log:\n%s", a.log())
	}
	if m, v := p.sinkState(); m || v != 50 {
		t.Errorf("while ringing: muted %v at %d %%, want unmuted at 50 %%", m, v)
	}
	a.must("dismiss")
	if _, ok := waitFor(2*time.Second, func() bool { m, v := p.sinkState(); return m && v == 20 }); !ok {
		m, v := p.sinkState()
		t.Errorf("after Stop: muted %v at %d %%, want muted at 20 %%; log:\n%s", m, v, a.log())
	}
	if _, err := os.Stat(filepath.Join(a.dirs["XDG_RUNTIME_DIR"], "alarmd", "unmute.json")); !os.IsNotExist(err) {
		t.Errorf("the unmute record is left after the ring: %v", err)
	}

	// The user turns it up during the ring: their volume stays, the mute comes back.
	from = sink.size()
	a.must("add", "2s", "unmute two", "--fade", "0s")
	if _, ok := sink.waitSound(from, 5*time.Second); !ok {
		t.Fatalf("second ring not heard")
	}
	p.pactl("set-sink-volume", "@DEFAULT_SINK@", "70%")
	a.must("dismiss")
	if _, ok := waitFor(2*time.Second, func() bool { m, v := p.sinkState(); return m && v == 70 }); !ok {
		m, v := p.sinkState()
		t.Errorf("after the user's change: muted %v at %d %%, want muted at 70 %%", m, v)
	}

	// kill -9 while ringing: the sink stays raised until the next start repairs it.
	p.pactl("set-sink-volume", "@DEFAULT_SINK@", "20%")
	from = sink.size()
	a.must("add", "2s", "unmute killed", "--fade", "0s", "--late", "0s")
	due := dueOf(t, a, "unmute killed")
	if _, ok := sink.waitSound(from, 5*time.Second); !ok {
		t.Fatalf("third ring not heard")
	}
	// --late 0s and a kill 3 s after due: the restarted agent does not ring it again.
	time.Sleep(time.Until(due.Add(3 * time.Second)))
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if !waitGone(pid, 3*time.Second) || !waitUnlocked(a.pidFile(), 3*time.Second) {
		t.Fatalf("the killed agent still holds its lock")
	}
	if m, v := p.sinkState(); m || v != 50 {
		t.Errorf("after kill -9: muted %v at %d %%, want still raised (unmuted, 50 %%)", m, v)
	}
	a.start()
	if _, ok := waitFor(3*time.Second, func() bool { m, v := p.sinkState(); return m && v == 20 }); !ok {
		m, v := p.sinkState()
		t.Errorf("after the restart: muted %v at %d %%, want muted at 20 %%; log:\n%s", m, v, a.log())
	}
}

// dndHeard: with notifications held back, the alarm rings with sound, status and doctor say
// why notifications are not seen, and the CLI stops it.
func dndHeard(t *testing.T, a *agentEnv, sink *audioSink, how string, whileRinging func()) {
	t.Helper()
	if _, ok := waitFor(3*time.Second, func() bool {
		return strings.Contains(a.must("status"), "notifications held back (Do Not Disturb: "+how+")")
	}); !ok {
		t.Fatalf("status does not report Do Not Disturb:\n%s\nlog:\n%s", a.must("status"), a.log())
	}
	if st := a.status(); st.DoNotDisturb != how {
		t.Errorf("status --json do_not_disturb %q", st.DoNotDisturb)
	}
	if d := a.must("doctor"); !strings.Contains(d, "warn  do not disturb: notifications held back (Do Not Disturb: "+how+"); alarms still ring with sound") {
		t.Errorf("doctor:\n%s", d)
	}
	from := sink.size()
	a.must("add", "2s", "dnd alarm", "--fade", "0s")
	due := dueOf(t, a, "dnd alarm")
	heard, ok := sink.waitSound(from, 5*time.Second)
	if !ok {
		t.Fatalf("the alarm was not heard during Do Not Disturb; log:\n%s", a.log())
	}
	t.Logf("DND (%s): due -> heard %v", how, heard.Sub(due).Round(time.Millisecond))
	time.Sleep(500 * time.Millisecond)
	if whileRinging != nil {
		whileRinging()
	}
	atStop := sink.size()
	a.must("dismiss")
	time.Sleep(time.Second)
	_, last, _ := sink.soundAt(atStop)
	if tail := time.Duration(float64(last-atStop) / audioBytesPerSecond * float64(time.Second)); tail > 300*time.Millisecond {
		t.Errorf("sound went on for %v after dismiss", tail)
	}
}

// TestDoNotDisturbDunst: dunst paused holds every notification, the critical alarm too; the
// alarm still rings, the tray shows ringing with Stop and Snooze, and both work.
func TestDoNotDisturbDunst(t *testing.T) {
	clearNotifications(t)
	dunstctl(t, "set-paused", "true")
	t.Cleanup(func() { dunstctl(t, "set-paused", "false"); clearNotifications(t) })
	w := ownTrayWatcher(t)
	a := newAgentEnv(t)
	sink, _ := a.pulseSink()
	a.start()
	defer a.run("stop")
	sender := waitRegistered(t, w, a)
	dndHeard(t, a, sink, "dunst is paused", func() {
		if n, _ := strconv.Atoi(dunstctl(t, "count", "waiting")); n < 1 {
			t.Errorf("dunst holds %d notifications, want the alarm's", n)
		}
	})

	// The tray: ringing icon, Stop and Snooze in the menu; Snooze from the tray, Stop from the CLI.
	idle := trayPixmap(t, w.conn, sender)
	from := sink.size()
	a.must("add", "2s", "dnd tray", "--fade", "0s", "--snooze", "2s")
	if _, ok := sink.waitSound(from, 5*time.Second); !ok {
		t.Fatalf("not heard")
	}
	if !waitPixmap(t, w.conn, sender, idle, false) {
		t.Errorf("the tray icon does not show ringing")
	}
	labels := trayLabels(t, w.conn, sender)
	snooze, ok := labels["Snooze 2 s"]
	if _, stop := labels["Stop dnd tray"]; !stop || !ok {
		t.Fatalf("tray menu while ringing: %v", labels)
	}
	clickTray(t, w.conn, sender, snooze)
	if _, ok := waitFor(2*time.Second, func() bool { l := a.list(); return len(l) > 0 && l[len(l)-1].State == "snoozed" }); !ok {
		t.Errorf("Snooze from the tray did not snooze: %+v", a.list())
	}
	if _, ok := waitFor(4*time.Second, func() bool { return len(a.status().Ringing) == 1 }); !ok {
		t.Fatalf("did not ring again after the snooze")
	}
	from = sink.size()
	if _, ok := sink.waitSound(from, 2*time.Second); !ok {
		t.Fatalf("not heard after the snooze")
	}
	a.must("dismiss")
	if _, ok := waitFor(2*time.Second, func() bool { return len(a.status().Ringing) == 0 }); !ok {
		t.Errorf("still ringing after dismiss")
	}
}

// privateBus starts a dbus-daemon of the test's own (so an xfce4-notifyd started on it cannot
// take org.freedesktop.Notifications from the session's dunst).
func privateBus(t *testing.T, dir string) string {
	t.Helper()
	conf := filepath.Join(dir, "bus.conf")
	sock := filepath.Join(dir, "bus")
	os.WriteFile(conf, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:path=`+sock+`</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>
`), 0o600)
	cmd := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--nosyslog")
	if err := cmd.Start(); err != nil {
		t.Fatalf("dbus-daemon: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := "unix:path=" + sock
	if _, ok := waitFor(5*time.Second, func() bool {
		c, err := dbus.Connect(addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}); !ok {
		t.Fatal("private bus not answering")
	}
	return addr
}

// spawn starts a helper process for the test in env and kills it at the end.
func spawn(t *testing.T, env []string, logFile string, name string, args ...string) {
	t.Helper()
	lf, _ := os.Create(logFile)
	cmd := exec.Command(name, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, lf, lf
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); lf.Close() })
}

func busOwner(addr, name string) bool {
	c, err := dbus.Connect(addr)
	if err != nil {
		return false
	}
	defer c.Close()
	var owner string
	return c.BusObject().Call("org.freedesktop.DBus.GetNameOwner", 0, name).Store(&owner) == nil
}

// TestDoNotDisturbXfce: xfce4-notifyd with Do not disturb on (it shows criticals, drops the
// rest); the agent notices through xfconf, rings with sound, and the CLI stops it.
func TestDoNotDisturbXfce(t *testing.T) {
	bins, _ := filepath.Glob("/usr/lib/*/xfce4/notifyd/xfce4-notifyd")
	xfconfd, _ := filepath.Glob("/usr/lib/*/xfce4/xfconf/xfconfd")
	if len(bins) == 0 || len(xfconfd) == 0 {
		t.Skip("xfce4-notifyd or xfconfd not installed (make test installs them)")
	}
	dir := t.TempDir()
	addr := privateBus(t, dir)
	a := newAgentEnv(t)
	sink, _ := a.pulseSink()
	a.setEnv("DBUS_SESSION_BUS_ADDRESS", addr)
	var env []string
	for _, kv := range a.env {
		if !strings.HasPrefix(kv, "XDG_CONFIG_HOME=") {
			env = append(env, kv)
		}
	}
	env = append(env, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
	spawn(t, env, filepath.Join(dir, "xfconfd.log"), xfconfd[0])
	if _, ok := waitFor(5*time.Second, func() bool { return busOwner(addr, "org.xfce.Xfconf") }); !ok {
		t.Fatal("xfconfd not on the private bus")
	}
	xq := func(args ...string) {
		cmd := exec.Command("xfconf-query", args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("xfconf-query %v: %v: %s", args, err, out)
		}
	}
	xq("-c", "xfce4-notifyd", "-p", "/do-not-disturb", "-n", "-t", "bool", "-s", "false")
	spawn(t, env, filepath.Join(dir, "notifyd.log"), bins[0])
	if _, ok := waitFor(5*time.Second, func() bool { return busOwner(addr, "org.freedesktop.Notifications") }); !ok {
		b, _ := os.ReadFile(filepath.Join(dir, "notifyd.log"))
		t.Fatalf("xfce4-notifyd did not own the name: %s", b)
	}
	a.start()
	defer a.run("stop")
	if _, ok := waitFor(3*time.Second, func() bool { return strings.Contains(a.must("status"), "Xfce Notify Daemon") }); !ok {
		t.Fatalf("the agent does not see xfce4-notifyd:\n%s", a.must("status"))
	}
	if strings.Contains(a.must("status"), "Do Not Disturb") {
		t.Errorf("DND reported while off:\n%s", a.must("status"))
	}
	xq("-c", "xfce4-notifyd", "-p", "/do-not-disturb", "-s", "true")
	dndHeard(t, a, sink, "xfce4-notifyd's Do not disturb is on", nil)
	xq("-c", "xfce4-notifyd", "-p", "/do-not-disturb", "-s", "false")
	if _, ok := waitFor(2*time.Second, func() bool { return !strings.Contains(a.must("status"), "Do Not Disturb") }); !ok {
		t.Errorf("DND still reported after switching it off:\n%s", a.must("status"))
	}
}

// TestNoSoundServer: plain ALSA (the session's file sink): nothing is reported silent, and
// doctor says the volume cannot be checked.
func TestNoSoundServer(t *testing.T) {
	a := newAgentEnv(t)
	a.setEnv("PULSE_SERVER", "")
	a.start()
	defer a.run("stop")
	st := a.status()
	if st.Output == nil || st.Output.Checked || st.Output.Silent || !strings.Contains(st.Audio, "volume cannot be checked") {
		t.Errorf("status without a sound server: audio %q, output %+v", st.Audio, st.Output)
	}
	if d := a.must("doctor"); !strings.Contains(d, "ok    sound output: the volume cannot be checked: no sound server") {
		t.Errorf("doctor:\n%s", d)
	}
	if r := a.run("add", "2h", "plain alsa"); r.stderr != "" {
		t.Errorf("add warns without a sound server: %q", r.stderr)
	}
}

// TestIdleWithOutputSubscription: the open subscription to the sound server costs no wakeups:
// an idle agent with a PulseAudio (subscribed) against one without (plain ALSA). 120 s each
// under ALARMD_BENCH=1, 20 s otherwise.
func TestIdleWithOutputSubscription(t *testing.T) {
	d := 20 * time.Second
	if os.Getenv("ALARMD_BENCH") == "1" {
		d = 120 * time.Second
	}
	measure := func(withPulse bool) idleFigures {
		a := newAgentEnv(t)
		if withPulse {
			a.pulseSink()
		}
		pid := a.start()
		defer a.run("stop")
		a.must("add", "7:30", "--repeat", "daily", "idle")
		if withPulse && !strings.Contains(a.must("status"), "output alarm_out") {
			t.Fatalf("not subscribed:\n%s", a.must("status"))
		}
		time.Sleep(idleSettle)
		return measureIdle(t, pid, d)
	}
	without := measure(false)
	with := measure(true)
	t.Logf("FIGURE idle wakeups over %.0f s: without a sound server %.3f/s, with PulseAudio and the subscription open %.3f/s (CPU %.2f vs %.2f ms/min)",
		with.seconds, without.wakeupsPerS, with.wakeupsPerS, without.cpuMSPerMin, with.cpuMSPerMin)
	if with.wakeupsPerS > without.wakeupsPerS+3/with.seconds {
		t.Errorf("the subscription adds wakeups: %.3f/s with vs %.3f/s without", with.wakeupsPerS, without.wakeupsPerS)
	}
}

// TestPulseLatencyFigure reports due → first non-silent frame through PulseAudio beside the
// ALSA file sink, over 10 alarms each (`--fade 0s`). It is a figure, not a goal: run it with
// ALARMD_BENCH=1.
func TestPulseLatencyFigure(t *testing.T) {
	if os.Getenv("ALARMD_BENCH") != "1" {
		t.Skip("a figure for the notes; run with ALARMD_BENCH=1")
	}
	run := func(name string, withPulse bool) {
		a := newAgentEnv(t)
		sink := newAudioSink(t)
		if withPulse {
			sink, _ = a.pulseSink()
		}
		a.start()
		defer a.run("stop")
		var ds []time.Duration
		for i := range 10 {
			label := fmt.Sprintf("%s %d", name, i)
			from := sink.size()
			a.must("add", "2s", label, "--fade", "0s")
			due := dueOf(t, a, label)
			if heard, ok := sink.waitSound(from, 5*time.Second); ok {
				ds = append(ds, heard.Sub(due))
			}
			a.must("dismiss")
			time.Sleep(700 * time.Millisecond) // the tail of the clip and the speaker's suspend
		}
		t.Logf("FIGURE due -> first non-silent frame, %s: p50 %s, p95 %s (%d/10 heard)", name, ms(percentile(ds, 50)), ms(percentile(ds, 95)), len(ds))
	}
	run("PulseAudio (ALSA default -> pulse plugin -> null sink monitor)", true)
	run("ALSA file sink (file plugin -> FIFO -> pacer)", false)
}
