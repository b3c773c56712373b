// Package audio plays alarm sounds (DESIGN §5): it resolves what `--sound`
// names, checks that a file decodes, lists the available sounds, and mixes
// any number of looping, fading-in alarm sounds through one speaker that is
// opened once per process and suspended whenever nothing plays.
//
// Playback uses github.com/gopxl/beep/v2. Its speaker cannot report a missing
// audio device from Init (the driver opens asynchronously), so the Player
// watches whether the device actually consumes samples and reports audio as
// unavailable when it does not; callers then still notify, just silently.
package audio

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"alarmd/sounds"
)

// Source is a sound to play: a bundled clip (Path == "") or a file.
type Source struct {
	// Name is what to call the sound in listings and logs: the bundled clip's
	// name, or the file's base name.
	Name string
	// Path is the absolute path of a sound file, "" for a bundled clip.
	Path string
}

// IsBundled reports whether s is one of the clips bundled in the binary.
func (s Source) IsBundled() bool { return s.Path == "" }

// String returns the bundled name or the file path, whichever identifies s.
func (s Source) String() string {
	if s.Path != "" {
		return s.Path
	}
	return s.Name
}

// DefaultSource is the bundled default clip, also the fallback for a sound
// that breaks at ring time.
func DefaultSource() Source { return Source{Name: sounds.Default()} }

// Entry is one line of `alarmd sounds`.
type Entry struct {
	Name string // bundled name, or the file name in the user sound directory
	Kind string // "bundled" or "user"
	Path string // "" for bundled sounds
}

// Entry kinds.
const (
	KindBundled = "bundled"
	KindUser    = "user"
)

// audioExts are the file extensions listed as user sounds and tried, in this
// order, when a user sound is named without its extension.
var audioExts = []string{".wav", ".flac", ".ogg", ".mp3"}

// isAudioExt reports whether name ends in one of audioExts, ignoring case.
func isAudioExt(name string) bool {
	return slices.Contains(audioExts, strings.ToLower(filepath.Ext(name)))
}

// Resolve turns the argument of --sound into a Source. It accepts, in this
// order: a bundled clip name (any case); a file in userDir named exactly, or
// by its name without extension; a path to an existing file (relative to the
// working directory, absolute, or starting with "~/"). The file's content is
// not examined here; see Check. The error is one line naming the input and
// listing the bundled names.
func Resolve(nameOrPath, userDir string) (Source, error) {
	in := strings.TrimSpace(nameOrPath)
	if in == "" {
		return Source{}, fmt.Errorf("empty sound name (bundled sounds: %s)", strings.Join(sounds.Names(), ", "))
	}
	if lower := strings.ToLower(in); sounds.IsBundled(lower) {
		return Source{Name: lower}, nil
	}
	looksLikePath := strings.ContainsRune(in, '/') || strings.ContainsRune(in, filepath.Separator) ||
		filepath.IsAbs(in) || strings.HasPrefix(in, "~")
	if !looksLikePath && userDir != "" {
		if src, ok, err := resolveInUserDir(in, userDir); err != nil {
			return Source{}, err
		} else if ok {
			return src, nil
		}
	}
	path, err := expandHome(in)
	if err != nil {
		return Source{}, fmt.Errorf("sound %q: %w", in, err)
	}
	if fi, err := os.Stat(path); err == nil {
		if !fi.Mode().IsRegular() {
			return Source{}, fmt.Errorf("sound %q: not a regular file", in)
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return Source{}, fmt.Errorf("sound %q: %w", in, err)
		}
		return Source{Name: filepath.Base(abs), Path: abs}, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return Source{}, fmt.Errorf("sound %q: %w", in, err)
	}
	where := "a file in the user sound directory"
	if userDir != "" {
		where = "a file in " + userDir
	}
	return Source{}, fmt.Errorf("unknown sound %q: not a bundled sound (%s), %s, or an existing file",
		in, strings.Join(sounds.Names(), ", "), where)
}

// resolveInUserDir looks name up in userDir: first as an exact file name,
// then as a file name without its audio extension.
func resolveInUserDir(name, userDir string) (Source, bool, error) {
	candidates := []string{name}
	if filepath.Ext(name) == "" || !isAudioExt(name) {
		for _, ext := range audioExts {
			candidates = append(candidates, name+ext, name+strings.ToUpper(ext))
		}
	}
	for _, c := range candidates {
		p := filepath.Join(userDir, c)
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return Source{}, false, fmt.Errorf("sound %q: %w", name, err)
		}
		return Source{Name: c, Path: abs}, true, nil
	}
	return Source{}, false, nil
}

// expandHome replaces a leading "~/" by the user's home directory.
func expandHome(p string) (string, error) {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("expand ~: %w", err)
	}
	return filepath.Join(home, strings.TrimPrefix(p, "~")), nil
}

// List returns the bundled sounds (sorted) followed by the user's sound
// files in userDir (wav, mp3, ogg, flac; sorted by file name). A missing
// userDir is not an error; an unreadable one returns the bundled entries
// together with the error.
func List(userDir string) ([]Entry, error) {
	var entries []Entry
	for _, name := range sounds.Names() {
		entries = append(entries, Entry{Name: name, Kind: KindBundled})
	}
	if userDir == "" {
		return entries, nil
	}
	dirEntries, err := os.ReadDir(userDir)
	if errors.Is(err, fs.ErrNotExist) {
		return entries, nil
	}
	if err != nil {
		return entries, fmt.Errorf("list user sounds: %w", err)
	}
	for _, de := range dirEntries {
		if !isAudioExt(de.Name()) || strings.HasPrefix(de.Name(), ".") {
			continue
		}
		p := filepath.Join(userDir, de.Name())
		fi, err := os.Stat(p) // follows symlinks, so a linked file counts
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		entries = append(entries, Entry{Name: de.Name(), Kind: KindUser, Path: p})
	}
	return entries, nil
}
