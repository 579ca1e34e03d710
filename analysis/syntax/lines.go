package syntax

import (
	"bytes"
	"slices"
)

// Line starts: the byte offset of each line of a text, the first at 0, a line ending at
// each "\n" ("\r" line endings are the caller's: the parser reads a copy with "\n" ones,
// newline.go). pysem indexes a file's lines with them, the language server a document's.

// AppendLineStarts appends to starts the offset, plus base, just past each "\n" of text.
func AppendLineStarts(starts []int, text []byte, base int) []int {
	for i := 0; ; {
		j := bytes.IndexByte(text[i:], '\n')
		if j < 0 {
			return starts
		}
		i += j + 1
		starts = append(starts, base+i)
	}
}

// EditLineStarts appends to dst the line starts of text, which is the text whose line
// starts are prev with its bytes [e.Start, e.OldEnd) replaced by text[e.Start:e.NewEnd]:
// prev's up to e.Start, those of the new bytes, and prev's after the removed ones moved by
// the change in length. Only the new bytes are read: a keystroke in a large file indexes
// one line, not the file.
func EditLineStarts(dst, prev []int, text []byte, e Edit) []int {
	keep, _ := slices.BinarySearch(prev, e.Start+1)   // the lines starting at or before e.Start
	after, _ := slices.BinarySearch(prev, e.OldEnd+1) // the first line starting after the removed bytes
	dst = append(dst, prev[:keep]...)
	dst = AppendLineStarts(dst, text[e.Start:e.NewEnd], e.Start)
	d := e.NewEnd - e.OldEnd
	for _, s := range prev[after:] {
		dst = append(dst, s+d)
	}
	return dst
}
