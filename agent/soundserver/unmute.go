package soundserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"slices"

	"alarmd/agent/atomicfile"
)

// Output is what the Unmuter needs of the sound server; *Monitor implements it.
type Output interface {
	Now() (State, error)
	SetMute(sink string, mute bool) error
	SetVolumes(sink string, vols []uint32) error
}

// Unmuter carries out `[audio] unmute` (DESIGN §16): while anything rings the default output is
// unmuted and raised to at least MinVolume; once nothing rings it is put back — only what the
// Unmuter changed, and only where the user has not changed it since. What it changed is kept
// in a file in the runtime directory before the change is made, so an agent killed while
// ringing puts the output back at its next start (Repair).
//
// Ringing and Repair are called from one goroutine (the agent's watcher), one after the other,
// so the Unmuter has no lock to hold across the server's requests.
type Unmuter struct {
	out       Output
	file      string
	minVolume int
	log       *slog.Logger
	engaged   bool // ringing, and the output raised (or found loud enough)
}

// changed is what the Unmuter did to a sink, as kept in the runtime directory.
type changed struct {
	Sink string `json:"sink"`
	// Unmuted: the sink was muted and the Unmuter unmuted it.
	Unmuted bool `json:"unmuted,omitempty"`
	// WasVolumes/SetVolumes: the volume before and the volume the Unmuter set (nil: untouched).
	WasVolumes []uint32 `json:"was_volumes,omitempty"`
	SetVolumes []uint32 `json:"set_volumes,omitempty"`
}

// NewUnmuter returns an Unmuter keeping its record in file (in the runtime directory).
func NewUnmuter(out Output, file string, minVolume int, log *slog.Logger) *Unmuter {
	if log == nil {
		log = slog.Default()
	}
	return &Unmuter{out: out, file: file, minVolume: minVolume, log: log.With("part", "unmute")}
}

// Ringing is told whether any alarm rings now; it unmutes when ringing starts and restores
// when it ends. Calls with an unchanged value do nothing.
func (u *Unmuter) Ringing(ringing bool) {
	switch {
	case ringing && !u.engaged:
		u.engaged = true
		if err := u.raise(); err != nil {
			u.log.Warn("could not unmute the sound output for the alarm", "err", err)
		}
	case !ringing && u.engaged:
		u.engaged = false
		u.restoreFromFile()
	}
}

// Repair puts back what an agent that did not end cleanly left changed (its record is still
// in the runtime directory). It is called at start, before anything rings.
func (u *Unmuter) Repair() {
	if _, err := os.Stat(u.file); err == nil {
		u.log.Info("putting the sound output back as it was before an alarm that rang when the agent stopped")
		u.restoreFromFile()
	}
}

// raise unmutes and raises the default sink, recording what it changes first.
func (u *Unmuter) raise() error {
	st, err := u.out.Now()
	if err != nil {
		return err
	}
	c := changed{Sink: st.Sink, Unmuted: st.Muted}
	if st.Volume < u.minVolume && len(st.Volumes) > 0 {
		c.WasVolumes, c.SetVolumes = st.Volumes, volumesAt(st.Volumes, u.minVolume)
	}
	if !c.Unmuted && c.SetVolumes == nil {
		return nil // loud enough already: nothing to change, nothing to put back
	}
	// The record goes down before the change: a kill between the two leaves a record that
	// Repair finds matching nothing it changed, which restores nothing.
	if err := u.save(c); err != nil {
		return err
	}
	if c.SetVolumes != nil {
		if err := u.out.SetVolumes(c.Sink, c.SetVolumes); err != nil {
			return err
		}
	}
	if c.Unmuted {
		if err := u.out.SetMute(c.Sink, false); err != nil {
			return err
		}
	}
	u.log.Info("sound output raised for the alarm", "sink", c.Sink, "was_muted", st.Muted, "was_volume", st.Volume, "volume", max(st.Volume, u.minVolume))
	return nil
}

// restoreFromFile puts back what the record says was changed, where it still is as the
// Unmuter left it, and removes the record.
func (u *Unmuter) restoreFromFile() {
	c, err := u.load()
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		u.log.Warn("the record of the unmuted sound output cannot be read; not restoring", "err", err)
		_ = os.Remove(u.file)
		return
	}
	if err := u.restore(c); err != nil {
		// Keep the record: the next start tries again (the server may be back then).
		u.log.Warn("could not put the sound output back", "sink", c.Sink, "err", err)
		return
	}
	if err := os.Remove(u.file); err != nil && !errors.Is(err, fs.ErrNotExist) {
		u.log.Warn("remove the unmute record", "err", err)
	}
}

func (u *Unmuter) restore(c changed) error {
	st, err := u.out.Now()
	if err != nil {
		return err
	}
	if st.Sink != c.Sink {
		// The default output is another device now; put back the one that was changed.
		st.Muted, st.Volumes = false, c.SetVolumes
	}
	var did []string
	if c.SetVolumes != nil && slices.Equal(st.Volumes, c.SetVolumes) {
		if err := u.out.SetVolumes(c.Sink, c.WasVolumes); err != nil {
			return err
		}
		did = append(did, fmt.Sprintf("volume %d %%", percentOf(c.WasVolumes)))
	}
	if c.Unmuted && !st.Muted {
		if err := u.out.SetMute(c.Sink, true); err != nil {
			return err
		}
		did = append(did, "muted")
	}
	if len(did) > 0 {
		u.log.Info("sound output put back", "sink", c.Sink, "as", did)
	} else {
		u.log.Info("sound output left as the user set it during the alarm", "sink", c.Sink)
	}
	return nil
}

func (u *Unmuter) save(c changed) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(u.file, b, 0o600); err != nil {
		return fmt.Errorf("keep the sound output's state: %w", err)
	}
	return nil
}

func (u *Unmuter) load() (changed, error) {
	var c changed
	b, err := os.ReadFile(u.file)
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("%s: %w", u.file, err)
	}
	if c.Sink == "" {
		return c, fmt.Errorf("%s: no sink named", u.file)
	}
	return c, nil
}
