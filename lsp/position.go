package lsp

import (
	"bytes"
	"sort"
	"unicode/utf8"

	"go.lsp.dev/protocol"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// This file is the one place that converts between byte offsets (what analysis speaks)
// and LSP positions (line, character). A character offset counts code units of the
// negotiated encoding: bytes (utf-8), UTF-16 code units (utf-16: a character outside the
// BMP, such as most emoji, counts 2) or code points (utf-32). Lines end at "\n", "\r\n"
// or "\r", as the protocol says; the terminator is not part of the line, so a position
// past a line's end (or inside its "\r\n") clamps to the end of the line's text.

// encoding is a position encoding (LSP 3.17 PositionEncodingKind).
type encoding int

const (
	encUTF16 encoding = iota // the protocol's default; every client supports it
	encUTF8
	encUTF32
)

// String returns the protocol's name of the encoding.
func (e encoding) String() string {
	switch e {
	case encUTF8:
		return "utf-8"
	case encUTF32:
		return "utf-32"
	}
	return "utf-16"
}

// negotiateEncoding picks the encoding from the client's general.positionEncodings: utf-8
// when offered (no conversion at all), else utf-16, which every client must support (a
// client that offers only utf-32 gets utf-32). Clients that send nothing, such as Neovim
// 0.7, get utf-16.
func negotiateEncoding(offered []string) encoding {
	has := map[string]bool{}
	for _, e := range offered {
		has[e] = true
	}
	switch {
	case has["utf-8"]:
		return encUTF8
	case len(offered) > 0 && !has["utf-16"] && has["utf-32"]:
		return encUTF32
	}
	return encUTF16
}

// lineIndex maps byte offsets of one immutable text to positions and back.
type lineIndex struct {
	text   []byte
	starts []int // byte offset where each line starts; starts[0] == 0
	cr     bool  // the text holds a "\r"
}

func newLineIndex(text []byte) *lineIndex {
	starts := make([]int, 1, 1+len(text)/32)
	if bytes.IndexByte(text, '\r') < 0 {
		return &lineIndex{text: text, starts: syntax.AppendLineStarts(starts, text, 0)}
	}
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '\n':
			starts = append(starts, i+1)
		case '\r':
			if i+1 < len(text) && text[i+1] == '\n' {
				i++
			}
			starts = append(starts, i+1)
		}
	}
	return &lineIndex{text: text, starts: starts, cr: true}
}

// edited returns the index of text, x's text with the bytes [start, oldEnd) replaced by
// text[start:newEnd] (syntax.EditLineStarts: only the new bytes are read). A text holding a
// "\r" is indexed afresh: a "\r" beside the edit pairs with a "\n" the edit adds or
// removes.
func (x *lineIndex) edited(text []byte, start, oldEnd, newEnd int) *lineIndex {
	if x.cr || bytes.IndexByte(text[start:newEnd], '\r') >= 0 {
		return newLineIndex(text)
	}
	starts := make([]int, 0, len(x.starts)+bytes.Count(text[start:newEnd], []byte{'\n'}))
	return &lineIndex{text: text, starts: syntax.EditLineStarts(starts, x.starts, text, syntax.Edit{Start: start, OldEnd: oldEnd, NewEnd: newEnd})}
}

// lineCount is the number of lines (a text ending in a newline has an empty last line).
func (x *lineIndex) lineCount() int { return len(x.starts) }

// lineEnd returns the offset where line l's text ends, before its terminator.
func (x *lineIndex) lineEnd(l int) int {
	end := len(x.text)
	if l+1 < len(x.starts) {
		end = x.starts[l+1]
	}
	if end > x.starts[l] && x.text[end-1] == '\n' {
		end--
	}
	if end > x.starts[l] && x.text[end-1] == '\r' {
		end--
	}
	return end
}

// lineOf returns the line holding byte offset off (clamped to the text).
func (x *lineIndex) lineOf(off int) int {
	return sort.Search(len(x.starts), func(i int) bool { return x.starts[i] > off }) - 1
}

// position converts a byte offset to a position. Offsets outside the text clamp to it;
// an offset inside a line terminator or inside a UTF-8 sequence moves back to the end of
// the line's text or the start of the character.
func (x *lineIndex) position(off int, enc encoding) protocol.Position {
	if off < 0 {
		off = 0
	}
	if off > len(x.text) {
		off = len(x.text)
	}
	l := x.lineOf(off)
	if e := x.lineEnd(l); off > e {
		off = e
	}
	start := x.starts[l]
	for off > start && off < len(x.text) && !utf8.RuneStart(x.text[off]) {
		off--
	}
	return protocol.Position{Line: uint32(l), Character: uint32(units(x.text[start:off], enc))}
}

// offset converts a position to a byte offset. A character past the end of its line
// clamps to the line's end; one inside a character (the second half of a surrogate pair)
// moves back to the character's start. A line past the last one is out of range: offset
// returns the end of the text and false.
func (x *lineIndex) offset(p protocol.Position, enc encoding) (int, bool) {
	if int(p.Line) >= len(x.starts) {
		return len(x.text), false
	}
	start, end := x.starts[p.Line], x.lineEnd(int(p.Line))
	want := int(p.Character)
	if enc == encUTF8 {
		off := start + want
		if want > end-start {
			off = end
		}
		for off > start && off < len(x.text) && !utf8.RuneStart(x.text[off]) {
			off--
		}
		return off, true
	}
	i, n := start, 0
	for i < end && n < want {
		b := x.text[i]
		if b < utf8.RuneSelf {
			i++
			n++
			continue
		}
		r, size := utf8.DecodeRune(x.text[i:end])
		u := 1
		if enc == encUTF16 && r >= 0x10000 {
			u = 2
		}
		if n+u > want {
			break
		}
		i += size
		n += u
	}
	return i, true
}

// rangeOf converts a byte range to a Range.
func (x *lineIndex) rangeOf(start, end int, enc encoding) protocol.Range {
	return protocol.Range{Start: x.position(start, enc), End: x.position(end, enc)}
}

// units counts the code units of s in enc.
func units(s []byte, enc encoding) int {
	if enc == encUTF8 {
		return len(s)
	}
	n := 0
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			n++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		i += size
		n++
		if enc == encUTF16 && r >= 0x10000 {
			n++
		}
	}
	return n
}
