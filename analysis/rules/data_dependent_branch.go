package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// DataDependentBranch finds Python control flow on the value of a tensor in traced code.
var DataDependentBranch = &analysis.Rule{
	Name: "data_dependent_branch",
	Doc: `## What it does
Finds, in code that torch.export traces, Python control flow that takes the truth value of a
tensor: an ` + "`if`" + `, ` + "`elif`" + ` or ` + "`while`" + ` condition, the test of a conditional expression
(` + "`a if c else b`" + `), or an operand of ` + "`and`" + `/` + "`or`" + `, that is a tensor: ` + "`x.sum() > 0`" + `,
` + "`mask.any()`" + `, a comparison of tensors, ` + "`bool(t)`" + `, ` + "`torch.equal(a, b)`" + `, or a name bound only to
such tensors.

Only expressions known to be tensors count. A bare parameter used as a condition
(` + "`if flag:`" + `) may be a Python bool and is left alone; ` + "`if y is not None`" + ` is an identity test;
tests on shapes are dynamic_shape_if_guard's; tests on numbers read out of tensors
(` + "`if x.item() > 0`" + `) are unchecked_data_dependent_value's (and constrain_as_value_example's);
` + "`bool(t)`" + ` outside a condition is host_round_trip's. Code under
` + "`if not torch.compiler.is_exporting():`" + ` is not traced by export and is skipped.

## Why is this bad
Export traces forward with the shapes of the example inputs but not their contents: tensor
data is a dynamic value. A Python condition on it cannot be evaluated while tracing, so export
fails: strict mode rejects the data-dependent branch, non-strict mode raises
GuardOnDataDependentSymNode ("Could not guard on data-dependent expression"). PyTorch's
programming model asks for an explicit operator here.

## Example
` + "```python" + `
def forward(self, x):
    if x.mean() > 0.5:
        return x * 2
    return x - 1
` + "```" + `

## Use instead
` + "```python" + `
def forward(self, x):
    return torch.cond(x.mean() > 0.5, lambda x: x * 2, lambda x: x - 1, (x,))
` + "```" + `
For an element-wise choice, ` + "`torch.where(x > 0, x, 0.1 * x)`" + ` in place of
` + "`x if x > 0 else 0.1 * x`" + `.

## Fix safety
Both fixes are unsafe.
- An if/else whose two branches each return one expression, on a tensor comparison, is
  rewritten as ` + "`torch.cond`" + ` with branch functions that take the tensors they use as operands.
  Both branches are then traced: they must return tensors of the same shape and dtype, must not
  mutate their inputs, and the predicate must be a one-element tensor.
- A conditional expression ` + "`a if cond else b`" + ` on a tensor comparison is rewritten as
  ` + "`torch.where(cond, a, b)`" + `, which selects element by element: ` + "`cond`" + `, ` + "`a`" + ` and ` + "`b`" + ` must broadcast
  to one shape, and the result has that shape (the original returned ` + "`a`" + ` or ` + "`b`" + ` whole).

## References
- [torch.export programming model: data-dependent control flow](https://pytorch.org/docs/main/export.programming_model.html)
- [torch.cond](https://pytorch.org/docs/main/cond.html)
- [torch.where](https://pytorch.org/docs/main/generated/torch.where.html)
`,
	Run: runDataDependentBranch,
}

func runDataDependentBranch(pass *analysis.Pass) {
	f, t := pass.File, pass.Tree
	report := func(node, truth analysis.NodeID, what string) *analysis.Finding {
		return pass.Reportf(node, analysis.Fails,
			"%s branches on the value of tensor %s: export cannot decide it while tracing (data-dependent control flow)",
			what, fix.Snippet(t, truth))
	}
	check := func(stmt, cond analysis.NodeID, fn *analysis.Function, what string) {
		if cond == analysis.NoNode || !f.RunsWhileExporting(stmt) {
			return
		}
		truth := ddbTruth(f, fn, cond)
		if truth == analysis.NoNode {
			return
		}
		fd := report(cond, truth, what)
		if t.Kind(stmt) == syntax.KindIfStatement && truth == t.Unparen(cond) && t.Kind(truth) == syntax.KindComparisonOperator {
			if fx, ok := fix.IfAsCond(f, fn, stmt); ok {
				fd.Fixes = append(fd.Fixes, fx)
			}
		}
	}
	pass.Traced(syntax.KindIfStatement, func(n analysis.NodeID, fn *analysis.Function) {
		check(n, t.Field(n, syntax.FieldCondition), fn, "if")
	})
	pass.Traced(syntax.KindElifClause, func(n analysis.NodeID, fn *analysis.Function) {
		check(n, t.Field(n, syntax.FieldCondition), fn, "elif")
	})
	pass.Traced(syntax.KindWhileStatement, func(n analysis.NodeID, fn *analysis.Function) {
		check(n, t.Field(n, syntax.FieldCondition), fn, "while")
	})
	pass.Traced(syntax.KindConditionalExpression, func(n analysis.NodeID, fn *analysis.Function) {
		cond := t.NamedChild(n, 1)
		if cond == analysis.NoNode || !f.RunsWhileExporting(n) {
			return
		}
		truth := ddbTruth(f, fn, cond)
		if truth == analysis.NoNode {
			return
		}
		fd := report(cond, truth, "conditional expression")
		if truth == t.Unparen(cond) {
			if fx, ok := ddbWhereFix(f, fn, n); ok {
				fd.Fixes = append(fd.Fixes, fx)
			}
		}
	})
	// and/or outside a condition: the truth value of every operand but the last is taken
	pass.Traced(syntax.KindBooleanOperator, func(n analysis.NodeID, fn *analysis.Function) {
		if p := t.Parent(n); p != analysis.NoNode && t.Kind(t.Unparen(p)) == syntax.KindBooleanOperator {
			return // the outermost and/or is checked
		}
		for p := t.Parent(n); p != analysis.NoNode && t.Kind(p) == syntax.KindParenthesizedExpression; p = t.Parent(p) {
			if pp := t.Parent(p); pp != analysis.NoNode && (t.Kind(pp) == syntax.KindBooleanOperator || t.Kind(pp) == syntax.KindNotOperator) {
				return
			}
		}
		if tvConditionOf(f, n) != analysis.NoNode || !f.RunsWhileExporting(n) {
			return
		}
		left := t.Field(n, syntax.FieldLeft)
		if f.GuardOf(left) != torchsem.NoGuard {
			return
		}
		if truth := ddbTruth(f, fn, left); truth != analysis.NoNode {
			report(left, truth, t.Operator(n))
		}
	})
}

// ddbTruth returns the part of condition e whose truth value is a tensor's (e itself, an
// operand of not/and/or, or the argument of bool()), or NoNode. Operands that short-circuit
// away while exporting (after `not torch.compiler.is_exporting() and`) are not looked at.
func ddbTruth(f *analysis.File, fn *analysis.Function, e analysis.NodeID) analysis.NodeID {
	t := f.Tree
	e = t.Unparen(e)
	if e == analysis.NoNode {
		return analysis.NoNode
	}
	switch t.Kind(e) {
	case syntax.KindNotOperator:
		return ddbTruth(f, fn, t.NamedChild(e, 0))
	case syntax.KindBooleanOperator:
		l := t.Field(e, syntax.FieldLeft)
		pol := f.GuardOf(l)
		if op := t.Operator(e); op == "and" && pol == torchsem.OutsideExport || op == "or" && pol == torchsem.WhileExporting {
			return analysis.NoNode // the right operand is not evaluated while exporting
		}
		if x := ddbTruth(f, fn, l); x != analysis.NoNode {
			return x
		}
		return ddbTruth(f, fn, t.Field(e, syntax.FieldRight))
	case syntax.KindCall:
		callee := t.Unparen(t.Field(e, syntax.FieldFunction))
		pos, _ := f.Args(e)
		if t.Kind(callee) == syntax.KindIdentifier && t.TextIs(callee, "bool") && !f.IsImported(callee) && f.LookupFunc(fn, "bool") == nil {
			if len(pos) == 1 && (tvIsTensor(f, fn, pos[0], 0) || tvTensorReceiverExpr(f, fn, pos[0])) {
				return e
			}
			return analysis.NoNode
		}
		if f.IsImported(callee) {
			switch f.Resolve(callee) {
			case "torch.equal", "torch.allclose", "torch.is_nonzero":
				return e // a Python bool computed from tensor data
			}
		}
	}
	if tvIsTensor(f, fn, e, 0) {
		return e
	}
	return analysis.NoNode
}

// tvTensorReceiverExpr is tvTensorReceiver for an argument: bool(x) with x a parameter that
// is not annotated as a Python value is not enough (x may be a bool), so only module buffers
// and parameters qualify.
func tvTensorReceiverExpr(f *analysis.File, fn *analysis.Function, e analysis.NodeID) bool {
	e = f.Tree.Unparen(e)
	return e != analysis.NoNode && f.Tree.Kind(e) == syntax.KindAttribute && tvTensorReceiver(f, fn, e)
}

// ddbWhereFix rewrites `a if cond else b` as torch.where(cond, a, b) when cond is a tensor
// and a and b are tensors or numbers.
func ddbWhereFix(f *analysis.File, fn *analysis.Function, n analysis.NodeID) (analysis.Fix, bool) {
	t := f.Tree
	a, cond, b := t.NamedChild(n, 0), t.NamedChild(n, 1), t.NamedChild(n, 2)
	if a == analysis.NoNode || cond == analysis.NoNode || b == analysis.NoNode || t.HasError(n) {
		return analysis.Fix{}, false
	}
	operand := func(e analysis.NodeID) (tensor, ok bool) {
		e = t.Unparen(e)
		switch t.Kind(e) {
		case syntax.KindInteger, syntax.KindFloat:
			return false, true
		case syntax.KindUnaryOperator:
			k := t.Kind(t.Unparen(t.NamedChild(e, 0)))
			if k == syntax.KindInteger || k == syntax.KindFloat {
				return false, true
			}
		}
		if tvIsTensor(f, fn, e, 0) || tvTensorReceiver(f, fn, e) {
			return true, true
		}
		return false, false
	}
	ta, oka := operand(a)
	tb, okb := operand(b)
	if !oka || !okb || (!ta && !tb) {
		return analysis.Fix{}, false
	}
	torch, imp := fix.NewImporter(f).Torch()
	text := torch + ".where(" + t.String(cond) + ", " + t.String(a) + ", " + t.String(b) + ")"
	fx := analysis.Fix{
		Title:  "replace the conditional expression with torch.where (element-wise: condition and both values must broadcast to one shape)",
		Safety: analysis.Unsafe,
		Edits:  []analysis.Edit{{Start: t.Start(n), End: t.End(n), NewText: text}},
	}
	if imp != nil {
		fx.Edits = append(fx.Edits, *imp)
	}
	return fx, true
}
