package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestSoundsMarksTheDefaultOnce: the default clip's line says "(default)" exactly once.
func TestSoundsMarksTheDefaultOnce(t *testing.T) {
	root := t.TempDir()
	for _, k := range []string{"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR"} {
		t.Setenv(k, root+"/"+strings.ToLower(k))
	}
	var out, errb bytes.Buffer
	if code := Main([]string{"sounds"}, &out, &errb); code != 0 {
		t.Fatalf("alarmd sounds: exit %d, stderr %q", code, errb.String())
	}
	if n := strings.Count(out.String(), "(default)"); n != 1 {
		t.Errorf("sounds lists (default) %d times, want once:\n%s", n, out.String())
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, "(default)") && !strings.HasPrefix(line, "chime") {
			t.Errorf("(default) on the wrong line: %q", line)
		}
	}
}
