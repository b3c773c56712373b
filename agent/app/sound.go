package app

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"alarmd/agent/audio"
	"alarmd/assets"
)

// alarmSound adapts the audio player to the ringer: it turns an alarm's sound setting (a bundled
// name, a user sound or a file; "" for the default) into a source and plays it in a loop.
type alarmSound struct {
	player   *audio.Player
	userDir  string
	fallback string // the configured default sound, "" for the bundled default
	log      *slog.Logger
}

func (s alarmSound) Start(id int, sound string, volume float64, fade time.Duration) error {
	if sound == "" {
		sound = s.fallback
	}
	src := audio.DefaultSource()
	if sound != "" {
		r, err := audio.Resolve(sound, s.userDir)
		if err != nil {
			// The file was there at `add`; it has gone since. Ring with the default clip.
			s.log.Warn("alarm sound not found; using the default clip", "alarm", id, "sound", sound, "err", err)
		} else {
			src = r
		}
	}
	if err := s.player.Start(id, src, volume, fade); err != nil {
		return fmt.Errorf("play %s: %w", src, err)
	}
	return nil
}

func (s alarmSound) Stop(id int) { s.player.Stop(id) }

// checkSound validates a sound at `add` time: it must resolve and decode.
func checkSound(userDir string) func(string) error {
	return func(sound string) error {
		src, err := audio.Resolve(sound, userDir)
		if err != nil {
			return err
		}
		return audio.Check(src)
	}
}

// notificationIcon writes the application icon into the private runtime directory and returns
// its path for the notifications' app_icon, so the icon shows even where no "alarmd" icon is
// installed in the theme. A path costs nothing per notification, where an image-data hint would
// put ~9 KB on the bus in front of every ring. Without it the icon name "alarmd" is used.
func notificationIcon(runtimeDir string, log *slog.Logger) string {
	data, err := assets.AppIconPNG(48)
	if err == nil {
		path := filepath.Join(runtimeDir, "alarmd-48.png")
		if err = os.WriteFile(path, data, 0o600); err == nil {
			return path
		}
	}
	log.Debug("notification icon file not written; using the icon name", "err", err)
	return "alarmd"
}
