package syntax

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// sameTree reports the first difference between an incrementally built tree and a fresh
// parse of the same text: every node's kind, field, flags, range, parent and extent.
func sameTree(t *testing.T, got, want *Tree) {
	t.Helper()
	if len(got.nodes) != len(want.nodes) {
		t.Fatalf("%d nodes, fresh parse has %d", len(got.nodes), len(want.nodes))
	}
	if got.depth != want.depth {
		t.Fatalf("depth %d, fresh parse has %d", got.depth, want.depth)
	}
	for i := range want.nodes {
		if got.nodes[i] != want.nodes[i] {
			t.Fatalf("node %d (%s %q): incremental %+v, fresh %+v", i, want.Kind(NodeID(i)), want.Text(NodeID(i)), got.nodes[i], want.nodes[i])
		}
	}
	// the root's children a splice keeps for the next one
	var walked []NodeID
	want.Children(0, func(c NodeID) bool { walked = append(walked, c); return true })
	if got.kidNodes != nil && !slices.Equal(got.kidNodes, walked) {
		t.Fatalf("the splice kept the root's children %v, the tree has %v", got.kidNodes, walked)
	}
}

var editSnippets = []string{"", " ", "\n", "x", "(", ")", ":", "    ", "def f(self, x):\n        return x\n", "class A:\n", "# c\n", "'''", "\"", "round(x.shape[0] / 2)", "\t", "é", "😀", "\r\n", "变量 = 1\n", "import os\n"}

// applyRandomEdit makes one random edit of src, returning the new text and the edit.
func applyRandomEdit(r *rand.Rand, src []byte) ([]byte, Edit) {
	start := r.Intn(len(src) + 1)
	end := start
	if r.Intn(2) == 0 && start < len(src) {
		end = start + r.Intn(min(40, len(src)-start)+1)
	}
	ins := editSnippets[r.Intn(len(editSnippets))]
	next := make([]byte, 0, len(src)+len(ins))
	next = append(next, src[:start]...)
	next = append(next, ins...)
	next = append(next, src[end:]...)
	return next, Edit{Start: start, OldEnd: end, NewEnd: start + len(ins)}
}

// checkReparse checks an incremental result: its flat tree must equal a full flatten of
// the same tree-sitter tree (the splice is exact), and, when neither the old nor the new
// text has syntax errors, a fresh parse (tree-sitter's error recovery may legitimately
// settle differently when reusing a broken tree).
//
// A document whose edit was reparsed in a piece (piece.go) keeps an earlier text's
// tree-sitter tree; its flat tree must equal a fresh parse where the text has no errors,
// and hold the statement parsed alone where it has (checkBrokenPiece).
func checkReparse(t *testing.T, p *Parser, old, nd *Document, next []byte) {
	t.Helper()
	checkSplice(t, old.Tree(), nd.Tree())
	fresh, err := p.Parse(context.Background(), next)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if nd.piece != nil {
		if fresh.Tree().HasError(0) {
			checkBrokenPiece(t, p, nd, next)
			return
		}
		sameTree(t, nd.Tree(), fresh.Tree())
		return
	}
	nodes, depth, err := flatten(nd.ts, nil)
	if err != nil {
		t.Fatal(err)
	}
	sameTree(t, nd.Tree(), &Tree{src: next, nodes: nodes, depth: depth})
	if !old.Tree().HasError(0) && !fresh.Tree().HasError(0) {
		sameTree(t, nd.Tree(), fresh.Tree())
	}
}

// checkBrokenPiece checks a piece document of a text with a syntax error: the error lies in
// the piece's statement alone, whose nodes are those of a fresh parse of its text alone
// (the statement's own error recovery), of the kind the statement was, at its place.
func checkBrokenPiece(t *testing.T, p *Parser, nd *Document, next []byte) {
	t.Helper()
	tr := nd.Tree()
	ids := tr.kidIDs()
	k := nd.piece.kid
	lo, hi, end := ids[k], NodeID(tr.Len()), len(next)
	if k+1 < len(ids) {
		hi, end = ids[k+1], int(tr.Start(ids[k+1]))
	}
	for i, id := range ids {
		if i != k && tr.HasError(id) {
			t.Fatalf("a piece in statement %d, and an error in statement %d:\n%s", k, i, next)
		}
	}
	if !tr.HasError(lo) || !tr.HasError(0) {
		t.Fatalf("the text has an error, but the tree none in its piece (%v) or root (%v):\n%s", tr.HasError(lo), tr.HasError(0), next)
	}
	alone, err := p.Parse(context.Background(), next[nd.piece.start:end])
	if err != nil {
		t.Fatal(err)
	}
	defer alone.Close()
	at := alone.Tree()
	if at.Len()-1 != int(hi-lo) {
		t.Fatalf("the piece's statement has %d nodes, its text parsed alone %d", hi-lo, at.Len()-1)
	}
	move := func(id NodeID) NodeID {
		if id == 0 {
			return 0
		}
		return id - 1 + lo
	}
	off := uint32(nd.piece.start)
	for i := NodeID(1); int(i) < at.Len(); i++ {
		a, g := at.nodes[i], tr.nodes[move(i)]
		want := node{kind: a.kind, field: a.field, flags: a.flags, parent: move(a.parent), after: move(a.after), start: a.start + off, end: a.end + off}
		if g != want {
			t.Fatalf("node %d of the piece: %+v, its text parsed alone gives %+v:\n%s", move(i), g, want, next)
		}
	}
}

// checkSplice checks that what a spliced tree says of its origin holds: the nodes before Lo
// are the origin's, those from NewHi on are the origin's from OldHi on moved by Shift and
// Delta, the nodes between are whole children of the root, and the nesting kept per root
// child is what the nodes say.
func checkSplice(t *testing.T, old, nt *Tree) {
	t.Helper()
	sp := nt.Spliced()
	if sp == nil {
		return
	}
	if !sp.From(old) || sp.From(nt) {
		t.Fatalf("splice names the wrong origin")
	}
	if sp.Lo < 1 || sp.Lo > sp.NewHi || sp.Lo > sp.OldHi || int(sp.NewHi) > nt.Len() || int(sp.OldHi) > old.Len() ||
		nt.Len()-int(sp.NewHi) != old.Len()-int(sp.OldHi) {
		t.Fatalf("splice %+v out of range (old %d nodes, new %d)", sp, old.Len(), nt.Len())
	}
	for i := NodeID(1); i < sp.Lo; i++ {
		if nt.nodes[i] != old.nodes[i] {
			t.Fatalf("node %d before the splice: %+v, origin %+v", i, nt.nodes[i], old.nodes[i])
		}
	}
	for i := sp.NewHi; int(i) < nt.Len(); i++ {
		o := old.nodes[i-sp.Shift()]
		want := node{kind: o.kind, field: o.field, flags: o.flags, parent: o.parent, after: o.after + sp.Shift(),
			start: uint32(int(o.start) + sp.Delta()), end: uint32(int(o.end) + sp.Delta())}
		if o.parent > 0 {
			want.parent += sp.Shift()
		}
		if nt.nodes[i] != want {
			t.Fatalf("node %d after the splice: %+v, origin's moved %+v", i, nt.nodes[i], want)
		}
	}
	// no root child copied holds text the edit changed (an empty edit changes none)
	for i := NodeID(1); i < NodeID(old.Len()) && sp.Edit.Start != max(sp.Edit.OldEnd, sp.Edit.NewEnd); i = old.nodes[i].after {
		if i >= sp.Lo && i < sp.OldHi {
			continue
		}
		if o := old.nodes[i]; int(o.start) < sp.Edit.OldEnd && sp.Edit.Start < int(o.end) {
			t.Fatalf("root child %d (bytes %d-%d) was copied, but the edit %+v changed its text", i, o.start, o.end, sp.Edit)
		}
	}
	for _, b := range []NodeID{sp.Lo, sp.NewHi} {
		if int(b) < nt.Len() && nt.nodes[b].parent != 0 {
			t.Fatalf("splice bound %d is not a child of the root", b)
		}
	}
	kids := kidStats(&Tree{nodes: nt.nodes})
	if len(kids) != len(nt.kids) {
		t.Fatalf("%d root children measured, %d kept", len(kids), len(nt.kids))
	}
	for i := range kids {
		if kids[i] != nt.kids[i] {
			t.Fatalf("root child %d: nesting %+v, kept %+v", i, kids[i], nt.kids[i])
		}
	}
}

// TestReparseMatchesFreshParse applies random edits to real model files and checks that
// every incremental tree (spliced or re-flattened) equals a fresh parse, node for node.
func TestReparseMatchesFreshParse(t *testing.T) {
	files, _ := filepath.Glob("../rules/testdata/clean/*.py")
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	p := NewParser()
	defer p.Close()
	r := rand.New(rand.NewSource(1))
	spliced, reparses := 0, 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := p.Parse(context.Background(), src)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 300; i++ {
			next, e := applyRandomEdit(r, src)
			nd, err := p.Reparse(context.Background(), doc, [][]byte{src}, []Edit{e}, next)
			if err != nil {
				t.Fatal(err)
			}
			checkReparse(t, p, doc, nd, next)
			reparses++
			if nd.Tree().Spliced() != nil {
				spliced++
			}
			doc, src = nd, next
			if i%50 == 49 { // start again from the clean file now and then
				src, _ = os.ReadFile(f)
				doc, _ = p.Parse(context.Background(), src)
			}
		}
	}
	if spliced < reparses*9/10 {
		t.Errorf("%d of %d reparses spliced, want nearly all", spliced, reparses)
	}
}

// TestSpliceMatchesFlatten edits every rule and pysem fixture (broken ones included, and
// copies with CRLF line endings and with CJK and emoji text) at random, taking an edit back
// now and then, and checks each spliced tree against a full flatten of the same tree-sitter
// tree and what its Splice says against the tree before.
func TestSpliceMatchesFlatten(t *testing.T) {
	var files []string
	for _, g := range []string{"../rules/testdata/*.py", "../pysem/testdata/*.py"} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	if len(files) < 50 {
		t.Fatalf("%d fixtures", len(files))
	}
	var srcs [][]byte
	for i, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, src)
		switch i % 8 {
		case 0:
			srcs = append(srcs, bytes.ReplaceAll(src, []byte("\n"), []byte("\r\n")))
		case 4:
			srcs = append(srcs, bytes.ReplaceAll(src, []byte("    def "), []byte("    # 形状 😀 ü\n    def ")))
		}
	}
	p := NewParser()
	defer p.Close()
	r := rand.New(rand.NewSource(2))
	for _, src := range srcs {
		doc, err := p.Parse(context.Background(), src)
		if err != nil {
			t.Fatal(err)
		}
		var undo []byte // the text before the last edit
		for i := 0; i < 30; i++ {
			next, e := applyRandomEdit(r, src)
			if undo != nil && r.Intn(3) == 0 {
				// back to the text before: one edit replacing what differs
				pre, suf := commonAffixes(src, undo)
				next, e = undo, Edit{Start: pre, OldEnd: len(src) - suf, NewEnd: len(undo) - suf}
			}
			nd, err := p.Reparse(context.Background(), doc, [][]byte{src}, []Edit{e}, next)
			if err != nil {
				t.Fatal(err)
			}
			checkReparse(t, p, doc, nd, next)
			doc.Close()
			undo, doc, src = src, nd, next
		}
		doc.Close()
	}
}

// FuzzReparse: any single edit of any text gives the tree a fresh parse gives.
func FuzzReparse(f *testing.F) {
	f.Add([]byte("class M:\n    def forward(self, x):\n        return x\n"), uint16(10), uint16(2), "y")
	f.Add([]byte("import torch\n\n\ndef f():\n    pass\n"), uint16(0), uint16(0), "\n")
	f.Add([]byte("x = (1,\n"), uint16(7), uint16(0), ")")
	f.Fuzz(func(t *testing.T, src []byte, at, del uint16, ins string) {
		if len(src) > 1<<16 {
			return
		}
		start := int(at) % (len(src) + 1)
		end := start + int(del)%(len(src)-start+1)
		next := append(append(append([]byte{}, src[:start]...), ins...), src[end:]...)
		p := NewParser()
		defer p.Close()
		doc, err := p.Parse(context.Background(), src)
		if err != nil {
			t.Skip()
		}
		nd, err := p.Reparse(context.Background(), doc, [][]byte{src}, []Edit{{Start: start, OldEnd: end, NewEnd: start + len(ins)}}, next)
		if err != nil {
			// a refusal (too deep) must be what a fresh parse says
			if _, ferr := p.Parse(context.Background(), next); ferr == nil || ferr.Error() != err.Error() {
				t.Fatalf("Reparse: %v; fresh parse: %v", err, ferr)
			}
			return
		}
		checkReparse(t, p, doc, nd, next)
	})
}

// TestSpliceInsideLargeClass edits inside one method of a class of 300 (typing, deleting,
// a new line, an unclosed bracket and taking it back, a method added and removed): the
// changed root child is spliced from the tree before (what tree-sitter reused inside it is
// copied), and each tree must equal a full flatten and a fresh parse; the Splice still
// names the whole class as changed.
func TestSpliceInsideLargeClass(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("import torch\n\n\nclass Big(torch.nn.Module):\n")
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "    def m%d(self, x):\n        y = x * %d\n        return y + self.w%d(x)\n\n", i, i, i)
	}
	b.WriteString("\ndef tail(x):\n    return x\n")
	src := b.Bytes()
	at := bytes.Index(src, []byte("x * 150")) + len("x * ")
	p := NewParser()
	defer p.Close()
	doc, err := p.Parse(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	for _, ed := range []struct{ from, to string }{
		{"x * 150", "x * 1500"}, {"x * 1500", "x * 15"}, {"x * 15\n", "x * 15\n        z = y\n"},
		{"x * 15\n", "x * (15\n"}, {"x * (15\n", "x * 15\n"},
		{"    def m151", "    def extra(self):\n        return 1\n\n    def m151"},
		{"    def extra(self):\n        return 1\n\n", ""},
	} {
		i := bytes.Index(src[at-20:], []byte(ed.from))
		if i < 0 {
			t.Fatalf("%q not found after the edit point", ed.from)
		}
		i += at - 20
		next := append(append(append([]byte{}, src[:i]...), ed.to...), src[i+len(ed.from):]...)
		nd, err := p.Reparse(context.Background(), doc, [][]byte{src}, []Edit{{Start: i, OldEnd: i + len(ed.from), NewEnd: i + len(ed.to)}}, next)
		if err != nil {
			t.Fatal(err)
		}
		checkReparse(t, p, doc, nd, next)
		sp := nd.Tree().Spliced()
		if sp == nil {
			t.Fatalf("%q -> %q: not spliced", ed.from, ed.to)
		}
		if kids := nd.Tree().kidIDs(); len(kids) != 3 || sp.Lo != kids[1] || sp.NewHi != kids[2] {
			t.Errorf("%q -> %q: the splice changes nodes %d to %d, want the class (root children %v)", ed.from, ed.to, sp.Lo, sp.NewHi, kids)
		}
		doc, src = nd, next
	}
}

// TestSpliceSameLengthEdit: an edit that leaves a statement's nodes as they were but
// changes its text (a name replaced by one as long) splices that statement again, with
// the tree-sitter reparse, the statement piece and a settled base alike.
func TestSpliceSameLengthEdit(t *testing.T) {
	ctx := context.Background()
	p := NewParser()
	defer p.Close()
	src := []byte("from torch import nn\nfrom helpers import x\n\n\nclass A(nn.Module):\n    def f(self):\n        return 1\n")
	doc, err := p.Parse(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { doc.Close() }()
	for _, c := range []struct{ from, to string }{
		{"import nn", "import mm"}, // the first statement
		{"import x", "import y"},   // a middle one
		{"return 1", "return 2"},   // inside a class: a piece
		{"return 2", "return 3"},
		{"class A", "class B"},
	} {
		at := bytes.Index(src, []byte(c.from))
		next := bytes.Replace(src, []byte(c.from), []byte(c.to), 1)
		e := Edit{Start: at, OldEnd: at + len(c.from), NewEnd: at + len(c.to)}
		nd, err := p.Reparse(ctx, doc, [][]byte{src}, []Edit{e}, next)
		if err != nil {
			t.Fatal(err)
		}
		sp := nd.Tree().Spliced()
		if sp == nil {
			t.Fatalf("%s -> %s: not spliced", c.from, c.to)
		}
		checkSplice(t, doc.Tree(), nd.Tree())
		if sp.Lo == sp.NewHi {
			t.Errorf("%s -> %s: the splice %+v changes no statement", c.from, c.to, sp)
		}
		doc.Close()
		doc, src = nd, next
	}
}
