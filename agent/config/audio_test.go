package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAudioSection(t *testing.T) {
	for _, tc := range []struct {
		text string
		want Audio
		warn string
	}{
		{"", Audio{MinVolume: 50}, ""},
		{"[audio]\nunmute = true\n", Audio{Unmute: true, MinVolume: 50}, ""},
		{"[audio]\nunmute = true\nmin_volume = 80\n", Audio{Unmute: true, MinVolume: 80}, ""},
		{"[audio]\nmin_volume = 5\n", Audio{MinVolume: 50}, "audio.min_volume = 5 is not a percentage from 10 to 100"},
		{"[audio]\nmin_volume = 101\n", Audio{MinVolume: 50}, "from 10 to 100"},
	} {
		p := filepath.Join(t.TempDir(), "config.toml")
		if err := os.WriteFile(p, []byte(tc.text), 0o600); err != nil {
			t.Fatal(err)
		}
		c, warns, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		if c.Audio != tc.want {
			t.Errorf("%q: %+v, want %+v", tc.text, c.Audio, tc.want)
		}
		joined := strings.Join(warns, "\n")
		if (tc.warn == "") != (joined == "") || !strings.Contains(joined, tc.warn) {
			t.Errorf("%q: warnings %q, want %q", tc.text, joined, tc.warn)
		}
	}
}
