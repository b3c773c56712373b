package clock

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// zoneinfoDir is where the tests take real zone files from.
const zoneinfoDir = "/usr/share/zoneinfo"

// zoneFile returns the path of a system zone file or skips the test.
func zoneFile(t testing.TB, name string) string {
	t.Helper()
	path := filepath.Join(zoneinfoDir, filepath.FromSlash(name))
	if _, err := os.Stat(path); err != nil {
		t.Skipf("zone file %s not available: %v", name, err)
	}
	return path
}

// testEtc is a stand-in for /etc with its localtime path.
type testEtc struct {
	dir       string
	localtime string
}

func newTestEtc(t testing.TB) testEtc {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "etc")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return testEtc{dir: dir, localtime: filepath.Join(dir, "localtime")}
}

// config is a zone configuration on this stand-in with $TZ unset.
func (e testEtc) config() zoneConfig {
	return zoneConfig{
		etcDir:        e.dir,
		localtimePath: e.localtime,
		lookupEnv:     func(string) (string, bool) { return "", false },
	}
}

// copyZone replaces localtime with a copy of the named zone file, renamed
// into place as tools that write a file do.
func (e testEtc) copyZone(t testing.TB, name string) {
	t.Helper()
	data, err := os.ReadFile(zoneFile(t, name))
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(e.dir, ".localtime.tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, e.localtime); err != nil {
		t.Fatal(err)
	}
}

// linkZone replaces localtime with a symlink into the zoneinfo directory,
// renamed into place as timedatectl does.
func (e testEtc) linkZone(t testing.TB, name string) {
	t.Helper()
	tmp := filepath.Join(e.dir, ".localtime.link")
	if err := os.Symlink(zoneFile(t, name), tmp); err != nil {
		t.Skipf("symlinks not available: %v", err)
	}
	if err := os.Rename(tmp, e.localtime); err != nil {
		t.Fatal(err)
	}
}

// offsetAt is the zone's UTC offset in seconds at a fixed winter instant.
func offsetAt(loc *time.Location) int {
	_, offset := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC).In(loc).Zone()
	return offset
}

func TestZoneFromSymlinkIsNamed(t *testing.T) {
	etc := newTestEtc(t)
	etc.linkZone(t, "Europe/Berlin")
	loc := newZoneSource(etc.config()).location()
	if loc.String() != "Europe/Berlin" || offsetAt(loc) != 3600 {
		t.Errorf("location = %v (offset %d), want Europe/Berlin (+3600)", loc, offsetAt(loc))
	}
}

func TestZoneFromCopiedFileIsLocal(t *testing.T) {
	etc := newTestEtc(t)
	etc.copyZone(t, "Asia/Tokyo")
	loc := newZoneSource(etc.config()).location()
	if loc.String() != "Local" || offsetAt(loc) != 9*3600 {
		t.Errorf("location = %v (offset %d), want Local (+32400)", loc, offsetAt(loc))
	}
}

func TestZoneCacheAndReload(t *testing.T) {
	etc := newTestEtc(t)
	etc.copyZone(t, "Europe/Berlin")
	zones := newZoneSource(etc.config())
	first := zones.location()
	if again := zones.location(); again != first {
		t.Error("unchanged file was parsed again (different *Location)")
	}
	// No watcher here: the stat alone notices the replaced file.
	etc.copyZone(t, "America/New_York")
	if loc := zones.location(); offsetAt(loc) != -5*3600 {
		t.Errorf("after swap: offset %d, want -18000", offsetAt(loc))
	}
	// invalidate forces a re-read even though the file is unchanged.
	cached := zones.location()
	zones.invalidate()
	if reloaded := zones.location(); reloaded == cached {
		t.Error("invalidate did not force a re-read")
	}
}

func TestZoneMissingOrBrokenFileIsUTC(t *testing.T) {
	etc := newTestEtc(t)
	logs := captureLogs(t)
	zones := newZoneSource(etc.config())
	if loc := zones.location(); loc != time.UTC {
		t.Errorf("missing file: %v, want UTC", loc)
	}
	if err := os.WriteFile(etc.localtime, []byte("not a zone file"), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if loc := zones.location(); loc != time.UTC {
			t.Errorf("broken file: %v, want UTC", loc)
		}
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 2 {
		t.Errorf("logged %d warnings, want one per problem (2):\n%s", n, logs)
	}
	etc.copyZone(t, "Asia/Tokyo")
	if loc := zones.location(); offsetAt(loc) != 9*3600 {
		t.Errorf("repaired file: offset %d, want +32400", offsetAt(loc))
	}
}

func TestZoneFromTZ(t *testing.T) {
	etc := newTestEtc(t)
	etc.linkZone(t, "Europe/Berlin")
	tokyoPath := zoneFile(t, "Asia/Tokyo")
	loadZone(t, "Asia/Tokyo")
	tests := []struct {
		tz         string
		wantName   string
		wantOffset int
	}{
		{"Asia/Tokyo", "Asia/Tokyo", 9 * 3600},
		{":Asia/Tokyo", "Asia/Tokyo", 9 * 3600},
		{"", "UTC", 0},
		{":", "UTC", 0},
		{"UTC", "UTC", 0},
		{"No/Such_Zone", "UTC", 0},
		{"Local", "UTC", 0}, // never Go's start-up cache
		{tokyoPath, tokyoPath, 9 * 3600},
		{":" + tokyoPath, tokyoPath, 9 * 3600},
		{etc.localtime, "Europe/Berlin", 3600}, // the system file, named as such
		{"/no/such/file", "UTC", 0},
	}
	for _, tt := range tests {
		t.Run(tt.tz, func(t *testing.T) {
			captureLogs(t) // the bad values log; keep test output clean
			t.Setenv("TZ", tt.tz)
			cfg := etc.config()
			cfg.lookupEnv = os.LookupEnv
			loc := newZoneSource(cfg).location()
			if loc.String() != tt.wantName || offsetAt(loc) != tt.wantOffset {
				t.Errorf("TZ=%q: %v (offset %d), want %s (%d)", tt.tz, loc, offsetAt(loc), tt.wantName, tt.wantOffset)
			}
		})
	}
}

func TestZoneFollowsTZChanges(t *testing.T) {
	loadZone(t, "Asia/Tokyo")
	loadZone(t, "America/New_York")
	cfg := newTestEtc(t).config()
	cfg.lookupEnv = os.LookupEnv
	zones := newZoneSource(cfg)
	t.Setenv("TZ", "Asia/Tokyo")
	tokyo := zones.location()
	if zones.location() != tokyo {
		t.Error("same $TZ loaded twice")
	}
	t.Setenv("TZ", "America/New_York")
	if loc := zones.location(); loc.String() != "America/New_York" {
		t.Errorf("after changing $TZ: %v", loc)
	}
}

func TestZoneWithoutFileIsGoLocal(t *testing.T) {
	// Windows: nothing to re-read, Go's own zone it is.
	if loc := newZoneSource(zoneConfig{}).location(); loc != time.Local {
		t.Errorf("location = %v, want time.Local", loc)
	}
}

func TestZoneNameInPath(t *testing.T) {
	tests := []struct {
		path string
		want string
		ok   bool
	}{
		{"/usr/share/zoneinfo/Europe/Berlin", "Europe/Berlin", true},
		{"../usr/share/zoneinfo/America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires", true},
		{"/usr/share/zoneinfo/posix/Asia/Tokyo", "Asia/Tokyo", true},
		{"/var/db/timezone/zoneinfo/UTC", "UTC", true},
		{"/usr/share/zoneinfo/", "", false},
		{"/etc/my-zone", "", false},
	}
	for _, tt := range tests {
		got, ok := zoneNameInPath(tt.path)
		if got != tt.want || ok != tt.ok {
			t.Errorf("zoneNameInPath(%q) = %q, %v; want %q, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSystemClockNowIsInLocation(t *testing.T) {
	etc := newTestEtc(t)
	etc.linkZone(t, "Asia/Tokyo")
	c, err := newSystemClock(etc.config())
	if err != nil {
		t.Fatalf("newSystemClock: %v", err)
	}
	defer func() { _ = c.Close() }()
	before := time.Now()
	now := c.Now()
	if now.Location().String() != "Asia/Tokyo" {
		t.Errorf("Now location = %v, want Asia/Tokyo", now.Location())
	}
	if strings.Contains(now.String(), "m=") {
		t.Errorf("Now carries a monotonic reading: %v", now)
	}
	if d := now.Sub(before); d < -time.Second || d > time.Second {
		t.Errorf("Now is %v away from time.Now", d)
	}
}

func BenchmarkLocation(b *testing.B) {
	etc := newTestEtc(b)
	etc.linkZone(b, "Europe/Berlin")
	zones := newZoneSource(etc.config())
	first := zones.location()
	b.ReportAllocs()
	for b.Loop() {
		if zones.location() != first {
			b.Fatal("cached zone was reloaded")
		}
	}
}
