package torchsem

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
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
// caches filled as an analysis leaves them. p50-ms is the median (the machine may be busy).
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
	b.Logf("cpu %v", cpu)
}
