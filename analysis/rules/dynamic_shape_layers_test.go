package rules

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// TestSizeOpOut: output sizes of convolution, pooling and scaling windows, by the formulas
// of PyTorch's Conv2d and MaxPool2d documentation (floor((h + 2p - d(k - 1) - 1) / s) + 1,
// rounded up with ceil_mode, the last window starting inside the input), and the smallest
// input a chain of them lets through.
func TestSizeOpOut(t *testing.T) {
	for _, tc := range []struct {
		op      sizeOp
		in, out int
	}{
		{sizeOp{k: 7, s: 2, p: 3, d: 1}, 224, 112}, // ResNet's stem
		{sizeOp{k: 7, s: 2, p: 3, d: 1}, 1, 1},
		{sizeOp{k: 3, s: 2, p: 1, d: 1}, 112, 56},
		{sizeOp{k: 16, s: 16, d: 1}, 224, 14}, // a ViT patch embedding
		{sizeOp{k: 16, s: 16, d: 1}, 15, 0},
		{sizeOp{k: 3, s: 1, p: 0, d: 2}, 5, 1}, // dilated: the window spans 5
		{sizeOp{k: 3, s: 1, p: 0, d: 2}, 4, 0},
		{sizeOp{k: 3, s: 2, d: 1, ceil: true}, 6, 3},
		{sizeOp{k: 3, s: 2, d: 1, ceil: true}, 5, 2},
		{sizeOp{k: 2, s: 2, d: 1, ceil: true}, 5, 3},
		{sizeOp{k: 3, s: 2, p: 1, d: 1, ceil: true}, 4, 3},
		{sizeOp{k: 2, s: 2, p: 1, d: 1, ceil: true}, 3, 2}, // the third window would start in the right padding
		{sizeOp{k: 3, s: 3, d: 1, ceil: true}, 2, 1},
		{sizeOp{scale: 0.25}, 7, 1},
		{sizeOp{scale: 0.25}, 3, 0},
		{sizeOp{same: true}, 9, 9},
	} {
		if got := tc.op.out(tc.in); got != tc.out {
			t.Errorf("%+v on %d: %d, want %d", tc.op, tc.in, got, tc.out)
		}
	}
	stem := []step{{op: sizeOp{axis: 2, k: 7, s: 2, d: 1}}, {op: sizeOp{axis: 3, k: 5, s: 1, d: 1}}, {op: sizeOp{axis: 2, k: 3, s: 2, d: 1}}}
	if got := minInput(stem, 2); got != 11 {
		t.Errorf("minInput(axis 2) = %d, want 11: 7 rows for the convolution, 3 of its rows for the pooling", got)
	}
	if got := minInput(stem, 3); got != 5 {
		t.Errorf("minInput(axis 3) = %d, want 5", got)
	}
	if got := minInput([]step{{op: sizeOp{axis: 2, scale: 1e-9}}}, 2); got != -1 {
		t.Errorf("a scale no size survives: minInput = %d, want -1", got)
	}
}

// TestMinSizeEachDeclarationItsBounds: export calls of one model are each judged by their
// own bounds and constructor values: a Dim without min= and one whose min is too small are
// reported, one whose min suffices is not, and the call that builds a larger kernel needs
// a larger size.
func TestMinSizeEachDeclarationItsBounds(t *testing.T) {
	src := `import torch
from torch import nn
from torch.export import Dim, export


class Stem(nn.Module):
    def __init__(self, k=7):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, k, stride=2)

    def forward(self, x):
        return self.conv(x)


x = torch.randn(1, 3, 64, 64)
a = export(Stem(), (x,), dynamic_shapes={"x": {2: Dim("ha")}})
b = export(Stem(), (x,), dynamic_shapes={"x": {2: Dim("hb", min=64)}})
c = export(Stem(), (x,), dynamic_shapes={"x": {2: Dim("hc", min=4)}})
d = export(Stem(k=15), (x,), dynamic_shapes={"x": {2: Dim("hd", min=8)}})
`
	_, fds := findingsOf(t, DynamicShapeMinSize, src, analysis.Options{MinSeverity: analysis.Off})
	var msgs []string
	for _, fd := range fds {
		msgs = append(msgs, fd.Message)
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{`"ha" < 7`, `"hc" < 7`, `"hd" < 15`} {
		if !strings.Contains(all, want) {
			t.Errorf("no finding says %s:\n%s", want, all)
		}
	}
	if strings.Contains(all, `"hb"`) {
		t.Errorf("hb (min=64) is reported:\n%s", all)
	}
}

// TestMinSizeWalksStayInReachingFiles: a file takes only the walks of declarations whose
// files may name it (Program.Reaching). On every multi-file fixture, each culprit a walk
// finds lies in a file that reaches the declaration's files, so no file misses a culprit.
func TestMinSizeWalksStayInReachingFiles(t *testing.T) {
	archives, err := filepath.Glob(filepath.Join("testdata", "*.txtar"))
	if err != nil || len(archives) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	p := syntax.NewParser()
	defer p.Close()
	walked := 0
	for _, archive := range archives {
		_, prog := loadArchive(t, p, archive)
		for _, d := range prog.Declarations() {
			if !walkable(d) {
				continue
			}
			for _, c := range walkDeclared(prog, d).culprits {
				walked++
				r := prog.Reaching(c.step.siteFile)
				if !r.Has(d.File) && !r.Has(d.ClassFile) && !r.Has(d.FwdFile) {
					t.Errorf("%s: the culprit in %s of the declaration at %s lies in a file its files do not reach", archive, c.step.siteFile.Path, d.Where())
				}
			}
		}
	}
	t.Logf("%d culprits", walked)
	if walked < 10 {
		t.Errorf("only %d culprits in the fixtures: the test checks too little", walked)
	}
}
