package sessionbus

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
)

// env is a fake environment for Resolve.
type env map[string]string

func (e env) lookup(k string) (string, bool) { v, ok := e[k]; return v, ok }

// listen makes dir/bus a socket, as systemd's user bus is.
func listen(t *testing.T, dir string) {
	t.Helper()
	l, err := net.Listen("unix", filepath.Join(dir, "bus"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
}

func TestResolve(t *testing.T) {
	withBus := t.TempDir()
	listen(t, withBus)
	// A directory name with bytes the address syntax escapes.
	spaced := filepath.Join(t.TempDir(), "run user")
	if err := os.Mkdir(spaced, 0o700); err != nil {
		t.Fatal(err)
	}
	listen(t, spaced)
	plainFile := t.TempDir()
	if err := os.WriteFile(filepath.Join(plainFile, "bus"), nil, 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		env    env
		addr   string
		source string
	}{
		{"explicit address", env{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/somewhere", "XDG_RUNTIME_DIR": withBus}, "unix:path=/somewhere", SourceEnv},
		{"runtime dir socket", env{"XDG_RUNTIME_DIR": withBus}, "unix:path=" + filepath.Join(withBus, "bus"), SourceRuntimeDir},
		{"empty address falls back", env{"DBUS_SESSION_BUS_ADDRESS": "", "XDG_RUNTIME_DIR": withBus}, "unix:path=" + filepath.Join(withBus, "bus"), SourceRuntimeDir},
		{"autolaunch falls back", env{"DBUS_SESSION_BUS_ADDRESS": "autolaunch:", "XDG_RUNTIME_DIR": withBus}, "unix:path=" + filepath.Join(withBus, "bus"), SourceRuntimeDir},
		{"escaped path", env{"XDG_RUNTIME_DIR": spaced}, "unix:path=" + filepath.Join(filepath.Dir(spaced), "run%20user", "bus"), SourceRuntimeDir},
		{"nothing", env{}, "", ""},
		{"autolaunch only", env{"DBUS_SESSION_BUS_ADDRESS": "autolaunch:"}, "", ""},
		{"autolaunch with a scope", env{"DBUS_SESSION_BUS_ADDRESS": "autolaunch:scope=user"}, "", ""},
		{"runtime dir without a bus", env{"XDG_RUNTIME_DIR": t.TempDir()}, "", ""},
		{"a plain file is not a bus", env{"XDG_RUNTIME_DIR": plainFile}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Resolve(tt.env.lookup)
			if tt.addr == "" {
				if err != ErrNoBus { // exactly the sentinel: its message is what users read
					t.Errorf("got %+v, %v; want ErrNoBus", got, err)
				}
				return
			}
			if err != nil || got.Addr != tt.addr || got.Source != tt.source {
				t.Errorf("got %+v, %v; want %s from %s", got, err, tt.addr, tt.source)
			}
		})
	}
}

func TestExport(t *testing.T) {
	dir := t.TempDir()
	listen(t, dir)
	want := "unix:path=" + filepath.Join(dir, "bus")

	t.Run("sets the variable from the runtime dir", func(t *testing.T) {
		t.Setenv("XDG_RUNTIME_DIR", dir)
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", "autolaunch:")
		a, err := Export()
		if err != nil || a.Addr != want || a.Source != SourceRuntimeDir {
			t.Fatalf("Export = %+v, %v", a, err)
		}
		if got := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); got != want {
			t.Errorf("DBUS_SESSION_BUS_ADDRESS = %q, want %q", got, want)
		}
	})
	t.Run("keeps an explicit address", func(t *testing.T) {
		t.Setenv("XDG_RUNTIME_DIR", dir)
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/elsewhere")
		if a, err := Export(); err != nil || a.Source != SourceEnv {
			t.Fatalf("Export = %+v, %v", a, err)
		}
		if got := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); got != "unix:path=/elsewhere" {
			t.Errorf("DBUS_SESSION_BUS_ADDRESS = %q", got)
		}
	})
	t.Run("no bus leaves the environment alone", func(t *testing.T) {
		t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", "autolaunch:")
		if _, err := Export(); !errors.Is(err, ErrNoBus) {
			t.Fatalf("Export err = %v, want ErrNoBus", err)
		}
		if got := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); got != "autolaunch:" {
			t.Errorf("DBUS_SESSION_BUS_ADDRESS = %q", got)
		}
	})
}
