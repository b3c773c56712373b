//go:build e2e

package main

import (
	"bytes"
	le "encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Both recordings the tests read — a test's PulseAudio monitor (pulse_e2e_test.go) and the
// session's ALSA file sink (newAudioSink) — are S16_LE, stereo, 44.1 kHz, written at real-time
// speed: 176 400 bytes a second.
const audioBytesPerSecond = 44100 * 2 * 2

// audioSink reads the session's audio file.
type audioSink struct {
	t    *testing.T
	path string
}

func newAudioSink(t *testing.T) *audioSink {
	t.Helper()
	p := os.Getenv("HEADLESS_AUDIO_FILE")
	if p == "" {
		t.Skip("no headless audio sink (HEADLESS_AUDIO_FILE unset)")
	}
	return &audioSink{t: t, path: p}
}

func (s *audioSink) size() int64 {
	fi, err := os.Stat(s.path)
	if err != nil {
		s.t.Fatalf("audio sink: %v", err)
	}
	return fi.Size()
}

// soundAt returns the byte offsets of the first and last non-silent samples at or after from
// (up to the end of the file).
func (s *audioSink) soundAt(from int64) (first, last int64, ok bool) {
	return s.soundBetween(from, -1)
}

// soundBetween is soundAt for the bytes [from, to) (to < 0: to the end). It reads only that
// range: the sink grows by 176 kB a second, and re-reading all of it every poll would make the
// poll itself the delay being measured.
func (s *audioSink) soundBetween(from, to int64) (first, last int64, ok bool) {
	f, err := os.Open(s.path)
	if err != nil {
		s.t.Fatalf("audio sink: %v", err)
	}
	defer f.Close()
	from &^= 3
	if to < 0 {
		fi, err := f.Stat()
		if err != nil {
			s.t.Fatalf("audio sink: %v", err)
		}
		to = fi.Size()
	}
	first, last = -1, -1
	if to <= from {
		return first, last, false
	}
	b := make([]byte, to-from)
	n, _ := f.ReadAt(b, from)
	b = b[:n]
	for i := 0; i+2 <= len(b); i += 2 {
		if v := int16(le.LittleEndian.Uint16(b[i:])); v != 0 {
			if first < 0 {
				first = from + int64(i)
			}
			last = from + int64(i)
		}
	}
	return first, last, first >= 0
}

// waitSound polls (every 2 ms) until non-silent audio appears at or after from, and returns the
// wall time that sample was played: the sink grows at real-time speed, so a sample that is n
// bytes before the end when seen was played n/176400 s before that moment.
func (s *audioSink) waitSound(from int64, within time.Duration) (time.Time, bool) {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		seen := time.Now()
		size := s.size()
		if size > from {
			if first, _, ok := s.soundBetween(from, size); ok {
				lag := time.Duration(float64(size-first) / audioBytesPerSecond * float64(time.Second))
				return seen.Add(-lag), true
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	return time.Time{}, false
}

func dunstctl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("dunstctl", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("dunstctl %v: %v: %s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// press chooses an action in dunst's context menu (its "dmenu" answers with the first entry
// labelled label), as a user would. `dunstctl action 0` is not used: it runs the "default"
// action at once when there is one, which every ringing notification has (DESIGN §17).
func press(t *testing.T, label string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(os.Getenv("HEADLESS_DIR"), "action-choice"), []byte(label), 0o600); err != nil {
		t.Fatal(err)
	}
	dunstctl(t, "context")
}

func displayed(t *testing.T) int {
	n, _ := strconv.Atoi(dunstctl(t, "count", "displayed"))
	return n
}

func waitDisplayed(t *testing.T, want int, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if displayed(t) == want {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// ctxSwitches sums voluntary and involuntary context switches over all of pid's threads.
func ctxSwitches(t *testing.T, pid int) int {
	t.Helper()
	threads := threadSwitches(pid)
	if len(threads) == 0 {
		t.Fatalf("no tasks for %d", pid)
	}
	n := 0
	for _, v := range threads {
		n += v
	}
	return n
}

// threadSwitches maps each thread of pid to its context switches (voluntary + nonvoluntary), to
// say which thread woke when a measurement fails.
func threadSwitches(pid int) map[string]int {
	m := map[string]int{}
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "ctxt_switches:") {
				v, _ := strconv.Atoi(strings.TrimSpace(line[strings.IndexByte(line, ':')+1:]))
				m[filepath.Base(filepath.Dir(f))] += v
			}
		}
	}
	return m
}

func rssKB(pid int) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			v, _ := strconv.Atoi(strings.Fields(line)[1])
			return v
		}
	}
	return 0
}

func clearNotifications(t *testing.T) {
	dunstctl(t, "close-all")
}

func dueOf(t *testing.T, a *agentEnv, label string) time.Time {
	t.Helper()
	for _, x := range a.list() {
		if x.Label == label {
			return x.Next
		}
	}
	t.Fatalf("alarm %q not listed", label)
	return time.Time{}
}

// TestRingStopButton: the chime starts with the notification, rings until Stop is pressed in the
// real notification daemon, then stops within 300 ms and the notification goes away; the idle
// agent afterwards wakes no more often than before the ring.
func TestRingStopButton(t *testing.T) {
	clearNotifications(t)
	a := newAgentEnv(t)
	sink, _ := a.pulseSink()
	watch := watchNotify(t)
	pid := a.start()
	defer a.run("stop")

	time.Sleep(time.Second)
	c0, rss0 := ctxSwitches(t, pid), rssKB(pid)
	time.Sleep(10 * time.Second)
	idleBefore := ctxSwitches(t, pid) - c0

	from := sink.size()
	a.must("add", "2s", "stop button", "--sound", "chime", "--fade", "1s")
	due := dueOf(t, a, "stop button")
	if _, ok := watch.waitFor("stop button", 4*time.Second); !ok {
		t.Fatalf("no notification; log:\n%s", a.log())
	}
	heard, ok := sink.waitSound(from, 3*time.Second)
	if !ok {
		t.Fatalf("no sound in the sink; log:\n%s", a.log())
	}
	t.Logf("due -> first non-silent audio: %v", heard.Sub(due).Round(time.Millisecond))
	if d := heard.Sub(due); d < -20*time.Millisecond || d > 250*time.Millisecond {
		t.Errorf("sound started %v after due", d)
	}
	// It keeps ringing (the clip loops) until Stop.
	time.Sleep(2500 * time.Millisecond)
	if _, last, _ := sink.soundAt(from); sink.size()-last > audioBytesPerSecond/2 {
		t.Errorf("sound stopped by itself before Stop")
	}
	if displayed(t) != 1 {
		t.Errorf("%d notifications displayed while ringing, want 1", displayed(t))
	}
	atStop := sink.size()
	pressed := time.Now()
	press(t, "Stop")
	if !waitDisplayed(t, 0, 2*time.Second) {
		t.Errorf("notification still displayed after Stop")
	}
	t.Logf("Stop -> notification gone: %v", time.Since(pressed).Round(time.Millisecond))
	time.Sleep(time.Second)
	_, last, _ := sink.soundAt(atStop)
	tail := time.Duration(float64(last-atStop) / audioBytesPerSecond * float64(time.Second))
	t.Logf("sound after Stop: %v", tail.Round(time.Millisecond))
	if tail > 300*time.Millisecond {
		t.Errorf("sound went on for %v after Stop, want ≤ 300 ms", tail)
	}

	// Idle again: the speaker is suspended, so the agent is as quiet as before it rang.
	// Every deadline the ring path and the requests armed (the control server's 10 s read and
	// write deadlines, the notifier's 5 s call timeouts) is stopped, but Go keeps a stopped
	// timer in its heap until it would have fired, and that wakes the runtime once: sysmon
	// spins up and back down, ~40-60 context switches in one burst (seen in CI when a `list`
	// ran 1 s after Stop). That is a one-off, not idle cost, so measure from 11 s after the
	// last request and the Stop press, and make no request until the measurement is done.
	time.Sleep(time.Second)
	grown := sink.size()
	time.Sleep(time.Until(pressed.Add(11 * time.Second)))
	c1, threads0 := ctxSwitches(t, pid), threadSwitches(pid)
	perSecond := make([]int, 0, 10)
	for range 10 {
		time.Sleep(time.Second)
		perSecond = append(perSecond, ctxSwitches(t, pid)-c1)
	}
	idleAfter := ctxSwitches(t, pid) - c1
	rss1 := rssKB(pid)
	t.Logf("idle context switches over 10 s: before ring %d, after ring %d; RSS %d kB -> %d kB", idleBefore, idleAfter, rss0, rss1)
	if idleAfter > idleBefore+3 {
		t.Errorf("after ringing the idle agent wakes more (%d vs %d switches in 10 s): speaker not suspended?", idleAfter, idleBefore)
		t.Logf("cumulative switches per second: %v", perSecond)
		for tid, n := range threadSwitches(pid) {
			if d := n - threads0[tid]; d != 0 {
				t.Logf("thread %s: +%d", tid, d)
			}
		}
	}
	// The recording runs on in silence; what matters is that nothing was heard since.
	if _, _, loud := sink.soundAt(grown); loud {
		t.Errorf("sound in the output while idle after the ring")
	}
	if l := a.list(); len(l) != 0 {
		t.Errorf("stopped timer still listed: %+v", l)
	}
	if st := a.must("status"); !strings.Contains(st, "audio:         ok") && !strings.Contains(st, "audio:         idle") {
		t.Errorf("status audio line:\n%s", st)
	}
}

// TestSnoozeButtonRingsAgain: Snooze with a 2 s snooze rings again 2 s later.
func TestSnoozeButtonRingsAgain(t *testing.T) {
	clearNotifications(t)
	a := newAgentEnv(t)
	sink, _ := a.pulseSink()
	watch := watchNotify(t)
	a.start()
	defer a.run("stop")
	a.must("add", "2s", "snooze me", "--snooze", "2s", "--fade", "0s")
	first, ok := watch.waitFor("snooze me", 4*time.Second)
	if !ok {
		t.Fatal("no notification")
	}
	if !slices.Contains(first.actions, "Snooze 2 s") || !slices.Contains(first.actions, "Stop") {
		t.Errorf("actions %v", first.actions)
	}
	time.Sleep(300 * time.Millisecond)
	pressed := time.Now()
	press(t, "Snooze")
	deadline := time.Now().Add(2 * time.Second)
	for {
		if l := a.list(); len(l) == 1 && l[0].State == "snoozed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not snoozed: %+v", a.list())
		}
		time.Sleep(20 * time.Millisecond)
	}
	from := sink.size()
	var again notifyCall
	deadline = time.Now().Add(4 * time.Second)
	for again.summary == "" && time.Now().Before(deadline) {
		watch.mu.Lock()
		for _, c := range watch.calls {
			if c.summary == "snooze me" && strings.Contains(c.body, "snoozed") && c.at.After(pressed) {
				again = c
			}
		}
		watch.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	if again.summary == "" {
		t.Fatalf("did not ring again after the snooze; log:\n%s", a.log())
	}
	gap := again.at.Sub(pressed)
	t.Logf("Snooze pressed -> rings again: %v", gap.Round(time.Millisecond))
	if gap < 1900*time.Millisecond || gap > 2600*time.Millisecond {
		t.Errorf("rang again %v after Snooze, want ~2 s", gap)
	}
	if again.replaces == 0 {
		t.Errorf("the snoozed ring did not replace the notification in place")
	}
	if _, ok := sink.waitSound(from, 2*time.Second); !ok {
		t.Errorf("no sound on the second ring")
	}
	a.must("dismiss")
}

// TestRingTimeoutNotAcknowledged: --ring 3s stops by itself and says so.
func TestRingTimeoutNotAcknowledged(t *testing.T) {
	clearNotifications(t)
	a := newAgentEnv(t)
	sink, _ := a.pulseSink()
	watch := watchNotify(t)
	a.start()
	defer a.run("stop")
	a.must("add", "2s", "nobody home", "--ring", "3s", "--fade", "0s")
	first, ok := watch.waitFor("nobody home", 4*time.Second)
	if !ok {
		t.Fatal("no notification")
	}
	var ended notifyCall
	deadline := time.Now().Add(5 * time.Second)
	for ended.summary == "" && time.Now().Before(deadline) {
		watch.mu.Lock()
		for _, c := range watch.calls {
			if strings.Contains(c.body, "not acknowledged") {
				ended = c
			}
		}
		watch.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	if ended.summary == "" {
		t.Fatalf("no 'not acknowledged' notification; log:\n%s", a.log())
	}
	d := ended.at.Sub(first.at)
	t.Logf("rang for %v, then: %q", d.Round(time.Millisecond), ended.body)
	if d < 2900*time.Millisecond || d > 3500*time.Millisecond {
		t.Errorf("stopped after %v, want ~3 s", d)
	}
	if ended.replaces == 0 {
		t.Errorf("'not acknowledged' did not replace the ringing notification")
	}
	at := sink.size()
	time.Sleep(time.Second)
	if _, last, ok := sink.soundAt(at); ok && last-at > audioBytesPerSecond*3/10 {
		t.Errorf("sound still playing after the ring time")
	}
}

// TestCustomSoundFiles: mp3, ogg vorbis and flac files play; a text file named .mp3 is refused.
func TestCustomSoundFiles(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	chime := filepath.Join(filepath.Dir(file), "..", "..", "sounds", "chime.wav")
	dir := t.TempDir()
	fixtures := map[string][]string{
		"chime.ogg":  {"sox", chime, filepath.Join(dir, "chime.ogg")},
		"chime.flac": {"sox", chime, filepath.Join(dir, "chime.flac")},
		"chime.mp3":  {"lame", "--quiet", chime, filepath.Join(dir, "chime.mp3")},
	}
	a := newAgentEnv(t)
	sink, _ := a.pulseSink()
	watch := watchNotify(t)
	a.start()
	defer a.run("stop")
	for name, cmd := range fixtures {
		t.Run(name, func(t *testing.T) {
			if _, err := exec.LookPath(cmd[0]); err != nil {
				t.Skipf("%s not installed (make test installs it)", cmd[0])
			}
			if out, err := exec.Command(cmd[0], cmd[1:]...).CombinedOutput(); err != nil {
				t.Fatalf("%v: %v: %s", cmd, err, out)
			}
			clearNotifications(t)
			from := sink.size()
			label := "custom " + name
			a.must("add", "1s", label, "--sound", cmd[len(cmd)-1], "--fade", "0s")
			if _, ok := watch.waitFor(label, 3*time.Second); !ok {
				t.Fatal("no notification")
			}
			if _, ok := sink.waitSound(from, 2*time.Second); !ok {
				t.Fatalf("%s did not play; log:\n%s", name, a.log())
			}
			a.must("dismiss")
			if strings.Contains(a.log(), "using the default clip") || strings.Contains(a.log(), "falls back") {
				t.Errorf("fell back to the default clip instead of playing %s:\n%s", name, a.log())
			}
		})
	}
	fake := filepath.Join(dir, "notes.mp3")
	os.WriteFile(fake, []byte("these are my shopping notes, not a song\n"), 0o600)
	r := a.run("add", "7:30", "--sound", fake)
	if r.code != 2 || !strings.Contains(r.stderr, "notes.mp3") || strings.Count(strings.TrimSpace(r.stderr), "\n") > 1 {
		t.Errorf("a text file named .mp3: exit %d, stderr %q", r.code, r.stderr)
	}
	r = a.run("add", "7:30", "--sound", "kazoo")
	if r.code != 2 || !strings.Contains(r.stderr, "chime") {
		t.Errorf("an unknown sound name: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestSoundsCommand: `alarmd sounds` lists the bundled clips and the user's; `sounds play` plays
// one once and exits.
func TestSoundsCommand(t *testing.T) {
	a := newAgentEnv(t)
	sink, _ := a.pulseSink()
	userDir := filepath.Join(a.dirs["XDG_DATA_HOME"], "alarmd", "sounds")
	os.MkdirAll(userDir, 0o700)
	_, file, _, _ := runtime.Caller(0)
	wav, _ := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "sounds", "bell.wav"))
	os.WriteFile(filepath.Join(userDir, "rooster.wav"), wav, 0o600)
	out := a.must("sounds")
	for _, want := range []string{"chime", "beep", "bell", "digital", "rooster.wav", "(default)"} {
		if !strings.Contains(out, want) {
			t.Errorf("sounds does not list %q:\n%s", want, out)
		}
	}
	from := sink.size()
	r := a.run("sounds", "play", "beep")
	if r.code != 0 {
		t.Fatalf("sounds play: %d %s", r.code, r.stderr)
	}
	first, last, ok := sink.soundAt(from)
	if !ok {
		t.Fatal("sounds play made no sound")
	}
	played := time.Duration(float64(last-first) / audioBytesPerSecond * float64(time.Second))
	t.Logf("sounds play beep: took %v, sound %v", r.took.Round(time.Millisecond), played.Round(time.Millisecond))
	if r.took > 5*time.Second {
		t.Errorf("sounds play took %v", r.took)
	}
	if r := a.run("sounds", "play", "nope"); r.code != 2 {
		t.Errorf("unknown sound: exit %d", r.code)
	}
	var js bytes.Buffer
	js.WriteString(a.must("sounds", "--json"))
	if !strings.Contains(js.String(), `"rooster.wav"`) {
		t.Errorf("sounds --json: %s", js.String())
	}
}
