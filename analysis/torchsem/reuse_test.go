package torchsem

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// blockModel returns a Python file of about n lines: many nn.Module classes of one shape
// (the language server's keystroke benchmark edits such a file).
func blockModel(n int) string {
	var b strings.Builder
	b.WriteString("import torch\nimport torch.nn as nn\n\n\n")
	for i := 0; strings.Count(b.String(), "\n") < n; i++ {
		fmt.Fprintf(&b, `class Block%d(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.norm = nn.LayerNorm(dim)
        self.scale = dim ** -0.5

    def forward(self, x):
        h = self.norm(x)
        h = self.proj(h) * self.scale
        n = x.shape[0] // 2
        if x.dim() > 2:
            h = h.view(x.shape[0], -1, x.shape[-1])
        for k in range(2):
            h = h + k
        return x[:n] + h[:n]


`, i)
	}
	b.WriteString("class Last(nn.Module):\n    def forward(self, x):\n        return x[: round(x.shape[0] / 2)]\n")
	return b.String()
}

// query asks f what the rules ask of every function (its values, callees and attributes),
// so that f's caches hold what an analysis leaves in them.
func query(f *File) {
	for _, fn := range f.Funcs {
		f.Params(fn)
		f.Returns(fn)
		for m := fn.Node; m < f.Tree.SubtreeEnd(fn.Node); m++ {
			switch f.Tree.Kind(m) {
			case syntax.KindCall:
				f.Callee(fn, m)
				f.Value(fn, m)
			case syntax.KindAttribute, syntax.KindIdentifier:
				f.Value(fn, m)
			}
		}
	}
	for _, c := range f.Classes {
		f.Attr(c, "proj")
	}
}

// BenchmarkReplaceFrom measures the link stage of a keystroke: ReplaceFrom after a
// one-character edit inside one forward of a 5,680-line model file, the previous text's
// caches filled as an analysis leaves them (the collector runs between iterations). p50-ms
// is the median wall time, cpu-p50-ms the median CPU time of the thread that runs it: on a
// busy machine the latter varies less.
func BenchmarkReplaceFrom(b *testing.B) {
	text := blockModel(5680)
	at := strings.Index(text, "n = x.shape[0] // 2")
	texts := [2]string{text, text[:at] + "m" + text[at:]}
	p := syntax.NewParser()
	defer p.Close()
	var trees [2]*syntax.Tree
	for i, s := range texts {
		t, err := p.ParseTree(context.Background(), []byte(s))
		if err != nil {
			b.Fatal(err)
		}
		trees[i] = t
	}
	mod := pysem.Module{Name: "big"}
	base := NewProgram(nil)
	prev := base.ReplaceFrom(nil, pysem.NewFile(trees[0], mod))
	query(prev)
	var took, cpu []time.Duration
	// ReplaceFrom runs on the calling goroutine: pinned to its thread, the thread's CPU time
	// is its own, whatever else the machine runs
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		pf := pysem.NewFile(trees[(i+1)%2], mod)
		runtime.GC()
		b.StartTimer()
		start, cpu0 := time.Now(), threadCPU()
		nf := base.ReplaceFrom(prev, pf)
		took = append(took, time.Since(start))
		cpu = append(cpu, threadCPU()-cpu0)
		b.StopTimer()
		if nf.Kept() == 0 {
			b.Fatal("ReplaceFrom kept nothing")
		}
		query(nf)
		prev = nf
		b.StartTimer()
	}
	slices.Sort(took)
	slices.Sort(cpu)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(cpu[len(cpu)/2].Microseconds())/1000, "cpu-p50-ms")
}

// reuseSource exercises what ReplaceFrom carries across units: a module-level helper and
// constant, classes deriving from classes of the file, a container of blocks, an autograd
// Function, a forward with a nested function and a lambda, untraced code and an export call.
// Model, Other and Gate share no module-level name, so that an edit of one keeps the others.
const reuseSource = `import torch
import torch.nn as nn

SCALE = 2


def helper(x, k):
    return x.shape[0] // k


class Base(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.proj = nn.Linear(dim, dim)


class Block(Base):
    def forward(self, x):
        n = helper(x, SCALE)
        return self.proj(x)[:n]


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([Block(8) for _ in range(2)])
        self.head = nn.Sequential(Block(8), nn.ReLU())

    def forward(self, x):
        for blk in self.blocks:
            x = blk(x)
        return self.head(x)


def halve(x):
    return x[: x.shape[0] // 2]


class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * x


class Other(nn.Module):
    def forward(self, x):
        if x.shape[0] > 4:
            x = Square.apply(x)
        return halve(x)


class Gate(nn.Module):
    def forward(self, x):
        def branch(y):
            return y * 2

        return torch.cond(x.sum() > 0, branch, lambda y: y - 1, (x,))


def untraced(y):
    return y.item()


ep = torch.export.export(Model(), (torch.randn(8, 8),))
`

// dumpFile writes what linking and the queries found for f, in the new text's terms (no node
// IDs): the module classes, each function's trace, parameters and returns, and the value and
// callee of every expression of a traced function.
func dumpFile(f *File) string {
	var b strings.Builder
	p := f.Program()
	for _, c := range f.Classes {
		fmt.Fprintf(&b, "class %s module=%v autograd=%v proj=%v\n", c.Name, f.IsModule(c), f.IsAutogradFunction(c), f.Attr(c, "proj").Kind)
	}
	t := f.Tree
	for _, fn := range f.Funcs {
		fmt.Fprintf(&b, "func %s traced=%q returns=%s params=", fn.QualName(), f.TracedFrom(fn), describe(p, f.Returns(fn)))
		for _, v := range f.Params(fn) {
			b.WriteString(describe(p, v) + ";")
		}
		b.WriteString("\n")
		if !f.Traced(fn) {
			continue
		}
		for m := fn.Node; m < t.SubtreeEnd(fn.Node); m++ {
			switch t.Kind(m) {
			case syntax.KindCall:
				c := f.Callee(fn, m)
				fmt.Fprintf(&b, "  %q@%d callee api=%s builtin=%s layer=%s", t.String(m), t.Start(m)-t.Start(fn.Node), c.API, c.Builtin, c.Layer)
				if c.Func != nil {
					fmt.Fprintf(&b, " func=%s same=%v", c.Func.QualName(), c.File == f)
				}
				if c.Class != nil {
					fmt.Fprintf(&b, " class=%s same=%v", c.Class.Name, c.ClassFile == f)
				}
				fmt.Fprintf(&b, " value=%s\n", describe(p, f.Value(fn, m)))
			case syntax.KindIdentifier, syntax.KindAttribute, syntax.KindSubscript:
				fmt.Fprintf(&b, "  %q@%d %s\n", t.String(m), t.Start(m)-t.Start(fn.Node), describe(p, f.Value(fn, m)))
			}
		}
	}
	return b.String()
}

// reuseEdits change what one unit of reuseSource says of another: a call removed or added, a
// base class renamed or replaced, a constant rebound, a container emptied.
var reuseEdits = [][2]string{
	{"        n = helper(x, SCALE)\n", "        n = 1\n"},
	{"n = helper(x, SCALE)", "n = helper(x.shape[1], SCALE)"},
	{"SCALE = 2", "SCALE = torch.ones(1)"},
	{"class Base(nn.Module)", "class Base(object)"},
	{"class Base(nn.Module)", "class Base2(nn.Module)"},
	{"class Block(Base)", "class Block(nn.Module)"},
	{"class Square(torch.autograd.Function)", "class Square(object)"},
	{"            x = Square.apply(x)\n", "            x = x\n"},
	{"        return halve(x)\n", "        return x\n"},
	{"class Other(nn.Module)", "class Other(object)"},
	{"    return x[: x.shape[0] // 2]", "    return x[: round(x.shape[0] / 2)]"},
	{"nn.ModuleList([Block(8) for _ in range(2)])", "nn.ModuleList([])"},
	{"        return self.head(x)\n", "        return halve(self.head(x))\n"},
	{"def helper(x, k):\n    return x.shape[0] // k", "def helper(x, k):\n    return round(x.shape[0] / k)"},
	{"    return y.item()", "    return Model().forward(y)"},
	{"            return y * 2\n", "            return halve(y)\n"},
	{"lambda y: y - 1", "lambda y: helper(y, SCALE)"},
}

// TestReplaceFromMatchesReplace makes each of reuseEdits (and takes it back), then edits
// reuseSource at random, one edit after another, and checks after each that ReplaceFrom from the previous text finds what Replace finds from
// scratch. It runs twice: the second time the unit graphs never share their names (each
// edit takes the path that summarises every unit anew).
func TestReplaceFromMatchesReplace(t *testing.T) {
	snippets := []string{"x", "SCALE", "helper(x, 3)", "Block", "Base", "self.proj(x)", "\n", "\n    ", "(", ")", ":", ",",
		".shape[0]", "round(", "# ", "def ", "class ", "Square.apply(x)", "halve(x)", " = 1\n", "nn.Module", "import math\n"}
	for _, fresh := range []bool{false, true} {
		t.Run(fmt.Sprintf("fresh=%v", fresh), func(t *testing.T) {
			if fresh {
				defer func(f func(int) int) { namesBound = f }(namesBound)
				namesBound = func(int) int { return 0 }
			}
			rng := rand.New(rand.NewPCG(7, 13))
			mod := pysem.Module{Name: "m"}
			base := NewProgram(nil)
			text := reuseSource
			prev := base.ReplaceFrom(nil, parsed(t, text, mod))
			kept := 0
			check := func(what, text string) {
				t.Helper()
				nf := base.ReplaceFrom(prev, parsed(t, text, mod))
				full := base.Replace(parsed(t, text, mod))
				if got, want := dumpFile(nf), dumpFile(full); got != want {
					t.Fatalf("%s: ReplaceFrom and Replace differ:\n%s\ntext:\n%s", what, lineDiff(got, want), text)
				}
				kept += nf.Kept()
				prev = nf
			}
			for _, e := range reuseEdits {
				edited := strings.Replace(reuseSource, e[0], e[1], 1)
				if edited == reuseSource {
					t.Fatalf("%q is not in reuseSource", e[0])
				}
				check(fmt.Sprintf("%q -> %q", e[0], e[1]), edited)
				check(fmt.Sprintf("%q -> %q taken back", e[0], e[1]), reuseSource)
			}
			for step := 0; step < 120; step++ {
				at := rng.IntN(len(text) + 1)
				switch rng.IntN(3) {
				case 0, 1:
					text = text[:at] + snippets[rng.IntN(len(snippets))] + text[at:]
				default:
					text = text[:at] + text[min(len(text), at+1+rng.IntN(6)):]
				}
				if step%10 == 0 {
					text = reuseSource // start again from a text that parses
				}
				check(fmt.Sprintf("random edit %d", step+1), text)
			}
			if kept == 0 {
				t.Error("no edit kept a function: the incremental path never ran")
			}
		})
	}
}

// lineDiff returns the lines of got and want that differ (the first few).
func lineDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	var b strings.Builder
	for i, n := 0, 0; i < max(len(g), len(w)) && n < 10; i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			fmt.Fprintf(&b, "ReplaceFrom: %s\nReplace:     %s\n", gl, wl)
			n++
		}
	}
	return b.String()
}

// TestReplaceFromConcurrent: texts re-linked from one previous text at the same time (an
// editor's superseded analysis still running) while that text is queried share its unit
// graph and names safely (go test -race), and each gets what Replace gets.
func TestReplaceFromConcurrent(t *testing.T) {
	mod := pysem.Module{Name: "m"}
	base := NewProgram(nil)
	prev := base.ReplaceFrom(nil, parsed(t, reuseSource, mod))
	var texts []string
	for _, e := range reuseEdits {
		texts = append(texts, strings.Replace(reuseSource, e[0], e[1], 1))
	}
	pfs := make([]*pysem.File, len(texts))
	for i, text := range texts {
		pfs[i] = parsed(t, text, mod)
	}
	got := make([]string, len(texts))
	var wg sync.WaitGroup
	for i := range texts {
		wg.Add(2)
		go func() {
			defer wg.Done()
			got[i] = dumpFile(base.ReplaceFrom(prev, pfs[i]))
		}()
		go func() {
			defer wg.Done()
			dumpFile(prev)
		}()
	}
	wg.Wait()
	for i, text := range texts {
		if want := dumpFile(base.Replace(parsed(t, text, mod))); got[i] != want {
			t.Errorf("%q -> %q: ReplaceFrom and Replace differ:\n%s", reuseEdits[i][0], reuseEdits[i][1], lineDiff(got[i], want))
		}
	}
}

// TestReuseNodes: reuseFrom maps a node of a kept unit before the edit to itself and one
// after it by the edit's shift, and keeps no node of the unit edited, of a unit that names
// it, or of no unit (the module).
func TestReuseNodes(t *testing.T) {
	const src = `import torch


def first(x):
    return x + 1


def edited(x):
    return x * 2


def caller(x):
    return edited(x)


def last(x):
    return x - 1
`
	mod := pysem.Module{Name: "m"}
	base := NewProgram(nil)
	prev := base.ReplaceFrom(nil, parsed(t, src, mod))
	nf := newFile(base, edited(t, prev, "return x * 2", "return (x * 2) + 0"))
	r, ok := reuseFrom(prev, nf, nil, nil)
	if !ok {
		t.Fatal("reuseFrom kept nothing")
	}
	pt, nt := prev.Tree, nf.Tree
	for _, tc := range []struct {
		marker, text string
		kept         bool
	}{
		{"def first", "x + 1", true},
		{"def last", "x - 1", true},
		{"def edited", "x * 2", false},
		{"def caller", "edited(x)", false},
	} {
		n := nodeAt(t, prev, tc.marker, tc.text)
		m, kept := r.node(n)
		if kept != tc.kept {
			t.Errorf("%s (%s): kept %v, want %v", tc.text, tc.marker, kept, tc.kept)
			continue
		}
		if kept && (nt.String(m) != tc.text || nt.Kind(m) != pt.Kind(n)) {
			t.Errorf("%s (%s) maps to %q", tc.text, tc.marker, nt.String(m))
		}
	}
	if _, kept := r.node(pt.Root()); kept {
		t.Error("the module node is kept")
	}
	if m, kept := r.node(NoNode); !kept || m != NoNode {
		t.Error("NoNode does not map to itself")
	}
}

// TestReplaceFromKeepsNested: an edit of one class keeps the state of another class's
// forward that defines a nested function and a lambda, with the chains that make export
// trace them (their sites the nested def's name and the lambda), as Replace finds them.
func TestReplaceFromKeepsNested(t *testing.T) {
	mod := pysem.Module{Name: "m"}
	base := NewProgram(nil)
	prev := base.ReplaceFrom(nil, parsed(t, reuseSource, mod))
	text := strings.Replace(reuseSource, "            x = Square.apply(x)\n", "            x = x * 2\n", 1)
	nf := base.ReplaceFrom(prev, parsed(t, text, mod))
	full := base.Replace(parsed(t, text, mod))
	if got, want := dumpFile(nf), dumpFile(full); got != want {
		t.Fatalf("ReplaceFrom and Replace differ:\n%s", lineDiff(got, want))
	}
	var gate []*Function
	for _, fn := range nf.Funcs {
		if strings.HasPrefix(fn.QualName(), "Gate.forward") {
			gate = append(gate, fn)
		}
	}
	if len(gate) != 3 {
		t.Fatalf("Gate.forward and what it defines: %d functions, want 3", len(gate))
	}
	pi := map[string]*Function{}
	for _, fn := range prev.Funcs {
		pi[fn.QualName()] = fn
	}
	for _, fn := range gate {
		if !nf.Traced(fn) {
			t.Errorf("%s is not traced", fn.QualName())
		}
		// kept, not linked again: the state is the previous text's
		if nf.states[fn.Index()].scope != prev.states[pi[fn.QualName()].Index()].scope {
			t.Errorf("%s was linked again", fn.QualName())
		}
		ch := nf.Chain(fn)
		want := full.Chain(full.Funcs[fn.Index()])
		if len(ch) != len(want) {
			t.Errorf("%s: chain of %d steps, want %d", fn.QualName(), len(ch), len(want))
			continue
		}
		for i := range ch {
			if ch[i].Site != want[i].Site || ch[i].Kind != want[i].Kind {
				t.Errorf("%s: step %d is %v, want %v", fn.QualName(), i, ch[i], want[i])
			}
		}
		if fn.Parent != nil {
			site := nf.Tree.String(ch[0].Site)
			if site != "branch" && !strings.HasPrefix(site, "lambda y") {
				t.Errorf("%s is reached at %q, want the nested def's name or the lambda", fn.QualName(), site)
			}
		}
	}
}

// unitsSource has a class whose forward uses the module's names only as local names
// (a parameter, a local variable, attributes of both, a keyword-argument name, a
// comprehension variable), and units that read the module's names (a function called, a
// constant read as a default).
const unitsSource = `import torch

LIMIT = 4


def scale(x, factor=LIMIT):
    return x * factor


def norm(y):
    return y / y.abs().sum()


class A(torch.nn.Module):
    def forward(self, x, scale=None):
        norm = x.norm
        out = [LIMIT for LIMIT in x]
        return self.scale(norm, LIMIT=scale.norm)


class B(torch.nn.Module):
    def forward(self, y, eps=LIMIT):
        return norm(y) + eps
`

// TestUnitsJoinOnlyModuleNames: units join on the module-level names they read, not on
// names local to their functions.
func TestUnitsJoinOnlyModuleNames(t *testing.T) {
	f := New(parsed(t, unitsSource, pysem.Module{Name: "m"}))
	g := f.initMemos().units
	_, comps := affectedUnits(g, 0, 0, g, 0, 0, nil)
	unit := func(prefix string) int32 {
		for i, n := range g.nodes {
			if strings.HasPrefix(g.t.String(n), prefix) {
				return comps[i]
			}
		}
		t.Fatalf("no unit %q", prefix)
		return -1
	}
	for _, p := range [][2]string{{"LIMIT", "def scale"}, {"def norm", "class B"}, {"LIMIT", "class B"}} {
		if unit(p[0]) != unit(p[1]) {
			t.Errorf("%s and %s are apart", p[0], p[1])
		}
	}
	for _, other := range []string{"LIMIT", "def scale", "def norm", "class B"} {
		if unit("class A") == unit(other) {
			t.Errorf("class A and %s are joined", other)
		}
	}
}

// TestSameComponents: an edit that changes no name a unit binds or mentions (a local's
// name) takes the components of the text before as they are, when they are those of its
// own graph; an edit that does (a call of another function) joins what it removed with
// what it added, and the next edit computes them again. Each time the partition is the
// one the new text's own graph gives, or coarser right after the joining edit.
func TestSameComponents(t *testing.T) {
	mod := pysem.Module{Name: "m"}
	base := NewProgram(nil)
	f := base.ReplaceFrom(nil, parsed(t, unitsSource, mod))
	partition := func(comps []int32) string {
		first := map[int32]int{}
		var b strings.Builder
		for i, c := range comps {
			if _, ok := first[c]; !ok {
				first[c] = i
			}
			fmt.Fprintf(&b, "%d ", first[c])
		}
		return b.String()
	}
	for i, e := range []struct {
		from, to     string
		shared       bool // the components are the previous text's
		exact, joins bool // they are the text's own graph's; the edit joined two components
	}{
		{"out = [", "outs = [", false, true, false}, // the first text was linked whole
		{"outs = [", "outs2 = [", true, true, false},
		{"return norm(y) + eps", "return scale(y) + eps", false, false, true},
		{"outs2 = [", "outs3 = [", false, true, false},
		{"outs3 = [", "outs4 = [", true, true, false},
	} {
		prev := f
		f = base.ReplaceFrom(prev, edited(t, prev, e.from, e.to))
		um := f.initMemos()
		if um.comps == nil {
			t.Fatalf("edit %d: no components", i)
		}
		shared := prev.unitMemos.comps != nil && &um.comps[0] == &prev.unitMemos.comps[0]
		if shared != e.shared || um.exact != e.exact {
			t.Errorf("edit %d (%s): shared %v, exact %v; want %v, %v", i, e.to, shared, um.exact, e.shared, e.exact)
		}
		_, own := affectedUnits(um.units, 0, 0, um.units, 0, 0, nil)
		if got, want := partition(um.comps), partition(own); (got == want) == e.joins {
			t.Errorf("edit %d (%s): components %s, the text's own graph's %s", i, e.to, got, want)
		}
	}
}
