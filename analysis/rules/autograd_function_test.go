package rules

import (
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

func TestAutogradFunctionRelated(t *testing.T) {
	f, fds := groupcSeed(t, "autograd_function", AutogradFunction, catalog.BaseVersion)
	if len(fds) != 1 {
		t.Fatalf("got %d findings, want 1: %v", len(fds), fds)
	}
	fd := fds[0]
	if got := string(f.Src[fd.Start:fd.End]); got != "MyAutogradFunction.apply(x)" {
		t.Errorf("finding spans %q, want the call", got)
	}
	if len(fd.Related) != 1 || string(f.Src[fd.Related[0].Start:fd.Related[0].End]) != "backward" {
		t.Errorf("related = %+v, want the backward staticmethod", fd.Related)
	}
	// inherited backward: the related location is the base class's
	src := `import torch


class Base(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, g):
        return g


class Derived(Base):
    pass


class M(torch.nn.Module):
    def forward(self, x):
        return Derived.apply(x)
`
	f, res := analyzeFile(t, []byte(src), []*analysis.Rule{AutogradFunction}, analysis.Options{})
	if len(res.Findings) != 1 || len(res.Findings[0].Related) != 1 {
		t.Fatalf("findings = %+v, want one with the inherited backward as related", res.Findings)
	}
	if r := res.Findings[0].Related[0]; f.Line(r.Start) != 9 {
		t.Errorf("related on line %d, want line 10 (Base.backward)", f.Line(r.Start)+1)
	}
}
