package audio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gopxl/beep/v2"
	"github.com/gopxl/beep/v2/flac"
	"github.com/gopxl/beep/v2/mp3"
	"github.com/gopxl/beep/v2/vorbis"
	"github.com/gopxl/beep/v2/wav"

	"alarmd/agent/internal/oneline"
	"alarmd/sounds"
)

// codec is an audio file format this package decodes.
type codec int

const (
	codecUnknown codec = iota
	codecWAV
	codecMP3
	codecVorbis
	codecFLAC
)

func (c codec) String() string {
	switch c {
	case codecWAV:
		return "wav"
	case codecMP3:
		return "mp3"
	case codecVorbis:
		return "ogg vorbis"
	case codecFLAC:
		return "flac"
	}
	return "unknown"
}

// codecByExt maps lower-case file extensions to codecs.
var codecByExt = map[string]codec{
	".wav":  codecWAV,
	".wave": codecWAV,
	".mp3":  codecMP3,
	".ogg":  codecVorbis,
	".oga":  codecVorbis,
	".flac": codecFLAC,
}

// sniffLen is how many leading bytes sniff looks at: enough for the magic
// numbers and for the first Ogg page's codec identification header.
const sniffLen = 64

// errOggNotVorbis marks an Ogg file that carries another codec (usually Opus).
var errOggNotVorbis = errors.New("ogg file does not contain vorbis audio (opus is not supported)")

// sniff identifies a codec from the first bytes of a file, so that a file
// whose extension lies is still decoded with the right decoder.
func sniff(head []byte) (codec, error) {
	switch {
	case len(head) >= 12 && string(head[0:4]) == "RIFF" && string(head[8:12]) == "WAVE":
		return codecWAV, nil
	case bytes.HasPrefix(head, []byte("fLaC")):
		return codecFLAC, nil
	case bytes.HasPrefix(head, []byte("OggS")):
		if bytes.Contains(head, []byte("\x01vorbis")) {
			return codecVorbis, nil
		}
		return codecUnknown, errOggNotVorbis
	case bytes.HasPrefix(head, []byte("ID3")):
		return codecMP3, nil
	case len(head) >= 2 && head[0] == 0xFF && head[1]&0xE0 == 0xE0 && head[1]&0x06 != 0:
		// MPEG audio frame sync with a non-zero layer (zero would be AAC ADTS).
		return codecMP3, nil
	}
	return codecUnknown, nil
}

// maxSampleRate bounds the rate a file may declare; a larger (or zero) rate
// is a corrupt header, and would make the resampler panic.
const maxSampleRate = 768000

// openSource opens and starts decoding src. The caller must Close the stream.
func openSource(src Source) (beep.StreamSeekCloser, beep.Format, error) {
	if src.IsBundled() {
		rc, err := sounds.Open(src.Name)
		if err != nil {
			return nil, beep.Format{}, err
		}
		s, format, err := decodeSafely(codecWAV, rc)
		if err != nil {
			return nil, beep.Format{}, fmt.Errorf("decode bundled sound %q: %w", src.Name, err)
		}
		return s, format, nil
	}
	f, err := os.Open(src.Path)
	if err != nil {
		return nil, beep.Format{}, fmt.Errorf("open sound: %w", err)
	}
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		_ = f.Close()
		return nil, beep.Format{}, fmt.Errorf("read sound: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		_ = f.Close()
		return nil, beep.Format{}, fmt.Errorf("rewind sound: %w", err)
	}
	c, err := sniff(head[:n])
	if err != nil {
		_ = f.Close()
		return nil, beep.Format{}, err
	}
	if c == codecUnknown {
		c = codecByExt[strings.ToLower(filepath.Ext(src.Path))]
	}
	if c == codecUnknown {
		_ = f.Close()
		if n == 0 {
			return nil, beep.Format{}, errors.New("file is empty")
		}
		return nil, beep.Format{}, errors.New("unsupported format (want wav, mp3, ogg vorbis or flac)")
	}
	s, format, err := decodeSafely(c, f)
	if err != nil {
		_ = f.Close()
		return nil, beep.Format{}, fmt.Errorf("does not decode as %s: %w", c, err)
	}
	return s, format, nil
}

// decodeSafely starts decoder c on r. Decoders of third-party formats may
// panic on malformed input; a broken user file is an expected failure, so the
// panic becomes an error.
func decodeSafely(c codec, r io.ReadSeekCloser) (s beep.StreamSeekCloser, format beep.Format, err error) {
	defer func() {
		if p := recover(); p != nil {
			s, err = nil, fmt.Errorf("decoder failed: %v", p)
		}
	}()
	switch c {
	case codecWAV:
		s, format, err = wav.Decode(r)
	case codecMP3:
		s, format, err = mp3.Decode(r)
	case codecVorbis:
		s, format, err = vorbis.Decode(r)
	case codecFLAC:
		s, format, err = flac.Decode(r)
	default:
		return nil, beep.Format{}, fmt.Errorf("no decoder for %s", c)
	}
	if err != nil {
		return nil, beep.Format{}, err
	}
	if format.SampleRate <= 0 || format.SampleRate > maxSampleRate {
		_ = s.Close()
		return nil, beep.Format{}, fmt.Errorf("implausible sample rate %d Hz", format.SampleRate)
	}
	return s, format, nil
}

// Check decodes the whole of src once and returns a one-line error naming
// the sound when it does not decode or contains no audio. The CLI refuses
// such a sound at `add`.
func Check(src Source) error {
	if err := checkDecodes(src); err != nil {
		return fmt.Errorf("sound %q: %s", src.String(), oneline.Of(err.Error()))
	}
	return nil
}

func checkDecodes(src Source) error {
	s, _, err := openSource(src)
	if err != nil {
		return err
	}
	defer s.Close()
	total, err := drain(s)
	if err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	if total == 0 {
		return errors.New("contains no audio")
	}
	return nil
}

// drain reads s to its end and returns how many frames it produced.
func drain(s beep.Streamer) (total int, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("decoder failed: %v", p)
		}
	}()
	buf := make([][2]float64, 4096)
	for {
		n, ok := s.Stream(buf)
		total += n
		if err := s.Err(); err != nil {
			return total, err
		}
		// A zero-length read that still says ok is how the wav decoder ends a
		// file that is shorter than its header claims.
		if !ok || n == 0 {
			return total, nil
		}
	}
}
