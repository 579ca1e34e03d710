package pysem

import (
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

func TestLiterals(t *testing.T) {
	f := parseFile(t, `a = 12
b = -(3)
c = 0x10
d = 1_000
e = "ok"
g = 'it'
h = f"{a}"
i = "esc\n"
j = """doc"""
k = b"raw"
l = 1.5
`)
	tr := f.Tree
	for _, a := range f.Nodes(syntax.KindAssignment) {
		name, v := tr.String(tr.Field(a, syntax.FieldLeft)), tr.Field(a, syntax.FieldRight)
		iv, iok := IntLiteral(tr, v)
		sv, sok := StringLiteral(tr, v)
		want := map[string]string{"a": "int 12", "b": "int -3", "c": "int 16", "d": "int 1000", "e": "str ok", "g": "str it"}[name]
		got := ""
		switch {
		case iok:
			got = "int " + itoa(int(iv))
		case sok:
			got = "str " + sv
		}
		if got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
		if HasInterpolation(tr, v) != (name == "h") {
			t.Errorf("%s: HasInterpolation = %v", name, HasInterpolation(tr, v))
		}
	}
}

func itoa(i int) string {
	if i < 0 {
		return "-" + itoa(-i)
	}
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func TestBoundValue(t *testing.T) {
	f := parseFile(t, `import torch

model = Net()
inputs = (x,)
alias = inputs
twice = 1
twice = 2


def run(m):
    later = m
    local = alias
    r = (local, later, twice, m)
    later = 3
`)
	run := f.Funcs[0]
	tr := f.Tree
	var tuple NodeID = NoNode
	for _, a := range f.Nodes(syntax.KindAssignment) {
		if tr.TextIs(tr.Field(a, syntax.FieldLeft), "r") {
			tuple = tr.Field(a, syntax.FieldRight)
		}
	}
	// local -> alias -> inputs; later is bound twice, but only later = m reaches the read;
	// twice is the module's, read in a function: any of its bindings may reach the call
	want := []string{"(x,)", "m", "twice", "m"}
	for i, el := range tr.NamedChildren(tuple, nil) {
		if got := tr.String(f.BoundValue(run, el)); got != want[i] {
			t.Errorf("BoundValue(%s) = %s, want %s", tr.String(el), got, want[i])
		}
	}
}

func TestSelfHelpers(t *testing.T) {
	f := parseFile(t, `import enum


class Color(enum.Enum):
    RED = 1


class Shade(Color):
    pass


class Base:
    def __init__(self):
        self.a = 1


class Child(Base):
    def __init__(self):
        super().__init__()
        self.b = 2

    def run(self, other):
        return self.a + other.b
`)
	byName := map[string]*Class{}
	for _, c := range f.Classes {
		byName[c.Name] = c
	}
	if !f.IsEnum(byName["Shade"]) || f.IsEnum(byName["Child"]) {
		t.Error("IsEnum")
	}
	if v, holder := f.InitAssignment(byName["Child"], "a"); holder != byName["Base"] || f.Tree.String(v) != "1" {
		t.Errorf("InitAssignment(Child, a) = %v in %v", v, holder)
	}
	if v, holder := f.InitAssignment(byName["Child"], "zz"); v != NoNode || holder != nil {
		t.Error("InitAssignment of an unassigned attribute")
	}
	run := byName["Child"].Methods["run"]
	var got []string
	for _, n := range f.NodesIn(run, syntax.KindAttribute) {
		got = append(got, f.SelfAttr(run, n))
	}
	if len(got) != 2 || got[0] != "a" || got[1] != "" {
		t.Errorf("SelfAttr: %q", got)
	}
}

func TestScalarParam(t *testing.T) {
	f := parseFile(t, `def f(a: int, b: Optional[float], c: str | None, d=3, e=-1.5, g: Tensor = 0, h=None, i: list = [], j, k=x):
    pass
`)
	want := map[string]bool{"a": true, "b": true, "c": true, "d": true, "e": true, "g": false, "h": false, "i": false, "j": false, "k": false}
	for i := range f.Funcs[0].Params {
		p := &f.Funcs[0].Params[i]
		if got := f.ScalarParam(p); got != want[p.Name] {
			t.Errorf("ScalarParam(%s) = %v", p.Name, got)
		}
	}
}

// TestReachingBinding: which binding of a name bound several times a read sees, when
// exactly one surely does, and NoNode whenever another may.
func TestReachingBinding(t *testing.T) {
	f := parseFile(t, `import torch
from torch.export import Dim, export

x = torch.randn(4, 3)
model = A()
ep = export(model, (x,))  # read 1: model = A()
model = B()
ep = export(model, (x,))  # read 2: model = B()
model = wrap(model)  # read 3 (on the right): model = B()
if flag:
    model = C()
ep = export(model, (x,))  # read 4: C() or wrap(...)
model = D()
for i in range(3):
    ep = export(model, (x,))  # read 5: D() or E() from the round before
    model = E()
model = F()
while go:
    ep = export(model, (x,))  # read 6: F(), the loop binds nothing
dim = Dim("a")
dim = Dim("b")
def g():
    ep = export(model, (x,))  # read 7: a call may come after any binding
    h = G()
    h = H()
    return export(h, (x,))  # read 8: h = H()
spec = {0: dim}  # read 9: dim = Dim("b")
from helpers import *
spec = {0: dim}  # read 10: the star import may bind dim
`)
	tr := f.Tree
	var reads []NodeID
	for _, id := range f.Nodes(syntax.KindIdentifier) {
		if (tr.TextIs(id, "model") || tr.TextIs(id, "h") || tr.TextIs(id, "dim")) && IsRead(tr, id) {
			reads = append(reads, id)
		}
	}
	want := []string{"A()", "B()", "B()", "", "", "F()", "", "H()", `Dim("b")`, ""}
	if len(reads) != len(want) {
		t.Fatalf("%d reads, want %d", len(reads), len(want))
	}
	for i, id := range reads {
		id, _ := f.ReachingBinding(f.Owner(id), tr.String(id), id)
		got := ""
		if id != NoNode {
			got = tr.String(AssignedValue(tr, id))
		}
		if got != want[i] {
			t.Errorf("read %d: the binding reaching it is %q, want %q", i+1, got, want[i])
		}
	}

	// a name some function declares global may be bound by any call in between
	f = parseFile(t, `model = A()
model = B()
def reset():
    global model
    model = C()
reset()
ep = export(model, ())
`)
	tr = f.Tree
	for _, id := range f.Nodes(syntax.KindIdentifier) {
		if tr.TextIs(id, "model") && IsRead(tr, id) {
			if b, _ := f.ReachingBinding(nil, "model", id); b != NoNode {
				t.Errorf("a global rebinding is ignored: %s reaches the read", tr.String(tr.Parent(b)))
			}
		}
	}
}
