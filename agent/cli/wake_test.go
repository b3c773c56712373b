package cli

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestWakeUsage: the wake flags and subcommands refuse what they do not take before any request.
func TestWakeUsage(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		firstLine string
	}{
		{[]string{"add", "7:30", "--wake", "--no-wake"}, "alarmd: --wake and --no-wake contradict each other; give one"},
		{[]string{"wake"}, "alarmd: wake needs a subcommand"},
		{[]string{"wake", "frob"}, `alarmd: unknown command "frob"`},
	} {
		var out, errb bytes.Buffer
		code := Main(tc.args, &out, &errb)
		first, _, _ := strings.Cut(errb.String(), "\n")
		if code != ExitUsage || first != tc.firstLine {
			t.Errorf("alarmd %s: exit %d, stderr %q; want exit %d and first line %q", strings.Join(tc.args, " "), code, errb.String(), ExitUsage, tc.firstLine)
		}
	}
}

// TestWakeSetupRefusesWithoutRoot names the sudo command with this binary's path.
func TestWakeSetupRefusesWithoutRoot(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("as root, wake setup would set the capability on the test binary")
	}
	var out, errb bytes.Buffer
	code := Main([]string{"wake", "setup"}, &out, &errb)
	if code != ExitFailure || !strings.Contains(errb.String(), "wake setup needs root; run: sudo /") {
		t.Errorf("wake setup as a user: exit %d, stderr %q", code, errb.String())
	}
}
