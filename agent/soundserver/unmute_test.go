package soundserver

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// fakeOutput is one sink whose state the test sets and reads.
type fakeOutput struct {
	st    State
	calls []string
	fail  error
}

func (f *fakeOutput) Now() (State, error) {
	if f.fail != nil {
		return State{}, f.fail
	}
	st := f.st
	st.Volumes = slices.Clone(st.Volumes)
	st.Volume = percentOf(st.Volumes)
	return st, nil
}

func (f *fakeOutput) SetMute(sink string, mute bool) error {
	f.calls = append(f.calls, "mute")
	f.st.Muted = mute
	return nil
}

func (f *fakeOutput) SetVolumes(sink string, vols []uint32) error {
	f.calls = append(f.calls, "volume")
	f.st.Volumes = slices.Clone(vols)
	return nil
}

func at(percent int) []uint32 { return volumesAt(make([]uint32, 2), percent) }

func newTestUnmuter(t *testing.T, out Output) (*Unmuter, string) {
	file := filepath.Join(t.TempDir(), "unmute.json")
	return NewUnmuter(out, file, 50, nil), file
}

func TestUnmuteRaisesAndRestoresExactly(t *testing.T) {
	out := &fakeOutput{st: State{Checked: true, Sink: "s", Muted: true, Volumes: at(20)}}
	u, file := newTestUnmuter(t, out)
	u.Ringing(true)
	if out.st.Muted || percentOf(out.st.Volumes) != 50 {
		t.Fatalf("while ringing: %+v", out.st)
	}
	fi, err := os.Stat(file)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("record: %v %v", fi, err)
	}
	u.Ringing(true) // a second alarm: nothing more to do
	if len(out.calls) != 2 {
		t.Errorf("calls %v", out.calls)
	}
	u.Ringing(false)
	if !out.st.Muted || !slices.Equal(out.st.Volumes, at(20)) {
		t.Errorf("after the ring: %+v, want muted at 20 %%", out.st)
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("record left behind: %v", err)
	}
}

func TestUnmuteLeavesALoudOutputAlone(t *testing.T) {
	out := &fakeOutput{st: State{Checked: true, Sink: "s", Volumes: at(80)}}
	u, file := newTestUnmuter(t, out)
	u.Ringing(true)
	u.Ringing(false)
	if len(out.calls) != 0 {
		t.Errorf("calls %v on a loud, unmuted output", out.calls)
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("record written: %v", err)
	}
}

func TestUnmuteKeepsWhatTheUserChangedDuringTheRing(t *testing.T) {
	out := &fakeOutput{st: State{Checked: true, Sink: "s", Muted: true, Volumes: at(20)}}
	u, _ := newTestUnmuter(t, out)
	u.Ringing(true)
	out.st.Volumes = at(70) // the user turns it up while it rings
	u.Ringing(false)
	if !slices.Equal(out.st.Volumes, at(70)) {
		t.Errorf("volume %d %%, want the user's 70 %%", percentOf(out.st.Volumes))
	}
	if !out.st.Muted {
		t.Errorf("mute not put back")
	}

	out = &fakeOutput{st: State{Checked: true, Sink: "s", Muted: true, Volumes: at(20)}}
	u, _ = newTestUnmuter(t, out)
	u.Ringing(true)
	out.st.Muted = true // the user mutes it again while it rings
	out.calls = nil
	u.Ringing(false)
	if slices.Contains(out.calls, "mute") {
		t.Errorf("muted again what the user muted: %v", out.calls)
	}
}

func TestUnmuteRepairAfterACrash(t *testing.T) {
	out := &fakeOutput{st: State{Checked: true, Sink: "s", Muted: true, Volumes: at(20)}}
	u, file := newTestUnmuter(t, out)
	u.Ringing(true) // ... and the agent is killed
	next := NewUnmuter(out, file, 50, nil)
	next.Repair()
	if !out.st.Muted || !slices.Equal(out.st.Volumes, at(20)) {
		t.Errorf("after repair: %+v", out.st)
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("record left behind: %v", err)
	}
	out.calls = nil
	next.Repair() // nothing recorded: nothing done
	if len(out.calls) != 0 {
		t.Errorf("calls %v", out.calls)
	}
}

func TestUnmuteKeepsTheRecordWhenTheServerIsGone(t *testing.T) {
	out := &fakeOutput{st: State{Checked: true, Sink: "s", Muted: true, Volumes: at(20)}}
	u, file := newTestUnmuter(t, out)
	u.Ringing(true)
	out.fail = errors.New("gone")
	u.Ringing(false)
	if _, err := os.Stat(file); err != nil {
		t.Errorf("record dropped although nothing was put back: %v", err)
	}
	out.fail = nil
	NewUnmuter(out, file, 50, nil).Repair()
	if !out.st.Muted {
		t.Errorf("not repaired once the server was back")
	}
}

func TestUnmuteIgnoresABrokenRecord(t *testing.T) {
	out := &fakeOutput{st: State{Checked: true, Sink: "s", Volumes: at(20)}}
	u, file := newTestUnmuter(t, out)
	os.WriteFile(file, []byte("{not json"), 0o600)
	u.Repair()
	if len(out.calls) != 0 {
		t.Errorf("acted on a broken record: %v", out.calls)
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("broken record kept: %v", err)
	}
}

func TestStateDescribe(t *testing.T) {
	for _, tc := range []struct {
		st     State
		want   string
		silent bool
	}{
		{State{}, "", false},
		{State{Checked: true, Muted: true, Volume: 100}, "muted", true},
		{State{Checked: true, Volume: 4}, "at 4 %", true},
		{State{Checked: true, Volume: 10}, "at 10 %", false},
		{State{Checked: true, Volume: 65}, "at 65 %", false},
	} {
		if got := tc.st.Describe(); got != tc.want || tc.st.Silent() != tc.silent {
			t.Errorf("%+v: %q silent=%v, want %q %v", tc.st, got, tc.st.Silent(), tc.want, tc.silent)
		}
	}
	if p := percentOf([]uint32{0x10000 * 35 / 100, 0}); p != 35 {
		t.Errorf("percentOf = %d", p)
	}
}

func TestServerAddress(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if a, err := serverAddress(env(map[string]string{"PULSE_SERVER": "unix:/run/p/native"})); a != "/run/p/native" || err != nil {
		t.Errorf("unix: %q %v", a, err)
	}
	if a, err := serverAddress(env(map[string]string{"PULSE_SERVER": "tcp:host {h}/x/native"})); a != "/x/native" || err != nil {
		t.Errorf("list: %q %v", a, err)
	}
	if _, err := serverAddress(env(map[string]string{"PULSE_SERVER": "tcp:host"})); err == nil {
		t.Errorf("tcp only: no error")
	}
	if _, err := serverAddress(env(map[string]string{"XDG_RUNTIME_DIR": t.TempDir()})); !errors.Is(err, errNoServer) {
		t.Errorf("no socket: %v", err)
	}
}
