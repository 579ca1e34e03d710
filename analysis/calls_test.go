package analysis

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

const callsSrc = `import torch
import torch as T
import numpy as np
from torch import sym_min as smin


def round(x):
    return x


def helper(x):
    return T.sym_min(x, 1)  # traced through forward


def unused(x):
    return torch.sym_min(x, 2)  # not traced


class M(torch.nn.Module):
    def forward(self, x, xs: list):
        a = smin(x.shape[0], 3)
        b = torch.sym_min(a, 4)
        c = np.sum(x)
        d = x.view(-1)
        e = xs.view(-1)
        f = round(a)
        g = len(xs)
        if x.sum() > 0:
            assert a > 1, "msg"
        h = [v for v in xs if v]
        while a:
            a = a - 1 if a > 2 else 0
        return helper(x) + self.forward(x)
`

// TestPassCalls: Calls finds the calls in traced code whose callee resolves to a qualified
// name, however it is imported; CallName says what any call resolves to.
func TestPassCalls(t *testing.T) {
	f := parseFile(t, callsSrc)
	var got, names []string
	rule := &Rule{Name: "probe", Run: func(p *Pass) {
		for _, q := range []string{"torch.sym_min", "numpy.sum", "torch.Tensor.view", "round", "len"} {
			p.Calls(q, func(call NodeID, fn *Function) {
				got = append(got, q+"@"+fn.Name+":"+f.Tree.String(call))
			})
		}
		for _, call := range f.NodesIn(f.Funcs[3], syntax.KindCall) {
			names = append(names, p.CallName(call))
		}
	}}
	Analyze(context.Background(), f, []*Rule{rule}, Options{})
	want := []string{
		"torch.sym_min@helper:T.sym_min(x, 1)",
		"torch.sym_min@forward:smin(x.shape[0], 3)",
		"torch.sym_min@forward:torch.sym_min(a, 4)",
		"numpy.sum@forward:np.sum(x)",
		"torch.Tensor.view@forward:x.view(-1)",
		"len@forward:len(xs)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// xs.view: xs is a list; round: the file's own function; helper, self.forward: the project's
	wantNames := "torch.sym_min|torch.sym_min|numpy.sum|torch.Tensor.view|||len|torch.Tensor.sum||"
	if g := strings.Join(names, "|"); g != wantNames {
		t.Errorf("CallName of forward's calls:\n%s\nwant\n%s", g, wantNames)
	}
}

// TestPassShared: the rules of one analysis that ask Shared for one key get the value the
// first one computed, on any number of workers; another key, or another analysis of the
// file, computes its own.
func TestPassShared(t *testing.T) {
	f := parseFile(t, callsSrc)
	type key struct{ k int }
	for _, workers := range []int{1, 4} {
		var computed atomic.Int32
		var mu sync.Mutex
		seen := map[any]int{}
		var rules []*Rule
		for i := range 6 {
			rules = append(rules, &Rule{Name: fmt.Sprintf("probe%d", i), Run: func(p *Pass) {
				v := p.Shared(key{i % 2}, func() any {
					computed.Add(1)
					return &struct{ n int }{i % 2}
				})
				mu.Lock()
				seen[v]++
				mu.Unlock()
			}})
		}
		for run := 1; run <= 2; run++ {
			Analyze(context.Background(), f, rules, Options{Workers: workers})
			if got := computed.Load(); got != int32(2*run) {
				t.Errorf("%d workers, analysis %d: %d values computed in all, want %d (one per key and analysis)", workers, run, got, 2*run)
			}
		}
		if len(seen) != 4 {
			t.Errorf("%d workers: the rules saw %d values, want 4: %v", workers, len(seen), seen)
		}
		for v, n := range seen {
			if n != 3 {
				t.Errorf("%d workers: value %p seen by %d rules, want 3", workers, v, n)
			}
		}
	}
}

// TestPassConditions: Conditions reports the tests of traced code in source order.
func TestPassConditions(t *testing.T) {
	f := parseFile(t, callsSrc)
	var got []string
	rule := &Rule{Name: "probe", Run: func(p *Pass) {
		p.Conditions(func(c Condition, fn *Function) {
			got = append(got, c.What(f.Tree)+"@"+fn.Name+":"+f.Tree.String(c.Test))
		})
	}}
	Analyze(context.Background(), f, []*Rule{rule}, Options{})
	want := "if@forward:x.sum() > 0 assert@forward:a > 1 comprehension if@forward:v while@forward:a conditional expression@forward:a > 2"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("Conditions:\n%s\nwant\n%s", g, want)
	}
}

// TestCallIndexMoved: the call index of a text spliced from the previous one by a reparse
// (the editor's keystroke) is the previous index with the reparsed calls indexed again and
// the later ones moved, and equals the index built from every call, edit after edit. An
// edit of an import builds it anew.
func TestCallIndexMoved(t *testing.T) {
	p := syntax.NewParser()
	defer p.Close()
	ctx := context.Background()
	src := []byte(strings.Repeat(callsSrc, 3))
	doc, err := p.Parse(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	prog := torchsem.NewProgram(nil)
	pf, err := pysem.NewFileContext(ctx, doc.Tree(), pysem.Module{})
	if err != nil {
		t.Fatal(err)
	}
	f := prog.ReplaceFrom(nil, pf)
	ix := buildCallIndex(f)
	snippets := []string{"f(x)", "(", ")", "\n", "x.view(1)", "round(", " ", "smin(a, b)\n    ", "#", "T.", "import math\n"}
	rng := rand.New(rand.NewPCG(1, 2))
	moved := 0
	for step := 0; step < 300; step++ {
		at := rng.IntN(len(src) + 1)
		var next []byte
		var e syntax.Edit
		if rng.IntN(3) == 0 && at < len(src) {
			end := min(len(src), at+1+rng.IntN(6))
			next = append(append([]byte{}, src[:at]...), src[end:]...)
			e = syntax.Edit{Start: at, OldEnd: end, NewEnd: at}
		} else {
			s := snippets[rng.IntN(len(snippets))]
			next = append(append(append([]byte{}, src[:at]...), s...), src[at:]...)
			e = syntax.Edit{Start: at, OldEnd: at, NewEnd: at + len(s)}
		}
		nd, err := p.Reparse(ctx, doc, [][]byte{src}, []syntax.Edit{e}, next)
		if err != nil {
			continue // refused (too deep): the next edit starts from the same text
		}
		npf, err := pysem.NewFileFrom(ctx, pf, nd.Tree(), pysem.Module{})
		if err != nil {
			t.Fatal(err)
		}
		nf := prog.ReplaceFrom(f, npf)
		want := buildCallIndex(nf)
		got, ok := ix.moved(nf)
		if !ok {
			got = want
		} else {
			moved++
		}
		if len(got.byLast) != len(want.byLast) {
			t.Fatalf("edit %d: %d names, want %d", step, len(got.byLast), len(want.byLast))
		}
		for name, calls := range want.byLast {
			if g := got.byLast[name]; g == nil || !slices.Equal(*g, *calls) {
				t.Fatalf("edit %d (%+v): calls of %q: %v, want %v", step, e, name, g, *calls)
			}
		}
		doc.Close()
		doc, src, pf, f, ix = nd, next, npf, nf, got
	}
	doc.Close()
	if moved < 200 {
		t.Errorf("only %d of 300 indexes moved", moved)
	}
}
