package pysem

import (
	"bytes"
	"context"
	"maps"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// sameFile reports every difference between an incrementally built File and one built from
// scratch for the same tree: each exported field, and each index the accessors read.
func sameFile(t *testing.T, where string, got, want *File) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s: "+format, append([]any{where}, args...)...)
	}
	if got.Tree != want.Tree || !bytes.Equal(got.Src, want.Src) || got.Module != want.Module || got.Path != want.Path {
		fail("tree, source, module or path differ")
	}
	if !maps.Equal(got.Imports, want.Imports) || !slices.Equal(got.ImportList, want.ImportList) ||
		!slices.Equal(got.ImportedModules, want.ImportedModules) || !slices.Equal(got.StarImports, want.StarImports) {
		fail("imports differ: %v %v, fresh %v %v", got.Imports, got.ImportList, want.Imports, want.ImportList)
	}
	for k := syntax.Kind(0); int(k) < 256; k++ {
		if !slices.Equal(got.Nodes(k), want.Nodes(k)) {
			fail("nodes of kind %s: %v, fresh %v", k, got.Nodes(k), want.Nodes(k))
		}
	}
	if !slices.Equal(got.owner, want.owner) {
		for i := range want.owner {
			if i < len(got.owner) && got.owner[i] != want.owner[i] {
				fail("owner of node %d: %d, fresh %d (%d and %d nodes)", i, got.owner[i], want.owner[i], len(got.owner), len(want.owner))
			}
		}
		fail("owners: %d, fresh %d", len(got.owner), len(want.owner))
	}
	if !slices.Equal(got.lines, want.lines) {
		fail("line starts: %v, fresh %v", got.lines, want.lines)
	}
	node := func(fn *Function) NodeID {
		if fn == nil {
			return NoNode
		}
		return fn.Node
	}
	funcNodes := func(m map[string]*Function) map[string]NodeID {
		out := map[string]NodeID{}
		for k, fn := range m {
			out[k] = fn.Node
		}
		return out
	}
	if len(got.Classes) != len(want.Classes) {
		fail("%d classes, fresh %d", len(got.Classes), len(want.Classes))
	}
	for i, w := range want.Classes {
		g := got.Classes[i]
		if g.Name != w.Name || g.Node != w.Node || !slices.Equal(g.Bases, w.Bases) || !slices.Equal(g.bases, w.bases) ||
			!maps.Equal(g.InitAttrs, w.InitAttrs) || !maps.Equal(funcNodes(g.Methods), funcNodes(w.Methods)) {
			fail("class %d: %+v, fresh %+v", i, *g, *w)
		}
		if got.ClassOf(g.Node) != g {
			fail("ClassOf(%d) is not class %d", g.Node, i)
		}
	}
	classNode := func(c *Class) NodeID {
		if c == nil {
			return NoNode
		}
		return c.Node
	}
	if len(got.Funcs) != len(want.Funcs) {
		fail("%d functions, fresh %d", len(got.Funcs), len(want.Funcs))
	}
	for i, w := range want.Funcs {
		g := got.Funcs[i]
		if g.Name != w.Name || g.Node != w.Node || g.Body != w.Body || !slices.Equal(g.Params, w.Params) ||
			!slices.Equal(g.Decorators, w.Decorators) || g.ClassMethod != w.ClassMethod || g.StaticMethod != w.StaticMethod ||
			g.index != i || w.index != i || g.bound != w.bound || g.top != w.top ||
			node(g.Parent) != node(w.Parent) || classNode(g.Class) != classNode(w.Class) ||
			!maps.Equal(funcNodes(g.nested), funcNodes(w.nested)) || (g.nested == nil) != (w.nested == nil) ||
			g.QualName() != w.QualName() {
			fail("function %d (%s, here %s): %+v, fresh %+v", i, w.QualName(), g.QualName(), g, w)
		}
		if g.Class != nil && !slices.Contains(got.Classes, g.Class) || g.Parent != nil && got.Funcs[g.Parent.index] != g.Parent {
			fail("function %d links outside its file", i)
		}
		if got.FuncAt(g.Node) != g {
			fail("FuncAt(%d) is not function %d", g.Node, i)
		}
	}
	classNodes := func(m map[string]*Class) map[string]NodeID {
		out := map[string]NodeID{}
		for k, c := range m {
			out[k] = c.Node
		}
		return out
	}
	if !maps.Equal(classNodes(got.classByName), classNodes(want.classByName)) || !maps.Equal(funcNodes(got.topFuncs), funcNodes(want.topFuncs)) {
		fail("names: %v %v, fresh %v %v", classNodes(got.classByName), funcNodes(got.topFuncs), classNodes(want.classByName), funcNodes(want.topFuncs))
	}
}

// sameTree compares two trees through what analysis reads of them, node by node.
func sameTree(t *testing.T, where string, got, want *syntax.Tree) {
	t.Helper()
	if got.Len() != want.Len() || got.Depth() != want.Depth() {
		t.Fatalf("%s: %d nodes of depth %d, fresh parse %d of depth %d", where, got.Len(), got.Depth(), want.Len(), want.Depth())
	}
	for i := NodeID(0); int(i) < want.Len(); i++ {
		if got.Kind(i) != want.Kind(i) || got.FieldOf(i) != want.FieldOf(i) || got.Start(i) != want.Start(i) || got.End(i) != want.End(i) ||
			got.Parent(i) != want.Parent(i) || got.SubtreeEnd(i) != want.SubtreeEnd(i) || got.IsNamed(i) != want.IsNamed(i) ||
			got.IsError(i) != want.IsError(i) || got.HasError(i) != want.HasError(i) {
			t.Fatalf("%s: node %d (%s %q) differs from a fresh parse's (%s %q)", where, i, got.Kind(i), got.Text(i), want.Kind(i), want.Text(i))
		}
	}
}

// incrementalSnippets are the texts random edits insert: tokens that split or join others,
// line breaks (CRLF too), indentation, whole statements (imports among them, which change
// what names resolve to), unclosed brackets and strings that break the syntax, and
// multi-byte characters.
var incrementalSnippets = []string{
	"", " ", "\n", "\r\n", "x", "(", ")", ":", "    ", "\t", "'''", "\"", "#",
	"def f(self, x):\n        return x\n", "class A(nn.Module):\n", "\ndef g(a, *b, c=1, **d):\n    lambda y: y\n",
	"import os\n", "from torch import nn as T\n", "@staticmethod\n", "self.w = 1\n",
	"round(x.shape[0] / 2)", "é", "变量 = 1\n", "😀", "# 中文注释\n",
}

// randomEdit makes one random edit of src: an insertion, a deletion or a replacement, or,
// with undo, the edit that takes the last one back (syntax broken, then repaired).
func randomEdit(r *rand.Rand, src []byte) ([]byte, syntax.Edit, []byte) {
	start := r.Intn(len(src) + 1)
	end := start
	if r.Intn(2) == 0 && start < len(src) {
		end = start + r.Intn(min(40, len(src)-start)+1)
	}
	ins := incrementalSnippets[r.Intn(len(incrementalSnippets))]
	next := slices.Concat(src[:start], []byte(ins), src[end:])
	return next, syntax.Edit{Start: start, OldEnd: end, NewEnd: start + len(ins)}, src[start:end]
}

// incrementalFixtures returns the rule and pysem fixtures, and copies of some with CRLF
// line endings and with CJK and emoji text.
func incrementalFixtures(t *testing.T) map[string][]byte {
	var files []string
	for _, g := range []string{"../rules/testdata/*.py", "../rules/testdata/clean/*.py", "testdata/*.py"} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	if len(files) < 50 {
		t.Fatalf("%d fixtures", len(files))
	}
	out := map[string][]byte{}
	for i, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[f] = src
		if i%8 == 0 {
			out[f+" (CRLF)"] = bytes.ReplaceAll(src, []byte("\n"), []byte("\r\n"))
		}
		if i%8 == 4 {
			wide := bytes.ReplaceAll(src, []byte("    def "), []byte("    # 形状 😀 ü\n    def "))
			out[f+" (CJK)"] = bytes.ReplaceAll(wide, []byte("(self, x)"), []byte("(self, x, 名前=\"值\")"))
		}
	}
	return out
}

// TestNewFileFromMatchesNewFile edits real fixtures at random, reparses each edit
// incrementally and builds its model from the previous text's with NewFileFrom: the model
// must be the one NewFile builds for the same tree, field for field, and the tree the one
// a fresh parse gives (when neither text has syntax errors: tree-sitter's error recovery
// may settle otherwise when it reuses a broken tree).
func TestNewFileFromMatchesNewFile(t *testing.T) {
	ctx := context.Background()
	p := syntax.NewParser()
	defer p.Close()
	r := rand.New(rand.NewSource(13))
	mod := Module{Name: "pkg.models.m"}
	fixtures := incrementalFixtures(t)
	names := slices.Sorted(maps.Keys(fixtures))
	reused, edits := 0, 0
	for _, name := range names {
		src := fixtures[name]
		doc, err := p.Parse(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		prev := NewFile(doc.Tree(), mod)
		var undo *syntax.Edit
		var undoText []byte
		for i := 0; i < 30; i++ {
			var next []byte
			var e syntax.Edit
			if undo != nil && r.Intn(3) == 0 {
				// take the last edit back
				next = slices.Concat(src[:undo.Start], undoText, src[undo.NewEnd:])
				e = syntax.Edit{Start: undo.Start, OldEnd: undo.NewEnd, NewEnd: undo.Start + len(undoText)}
				undo = nil
			} else {
				var removed []byte
				next, e, removed = randomEdit(r, src)
				undo, undoText = &e, removed
			}
			nd, err := p.Reparse(ctx, doc, [][]byte{src}, []syntax.Edit{e}, next)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			tree := nd.Tree()
			fresh, err := p.Parse(ctx, next)
			if err != nil {
				t.Fatal(err)
			}
			where := name + ": edit " + string(rune('0'+i/10)) + string(rune('0'+i%10))
			if !doc.Tree().HasError(0) && !fresh.Tree().HasError(0) {
				sameTree(t, where, tree, fresh.Tree())
			}
			fresh.Close()
			f, err := NewFileFrom(ctx, prev, tree, mod)
			if err != nil {
				t.Fatal(err)
			}
			sameFile(t, where, f, NewFile(tree, mod))
			if tree.Spliced() != nil && maps.Equal(f.Imports, prev.Imports) {
				reused++
			}
			edits++
			doc.Close()
			doc, src, prev = nd, next, f
		}
		doc.Close()
	}
	if reused < edits/2 {
		t.Errorf("%d of %d models built from the previous one, want most", reused, edits)
	}
}

// TestNewFileFromFallsBack: a File that cannot be reused gives the model built from scratch.
func TestNewFileFromFallsBack(t *testing.T) {
	ctx := context.Background()
	p := syntax.NewParser()
	defer p.Close()
	src := []byte("import torch\n\n\nclass A(torch.nn.Module):\n    def forward(self, x):\n        return x\n")
	doc, err := p.Parse(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	prev := NewFile(doc.Tree(), Module{Name: "a"})
	at := bytes.Index(src, []byte("return x")) + len("return ")
	next := slices.Concat(src[:at], []byte("y"), src[at:])
	nd, err := p.Reparse(ctx, doc, [][]byte{src}, []syntax.Edit{{Start: at, OldEnd: at, NewEnd: at + 1}}, next)
	if err != nil {
		t.Fatal(err)
	}
	if nd.Tree().Spliced() == nil {
		t.Fatal("a keystroke inside a function was not spliced")
	}
	other, err := p.Parse(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	released := NewFile(doc.Tree(), Module{Name: "a"})
	released.Release()
	for _, c := range []struct {
		name string
		prev *File
		mod  Module
	}{
		{"no previous file", nil, Module{Name: "a"}},
		{"another tree", NewFile(other.Tree(), Module{Name: "a"}), Module{Name: "a"}},
		{"another module", prev, Module{Name: "b"}},
		{"a released file", released, Module{Name: "a"}},
		{"the previous file", prev, Module{Name: "a"}},
	} {
		f, err := NewFileFrom(ctx, c.prev, nd.Tree(), c.mod)
		if err != nil {
			t.Fatal(err)
		}
		sameFile(t, c.name, f, NewFile(nd.Tree(), c.mod))
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if f, err := NewFileFrom(cancelled, prev, nd.Tree(), Module{Name: "a"}); f != nil || err == nil {
		t.Errorf("a cancelled build returned %v, %v", f, err)
	}
}

// TestNewFileFromRebindsImports: an edit of an import line keeps the model incremental and
// resolves the unchanged classes' bases and functions' decorators through the new imports.
func TestNewFileFromRebindsImports(t *testing.T) {
	ctx := context.Background()
	p := syntax.NewParser()
	defer p.Close()
	mod := Module{Name: "pkg.m"}
	src := []byte("from torch import nn\nfrom helpers import xtaticmethod\n\n\nclass A(nn.Module):\n    @staticmethod\n    def f(x):\n        return x\n\n\nclass B(A):\n    pass\n\n\nclass C:\n    @staticmethod\n    def __init__(self):\n        self.a = 1\n")
	doc, err := p.Parse(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	prev := NewFile(doc.Tree(), mod)
	if prev.Classes[0].Bases[0] != "torch.nn.Module" || !prev.Funcs[0].StaticMethod {
		t.Fatalf("before the edits: bases %v, static method %v", prev.Classes[0].Bases, prev.Funcs[0].StaticMethod)
	}
	for _, c := range []struct {
		from, to   string
		base       string
		static     bool
		importsNow map[string]string
	}{
		{"import nn", "import mm", "nn.Module", true, map[string]string{"mm": "torch.mm", "xtaticmethod": "helpers.xtaticmethod"}},
		{"import xtaticmethod", "import staticmethod", "nn.Module", false, map[string]string{"mm": "torch.mm", "staticmethod": "helpers.staticmethod"}},
		{"import mm", "import nn", "torch.nn.Module", false, map[string]string{"nn": "torch.nn", "staticmethod": "helpers.staticmethod"}},
	} {
		at := bytes.Index(src, []byte(c.from)) + len("import ")
		nd, next := reparseReplacing(t, p, doc, src, at, at+len(c.from)-len("import "), c.to[len("import "):])
		f, err := NewFileFrom(ctx, prev, nd.Tree(), mod)
		if err != nil {
			t.Fatal(err)
		}
		sameFile(t, c.to, f, NewFile(nd.Tree(), mod))
		if !maps.Equal(f.Imports, c.importsNow) || f.Classes[0].Bases[0] != c.base || f.Funcs[0].StaticMethod != c.static {
			t.Errorf("%s -> %s: imports %v, A's base %q, f static %v; want %v, %q, %v", c.from, c.to, f.Imports, f.Classes[0].Bases[0], f.Funcs[0].StaticMethod, c.importsNow, c.base, c.static)
		}
		// C's __init__ is static while staticmethod is the builtin: it has no self then
		if attrs := len(f.Classes[2].InitAttrs); (attrs == 0) != c.static {
			t.Errorf("%s -> %s: C's __init__ attributes %v with __init__ static %v", c.from, c.to, f.Classes[2].InitAttrs, c.static)
		}
		// built from prev (a fresh build would not share the unmoved decorator list)
		if &f.Funcs[0].Decorators[0] != &prev.Funcs[0].Decorators[0] {
			t.Errorf("%s -> %s: the model was built from scratch", c.from, c.to)
		}
		doc.Close()
		doc, src, prev = nd, next, f
	}
	doc.Close()
}

// TestNewFileFromRebindsModuleImports: the copies are resolved again when the module's own
// imports change, even where a function still imports the name (the file's Imports keep it):
// A's base nn.Module names nothing imported once the module imports mm instead.
func TestNewFileFromRebindsModuleImports(t *testing.T) {
	ctx := context.Background()
	p := syntax.NewParser()
	defer p.Close()
	mod := Module{Name: "pkg.m"}
	src := []byte("from torch import nn\n\n\ndef h():\n    from torch import nn\n    return nn\n\n\nclass A(nn.Module):\n    pass\n")
	doc, err := p.Parse(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	defer doc.Close()
	prev := NewFile(doc.Tree(), mod)
	from, to := "import nn\n\n", "import mm\n\n"
	at := bytes.Index(src, []byte(from))
	nd, _ := reparseReplacing(t, p, doc, src, at, at+len(from), to)
	defer nd.Close()
	f, err := NewFileFrom(ctx, prev, nd.Tree(), mod)
	if err != nil {
		t.Fatal(err)
	}
	sameFile(t, "nn -> mm", f, NewFile(nd.Tree(), mod))
	if got := f.Classes[0].Bases; len(got) != 1 || got[0] != "nn.Module" {
		t.Errorf("A's bases %v, want nn.Module (imported by h only)", got)
	}
}

// reparseReplacing reparses doc, of text src, with src[at:end] replaced by to, as a
// keystroke's reparse does, and requires a tree spliced from doc's; it returns the new
// document and text.
func reparseReplacing(t *testing.T, p *syntax.Parser, doc *syntax.Document, src []byte, at, end int, to string) (*syntax.Document, []byte) {
	t.Helper()
	next := slices.Concat(src[:at], []byte(to), src[end:])
	e := syntax.Edit{Start: at, OldEnd: end, NewEnd: at + len(to)}
	nd, err := p.Reparse(context.Background(), doc, [][]byte{src}, []syntax.Edit{e}, next)
	if err != nil {
		t.Fatal(err)
	}
	if nd.Tree().Spliced() == nil {
		t.Fatalf("%q -> %q: not spliced", src[at:end], to)
	}
	return nd, next
}
