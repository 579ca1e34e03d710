package rules

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// condFixed runs rule on src and applies every fix titled title; it fails when the result
// does not parse.
func condFixed(t *testing.T, src string, rule *analysis.Rule, title string) (string, int) {
	t.Helper()
	f, res := analyzeFile(t, []byte(src), []*analysis.Rule{rule}, analysis.Options{})
	var edits []analysis.Edit
	n := 0
	for _, fd := range res.Findings {
		for _, fx := range fd.Fixes {
			if fx.Title == title {
				n++
				edits = append(edits, fx.Edits...)
			}
		}
	}
	out, err := analysis.ApplyEdits(f.Src, edits)
	if err != nil {
		t.Fatal(err)
	}
	p := syntax.NewParser()
	defer p.Close()
	d, err := p.Parse(context.Background(), out)
	if err != nil || d.Tree().HasError(d.Tree().Root()) {
		t.Fatalf("fixed output does not parse:\n%s", out)
	}
	return string(out), n
}

func TestCondSeverityAcrossTargets(t *testing.T) {
	src := `import torch

class M(torch.nn.Module):
    def forward(self, x: torch.Tensor):
        def one(x):
            return x.cos()

        y = torch.cond(x.shape[0] > 2, one, one, x)
        if x.shape[0] == 4:
            y = y + 1
        return y
`
	want := map[string]analysis.Severity{"cond_operands": analysis.Error, "dynamic_shape_if_guard": analysis.Warning}
	for _, target := range []catalog.Version{catalog.BaseVersion, {Major: 2, Minor: 9}, {}} {
		_, res := analyzeFile(t, []byte(src), []*analysis.Rule{CondOperands, DynamicShapeIfGuard}, analysis.Options{Target: target})
		got := map[string]analysis.Severity{}
		for _, fd := range res.Findings {
			got[fd.Case] = fd.Severity
		}
		for c, s := range want {
			if got[c] != s {
				t.Errorf("target %v: %s has severity %s, want %s", target, c, got[c], s)
			}
		}
	}
}

func TestCondBuiltinMapIgnored(t *testing.T) {
	src := `import torch

class M(torch.nn.Module):
    def forward(self, xs):
        return torch.stack(list(map(torch.sin, xs.unbind(0))))
`
	_, res := analyzeFile(t, []byte(src), []*analysis.Rule{DynamicShapeMap}, analysis.Options{})
	if len(res.Findings) != 0 {
		t.Errorf("builtin map reported: %+v", res.Findings)
	}
}

func TestCondMigrateWithoutTorchImport(t *testing.T) {
	src := `from torch import nn
from functorch.experimental.control_flow import cond


class M(nn.Module):
    def forward(self, x):
        return cond(x.shape[0] > 2, lambda v: v.cos(), lambda v: v.sin(), (x,))
`
	want := `from torch import nn
import torch


class M(nn.Module):
    def forward(self, x):
        return torch.cond(x.shape[0] > 2, lambda v: v.cos(), lambda v: v.sin(), (x,))
`
	got, n := condFixed(t, src, CondPredicate, fix.FunctorchCondTitle)
	if n != 1 || got != want {
		t.Errorf("%d fixes, got:\n%s\nwant:\n%s", n, got, want)
	}
}

func TestCondMigrateKeepsMap(t *testing.T) {
	src := `import torch
from functorch.experimental.control_flow import cond, map


class M(torch.nn.Module):
    def forward(self, x, xs):
        a = cond(x.shape[0] > 2, lambda v: v.cos(), lambda v: v.sin(), (x,))
        b = cond(x.shape[0] > 3, lambda v: v.cos(), lambda v: v.sin(), (x,))
        return a + b + map(lambda v: v * 2, xs)
`
	want := `import torch
from functorch.experimental.control_flow import map


class M(torch.nn.Module):
    def forward(self, x, xs):
        a = torch.cond(x.shape[0] > 2, lambda v: v.cos(), lambda v: v.sin(), (x,))
        b = torch.cond(x.shape[0] > 3, lambda v: v.cos(), lambda v: v.sin(), (x,))
        return a + b + map(lambda v: v * 2, xs)
`
	// two call sites carry the same edits: applied together they must merge
	got, n := condFixed(t, src, CondPredicate, fix.FunctorchCondTitle)
	if n != 2 || got != want {
		t.Errorf("%d fixes, got:\n%s\nwant:\n%s", n, got, want)
	}
}

func TestCondMigrateInTryBlock(t *testing.T) {
	src := `try:
    from functorch.experimental.control_flow import cond
except ImportError:
    raise

import torch.nn as nn


class M(nn.Module):
    def forward(self, x):
        return cond(x.shape[0] > 2, lambda v: v.cos(), lambda v: v.sin(), [x])
`
	got, n := condFixed(t, src, CondOperands, fix.FunctorchCondTitle)
	if n != 1 || !strings.Contains(got, "try:\n    pass\n") || !strings.Contains(got, "import torch\n") || !strings.Contains(got, "return torch.cond(") {
		t.Errorf("%d fixes, got:\n%s", n, got)
	}
}

func TestCondMigrateShadowedName(t *testing.T) {
	src := `import torch
from functorch.experimental.control_flow import cond


class M(torch.nn.Module):
    def forward(self, x):
        return cond(x.shape[0] > 2, lambda v: v.cos(), lambda v: v.sin(), (x,))


def other(cond):
    return cond
`
	if _, n := condFixed(t, src, CondPredicate, fix.FunctorchCondTitle); n != 0 {
		t.Errorf("migration offered although cond is rebound")
	}
}

func TestCondRewriteIfAddsImport(t *testing.T) {
	src := `from torch import nn


class M(nn.Module):
    def forward(self, x):
        if x.shape[0] > 2:
            return x.cos()
        else:
            return x.sin()
`
	want := `import torch
from torch import nn


class M(nn.Module):
    def forward(self, x):
        return torch.cond(x.shape[0] > 2, lambda x: x.cos(), lambda x: x.sin(), (x,))
`
	got, n := condFixed(t, src, DynamicShapeIfGuard, fix.IfAsCondTitle)
	if n != 1 || got != want {
		t.Errorf("%d fixes, got:\n%s\nwant:\n%s", n, got, want)
	}
}

func TestCondRewriteIfNeedsTwoReturns(t *testing.T) {
	for _, body := range []string{
		"        if x.shape[0] > 2:\n            x = x.cos()\n        return x\n",                                                              // not a return
		"        if x.shape[0] > 2:\n            return x.cos()\n        elif x.shape[0] > 5:\n            return x\n        return x.sin()\n", // elif
		"        if x.shape[0]:\n            return x.cos()\n        return x.sin()\n",                                                         // a bare size is not a bool
		"        if x.shape[0] > 2:\n            return x.cos(), x\n        return x.sin(), x\n",                                               // tuple returns
		"        if x.shape[0] > 2:\n            return x.shape[0]\n        return 0\n",                                                        // Python values
	} {
		src := "import torch\n\n\nclass M(torch.nn.Module):\n    def forward(self, x):\n" + body
		if _, n := condFixed(t, src, DynamicShapeIfGuard, fix.IfAsCondTitle); n != 0 {
			t.Errorf("rewrite offered for:\n%s", body)
		}
	}
}

// TestCondRulesOnBrokenInput runs the group's rules on every prefix of their fixtures (cut
// mid-line, so most are syntax errors): no rule may panic.
func TestCondRulesOnBrokenInput(t *testing.T) {
	rules := []*analysis.Rule{CondBranchClassMethod, CondBranchNestedFunction, CondBranchNonlocalVariables,
		CondClosedOverVariable, CondOperands, CondPredicate, DynamicShapeMap, NestedFunction, DynamicShapeIfGuard}
	for _, r := range rules {
		src, err := os.ReadFile(filepath.Join("testdata", r.Name+".py"))
		if err != nil {
			t.Fatal(err)
		}
		for cut := 0; cut < len(src); cut += 7 {
			analyzeFile(t, src[:cut], rules, analysis.Options{})
		}
	}
}
