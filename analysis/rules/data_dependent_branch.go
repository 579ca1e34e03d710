package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
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
	Local: true,
	Run:   runDataDependentBranch,
}

func runDataDependentBranch(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	report := func(node, truth analysis.NodeID, what string) *analysis.Finding {
		return pass.Reportf(node, analysis.Fails,
			"%s branches on the value of tensor %s: export cannot decide it while tracing (data-dependent control flow)",
			what, fix.Snippet(t, truth))
	}
	pass.Conditions(func(c analysis.Condition, fn *analysis.Function) {
		switch t.Kind(c.Stmt) {
		case syntax.KindIfStatement, syntax.KindElifClause, syntax.KindWhileStatement, syntax.KindConditionalExpression:
		default:
			return // asserts and comprehension filters are not branches of the traced program
		}
		if !f.RunsWhileExporting(c.Stmt) {
			return
		}
		truth := f.TensorTruth(fn, c.Test)
		if truth == analysis.NoNode || ddbIterationElement(f, fn, truth) {
			return
		}
		fd := report(c.Test, truth, c.What(t))
		if truth != t.Unparen(c.Test) {
			return
		}
		switch t.Kind(c.Stmt) {
		case syntax.KindIfStatement:
			if t.Kind(truth) == syntax.KindComparisonOperator {
				if fx, ok := fix.IfAsCond(f, fn, c.Stmt); ok {
					fd.Fixes = append(fd.Fixes, fx)
				}
			}
		case syntax.KindConditionalExpression:
			if fx, ok := ddbWhereFix(f, fn, c.Stmt); ok {
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
		if _, inTest := pysem.ConditionOf(t, n); inTest || !f.RunsWhileExporting(n) {
			return
		}
		left := t.Field(n, syntax.FieldLeft)
		if f.GuardOf(left) != torchsem.NoGuard {
			return
		}
		if truth := f.TensorTruth(fn, left); truth != analysis.NoNode && !ddbIterationElement(f, fn, truth) {
			report(left, truth, t.Operator(n))
		}
	})
}

// ddbIterationElement reports whether e reads a loop variable of a for loop (of fn) over
// a tensor: a condition on the elements of a tensor taken by Python iteration is
// tensor_to_python's case (or data_dependent_output_shape's, when the length depends on
// the data).
func ddbIterationElement(f *analysis.File, fn *analysis.Function, e analysis.NodeID) bool {
	t := f.Tree
	for id, end := e, t.SubtreeEnd(e); id < end; id++ {
		if t.Kind(id) != syntax.KindIdentifier || !pysem.IsRead(t, id) {
			continue
		}
		for _, b := range f.Scope(fn).Bindings(t.String(id)) {
			loop := t.Parent(b)
			for t.Kind(loop) == syntax.KindPatternList || t.Kind(loop) == syntax.KindTuplePattern {
				loop = t.Parent(loop)
			}
			if t.Kind(loop) != syntax.KindForStatement {
				continue
			}
			iter := t.Unparen(t.Field(loop, syntax.FieldRight))
			iters := []analysis.NodeID{iter}
			if t.Kind(iter) == syntax.KindCall && (f.CallName(iter) == "enumerate" || f.CallName(iter) == "zip") {
				iters, _ = f.Args(iter) // for i, v in enumerate(x): the elements of x
			}
			for _, it := range iters {
				if f.Value(fn, it).May(torchsem.Tensor | torchsem.TensorSeq) {
					return true
				}
			}
		}
	}
	return false
}

// ddbWhereFix rewrites `a if cond else b` as torch.where(cond, a, b) when cond is a tensor
// and a and b are tensors (at least one) or numbers.
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
		if f.Value(fn, e).May(torchsem.Tensor) {
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
