package assets

import (
	"bytes"
	"encoding/binary"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"alarmd/assets/internal/icongen"
)

// TestGeneratedFilesAreCurrent checks that the committed and embedded files are exactly what the
// generator draws, so `go generate ./assets` is reproducible and nobody edits them by hand.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	want, err := icongen.Files()
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for name, b := range want {
		total += len(b)
		disk, err := os.ReadFile(filepath.FromSlash(name))
		if err != nil {
			t.Errorf("%s: %v (run go generate ./assets)", name, err)
			continue
		}
		if !bytes.Equal(disk, b) {
			t.Errorf("%s differs from the generator's output (run go generate ./assets)", name)
		}
		emb, err := files.ReadFile(name)
		if err != nil || !bytes.Equal(emb, b) {
			t.Errorf("%s: embedded copy missing or stale (err %v)", name, err)
		}
	}
	// nothing stray in the embedded tree
	_ = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if _, ok := want[p]; !ok {
				t.Errorf("embedded file %s is not made by the generator", p)
			}
		}
		return nil
	})
	if total > 300<<10 {
		t.Errorf("icons take %d bytes, want < 300 KiB", total)
	}
}

func TestTrayIconsPerState(t *testing.T) {
	seen := map[string]State{}
	for _, s := range []State{Set, None, Ringing, Paused, Silent} {
		for _, size := range []int{22, 24, 32} {
			b, err := TrayPNG(s, size)
			if err != nil {
				t.Fatalf("TrayPNG(%s, %d): %v", s, size, err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("%s %d: %v", s, size, err)
			}
			if img.Bounds().Dx() != size || img.Bounds().Dy() != size {
				t.Errorf("%s %d: image is %v", s, size, img.Bounds())
			}
			if size == 32 {
				if other, dup := seen[string(b)]; dup {
					t.Errorf("%s and %s look the same", s, other)
				}
				seen[string(b)] = s
			}
		}
		ico, err := TrayICO(s)
		if err != nil {
			t.Fatal(err)
		}
		if binary.LittleEndian.Uint16(ico[2:]) != 1 || binary.LittleEndian.Uint16(ico[4:]) != 4 {
			t.Fatalf("%s.ico: bad header % x", s, ico[:6])
		}
		for i, want := range []int{16, 20, 24, 32} {
			e := ico[6+16*i:]
			n, off := binary.LittleEndian.Uint32(e[8:]), binary.LittleEndian.Uint32(e[12:])
			img, err := png.Decode(bytes.NewReader(ico[off : off+n]))
			if err != nil || int(e[0]) != want || img.Bounds().Dx() != want {
				t.Errorf("%s.ico entry %d: size byte %d, err %v", s, i, e[0], err)
			}
		}
	}
	if _, err := TrayPNG("bogus", 22); err == nil {
		t.Error("TrayPNG of an unknown state succeeded")
	}
}

// TestContrast checks the glyph keeps visible pixels against both a white and a near-black
// panel: enough opaque pixels differ clearly from each background.
func TestContrast(t *testing.T) {
	for _, s := range []State{Set, None, Ringing, Paused, Silent} {
		b, _ := TrayPNG(s, 22)
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		for _, bg := range []float64{1.0, 0.12} {
			visible := 0
			for y := 0; y < 22; y++ {
				for x := 0; x < 22; x++ {
					r, g, bl, a := img.At(x, y).RGBA()
					if a < 0xc000 {
						continue
					}
					lum := (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(bl)) / 0xffff
					if d := lum - bg; d > 0.25 || d < -0.25 {
						visible++
					}
				}
			}
			if visible < 40 {
				t.Errorf("%s on background luminance %.2f: only %d clearly visible pixels", s, bg, visible)
			}
		}
	}
}

func TestAppIcons(t *testing.T) {
	for _, size := range []int{16, 24, 32, 48, 64, 128, 256} {
		b, err := AppIconPNG(size)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width != size {
			t.Errorf("app icon %d: %v %v", size, cfg, err)
		}
	}
	svg, err := fs.ReadFile(Icons(), "hicolor/scalable/apps/alarmd.svg")
	if err != nil || !bytes.HasPrefix(svg, []byte("<svg ")) {
		t.Errorf("svg: %v %q", err, svg)
	}
}
