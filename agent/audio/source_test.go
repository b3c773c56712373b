package audio

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	userDir := t.TempDir()
	for _, name := range []string{"rooster.mp3", "waves.flac", "chime.wav", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(userDir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(userDir, "dir.wav"), 0o700); err != nil {
		t.Fatal(err)
	}
	elsewhere := filepath.Join(t.TempDir(), "song.ogg")
	if err := os.WriteFile(elsewhere, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		in   string
		want Source
	}{
		{"chime", Source{Name: "chime"}},
		{" Beep ", Source{Name: "beep"}},
		{"rooster", Source{Name: "rooster.mp3", Path: filepath.Join(userDir, "rooster.mp3")}},
		{"rooster.mp3", Source{Name: "rooster.mp3", Path: filepath.Join(userDir, "rooster.mp3")}},
		{"waves", Source{Name: "waves.flac", Path: filepath.Join(userDir, "waves.flac")}},
		// A user file may share a bundled name only through its extension.
		{"chime.wav", Source{Name: "chime.wav", Path: filepath.Join(userDir, "chime.wav")}},
		{elsewhere, Source{Name: "song.ogg", Path: elsewhere}},
	}
	for _, c := range cases {
		got, err := Resolve(c.in, userDir)
		if err != nil {
			t.Errorf("Resolve(%q): %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("Resolve(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

func TestResolveRelativePathIsMadeAbsolute(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "local.wav"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	got, err := Resolve("./local.wav", "")
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(got.Path) || filepath.Base(got.Path) != "local.wav" {
		t.Fatalf("Resolve(./local.wav) = %+v, want an absolute path", got)
	}
	// A bare file name in the working directory works too when the user
	// directory does not have it.
	got, err = Resolve("local.wav", t.TempDir())
	if err != nil || got.Path != filepath.Join(dir, "local.wav") {
		t.Fatalf("Resolve(local.wav) = %+v, %v", got, err)
	}
}

func TestResolveErrors(t *testing.T) {
	userDir := t.TempDir()
	if err := os.Mkdir(filepath.Join(userDir, "dir.wav"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{"nosuch", "", "/no/such/file.wav", filepath.Join(userDir, "dir.wav")} {
		_, err := Resolve(in, userDir)
		if err == nil {
			t.Errorf("Resolve(%q) succeeded, want error", in)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") {
			t.Errorf("Resolve(%q) error has several lines: %q", in, msg)
		}
		if in != "" && !strings.Contains(msg, in) {
			t.Errorf("Resolve(%q) error does not name the input: %q", in, msg)
		}
	}
	_, err := Resolve("nosuch", userDir)
	if msg := err.Error(); !strings.Contains(msg, "beep, bell, chime, digital") || !strings.Contains(msg, userDir) {
		t.Errorf("unknown-name error %q should list the bundled names and the user directory", msg)
	}
}

func TestList(t *testing.T) {
	userDir := t.TempDir()
	for _, name := range []string{"b.MP3", "a.wav", "c.ogg", "d.flac", "readme.txt", ".hidden.wav"} {
		if err := os.WriteFile(filepath.Join(userDir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(userDir, "sub.wav"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(userDir, "a.wav"), filepath.Join(userDir, "link.wav")); err != nil {
		t.Fatal(err)
	}
	got, err := List(userDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range got {
		names = append(names, e.Kind+":"+e.Name)
		if e.Kind == KindUser && e.Path != filepath.Join(userDir, e.Name) {
			t.Errorf("entry %+v: wrong path", e)
		}
		if e.Kind == KindBundled && e.Path != "" {
			t.Errorf("bundled entry %+v has a path", e)
		}
	}
	want := "bundled:beep bundled:bell bundled:chime bundled:digital user:a.wav user:b.MP3 user:c.ogg user:d.flac user:link.wav"
	if strings.Join(names, " ") != want {
		t.Fatalf("List = %v\nwant %v", names, want)
	}
}

func TestListMissingDir(t *testing.T) {
	got, err := List(filepath.Join(t.TempDir(), "absent"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("List of a missing dir = %v, want the 4 bundled sounds", got)
	}
}
