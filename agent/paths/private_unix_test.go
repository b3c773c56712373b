//go:build unix

package paths

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEnsureRuntimeDirRefusesOpenXDGRuntimeDir(t *testing.T) {
	root := isolate(t)
	base := filepath.Join(root, "run")
	if err := os.Mkdir(base, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(base, 0o755); err != nil { // defeat the umask
		t.Fatal(err)
	}
	p := mustResolve(t)
	err := p.EnsureRuntimeDir()
	if err == nil {
		t.Fatal("EnsureRuntimeDir accepted a 0755 XDG_RUNTIME_DIR")
	}
	for _, want := range []string{base, "0755", "chmod 700"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if _, statErr := os.Stat(p.RuntimeDir); statErr == nil {
		t.Error("the alarmd subdirectory was created inside a refused XDG_RUNTIME_DIR")
	}
	// Still refused (not silently fixed) on a second attempt.
	if p.EnsureRuntimeDir() == nil {
		t.Error("second EnsureRuntimeDir accepted the 0755 dir")
	}
}

func TestEnsureRuntimeDirRefusesOpenOwnDir(t *testing.T) {
	isolate(t)
	p := mustResolve(t)
	if err := os.MkdirAll(p.RuntimeDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p.RuntimeDir, 0o750); err != nil {
		t.Fatal(err)
	}
	err := p.EnsureRuntimeDir()
	if err == nil || !strings.Contains(err.Error(), p.RuntimeDir) || !strings.Contains(err.Error(), "chmod 700") {
		t.Fatalf("0750 runtime dir: err = %v, want a refusal naming it and the fix", err)
	}
	assertMode(t, p.RuntimeDir, 0o750) // refused, not changed
}

func TestEnsureRuntimeDirRefusesSymlink(t *testing.T) {
	root := isolate(t)
	p := mustResolve(t)
	target := filepath.Join(root, "target")
	if err := os.Mkdir(target, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(p.RuntimeDir), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, p.RuntimeDir); err != nil {
		t.Fatal(err)
	}
	err := p.EnsureRuntimeDir()
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("symlinked runtime dir: err = %v, want a refusal", err)
	}
}

func TestEnsureRuntimeDirRefusesForeignOwner(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to chown a directory to another uid")
	}
	const nobody = 65534
	root := isolate(t)
	base := filepath.Join(root, "run")
	if err := os.Mkdir(base, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(base, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	p := mustResolve(t)
	err := p.EnsureRuntimeDir()
	if err == nil || !strings.Contains(err.Error(), "uid 65534") || !strings.Contains(err.Error(), base) {
		t.Fatalf("XDG_RUNTIME_DIR owned by nobody: err = %v, want a refusal naming it and the owner", err)
	}

	// Our own subdirectory owned by someone else is refused too.
	if err := os.Chown(base, 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(p.RuntimeDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(p.RuntimeDir, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	err = p.EnsureRuntimeDir()
	if err == nil || !strings.Contains(err.Error(), "uid 65534") {
		t.Fatalf("runtime dir owned by nobody: err = %v, want a refusal", err)
	}
}

func TestEnsureDataDirRefusesForeignOwner(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to chown a directory to another uid")
	}
	isolate(t)
	p := mustResolve(t)
	if err := os.MkdirAll(p.DataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(p.DataDir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if err := p.EnsureDataDir(); err == nil || !strings.Contains(err.Error(), "uid 65534") {
		t.Fatalf("data dir owned by nobody: err = %v, want a refusal", err)
	}
}
