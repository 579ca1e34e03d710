package lsp

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"go.lsp.dev/protocol"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// wideModel puts CJK text, emoji (outside the BMP: two UTF-16 units each), tabs and CRLF
// line ends before and around a finding.
var wideModel = strings.ReplaceAll(`import torch


class M(torch.nn.Module):
	def forward(self, x):
		label = "注意: 😀🎉 shapes"; n = ⟨round⟩round(x.⟨in⟩shape[0] / 2)⟨/round⟩  # 日本語 😀⟨eol⟩
		return x[:n]  # ⟨emoji⟩🎉 done
`, "\n", "\r\n")

func TestEncodingsExact(t *testing.T) {
	for _, enc := range []string{"utf-8", "utf-16", "utf-32"} {
		t.Run(enc, func(t *testing.T) {
			c := newTestClient(t, roundOnly)
			c.start(enc)
			if c.enc.String() != enc {
				t.Fatalf("negotiated %s, want %s", c.enc, enc)
			}
			text, m := fixture(t, wideModel)
			uri := protocol.DocumentURI("file:///work/wide.py")
			c.open(uri, text)
			got := c.diagsFor(uri, 1)
			if len(got.Diagnostics) != 1 {
				t.Fatalf("diagnostics %+v", got.Diagnostics)
			}
			want := rangeAt(text, m["round"], m["/round"], c.enc)
			if got.Diagnostics[0].Range != want {
				t.Fatalf("range %+v, want %+v", got.Diagnostics[0].Range, want)
			}
			// hover right after the emoji finds the finding
			if h := hoverAt(t, c, uri, text, m["in"]); h == nil || *h.Range != want {
				t.Fatalf("hover %+v", h)
			}
			// the quick fix's edit lands exactly
			acts := codeActions(t, c, uri, text, m["in"], m["in"])
			fixed := applyEdits(t, text, editsFor(t, acts[0].Edit, uri), c.enc)
			if w := text[:m["round"]] + "(x.shape[0] // 2)" + text[m["/round"]:]; fixed != w {
				t.Fatalf("fixed:\n%q\nwant:\n%q", fixed, w)
			}
			ign := applyEdits(t, text, editsFor(t, acts[1].Edit, uri), c.enc)
			if w := text[:m["eol"]] + "  # exportdb: ignore[dynamic_shape_round]" + text[m["eol"]:]; ign != w {
				t.Fatalf("ignored:\n%q\nwant:\n%q", ign, w)
			}
			// incremental edits positioned after emoji, on a CRLF line
			p := posAt(text, m["emoji"], c.enc)
			c.change(uri, 2, textDocumentContentChangeEvent{Range: &protocol.Range{Start: p, End: p}, Text: "ß"})
			after := posAt(text, m["emoji"]+len("🎉"), c.enc)
			// replace the emoji itself (a surrogate pair in UTF-16)
			c.change(uri, 3, textDocumentContentChangeEvent{
				Range: &protocol.Range{Start: protocol.Position{Line: p.Line, Character: p.Character + uint32(units([]byte("ß"), c.enc))},
					End: protocol.Position{Line: after.Line, Character: after.Character + uint32(units([]byte("ß"), c.enc))}},
				Text: "ok"})
			c.diagsFor(uri, 3)
			assertServerText(t, c, uri, text[:m["emoji"]]+"ßok"+text[m["emoji"]+len("🎉"):])
			// a position past the end of a CRLF line clamps before the "\r\n"
			eol := posAt(text, m["eol"], c.enc)
			lineEnd := strings.Index(text[m["eol"]:], "\r\n") + m["eol"]
			c.change(uri, 4, textDocumentContentChangeEvent{Range: &protocol.Range{
				Start: protocol.Position{Line: eol.Line, Character: eol.Character + 1000},
				End:   protocol.Position{Line: eol.Line, Character: eol.Character + 1000}}, Text: "!"})
			c.diagsFor(uri, 4)
			cur := text[:m["emoji"]] + "ßok" + text[m["emoji"]+len("🎉"):]
			assertServerText(t, c, uri, cur[:lineEnd]+"!"+cur[lineEnd:])
		})
	}
}

func TestLineIndex(t *testing.T) {
	text := "a\tb\r\n注😀x\rlone\nend😀"
	x := newLineIndex([]byte(text))
	if x.lineCount() != 4 {
		t.Fatalf("%d lines, want 4 (\\r\\n, \\r and \\n all end lines)", x.lineCount())
	}
	for _, enc := range []encoding{encUTF8, encUTF16, encUTF32} {
		for off := 0; off <= len(text); off++ {
			if off < len(text) && !utf8.RuneStart(text[off]) {
				continue
			}
			p := x.position(off, enc)
			want := posAt(text, off, enc)
			inCRLF := off > 0 && text[off-1] == '\r' && off < len(text) && text[off] == '\n'
			if inCRLF {
				// inside "\r\n": the position clamps to the end of the line's text
				want = posAt(text, off-1, enc)
			}
			if p != want {
				t.Errorf("%s: position(%d) = %+v, want %+v", enc, off, p, want)
			}
			if inCRLF {
				continue
			}
			back, ok := x.offset(p, enc)
			if !ok || back != off {
				t.Errorf("%s: offset(%+v) = %d, %v; want %d", enc, p, back, ok, off)
			}
		}
	}
	// the second half of a surrogate pair moves back to the character's start
	emoji := strings.Index(text, "😀")
	p := x.position(emoji, encUTF16)
	if off, _ := x.offset(protocol.Position{Line: p.Line, Character: p.Character + 1}, encUTF16); off != emoji {
		t.Errorf("offset inside a surrogate pair = %d, want %d", off, emoji)
	}
	// inside a UTF-8 sequence: back to its start
	if off, _ := x.offset(protocol.Position{Line: p.Line, Character: p.Character + 2}, encUTF8); off != emoji {
		t.Errorf("utf-8 offset inside a character = %d, want %d", off, emoji)
	}
	// past the end of a line: its end; past the last line: the end of the text, not ok
	if off, ok := x.offset(protocol.Position{Line: 0, Character: 99}, encUTF16); off != 3 || !ok {
		t.Errorf("past the line end: %d %v, want 3 true", off, ok)
	}
	if off, ok := x.offset(protocol.Position{Line: 9, Character: 0}, encUTF16); off != len(text) || ok {
		t.Errorf("past the last line: %d %v, want %d false", off, ok, len(text))
	}
	if p := x.position(len(text)+5, encUTF16); p != posAt(text, len(text), encUTF16) {
		t.Errorf("position past the end = %+v", p)
	}
}

// TestLineIndexEdited: the index a keystroke's edit updates (lineIndex.edited) is the one
// indexing the new text afresh gives, for insertions, deletions and replacements of text
// with and without line ends, at a line's start and end, with CJK and emoji, and for texts
// with "\r" line ends (indexed afresh) and an edit adding one.
func TestLineIndexEdited(t *testing.T) {
	texts := []string{
		"",
		"x",
		"\n",
		"import torch\n\nclass M:\n    def f(self, x):\n        return x  # 注意 😀\n",
		"a\nb\n\n\nc",
		"a\r\nb\rc\n",
	}
	inserts := []string{"", "m", "\n", "x\ny", "\n\n", "😀\n注", "\r", "\r\n"}
	for _, text := range texts {
		for start := 0; start <= len(text); start++ {
			for end := start; end <= len(text) && end <= start+3; end++ {
				if !utf8.RuneStart(byteAt(text, start)) || !utf8.RuneStart(byteAt(text, end)) {
					continue
				}
				for _, ins := range inserts {
					next := text[:start] + ins + text[end:]
					got := newLineIndex([]byte(text)).edited([]byte(next), start, end, start+len(ins))
					want := newLineIndex([]byte(next))
					if string(got.text) != next || !slices.Equal(got.starts, want.starts) || got.cr != want.cr {
						t.Fatalf("%q with [%d, %d) replaced by %q: starts %v (cr %v), indexing afresh gives %v (cr %v)",
							text, start, end, ins, got.starts, got.cr, want.starts, want.cr)
					}
				}
			}
		}
	}
}

// byteAt is text[i], or a character's first byte past the end.
func byteAt(text string, i int) byte {
	if i < len(text) {
		return text[i]
	}
	return 'x'
}

func TestDiffBounds(t *testing.T) {
	for _, tc := range []struct{ old, new string }{
		{"", ""}, {"abc", "abc"}, {"abc", "abXc"}, {"abc", ""}, {"", "xyz"}, {"aaa", "aa"},
		{"x😀y", "x😁y"}, {"注意", "注"}, {"héllo", "hello"},
	} {
		s, e := diffBounds([]byte(tc.old), tc.new)
		mid := tc.new[s : len(tc.new)-(len(tc.old)-e)]
		if got := tc.old[:s] + mid + tc.old[e:]; got != tc.new {
			t.Errorf("diffBounds(%q, %q) = %d,%d: rebuilds %q", tc.old, tc.new, s, e, got)
		}
		if !utf8.ValidString(tc.old[s:e]) || !utf8.ValidString(mid) {
			t.Errorf("diffBounds(%q, %q) splits a character", tc.old, tc.new)
		}
	}
}

func parseForTest(t *testing.T, text string) *syntax.Tree {
	t.Helper()
	p := syntax.NewParser()
	defer p.Close()
	doc, err := p.Parse(t.Context(), []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return doc.Tree()
}

func syntaxParser(t *testing.T) *syntax.Parser {
	t.Helper()
	p := syntax.NewParser()
	t.Cleanup(p.Close)
	return p
}

// TestFileURIs: file: URIs to paths and back, on Unix and on Windows (drive letters,
// percent-encoding as VS Code writes it, UNC shares).
func TestFileURIs(t *testing.T) {
	for _, tc := range []struct {
		uri     protocol.DocumentURI
		windows bool
		path    string
	}{
		{"file:///home/u/My%20Models/a%23b.py", false, "/home/u/My Models/a#b.py"},
		{"file:///home/u/x/../m.py", false, "/home/u/m.py"},
		{"file:///c%3A/Users/u/My%20Models/m.py", true, `c:\Users\u\My Models\m.py`},
		{"file:///C:/m.py", true, `C:\m.py`},
		{"file://server/share/m.py", true, `\\server\share\m.py`},
		{"untitled:Untitled-1", false, ""},
		{"vscode-notebook-cell:/x.ipynb#cell", true, ""},
	} {
		if got := uriToPathOS(tc.uri, tc.windows); got != tc.path {
			t.Errorf("uriToPath(%s, windows=%v) = %q, want %q", tc.uri, tc.windows, got, tc.path)
		}
		if tc.path == "" {
			continue
		}
		back := pathToURIOS(tc.path, tc.windows)
		if got := uriToPathOS(back, tc.windows); got != tc.path {
			t.Errorf("pathToURI(%q) = %s, which maps back to %q", tc.path, back, got)
		}
	}
	if got := pathToURIOS("/home/u/My Models/a#b.py", false); got != "file:///home/u/My%20Models/a%23b.py" {
		t.Errorf("pathToURI = %s", got)
	}
	if got := pathToURIOS(`C:\m.py`, true); got != "file:///C:/m.py" {
		t.Errorf("pathToURI(C:\\m.py) = %s", got)
	}
}
