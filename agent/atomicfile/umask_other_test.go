// Platforms other than Unix (Windows, Plan 9, js/wasm, wasip1): there is no umask to set.
//go:build !unix

package atomicfile

// syscallUmask does nothing: the tests that set a umask skip these platforms.
func syscallUmask(mask int) int { return 0 }
