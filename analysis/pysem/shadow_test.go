package pysem

import (
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// TestShadowedImports: a name a function binds itself (a parameter, a lambda's, a
// comprehension's variable, an enclosing function's local) is not the module's import of
// that name; one declared global, bound in a class body, or imported in the function is.
func TestShadowedImports(t *testing.T) {
	src := `import o
import numpy as np
from torch import nn


def f(o):
    return o.clone()


g = lambda o: o.clone()


def h(x):
    ys = [o.sum() for o in x]
    return o.sum(ys), np.stack(ys)


def k():
    np = 1

    def inner():
        return np.add(1)

    return inner


def m():
    global np
    np = np.zeros(1)
    return np


def n():
    import json as js
    return js.dumps(1)


class A(nn.Module):
    o = 1

    def forward(self, x):
        return o.sum(x)
`
	f := parseFile(t, src)
	for _, c := range []struct {
		at       string // the identifier is the first of at's text after the line holding line
		line     string
		shadowed bool
		resolve  string // what Resolve gives the attribute the identifier starts
	}{
		{"o.clone", "def f(o):", true, "o.clone"},
		{"o.clone", "g = lambda", true, "o.clone"},
		{"o.sum()", "ys = [", true, "o.sum"},
		{"o.sum(ys)", "return o.sum(ys)", false, "o.sum"},
		{"np.stack", "return o.sum(ys)", false, "numpy.stack"},
		{"np.add", "return np.add", true, "np.add"},
		{"np.zeros", "np = np.zeros", false, "numpy.zeros"},
		{"js.dumps", "return js.dumps", false, "json.dumps"},
		{"o.sum(x)", "return o.sum(x)", false, "o.sum"},
		{"nn.Module", "class A(", false, "torch.nn.Module"},
	} {
		id := identifierAfter(t, f, src, c.line, c.at)
		attr := f.Tree.Parent(id)
		if got := f.Shadowed(id); got != c.shadowed {
			t.Errorf("%s (after %q): shadowed %v, want %v", c.at, c.line, got, c.shadowed)
		}
		if got := f.Resolve(attr); got != c.resolve {
			t.Errorf("%s (after %q): Resolve %q, want %q", c.at, c.line, got, c.resolve)
		}
		if _, ok := f.ImportOf(id); ok == c.shadowed && f.Imports[f.Tree.String(id)] != "" {
			t.Errorf("%s (after %q): ImportOf says imported %v, shadowed %v", c.at, c.line, ok, c.shadowed)
		}
	}
}

// TestFunctionImportScope: an import inside a function binds its names in that function and
// the functions nested in it only; elsewhere the module's own imports answer (or none),
// and ModuleImports leaves it out, while Imports lists every binding of the file.
func TestFunctionImportScope(t *testing.T) {
	src := `import torch
from foo import conv


def helper(x):
    from bar import range, conv
    import json as js

    def inner():
        return range(3), conv(1)

    return range(x), conv(x), js.dumps(1)


def other(x):
    return range(x), conv(x), js.dumps(1)


def rebinds(x):
    range = list
    from bar import conv
    return range(x), conv(x)


class M(torch.nn.Module):
    def forward(self, x):
        for i in range(x.shape[0]):
            x = x + 1
        return conv(x)


y = range(2), conv(2)
`
	f := parseFile(t, src)
	for _, c := range []struct {
		at, line string // the identifier is the first of at's text after the line holding line
		want     string // what ImportOf gives it; "" for nothing
	}{
		{"range(3)", "def inner", "bar.range"},
		{"conv(1)", "def inner", "bar.conv"},
		{"range(x)", "return range(x), conv(x), js", "bar.range"},
		{"conv(x)", "return range(x), conv(x), js", "bar.conv"},
		{"js.dumps", "return range(x), conv(x), js", "json"},
		{"range(x)", "def other", ""},
		{"conv(x)", "def other", "foo.conv"},
		{"js.dumps", "def other", ""},
		{"range(x)", "range = list", ""},
		{"conv(x)", "range = list", "bar.conv"},
		{"range(x.shape", "def forward", ""},
		{"conv(x)", "def forward", "foo.conv"},
		{"range(2)", "y = ", ""},
		{"conv(2)", "y = ", "foo.conv"},
	} {
		id := identifierAfter(t, f, src, c.line, c.at)
		got, ok := f.ImportOf(id)
		if ok != (c.want != "") || got != c.want {
			t.Errorf("%s (after %q): ImportOf %q %v, want %q", c.at, c.line, got, ok, c.want)
		}
	}
	if got := f.ModuleImports(); len(got) != 2 || got["torch"] != "torch" || got["conv"] != "foo.conv" {
		t.Errorf("ModuleImports %v, want torch and foo's conv", got)
	}
	for _, name := range []string{"range", "js", "conv", "torch"} {
		if _, ok := f.Imports[name]; !ok {
			t.Errorf("Imports has no %s: it lists every binding of the file", name)
		}
	}
	// a file whose imports all lie at module level answers ModuleImports with Imports
	g := parseFile(t, "import torch\nfrom foo import conv\n")
	if m := g.ModuleImports(); len(m) != 2 || m["conv"] != "foo.conv" {
		t.Errorf("ModuleImports of a file without function imports: %v", m)
	}
}

// TestClassBodyImportScope: an import in a class body binds a class attribute. It is not
// a name of the module, and the class's methods do not see it (Python looks their free
// names up in the module): round in a method and after the class is the builtin.
func TestClassBodyImportScope(t *testing.T) {
	src := `import torch


class Uses(torch.nn.Module):
    def forward(self, x):
        return round(x.shape[0] / 2)


class Imports(torch.nn.Module):
    from mathx import round

    def forward(self, x):
        return round(x.shape[0] / 2)


y = round(2.5)
`
	f := parseFile(t, src)
	for _, line := range []string{"class Uses", "class Imports", "y = "} {
		if got, ok := f.ImportOf(identifierAfter(t, f, src, line, "round(")); ok {
			t.Errorf("round after %q: ImportOf %q, want the builtin", line, got)
		}
	}
	if got := f.ModuleImports(); len(got) != 1 || got["torch"] != "torch" {
		t.Errorf("ModuleImports %v, want torch alone", got)
	}
	if len(f.ImportList) != 2 || !f.ImportList[1].Scoped || f.ImportList[0].Scoped {
		t.Errorf("ImportList %+v: want the class body's import scoped", f.ImportList)
	}
}

// identifierAfter returns the identifier at the first of at's text after the line of src
// (f's text) holding line.
func identifierAfter(t *testing.T, f *File, src, line, at string) NodeID {
	t.Helper()
	l := strings.Index(src, line)
	i := l + strings.Index(src[l:], at)
	if l < 0 || i < l {
		t.Fatalf("no %q after %q", at, line)
	}
	id := f.Tree.NodeAt(i)
	if f.Tree.Kind(id) != syntax.KindIdentifier {
		t.Fatalf("%q: node %s", at, f.Tree.Kind(id))
	}
	return id
}
