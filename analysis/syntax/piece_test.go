package syntax

import (
	"bytes"
	"context"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestPieceMatchesFreshParse types and deletes words inside top-level statements of real
// model files (the clean fixtures, with CRLF and CJK copies), each word in a statement
// chosen at random, now and then one that breaks the statement (an open bracket, a new
// line) or goes after its end (a comment, a line continuation), and now and then, while a
// statement is broken, into another statement. Every tree of a text without errors must
// equal a fresh parse, one of a piece holding an error the statement's text parsed alone
// (checkReparse), and each must say truly what it replaced. Most keystrokes must be
// reparsed in a piece, and leaving one (an edit elsewhere, or one inside it that it cannot
// take) must splice from the tree before.
func TestPieceMatchesFreshParse(t *testing.T) {
	files, _ := filepath.Glob("../rules/testdata/clean/*.py")
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	var srcs [][]byte
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, src, bytes.ReplaceAll(src, []byte("\n"), []byte("\r\n")),
			bytes.ReplaceAll(src, []byte("        return "), []byte("        形状 = 1  # 😀\n        return ")))
	}
	p := NewParser()
	defer p.Close()
	r := rand.New(rand.NewSource(3))
	keystrokes, pieces, left, broke, broken, leftBroken := 0, 0, 0, 0, 0, 0
	for _, src := range srcs {
		doc, err := p.Parse(context.Background(), src)
		if err != nil {
			t.Fatal(err)
		}
		edit := func(next []byte, e Edit) {
			t.Helper()
			nd, err := p.Reparse(context.Background(), doc, [][]byte{src}, []Edit{e}, next)
			if err != nil {
				t.Fatal(err)
			}
			checkReparse(t, p, doc, nd, next)
			keystrokes++
			if doc.pieceBroken() && nd.piece == nil {
				leftBroken++
			}
			if nd.pieceBroken() {
				broken++
			}
			if nd.piece != nil {
				pieces++
			} else if doc.piece != nil && nd.Tree().Spliced() != nil {
				left++
				if e.Start > doc.sinceBase.Start && e.OldEnd < doc.sinceBase.NewEnd {
					broke++ // inside the piece: reparsed from the base in one go
				}
			}
			doc.Close()
			doc, src = nd, next
		}
		for session := 0; session < 40; session++ {
			ids := doc.Tree().kidIDs()
			k := ids[r.Intn(len(ids))]
			lo, hi := doc.Tree().Start(k), doc.Tree().End(k)
			if hi-lo < 2 {
				continue
			}
			at := lo + 1 + r.Intn(hi-lo-1)
			word := []byte("abcdefghij_0123456789")[:1+r.Intn(8)]
			switch r.Intn(10) {
			case 0:
				word = []byte("(")
			case 1:
				word = []byte("\n")
			case 2:
				at = hi // after the statement's last token
				word = []byte(" # note")
			case 3:
				at = hi // a line continuation: the next statement would go on this one
				word = []byte(" \\")
			}
			for i, c := range word {
				pos := at + i
				next := append(append(append([]byte{}, src[:pos]...), c), src[pos:]...)
				edit(next, Edit{Start: pos, OldEnd: pos, NewEnd: pos + 1})
			}
			if doc.pieceBroken() && r.Intn(2) == 0 {
				// while the statement is broken, a word typed and deleted in another one
				cur := doc.Tree().kidIDs()
				if j := r.Intn(len(cur)); j != doc.piece.kid {
					if o := int(doc.Tree().Start(cur[j])) + 1; o < len(src) {
						next := append(append(append([]byte{}, src[:o]...), 'z'), src[o:]...)
						edit(next, Edit{Start: o, OldEnd: o, NewEnd: o + 1})
						next = append(append([]byte{}, src[:o]...), src[o+1:]...)
						edit(next, Edit{Start: o, OldEnd: o + 1, NewEnd: o})
					}
				}
			}
			for i := len(word) - 1; i >= 0; i-- {
				pos := at + i
				next := append(append([]byte{}, src[:pos]...), src[pos+1:]...)
				edit(next, Edit{Start: pos, OldEnd: pos + 1, NewEnd: pos})
			}
		}
		doc.Close()
	}
	if pieces < keystrokes/2 {
		t.Errorf("%d of %d keystrokes reparsed in a piece, want most", pieces, keystrokes)
	}
	if left == 0 || broke == 0 || broken == 0 || leftBroken == 0 {
		t.Errorf("%d keystrokes left a piece with a splice from the tree before, %d of them inside it; %d made a piece holding an error, %d left one; want some of each", left, broke, broken, leftBroken)
	}
	t.Logf("%d keystrokes, %d in a piece (%d holding an error), %d leaving one (%d inside it, %d leaving one with an error)", keystrokes, pieces, broken, left, broke, leftBroken)
}

// FuzzPiece: three edits of any text in a row, each reparsed from the document before (in a
// piece when it falls inside one statement), give the trees checkReparse requires.
func FuzzPiece(f *testing.F) {
	f.Add([]byte("import torch\n\nclass M:\n    def forward(self, x):\n        return x\n\ny = 1\n"), uint16(50), "a", uint16(51), "b", uint16(52), "(")
	f.Add([]byte("def f():\n    return 1\n\n\ndef g():\n    pass\n"), uint16(20), "\\", uint16(5), "x", uint16(30), "\n")
	f.Fuzz(func(t *testing.T, src []byte, at1 uint16, ins1 string, at2 uint16, ins2 string, at3 uint16, ins3 string) {
		if len(src) > 1<<14 {
			return
		}
		p := NewParser()
		defer p.Close()
		doc, err := p.Parse(context.Background(), src)
		if err != nil {
			t.Skip()
		}
		defer func() { doc.Close() }()
		for _, e := range []struct {
			at  uint16
			ins string
		}{{at1, ins1}, {at2, ins2}, {at3, ins3}} {
			start := int(e.at) % (len(src) + 1)
			next := append(append(append([]byte{}, src[:start]...), e.ins...), src[start:]...)
			nd, err := p.Reparse(context.Background(), doc, [][]byte{src}, []Edit{{Start: start, OldEnd: start, NewEnd: start + len(e.ins)}}, next)
			if err != nil {
				if _, ferr := p.Parse(context.Background(), next); ferr == nil || ferr.Error() != err.Error() {
					t.Fatalf("Reparse: %v; fresh parse: %v", err, ferr)
				}
				return
			}
			checkReparse(t, p, doc, nd, next)
			doc.Close()
			doc, src = nd, next
		}
	})
}

// TestSettle: a document typed into in a piece lags (its file's tree-sitter tree is an
// earlier text's); Settle brings that tree up to the text, keeping the flat tree and the
// piece, so that the next keystroke in the statement still reparses only it, and one in
// another statement starts a piece of its own, spliced from the settled document. A
// document that does not lag settles to itself.
func TestSettle(t *testing.T) {
	src, err := os.ReadFile("../rules/testdata/clean/resnet.py")
	if err != nil {
		t.Fatal(err)
	}
	p := NewParser()
	defer p.Close()
	doc, err := p.Parse(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := p.Settle(context.Background(), doc); err != nil || d != doc {
		t.Fatalf("Settle of a fresh parse: %v, %v", d, err)
	}
	typeAt := func(at int, c byte) {
		t.Helper()
		next := append(append(append([]byte{}, src[:at]...), c), src[at:]...)
		nd, err := p.Reparse(context.Background(), doc, [][]byte{src}, []Edit{{Start: at, OldEnd: at, NewEnd: at + 1}}, next)
		if err != nil {
			t.Fatal(err)
		}
		checkReparse(t, p, doc, nd, next)
		doc, src = nd, next
	}
	const fwd = "def forward(self, x: torch.Tensor"
	at := bytes.Index(src, []byte(fwd)) + len(fwd)
	other := bytes.Index(src, []byte("import torch\n")) + len("import torch")
	if at < len(fwd) || other < len("import torch") || other > at {
		t.Fatal("resnet.py changed: no forward, or no import before it")
	}
	for i, c := range []byte(", y") {
		typeAt(at+i, c)
	}
	if doc.piece == nil || !doc.Lags() {
		t.Fatalf("three keystrokes in a forward: piece %v, lags %v", doc.piece != nil, doc.Lags())
	}
	settled, err := p.Settle(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	if settled.Lags() || settled.Tree() != doc.Tree() || settled.piece == nil {
		t.Fatalf("settled: lags %v, same flat tree %v, piece %v", settled.Lags(), settled.Tree() == doc.Tree(), settled.piece != nil)
	}
	nodes, depth, err := flatten(settled.ts, nil)
	if err != nil {
		t.Fatal(err)
	}
	sameTree(t, settled.Tree(), &Tree{src: src, nodes: nodes, depth: depth})
	doc.Close()
	doc, settledSrc := settled, src
	typeAt(at+3, 'z') // on in the piece
	if doc.piece == nil {
		t.Fatal("the keystroke after settling was not reparsed in the piece")
	}
	doc.Close()
	doc, src = settled, settledSrc
	// another statement: no catching up, a piece of its own spliced from the settled tree
	settledTree, was := doc.Tree(), doc.piece.kid
	typeAt(other, 'x')
	if doc.piece == nil || doc.piece.kid == was || doc.Tree().Spliced() == nil || !doc.Tree().Spliced().From(settledTree) {
		t.Fatalf("a keystroke in another statement: piece %v, spliced from the settled tree %v", doc.piece != nil, doc.Tree().Spliced() != nil && doc.Tree().Spliced().From(settledTree))
	}
	doc.Close()
}

// TestBrokenPiece: a keystroke that breaks a statement stays in its piece, which then
// neither lags (Settle leaves it) nor catches up: a keystroke in another statement splices
// from the text before in one reparse, and several edits at once parse the text afresh.
func TestBrokenPiece(t *testing.T) {
	ctx := context.Background()
	p := NewParser()
	defer p.Close()
	src := []byte("import torch\n\n\ndef f(x):\n    y = x\n    return y\n\n\ndef g():\n    pass\n")
	doc, err := p.Parse(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { doc.Close() }()
	insert := func(at int, s string) ([]byte, Edit) {
		return slices.Concat(src[:at], []byte(s), src[at:]), Edit{Start: at, OldEnd: at, NewEnd: at + len(s)}
	}
	step := func(next []byte, e Edit) *Document {
		t.Helper()
		nd, err := p.Reparse(ctx, doc, [][]byte{src}, []Edit{e}, next)
		if err != nil {
			t.Fatal(err)
		}
		checkReparse(t, p, doc, nd, next)
		doc.Close()
		doc, src = nd, next
		return nd
	}
	at := bytes.Index(src, []byte("y = x")) + len("y = x")
	step(insert(at, " "))   // a fresh parse's document: the statement alone, from scratch
	step(insert(at+1, "+")) // in the piece: y = x + is broken
	if !doc.pieceBroken() || doc.Lags() {
		t.Fatalf("after y = x +: a piece holding an error %v, lagging %v; want a broken piece that does not lag", doc.pieceBroken(), doc.Lags())
	}
	if d, err := p.Settle(ctx, doc); err != nil || d != doc {
		t.Fatalf("Settle of a broken piece: %v, %v; want the document itself", d, err)
	}
	step(insert(at+2, " ")) // still broken, still in the piece
	if !doc.pieceBroken() {
		t.Fatal("after y = x + : not a broken piece")
	}
	// a keystroke in g while f is broken: one reparse of the file, spliced from the text before
	before := doc.Tree()
	g := bytes.Index(src, []byte("pass"))
	nd := step(insert(g, "x"))
	if nd.piece != nil || nd.Tree().Spliced() == nil || !nd.Tree().Spliced().From(before) {
		t.Fatalf("a keystroke in another statement: piece %v, splice %+v", nd.piece != nil, nd.Tree().Spliced())
	}
	// back into f, broken again in a piece, then two edits at once
	step(insert(at+3, "1"))
	step(insert(at+4, "*"))
	if !doc.pieceBroken() {
		t.Fatal("after y = x + 1*: not a broken piece")
	}
	g = bytes.Index(src, []byte("xpass"))
	first := slices.Concat(src[:at+5], []byte("2"), src[at+5:])
	next := slices.Concat(first[:g+1], []byte("y"), first[g+1:])
	olds := [][]byte{src, first}
	nd, err = p.Reparse(ctx, doc, olds, []Edit{{Start: at + 5, OldEnd: at + 5, NewEnd: at + 6}, {Start: g + 1, OldEnd: g + 1, NewEnd: g + 2}}, next)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := p.Parse(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	sameTree(t, nd.Tree(), fresh.Tree())
	if nd.Tree().Spliced() != nil || nd.piece != nil {
		t.Error("two edits at once after a broken piece were spliced or kept a piece")
	}
	doc.Close()
	doc = nd
}
