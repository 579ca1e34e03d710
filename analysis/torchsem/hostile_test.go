package torchsem

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// programOf links files given as module path -> source.
func programOf(t testing.TB, files map[string]string, order ...string) *Program {
	t.Helper()
	p := syntax.NewParser()
	defer p.Close()
	var pfs []*pysem.File
	for _, name := range order {
		tree, err := p.ParseTree(context.Background(), []byte(files[name]))
		if err != nil {
			t.Fatal(err)
		}
		mod, _ := pysem.ModuleOf(name)
		pf := pysem.NewFile(tree, mod)
		pf.Path = name
		pfs = append(pfs, pf)
	}
	return NewProgram(pfs)
}

// TestProgramBadInput: what a project can hold that would send linking around forever: an
// import cycle with mutual recursion across files, re-exports that name each other, star
// imports of each other, a name only a cycle could define. Linking ends, the functions
// forward reaches are traced, and what cannot be resolved is unknown, not an error.
func TestProgramBadInput(t *testing.T) {
	files := map[string]string{
		"pkg/__init__.py": "from .a import *\nfrom .b import *\n",
		"pkg/a.py":        "from .b import g, loop_name\nfrom .b import *\n\n\ndef f(n):\n    if n > 1:\n        return g(n - 1)\n    return n\n",
		"pkg/b.py":        "from .a import f, loop_name\nfrom .a import *\n\n\ndef g(n):\n    return f(n // 2)\n",
		"pkg/model.py":    "import torch\nfrom . import f, loop_name, nowhere\n\n\nclass M(torch.nn.Module):\n    def forward(self, x):\n        a = f(x.shape[0])\n        b = loop_name(x)\n        c = nowhere(x)\n        return a, b, c\n",
	}
	for _, order := range [][]string{
		{"pkg/__init__.py", "pkg/a.py", "pkg/b.py", "pkg/model.py"},
		{"pkg/model.py", "pkg/b.py", "pkg/a.py", "pkg/__init__.py"},
	} {
		p := programOf(t, files, order...)
		a, b := p.File("pkg.a"), p.File("pkg.b")
		fa, gb := a.LookupFunc(nil, "f"), b.LookupFunc(nil, "g")
		if fa == nil || gb == nil || !a.Traced(fa) || !b.Traced(gb) {
			t.Fatalf("order %v: f and g, which forward reaches through the cycle, are not traced", order)
		}
		m := p.File("pkg.model")
		for _, name := range []string{"b", "c"} {
			fwd := m.Classes[0].Methods["forward"]
			n := findAssign(m, name)
			if v := m.Value(fwd, n); v.Is(Tensor) {
				t.Errorf("order %v: %s = %s is %s, want unknown (the callee resolves to nothing)", order, name, m.Tree.String(n), v.Kind)
			}
		}
	}
}

// findAssign returns the right side of the assignment to name.
func findAssign(f *File, name string) NodeID {
	t := f.Tree
	for _, n := range f.Nodes(syntax.KindAssignment) {
		if l := t.Field(n, syntax.FieldLeft); t.Kind(l) == syntax.KindIdentifier && t.TextIs(l, name) {
			return t.Field(n, syntax.FieldRight)
		}
	}
	return NoNode
}

// longChain is a module of n functions, each calling the next with the size it got, the
// last rounding it, and a model whose forward calls the first with an input's size.
func longChain(n int) string {
	var b strings.Builder
	b.WriteString("import torch\n\n\n")
	for i := 0; i < n-1; i++ {
		fmt.Fprintf(&b, "def f%d(n):\n    return f%d(n + 1)\n\n\n", i, i+1)
	}
	fmt.Fprintf(&b, "def f%d(n):\n    return round(n / 2)\n\n\n", n-1)
	b.WriteString("class M(torch.nn.Module):\n    def forward(self, x):\n        return f0(x.shape[0])\n")
	return b.String()
}

// TestTenThousandFunctions: a file of 10,000 functions calling each other in a chain is
// linked through to the last (its parameter is a size of the input), and the chain a
// finding names is bounded.
func TestTenThousandFunctions(t *testing.T) {
	const n = 10000
	p := programOf(t, map[string]string{"chain.py": longChain(n)}, "chain.py")
	f := p.Files[0]
	last := f.LookupFunc(nil, fmt.Sprintf("f%d", n-1))
	if last == nil || !f.Traced(last) {
		t.Fatal("the last function of the chain is not traced")
	}
	if v := f.Params(last)[0]; !v.May(Size) {
		t.Errorf("the last function's parameter is %s, want a size", v.Kind)
	}
	if c := f.Chain(last); len(c) == 0 || len(c) > maxChain {
		t.Errorf("chain of %d steps, want 1..%d", len(c), maxChain)
	}
}

// BenchmarkTenThousandFunctions measures linking the chain (it must stay near-linear).
func BenchmarkTenThousandFunctions(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		src := map[string]string{"chain.py": longChain(n)}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for range b.N {
				programOf(b, src, "chain.py")
			}
		})
	}
}
