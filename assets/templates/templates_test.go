package templates

import (
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// awkwardPaths are executable paths that need each format's quoting.
var awkwardPaths = []string{
	"/usr/bin/alarmd",
	"/opt/My Apps/alarmd",
	"/home/u/bin/al$arm`d",
	"/home/u/q\"uote's/alarmd",
	`/home/u/back\slash/alarmd`,
	"/home/u/100%/alarmd",
	"/home/u/a;b&c|d(e)<f>~g*h?#/alarmd",
	"/home/ü/tab\u00a0nbsp/alarmd",
}

func TestDesktopExecRoundTrip(t *testing.T) {
	for _, p := range awkwardPaths {
		q, err := QuoteDesktopExecArg(p)
		if err != nil {
			t.Fatalf("quote %q: %v", p, err)
		}
		args, err := SplitDesktopExec(q + " start %U")
		if err != nil {
			t.Fatalf("split %q: %v", q, err)
		}
		if want := []string{p, "start"}; !slices.Equal(args, want) {
			t.Errorf("%q quoted as %q splits into %q, want %q", p, q, args, want)
		}
	}
}

func TestSplitDesktopExecSpecExamples(t *testing.T) {
	for in, want := range map[string][]string{
		`alarmd start`:                     {"alarmd", "start"},
		`"/a b/alarmd"  start`:             {"/a b/alarmd", "start"},
		`"/a\\\\b/alarmd" start`:           {`/a\b/alarmd`, "start"},
		`"/a\\$b" x`:                       {"/a$b", "x"},
		`/a\sb start`:                      {"/a", "b", "start"}, // \s is a blank before splitting
		`prog 100%% %f`:                    {"prog", "100%"},
		`"/x/alarmd" ""`:                   {"/x/alarmd", ""},
		"\t/x/alarmd\tstart  ":             {"/x/alarmd", "start"},
		`"/with \"inner\" quotes" go`:      {`/with "inner" quotes`, "go"},
		`"/with \\"inner\\" quotes" go`:    {`/with "inner" quotes`, "go"},
		"\"/weird`tick\" x":                {"/weird`tick", "x"},
		`"/x/y"suffix start`:               {"/x/ysuffix", "start"},
		`/plain/alarmd start --verbose=%%`: {"/plain/alarmd", "start", "--verbose=%"},
	} {
		got, err := SplitDesktopExec(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("SplitDesktopExec(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{``, `   `, `"/unterminated start`, `%U`, `trailing\`} {
		if got, err := SplitDesktopExec(bad); err == nil {
			t.Errorf("SplitDesktopExec(%q) = %q, want an error", bad, got)
		}
	}
}

func TestSystemdExecRoundTrip(t *testing.T) {
	for _, p := range awkwardPaths {
		q, err := QuoteSystemdExecutable(p)
		if strings.ContainsAny(p, `"'\`) {
			if err == nil {
				t.Errorf("QuoteSystemdExecutable(%q) = %q; systemd refuses such paths, want an error", p, q)
			}
			continue
		}
		if err != nil {
			t.Fatalf("quote %q: %v", p, err)
		}
		args, err := SplitSystemdExec(q + " run")
		if err != nil {
			t.Fatalf("split %q: %v", q, err)
		}
		if want := []string{p, "run"}; !slices.Equal(args, want) {
			t.Errorf("%q quoted as %q splits into %q, want %q", p, q, args, want)
		}
	}
	for in, want := range map[string][]string{
		`-/usr/bin/alarmd run`:        {"/usr/bin/alarmd", "run"},
		`"/a b/alarmd" run $$HOME`:    {"/a b/alarmd", "run", "$HOME"},
		`/a$$b run`:                   {"/a$$b", "run"},
		`'/single q/alarmd' run`:      {"/single q/alarmd", "run"},
		`/usr/bin/alarmd run\sx`:      {"/usr/bin/alarmd", "run x"},
		`/usr/bin/alarmd   run  `:     {"/usr/bin/alarmd", "run"},
		`"/a \"b\"/alarmd" run`:       {`/a "b"/alarmd`, "run"},
		`/usr/bin/alarmd --x=100%%`:   {"/usr/bin/alarmd", "--x=100%"},
		`@/usr/bin/alarmd alarmd run`: {"/usr/bin/alarmd", "alarmd", "run"},
	} {
		got, err := SplitSystemdExec(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("SplitSystemdExec(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{``, `"/unterminated run`} {
		if _, err := SplitSystemdExec(bad); err == nil {
			t.Errorf("SplitSystemdExec(%q) succeeded", bad)
		}
	}
}

func TestRenderRefusesUnrepresentablePaths(t *testing.T) {
	for _, exe := range []string{"", "alarmd", "bin/alarmd", "/a\nb/alarmd", "/a\x00b", "/\xff/alarmd"} {
		for _, name := range Names() {
			if out, err := Render(name, Data{Exe: exe, Label: "local.alarmd"}); err == nil {
				t.Errorf("Render(%s, %q) succeeded:\n%s", name, exe, out)
			}
		}
	}
}

func TestRenderWindowsPathForPlist(t *testing.T) {
	// checkExe accepts a Windows path, so no template depends on the build's OS.
	if _, err := Render(LauncherDesktop, Data{Exe: `C:\Program Files\alarmd\alarmd.exe`}); err != nil {
		t.Errorf("Render with a Windows path: %v", err)
	}
}

func TestEveryTemplateRenders(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "My Apps", "alarmd")
	if err := os.MkdirAll(filepath.Dir(exe), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range Names() {
		out, err := Render(name, Data{Exe: exe, Label: "local.alarmd"})
		if err != nil {
			t.Fatalf("Render(%s): %v", name, err)
		}
		text := string(out)
		if strings.Contains(text, "<no value>") || !strings.HasSuffix(text, "\n") {
			t.Errorf("%s rendered badly:\n%s", name, text)
		}
		path := filepath.Join(dir, strings.TrimSuffix(name, ".tmpl"))
		if err := os.WriteFile(path, out, 0o600); err != nil {
			t.Fatal(err)
		}
		switch name {
		case AutostartDesktop, LauncherDesktop:
			// The launcher opens the Alarms window; autostart only starts the agent (DESIGN §14).
			verb := map[string]string{AutostartDesktop: "start", LauncherDesktop: "open"}[name]
			if !strings.Contains(text, "\nExec=\""+exe+"\" "+verb+"\n") || !strings.Contains(text, "\nIcon=alarmd\n") {
				t.Errorf("%s: Exec/Icon wrong:\n%s", name, text)
			}
			runTool(t, "desktop-file-validate", path)
		case SystemdUnit:
			for _, want := range []string{"\nType=notify\n", "\nExecStart=\"" + exe + "\" run\n", "\nRestart=on-failure\n",
				"\nPartOf=graphical-session.target\n", "\nWantedBy=graphical-session.target\n"} {
				if !strings.Contains(text, want) {
					t.Errorf("unit lacks %q:\n%s", want, text)
				}
			}
			runTool(t, "systemd-analyze", "verify", path)
		case LaunchAgent:
			if err := xml.Unmarshal(out, new(struct{})); err != nil {
				t.Errorf("plist is not well-formed XML: %v", err)
			}
			if !strings.Contains(text, "<string>"+exe+"</string>\n\t\t<string>run</string>") {
				t.Errorf("plist lacks the program arguments:\n%s", text)
			}
			runTool(t, "plutil", "-lint", path)
		}
	}
}

// runTool runs a validator when it is installed and fails the test on any complaint.
func runTool(t *testing.T, tool string, args ...string) {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		t.Logf("%s is not installed; that check is skipped", tool)
		return
	}
	out, err := exec.Command(path, args...).CombinedOutput()
	if err != nil || (tool == "desktop-file-validate" && len(out) > 0) {
		t.Errorf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out)
	}
}
