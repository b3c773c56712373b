// Platforms that are neither Unix nor Windows (Plan 9, js/wasm, wasip1): alarmd does not run
// there (agent/daemon does not build), this only keeps the packages that write files building.
//go:build !unix && !windows

package atomicfile

// syncDir does nothing: these platforms offer no directory fsync that alarmd relies on.
func syncDir(dir string) error { return nil }
