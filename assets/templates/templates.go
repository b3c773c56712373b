// Package templates holds the files alarmd writes for login integration and installation
// (DESIGN §9) as embedded text/templates: the XDG autostart entry, the launcher .desktop that
// `make install` puts in the menu, the systemd user unit and the macOS LaunchAgent plist.
//
// Each format has its own rules for putting a path on a command line (the Desktop Entry
// Specification's Exec quoting, systemd's command-line syntax, XML escaping); the template
// functions apply them, so a binary in "/opt/My Apps/alarmd" still yields a valid file. The
// matching Split functions read such a line back, the way a session manager or systemd would.
package templates

import (
	"bytes"
	"embed"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"sync"
	"text/template"
	"unicode"
	"unicode/utf8"
)

// Names of the templates, for Render.
const (
	// AutostartDesktop is $XDG_CONFIG_HOME/autostart/alarmd.desktop (Exec=<exe> start).
	AutostartDesktop = "autostart.desktop.tmpl"
	// LauncherDesktop is the menu entry `make install` writes (Exec=<exe> open, DESIGN §14).
	LauncherDesktop = "launcher.desktop.tmpl"
	// SystemdUnit is the systemd user unit alarmd.service (ExecStart=<exe> run).
	SystemdUnit = "alarmd.service.tmpl"
	// LaunchAgent is the macOS LaunchAgent plist (ProgramArguments <exe> run).
	LaunchAgent = "launchagent.plist.tmpl"
)

//go:embed *.tmpl
var files embed.FS

// Data is what the templates are filled with.
type Data struct {
	// Exe is the absolute path of the alarmd binary.
	Exe string
	// Label is the LaunchAgent's launchd label; only the plist uses it.
	Label string
}

// parsed holds the templates, parsed on first use: every alarmd command links this package, and
// parsing at init would cost each `alarmd list` a millisecond for nothing.
var parsed = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("").Option("missingkey=error").Funcs(template.FuncMap{
		"desktopExec": QuoteDesktopExecArg,
		"systemdExec": QuoteSystemdExecutable,
		"xml":         escapeXML,
	}).ParseFS(files, "*.tmpl"))
})

// Names lists every template, for tests and the render tool.
func Names() []string {
	return []string{AutostartDesktop, LauncherDesktop, SystemdUnit, LaunchAgent}
}

// Render fills the template called name with d. Exe must be an absolute path without control
// characters: none of the formats can carry a newline on a command line, and a relative path
// would depend on whatever directory the session manager happens to run in.
func Render(name string, d Data) ([]byte, error) {
	if err := checkExe(d.Exe); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	var buf bytes.Buffer
	if err := parsed().ExecuteTemplate(&buf, name, d); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// checkExe refuses paths none of the formats can represent.
func checkExe(exe string) error {
	if !strings.HasPrefix(exe, "/") && !isWindowsAbs(exe) {
		return fmt.Errorf("executable path %q is not absolute", exe)
	}
	if !utf8.ValidString(exe) {
		return fmt.Errorf("executable path %q is not valid UTF-8", exe)
	}
	for _, r := range exe {
		if unicode.IsControl(r) {
			return fmt.Errorf("executable path %q contains a control character", exe)
		}
	}
	return nil
}

// isWindowsAbs reports whether p looks like C:\... or \\server\share, so the checks work for
// a Windows path on any build.
func isWindowsAbs(p string) bool {
	return strings.HasPrefix(p, `\\`) ||
		len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') && unicode.IsLetter(rune(p[0]))
}

// desktopReserved are the characters that force quoting in an Exec argument (Desktop Entry
// Specification, "The Exec key").
const desktopReserved = " \t\n\"'\\><~|&;$*?#()`"

// QuoteDesktopExecArg returns s as one argument of a .desktop Exec= value: quoted when it
// holds a reserved character, with `"`, "`", `$` and `\` escaped inside the quotes, then
// with the string-value escape applied on top (a backslash becomes `\\`, so a literal
// backslash ends up as four), and `%` doubled so it is not taken for a field code.
func QuoteDesktopExecArg(s string) (string, error) {
	if s == "" {
		return `""`, nil
	}
	if err := checkPlainText(s); err != nil {
		return "", err
	}
	arg := s
	if strings.ContainsAny(s, desktopReserved) {
		var b strings.Builder
		b.WriteByte('"')
		for _, r := range s {
			if strings.ContainsRune("\"`$\\", r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		b.WriteByte('"')
		arg = b.String()
	}
	arg = strings.ReplaceAll(arg, `\`, `\\`)
	return strings.ReplaceAll(arg, "%", "%%"), nil
}

// SplitDesktopExec splits the value of an Exec= key into arguments as a session manager does:
// it undoes the string-value escapes (\s \n \t \r \\), then splits on unquoted blanks, removes
// the quoting, turns %% into % and drops field codes (%f, %U, ...), which an autostart or
// launcher entry without files to open expands to nothing.
func SplitDesktopExec(value string) ([]string, error) {
	unescaped, err := unescapeDesktopString(value)
	if err != nil {
		return nil, err
	}
	var args []string
	var cur strings.Builder
	inArg, quoted := false, false
	rs := []rune(unescaped)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quoted && r == '\\' && i+1 < len(rs) && strings.ContainsRune("\"`$\\", rs[i+1]):
			i++
			cur.WriteRune(rs[i])
		case quoted && r == '"':
			quoted = false
		case quoted:
			cur.WriteRune(r)
		case r == '"':
			quoted, inArg = true, true
		case r == ' ' || r == '\t' || r == '\n':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteRune(r)
			inArg = true
		}
	}
	if quoted {
		return nil, fmt.Errorf("exec line %q: unterminated quote", value)
	}
	if inArg {
		args = append(args, cur.String())
	}
	out := args[:0]
	for _, a := range args {
		if len(a) == 2 && a[0] == '%' && a[1] != '%' {
			continue // a field code standing alone expands to nothing here
		}
		out = append(out, strings.ReplaceAll(a, "%%", "%"))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("exec line %q: no program", value)
	}
	return out, nil
}

// unescapeDesktopString undoes the escapes of a desktop entry string value.
func unescapeDesktopString(v string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' {
			b.WriteByte(v[i])
			continue
		}
		if i+1 == len(v) {
			return "", fmt.Errorf("value %q ends in a lone backslash", v)
		}
		i++
		switch v[i] {
		case 's':
			b.WriteByte(' ')
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '\\':
			b.WriteByte('\\')
		default:
			// Not a string escape: keep both characters for the Exec quoting rules.
			b.WriteByte('\\')
			b.WriteByte(v[i])
		}
	}
	return b.String(), nil
}

// QuoteSystemdExecutable returns s as the program word of a systemd Exec*= command line
// (systemd.service(5), "Command lines"): `%` doubled so it is not taken for a specifier, and
// the word put in double quotes when it holds blanks or a semicolon. A path with quotes or
// backslashes is refused: systemd will not run it however it is escaped. A `$` stays as it is: systemd substitutes no variables in
// the program word (systemd-analyze verify confirms that "$$" there stays two characters).
func QuoteSystemdExecutable(s string) (string, error) {
	if s == "" {
		return `""`, nil
	}
	if err := checkPlainText(s); err != nil {
		return "", err
	}
	if strings.ContainsAny(s, `"'\\`) {
		// systemd refuses such a program ("Executable name contains special characters").
		return "", fmt.Errorf("systemd cannot start a program whose path contains quotes or backslashes: %q", s)
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '%':
			b.WriteString("%%")
		default:
			b.WriteRune(r)
		}
	}
	word := b.String()
	if strings.ContainsAny(s, " \t\"';") {
		word = `"` + word + `"`
	}
	return word, nil
}

// SplitSystemdExec splits the value of an ExecStart= line into words as systemd does for the
// forms QuoteSystemdExecutable writes and hand-written units commonly use: leading "-@:+!"
// prefixes removed, double or single quotes, backslash escapes of the C kind (\\ \" \' \n \t
// and \s), %% collapsed everywhere and $$ in the arguments after the program. Other
// specifiers and variables are left as written.
func SplitSystemdExec(value string) ([]string, error) {
	v := strings.TrimLeft(strings.TrimSpace(value), "-@:+!|")
	var args []string
	var cur strings.Builder
	inArg := false
	var quote rune
	rs := []rune(v)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\\' && i+1 < len(rs):
			i++
			switch rs[i] {
			case 'n':
				cur.WriteByte('\n')
			case 't':
				cur.WriteByte('\t')
			case 's':
				cur.WriteByte(' ')
			default:
				cur.WriteRune(rs[i])
			}
			inArg = true
		case (r == '%' || r == '$' && len(args) > 0) && i+1 < len(rs) && rs[i+1] == r:
			i++
			cur.WriteRune(r)
			inArg = true
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inArg = r, true
		case r == ' ' || r == '\t':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteRune(r)
			inArg = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("command line %q: unterminated quote", value)
	}
	if inArg {
		args = append(args, cur.String())
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("command line %q: no program", value)
	}
	return args, nil
}

// checkPlainText refuses text that a one-line command cannot carry.
func checkPlainText(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("argument is not valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return fmt.Errorf("argument %q contains a control character", s)
		}
	}
	return nil
}

// escapeXML returns s escaped for XML character data.
func escapeXML(s string) (string, error) {
	var b strings.Builder
	if err := xml.EscapeText(&b, []byte(s)); err != nil {
		return "", fmt.Errorf("escape %q for XML: %w", s, err)
	}
	return b.String(), nil
}
