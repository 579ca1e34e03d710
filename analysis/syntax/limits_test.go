package syntax

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// unaryChain is "y = -...-x" with n minus signs: a tree of depth n+4 (module, statement,
// assignment, n unary operators, x).
func unaryChain(n int) []byte { return []byte("y = " + strings.Repeat("-", n) + "x\n") }

// parseAllWays parses src with ParseTree, Parse, and Reparse from a shallow document by
// one edit (the splice path) and by two (a full flatten), and returns their errors.
func parseAllWays(t *testing.T, src []byte) map[string]error {
	t.Helper()
	p := NewParser()
	defer p.Close()
	out := map[string]error{}
	tr, err := p.ParseTree(context.Background(), src)
	out["ParseTree"] = err
	checkDepth(t, "ParseTree", tr, err)
	d, err := p.Parse(context.Background(), src)
	out["Parse"] = err
	if d != nil {
		checkDepth(t, "Parse", d.Tree(), err)
		d.Close()
	}
	// the same text reached by edits: "y = x\n" plus an insertion of the minus signs, as
	// one edit and as two
	base := []byte("y = x\n")
	old, err := p.Parse(context.Background(), base)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	ins := src[4 : len(src)-2]
	one, err := p.Reparse(context.Background(), old, [][]byte{base}, []Edit{{Start: 4, OldEnd: 4, NewEnd: 4 + len(ins)}}, src)
	out["Reparse (splice)"] = err
	if one != nil {
		checkDepth(t, "Reparse (splice)", one.Tree(), err)
		one.Close()
	}
	half := len(ins) / 2
	mid := append(append(append([]byte{}, base[:4]...), ins[:half]...), base[4:]...)
	two, err := p.Reparse(context.Background(), old, [][]byte{base, mid},
		[]Edit{{Start: 4, OldEnd: 4, NewEnd: 4 + half}, {Start: 4 + half, OldEnd: 4 + half, NewEnd: 4 + len(ins)}}, src)
	out["Reparse (two edits)"] = err
	if two != nil {
		checkDepth(t, "Reparse (two edits)", two.Tree(), err)
		two.Close()
	}
	return out
}

func checkDepth(t *testing.T, how string, tr *Tree, err error) {
	t.Helper()
	if err == nil && (tr == nil || tr.Depth() > MaxDepth) {
		t.Errorf("%s: no error, but depth %d", how, tr.Depth())
	}
}

// TestDepthLimit: a tree exactly MaxDepth deep is analysed, one level deeper is refused
// with a *DepthError that gives the depth and the offset of the first node below the
// limit, whichever way the tree was built.
func TestDepthLimit(t *testing.T) {
	src := unaryChain(MaxDepth - 4)
	for how, err := range parseAllWays(t, src) {
		if err != nil {
			t.Errorf("%s: depth %d refused: %v", how, MaxDepth, err)
		}
	}
	p := NewParser()
	tr, _ := p.ParseTree(context.Background(), src)
	if tr.Depth() != MaxDepth {
		t.Errorf("depth of a chain of %d minus signs: %d, want %d", MaxDepth-4, tr.Depth(), MaxDepth)
	}
	p.Close()

	deeper := unaryChain(MaxDepth - 3)
	for how, err := range parseAllWays(t, deeper) {
		var de *DepthError
		if !errors.As(err, &de) {
			t.Errorf("%s: %v, want a *DepthError", how, err)
			continue
		}
		// the first node past the limit in pre-order is the token "-" of the innermost
		// unary operator (its operand comes after it)
		if de.Depth != MaxDepth+1 || de.Offset != bytes.LastIndexByte(deeper, '-') {
			t.Errorf("%s: %+v, want depth %d at byte %d", how, de, MaxDepth+1, bytes.LastIndexByte(deeper, '-'))
		}
		want := "too deeply nested: depth 4001, limit 4000"
		if err.Error() != want {
			t.Errorf("%s: %q, want %q", how, err, want)
		}
	}
}

// TestDepthOfCodeCPythonCompiles: the deepest code CPython 3.11 compiles in each of these
// shapes (the largest n for which compile() succeeds, measured by bench/cpython-depth.py)
// stays within MaxDepth, with room to spare: the limit refuses only what Python refuses.
func TestDepthOfCodeCPythonCompiles(t *testing.T) {
	sum := func(n int) string { return strings.TrimSuffix(strings.Repeat("x+", n), "+") }
	elif := func(levels int, body string) string {
		var b strings.Builder
		for i := 0; i < levels; i++ {
			ind := strings.Repeat(" ", i)
			b.WriteString(ind + "if x:\n" + ind + " pass\n" + ind + "elif y:\n")
		}
		return b.String() + strings.Repeat(" ", levels) + body + "\n"
	}
	cases := map[string]string{
		"unary minus, n=2992":                   "y = " + strings.Repeat("-", 2992) + "x\n",
		"sum, n=2993":                           "y = " + sum(2993) + "\n",
		"call chain, n=2992":                    "y = x" + strings.Repeat("()", 2992) + "\n",
		"attribute chain, n=2992":               "y = x" + strings.Repeat(".a", 2992) + "\n",
		"lambdas, n=2983":                       "f = " + strings.Repeat("lambda: ", 2983) + "x\n",
		"conditional expressions, n=2992":       "y = " + strings.Repeat("a if b else ", 2992) + "c\n",
		"200 parentheses around a sum, n=2993":  "y = " + strings.Repeat("(", 200) + sum(2993) + strings.Repeat(")", 200) + "\n",
		"200 nested calls around a sum, n=2793": "y = " + strings.Repeat("f(", 200) + sum(2793) + strings.Repeat(")", 200) + "\n",
		"50 elifs, 190 keyword calls, n=2703":   elif(50, "y = "+strings.Repeat("f(a=", 190)+sum(2703)+strings.Repeat(")", 190)),
	}
	p := NewParser()
	defer p.Close()
	deepest := 0
	for name, src := range cases {
		tr, err := p.ParseTree(context.Background(), []byte(src))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if tr.HasError(tr.Root()) {
			t.Errorf("%s: the generated code has a syntax error", name)
		}
		deepest = max(deepest, tr.Depth())
	}
	if deepest < 3000 || deepest > MaxDepth*9/10 {
		t.Errorf("the deepest tree is %d deep: want it between 3000 and 90%% of MaxDepth (%d)", deepest, MaxDepth)
	}
}

// TestParseBudgets: inputs that make tree-sitter allocate or rescan quadratically stop at
// their budget with ErrTooComplex, on both parse paths, and the parser then parses the
// next source normally (tree-sitter would otherwise resume the stopped parse). Ordinary
// code stays far within the budgets.
func TestParseBudgets(t *testing.T) {
	code := bytes.Join(fixtureSources(t)[:40], nil)
	for name, src := range map[string][]byte{
		// each line continuation makes the scanner skip the rest of the run again
		"line continuations": bytes.Repeat([]byte("\\\n"), 300_000),
		// tree-sitter's error recovery allocates quadratically here
		"garbled punctuation": bytes.Repeat([]byte("@)]}:=,.\n"), 6000),
	} {
		p := NewParser()
		if _, err := p.ParseTree(context.Background(), src); !errors.Is(err, ErrTooComplex) {
			t.Errorf("ParseTree of %s: %v, want ErrTooComplex", name, err)
		}
		if _, err := p.Parse(context.Background(), src); !errors.Is(err, ErrTooComplex) {
			t.Errorf("Parse of %s: %v, want ErrTooComplex", name, err)
		}
		parseBothWays(t, p, code)
		p.Close()
	}
	p := NewParser()
	defer p.Close()
	if _, err := p.ParseTree(context.Background(), code); err != nil {
		t.Fatal(err)
	}
	st := lastParse.Load()
	alloc, read := parseLimits(len(code))
	if perByte := st.Allocated / int64(len(code)); perByte > 64 || st.Allocated > alloc/2 {
		t.Errorf("ordinary code allocated %d bytes per byte", perByte)
	}
	if st.Read > 2*int64(len(code)) || st.Read > read/4 {
		t.Errorf("ordinary code was read %.1f times", float64(st.Read)/float64(len(code)))
	}
}

// TestLineEndingsParse: a source with lone "\r" endings (CPython reads them) parses as the
// same source with "\n" endings, node for node and offset for offset, on every path; its
// Newline is "\r"; "\r\n" sources parse as they are.
func TestLineEndingsParse(t *testing.T) {
	lf := "import torch\nclass M(torch.nn.Module):\n    def forward(self, x):\n        return x\n"
	cr := strings.ReplaceAll(lf, "\n", "\r")
	crlf := strings.ReplaceAll(lf, "\n", "\r\n")
	p := NewParser()
	defer p.Close()
	want, err := p.ParseTree(context.Background(), []byte(lf))
	if err != nil {
		t.Fatal(err)
	}
	got := parseBothWays(t, p, []byte(cr))
	if got.HasError(got.Root()) || string(got.Source()) != lf || got.Newline() != "\r" || got.Len() != want.Len() {
		t.Fatalf("lone \\r: errors %v, newline %q, %d nodes (want %d)", got.HasError(got.Root()), got.Newline(), got.Len(), want.Len())
	}
	sameTree(t, got, want)
	// an edit of a lone-\r document reparses from scratch, to the same tree
	doc, _ := p.Parse(context.Background(), []byte(cr))
	next := []byte(strings.Replace(cr, "return x", "return y", 1))
	at := strings.Index(cr, "return x") + len("return ")
	nd, err := p.Reparse(context.Background(), doc, [][]byte{[]byte(cr)}, []Edit{{Start: at, OldEnd: at + 1, NewEnd: at + 1}}, next)
	if err != nil || nd.Tree().HasError(0) || nd.Tree().Newline() != "\r" || !bytes.Contains(nd.Tree().Source(), []byte("return y\n")) {
		t.Errorf("reparse of a lone-\\r document: %v", err)
	}
	c := parseBothWays(t, p, []byte(crlf))
	if c.HasError(c.Root()) || c.Newline() != "\r\n" || string(c.Source()) != crlf {
		t.Errorf("\\r\\n: errors %v, newline %q", c.HasError(c.Root()), c.Newline())
	}
	if w := want.Newline(); w != "\n" {
		t.Errorf("\\n: newline %q", w)
	}
}
