package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestGeneratorReproducesCommittedClips runs the generator into a temporary
// directory and compares its output with the committed clips byte for byte,
// so the committed files can always be re-created from source.
func TestGeneratorReproducesCommittedClips(t *testing.T) {
	out := t.TempDir()
	if err := writeAll(out); err != nil {
		t.Fatal(err)
	}
	committed, err := filepath.Glob(filepath.Join("..", "*.wav"))
	if err != nil {
		t.Fatal(err)
	}
	var committedNames []string
	for _, p := range committed {
		committedNames = append(committedNames, filepath.Base(p))
	}
	var generatedNames []string
	for _, c := range clips {
		generatedNames = append(generatedNames, c.name+".wav")
	}
	if !slices.Equal(committedNames, generatedNames) {
		t.Fatalf("committed clips %v, generator writes %v", committedNames, generatedNames)
	}
	for _, name := range generatedNames {
		want, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: generated %d bytes differ from the committed %d bytes; run go generate ./sounds", name, len(got), len(want))
		}
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestWrittenFileMode(t *testing.T) {
	out := t.TempDir()
	if err := writeAll(out); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(out, "chime.wav"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
}

func TestQuantizeClampsAndRounds(t *testing.T) {
	got := quantize([]float64{0, 1, -1, 2, -2, 0.5})
	want := []int16{0, 32767, -32767, 32767, -32767, 16384}
	if !slices.Equal(got, want) {
		t.Fatalf("quantize = %v, want %v", got, want)
	}
}
