package clock

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// maxZoneFileSize bounds how much of a zone file is read; real TZif files
// are a few KiB, so anything near this is not one.
const maxZoneFileSize = 1 << 20

// zoneConfig says where the system zone comes from; tests point it at a
// temporary directory.
type zoneConfig struct {
	// etcDir is the directory watched for zone changes ("" = no watching).
	etcDir string
	// localtimePath is the system zone file ("" = the platform has none and
	// the zone is whatever Go determined at start, time.Local).
	localtimePath string
	// lookupEnv reads $TZ (nil = the platform's Go ignores $TZ).
	lookupEnv func(string) (string, bool)
}

// watchedNames are the entries of etcDir whose change may mean a new zone:
// the zone file itself and Debian's /etc/timezone, which tools rewrite with it.
func (c zoneConfig) watchedNames() []string {
	return []string{filepath.Base(c.localtimePath), "timezone"}
}

// zoneSource re-reads the local zone the way Go's time package does at
// start (DESIGN §7), but on every call, with a cache that makes the common
// case a single stat:
//   - $TZ set: "" is UTC; a leading ":" is dropped; an absolute path is a
//     zone file; "UTC" is UTC; anything else is a zone name. A zone that
//     does not load falls back to UTC, as in Go.
//   - $TZ unset: the zone file (/etc/localtime), named after its symlink
//     target inside a zoneinfo directory, else "Local"; missing or broken
//     falls back to UTC, as in Go.
type zoneSource struct {
	cfg zoneConfig

	mu sync.Mutex
	// The zone file cache: the file at filePath, as it was when fileInfo was
	// taken (same file, size and mtime), loaded to fileLoc or failing with
	// fileErr, under the name asked for as fileName ("" = derived).
	filePath string
	fileName string
	fileInfo os.FileInfo
	fileLoc  *time.Location
	fileErr  error
	// The zone name cache for $TZ names (failures cached as UTC).
	tzName string
	tzLoc  *time.Location
	// lastProblem is the last problem logged, so each is logged once.
	lastProblem string
}

func newZoneSource(cfg zoneConfig) *zoneSource {
	return &zoneSource{cfg: cfg}
}

// location returns the current local zone.
func (z *zoneSource) location() *time.Location {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.cfg.lookupEnv != nil {
		if tz, ok := z.cfg.lookupEnv("TZ"); ok {
			return z.fromTZLocked(tz)
		}
	}
	if z.cfg.localtimePath == "" {
		return time.Local
	}
	return z.fromFileOrUTCLocked(z.cfg.localtimePath, "")
}

// invalidate drops the zone file cache, so the next location re-reads the
// file even if its stat looks the same (a new symlink to the same file
// under another name).
func (z *zoneSource) invalidate() {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.fileInfo = nil
}

func (z *zoneSource) fromTZLocked(tz string) *time.Location {
	tz = strings.TrimPrefix(tz, ":")
	switch {
	case tz == "" || tz == "UTC":
		return time.UTC
	case strings.HasPrefix(tz, "/"):
		name := tz
		if tz == z.cfg.localtimePath {
			name = "" // the system zone file: name it as such
		}
		return z.fromFileOrUTCLocked(tz, name)
	}
	if z.tzLoc != nil && z.tzName == tz {
		return z.tzLoc
	}
	loc, err := loadNamedZone(tz)
	if err != nil {
		z.problemLocked(fmt.Errorf("load zone $TZ=%q, using UTC: %w", tz, err))
		loc = time.UTC
	} else {
		z.lastProblem = ""
	}
	z.tzName, z.tzLoc = tz, loc
	return loc
}

// loadNamedZone loads an IANA zone name. "Local" is refused, because the
// time package answers it with its start-up cache, the very thing this
// package exists to avoid.
func loadNamedZone(name string) (*time.Location, error) {
	if name == "Local" {
		return nil, errors.New(`"Local" is not a zone name`)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("load zone %q: %w", name, err)
	}
	return loc, nil
}

func (z *zoneSource) fromFileOrUTCLocked(path, name string) *time.Location {
	loc, err := z.fromFileLocked(path, name)
	if err != nil {
		z.problemLocked(fmt.Errorf("read time zone, using UTC: %w", err))
		return time.UTC
	}
	z.lastProblem = ""
	return loc
}

// fromFileLocked loads the zone file at path, named name or, if name is
// empty, after its symlink target. It returns the cached result while a
// stat shows the same file, size and mtime.
func (z *zoneSource) fromFileLocked(path, name string) (*time.Location, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("stat zone file: %w", err)
	}
	if z.fileInfo != nil && z.filePath == path && z.fileName == name && sameFileVersion(z.fileInfo, info) {
		return z.fileLoc, z.fileErr
	}
	// Read through one open file, so the cache key (its fstat) and the
	// data belong together even if the path is replaced meanwhile.
	info, loc, err := loadZoneFile(path, name)
	if info == nil {
		return nil, err // not cached: nothing identifies what failed
	}
	z.filePath, z.fileName, z.fileInfo, z.fileLoc, z.fileErr = path, name, info, loc, err
	return loc, err
}

// loadZoneFile reads and parses a zone file. It returns the open file's info
// whenever it got that far, so that a broken file is cached too.
func loadZoneFile(path, name string) (os.FileInfo, *time.Location, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open zone file: %w", err)
	}
	defer func() { _ = f.Close() }()
	info, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("stat zone file: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxZoneFileSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read zone file %s: %w", path, err)
	}
	if len(data) > maxZoneFileSize {
		return info, nil, fmt.Errorf("zone file %s: larger than %d bytes", path, maxZoneFileSize)
	}
	if name == "" {
		name = zoneNameOf(path)
	}
	loc, err := time.LoadLocationFromTZData(name, data)
	if err != nil {
		return info, nil, fmt.Errorf("parse zone file %s: %w", path, err)
	}
	return info, loc, nil
}

// sameFileVersion reports whether two stats show the same, unchanged file.
func sameFileVersion(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// zoneNameOf names the zone in the file at path after its symlink target in
// a zoneinfo directory (as timedatectl and macOS set it up), else "Local",
// which is what Go calls a zone it cannot name. The link itself is tried
// before the fully resolved path because it is the name the user chose; the
// target may be a further link to a canonical name.
func zoneNameOf(path string) string {
	target, err := os.Readlink(path)
	if err != nil {
		return "Local"
	}
	if name, ok := zoneNameInPath(target); ok {
		return name
	}
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		if name, ok := zoneNameInPath(resolved); ok {
			return name
		}
	}
	return "Local"
}

// zoneNameInPath extracts "Europe/Berlin" from ".../zoneinfo/Europe/Berlin"
// (also from zoneinfo/posix/..., Debian's alias tree).
func zoneNameInPath(p string) (string, bool) {
	const marker = "zoneinfo/"
	p = filepath.ToSlash(p)
	i := strings.LastIndex(p, marker)
	if i < 0 {
		return "", false
	}
	name := strings.TrimPrefix(p[i+len(marker):], "posix/")
	if name == "" || strings.HasSuffix(name, "/") {
		return "", false
	}
	return name, true
}

// problemLocked logs a zone problem once, not on every read.
func (z *zoneSource) problemLocked(err error) {
	if msg := err.Error(); msg != z.lastProblem {
		z.lastProblem = msg
		slog.Warn("time zone", "err", err)
	}
}
