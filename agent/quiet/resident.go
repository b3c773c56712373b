package quiet

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Why the idle agent pages its files out: it runs none of its code between alarms, yet after
// start-up nearly all of its executable (code, read-only data and the runtime's function tables,
// about 10 of the agent's 14 MB resident) is mapped into it, because the kernel maps whole
// page-cache folios, or the pages around a fault, rather than the one page a fault touched; and a
// freshly written binary sits in the page cache in folios of up to 2 MB. MADV_PAGEOUT reclaims the
// pages of a range that no other process maps. The next alarm, request or redraw reads the few it
// needs back from the file, in small read-ahead folios (a handful of reads per ring), as it would
// after any memory pressure. Nothing is lost: the kernel never drops a written page, and
// releasable leaves mappings that hold one alone anyway.

// mapping is one region of /proc/self/smaps, with the figures releasable needs (kB).
type mapping struct {
	start, end uintptr
	perms      string // as smaps prints them: "r-xp"
	inode      uint64 // 0 for anonymous memory
	path       string // "/usr/lib/…", "[heap]", "" for anonymous memory
	rss        uint64
	anonymous  uint64 // copy-on-write pages: written, so no longer the file's
}

// releasable reports whether the mapping holds resident pages that are only a file's: a private
// mapping of a file that cannot be written and has no anonymous page (a relocated one, as in a
// RELRO segment). Shared mappings (the sound device's buffers) and the runtime's memory are left
// alone.
func (m mapping) releasable() bool {
	return m.inode != 0 && len(m.path) > 0 && m.path[0] == '/' && len(m.perms) == 4 &&
		m.perms[1] == '-' && m.perms[3] == 'p' && m.rss > 0 && m.anonymous == 0
}

// pageOut calls advise on every releasable mapping that smaps (in the format of /proc/PID/smaps)
// lists, and returns how many kB were resident in the mappings it advised.
func pageOut(smaps io.Reader, advise func(mapping) error) (uint64, error) {
	maps, err := parseSmaps(smaps)
	if err != nil {
		return 0, err
	}
	var advised uint64
	var errs []error
	for _, m := range maps {
		if !m.releasable() {
			continue
		}
		if err := advise(m); err != nil {
			errs = append(errs, err)
			continue
		}
		advised += m.rss
	}
	return advised, errors.Join(errs...)
}

// parseSmaps reads the regions of r, in the format of /proc/PID/smaps.
func parseSmaps(r io.Reader) ([]mapping, error) {
	var maps []mapping
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Bytes()
		key, rest, _ := bytes.Cut(line, []byte(" "))
		if len(key) > 0 && key[len(key)-1] == ':' { // "Rss:      236 kB"
			if len(maps) == 0 {
				return nil, fmt.Errorf("smaps: %q before the first region", line)
			}
			m := &maps[len(maps)-1]
			switch string(key) {
			case "Rss:":
				m.rss = kB(rest)
			case "Anonymous:":
				m.anonymous = kB(rest)
			}
			continue
		}
		m, err := parseRegion(line)
		if err != nil {
			return nil, err
		}
		maps = append(maps, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read smaps: %w", err)
	}
	return maps, nil
}

// parseRegion parses a region's first line, "00402000-00966000 r-xp 00002000 fe:00 9977877   /path":
// range, permissions, offset, device, inode and, after a run of spaces, the path if there is one
// (which may hold spaces itself, and end in " (deleted)").
func parseRegion(line []byte) (mapping, error) {
	var f [5][]byte
	rest := line
	for i := range f {
		rest = bytes.TrimLeft(rest, " ")
		f[i], rest, _ = bytes.Cut(rest, []byte(" "))
	}
	lo, hi, ok := bytes.Cut(f[0], []byte("-"))
	start, err1 := strconv.ParseUint(string(lo), 16, 64)
	end, err2 := strconv.ParseUint(string(hi), 16, 64)
	inode, err3 := strconv.ParseUint(string(f[4]), 10, 64)
	if !ok || err1 != nil || err2 != nil || err3 != nil || end < start || len(f[1]) != 4 {
		return mapping{}, fmt.Errorf("smaps: region line %q", line)
	}
	return mapping{start: uintptr(start), end: uintptr(end), perms: string(f[1]), inode: inode,
		path: string(bytes.TrimLeft(rest, " "))}, nil
}

// kB parses the number of "    236 kB"; 0 if it is not one.
func kB(b []byte) uint64 {
	n, _ := strconv.ParseUint(string(bytes.TrimSuffix(bytes.TrimSpace(b), []byte(" kB"))), 10, 64)
	return n
}
