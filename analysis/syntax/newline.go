package syntax

import "bytes"

// CPython reads "\n", "\r\n" and a lone "\r" as line endings; tree-sitter's Python grammar
// only the first two, and sees a file of lone "\r" endings (old Mac files) as one line. A
// source with a lone "\r" is therefore parsed, and analysed, as a copy with each lone "\r"
// turned into "\n": the same length, so every offset stays valid for the original. The
// Tree remembers the original's line ending (Newline), which fixes write their new lines
// with.

// lineEnding returns the line ending src uses first ("\n" when it has none), and whether
// it holds a lone "\r".
func lineEnding(src []byte) (nl string, loneCR bool) {
	i := bytes.IndexByte(src, '\r')
	if i < 0 {
		return "\n", false
	}
	nl = "\n"
	if j := bytes.IndexByte(src[:i], '\n'); j < 0 {
		nl = "\r"
		if i+1 < len(src) && src[i+1] == '\n' {
			nl = "\r\n"
		}
	}
	for ; i >= 0; i = nextCR(src, i) {
		if i+1 == len(src) || src[i+1] != '\n' {
			return nl, true
		}
	}
	return nl, false
}

func nextCR(src []byte, i int) int {
	j := bytes.IndexByte(src[i+1:], '\r')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// crToLF returns a copy of src with each lone "\r" turned into "\n".
func crToLF(src []byte) []byte {
	out := append([]byte(nil), src...)
	for i, c := range out {
		if c == '\r' && (i+1 == len(out) || out[i+1] != '\n') {
			out[i] = '\n'
		}
	}
	return out
}

// Newline is the line ending the parsed source used first: "\n" (also for a source with
// none), "\r\n" or "\r". A fix's new lines are written with it.
func (t *Tree) Newline() string {
	if t.newline == "" {
		return "\n"
	}
	return t.newline
}

// LineEnding is the line ending src uses first: "\n" (also for a source with none), "\r\n"
// or "\r".
func LineEnding(src []byte) string {
	nl, _ := lineEnding(src)
	if nl == "" {
		return "\n"
	}
	return nl
}

// prepare returns the text to parse for src, and the Tree fields that describe it.
func prepare(src []byte) (text []byte, nl string, normalized bool) {
	nl, lone := lineEnding(src)
	if lone {
		return crToLF(src), nl, true
	}
	return src, nl, false
}
