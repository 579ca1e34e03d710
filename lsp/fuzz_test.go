package lsp

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// Fuzz targets for what eats the client's bytes: incremental text synchronisation and
// position mapping. `go test ./lsp/` runs their seeds; bench/ runs them for longer
// (go test -fuzz=FuzzIncrementalSync -fuzztime=10m ./lsp/). Crashers found are kept as
// seeds below or under testdata/fuzz.

// ---- reference implementations, independent of position.go and text_sync.go ----

// refLines splits text into lines at "\r\n", "\n" and "\r": each line's start and the end
// of its text (before the terminator).
func refLines(text string) (starts, ends []int) {
	start := 0
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '\n':
			starts, ends = append(starts, start), append(ends, i)
			start = i + 1
		case '\r':
			starts, ends = append(starts, start), append(ends, i)
			if i+1 < len(text) && text[i+1] == '\n' {
				i++
			}
			start = i + 1
		}
	}
	return append(starts, start), append(ends, len(text))
}

// refUnits is the width of r in enc's code units.
func refUnits(r rune, enc encoding) int {
	switch enc {
	case encUTF8:
		return utf8.RuneLen(r)
	case encUTF16:
		return len(utf16.Encode([]rune{r}))
	}
	return 1
}

// refOffset is the clamping rule for a position: a line past the last is the end of the
// text (not ok); a character past its line's end is the line's end; one inside a
// character (a UTF-16 surrogate pair, a UTF-8 sequence) is the character's start.
func refOffset(text string, p protocol.Position, enc encoding) (int, bool) {
	starts, ends := refLines(text)
	if int(p.Line) >= len(starts) {
		return len(text), false
	}
	off, n := starts[p.Line], 0
	for _, r := range text[starts[p.Line]:ends[p.Line]] {
		u := refUnits(r, enc)
		if n+u > int(p.Character) {
			break
		}
		n += u
		off += utf8.RuneLen(r)
	}
	return off, true
}

// ---- FuzzIncrementalSync ----

// syncInserts are the texts the fuzzer's edits insert: line terminators of every kind,
// characters outside the BMP and wide ones, Python that opens and closes blocks.
var syncInserts = []string{
	"", "x", " ", "\n", "\r\n", "\r", "😀", "注意", "é", "\t", "(", ")", ":", "#", `"""`, "'", "\\",
	"def f(x):\n    return x\n", "    ", "pass\n", "class M(torch.nn.Module):\n", "x[: round(x.shape[0] / 2)]",
	"\U0001F600\U0001F601", "a\r\nb\rc\n",
}

// syncOp decodes one change from 6 fuzzer bytes: its kind, the range's start and end
// (lines and characters, sometimes past the text or past the line) and the text.
func syncOp(b []byte, lines int) (ch textDocumentContentChangeEvent, whole, reparse bool) {
	line := func(v byte) uint32 {
		if v == 255 {
			return 1 << 20
		}
		return uint32(int(v) % (lines + 2))
	}
	char := func(v byte) uint32 {
		if v == 255 {
			return 1 << 30
		}
		return uint32(v % 48)
	}
	ch.Text = syncInserts[int(b[5])%len(syncInserts)]
	whole = b[0]&3 == 3
	reparse = b[0]&4 != 0
	if !whole {
		ch.Range = &protocol.Range{
			Start: protocol.Position{Line: line(b[1]), Character: char(b[2])},
			End:   protocol.Position{Line: line(b[3]), Character: char(b[4])},
		}
	}
	return ch, whole, reparse
}

func FuzzIncrementalSync(f *testing.F) {
	model := markerRE.ReplaceAllString(roundModel, "")
	f.Add(model, []byte{0, 4, 10, 4, 12, 1, 4, 4, 8, 4, 8, 3}, uint8(0))
	f.Add(model, []byte{4, 5, 20, 5, 40, 17, 0, 2, 0, 2, 0, 4, 3, 0, 0, 0, 0, 2, 4, 1, 0, 0, 0, 0}, uint8(1))
	f.Add("a😀b\r\nc注d\re\n", []byte{4, 0, 2, 0, 3, 1, 4, 1, 1, 0, 0, 3, 4, 2, 1, 2, 9, 6}, uint8(1)) // inside a surrogate pair; ranges backwards
	f.Add("x = 1\n", []byte{4, 255, 0, 255, 0, 3, 4, 0, 255, 0, 255, 1}, uint8(0))                   // past the last line; past the line end
	f.Add("é\n", []byte{4, 0, 1, 0, 1, 1}, uint8(0))                                                 // inside a UTF-8 sequence
	f.Add("def f():\n    pass\n", []byte{7, 0, 0, 0, 0, 17, 4, 2, 0, 2, 0, 18}, uint8(2))
	f.Add("\r\n\r\n", []byte{4, 0, 0, 1, 0, 5, 4, 0, 0, 0, 0, 3}, uint8(1))
	f.Fuzz(func(t *testing.T, text string, ops []byte, encSel uint8) {
		if !utf8.ValidString(text) || len(text) > 1<<16 || len(ops) > 6*64 {
			t.Skip()
		}
		enc := []encoding{encUTF16, encUTF8, encUTF32}[int(encSel)%3]
		s := &Server{log: zap.NewNop(), ctx: context.Background(), parsers: make(chan *syntax.Parser, 1)}
		defer func() {
			select {
			case p := <-s.parsers:
				p.Close()
			default:
			}
		}()
		uri := protocol.DocumentURI("file:///fuzz.py")
		d := &document{uri: uri, text: []byte(text), lines: newLineIndex([]byte(text))}
		snapshot := func() snapshot {
			return snapshot{gen: d.gen, text: d.text, lines: d.lines, parsed: d.parsed, pending: d.pending[:len(d.pending):len(d.pending)]}
		}
		reparse := func() {
			t.Helper()
			doc, err := s.parse(context.Background(), d, snapshot())
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if d.parsed != doc || len(d.pending) != 0 {
				t.Fatalf("the parse was not kept for the next one")
			}
			full := parseForTest(t, string(d.text))
			if full.HasError(full.Root()) {
				return // error recovery may legitimately differ between the two
			}
			if a, b := dumpTree(doc.Tree()), dumpTree(full); a != b {
				t.Fatalf("incremental tree differs from a full parse of %q:\n%s\nvs\n%s", d.text, a, b)
			}
		}
		reparse()

		want := text
		for version := int32(2); len(ops) >= 6; version++ {
			ch, whole, doParse := syncOp(ops[:6], strings.Count(want, "\n")+strings.Count(want, "\r"))
			ops = ops[6:]
			if whole { // the whole text, with the insert in the middle of it
				mid := len(want) / 2
				for mid > 0 && !utf8.RuneStart(want[mid]) {
					mid--
				}
				ch.Text = want[:mid] + ch.Text + want[mid:]
			}

			// the reference: plain string edits with the clamping rules
			wantResync := false
			if ch.Range == nil {
				want = ch.Text
			} else {
				start, ok1 := refOffset(want, ch.Range.Start, enc)
				end, ok2 := refOffset(want, ch.Range.End, enc)
				if !ok1 || !ok2 || end < start {
					wantResync = true
				}
				if end < start {
					start, end = end, start
				}
				want = want[:start] + ch.Text + want[end:]
			}

			before := d.text
			text, lines, edits, resync := s.applyChanges(uri, d.text, d.lines, []textDocumentContentChangeEvent{ch}, enc)
			if string(text) != want {
				t.Fatalf("change %+v (range %+v) in %s: text %q, want %q", ch, ch.Range, enc, text, want)
			}
			if resync != wantResync {
				t.Fatalf("change %+v: resync %v, want %v", ch.Range, resync, wantResync)
			}
			if string(before) != string(d.text) {
				t.Fatalf("applyChanges modified the old text in place")
			}
			if got, exp := lines.starts, newLineIndex(text).starts; len(got) != len(exp) {
				t.Fatalf("line index of %d lines, want %d", len(got), len(exp))
			}
			// each edit says exactly how its text became the next
			for i, e := range edits {
				after := text
				if i+1 < len(edits) {
					after = edits[i+1].before
				}
				ed := e.edit
				if ed.Start < 0 || ed.Start > ed.OldEnd || ed.OldEnd > len(e.before) || ed.NewEnd < ed.Start || ed.NewEnd > len(after) ||
					string(e.before[:ed.Start])+string(after[ed.Start:ed.NewEnd])+string(e.before[ed.OldEnd:]) != string(after) {
					t.Fatalf("edit %+v does not turn %q into %q", ed, e.before, after)
				}
				if !utf8.Valid(e.before[ed.Start:ed.OldEnd]) || !utf8.Valid(after[ed.Start:ed.NewEnd]) {
					t.Fatalf("edit %+v splits a character", ed)
				}
			}
			s.commitChangeLocked(d, version, text, lines, edits, resync)
			if doParse {
				reparse()
			}
		}
		reparse()
	})
}

// ---- FuzzPositionRoundTrip ----

func FuzzPositionRoundTrip(f *testing.F) {
	for _, s := range []string{
		"", "x", "a\tb\r\n注😀x\rlone\nend😀", "😀😀\n\n", "\r\r\n\n\r", "注意\t注意\r\n", "é\u0301\n", "\U0010FFFF\n\uFFFD",
		"def f():\n\treturn '😀'\r\n", "\n", "a\r", "\r\n",
	} {
		f.Add(s, uint16(len(s)/2), uint32(0), uint32(3))
	}
	f.Add("a😀b", uint16(2), uint32(0), uint32(2))     // inside the emoji: utf-8 byte 2, utf-16 unit 2
	f.Add("a\r\nb", uint16(2), uint32(5), uint32(99)) // between \r and \n; past the last line
	f.Fuzz(func(t *testing.T, text string, off16 uint16, line, char uint32) {
		if !utf8.ValidString(text) || len(text) > 1<<14 {
			t.Skip()
		}
		x := newLineIndex([]byte(text))
		starts, ends := refLines(text)
		if x.lineCount() != len(starts) {
			t.Fatalf("%d lines, want %d", x.lineCount(), len(starts))
		}
		// the offsets to try: the fuzzed one, and every offset of a short text
		offs := []int{int(off16) % (len(text) + 1), len(text), len(text) + 3}
		if len(text) <= 64 {
			for i := 0; i <= len(text); i++ {
				offs = append(offs, i)
			}
		}
		for _, enc := range []encoding{encUTF8, encUTF16, encUTF32} {
			for _, off := range offs {
				p := x.position(off, enc)
				// what position must give: clamp to the text, back to the character's
				// start, back out of a line terminator
				want := min(off, len(text))
				for want > 0 && want < len(text) && !utf8.RuneStart(text[want]) {
					want--
				}
				l := 0
				for l+1 < len(starts) && starts[l+1] <= want {
					l++
				}
				want = min(want, ends[l])
				if p != posAt(text, want, enc) {
					t.Fatalf("%s: position(%d) in %q = %+v, want %+v", enc, off, text, p, posAt(text, want, enc))
				}
				back, ok := x.offset(p, enc)
				if !ok || back != want {
					t.Fatalf("%s: offset(position(%d) = %+v) in %q = %d, %v; want %d", enc, off, p, text, back, ok, want)
				}
			}
			// any position: clamped as the reference clamps
			for _, p := range []protocol.Position{{Line: line, Character: char}, {Line: line % uint32(len(starts)+1), Character: char % 64}} {
				got, ok := x.offset(p, enc)
				want, wantOK := refOffset(text, p, enc)
				if got != want || ok != wantOK {
					t.Fatalf("%s: offset(%+v) in %q = %d, %v; want %d, %v", enc, p, text, got, ok, want, wantOK)
				}
				if ok && (got < starts[p.Line] || got > ends[p.Line]) {
					t.Fatalf("%s: offset(%+v) = %d outside its line [%d, %d]", enc, p, got, starts[p.Line], ends[p.Line])
				}
			}
		}
	})
}

// ---- FuzzStream ----

// fuzzConn is a transport that reads data and discards what the stream writes.
type fuzzConn struct{ io.Reader }

func (fuzzConn) Write(p []byte) (int, error) { return len(p), nil }
func (fuzzConn) Close() error                { return nil }

// FuzzStream: any bytes on the wire give well-formed messages or nothing, never a panic,
// and the stream reads to the end of the input.
func FuzzStream(f *testing.F) {
	frame := func(body string) string { return "Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body }
	f.Add([]byte(frame(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`)))
	f.Add([]byte(frame(`{not json`) + "Content-Length: banana\r\n\r\n" + "\x00\x01\x02 garbage\r\n\r\n" + frame(`{"jsonrpc":"2.0","method":"exit"}`)))
	f.Add([]byte("junk Content-LENGTH: 2\r\n\r\n{}" + frame(`[1]`) + frame(`{"id":1099511627776,"method":"x"}`)))
	f.Add([]byte("\xff\xfeContent-Length: 5\r\n\xc3\r\n\r\nnull\n"))
	f.Add([]byte(strings.Repeat("\xff", 20) + "Content-Length: 2\r\n\r\n{}")) // was a crash: bytes.ToLower grew the line
	f.Add([]byte("Content-Length: 99999999999999999999\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := newStream(fuzzConn{bytes.NewReader(data)}, zap.NewNop())
		defer s.Close()
		for range len(data) + 1 {
			msg, _, err := s.Read(context.Background())
			if err != nil {
				return
			}
			if _, err := encodeMessage(msg); err != nil {
				t.Fatalf("a message read cannot be written back: %v", err)
			}
		}
		t.Fatalf("more messages than bytes")
	})
}
