package notebook

import (
	"bytes"
	"regexp"
)

// Range is a byte range [Start, End) of a cell's source.
type Range struct{ Start, End int }

// pythonCellMagics are the cell magics whose body is Python run in the kernel: their first
// line is blanked and the rest analysed. Any other cell magic (%%bash, %%writefile,
// %%html, %%sql, ...) makes the whole cell something else, and it is blanked entirely.
var pythonCellMagics = map[string]bool{
	"time": true, "timeit": true, "capture": true, "prun": true, "debug": true,
}

// helpRE matches IPython's help syntax on a line of its own: obj?, obj.attr??, *pat*?.
var helpRE = regexp.MustCompile(`^[\w.*\[\]]+\?{1,2}$`)

// assignRE matches the left side of an assignment from a shell escape or a line magic,
// up to the ! or %: files = !ls, a, b = %timeit -o f().
var assignRE = regexp.MustCompile(`^[A-Za-z_][\w.]*(\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[!%]`)

// Neutralize returns the Python that a cell's IPython source means for analysis, of the
// same length byte for byte (offsets in one are offsets in the other), and the ranges it
// blanked. At the start of a logical line (not inside brackets, a string or a backslash
// continuation, which is where IPython looks for them) it blanks:
//
//   - line magics and shell escapes (%matplotlib inline, !pip install torch, with their
//     backslash continuations), also as the right side of an assignment (files = !ls);
//   - help (?torch.cond, torch.export??);
//   - a cell magic's first line (%%time), or the whole cell when its body is not Python
//     (%%bash, %%writefile, ...).
//
// A blanked line keeps its line breaks and becomes the expression statement 0 padded with
// spaces (an empty line could leave a block without a body), so the module parses where
// the cell runs.
func Neutralize(src []byte) ([]byte, []Range) {
	out := append([]byte(nil), src...)
	var blanked []Range
	blank := func(start, end int, zero bool) {
		if start >= end {
			return
		}
		for i := start; i < end; i++ {
			if out[i] != '\n' && out[i] != '\r' {
				out[i] = ' '
			}
		}
		if zero {
			out[start] = '0'
		}
		blanked = append(blanked, Range{start, end})
	}

	// a cell magic opens the cell (after blank lines)
	first := 0
	for first < len(src) {
		e := lineEnd(src, first)
		if len(bytes.TrimSpace(src[first:e])) > 0 {
			break
		}
		first = nextLine(src, e)
	}
	pos := 0
	if t := bytes.TrimLeft(src[first:lineEnd(src, first)], " \t"); bytes.HasPrefix(t, []byte("%%")) {
		name := t[2:]
		if i := bytes.IndexAny(name, " \t"); i >= 0 {
			name = name[:i]
		}
		at := first + (lineEnd(src, first) - first - len(t))
		if !pythonCellMagics[string(name)] {
			blank(at, len(src), false)
			return out, blanked
		}
		e := continued(src, first)
		blank(at, e, true)
		pos = nextLine(src, e)
	}

	// then line by line, tracking what a logical line start needs
	var (
		depth int  // open brackets
		quote byte // the quote of the string open across lines ('"' or '\''), 0 when none
		long  bool // that string is triple-quoted
		cont  bool // the last line ended with a backslash continuation
	)
	for pos < len(src) {
		e := lineEnd(src, pos)
		if quote == 0 && depth == 0 && !cont {
			i := pos
			for i < e && (src[i] == ' ' || src[i] == '\t') {
				i++
			}
			line := src[i:e]
			switch {
			case len(line) > 0 && (line[0] == '%' || line[0] == '!' || line[0] == '?'):
				end := continued(src, pos)
				blank(i, end, true)
				pos = nextLine(src, end)
				continue
			case helpRE.Match(bytes.TrimRight(line, " \t")):
				blank(i, e, true)
				pos = nextLine(src, e)
				continue
			}
			if m := assignRE.FindIndex(line); m != nil {
				end := continued(src, pos)
				blank(i+m[1]-1, end, true)
				pos = nextLine(src, end)
				continue
			}
		}
		// lex the line: strings, comments, brackets, a trailing backslash
		cont = false
		for i := pos; i < e; i++ {
			c := src[i]
			if quote != 0 {
				switch {
				case c == '\\':
					i++
				case c == quote && (!long || i+2 < e && src[i+1] == quote && src[i+2] == quote):
					if long {
						i += 2
					}
					quote, long = 0, false
				}
				continue
			}
			switch c {
			case '#':
				i = e
			case '"', '\'':
				quote = c
				if i+2 < e && src[i+1] == c && src[i+2] == c {
					long = true
					i += 2
				}
			case '(', '[', '{':
				depth++
			case ')', ']', '}':
				if depth > 0 {
					depth--
				}
			case '\\':
				if i == e-1 {
					cont = true
				}
			}
		}
		if quote != 0 && !long {
			// a one-line string runs to its line's end, unless a backslash continues it
			if !(e > pos && src[e-1] == '\\') {
				quote = 0
			}
		}
		pos = nextLine(src, e)
	}
	return out, blanked
}

// lineEnd returns the offset of the line break ending the line that starts at i (or the
// end of src).
func lineEnd(src []byte, i int) int {
	for i < len(src) && src[i] != '\n' && src[i] != '\r' {
		i++
	}
	return i
}

// nextLine returns the offset of the line after the line break at e.
func nextLine(src []byte, e int) int {
	if e < len(src) && src[e] == '\r' {
		e++
	}
	if e < len(src) && src[e] == '\n' {
		e++
	}
	return e
}

// continued returns the end of the logical line starting at i when every line ending in
// a backslash continues it (IPython joins a magic's lines so).
func continued(src []byte, i int) int {
	for {
		e := lineEnd(src, i)
		if e == i || src[e-1] != '\\' || e == len(src) {
			return e
		}
		i = nextLine(src, e)
	}
}
