package sounds

import (
	"encoding/binary"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestNamesSortedAndComplete(t *testing.T) {
	got := Names()
	want := []string{"beep", "bell", "chime", "digital"}
	if !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	if !slices.Contains(got, Default()) {
		t.Fatalf("Default() = %q is not among %v", Default(), got)
	}
	if Default() != "chime" {
		t.Fatalf("Default() = %q, want chime", Default())
	}
}

func TestOpenUnknownListsKnown(t *testing.T) {
	for _, name := range []string{"nope", "", "chime.wav", "../sounds/chime", "Chime"} {
		_, err := Open(name)
		if err == nil {
			t.Fatalf("Open(%q) succeeded, want error", name)
		}
		msg := err.Error()
		if !strings.Contains(msg, "beep, bell, chime, digital") || strings.Contains(msg, "\n") {
			t.Errorf("Open(%q) error = %q, want one line listing the bundled names", name, msg)
		}
	}
}

func TestDescription(t *testing.T) {
	for _, name := range Names() {
		if Description(name) == "" {
			t.Errorf("Description(%q) is empty", name)
		}
	}
	if d := Description("nope"); d != "" {
		t.Errorf("Description(nope) = %q, want empty", d)
	}
}

// TestClipsAreLoopableWAV checks the properties the player relies on: the
// canonical PCM format, a 1–2 s length, a small size, and silence at both
// ends so that looping does not click.
func TestClipsAreLoopableWAV(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			rc, err := Open(name)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			data, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			if len(data) >= 200<<10 {
				t.Errorf("size %d bytes, want < 200 KiB", len(data))
			}
			if len(data) < 44 || string(data[0:4]) != "RIFF" || string(data[8:16]) != "WAVEfmt " || string(data[36:40]) != "data" {
				t.Fatalf("not a canonical RIFF/WAVE file: % x", data[:min(len(data), 44)])
			}
			le16 := func(off int) int { return int(binary.LittleEndian.Uint16(data[off:])) }
			le32 := func(off int) int { return int(binary.LittleEndian.Uint32(data[off:])) }
			if f, ch, rate, bits := le16(20), le16(22), le32(24), le16(34); f != 1 || ch != 1 || rate != 44100 || bits != 16 {
				t.Fatalf("format %d, %d channels, %d Hz, %d bits; want PCM mono 44100 Hz 16-bit", f, ch, rate, bits)
			}
			if le32(40) != len(data)-44 || le32(4) != len(data)-8 {
				t.Fatalf("chunk sizes do not match the file size %d", len(data))
			}
			samples := (len(data) - 44) / 2
			if secs := float64(samples) / 44100; secs < 1 || secs > 2 {
				t.Errorf("length %.3f s, want 1–2 s", secs)
			}
			sample := func(i int) int16 { return int16(binary.LittleEndian.Uint16(data[44+2*i:])) }
			if first, last := sample(0), sample(samples-1); first != 0 || last != 0 {
				t.Errorf("first/last sample = %d/%d, want 0/0 so the loop does not click", first, last)
			}
			var peak int16
			for i := range samples {
				peak = max(peak, sample(i), -sample(i))
			}
			if peak < 8000 {
				t.Errorf("peak %d: clip is nearly silent", peak)
			}
		})
	}
}
