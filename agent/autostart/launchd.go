package autostart

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"alarmd/agent/atomicfile"
	"alarmd/assets/templates"
)

// LaunchdLabel is the LaunchAgent's label and the plist's base name. alarmd owns no domain
// to build a reverse-DNS label from; "local." is the prefix for such jobs.
const LaunchdLabel = "local.alarmd"

// launchdBackend is the macOS LaunchAgent: launchd runs `alarmd run` at login (RunAtLoad).
// It is not loaded into the running launchd: that would start a second agent next to one
// started by hand; it takes effect at the next login.
type launchdBackend struct {
	path string // ~/Library/LaunchAgents/local.alarmd.plist
}

func (b *launchdBackend) kind() Kind { return Launchd }

func (b *launchdBackend) write(_ context.Context, exe string) (string, []string, error) {
	data, err := templates.Render(templates.LaunchAgent, templates.Data{Exe: exe, Label: LaunchdLabel})
	if err != nil {
		return "", nil, err
	}
	// launchd ignores agents whose plist others may write; 0600 satisfies it.
	if err := atomicfile.WriteFile(b.path, data, 0o600); err != nil {
		return "", nil, err
	}
	return b.path, []string{"it starts at the next login"}, nil
}

func (b *launchdBackend) remove(context.Context) (string, []string, error) {
	removed, err := removeFile(b.path)
	if err != nil || !removed {
		return "", nil, err
	}
	return b.path, nil, nil
}

func (b *launchdBackend) read(context.Context) (Entry, bool, error) {
	data, err := os.ReadFile(b.path)
	if errors.Is(err, os.ErrNotExist) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, fmt.Errorf("read %s: %w", b.path, err)
	}
	e := Entry{Kind: Launchd, Location: b.path}
	v, err := parsePlist(data)
	if err != nil {
		e.Notes = append(e.Notes, fmt.Sprintf("cannot read the plist: %v", err))
		return e, true, nil
	}
	dict, _ := v.(map[string]any)
	args, _ := dict["ProgramArguments"].([]any)
	var words []string
	for _, a := range args {
		if s, ok := a.(string); ok {
			words = append(words, s)
		}
	}
	if len(words) == 0 {
		e.Notes = append(e.Notes, "the plist has no ProgramArguments")
		return e, true, nil
	}
	e.Target = words[0]
	e.Command = strings.Join(words, " ")
	if run, _ := dict["RunAtLoad"].(bool); !run {
		e.Notes = append(e.Notes, "RunAtLoad is not true: launchd will not start it at login")
	}
	return e, true, nil
}

// parsePlist decodes an XML property list into Go values: dict → map[string]any, array →
// []any, string/date/data → string, integer/real → their text, true/false → bool. It reads
// what alarmd writes and ordinary hand edits; binary plists are refused.
func parsePlist(data []byte) (any, error) {
	if bytes.HasPrefix(data, []byte("bplist")) {
		return nil, errors.New("binary property lists are not supported")
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("parse plist: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "plist" {
				return nil, fmt.Errorf("parse plist: root element is <%s>, not <plist>", se.Name.Local)
			}
			v, err := plistValue(d, nil)
			if err != nil {
				return nil, fmt.Errorf("parse plist: %w", err)
			}
			return v, nil
		}
	}
}

// plistValue reads the next value element (or uses start when given) and returns it.
func plistValue(d *xml.Decoder, start *xml.StartElement) (any, error) {
	if start == nil {
		se, err := nextStart(d)
		if err != nil {
			return nil, err
		}
		start = &se
	}
	switch start.Name.Local {
	case "dict":
		m := map[string]any{}
		for {
			se, err := nextStart(d)
			if errors.Is(err, errEndElement) {
				return m, nil
			}
			if err != nil {
				return nil, err
			}
			if se.Name.Local != "key" {
				return nil, fmt.Errorf("<dict> holds <%s> where a <key> belongs", se.Name.Local)
			}
			var key string
			if err := d.DecodeElement(&key, &se); err != nil {
				return nil, err
			}
			v, err := plistValue(d, nil)
			if err != nil {
				return nil, fmt.Errorf("key %q: %w", key, err)
			}
			m[key] = v
		}
	case "array":
		var a []any
		for {
			se, err := nextStart(d)
			if errors.Is(err, errEndElement) {
				return a, nil
			}
			if err != nil {
				return nil, err
			}
			v, err := plistValue(d, &se)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
	case "true", "false":
		if err := d.Skip(); err != nil {
			return nil, err
		}
		return start.Name.Local == "true", nil
	case "string", "integer", "real", "date", "data":
		var s string
		if err := d.DecodeElement(&s, start); err != nil {
			return nil, err
		}
		return s, nil
	default:
		return nil, fmt.Errorf("unknown plist element <%s>", start.Name.Local)
	}
}

// errEndElement reports that the enclosing element ended before another value started.
var errEndElement = errors.New("end of element")

// nextStart skips character data and comments to the next start element.
func nextStart(d *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return xml.StartElement{}, io.ErrUnexpectedEOF
		}
		if err != nil {
			return xml.StartElement{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.EndElement:
			return xml.StartElement{}, errEndElement
		}
	}
}
