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
		line := strings.Index(src, c.line)
		at := line + strings.Index(src[line:], c.at)
		if line < 0 || at < line {
			t.Fatalf("no %q after %q", c.at, c.line)
		}
		id := f.Tree.NodeAt(at)
		if f.Tree.Kind(id) != syntax.KindIdentifier {
			t.Fatalf("%q: node %s", c.at, f.Tree.Kind(id))
		}
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
