package domain

import (
	"fmt"
	"unicode/utf8"
)

// CheckText refuses free text (a payment reference, a waive reason, a
// notice, an idTag) that would render as something other than what it
// stores, or break the line of a log or a receipt: invalid UTF-8, control
// characters (C0, DEL and C1; a newline only when multiline), the line and
// paragraph separators U+2028/U+2029 (unless multiline), and the
// bidirectional formatting characters (U+061C, U+200E, U+200F,
// U+202A–U+202E, U+2066–U+2069), which reorder what a reader sees. The
// refusal is invalid_input and names field.
func CheckText(field, s string, multiline bool) error {
	if !utf8.ValidString(s) {
		return Errorf(CodeInvalidInput, "%s is not valid UTF-8", field)
	}
	at := 0
	for _, r := range s {
		at++
		switch {
		case r == '\n' || r == '\u2028' || r == '\u2029':
			if !multiline {
				return Errorf(CodeInvalidInput, "%s must be a single line (%s at character %d)", field, codePoint(r), at)
			}
			if r != '\n' {
				return Errorf(CodeInvalidInput, "%s may break lines with a newline only (%s at character %d)", field, codePoint(r), at)
			}
		case r < 0x20 || r >= 0x7f && r <= 0x9f:
			return Errorf(CodeInvalidInput, "%s must not contain control characters (%s at character %d)", field, codePoint(r), at)
		case isBidiControl(r):
			return Errorf(CodeInvalidInput, "%s must not contain bidirectional formatting characters (%s at character %d)", field, codePoint(r), at)
		}
	}
	return nil
}

// isBidiControl reports whether r is one of Unicode's explicit
// bidirectional formatting characters (UAX #9: the marks, embeddings,
// overrides and isolates).
func isBidiControl(r rune) bool {
	switch {
	case r == '\u061c', r == '\u200e', r == '\u200f':
		return true
	case r >= '\u202a' && r <= '\u202e':
		return true
	case r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

func codePoint(r rune) string { return fmt.Sprintf("U+%04X", r) }
