package rules

import (
	"context"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// dataShapeRules are the rules of the data_shape_common.go family.
var dataShapeRules = []*analysis.Rule{DataDependentOutputShape, TensorToPython, CondBranchContract}

// A Python slice bounded by a data-dependent length fails in non-strict export only; Python's
// min/max of tensors too (strict export rewrites them as torch.clamp / torch.maximum).
func TestDataShapeRulesByExportMode(t *testing.T) {
	src := []byte(`import torch
from torch import Tensor, nn


class M(nn.Module):
    def forward(self, x: Tensor, y: Tensor):
        n = x.nonzero().shape[0]
        head = y[:n]
        scale = max(x.norm(), 1e-6)
        lo = min(x, y)
        top = max(x)
        return head / scale, lo, top
`)
	type want struct {
		severity analysis.Severity
		fix      string // the text one of its fixes writes, or ""
	}
	tests := []struct {
		nonStrict bool
		want      map[string]want // by message prefix
	}{
		{false, map[string]want{
			"slice bound n": {analysis.Information, "y.narrow(0, 0, n)"},
		}},
		{true, map[string]want{
			"slice bound n":                       {analysis.Error, "y.narrow(0, 0, n)"},
			"Python's max() compares tensor x.no": {analysis.Error, "x.norm().clamp(min=1e-6)"},
			"Python's min() compares tensor x":    {analysis.Error, "torch.minimum(x, y)"},
			"Python's max() compares the element": {analysis.Error, "x.max()"},
		}},
	}
	for _, tt := range tests {
		_, res := analyzeFile(t, src, dataShapeRules, analysis.Options{NonStrict: tt.nonStrict})
		seen := map[string]bool{}
		for _, fd := range res.Findings {
			if fd.Severity == analysis.Off {
				continue // hover explanations of the operators
			}
			matched := false
			for prefix, w := range tt.want {
				if !strings.HasPrefix(fd.Message, prefix) {
					continue
				}
				matched, seen[prefix] = true, true
				if fd.Severity != w.severity {
					t.Errorf("strict=%v: %q: severity %s, want %s", !tt.nonStrict, fd.Message, fd.Severity, w.severity)
				}
				if !fixWrites(fd, w.fix) {
					t.Errorf("strict=%v: %q: no fix writes %q (%+v)", !tt.nonStrict, fd.Message, w.fix, fd.Fixes)
				}
			}
			if !matched {
				t.Errorf("strict=%v: unexpected finding %s: %s", !tt.nonStrict, fd.Severity, fd.Message)
			}
		}
		for prefix := range tt.want {
			if !seen[prefix] {
				t.Errorf("strict=%v: no finding %q", !tt.nonStrict, prefix)
			}
		}
	}
}

func fixWrites(fd analysis.Finding, text string) bool {
	for _, fx := range fd.Fixes {
		for _, e := range fx.Edits {
			if strings.Contains(e.NewText, text) {
				return fx.Safety == analysis.Unsafe
			}
		}
	}
	return false
}

// Broken code, partial expressions and unusual spellings: no panic (analyzeFile fails the test
// on one), and nothing reported on the near misses among them.
func TestDataShapeRulesBadInput(t *testing.T) {
	sources := []string{
		// unfinished expressions inside traced code
		"import torch\nclass M(torch.nn.Module):\n    def forward(self, x):\n        for v in x[x >:\n            pass\n        return [r for r in x.nonzero(]\n",
		"import torch, math\nclass M(torch.nn.Module):\n    def forward(self, x):\n        return math.sqrt(\n",
		"import torch\nclass M(torch.nn.Module):\n    def forward(self, x):\n        return torch.cond(x.sum() > 0, lambda x:, lambda x: x, (x,))\n",
		"import torch\nclass M(torch.nn.Module):\n    def forward(self, x):\n        return torch.cond(\n",
		"import torch\nclass M(torch.nn.Module):\n    def forward(self, x):\n        def t(x):\n            return\n        def f(x):\n            return x, \n        return torch.cond(x.sum() > 0, t, f, (x,))\n",
		// near misses spelled unusually: nothing to report
		"import torch as T\nclass M(T.nn.Module):\n    def forward(self, x, n):\n        s = (x)[(x.shape[0])]\n        for i in range(n):\n            s = s + i\n        return T.where(x > 0, x, (0))\n",
		"import torch\nrange = lambda n: [0]\nclass M(torch.nn.Module):\n    def forward(self, x: torch.Tensor):\n        return [v for v in range(x.sum())]\n",
		"import torch\nclass M(torch.nn.Module):\n    def forward(self, x: torch.Tensor):\n        def max(a, b):\n            return a\n        return max(x, 1)\n",
		"import torch\nclass M(torch.nn.Module):\n    def forward(self, x: torch.Tensor):\n        x[x > 0] = 0\n        del x[x < 0]\n        return x.nonzero_static(size=2)\n",
		// cycles in names and bases
		"import torch\nclass A(B, torch.nn.Module):\n    def forward(self, x):\n        a = b\n        b = a\n        for v in a:\n            pass\n        return a\nclass B(A):\n    pass\n",
		"",
	}
	for i, src := range sources {
		for _, nonStrict := range []bool{false, true} {
			_, res := analyzeFile(t, []byte(src), dataShapeRules, analysis.Options{NonStrict: nonStrict})
			if i < 5 {
				continue // broken code: only no panic is asked
			}
			for _, fd := range res.Findings {
				if fd.Severity > analysis.Off {
					t.Errorf("source %d strict=%v: unexpected %s: %s", i, !nonStrict, fd.Severity, fd.Message)
				}
			}
		}
	}
}

// Across files, linked as a project: helpers in another module are judged by what forward
// passes them (a data-dependent tensor to iterate over, a tensor for math.sqrt); a helper
// that every caller hands a Python number stays quiet.
func TestDataShapeRulesAcrossFiles(t *testing.T) {
	modules := []struct {
		name, src string
	}{
		{"pkg.utils", `import math


def iterate(rows):
    return [r for r in rows]


def scale(x, s):
    return x / math.sqrt(s)


def repeat(x, n):
    return [x for _ in range(n)]
`},
		{"pkg.model", `import torch
from torch import nn

from .utils import iterate, repeat, scale


class M(nn.Module):
    def forward(self, x: torch.Tensor):
        return iterate(x.nonzero()), scale(x, x.var()), repeat(x, 3)
`},
	}
	p := syntax.NewParser()
	defer p.Close()
	var files []*pysem.File
	for _, m := range modules {
		pf, err := analysis.ParseModule(context.Background(), p, []byte(m.src), pysem.Module{Name: m.name})
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, pf)
	}
	prog := torchsem.NewProgram(files)
	var got []string
	for i, f := range prog.Files {
		res := analysis.Analyze(context.Background(), f, dataShapeRules, analysis.Options{})
		for _, e := range res.RuleErrors {
			t.Errorf("rule %s panicked: %s", e.Rule, e.Panic)
		}
		for _, fd := range res.Findings {
			if fd.Severity > analysis.Off {
				got = append(got, modules[i].name+":"+fd.Case+":"+strings.SplitN(fd.Message, ",", 2)[0])
			}
		}
	}
	want := []string{
		"pkg.utils:data_dependent_output_shape:the comprehension iterates over rows",
		"pkg.utils:tensor_to_python:math.sqrt() needs a Python number",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
