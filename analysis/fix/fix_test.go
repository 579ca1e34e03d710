package fix

import (
	"context"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

func parse(t *testing.T, src string) *analysis.File {
	t.Helper()
	p := syntax.NewParser()
	defer p.Close()
	f, err := analysis.Parse(context.Background(), p, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// node returns the smallest named node spelling text exactly, at its first occurrence.
func node(t *testing.T, f *analysis.File, text string) analysis.NodeID {
	t.Helper()
	off := strings.Index(string(f.Src), text)
	if off < 0 {
		t.Fatalf("%q not in source", text)
	}
	n := f.Tree.NodeAt(off)
	for n != analysis.NoNode && f.Tree.End(n)-f.Tree.Start(n) < len(text) {
		n = f.Tree.Parent(n)
	}
	if n == analysis.NoNode || f.Tree.String(n) != text {
		t.Fatalf("no node spans %q", text)
	}
	return n
}

func apply(t *testing.T, f *analysis.File, edits ...analysis.Edit) string {
	t.Helper()
	out, err := analysis.ApplyEdits(f.Src, edits)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestSnippets(t *testing.T) {
	f := parse(t, "y = foo(a,\n        b)\nz = "+strings.Repeat("x_é + ", 12)+"x\n")
	long := node(t, f, strings.Repeat("x_é + ", 12)+"x")
	for _, tc := range []struct{ got, want string }{
		{Snippet(f.Tree, node(t, f, "foo(a,\n        b)")), "foo(a, b)"},
		{Snippet(f.Tree, analysis.NoNode), ""},
		{Snippet(f.Tree, long), "x_é + x_é + x_é + x_é + x_é + x_é + x_..."},
		{Short(f.Tree, long), "x_é + x_é + x_é + x_é + x_é + x_..."},
		{Clip("abcdef", 6), "abcdef"},
		{Clip("abcdefg", 6), "abc..."},
		{Clip("ééé", 5), "é..."},
		{Clip("aééé", 5), "a..."},
		{List(nil), ""},
		{List([]string{"x"}), "x"},
		{List([]string{"x", "y"}), "x and y"},
		{List([]string{"x", "y", "z"}), "x, y and z"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	for _, s := range []string{Snippet(f.Tree, long), Short(f.Tree, long), Clip("ééé", 5)} {
		if !strings.HasSuffix(s, "...") || strings.ContainsRune(s, '\uFFFD') || !utf8Valid(s) {
			t.Errorf("%q: cut inside a character", s)
		}
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "?") == s }

func TestOperandAndQuote(t *testing.T) {
	f := parse(t, "a = x.y + f(z)[0] - (p or q)\nb = 'k'\nc = \"k\"\n")
	for text, want := range map[string]string{
		"x.y":           "x.y",
		"f(z)[0]":       "f(z)[0]",
		"(p or q)":      "(p or q)",
		"x.y + f(z)[0]": "(x.y + f(z)[0])",
		"p or q":        "(p or q)",
		"f(z)":          "f(z)",
	} {
		if got := Operand(f.Tree, node(t, f, text)); got != want {
			t.Errorf("Operand(%s) = %q, want %q", text, got, want)
		}
	}
	if got := QuoteLike(f.Tree, node(t, f, "'k'"), "v"); got != "'v'" {
		t.Errorf("QuoteLike single: %q", got)
	}
	if got := QuoteLike(f.Tree, node(t, f, `"k"`), "v"); got != `"v"` {
		t.Errorf("QuoteLike double: %q", got)
	}
}

func TestImporter(t *testing.T) {
	for _, tc := range []struct {
		name, src            string
		torch, nn, dim, edit string // edit: the source after Torch's import edit ("" when none)
	}{
		{"plain", "import torch\nx = 1\n", "torch", "torch.nn", "torch.export.Dim", ""},
		{"alias", "import torch as T\nimport torch as A\n", "A", "A.nn", "A.export.Dim", ""},
		{"from imports", "import torch\nfrom torch import nn\nfrom torch.export import Dim\n", "torch", "nn", "Dim", ""},
		{"export module", "import torch\nimport torch.export as te\n", "torch", "torch.nn", "te.Dim", ""},
		{"dim alias", "from torch.export.dynamic_shapes import Dim as D\n", "torch", "torch.nn", "D", "import torch\nfrom torch.export.dynamic_shapes import Dim as D\n"},
		{"no imports", "x = 1\n", "torch", "torch.nn", "torch.export.Dim", "import torch\nx = 1\n"},
		{"future first", "from __future__ import annotations\nx = 1\n", "torch", "torch.nn", "torch.export.Dim",
			"from __future__ import annotations\nimport torch\nx = 1\n"},
		{"before first import", "\"\"\"doc\"\"\"\nimport os\nimport numpy as np\n", "torch", "torch.nn", "torch.export.Dim",
			"\"\"\"doc\"\"\"\nimport torch\nimport os\nimport numpy as np\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := parse(t, tc.src)
			im := NewImporter(f)
			torch, imp := im.Torch()
			nn, _ := im.NN()
			dim, _ := im.Dim()
			if torch != tc.torch || nn != tc.nn || dim != tc.dim {
				t.Errorf("Torch, NN, Dim = %q, %q, %q; want %q, %q, %q", torch, nn, dim, tc.torch, tc.nn, tc.dim)
			}
			switch {
			case tc.edit == "" && imp != nil:
				t.Errorf("unexpected import edit %+v", *imp)
			case tc.edit != "" && imp == nil:
				t.Errorf("no import edit")
			case imp != nil:
				if got := apply(t, f, *imp); got != tc.edit {
					t.Errorf("after the import edit:\n%s\nwant:\n%s", got, tc.edit)
				}
			}
		})
	}
	if got := NewImporter(parse(t, "import numpy\n")).Bound("torch"); got != "" {
		t.Errorf("Bound(torch) in a file without torch = %q", got)
	}
}

func TestRewriteImport(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"from m import a, b as c, d\nx = 1\n", "from m import b as c, d\nx = 1\n"},
		{"from m import a\nx = 1\n", "x = 1\n"},
		{"if x:\n    from m import a\n", "if x:\n    pass\n"},
		{"import os; from m import a\n", "import os; \n"},
	} {
		f := parse(t, tc.src)
		st := f.Nodes(syntax.KindImportFromStatement)[0]
		keep, removed := SplitImport(f.Tree, st, func(name string) bool { return name == "a" })
		if !removed {
			t.Errorf("%q: a not removed", tc.src)
		}
		if got := apply(t, f, RewriteImport(f, st, keep)); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.src, got, tc.want)
		}
	}
	f := parse(t, "from m import b\n")
	if _, removed := SplitImport(f.Tree, f.Nodes(syntax.KindImportFromStatement)[0], func(name string) bool { return name == "a" }); removed {
		t.Error("nothing to remove, but removed")
	}
}

func TestLines(t *testing.T) {
	src := "def f(x):\n    a = x.item()  # note\n    b = 1; c = 2\n    d = g(1,\n          2)\n    e = 3 \\\n        + 4\n    return a\n\n\ndef h(): return 1\n"
	f := parse(t, src)
	tr := f.Tree
	a, b, d, e := node(t, f, "a = x.item()"), node(t, f, "b = 1"), node(t, f, "d = g(1,\n          2)"), node(t, f, "e = 3 \\\n        + 4")
	if st := Statement(tr, node(t, f, "x.item()")); tr.String(st) != "a = x.item()" {
		t.Errorf("Statement = %q", tr.String(st))
	}
	if !StartsLine(f, Statement(tr, a)) || StartsLine(f, Statement(tr, node(t, f, "c = 2"))) {
		t.Error("StartsLine")
	}
	if _, alone := StatementLine(f, Statement(tr, a)); !alone {
		t.Error("a = x.item() is alone on its line")
	}
	if _, alone := StatementLine(f, Statement(tr, d)); alone {
		t.Error("d spans two lines")
	}
	if end, ok := LineEnd(f, tr.End(a)); !ok || src[end] != '\n' || !strings.HasSuffix(src[:end], "# note") {
		t.Errorf("LineEnd after a: %d %v", end, ok)
	}
	if _, ok := LineEnd(f, tr.Start(e)); ok {
		t.Error("LineEnd on a line continued by a backslash")
	}
	if got := apply(t, f, DeleteStatement(f, Statement(tr, d))); strings.Contains(got, "g(1") || !strings.Contains(got, "c = 2\n    e = 3") {
		t.Errorf("DeleteStatement of a whole line:\n%s", got)
	}
	if got := apply(t, f, DeleteStatement(f, Statement(tr, b))); !strings.Contains(got, "    ; c = 2\n") {
		t.Errorf("DeleteStatement sharing its line:\n%s", got)
	}
	fn := f.Funcs[0]
	at, ind, ok := BodyEnd(f, fn)
	if !ok || ind != "    " || !strings.HasSuffix(src[:at], "return a") {
		t.Errorf("BodyEnd = %d %q %v", at, ind, ok)
	}
	if _, _, ok := BodyEnd(f, f.Funcs[1]); ok {
		t.Error("BodyEnd of a one-line def")
	}
	if IndentUnit("\t\t") != "\t" || IndentUnit("  ") != "    " {
		t.Error("IndentUnit")
	}
	if !NameUsed(f, fn, "a") || !NameUsed(f, fn, "h") || NameUsed(f, fn, "item") || NameUsed(f, fn, "zz") {
		t.Error("NameUsed")
	}
}

func TestIfAsCond(t *testing.T) {
	src := `import torch
import lib


class M(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(4, 4)

    def forward(self, x, n: int):
        h = self.proj(x)
        o = lib.helper(x)
        k = x.shape[0]
        if x.sum() > 0:
            return h * k + o
        return h - n
`
	f := parse(t, src)
	var stmt analysis.NodeID = analysis.NoNode
	for _, n := range f.Nodes(syntax.KindIfStatement) {
		stmt = n
	}
	fx, ok := IfAsCond(f, f.Funcs[1], stmt)
	if !ok {
		t.Fatal("no fix")
	}
	// h may be a tensor: an operand; o (what lib.helper returns is unknown), k (a size) and n
	// (an int) stay closed over, which torch.cond allows
	want := "        return torch.cond(x.sum() > 0, lambda h: h * k + o, lambda h: h - n, (h,))\n"
	if got := apply(t, f, fx.Edits...); !strings.HasSuffix(got, want) {
		t.Errorf("got:\n%s\nwant the last line:\n%s", got, want)
	}
	if fx.Title != IfAsCondTitle || fx.Safety != analysis.Unsafe {
		t.Errorf("title %q, safety %v", fx.Title, fx.Safety)
	}
	// a branch returning a Python number is not rewritten
	f = parse(t, strings.Replace(src, "return h - n", "return 1.0", 1))
	for _, n := range f.Nodes(syntax.KindIfStatement) {
		stmt = n
	}
	if _, ok := IfAsCond(f, f.Funcs[1], stmt); ok {
		t.Error("rewrote an if whose branch returns a float")
	}
}

func TestDeleteElement(t *testing.T) {
	for _, c := range []struct{ src, el, want string }{
		{`d = {"x": a, "m": None, "y": b}`, `"m": None`, `d = {"x": a, "y": b}`},
		{`d = {"x": a, "m": None}`, `"m": None`, `d = {"x": a}`},
		{`d = {"x": a, "m": None,}`, `"m": None`, `d = {"x": a,}`},
		{`d = {"m": None}`, `"m": None`, `d = {}`},
		{"d = {\n    \"m\": None,\n    # y is the mask\n    \"y\": b,\n}", `"m": None`, "d = {\n    # y is the mask\n    \"y\": b,\n}"},
		{`f(a, b, c)`, `b`, `f(a, c)`},
		{`l = [a, b]`, `a`, `l = [b]`},
	} {
		f := parse(t, c.src)
		if got := apply(t, f, DeleteElement(f, node(t, f, c.el))); got != c.want {
			t.Errorf("deleting %s from %q: %q, want %q", c.el, c.src, got, c.want)
		}
	}
}
