package tray

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// standIn is a zenity stand-in: it logs its arguments, answers entry dialogs with the next line
// of the answers file (CANCEL exits 1, as zenity does for Cancel), and closes error dialogs.
const standIn = `#!/bin/sh
d=$(dirname "$0")
printf '%s\n--\n' "$*" >> "$d/calls"
case "$*" in *--error*) exit 0;; esac
n=$(cat "$d/n" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$d/n"
line=$(sed -n "${n}p" "$d/answers")
[ "$line" = CANCEL ] && exit 1
printf '%s\n' "$line"
`

// TestZenityDialogFlow drives the real zenity-based dialog with a stand-in program on PATH.
func TestZenityDialogFlow(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "zenity"), []byte(standIn), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	run := func(answers string) (*fakeController, string) {
		_ = os.Remove(filepath.Join(dir, "n"))
		_ = os.Remove(filepath.Join(dir, "calls"))
		if err := os.WriteFile(filepath.Join(dir, "answers"), []byte(answers), 0o600); err != nil {
			t.Fatal(err)
		}
		c := &fakeController{}
		var notes []string
		tr := newTray(context.Background(), Options{Controller: c, Log: slog.New(slog.DiscardHandler), Notify: func(_, b string) { notes = append(notes, b) }})
		if err := tr.newAlarm(); err != nil {
			t.Fatal(err)
		}
		if len(notes) > 0 {
			t.Errorf("notifications: %q", notes)
		}
		calls, _ := os.ReadFile(filepath.Join(dir, "calls"))
		return c, string(calls)
	}

	c, calls := run("25:00\n7:30\nStand-in\n")
	if len(c.added) != 1 || c.added[0].When != "7:30" || c.added[0].Label == nil || *c.added[0].Label != "Stand-in" {
		t.Errorf("added %+v", c.added)
	}
	lines := strings.Split(strings.TrimSuffix(calls, "\n--\n"), "\n--\n")
	if len(lines) != 4 || !strings.Contains(lines[0], "--entry") || !strings.Contains(lines[1], "--error") ||
		!strings.Contains(lines[1], "25:00") || !strings.Contains(lines[1], "tomorrow 7:30") ||
		!strings.Contains(lines[2], "--entry-text 25:00") || !strings.Contains(lines[3], "Label") {
		t.Errorf("dialog calls:\n%s", calls)
	}

	c, calls = run("CANCEL\n")
	if len(c.added) != 0 || strings.Count(calls, "\n--\n") != 1 {
		t.Errorf("Cancel: added %+v, calls:\n%s", c.added, calls)
	}
	c, _ = run("7:30\nCANCEL\n")
	if len(c.added) != 0 {
		t.Errorf("Cancel at the label: added %+v", c.added)
	}
}
