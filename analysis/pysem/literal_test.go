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
	want := []string{"(x,)", "later", "twice", "m"} // local -> alias -> inputs; later is bound twice
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
