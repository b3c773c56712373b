package autostart

import (
	"context"
	"fmt"
	"strings"
)

// RunKeyPath is the registry key whose values Windows starts at logon.
const RunKeyPath = `HKCU\Software\Microsoft\Windows\CurrentVersion\Run`

// runValueName is alarmd's value under RunKeyPath.
const runValueName = "alarmd"

// runKey is the Run key's values. The real one is the registry (runkey_windows.go); tests use
// a map, so the logic runs on every platform.
type runKey interface {
	// Get returns the string value name and whether it exists.
	Get(name string) (string, bool, error)
	// Set creates or replaces the string value name.
	Set(name, value string) error
	// Delete removes value name and reports whether it existed.
	Delete(name string) (bool, error)
}

// registryBackend is the Windows logon Run value: `"<exe>" start`.
type registryBackend struct {
	key runKey
}

func (b *registryBackend) kind() Kind { return Registry }

func (b *registryBackend) location() string { return RunKeyPath + `\` + runValueName }

func (b *registryBackend) write(_ context.Context, exe string) (string, []string, error) {
	if strings.ContainsRune(exe, '"') {
		return "", nil, fmt.Errorf("executable path %q contains a double quote", exe)
	}
	if err := b.key.Set(runValueName, `"`+exe+`" start`); err != nil {
		return "", nil, fmt.Errorf("set %s: %w", b.location(), err)
	}
	return b.location(), nil, nil
}

func (b *registryBackend) remove(context.Context) (string, []string, error) {
	found, err := b.key.Delete(runValueName)
	if err != nil {
		return "", nil, fmt.Errorf("delete %s: %w", b.location(), err)
	}
	if !found {
		return "", nil, nil
	}
	return b.location(), nil, nil
}

func (b *registryBackend) read(context.Context) (Entry, bool, error) {
	v, found, err := b.key.Get(runValueName)
	if err != nil {
		return Entry{}, false, fmt.Errorf("read %s: %w", b.location(), err)
	}
	if !found {
		return Entry{}, false, nil
	}
	e := Entry{Kind: Registry, Location: b.location(), Command: v, Target: windowsProgram(v)}
	if e.Target == "" {
		e.Notes = append(e.Notes, "the value names no program")
	}
	return e, true, nil
}

// windowsProgram returns the program of a Windows command line: the quoted first word, or
// everything up to the first blank.
func windowsProgram(cmd string) string {
	cmd = strings.TrimSpace(cmd)
	if rest, ok := strings.CutPrefix(cmd, `"`); ok {
		prog, _, _ := strings.Cut(rest, `"`)
		return prog
	}
	prog, _, _ := strings.Cut(cmd, " ")
	return prog
}
