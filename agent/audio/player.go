package audio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/gopxl/beep/v2"

	"alarmd/agent/internal/oneline"
)

// device is the speaker as the Player uses it. The real one is the process'
// single gopxl speaker; tests substitute a fake that they pull samples from.
type device interface {
	// Init opens the device once per process.
	Init(rate beep.SampleRate, bufferSize int) error
	// Play adds a streamer that the device pulls samples from.
	Play(s beep.Streamer)
	// Suspend stops pulling samples and writing to the device.
	Suspend() error
	// Resume undoes Suspend; it also reports an error the driver hit while
	// opening the device asynchronously.
	Resume() error
}

// timing holds the Player's delays; tests shorten them.
type timing struct {
	// buffer is the speaker's total buffer, about the latency of Start.
	buffer time.Duration
	// openTimeout bounds Init and the first Resume: an ALSA open can block
	// for good on a busy device.
	openTimeout time.Duration
	// callTimeout bounds Suspend and Resume, which block while the driver is
	// stuck writing to the device.
	callTimeout time.Duration
	// consumeTimeout is how long after opening or resuming the device must
	// have pulled consumeMin of samples, or audio is declared unavailable.
	consumeTimeout time.Duration
	consumeMin     time.Duration
	// idleLinger is how long silence keeps flowing after the last sound
	// stopped before the speaker is suspended, so the tail of the old sound
	// leaves the buffers instead of replaying on the next Resume.
	idleLinger time.Duration
	// closeTimeout bounds how long Close waits for the device goroutine.
	closeTimeout time.Duration
}

var defaultTiming = timing{
	buffer:         60 * time.Millisecond,
	openTimeout:    3 * time.Second,
	callTimeout:    2 * time.Second,
	consumeTimeout: 1500 * time.Millisecond,
	consumeMin:     200 * time.Millisecond,
	idleLinger:     250 * time.Millisecond,
	closeTimeout:   2 * time.Second,
}

// deviceState is where the Player is in the life of its speaker.
type deviceState int

const (
	stateIdle        deviceState = iota // nothing played yet, device untouched
	stateOpen                           // opened (maybe suspended)
	stateUnavailable                    // no usable device for this process
)

// voiceKey identifies a voice: a ringing alarm, or one PlayOnce call.
type voiceKey struct {
	once bool
	id   int
}

var (
	errClosed = errors.New("audio player closed")
	// errNothingConsumed is the reason when the device opened without error
	// but never asked for samples (gopxl's speaker cannot tell otherwise).
	errNothingConsumed = errors.New("no audio device: nothing consumed samples")
)

// Player mixes any number of looping alarm sounds through one speaker. It
// opens the speaker on the first Start (once per process), suspends it
// whenever nothing plays and resumes it for the next sound. All methods are
// safe for concurrent use and return promptly: device calls, which can block,
// happen on a goroutine of the Player's own.
type Player struct {
	logger *slog.Logger
	dev    device
	timing timing

	startDevice sync.Once
	wakeCh      chan struct{} // voices changed; buffered, never blocks senders
	consumedCh  chan struct{} // the device pulled the awaited amount
	quit        chan struct{} // closed by Close
	exited      chan struct{} // closed when the device goroutine returns
	unavailable chan struct{} // closed when audio becomes unavailable
	closeOnce   sync.Once

	mu          sync.Mutex // guards the fields below; taken inside the speaker's lock
	state       deviceState
	reason      error // why audio is unavailable
	closed      bool
	voices      map[voiceKey]*voice
	nextOnce    int
	scratch     [][2]float64
	pulled      int // frames the device pulled so far
	consumeGoal int // pulled must reach this to confirm the device; 0 = not waiting
}

// NewPlayer returns a Player for the process' speaker. It does not touch
// the audio device; the first Start or PlayOnce does. A nil logger means
// slog.Default().
func NewPlayer(logger *slog.Logger) *Player {
	return newPlayer(logger, speakerDevice{}, defaultTiming)
}

func newPlayer(logger *slog.Logger, dev device, t timing) *Player {
	if logger == nil {
		logger = slog.Default()
	}
	return &Player{
		logger:      logger,
		dev:         dev,
		timing:      t,
		wakeCh:      make(chan struct{}, 1),
		consumedCh:  make(chan struct{}, 1),
		quit:        make(chan struct{}),
		exited:      make(chan struct{}),
		unavailable: make(chan struct{}),
		voices:      make(map[voiceKey]*voice),
	}
}

// Start begins looping src for the ringing alarm id, until Stop(id). The
// sound fades in from silence to volume (0..1, a linear amplitude factor)
// over fade, along a ramp that is linear in dB from -60 dB. Starting an id
// that already plays restarts it with the new source and settings.
//
// A source that fails to open or decode falls back to the default bundled
// clip, with one log line; so does a source that breaks while playing.
// Start returns an error only when audio is unavailable (or the Player is
// closed); the caller should notify regardless. The first Start opens the
// device in the background: if that fails, State reports it within about
// two seconds and later Starts return the error.
func (p *Player) Start(id int, src Source, volume float64, fade time.Duration) error {
	if err := p.usable(); err != nil {
		return err
	}
	s, format, err := openSource(src)
	if err != nil {
		p.logger.Warn("alarm sound does not play; using the default clip", "alarm", id, "sound", src.String(), "err", err)
		src = DefaultSource()
		if s, format, err = openSource(src); err != nil {
			return fmt.Errorf("open default sound: %w", err)
		}
	}
	v := newVoice(src.String(), s, format.SampleRate, true, newEnvelope(volume, fade))
	return p.add(voiceKey{id: id}, v)
}

// Stop stops the sound of alarm id. It does nothing when that alarm is not
// sounding.
func (p *Player) Stop(id int) {
	p.mu.Lock()
	p.removeLocked(voiceKey{id: id})
	p.mu.Unlock()
	p.wake()
}

// StopAll stops every alarm sound. Sounds of PlayOnce, which its caller
// controls through its context, go on.
func (p *Player) StopAll() {
	p.mu.Lock()
	for k := range p.voices {
		if !k.once {
			p.removeLocked(k)
		}
	}
	p.mu.Unlock()
	p.wake()
}

// PlayOnce plays src once, at volume and without fade, and returns when it
// has been played out, when ctx ends (stopping it), or when audio turns out
// to be unavailable. Unlike Start it does not fall back to the default clip:
// the caller asked for this sound.
func (p *Player) PlayOnce(ctx context.Context, src Source, volume float64) error {
	if err := p.usable(); err != nil {
		return err
	}
	s, format, err := openSource(src)
	if err != nil {
		return fmt.Errorf("play %s: %w", src.String(), err)
	}
	v := newVoice(src.String(), s, format.SampleRate, false, newEnvelope(volume, 0))
	p.mu.Lock()
	key := voiceKey{once: true, id: p.nextOnce}
	p.nextOnce++
	p.mu.Unlock()
	if err := p.add(key, v); err != nil {
		return err
	}
	select {
	case <-v.done:
	case <-ctx.Done():
		p.mu.Lock()
		p.removeLocked(key)
		p.mu.Unlock()
		p.wake()
		return ctx.Err()
	case <-p.unavailable:
		return p.usable()
	case <-p.quit:
		return errClosed
	}
	p.mu.Lock()
	err = v.err
	p.mu.Unlock()
	if err != nil {
		return fmt.Errorf("play %s: %w", src.String(), err)
	}
	// The last samples were handed to the speaker; give them time to leave
	// its buffers before the caller exits.
	tail := time.NewTimer(p.timing.buffer + 100*time.Millisecond)
	defer tail.Stop()
	select {
	case <-tail.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-p.unavailable:
		return p.usable()
	case <-p.quit:
		return errClosed
	}
}

// State describes the audio output for `alarmd status`: "ok" (opened, or
// being opened), "idle (not opened yet)" or "unavailable (<reason>)".
// Unavailable is final for the process: gopxl's speaker can be initialised
// only once, so the agent must be restarted once a device is there.
func (p *Player) State() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch p.state {
	case stateIdle:
		return "idle (not opened yet)"
	case stateUnavailable:
		return fmt.Sprintf("unavailable (%s)", oneline.Of(p.reason.Error()))
	}
	return "ok"
}

// Close stops every sound and suspends the speaker. gopxl's speaker cannot
// be closed for good (its driver context lives as long as the process), so
// suspending it is what releases the CPU. Close waits a bounded time for the
// device goroutine and never hangs.
func (p *Player) Close() error {
	p.closeOnce.Do(func() {
		p.mu.Lock()
		p.closed = true
		for k := range p.voices {
			p.removeLocked(k)
		}
		started := p.state != stateIdle
		p.mu.Unlock()
		close(p.quit)
		if !started {
			return
		}
		t := time.NewTimer(p.timing.closeTimeout)
		defer t.Stop()
		select {
		case <-p.exited:
		case <-t.C:
			p.logger.Warn("audio device did not stop in time", "timeout", p.timing.closeTimeout)
		}
	})
	return nil
}

// usable returns why sounds cannot be played now, or nil.
func (p *Player) usable() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.usableLocked()
}

func (p *Player) usableLocked() error {
	switch {
	case p.closed:
		return errClosed
	case p.state == stateUnavailable:
		return fmt.Errorf("audio unavailable: %w", p.reason)
	}
	return nil
}

// add puts v into the mix under key, replacing (and closing) what was
// there, and makes sure the device is running.
func (p *Player) add(key voiceKey, v *voice) error {
	p.mu.Lock()
	if err := p.usableLocked(); err != nil {
		p.mu.Unlock()
		v.close()
		return err
	}
	p.removeLocked(key)
	p.voices[key] = v
	if p.state == stateIdle {
		p.state = stateOpen
	}
	p.mu.Unlock()
	p.startDevice.Do(func() { go p.runDevice() })
	p.wake()
	return nil
}

// removeLocked takes the voice under key out of the mix, if any.
func (p *Player) removeLocked(key voiceKey) {
	if v, ok := p.voices[key]; ok {
		delete(p.voices, key)
		v.close()
	}
}

// wake tells the device goroutine that the set of voices changed.
func (p *Player) wake() {
	select {
	case p.wakeCh <- struct{}{}:
	default: // a wake-up is already pending
	}
}

func (p *Player) hasVoices() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.voices) > 0
}

// stream is what the speaker pulls: the sum of all voices, or silence. It
// always fills samples and never ends, so the speaker keeps it for the life
// of the process. The speaker calls it with its own lock held; stream takes
// p.mu, so no code may call into the speaker while holding p.mu.
func (p *Player) stream(samples [][2]float64) (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(samples)
	if len(p.scratch) < len(samples) {
		p.scratch = make([][2]float64, len(samples))
	}
	ended := false
	for key, v := range p.voices {
		buf := p.scratch[:len(samples)]
		n, err := v.stream(buf)
		for i := range n {
			samples[i][0] += buf[i][0]
			samples[i][1] += buf[i][1]
		}
		if n == len(buf) && err == nil {
			continue
		}
		if v.loop && !v.fellBack && err != nil && p.fallBackLocked(key, v, err) {
			continue // the rest of this buffer stays silent; a few ms
		}
		v.err = err
		delete(p.voices, key)
		v.close()
		ended = true
	}
	p.pulled += len(samples)
	if p.consumeGoal > 0 && p.pulled >= p.consumeGoal {
		p.consumeGoal = 0
		select {
		case p.consumedCh <- struct{}{}:
		default:
		}
	}
	if ended {
		p.wake()
	}
	return len(samples), true
}

// fallBackLocked switches a looping voice whose source broke while playing
// to the default clip, keeping its fade position, and logs it once.
func (p *Player) fallBackLocked(key voiceKey, v *voice, cause error) bool {
	p.logger.Warn("alarm sound broke while playing; using the default clip", "alarm", key.id, "sound", v.label, "err", cause)
	v.fellBack = true
	if v.closer != nil {
		_ = v.closer.Close()
	}
	s, format, err := openSource(DefaultSource())
	if err != nil {
		v.closer = nil
		return false
	}
	v.setSource(s, format.SampleRate)
	return true
}

// runDevice owns the speaker for the life of the Player: it opens it,
// confirms that samples are consumed, suspends it when nothing plays and
// resumes it when something does. It is the only code that calls dev.
func (p *Player) runDevice() {
	defer close(p.exited)
	select {
	case <-p.quit:
		return // closed before the device was needed
	default:
	}
	err := p.callDevice("open audio device", p.timing.openTimeout, func() error {
		return p.dev.Init(outputRate, outputRate.N(p.timing.buffer))
	})
	if err != nil {
		p.markUnavailable(err)
		return
	}
	// Play first: the sound starts at once, while Resume below may wait a
	// few hundred ms for the driver's lock.
	p.dev.Play(beep.StreamerFunc(p.stream))
	// gopxl's speaker.Init returns nil even when the driver failed to open
	// the device; the driver keeps that error and Resume returns it, wrapped
	// in a misleading "failed to resume", so report the cause.
	err = p.callDevice("open audio device", p.timing.openTimeout, func() error {
		if err := p.dev.Resume(); err != nil {
			return innermost(err)
		}
		return nil
	})
	if err != nil {
		p.markUnavailable(err)
		return
	}
	for {
		if err := p.awaitConsumption(); err != nil {
			if !errors.Is(err, errClosed) {
				p.markUnavailable(err)
			}
			p.suspendQuietly()
			return
		}
		if !p.awaitIdle() {
			p.suspendQuietly()
			return
		}
		if err := p.callDevice("suspend audio device", p.timing.callTimeout, p.dev.Suspend); err != nil {
			p.markUnavailable(err)
			return
		}
		// Mixing allocated buffers while it rang; return them now in one go, or the runtime's
		// background scavenger trickles them out with wake-ups for the next seconds.
		debug.FreeOSMemory()
		if !p.awaitBusy() {
			return
		}
		if err := p.callDevice("resume audio device", p.timing.callTimeout, p.dev.Resume); err != nil {
			p.markUnavailable(err)
			return
		}
	}
}

// callDevice runs fn, giving up after limit: a driver stuck in the kernel
// must not stall the Player. The stuck call is abandoned.
func (p *Player) callDevice(what string, limit time.Duration, fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	case <-t.C:
		return fmt.Errorf("%s: no answer within %v", what, limit)
	}
}

// suspendQuietly suspends the device on the way out, so a speaker that was
// opened does not keep writing silence.
func (p *Player) suspendQuietly() {
	if err := p.callDevice("suspend audio device", p.timing.callTimeout, p.dev.Suspend); err != nil {
		p.logger.Debug("suspend audio device on exit", "err", err)
	}
}

// awaitConsumption waits until the device has pulled consumeMin of samples
// after an open or resume, which proves that a device consumes them.
func (p *Player) awaitConsumption() error {
	p.mu.Lock()
	p.consumeGoal = p.pulled + max(outputRate.N(p.timing.consumeMin), 1)
	p.mu.Unlock()
	select {
	case <-p.consumedCh: // drop a stale signal from an earlier round
	default:
	}
	t := time.NewTimer(p.timing.consumeTimeout)
	defer t.Stop()
	select {
	case <-p.consumedCh:
		return nil
	case <-t.C:
		return errNothingConsumed
	case <-p.quit:
		return errClosed
	}
}

// awaitIdle returns true once no voice has played for idleLinger, false
// when the Player is closed.
func (p *Player) awaitIdle() bool {
	for {
		if p.hasVoices() {
			select {
			case <-p.wakeCh:
				continue
			case <-p.quit:
				return false
			}
		}
		t := time.NewTimer(p.timing.idleLinger)
		select {
		case <-t.C:
			if !p.hasVoices() {
				return true
			}
		case <-p.wakeCh:
			t.Stop()
		case <-p.quit:
			t.Stop()
			return false
		}
	}
}

// awaitBusy returns true once a voice plays, false when the Player is
// closed.
func (p *Player) awaitBusy() bool {
	for !p.hasVoices() {
		select {
		case <-p.wakeCh:
		case <-p.quit:
			return false
		}
	}
	return true
}

// markUnavailable records that audio cannot play in this process, drops
// every voice and logs it once.
func (p *Player) markUnavailable(reason error) {
	p.mu.Lock()
	if p.state == stateUnavailable {
		p.mu.Unlock()
		return
	}
	p.state = stateUnavailable
	p.reason = reason
	for k := range p.voices {
		p.removeLocked(k)
	}
	p.mu.Unlock()
	p.logger.Warn("audio unavailable; alarms will ring without sound", "reason", oneline.Of(reason.Error()))
	close(p.unavailable)
}

// innermost returns the error at the end of err's wrap chain.
func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}
