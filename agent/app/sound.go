package app

import (
	"fmt"
	"log/slog"
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

// notificationIcon is the application icon sent with every notification, so it shows even where
// the icon theme has no "alarmd" (not installed with make install).
func notificationIcon(log *slog.Logger) []byte {
	png, err := assets.AppIconPNG(48)
	if err != nil {
		log.Debug("no notification icon", "err", err)
		return nil
	}
	return png
}
