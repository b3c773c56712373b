// Package config reads the optional config.toml (DESIGN §2). A missing file means defaults; a file
// with mistakes still yields a usable config plus warnings, because an alarm clock that refuses
// to start over a typo would miss the alarms it exists for.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"alarmd/agent/alarm"
	"alarmd/agent/internal/oneline"
	"alarmd/agent/wake"
)

// Config is the agent's configuration.
type Config struct {
	// Defaults apply to alarms added without the matching option.
	Defaults alarm.Defaults
	// QuickTimers are the tray's Quick timer entries.
	QuickTimers []time.Duration
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// Audio is the [audio] section (DESIGN §16).
	Audio Audio
	// WakeLead is how long before a ring the computer is woken (`[wake] lead`, DESIGN §15).
	WakeLead time.Duration
}

// Default returns the built-in configuration.
func Default() Config {
	return Config{
		Defaults: alarm.BuiltinDefaults(),
		QuickTimers: []time.Duration{5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 25 * time.Minute,
			30 * time.Minute, 45 * time.Minute, 60 * time.Minute},
		LogLevel: "info",
		Audio:    DefaultAudio(),
		WakeLead: wake.DefaultLead,
	}
}

// file is the TOML layout.
type file struct {
	Defaults struct {
		Sound  string `toml:"sound"`
		Snooze string `toml:"snooze"`
		Ring   string `toml:"ring"`
		Late   string `toml:"late"`
		Fade   string `toml:"fade"`
		Volume int    `toml:"volume"`
		Remind string `toml:"remind"`
		Wake   *bool  `toml:"wake"`
	} `toml:"defaults"`
	Tray struct {
		QuickTimers []string `toml:"quick_timers"`
	} `toml:"tray"`
	Log struct {
		Level string `toml:"level"`
	} `toml:"log"`
	Audio audioFile `toml:"audio"`
	Wake  wakeFile  `toml:"wake"`
}

// Load reads path. It returns the config (defaults where the file says nothing or is wrong) and
// one warning line per problem; err is only for a file that exists but cannot be read at all.
func Load(path string) (Config, []string, error) {
	c := Default()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil, nil
	}
	if err != nil {
		return c, nil, fmt.Errorf("read config: %w", err)
	}
	var f file
	md, err := toml.Decode(string(data), &f)
	if err != nil {
		return c, []string{fmt.Sprintf("%s: %v; using built-in defaults", path, oneline.Of(err.Error()))}, nil
	}
	var warns []string
	for _, k := range md.Undecoded() {
		warns = append(warns, fmt.Sprintf("%s: unknown setting %q ignored", path, k.String()))
	}
	// The same limits as the command line's options (alarm.Limit), so a default can be
	// anything `add` accepts and nothing it refuses.
	dur := func(l alarm.Limit, text string, dst *time.Duration) {
		if text == "" {
			return
		}
		d, err := l.Parse("defaults."+l.Name, text)
		if err != nil {
			warns = append(warns, fmt.Sprintf("%s: %v; using %s", path, err, *dst))
			return
		}
		*dst = d
	}
	dur(alarm.SnoozeLimit, f.Defaults.Snooze, &c.Defaults.Snooze)
	dur(alarm.RingLimit, f.Defaults.Ring, &c.Defaults.Ring)
	dur(alarm.LateLimit, f.Defaults.Late, &c.Defaults.Late)
	dur(alarm.FadeLimit, f.Defaults.Fade, &c.Defaults.Fade)
	c.Defaults.Sound = f.Defaults.Sound
	c.Defaults.Wake = f.Defaults.Wake
	readWakeLead(path, f.Wake.Lead, &c.WakeLead, &warns)
	if f.Defaults.Remind != "" {
		if _, err := alarm.ParseReminders("defaults.remind", f.Defaults.Remind); err != nil {
			warns = append(warns, fmt.Sprintf("%s: %v; no default reminders", path, err))
		} else {
			c.Defaults.Remind = f.Defaults.Remind
		}
	}
	if v := f.Defaults.Volume; v != 0 {
		if err := alarm.CheckVolume("defaults.volume", v); err != nil {
			warns = append(warns, fmt.Sprintf("%s: %v; using %d", path, err, c.Defaults.Volume))
		} else {
			c.Defaults.Volume = v
		}
	}
	if qs := quickTimers(path, f.Tray.QuickTimers, &warns); len(qs) > 0 {
		c.QuickTimers = qs
	}
	c.Audio = audioOf(path, f.Audio, &warns)
	switch l := strings.ToLower(f.Log.Level); l {
	case "":
	case "debug", "info", "warn", "error":
		c.LogLevel = l
	default:
		warns = append(warns, fmt.Sprintf("%s: log.level = %q is not debug, info, warn or error; using info", path, f.Log.Level))
	}
	return c, warns, nil
}

// quickTimers reads tray.quick_timers, skipping (with a warning) what is not a duration from 1 s
// to 24 h.
func quickTimers(path string, entries []string, warns *[]string) []time.Duration {
	var qs []time.Duration
	for _, t := range entries {
		d, err := time.ParseDuration(t)
		if err != nil || d < time.Second || d > 24*time.Hour {
			*warns = append(*warns, fmt.Sprintf("%s: tray.quick_timers entry %q is not a duration from 1s to 24h; skipped", path, t))
			continue
		}
		qs = append(qs, d)
	}
	return qs
}
