package audio

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"alarmd/sounds"
)

func TestBundledClipsDecode(t *testing.T) {
	for _, name := range sounds.Names() {
		src := Source{Name: name}
		if err := Check(src); err != nil {
			t.Errorf("Check(%s): %v", name, err)
		}
		s, format, err := openSource(src)
		if err != nil {
			t.Fatalf("open %s: %v", name, err)
		}
		frames, err := drain(s)
		s.Close()
		if err != nil {
			t.Fatalf("decode %s: %v", name, err)
		}
		if format.SampleRate != outputRate {
			t.Errorf("%s: %d Hz, want %d (bundled clips must not need resampling)", name, format.SampleRate, outputRate)
		}
		if secs := float64(frames) / float64(format.SampleRate); secs < 1 || secs > 2 {
			t.Errorf("%s: %.2f s, want 1–2 s", name, secs)
		}
	}
}

// soxFixture makes a 0.5 s 440 Hz tone with sox in the given file type and
// skips the test when this sox cannot write it.
func soxFixture(t *testing.T, dir, name, soxType string) string {
	t.Helper()
	sox, err := exec.LookPath("sox")
	if err != nil {
		t.Skip("sox not installed")
	}
	help, _ := exec.Command(sox, "-h").CombinedOutput()
	formats := ""
	for _, line := range strings.Split(string(help), "\n") {
		if strings.HasPrefix(line, "AUDIO FILE FORMATS:") {
			formats = line
		}
	}
	if !strings.Contains(" "+formats+" ", " "+soxType+" ") {
		t.Skipf("this sox cannot write %s (no %q in `sox -h`; Debian needs libsox-fmt-mp3 for mp3)", soxType, soxType)
	}
	path := filepath.Join(dir, name)
	args := []string{"-n", "-r", "22050", "-c", "1"}
	if soxType == "wav" || soxType == "flac" {
		args = append(args, "-b", "16") // sox's default for synth is 32-bit float
	}
	args = append(args, "-t", soxType, path, "synth", "0.5", "sine", "440", "vol", "0.5")
	out, err := exec.Command(sox, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("sox: %v\n%s", err, out)
	}
	return path
}

func TestCheckUserFormats(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ name, soxType string }{
		{"tone.ogg", "vorbis"},
		{"tone.flac", "flac"},
		{"tone.wav", "wav"},
		{"tone.mp3", "mp3"},
	} {
		t.Run(c.soxType, func(t *testing.T) {
			path := soxFixture(t, dir, c.name, c.soxType)
			if err := Check(Source{Name: c.name, Path: path}); err != nil {
				t.Fatalf("Check(%s): %v", c.name, err)
			}
			s, format, err := openSource(Source{Path: path})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			frames, err := drain(s)
			if err != nil || format.SampleRate != 22050 {
				t.Fatalf("decoded %d frames at %d Hz, err %v", frames, format.SampleRate, err)
			}
			if secs := float64(frames) / 22050; secs < 0.45 || secs > 0.6 {
				t.Errorf("decoded %.3f s, want about 0.5 s", secs)
			}
		})
	}
}

// TestCheckSniffsWhenExtensionLies decodes files whose extension names
// another format, by their magic bytes.
func TestCheckSniffsWhenExtensionLies(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ name, soxType, lie string }{
		{"a.ogg", "vorbis", "a-ogg.mp3"},
		{"b.flac", "flac", "b-flac.wav"},
		{"c.wav", "wav", "c-wav.ogg"},
	} {
		t.Run(c.soxType, func(t *testing.T) {
			path := soxFixture(t, dir, c.name, c.soxType)
			liar := filepath.Join(dir, c.lie)
			if err := os.Rename(path, liar); err != nil {
				t.Fatal(err)
			}
			if err := Check(Source{Path: liar}); err != nil {
				t.Fatalf("Check(%s): %v", c.lie, err)
			}
		})
	}
}

func TestCheckRefusesNonAudio(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"text.mp3":   "this is not an mp3 file\nsecond line\n",
		"text.wav":   "RIFF but not really",
		"text.ogg":   "hello",
		"text.flac":  "hello",
		"empty.wav":  "",
		"notes.txt":  "hello",
		"opus.ogg":   "OggS\x00\x02" + strings.Repeat("\x00", 20) + "OpusHead",
		"header.wav": "RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x44\xac\x00\x00\x88\x58\x01\x00\x02\x00\x10\x00data\x00\x00\x00\x00",
	}
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		err := Check(Source{Name: name, Path: path})
		if err == nil {
			t.Errorf("Check(%s) accepted a file that is not audio", name)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") || !strings.Contains(msg, path) {
			t.Errorf("Check(%s) = %q, want one line naming the file", name, msg)
		}
	}
}

// TestCheckRefusesFloatWAV documents a limit of beep's wav decoder: 32-bit
// float WAV (what sox and some editors write by default) is refused at add
// time with the decoder's reason, rather than failing at ring time.
func TestCheckRefusesFloatWAV(t *testing.T) {
	sox, err := exec.LookPath("sox")
	if err != nil {
		t.Skip("sox not installed")
	}
	path := filepath.Join(t.TempDir(), "float.wav")
	if out, err := exec.Command(sox, "-n", "-r", "44100", "-c", "1", "-e", "floating-point", "-b", "32", path, "synth", "0.2", "sine", "440").CombinedOutput(); err != nil {
		t.Fatalf("sox: %v\n%s", err, out)
	}
	err = Check(Source{Path: path})
	if err == nil || !strings.Contains(err.Error(), "unsupported") {
		t.Fatalf("Check(float wav) = %v, want an unsupported-format error", err)
	}
}

func TestCheckMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gone.wav")
	if err := Check(Source{Path: path}); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Check(missing) = %v", err)
	}
}

func TestSniff(t *testing.T) {
	cases := []struct {
		head string
		want codec
	}{
		{"RIFF\x00\x00\x00\x00WAVEfmt ", codecWAV},
		{"fLaC\x00", codecFLAC},
		{"OggS\x00\x02" + strings.Repeat("\x00", 22) + "\x01vorbis", codecVorbis},
		{"ID3\x04", codecMP3},
		{"\xff\xfb\x90\x00", codecMP3},     // MPEG-1 layer III frame header
		{"\xff\xf1\x50\x80", codecUnknown}, // AAC ADTS, not mp3
		{"hello", codecUnknown},
		{"", codecUnknown},
	}
	for _, c := range cases {
		got, err := sniff([]byte(c.head))
		if err != nil || got != c.want {
			t.Errorf("sniff(%q) = %v, %v; want %v", c.head, got, err, c.want)
		}
	}
	if _, err := sniff([]byte("OggS\x00\x02OpusHead")); err == nil {
		t.Error("sniff accepted Ogg Opus")
	}
}
