package check

import (
	"fmt"
	"sort"
	"unicode/utf8"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
)

// Positions in every output format are 1-based lines and 1-based columns counted in
// Unicode code points (runes), not bytes or UTF-16 units; an end position is exclusive
// (the column just past the range). json also gives 0-based byte offsets, and SARIF
// declares columnKind "unicodeCodePoints". In a notebook, lines, columns and offsets are
// those of a cell's source, and Cell says which cell (notebook.go).

// position is a 1-based line and rune column, with the 0-based byte offset.
type position struct {
	Cell   int `json:"cell,omitempty"` // in a notebook: the 1-based cell number; 0 in a Python file
	Line   int `json:"line"`
	Column int `json:"column"`
	Offset int `json:"offset"`
}

// pos converts a byte offset of fr.Src. Lines end at "\n", "\r\n" or a lone "\r", as
// CPython reads them.
func (fr *FileResult) pos(off int) position {
	if fr.nb != nil {
		return fr.nb.pos(off)
	}
	if fr.lines == nil {
		fr.lines = []int{0}
		for i, c := range fr.Src {
			if c == '\n' || c == '\r' && (i+1 == len(fr.Src) || fr.Src[i+1] != '\n') {
				fr.lines = append(fr.lines, i+1)
			}
		}
	}
	off = max(0, min(off, len(fr.Src)))
	l := sort.Search(len(fr.lines), func(i int) bool { return fr.lines[i] > off }) - 1
	return position{Line: l + 1, Column: utf8.RuneCount(fr.Src[fr.lines[l]:off]) + 1, Offset: off}
}

// location is how text output names a position: "path:line:col", in a notebook
// "path:cell N:line:col".
func (fr *FileResult) location(p position) string { return fr.Path + ":" + posText(p) }

// posText is "line:col", in a notebook "cell N:line:col".
func posText(p position) string {
	if p.Cell > 0 {
		return cellLocation(p)
	}
	return fmt.Sprintf("%d:%d", p.Line, p.Column)
}

// lineText returns the text of 1-based line l (of a notebook's cell: 1-based, else 0)
// without its line ending.
func (fr *FileResult) lineText(cell, l int) string {
	if fr.nb != nil {
		return fr.nb.lineText(cell, l)
	}
	fr.pos(0)
	if l < 1 || l > len(fr.lines) {
		return ""
	}
	s := fr.lines[l-1]
	e := len(fr.Src)
	if l < len(fr.lines) {
		e = fr.lines[l] - 1
	}
	if e > s && fr.Src[e-1] == '\r' {
		e-- // the "\r" of "\r\n"
	}
	return string(fr.Src[s:e])
}

// relatedPos converts a byte offset of a related place: of fr.Src, or of the other file's
// text the place lies in.
func (fr *FileResult) relatedPos(rel analysis.Related, off int) position {
	if rel.Src == nil {
		return fr.pos(off)
	}
	other := &FileResult{Src: rel.Src, nb: fr.notebookOf(rel)}
	return other.pos(off)
}
