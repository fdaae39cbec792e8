package domain_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chargebooth/chargebooth/domain"
)

func TestCheckText(t *testing.T) {
	tests := []struct {
		name      string
		s         string
		multiline bool
		want      string // a part of the message; "" accepts
	}{
		{name: "plain", s: "till 1, receipt 42"},
		{name: "empty", s: ""},
		{name: "accents and emoji", s: "café ☕ 👩‍🔧"},
		{name: "right-to-left script", s: "مرحبا שלום"},
		{name: "newline in multiline", s: "line 1\nline 2", multiline: true},
		{name: "newline in single line", s: "line 1\nline 2", want: "must be a single line (U+000A at character 7)"},
		{name: "carriage return", s: "a\rb", multiline: true, want: "control characters (U+000D"},
		{name: "tab", s: "a\tb", want: "control characters (U+0009"},
		{name: "NUL", s: "a\x00", want: "control characters (U+0000 at character 2)"},
		{name: "escape", s: "\x1b[31mred", want: "control characters (U+001B"},
		{name: "DEL", s: "a\x7f", want: "control characters (U+007F"},
		{name: "C1 NEL", s: "a\u0085b", multiline: true, want: "control characters (U+0085"},
		{name: "C1 CSI", s: "\u009b31m", want: "control characters (U+009B"},
		{name: "line separator single", s: "a\u2028b", want: "single line (U+2028"},
		{name: "line separator multiline", s: "a\u2028b", multiline: true, want: "newline only (U+2028"},
		{name: "paragraph separator", s: "a\u2029b", want: "single line (U+2029"},
		{name: "RLO", s: "invoice \u202efdp.exe", want: "bidirectional formatting characters (U+202E at character 9)"},
		{name: "LRE", s: "\u202a", want: "bidirectional formatting characters (U+202A"},
		{name: "PDF", s: "\u202c", want: "bidirectional formatting characters (U+202C"},
		{name: "LRI", s: "\u2066x", want: "bidirectional formatting characters (U+2066"},
		{name: "PDI", s: "x\u2069", want: "bidirectional formatting characters (U+2069"},
		{name: "LRM", s: "x\u200e", want: "bidirectional formatting characters (U+200E"},
		{name: "RLM", s: "x\u200f", multiline: true, want: "bidirectional formatting characters (U+200F"},
		{name: "ALM", s: "x\u061c", want: "bidirectional formatting characters (U+061C"},
		{name: "invalid UTF-8", s: "caf\xe9", want: "is not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.CheckText("reference", tt.s, tt.multiline)
			if tt.want == "" {
				checkCode(t, err, "")
				return
			}
			checkCode(t, err, domain.CodeInvalidInput)
			if msg := err.Error(); !strings.HasPrefix(msg, "reference ") || !strings.Contains(msg, tt.want) {
				t.Errorf("message: got %q, want the field and %q", msg, tt.want)
			}
		})
	}
}

// FuzzCheckText checks that accepted text is valid UTF-8 with no control
// character but a newline (multiline only) and no bidi formatting, and
// that every refusal is invalid_input naming the field.
func FuzzCheckText(f *testing.F) {
	for _, s := range []string{"till 1", "line 1\nline 2", "a\tb", "\u202eabc", "caf\xe9", "👩‍🔧", "\u2028", ""} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, multiline bool) {
		err := domain.CheckText("text", s, multiline)
		if err != nil {
			if domain.ErrorCode(err) != domain.CodeInvalidInput || !strings.HasPrefix(err.Error(), "text ") {
				t.Fatalf("%q: refusal %v is not invalid_input naming the field", s, err)
			}
			return
		}
		if !utf8.ValidString(s) {
			t.Fatalf("%q: accepted invalid UTF-8", s)
		}
		for _, r := range s {
			bad := r < 0x20 && (r != '\n' || !multiline) || r >= 0x7f && r <= 0x9f ||
				r == 0x2028 || r == 0x2029 || r == 0x061c || r == 0x200e || r == 0x200f ||
				r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
			if bad {
				t.Fatalf("%q: accepted U+%04X", s, r)
			}
		}
	})
}
