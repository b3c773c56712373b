package oneline

import "testing"

func TestOf(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"plain message", "plain message"},
		{"  padded\n", "padded"},
		{"first line\nsecond line\n", "first line second line"},
		{"decode: bad header\r\n\tat offset 12", "decode: bad header at offset 12"},
		{"tabs\tand  double  spaces", "tabs and double spaces"},
		{"\n\n\t ", ""},
		{"ünïcode — kept\u00a0as is", "ünïcode — kept as is"},
	} {
		if got := Of(tc.in); got != tc.want {
			t.Errorf("Of(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
