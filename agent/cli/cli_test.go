package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestUsageErrorsNameTheRealMistake runs only inputs that fail before any request, so no agent
// is needed.
func TestUsageErrorsNameTheRealMistake(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		firstLine string
	}{
		{[]string{"frobnicate"}, `alarmd: unknown command "frobnicate"`},
		// A flag after an unknown command: the command is the mistake, not the flag.
		{[]string{"frobnicate", "--label", "x"}, `alarmd: unknown command "frobnicate"`},
		{[]string{"lst", "--json"}, `alarmd: unknown command "lst"`},
		// With no word before it, the flag is what alarmd does not know.
		{[]string{"--label", "x"}, "alarmd: unknown flag: --label"},
		{[]string{"add", "--bogus"}, "alarmd: add: unknown flag: --bogus"},
	} {
		var out, errb bytes.Buffer
		code := Main(tc.args, &out, &errb)
		first, _, _ := strings.Cut(errb.String(), "\n")
		if code != ExitUsage || first != tc.firstLine || out.Len() != 0 {
			t.Errorf("alarmd %s: exit %d, stderr %q, stdout %q; want exit %d and first line %q",
				strings.Join(tc.args, " "), code, errb.String(), out.String(), ExitUsage, tc.firstLine)
		}
	}
}
