package check

import (
	"io"
	"strings"
	"unicode/utf8"
)

// File names and source lines come from the repository: printed raw to a terminal, an
// escape sequence in either could retitle the window, clear the screen or hide what
// follows. The text and concise formats and the messages on stderr show every control
// character as a visible one of the same width (so carets stay under their columns):
// C0 controls and DEL as their Unicode control pictures (ESC as ␛), C1 controls as U+FFFD.
// Newlines and tabs the formats write themselves pass through. The machine formats (json,
// sarif, github) escape by their own rules.

// termSafe returns s with control characters shown as visible ones.
func termSafe(s string) string {
	if !hasControl(s) {
		return s
	}
	var b strings.Builder
	for _, c := range s {
		b.WriteRune(visible(c))
	}
	return b.String()
}

// visible maps a control character to the one shown for it; anything else, and newline
// and tab, to itself.
func visible(c rune) rune {
	switch {
	case c == '\n' || c == '\t':
		return c
	case c < 0x20:
		return 0x2400 + c // ␀ .. ␟
	case c == 0x7f:
		return 0x2421 // ␡
	case c >= 0x80 && c < 0xa0:
		return utf8.RuneError
	}
	return c
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || c == 0xc2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] < 0xa0 {
			return true
		}
	}
	return false
}

// termWriter writes what it is given with control characters shown as visible ones. Each
// Write must hold whole UTF-8 sequences (fmt writes whole strings).
type termWriter struct{ w io.Writer }

func (t termWriter) Write(p []byte) (int, error) {
	s := string(p)
	if !hasControl(s) {
		return t.w.Write(p)
	}
	if _, err := io.WriteString(t.w, termSafe(s)); err != nil {
		return 0, err
	}
	return len(p), nil
}
