package soundserver

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// errNoServer means no sound server is configured or listening: plain ALSA, or none at all.
var errNoServer = errors.New("no sound server (PulseAudio or PipeWire) found")

// serverAddress is the native-protocol socket to dial, the way libpulse finds it: PULSE_SERVER
// (its first unix: or absolute-path entry), else $XDG_RUNTIME_DIR/pulse/native.
func serverAddress(getenv func(string) string) (string, error) {
	if s := getenv("PULSE_SERVER"); s != "" {
		for _, f := range strings.Fields(s) {
			if i := strings.IndexByte(f, '}'); strings.HasPrefix(f, "{") && i > 0 {
				f = f[i+1:] // {hostname} prefix: the local machine is meant
			}
			switch {
			case strings.HasPrefix(f, "unix:"):
				return strings.TrimPrefix(f, "unix:"), nil
			case strings.HasPrefix(f, "/"):
				return f, nil
			}
		}
		return "", errors.New("PULSE_SERVER names no local socket (only unix: servers are checked)")
	}
	if rt := getenv("XDG_RUNTIME_DIR"); rt != "" {
		p := filepath.Join(rt, "pulse", "native")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errNoServer
}

// cookie is the authentication cookie libpulse would send: PULSE_COOKIE, else the user's
// ~/.config/pulse/cookie (or the older ~/.pulse-cookie). Without one, a server that admits
// clients by uid may still refuse: this client cannot pass its credentials on the socket, so
// the cookie is what identifies it (DESIGN §16). nil when there is none.
func cookie(getenv func(string) string) []byte {
	var candidates []string
	if p := getenv("PULSE_COOKIE"); p != "" {
		candidates = append(candidates, p)
	}
	if c := getenv("XDG_CONFIG_HOME"); c != "" {
		candidates = append(candidates, filepath.Join(c, "pulse", "cookie"))
	}
	if h := getenv("HOME"); h != "" {
		candidates = append(candidates, filepath.Join(h, ".config", "pulse", "cookie"), filepath.Join(h, ".pulse-cookie"))
	}
	for _, p := range candidates {
		if b, err := os.ReadFile(p); err == nil && len(b) == 256 {
			return b
		}
	}
	return nil
}
