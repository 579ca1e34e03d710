package analysis

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

func parseFile(t *testing.T, src string) *File {
	t.Helper()
	p := syntax.NewParser()
	defer p.Close()
	f, err := Parse(context.Background(), p, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// nodeAt returns the smallest named node whose text is exactly text, at its first occurrence
// after marker (or from the start when marker is "").
func nodeAt(t *testing.T, f *File, marker, text string) NodeID {
	t.Helper()
	from := 0
	if marker != "" {
		from = strings.Index(string(f.Src), marker)
		if from < 0 {
			t.Fatalf("marker %q not found", marker)
		}
	}
	off := strings.Index(string(f.Src[from:]), text)
	if off < 0 {
		t.Fatalf("%q not found after %q", text, marker)
	}
	off += from
	n := f.Tree.NodeAt(off)
	for n != NoNode && f.Tree.End(n)-f.Tree.Start(n) < len(text) {
		n = f.Tree.Parent(n)
	}
	if n == NoNode || f.Tree.String(n) != text {
		t.Fatalf("no node spans %q (got %q)", text, f.Tree.String(n))
	}
	return n
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
		"j": "torch.utils._pytree.tree_flatten", "k": "numpy.random.rand", "l": "round", "m": "local.thing",
		"n": "torch.compiler.is_exporting",
	}
	imported := map[string]bool{"a": true, "b": true, "c": true, "d": true, "e": true, "g": true, "h": true, "i": true, "j": true, "k": true}
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

const reachSrc = `import torch
import torch._dynamo as torchdynamo
from torch import nn
from functorch.experimental.control_flow import cond


def helper(x):
    return x + 1


def unused_helper(x):
    return x - 1


def deco(fn):
    def wrapper(*args):
        return fn(*args) + 1
    return wrapper


class Sub(nn.Module):
    def forward(self, x):
        return self.inner(x)

    def inner(self, x):
        return x.cos()

    def never(self, x):
        return x


class Base(nn.Module):
    pass


class Model(Base):
    def __init__(self):
        super().__init__()
        self.sub = Sub()
        self.setup_stuff()

    def setup_stuff(self):
        pass

    @classmethod
    def cm(cls, x):
        return x * 2

    @staticmethod
    def sm(x):
        return x * 3

    @torchdynamo.assume_constant_result
    def constant(self, x):
        return x.item()

    def branch(self, x):
        return x.sin()

    def via_type(self, x):
        return x

    def via_class(self, x):
        return x

    @deco
    def forward(self, x):
        def true_fn(y):
            return y + 1
        f = lambda z: z * 2
        y = helper(x) + self.cm(x) + self.sm(x) + type(self).via_type(x) + self.__class__.via_class(x)
        y = y + self.constant(x)
        return cond(x.shape[0] > 2, true_fn, self.sub.forward, [y]) + cond(True, f, self.branch, [y])


class NotAModule:
    def forward(self, x):
        return x


def test_model():
    m = Model()
    m(torch.randn(3))
`

func TestModulesAndReach(t *testing.T) {
	f := parseFile(t, reachSrc)
	modules := map[string]bool{}
	for _, c := range f.Classes {
		modules[c.Name] = c.IsModule
	}
	for name, want := range map[string]bool{"Sub": true, "Base": true, "Model": true, "NotAModule": false} {
		if modules[name] != want {
			t.Errorf("%s IsModule = %v, want %v", name, modules[name], want)
		}
	}
	var traced []string
	for _, fn := range f.TracedFuncs() {
		traced = append(traced, fn.QualName())
	}
	sort.Strings(traced)
	want := []string{
		"Model.branch", "Model.cm", "Model.forward", "Model.forward.<lambda>", "Model.forward.true_fn",
		"Model.sm", "Model.via_class", "Model.via_type", "Sub.forward", "Sub.inner", "deco", "deco.wrapper", "helper",
	}
	// the lambda is bound to f, so it is named f
	for i, w := range want {
		if w == "Model.forward.<lambda>" {
			want[i] = "Model.forward.f"
		}
	}
	sort.Strings(want)
	if strings.Join(traced, " ") != strings.Join(want, " ") {
		t.Errorf("traced:\n got  %v\n want %v", traced, want)
	}
	for _, fn := range f.Funcs {
		switch fn.QualName() {
		case "Model.cm":
			if !fn.ClassMethod {
				t.Error("cm is a classmethod")
			}
		case "Model.sm":
			if !fn.StaticMethod {
				t.Error("sm is a staticmethod")
			}
		case "Model.forward":
			if fn.TracedFrom != "forward of Model" || len(fn.Decorators) != 1 {
				t.Errorf("forward: TracedFrom %q, %d decorators", fn.TracedFrom, len(fn.Decorators))
			}
		}
	}
	if c := f.AttrClass(f.ClassNamed("Model"), "sub"); c == nil || c.Name != "Sub" {
		t.Errorf("AttrClass(Model, sub) = %v", c)
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

func TestFacts(t *testing.T) {
	f := parseFile(t, `import torch


class M(torch.nn.Module):
    def forward(self, x, k: int, flag=True):
        n = x.shape[0]
        b, c = x.shape[1:]
        rank = len(x.shape)
        s = x.size(1) * 2
        v = x.item()
        w = v + 1
        lst = x.tolist()
        t = x.sum()
        u = torch.zeros(n)
        for i in range(n):
            pass
        q = k * 2
        return n, b, c, rank, s, v, w, lst, t, u, i, q, flag, x.ndim, x.dim(), self
`)
	fn := f.Funcs[0]
	ret := f.Nodes(syntax.KindReturnStatement)[0]
	tuple := f.Tree.NamedChild(ret, 0)
	want := map[string]Fact{
		"n": FactShape, "b": FactShape, "c": FactShape, "rank": FactShape, "s": FactShape,
		"v": FactData, "w": FactData, "lst": FactData, "t": FactTensor, "u": FactTensor, "i": FactShape,
		"q": 0, "flag": 0, "x.ndim": FactShape, "x.dim()": FactShape, "self": 0,
	}
	f.Tree.Children(tuple, func(c NodeID) bool {
		if !f.Tree.IsNamed(c) {
			return true
		}
		name := f.Tree.String(c)
		got := f.Facts(fn, c) &^ FactParam
		if got != want[name] {
			t.Errorf("Facts(%s) = %b, want %b", name, got, want[name])
		}
		return true
	})
	x := nodeAt(t, f, "return", "x.ndim")
	if !f.IsShape(fn, x) {
		t.Error("x.ndim is a shape")
	}
}

func TestInPlaceMethod(t *testing.T) {
	f := parseFile(t, `import torch
def g(x):
    x.mul_(2)
    x.__iadd__(1)
    torch.nn.init.normal_(x)
    x.add(1)
`)
	fn := f.Funcs[0]
	var got []string
	for _, c := range f.NodesIn(fn, syntax.KindCall) {
		if _, ok := f.InPlaceMethod(fn, c); ok {
			got = append(got, f.Tree.String(c))
		}
	}
	if strings.Join(got, ";") != "x.mul_(2)" {
		t.Errorf("in-place calls: %v", got)
	}
}

func TestSuppressions(t *testing.T) {
	rule := &Rule{Name: "dynamic_shape_round", Run: func(p *Pass) {
		for _, c := range p.File.Nodes(syntax.KindCall) {
			if p.File.CallName(c) == "round" {
				p.Reportf(c, Fails, "round")
			}
		}
	}}
	src := `a = round(1)  # exportdb: ignore[dynamic_shape_round]
# exportdb: ignore
b = round(2)
c = round(3)  # exportdb: ignore[torch_sym_min]
d = round(4)
e = 1  # exportdb: ignore
`
	f := parseFile(t, src)
	res := Analyze(context.Background(), f, []*Rule{rule}, Options{})
	var got []string
	for _, fd := range res.Findings {
		got = append(got, f.Tree.String(f.Tree.NodeAt(fd.Start))+":"+fd.Case)
	}
	// round(3) and round(4) stay; the torch_sym_min suppression and the bare one on e are unused
	line := func(fd Finding) int { return f.Line(fd.Start) + 1 }
	var summary []string
	for _, fd := range res.Findings {
		summary = append(summary, fd.Case+"@"+string(rune('0'+line(fd))))
	}
	if strings.Join(summary, " ") != "dynamic_shape_round@4 unused_suppression@4 dynamic_shape_round@5 unused_suppression@6" {
		t.Errorf("findings: %v (%v)", summary, got)
	}
	fileLevel := parseFile(t, "# exportdb: ignore-file[dynamic_shape_round]\nx = round(1)\n")
	if res := Analyze(context.Background(), fileLevel, []*Rule{rule}, Options{}); len(res.Findings) != 0 {
		t.Errorf("ignore-file left %v", res.Findings)
	}
}

func TestBadInput(t *testing.T) {
	p := syntax.NewParser()
	defer p.Close()
	for name, src := range map[string][]byte{
		"invalid utf-8": []byte("x = '\xff'\n"),
		"nul":           []byte("x = 1\x00\n"),
		"too large":     make([]byte, syntax.MaxSourceSize+1),
	} {
		if _, err := Parse(context.Background(), p, src); err == nil {
			t.Errorf("%s: no error", name)
		} else if _, ok := err.(*FileError); !ok {
			t.Errorf("%s: error %T is not a *FileError", name, err)
		}
	}
	// deep nesting and syntax errors: no panic, analysis completes
	deep := "x = " + strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000) + "\n" + "def f(:\n    return round(x.shape[0] / 2)\n"
	f, err := Parse(context.Background(), p, []byte(deep))
	if err != nil {
		t.Fatal(err)
	}
	Analyze(context.Background(), f, nil, Options{})
}

func TestOptionsEnabled(t *testing.T) {
	cases := []struct {
		opts Options
		name string
		want bool
	}{
		{Options{}, "cond_operands", true},
		{Options{Select: []string{"torch.cond"}}, "cond_operands", true},
		{Options{Select: []string{"torch.cond"}}, "dynamic_shape_round", false},
		{Options{Ignore: []string{"torch.cond"}}, "cond_operands", false},
		{Options{Select: []string{"cond_operands"}, Ignore: []string{"torch.cond"}}, "cond_operands", true},
		{Options{Select: []string{"torch.cond"}, Ignore: []string{"cond_operands"}}, "cond_operands", false},
		{Options{Ignore: []string{"unsupported_operator"}}, "torch_sym_min", false},
	}
	for _, c := range cases {
		if got := c.opts.Enabled(c.name); got != c.want {
			t.Errorf("%+v Enabled(%s) = %v, want %v", c.opts, c.name, got, c.want)
		}
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

func TestFactsOfLayersAndTorchCalls(t *testing.T) {
	f := parseFile(t, `import torch
from torch import nn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)
        self.w = nn.Parameter(torch.ones(4))
        self.scale = 2.0

    def forward(self, x):
        return self.proj(x), torch.cuda.is_available(), torch.relu(x), torch.nn.functional.gelu(x), torch.is_tensor(x), self.helper(x)

    def helper(self, x):
        return x
`)
	var fwd *Function
	for _, fn := range f.Funcs {
		if fn.Name == "forward" {
			fwd = fn
		}
	}
	ret := f.NodesIn(fwd, syntax.KindReturnStatement)[0]
	want := []bool{true, false, true, true, false, false}
	i := 0
	f.Tree.Children(f.Tree.NamedChild(ret, 0), func(c NodeID) bool {
		if f.Tree.IsNamed(c) {
			if got := f.IsTensor(fwd, c); got != want[i] {
				t.Errorf("IsTensor(%s) = %v, want %v", f.Tree.String(c), got, want[i])
			}
			i++
		}
		return true
	})
	c := f.ClassNamed("M")
	if !f.IsSubmodule(c, "proj") || f.IsSubmodule(c, "w") || f.IsSubmodule(c, "scale") {
		t.Error("IsSubmodule: proj is a layer; w (a parameter) and scale are not")
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
		fresh, err := Parse(context.Background(), p, []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		want := describe(fresh)
		fresh.Release()
		if fresh.byKind != nil || fresh.owner != nil {
			t.Fatal("a released model keeps its index")
		}
		again, err := Parse(context.Background(), p, []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if got := describe(again); got != want {
			t.Fatalf("model on recycled storage differs:\n%s\nwant\n%s", got, want)
		}
		if again.Line(len(src)-1) != strings.Count(src, "\n")-1 {
			t.Fatalf("line of the last byte: %d", again.Line(len(src)-1))
		}
		again.Release()
	}
}

// TestBaseCycle: classes that name each other as bases (broken code) do not send the
// lookups through base classes round in circles, and a lookup still finds what the chain
// holds.
func TestBaseCycle(t *testing.T) {
	f := parseFile(t, `import torch


class A(B):
    def __init__(self):
        self.lin = torch.nn.Linear(2, 2)


class B(A):
    def forward(self, x):
        return x
`)
	var a, b *Class
	for _, c := range f.Classes {
		switch c.Name {
		case "A":
			a = c
		case "B":
			b = c
		}
	}
	if a == nil || b == nil {
		t.Fatal("classes not found")
	}
	if f.AttrClass(a, "missing") != nil || f.IsSubmodule(b, "missing") || a.Method(f, "missing") != nil {
		t.Error("a missing attribute or method found in a base cycle")
	}
	if !f.IsSubmodule(b, "lin") {
		t.Error("B does not see the layer A's __init__ assigns")
	}
	if a.Method(f, "forward") == nil {
		t.Error("A does not see B's forward")
	}
}
