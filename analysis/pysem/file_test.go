package pysem

import (
	"context"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

func parseFile(t *testing.T, src string) *File {
	t.Helper()
	p := syntax.NewParser()
	defer p.Close()
	tree, err := p.ParseTree(context.Background(), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return NewFile(tree, Module{})
}

func TestResolveImports(t *testing.T) {
	f := parseFile(t, `import torch as T
import torch.nn.functional as F
import torch._dynamo as torchdynamo
import numpy
from torch import nn
from torch.nn import Module
from torch.export import Dim
from functorch.experimental.control_flow import cond, map
from torch.utils import _pytree as pytree
from . import local

a = T.cond
b = F.relu
c = torchdynamo.assume_constant_result
d = nn.Module
e = Module
g = Dim
h = cond
i = map
j = pytree.tree_flatten
k = numpy.random.rand
l = round
m = local.thing
n = torch.compiler.is_exporting
`)
	want := map[string]string{
		"a": "torch.cond", "b": "torch.nn.functional.relu", "c": "torch._dynamo.assume_constant_result",
		"d": "torch.nn.Module", "e": "torch.nn.Module", "g": "torch.export.Dim",
		"h": "functorch.experimental.control_flow.cond", "i": "functorch.experimental.control_flow.map",
		"j": "torch.utils._pytree.tree_flatten", "k": "numpy.random.rand", "l": "round", "m": ".local.thing",
		"n": "torch.compiler.is_exporting",
	}
	imported := map[string]bool{"a": true, "b": true, "c": true, "d": true, "e": true, "g": true, "h": true, "i": true, "j": true, "k": true, "m": true}
	for _, a := range f.Nodes(syntax.KindAssignment) {
		name := f.Tree.String(f.Tree.Field(a, syntax.FieldLeft))
		right := f.Tree.Field(a, syntax.FieldRight)
		if got := f.Resolve(right); got != want[name] {
			t.Errorf("%s: Resolve = %q, want %q", name, got, want[name])
		}
		if got := f.IsImported(right); got != imported[name] {
			t.Errorf("%s: IsImported = %v, want %v", name, got, imported[name])
		}
	}
}

func TestParams(t *testing.T) {
	f := parseFile(t, `def forward(self, pos0, tuple0: tuple, *myargs, mykw0, y=torch.randn(2), z: int = 3, **mykwargs):
    pass
`)
	fn := f.Funcs[0]
	var got []string
	for _, p := range fn.Params {
		s := p.Name
		switch p.Kind {
		case VarPositional:
			s = "*" + s
		case VarKeyword:
			s = "**" + s
		case KeywordOnly:
			s = "kw:" + s
		}
		if p.Default != NoNode {
			s += "=" + f.Tree.String(p.Default)
		}
		if p.Type != NoNode {
			s += ":" + f.Tree.String(p.Type)
		}
		got = append(got, s)
	}
	want := "self pos0 tuple0:tuple *myargs kw:mykw0 kw:y=torch.randn(2) kw:z=3:int **mykwargs"
	if strings.Join(got, " ") != want {
		t.Errorf("params:\n got  %s\n want %s", strings.Join(got, " "), want)
	}
}

func TestBindArgs(t *testing.T) {
	f := parseFile(t, "cond(p, operands=(x,), true_fn=a, false_fn=b)\nexport(f=m, args=(x,))\ncond(*parts)\n")
	calls := f.Nodes(syntax.KindCall)
	text := func(ids []NodeID) []string {
		var out []string
		for _, id := range ids {
			if id == NoNode {
				out = append(out, "-")
			} else {
				out = append(out, f.Tree.String(id))
			}
		}
		return out
	}
	if got, ok := f.BindArgs(calls[0], "pred", "true_fn", "false_fn", "operands"); !ok || strings.Join(text(got), " ") != "p a b (x,)" {
		t.Errorf("cond: %v %v", text(got), ok)
	}
	if got, ok := f.BindArgs(calls[1], "mod|f", "args", "kwargs"); !ok || strings.Join(text(got), " ") != "m (x,) -" {
		t.Errorf("export: %v %v", text(got), ok)
	}
	if _, ok := f.BindArgs(calls[2], "pred"); ok {
		t.Error("a starred argument cannot be bound")
	}
}

// TestReleaseRecyclesIndex: a model built on a released model's storage answers as a fresh
// one does, for a smaller and a larger file, and the released model is left empty.
func TestReleaseRecyclesIndex(t *testing.T) {
	small := "import torch\n\nclass M(torch.nn.Module):\n    def forward(self, x):\n        return helper(x)\n\ndef helper(y):\n    return y + 1\n"
	large := strings.Repeat(small, 40)
	p := syntax.NewParser()
	defer p.Close()
	describe := func(f *File) string {
		var b strings.Builder
		for k := syntax.Kind(0); k < 256; k++ {
			for _, n := range f.Nodes(k) {
				b.WriteString(f.Tree.String(n))
				if fn := f.Owner(n); fn != nil {
					b.WriteString("@" + fn.QualName())
				}
				b.WriteByte('|')
			}
		}
		for _, fn := range f.Funcs {
			b.WriteString(fn.QualName())
		}
		return b.String()
	}
	for _, src := range []string{large, small, large} {
		tree, err := p.ParseTree(context.Background(), []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		fresh := NewFile(tree, Module{})
		want := describe(fresh)
		fresh.Release()
		if fresh.byKind != nil || fresh.owner != nil {
			t.Fatal("a released model keeps its index")
		}
		tree2, err := p.ParseTree(context.Background(), []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		again := NewFile(tree2, Module{})
		if got := describe(again); got != want {
			t.Fatalf("model on recycled storage differs:\n%s\nwant\n%s", got, want)
		}
		if again.Line(len(src)-1) != strings.Count(src, "\n")-1 {
			t.Fatalf("line of the last byte: %d", again.Line(len(src)-1))
		}
		again.Release()
	}
}

// TestRelativeImports: relative imports resolve against the file's module (a package's
// __init__ is its own package), stay dotted when the module is unknown or the dots climb
// above the top package, and star imports are recorded.
func TestRelativeImports(t *testing.T) {
	src := `from . import sibling
from .layers import PatchEmbed as PE
from ..utils.helpers import to_2tuple
from ... import top
from .blocks import *
`
	cases := []struct {
		mod  Module
		want map[string]string
		star string
	}{
		{Module{Name: "timm.models.vit"}, map[string]string{
			"sibling": "timm.models.sibling", "PE": "timm.models.layers.PatchEmbed",
			"to_2tuple": "timm.utils.helpers.to_2tuple", "top": "...top",
		}, "timm.models.blocks"},
		{Module{Name: "timm.models", IsPackage: true}, map[string]string{
			"sibling": "timm.models.sibling", "PE": "timm.models.layers.PatchEmbed",
			"to_2tuple": "timm.utils.helpers.to_2tuple", "top": "...top",
		}, "timm.models.blocks"},
		{Module{}, map[string]string{
			"sibling": ".sibling", "PE": ".layers.PatchEmbed", "to_2tuple": "..utils.helpers.to_2tuple", "top": "...top",
		}, ".blocks"},
	}
	for _, c := range cases {
		p := syntax.NewParser()
		tree, err := p.ParseTree(context.Background(), []byte(src))
		p.Close()
		if err != nil {
			t.Fatal(err)
		}
		f := NewFile(tree, c.mod)
		for local, want := range c.want {
			if got := f.Imports[local]; got != want {
				t.Errorf("%+v: %s -> %q, want %q", c.mod, local, got, want)
			}
		}
		if len(f.StarImports) != 1 || f.StarImports[0] != c.star {
			t.Errorf("%+v: star imports %v, want [%s]", c.mod, f.StarImports, c.star)
		}
	}
}

func TestModuleOf(t *testing.T) {
	for rel, want := range map[string]string{
		"model.py": "model", "pkg/sub/mod.py": "pkg.sub.mod", "pkg/__init__.py": "pkg/", "./a/b.py": "a.b",
		"pkg/types.pyi": "pkg.types", "my-pkg/x.py": "", "pkg/1x.py": "", "__init__.py": "", "README.md": "",
	} {
		m, ok := ModuleOf(rel)
		got := m.Name
		if m.IsPackage {
			got += "/"
		}
		if !ok {
			got = ""
		}
		if got != want {
			t.Errorf("ModuleOf(%q) = %q, want %q", rel, got, want)
		}
	}
}

// TestPlace: how messages name an offset, in a file with a path, a module only, neither,
// and a notebook's module (the cell, and the line in it).
func TestPlace(t *testing.T) {
	src := "import torch\nx = 1\n\ny = 2\nz = 3\n"
	at := func(s string) int { return strings.Index(src, s) }
	for _, tc := range []struct {
		path, module string
		cells        []Cell
		off          int
		want         string
	}{
		{"/work/proj/export.py", "", nil, at("y"), "export.py:4"},
		{`C:\proj\export.py`, "", nil, at("x"), "export.py:2"},
		{"", "proj.export", nil, at("z"), "proj.export:5"},
		{"", "", nil, at("z"), "line 5"},
		// cells 2 and 5 (cells 1, 3 and 4 are markdown): lines 1-3 and 4-5 of the module
		{"/work/nb.ipynb", "", []Cell{{0, 2}, {at("y"), 5}}, at("import"), "nb.ipynb:cell 2:1"},
		{"/work/nb.ipynb", "", []Cell{{0, 2}, {at("y"), 5}}, at("x"), "nb.ipynb:cell 2:2"},
		{"/work/nb.ipynb", "", []Cell{{0, 2}, {at("y"), 5}}, at("y"), "nb.ipynb:cell 5:1"},
		{"/work/nb.ipynb", "", []Cell{{0, 2}, {at("y"), 5}}, at("z"), "nb.ipynb:cell 5:2"},
		{"", "", []Cell{{0, 2}, {at("y"), 5}}, at("z"), "cell 5:2"},
	} {
		f := parseFile(t, src)
		f.Path, f.Module.Name, f.Cells = tc.path, tc.module, tc.cells
		if got := f.Place(tc.off); got != tc.want {
			t.Errorf("Place(%d) in %q %q %v = %q, want %q", tc.off, tc.path, tc.module, tc.cells, got, tc.want)
		}
	}
}
