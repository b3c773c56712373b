// Package icongen draws alarmd's icons: an alarm-clock glyph in five tray states and the
// application icon. Everything is computed from a few geometric shapes with supersampled
// coverage, so the output is deterministic and `go generate ./assets` reproduces the
// committed files byte for byte (a test checks it).
//
// Readability on light and dark panels comes from pairing a light or saturated face with a
// dark outline: on a dark panel the face carries the shape, on a light one the outline does.
package icongen

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
)

// States are the tray icon states, in the order files are written.
var States = []string{"set", "none", "ringing", "paused", "silent"}

// TraySizes are the PNG sizes written for Linux and macOS panels.
var TraySizes = []int{22, 24, 32}

// ICOSizes are the sizes packed into each Windows tray ICO (100 % to 200 % scaling).
var ICOSizes = []int{16, 20, 24, 32}

// AppSizes are the hicolor theme sizes of the application icon.
var AppSizes = []int{16, 24, 32, 48, 64, 128, 256}

// palette of one state.
type palette struct {
	face, outline, hands color.NRGBA
	waves, pause, silent bool
}

var (
	dark   = color.NRGBA{0x21, 0x21, 0x21, 0xff}
	amber  = color.NRGBA{0xff, 0xc1, 0x07, 0xff}
	red    = color.NRGBA{0xf4, 0x43, 0x36, 0xff}
	grey   = color.NRGBA{0x8a, 0x8a, 0x8a, 0xff}
	pale   = color.NRGBA{0xd6, 0xd6, 0xd6, 0xb0}
	white  = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	blue   = color.NRGBA{0x1e, 0x88, 0xe5, 0xff}
	silver = color.NRGBA{0xcf, 0xd8, 0xdc, 0xff}
)

func paletteOf(state string) palette {
	switch state {
	case "none":
		// nearly hollow: a translucent pale face inside a grey rim
		return palette{face: pale, outline: grey, hands: grey}
	case "ringing":
		return palette{face: red, outline: dark, hands: white, waves: true}
	case "paused":
		return palette{face: silver, outline: dark, hands: dark, pause: true}
	case "silent":
		// alarms are set but the sound output is muted or nearly so (DESIGN §16)
		return palette{face: amber, outline: dark, hands: dark, silent: true}
	default:
		return palette{face: amber, outline: dark, hands: dark}
	}
}

// shape is a signed distance function in icon units (0..1 square): negative inside.
type shape func(x, y float64) float64

// The explicit float64 conversions keep the compiler from fusing multiply-adds, which would
// make the output differ between architectures.
func hypot(dx, dy float64) float64 { return math.Sqrt(float64(dx*dx) + float64(dy*dy)) }

func disc(cx, cy, r float64) shape {
	return func(x, y float64) float64 { return hypot(x-cx, y-cy) - r }
}

func ring(cx, cy, r, w float64) shape {
	return func(x, y float64) float64 { return math.Abs(hypot(x-cx, y-cy)-r) - w/2 }
}

// stroke is a segment with round caps.
func stroke(x0, y0, x1, y1, w float64) shape {
	return func(x, y float64) float64 {
		dx, dy := x1-x0, y1-y0
		t := (float64((x-x0)*dx) + float64((y-y0)*dy)) / (float64(dx*dx) + float64(dy*dy))
		t = math.Max(0, math.Min(1, t))
		return hypot(x-(x0+float64(t*dx)), y-(y0+float64(t*dy))) - w/2
	}
}

// layer is one filled shape in one colour.
type layer struct {
	s shape
	c color.NRGBA
}

// Geometry of the glyph (icon units). The clock sits slightly low so the bells fit above it.
const (
	cx, cy   = 0.5, 0.56
	faceR    = 0.33
	rimW     = 0.085
	handW    = 0.075
	bellR    = 0.15
	legW     = 0.08
	waveW    = 0.06
	badgeR   = 0.2
	badgeCX  = 0.78
	badgeCY  = 0.78
	barW     = 0.065
	barHalfH = 0.075
)

func layers(state string) []layer {
	p := paletteOf(state)
	var ls []layer
	// bells, then legs, then the face over them
	ls = append(ls,
		layer{disc(0.24, 0.25, bellR), p.outline},
		layer{disc(0.76, 0.25, bellR), p.outline},
		layer{stroke(0.31, 0.84, 0.2, 0.95, legW), p.outline},
		layer{stroke(0.69, 0.84, 0.8, 0.95, legW), p.outline},
		layer{disc(cx, cy, faceR+rimW/2), p.outline},
		layer{disc(cx, cy, faceR-rimW/2), p.face},
		layer{stroke(cx, cy, cx, cy-0.19, handW), p.hands},
		layer{stroke(cx, cy, cx+0.14, cy+0.06, handW), p.hands},
	)
	if p.waves {
		ls = append(ls,
			// vibration marks beside the face
			layer{stroke(0.06, 0.46, 0.06, 0.66, waveW), red},
			layer{stroke(0.94, 0.46, 0.94, 0.66, waveW), red},
		)
	}
	if p.pause {
		ls = append(ls,
			layer{disc(badgeCX, badgeCY, badgeR+0.035), white},
			layer{disc(badgeCX, badgeCY, badgeR), blue},
			layer{stroke(badgeCX-0.055, badgeCY-barHalfH, badgeCX-0.055, badgeCY+barHalfH, barW), white},
			layer{stroke(badgeCX+0.055, badgeCY-barHalfH, badgeCX+0.055, badgeCY+barHalfH, barW), white},
		)
	}
	if p.silent {
		// a red "no" badge: a white-edged red disc crossed by a white bar
		ls = append(ls,
			layer{disc(badgeCX, badgeCY, badgeR+0.035), white},
			layer{disc(badgeCX, badgeCY, badgeR), red},
			layer{stroke(badgeCX-0.1, badgeCY-0.1, badgeCX+0.1, badgeCY+0.1, barW+0.01), white},
		)
	}
	return ls
}

// samples per pixel edge for anti-aliasing
const ss = 4

// Draw renders state at size×size pixels.
func Draw(state string, size int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	ls := layers(state)
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			// premultiplied accumulation of "over" per layer, using coverage per layer
			var r, g, b, a float64
			for _, l := range ls {
				n := 0
				for sy := 0; sy < ss; sy++ {
					for sx := 0; sx < ss; sx++ {
						x := (float64(px) + (float64(sx)+0.5)/ss) / float64(size)
						y := (float64(py) + (float64(sy)+0.5)/ss) / float64(size)
						if l.s(x, y) <= 0 {
							n++
						}
					}
				}
				if n == 0 {
					continue
				}
				cov := float64(n) / (ss * ss)
				la := float64(cov*float64(l.c.A)) / 255
				r = float64(float64(l.c.R)/255*la) + float64(r*(1-la))
				g = float64(float64(l.c.G)/255*la) + float64(g*(1-la))
				b = float64(float64(l.c.B)/255*la) + float64(b*(1-la))
				a = la + float64(a*(1-la))
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{
				R: uint8(math.Round(r / a * 255)),
				G: uint8(math.Round(g / a * 255)),
				B: uint8(math.Round(b / a * 255)),
				A: uint8(math.Round(a * 255)),
			})
		}
	}
	return img
}

// PNG encodes state at size as PNG.
func PNG(state string, size int) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, Draw(state, size)); err != nil {
		return nil, fmt.Errorf("encode %s %dpx: %w", state, size, err)
	}
	return buf.Bytes(), nil
}

// ICO packs PNG images of state at sizes into one ICO file (PNG-compressed entries, which
// Windows reads since Vista).
func ICO(state string, sizes []int) ([]byte, error) {
	var imgs [][]byte
	for _, s := range sizes {
		b, err := PNG(state, s)
		if err != nil {
			return nil, err
		}
		imgs = append(imgs, b)
	}
	var buf bytes.Buffer
	le := binary.LittleEndian
	hdr := make([]byte, 6)
	le.PutUint16(hdr[2:], 1) // type: icon
	le.PutUint16(hdr[4:], uint16(len(sizes)))
	buf.Write(hdr)
	offset := 6 + 16*len(sizes)
	for i, s := range sizes {
		e := make([]byte, 16)
		if s < 256 {
			e[0], e[1] = byte(s), byte(s)
		} // 0 means 256
		le.PutUint16(e[4:], 1)  // colour planes
		le.PutUint16(e[6:], 32) // bits per pixel
		le.PutUint32(e[8:], uint32(len(imgs[i])))
		le.PutUint32(e[12:], uint32(offset))
		offset += len(imgs[i])
		buf.Write(e)
	}
	for _, b := range imgs {
		buf.Write(b)
	}
	return buf.Bytes(), nil
}

func hex(c color.NRGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// SVG is the scalable application icon: the "set" glyph as vector shapes on a 256 grid.
func SVG() []byte {
	p := paletteOf("set")
	const u = 256.0
	f := func(v float64) string { return fmt.Sprintf("%.2f", v*u) }
	var b strings.Builder
	fmt.Fprintf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"256\" height=\"256\" viewBox=\"0 0 256 256\">\n")
	fmt.Fprintf(&b, "  <title>alarmd</title>\n")
	fmt.Fprintf(&b, "  <circle cx=\"%s\" cy=\"%s\" r=\"%s\" fill=\"%s\"/>\n", f(0.24), f(0.25), f(bellR), hex(p.outline))
	fmt.Fprintf(&b, "  <circle cx=\"%s\" cy=\"%s\" r=\"%s\" fill=\"%s\"/>\n", f(0.76), f(0.25), f(bellR), hex(p.outline))
	line := func(x0, y0, x1, y1, w float64, c color.NRGBA) {
		fmt.Fprintf(&b, "  <line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"%s\" stroke-width=\"%s\" stroke-linecap=\"round\"/>\n",
			f(x0), f(y0), f(x1), f(y1), hex(c), f(w))
	}
	line(0.31, 0.84, 0.2, 0.95, legW, p.outline)
	line(0.69, 0.84, 0.8, 0.95, legW, p.outline)
	fmt.Fprintf(&b, "  <circle cx=\"%s\" cy=\"%s\" r=\"%s\" fill=\"%s\" stroke=\"%s\" stroke-width=\"%s\"/>\n",
		f(cx), f(cy), f(faceR), hex(p.face), hex(p.outline), f(rimW))
	line(cx, cy, cx, cy-0.19, handW, p.hands)
	line(cx, cy, cx+0.14, cy+0.06, handW, p.hands)
	b.WriteString("</svg>\n")
	return []byte(b.String())
}

// Files returns every asset file by its path relative to the assets directory.
func Files() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, st := range States {
		for _, s := range TraySizes {
			b, err := PNG(st, s)
			if err != nil {
				return nil, err
			}
			out[fmt.Sprintf("tray/alarmd-%s-%d.png", st, s)] = b
		}
		ico, err := ICO(st, ICOSizes)
		if err != nil {
			return nil, err
		}
		out[fmt.Sprintf("tray/alarmd-%s.ico", st)] = ico
	}
	for _, s := range AppSizes {
		b, err := PNG("set", s)
		if err != nil {
			return nil, err
		}
		out[fmt.Sprintf("icons/hicolor/%dx%d/apps/alarmd.png", s, s)] = b
	}
	out["icons/hicolor/scalable/apps/alarmd.svg"] = SVG()
	return out, nil
}
