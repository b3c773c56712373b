package autostart

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeSystemctl records calls and answers from a table keyed by the verb.
type fakeSystemctl struct {
	mu      sync.Mutex
	calls   []string
	fail    bool   // every call fails as without a user manager
	isState string // what is-enabled prints
}

func (f *fakeSystemctl) run(_ context.Context, args ...string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, strings.Join(args, " "))
	if f.fail {
		return []byte("Failed to connect to bus: No medium found\n"), errors.New("exit status 1")
	}
	if len(args) > 1 && args[1] == "is-enabled" {
		return []byte(f.isState + "\n"), nil
	}
	return nil, nil
}

// fakeExe creates an executable file standing in for alarmd (systemd-analyze checks that the
// program exists).
func fakeExe(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "alarmd")
	if err := os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

type fixture struct {
	config, home string
	sysctl       *fakeSystemctl
}

func newFixture(t *testing.T) *fixture {
	root := t.TempDir()
	return &fixture{config: filepath.Join(root, "config"), home: filepath.Join(root, "home"), sysctl: &fakeSystemctl{fail: true}}
}

func (f *fixture) manager(t *testing.T, exe string) *Manager {
	t.Helper()
	m, err := New(Options{ConfigHome: f.config, Home: f.home, Exe: exe, Systemctl: f.sysctl.run})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

func (f *fixture) desktop() string { return filepath.Join(f.config, "autostart", "alarmd.desktop") }
func (f *fixture) unit() string    { return filepath.Join(f.config, "systemd", "user", "alarmd.service") }

func exists(p string) bool { _, err := os.Lstat(p); return err == nil }

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func assertPrivate(t *testing.T, p string) {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", p, fi.Mode().Perm())
	}
}

func TestEnableXDGWritesValidDesktopEntry(t *testing.T) {
	f := newFixture(t)
	exe := fakeExe(t, filepath.Join(t.TempDir(), "My Apps"))
	res, err := f.manager(t, exe).Enable(context.Background(), "")
	if err != nil {
		t.Fatalf("Enable: %v", err)
	}
	if res.Written.Kind != XDG || res.Written.Location != f.desktop() || !res.Written.Current {
		t.Errorf("Written = %+v, want the current XDG entry at %s", res.Written, f.desktop())
	}
	text := readFile(t, f.desktop())
	want := `Exec="` + exe + `" start`
	if !strings.Contains(text, want+"\n") {
		t.Errorf("entry lacks %q:\n%s", want, text)
	}
	assertPrivate(t, f.desktop())
	validateDesktop(t, f.desktop())
	if len(f.sysctl.calls) != 0 {
		t.Errorf("the XDG entry ran systemctl: %v", f.sysctl.calls)
	}
}

func validateDesktop(t *testing.T, path string) {
	t.Helper()
	tool, err := exec.LookPath("desktop-file-validate")
	if err != nil {
		t.Log("desktop-file-validate is not installed; validation skipped")
		return
	}
	if out, err := exec.Command(tool, path).CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("desktop-file-validate %s: %v\n%s", path, err, out)
	}
}

func TestEnableSystemdWithoutUserManager(t *testing.T) {
	f := newFixture(t)
	exe := fakeExe(t, t.TempDir())
	res, err := f.manager(t, exe).Enable(context.Background(), Systemd)
	if err != nil {
		t.Fatalf("Enable: %v", err)
	}
	text := readFile(t, f.unit())
	for _, want := range []string{"Type=notify", "ExecStart=" + exe + " run", "Restart=on-failure",
		"PartOf=graphical-session.target", "After=graphical-session.target", "WantedBy=graphical-session.target"} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("unit lacks %q:\n%s", want, text)
		}
	}
	assertPrivate(t, f.unit())
	wantNote := "written; systemctl --user not available: Failed to connect to bus: No medium found; enable it with: systemctl --user enable --now alarmd"
	if !slices.Contains(res.Notes, wantNote) {
		t.Errorf("notes = %q, want %q", res.Notes, wantNote)
	}
	if f.sysctl.calls[0] != "--user daemon-reload" || slices.Contains(f.sysctl.calls, "--user enable alarmd.service") {
		t.Errorf("systemctl calls = %q, want daemon-reload and no enable after it failed", f.sysctl.calls)
	}
	verifyUnit(t, f.unit())
}

func verifyUnit(t *testing.T, path string) {
	t.Helper()
	tool, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze is not installed; verification skipped")
		return
	}
	out, err := exec.Command(tool, "verify", path).CombinedOutput()
	if err != nil {
		t.Errorf("systemd-analyze verify %s: %v\n%s", path, err, out)
	}
}

func TestEnableSystemdWithUserManager(t *testing.T) {
	f := newFixture(t)
	f.sysctl.fail = false
	f.sysctl.isState = "enabled"
	exe := fakeExe(t, t.TempDir())
	m := f.manager(t, exe)
	res, err := m.Enable(context.Background(), Systemd)
	if err != nil {
		t.Fatalf("Enable: %v", err)
	}
	if want := []string{"--user daemon-reload", "--user enable alarmd.service"}; !slices.Equal(f.sysctl.calls[:2], want) {
		t.Errorf("systemctl calls = %q, want %q first", f.sysctl.calls, want)
	}
	if len(res.Notes) != 1 || !strings.HasPrefix(res.Notes[0], "enabled with systemctl --user") {
		t.Errorf("notes = %q", res.Notes)
	}
	st, err := m.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	e, ok := st.Active()
	if !ok || e.Kind != Systemd || !e.Current || !slices.Contains(e.Notes, "systemctl --user is-enabled: enabled") {
		t.Errorf("status = %+v", st)
	}
	f.sysctl.calls = nil
	if _, err := m.Disable(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := []string{"--user disable alarmd.service", "--user daemon-reload"}; !slices.Equal(f.sysctl.calls, want) {
		t.Errorf("disable ran %q, want %q", f.sysctl.calls, want)
	}
	if exists(f.unit()) {
		t.Error("disable left the unit")
	}
}

func TestOnlyOneKindActive(t *testing.T) {
	f := newFixture(t)
	m := f.manager(t, fakeExe(t, t.TempDir()))
	ctx := context.Background()
	if _, err := m.Enable(ctx, XDG); err != nil {
		t.Fatal(err)
	}
	res, err := m.Enable(ctx, Systemd)
	if err != nil {
		t.Fatal(err)
	}
	if exists(f.desktop()) || !exists(f.unit()) {
		t.Fatalf("after enable --systemd: desktop %v, unit %v; want only the unit", exists(f.desktop()), exists(f.unit()))
	}
	if !slices.Equal(res.Removed, []string{f.desktop()}) {
		t.Errorf("Removed = %q, want the desktop entry", res.Removed)
	}
	res, err = m.Enable(ctx, XDG)
	if err != nil {
		t.Fatal(err)
	}
	if !exists(f.desktop()) || exists(f.unit()) {
		t.Fatalf("after enable: desktop %v, unit %v; want only the desktop entry", exists(f.desktop()), exists(f.unit()))
	}
	if !slices.Equal(res.Removed, []string{f.unit()}) {
		t.Errorf("Removed = %q, want the unit", res.Removed)
	}
	st, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Entries) != 1 || st.Entries[0].Kind != XDG {
		t.Errorf("status entries = %+v, want just the XDG one", st.Entries)
	}
}

func TestDisableRemovesWhicheverExists(t *testing.T) {
	ctx := context.Background()
	for _, k := range []Kind{XDG, Systemd} {
		t.Run(string(k), func(t *testing.T) {
			f := newFixture(t)
			m := f.manager(t, fakeExe(t, t.TempDir()))
			if _, err := m.Enable(ctx, k); err != nil {
				t.Fatal(err)
			}
			var want string
			if k == XDG {
				want = f.desktop()
			} else {
				want = f.unit()
				// What `systemctl --user enable` links, made by hand as a user might have.
				wants := filepath.Join(filepath.Dir(f.unit()), "graphical-session.target.wants")
				if err := os.MkdirAll(wants, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(f.unit(), filepath.Join(wants, "alarmd.service")); err != nil {
					t.Fatal(err)
				}
			}
			res, err := m.Disable(ctx)
			if err != nil {
				t.Fatalf("Disable: %v", err)
			}
			if !slices.Equal(res.Removed, []string{want}) {
				t.Errorf("Removed = %q, want %q", res.Removed, want)
			}
			if exists(want) {
				t.Errorf("%s still exists", want)
			}
			if link := filepath.Join(filepath.Dir(f.unit()), "graphical-session.target.wants", "alarmd.service"); exists(link) {
				t.Errorf("the wants symlink %s was left dangling", link)
			}
			st, err := m.Status(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Entries) != 0 {
				t.Errorf("status after disable = %+v", st.Entries)
			}
			res, err = m.Disable(ctx)
			if err != nil || len(res.Removed) != 0 {
				t.Errorf("second Disable = %+v, %v; want nothing removed, no error", res, err)
			}
		})
	}
}

func TestStaleEntryAndReEnableAfterMove(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	old := fakeExe(t, filepath.Join(t.TempDir(), "old place"))
	if _, err := f.manager(t, old).Enable(ctx, XDG); err != nil {
		t.Fatal(err)
	}
	// The binary moves: the entry still names the old path.
	moved := filepath.Join(t.TempDir(), "new place", "alarmd")
	if err := os.MkdirAll(filepath.Dir(moved), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(old, moved); err != nil {
		t.Fatal(err)
	}
	m := f.manager(t, moved)
	st, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e, ok := st.Active()
	if !ok || e.Target != old || e.Current || e.TargetExists || !e.Stale() {
		t.Fatalf("status after the move = %+v, want a stale entry naming %s", st, old)
	}
	res, err := m.Enable(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Written.Target != moved || !res.Written.Current {
		t.Errorf("re-enable wrote %+v, want %s", res.Written, moved)
	}
	if text := readFile(t, f.desktop()); strings.Contains(text, "old place") {
		t.Errorf("entry still names the old path:\n%s", text)
	}
}

func TestStatusThroughSymlinkIsCurrent(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	real := fakeExe(t, t.TempDir())
	link := filepath.Join(t.TempDir(), "alarmd")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if _, err := f.manager(t, link).Enable(ctx, XDG); err != nil {
		t.Fatal(err)
	}
	st, err := f.manager(t, real).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := st.Active(); !e.Current {
		t.Errorf("an entry naming a symlink to this binary is reported stale: %+v", e)
	}
}

func TestStatusNotesSessionSettings(t *testing.T) {
	f := newFixture(t)
	exe := fakeExe(t, t.TempDir())
	if err := os.MkdirAll(filepath.Dir(f.desktop()), 0o700); err != nil {
		t.Fatal(err)
	}
	entry := "[Desktop Entry]\nType=Application\nName=alarmd\nExec=" + exe + " start\nHidden=true\nX-GNOME-Autostart-enabled=false\n"
	if err := os.WriteFile(f.desktop(), []byte(entry), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := f.manager(t, exe).Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	e, _ := st.Active()
	if !e.Current || len(e.Notes) != 2 {
		t.Errorf("entry = %+v, want current with two notes", e)
	}
}

func TestExecutableIsAbsoluteAndResolved(t *testing.T) {
	exe, err := Executable()
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(exe) {
		t.Errorf("Executable() = %q, not absolute", exe)
	}
	if r, _ := filepath.EvalSymlinks(exe); r != exe {
		t.Errorf("Executable() = %q, but it resolves to %q", exe, r)
	}
}

func TestUnsupportedKind(t *testing.T) {
	f := newFixture(t)
	_, err := f.manager(t, fakeExe(t, t.TempDir())).Enable(context.Background(), Launchd)
	if !errors.Is(err, ErrUnsupported) {
		t.Errorf("Enable(launchd) on Linux: %v, want ErrUnsupported", err)
	}
}

// --- macOS LaunchAgent, exercised on any OS ---

func TestLaunchAgentPlist(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	plist, err := launchAgentPath(Options{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	exe := fakeExe(t, filepath.Join(t.TempDir(), "Apps & <Tools>"))
	m := &Manager{Exe: exe, backends: []backend{&launchdBackend{path: plist}}}
	res, err := m.Enable(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Written.Location != filepath.Join(home, "Library", "LaunchAgents", "local.alarmd.plist") {
		t.Errorf("written to %s", res.Written.Location)
	}
	assertPrivate(t, plist)
	v, err := parsePlist([]byte(readFile(t, plist)))
	if err != nil {
		t.Fatalf("the plist does not parse: %v", err)
	}
	want := map[string]any{
		"Label":                  "local.alarmd",
		"ProgramArguments":       []any{exe, "run"},
		"RunAtLoad":              true,
		"KeepAlive":              false,
		"ProcessType":            "Interactive",
		"LimitLoadToSessionType": "Aqua",
	}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("plist = %#v\nwant %#v", v, want)
	}
	if tool, err := exec.LookPath("plutil"); err == nil {
		if out, err := exec.Command(tool, "-lint", plist).CombinedOutput(); err != nil {
			t.Errorf("plutil -lint: %v\n%s", err, out)
		}
	}
	st, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := st.Active(); !ok || !e.Current || e.Command != exe+" run" {
		t.Errorf("status = %+v", st)
	}
	if res, err := m.Disable(ctx); err != nil || !slices.Equal(res.Removed, []string{plist}) || exists(plist) {
		t.Errorf("Disable = %+v, %v; file exists %v", res, err, exists(plist))
	}
}

func TestParsePlistRejectsGarbage(t *testing.T) {
	for _, in := range []string{"", "bplist00", "<dict/>", "<plist><dict><string>x</string></dict></plist>", "<plist><dict><key>a</key>"} {
		if _, err := parsePlist([]byte(in)); err == nil {
			t.Errorf("parsePlist(%q) succeeded", in)
		}
	}
}

// --- Windows Run value, exercised on any OS through a fake key ---

type mapRunKey struct {
	values map[string]string
	err    error
}

func (k *mapRunKey) Get(name string) (string, bool, error) {
	v, ok := k.values[name]
	return v, ok, k.err
}

func (k *mapRunKey) Set(name, value string) error {
	if k.err != nil {
		return k.err
	}
	k.values[name] = value
	return nil
}

func (k *mapRunKey) Delete(name string) (bool, error) {
	if k.err != nil {
		return false, k.err
	}
	_, ok := k.values[name]
	delete(k.values, name)
	return ok, nil
}

func TestRegistryRunValue(t *testing.T) {
	ctx := context.Background()
	key := &mapRunKey{values: map[string]string{"Other": `C:\other.exe`}}
	exe := fakeExe(t, filepath.Join(t.TempDir(), "Program Files"))
	m := &Manager{Exe: exe, backends: []backend{&registryBackend{key: key}}}
	res, err := m.Enable(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := key.values["alarmd"], `"`+exe+`" start`; got != want {
		t.Errorf("Run value = %q, want %q", got, want)
	}
	if res.Written.Location != `HKCU\Software\Microsoft\Windows\CurrentVersion\Run\alarmd` || !res.Written.Current {
		t.Errorf("Written = %+v", res.Written)
	}
	// Another binary sees the value as stale, and enabling from it rewrites the value.
	other := fakeExe(t, t.TempDir())
	m2 := &Manager{Exe: other, backends: m.backends}
	st, err := m2.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := st.Active(); e.Target != exe || e.Current {
		t.Errorf("status from another binary = %+v", e)
	}
	if _, err := m2.Enable(ctx, Registry); err != nil {
		t.Fatal(err)
	}
	if got := key.values["alarmd"]; got != `"`+other+`" start` {
		t.Errorf("after re-enable the value is %q", got)
	}
	if res, err := m2.Disable(ctx); err != nil || len(res.Removed) != 1 {
		t.Errorf("Disable = %+v, %v", res, err)
	}
	if _, ok := key.values["alarmd"]; ok {
		t.Error("Disable left the value")
	}
	if key.values["Other"] != `C:\other.exe` {
		t.Error("Disable touched another program's value")
	}
	key.err = errors.New("access denied")
	if _, err := m2.Enable(ctx, ""); err == nil || !strings.Contains(err.Error(), "access denied") {
		t.Errorf("Enable with a failing key: %v", err)
	}
}

func TestWindowsProgram(t *testing.T) {
	for in, want := range map[string]string{
		`"C:\Program Files\alarmd\alarmd.exe" start`: `C:\Program Files\alarmd\alarmd.exe`,
		`C:\alarmd.exe start`:                        `C:\alarmd.exe`,
		`  "C:\a b.exe"`:                             `C:\a b.exe`,
		``:                                           ``,
	} {
		if got := windowsProgram(in); got != want {
			t.Errorf("windowsProgram(%q) = %q, want %q", in, got, want)
		}
	}
}
