package torchsem

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
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
	return New(pysem.NewFile(tree, pysem.Module{}))
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
		modules[c.Name] = f.IsModule(c)
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
			if f.TracedFrom(fn) != "forward of Model" || len(fn.Decorators) != 1 {
				t.Errorf("forward: TracedFrom %q, %d decorators", f.TracedFrom(fn), len(fn.Decorators))
			}
		}
	}
	if c := f.AttrClass(f.ClassNamed("Model"), "sub"); c == nil || c.Name != "Sub" {
		t.Errorf("AttrClass(Model, sub) = %v", c)
	}
}

func TestValueKinds(t *testing.T) {
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
	// a rank is static (StaticInt), not a size export can make dynamic; an int parameter is
	// a constant (or whatever the caller passes), a literal default a constant
	want := map[string]string{
		"n": "Size", "b": "Size", "c": "Size", "rank": "StaticInt", "s": "Size",
		"v": "Data", "w": "Data", "lst": "Data", "t": "Tensor", "u": "Tensor", "i": "Size",
		"q": "Const|Other", "flag": "Const", "x.ndim": "StaticInt", "x.dim()": "StaticInt", "self": "Module",
	}
	f.Tree.Children(tuple, func(c NodeID) bool {
		if !f.Tree.IsNamed(c) {
			return true
		}
		name := f.Tree.String(c)
		if got := f.Value(fn, c).Kind.String(); got != want[name] {
			t.Errorf("Value(%s) = %s, want %s", name, got, want[name])
		}
		return true
	})
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

func TestLayersAndTorchCalls(t *testing.T) {
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
			if got := f.Value(fwd, c).IsTensor(); got != want[i] {
				t.Errorf("Value(%s).IsTensor() = %v, want %v", f.Tree.String(c), got, want[i])
			}
			i++
		}
		return true
	})
	c := f.ClassNamed("M")
	for attr, want := range map[string]AttrKind{"proj": AttrSubmodule, "w": AttrParameter, "scale": AttrValue} {
		if got := f.Attr(c, attr).Kind; got != want {
			t.Errorf("Attr(M, %s) = %d, want %d", attr, got, want)
		}
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
	if f.AttrClass(a, "missing") != nil || f.Attr(b, "missing").Kind != AttrUnknown || f.Method(a, "missing") != nil {
		t.Error("a missing attribute or method found in a base cycle")
	}
	if f.Attr(b, "lin").Kind != AttrSubmodule {
		t.Error("B does not see the layer A's __init__ assigns")
	}
	if f.Method(a, "forward") == nil {
		t.Error("A does not see B's forward")
	}
}
