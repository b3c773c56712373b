package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestCompletionScripts(t *testing.T) {
	for _, c := range []struct {
		shell, marker string
		check         []string // syntax check: program and flags, the script's path appended
	}{
		{"bash", "__start_alarmd", []string{"bash", "-n"}},
		{"zsh", "#compdef alarmd", []string{"zsh", "-n"}},
		{"fish", "complete -c alarmd", []string{"fish", "--no-execute"}},
		{"powershell", "Register-ArgumentCompleter", []string{"pwsh", "-NoProfile", "-Command", "$null = [ScriptBlock]::Create((Get-Content -Raw $args[0]))"}},
	} {
		t.Run(c.shell, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := Main([]string{"completion", c.shell}, &out, &errb); code != ExitOK {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			if !strings.Contains(out.String(), c.marker) {
				t.Fatalf("script lacks %q (%d bytes)", c.marker, out.Len())
			}
			tool, err := exec.LookPath(c.check[0])
			if err != nil {
				t.Logf("%s is not installed; syntax check skipped", c.check[0])
				return
			}
			path := filepath.Join(t.TempDir(), "alarmd."+c.shell)
			if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			args := append(append([]string{}, c.check[1:]...), path)
			if msg, err := exec.Command(tool, args...).CombinedOutput(); err != nil {
				t.Errorf("%s rejects the script: %v\n%s", c.check[0], err, msg)
			}
		})
	}
}

// TestDynamicCompletion checks the hidden command the scripts call for candidates.
func TestDynamicCompletion(t *testing.T) {
	for args, want := range map[string][]string{
		"":            {"autostart", "doctor", "completion", "start"},
		"autostart ":  {"enable", "disable", "status"},
		"completion ": {"bash", "zsh", "fish"},
	} {
		var out, errb bytes.Buffer
		argv := append([]string{"__complete"}, strings.Fields(args)...)
		argv = append(argv, "")
		if code := Main(argv, &out, &errb); code != ExitOK {
			t.Fatalf("__complete %q: exit %d: %s", args, code, errb.String())
		}
		for _, w := range want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("__complete %q lacks %q:\n%s", args, w, out.String())
			}
		}
	}
}

func TestCompletionUsage(t *testing.T) {
	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}, {"completion", "bash", "zsh"}} {
		var out, errb bytes.Buffer
		if code := Main(args, &out, &errb); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, ExitUsage, errb.String())
		}
		if !strings.Contains(errb.String(), "bash|zsh|fish") {
			t.Errorf("%v: stderr %q does not list the shells", args, errb.String())
		}
	}
}
