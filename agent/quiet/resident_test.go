package quiet

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// smapsSample is /proc/PID/smaps of a cgo-linked agent, cut to the lines that matter, with each
// kind of region the selection must tell apart.
const smapsSample = `00400000-00402000 r--p 00000000 fe:00 9977877                            /opt/alarm d/alarmd
Size:                  8 kB
Rss:                   8 kB
Anonymous:             0 kB
VmFlags: rd mr mw me
00402000-00966000 r-xp 00002000 fe:00 9977877                            /opt/alarm d/alarmd
Size:               5520 kB
Rss:                5520 kB
Shared_Clean:          0 kB
Private_Clean:      5520 kB
Anonymous:             0 kB
VmFlags: rd ex mr mw me
00966000-00fb5000 r--p 00566000 fe:00 9977877                            /opt/alarm d/alarmd
Rss:                6204 kB
Anonymous:             0 kB
00fb5000-00fb6000 r--p 00bb4000 fe:00 9977877                            /opt/alarm d/alarmd
Rss:                   4 kB
Anonymous:             4 kB
00fb6000-0101f000 rw-p 00bb5000 fe:00 9977877                            /opt/alarm d/alarmd
Rss:                 240 kB
Anonymous:            96 kB
0101f000-03073000 rw-p 00000000 00:00 0
Rss:                2092 kB
Anonymous:          2092 kB
01a2c000-01a4d000 rw-p 00000000 00:00 0                                  [heap]
Rss:                   8 kB
Anonymous:             8 kB
7f8b48952000-7f8b48aa7000 r-xp 00028000 fe:00 1183044                    /usr/lib/x86_64-linux-gnu/libc.so.6
Rss:                1044 kB
Anonymous:             0 kB
7f8b48b00000-7f8b48b10000 r--p 00000000 fe:00 1183050                    /usr/lib/x86_64-linux-gnu/libold.so (deleted)
Rss:                   0 kB
Anonymous:             0 kB
7f8b48b34000-7f8b48b38000 r--s 00000000 00:06 512                        /dev/snd/pcmC0D0p
Rss:                  16 kB
Anonymous:             0 kB
7f8b48c4e000-7f8b48c50000 r--p 00000000 00:00 0                          [vvar]
Rss:                   8 kB
Anonymous:             0 kB
7f8b48c50000-7f8b48c52000 r-xp 00000000 00:00 0                          [vdso]
Rss:                   8 kB
Anonymous:             0 kB
`

func TestParseSmaps(t *testing.T) {
	maps, err := parseSmaps(strings.NewReader(smapsSample))
	if err != nil {
		t.Fatal(err)
	}
	if len(maps) != 12 {
		t.Fatalf("%d regions, want 12: %+v", len(maps), maps)
	}
	text := mapping{start: 0x402000, end: 0x966000, perms: "r-xp", inode: 9977877, path: "/opt/alarm d/alarmd", rss: 5520}
	if maps[1] != text {
		t.Errorf("text region %+v, want %+v", maps[1], text)
	}
	if m := maps[4]; m.anonymous != 96 || m.rss != 240 || m.perms != "rw-p" {
		t.Errorf("data region %+v", m)
	}
	if m := maps[5]; m.path != "" || m.inode != 0 || m.rss != 2092 {
		t.Errorf("anonymous region %+v", m)
	}
	if p := maps[8].path; p != "/usr/lib/x86_64-linux-gnu/libold.so (deleted)" {
		t.Errorf("deleted file's path %q", p)
	}

	for _, bad := range []string{
		"Rss:  4 kB\n", // a figure before any region
		"00400000 r--p 00000000 fe:00 1 /x\n",
		"00402000-00400000 r--p 00000000 fe:00 1 /x\n",
		"00400000-00402000 r--p 00000000 fe:00 inode /x\n",
		"00400000-00402000 r--p\n",
	} {
		if _, err := parseSmaps(strings.NewReader(bad)); err == nil {
			t.Errorf("parseSmaps(%q) succeeded", bad)
		}
	}
}

// TestPageOutChoosesOnlyFilesPages: the executable's code and read-only data, and a library's code
// (whose pages other processes map too the kernel keeps), are advised; what was written (RELRO,
// data), a shared mapping (a device's buffer), the runtime's memory and regions with nothing
// resident are not.
func TestPageOutChoosesOnlyFilesPages(t *testing.T) {
	var advised []string
	kB, err := pageOut(strings.NewReader(smapsSample), func(m mapping) error {
		advised = append(advised, m.perms+" "+m.path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"r--p /opt/alarm d/alarmd", "r-xp /opt/alarm d/alarmd", "r--p /opt/alarm d/alarmd",
		"r-xp /usr/lib/x86_64-linux-gnu/libc.so.6"}
	if !reflect.DeepEqual(advised, want) {
		t.Errorf("advised %q, want %q", advised, want)
	}
	if kB != 8+5520+6204+1044 {
		t.Errorf("advised %d kB, want %d", kB, 8+5520+6204+1044)
	}

	// One refusal does not stop the others, and is reported.
	n := 0
	kB, err = pageOut(strings.NewReader(smapsSample), func(m mapping) error {
		n++
		if m.perms == "r-xp" && strings.HasSuffix(m.path, "alarmd") {
			return errors.New("EINVAL")
		}
		return nil
	})
	if n != 4 || err == nil || !strings.Contains(err.Error(), "EINVAL") || kB != 8+6204+1044 {
		t.Errorf("with one refusal: %d calls, %d kB, err %v", n, kB, err)
	}
}

// TestQuietPagesOutAfterTheCollection: each time the keeper goes quiet it pages files out, after
// returning the free memory.
func TestQuietPagesOutAfterTheCollection(t *testing.T) {
	calls := make(chan string, 8)
	k := newKeeper(Options{Changes: make(chan struct{}), Busy: func() bool { return false }}, false)
	k.freeOSMemory = func() { calls <- "free" }
	k.pageOutFiles = func() (uint64, error) { calls <- "page out"; return 0, errors.New("no smaps") }
	k.quiet()
	k.quiet()
	close(calls)
	var got []string
	for c := range calls {
		got = append(got, c)
	}
	if want := []string{"free", "page out", "free", "page out"}; !reflect.DeepEqual(got, want) {
		t.Errorf("quiet twice did %q, want %q", got, want)
	}
}
