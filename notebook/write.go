package notebook

import (
	"sort"
	"strings"
)

// Rewrite returns the notebook file with the sources of some cells replaced (by cell
// Index). Everything else keeps its bytes: outputs, metadata, execution counts, key
// order, indentation, the other cells. A replaced source keeps its form (one string, or
// a list of lines split after each line break, as nbformat writes it) and the layout of
// its list; a line whose text did not change keeps its bytes, escapes included.
func (nb *Notebook) Rewrite(sources map[int]string) []byte {
	type splice struct {
		at   span
		with string
	}
	var sp []splice
	for i, text := range sources {
		if i < 0 || i >= len(nb.Cells) || nb.Cells[i].Source == text {
			continue
		}
		c := &nb.Cells[i]
		sp = append(sp, splice{c.src, nb.EncodeSource(c, text)})
	}
	if len(sp) == 0 {
		return nb.raw
	}
	sort.Slice(sp, func(i, j int) bool { return sp[i].at.start < sp[j].at.start })
	var b strings.Builder
	b.Grow(len(nb.raw) + 256)
	last := 0
	for _, s := range sp {
		b.Write(nb.raw[last:s.at.start])
		b.WriteString(s.with)
		last = s.at.end
	}
	b.Write(nb.raw[last:])
	return []byte(b.String())
}

// SourceSpan returns the byte range of cell c's source value (a string or an array) in
// the file.
func (c *Cell) SourceSpan() (start, end int) { return c.src.start, c.src.end }

// EncodeSource returns the JSON value that holds text as cell c's source, in the form and
// layout c's source has in the file (see Rewrite).
func (nb *Notebook) EncodeSource(c *Cell, text string) string {
	var b strings.Builder
	if !c.list {
		if len(c.text) == 1 && c.text[0] == text {
			return string(nb.raw[c.src.start:c.src.end])
		}
		encodeString(&b, text, nb.ascii)
		return b.String()
	}
	lines := splitLines(text)
	if len(lines) == 0 {
		return "[]"
	}
	// the bytes of each unchanged line, so its escapes stay as written
	kept := map[string]string{}
	for k, t := range c.toks {
		if _, ok := kept[c.text[k]]; !ok {
			kept[c.text[k]] = string(nb.raw[t.start:t.end])
		}
	}
	open, sep, close := nb.listLayout(c)
	b.WriteByte('[')
	b.WriteString(open)
	for k, l := range lines {
		if k > 0 {
			b.WriteString(sep)
		}
		if tok, ok := kept[l]; ok {
			b.WriteString(tok)
		} else {
			encodeString(&b, l, nb.ascii)
		}
	}
	b.WriteString(close)
	b.WriteByte(']')
	return b.String()
}

// listLayout returns the whitespace of c's source list: after "[", between elements
// (with the comma) and before "]". An empty list takes the layout nbformat would give it
// in this file: one element per line, one indentation level deeper than the key.
func (nb *Notebook) listLayout(c *Cell) (open, sep, close string) {
	raw := nb.raw
	if len(c.toks) > 0 {
		open = string(raw[c.src.start+1 : c.toks[0].start])
		close = string(raw[c.toks[len(c.toks)-1].end : c.src.end-1])
		switch {
		case len(c.toks) > 1:
			sep = string(raw[c.toks[0].end:c.toks[1].start])
		case strings.ContainsAny(open, "\n\r"):
			sep = "," + open
		default:
			sep = nb.inlineSep()
		}
		return open, sep, close
	}
	if nb.unit == "" {
		return "", nb.inlineSep(), ""
	}
	// the indentation of the line that holds the "source" key
	ls := c.src.start
	for ls > 0 && raw[ls-1] != '\n' && raw[ls-1] != '\r' {
		ls--
	}
	ind := ls
	for ind < len(raw) && (raw[ind] == ' ' || raw[ind] == '\t') {
		ind++
	}
	key := string(raw[ls:ind])
	open = nb.nl + key + nb.unit
	return open, "," + open, nb.nl + key
}

// inlineSep separates the elements of a list written on one line: "," in a file written
// without spaces between tokens (minified), ", " otherwise (Python's json.dumps).
func (nb *Notebook) inlineSep() string {
	if nb.compact {
		return ","
	}
	return ", "
}

// splitLines splits text after each "\n" (and a lone "\r"), as Python's
// str.splitlines(keepends=True) does for the line breaks notebooks hold.
func splitLines(text string) []string {
	var out []string
	for len(text) > 0 {
		i := strings.IndexAny(text, "\r\n")
		if i < 0 {
			out = append(out, text)
			break
		}
		j := i + 1
		if text[i] == '\r' && j < len(text) && text[j] == '\n' {
			j++
		}
		out = append(out, text[:j])
		text = text[j:]
	}
	return out
}

// RawOffset returns the byte offset in the file of the byte offset local of cell c's
// source text: inside the string token that holds that text (escapes counted as written).
// local at the end of the source maps to the end of its last line.
func (nb *Notebook) RawOffset(c *Cell, local int) int {
	if len(c.toks) == 0 {
		return c.src.start
	}
	for k, t := range c.toks {
		if local < len(c.text[k]) || k == len(c.toks)-1 {
			return t.start + rawIndex(nb.raw[t.start:t.end], local)
		}
		local -= len(c.text[k])
	}
	return c.src.start
}
