package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// DynamicShapeIfGuard finds Python if statements and conditional expressions on a tensor
// dimension in traced code.
var DynamicShapeIfGuard = &analysis.Rule{
	Name: "dynamic_shape_if_guard",
	Doc: `## What it does
Finds an ` + "`if`" + ` (or ` + "`elif`" + `, or a conditional expression ` + "`a if c else b`" + `) in code that
torch.export traces whose condition depends on the size of a tensor dimension:
` + "`x.shape[0] == 3`" + `, ` + "`x.size(1) > n`" + `, ` + "`x.numel() < 8`" + `, or a name assigned from them.
Rank tests (` + "`x.dim() == 3`" + `, ` + "`x.ndim`" + `, ` + "`len(x.shape)`" + `) are static and left to
static_if; so are tests against 0 or 1 (export assumes dynamic sizes are at least 2),
dimensions of the module's own buffers, and ` + "`if ...: raise`" + ` checks (an assertion).

## Why is this bad
Python control flow is not captured: export evaluates the condition on the example inputs,
keeps the branch it took, and records a guard on that dimension. The exported program
silently handles only that case. When the dimension is declared dynamic
(` + "`dynamic_shapes=`" + ` with ` + "`torch.export.Dim`" + `), the guard contradicts it and export fails
with a constraint violation.

## Example
` + "```python" + `
def forward(self, x):
    if x.shape[0] == 3:
        return x.cos()
    return x.sin()
` + "```" + `

## Use instead
Keep both branches in the graph with torch.cond:
` + "```python" + `
def forward(self, x):
    return torch.cond(x.shape[0] == 3, lambda x: x.cos(), lambda x: x.sin(), (x,))
` + "```" + `
or, when the branch only ever depends on a static size, leave the dimension static.

## Fix safety
For an if/else whose two branches each return one expression, the fix rewrites it as
` + "`torch.cond`" + ` with branch functions that take the tensors they use as operands. It is
unsafe: both branches are then traced, so they must return tensors of the same shape and
dtype, and neither may mutate its inputs; code that relied on the untaken branch never
being traced may stop exporting.

## References
- [ExportDB: dynamic_shape_if_guard](https://pytorch.org/docs/main/generated/exportdb/index.html#dynamic-shape-if-guard)
- [torch.export: dynamic shapes and guards](https://pytorch.org/docs/main/export.html)
- [torch.cond](https://pytorch.org/docs/main/generated/torch.cond.html)
`,
	Run: runDynamicShapeIfGuard,
}

func runDynamicShapeIfGuard(pass *analysis.Pass) {
	f, t := pass.File, pass.Tree
	check := func(stmt, cond, body analysis.NodeID, fn *analysis.Function, what string) {
		if cond == analysis.NoNode || !ifGuardIsTest(t, cond) || !f.IsShape(fn, cond) {
			return
		}
		dim := ifGuardDim(f, fn, cond, 0)
		if dim == analysis.NoNode || (body != analysis.NoNode && ifGuardRaises(t, body)) {
			return
		}
		fd := pass.Reportf(cond, analysis.Changes, "%s on %s specialises the export to the branch the example input takes; it fails once that dimension is dynamic", what, fix.Short(t, dim))
		if t.Kind(stmt) == syntax.KindIfStatement {
			if fx, ok := fix.IfAsCond(f, fn, stmt); ok {
				fd.Fixes = append(fd.Fixes, fx)
			}
		}
	}
	pass.Traced(syntax.KindIfStatement, func(n analysis.NodeID, fn *analysis.Function) {
		check(n, t.Field(n, syntax.FieldCondition), t.Field(n, syntax.FieldConsequence), fn, "if")
	})
	pass.Traced(syntax.KindElifClause, func(n analysis.NodeID, fn *analysis.Function) {
		check(n, t.Field(n, syntax.FieldCondition), t.Field(n, syntax.FieldConsequence), fn, "elif")
	})
	pass.Traced(syntax.KindConditionalExpression, func(n analysis.NodeID, fn *analysis.Function) {
		check(n, t.NamedChild(n, 1), analysis.NoNode, fn, "conditional expression")
	})
}

// ifGuardRaises reports whether a block only raises: `if x.shape[1] != 3: raise ...` is an
// input check, which dynamic_shape_assert covers.
func ifGuardRaises(t *syntax.Tree, block analysis.NodeID) bool {
	return t.NamedChildCount(block) == 1 && t.Kind(t.NamedChild(block, 0)) == syntax.KindRaiseStatement
}

// ifGuardDim returns the sub-expression of cond that reads a tensor dimension size (not a
// rank, not compared with 0 or 1, not of a self attribute), or NoNode.
func ifGuardDim(f *analysis.File, fn *analysis.Function, e analysis.NodeID, depth int) analysis.NodeID {
	t := f.Tree
	e = t.Unparen(e)
	if e == analysis.NoNode || depth > 4 {
		return analysis.NoNode
	}
	switch t.Kind(e) {
	case syntax.KindComparisonOperator:
		if t.NamedChildCount(e) == 2 {
			l, r := t.NamedChild(e, 0), t.NamedChild(e, 1)
			// a size compared with 0 or 1 (not x.shape[1] % 2 == 1)
			if (ifGuardZeroOne(t, r) && !ifGuardArith(t, l)) || (ifGuardZeroOne(t, l) && !ifGuardArith(t, r)) {
				return analysis.NoNode
			}
		}
		return ifGuardChildren(f, fn, e, depth)
	case syntax.KindBooleanOperator, syntax.KindNotOperator:
		// operands used for their truth value (x.numel(), n) test != 0, which export
		// decides without a guard: only comparisons and nested conditions count
		found := analysis.NoNode
		t.Children(e, func(c analysis.NodeID) bool {
			if t.IsNamed(c) && !t.IsComment(c) && ifGuardIsTest(t, c) {
				found = ifGuardDim(f, fn, c, depth)
			}
			return found == analysis.NoNode
		})
		return found
	case syntax.KindBinaryOperator, syntax.KindUnaryOperator:
		return ifGuardChildren(f, fn, e, depth)
	case syntax.KindNamedExpression:
		if ifGuardDim(f, fn, t.Field(e, syntax.FieldValue), depth) != analysis.NoNode {
			return e
		}
	case syntax.KindAttribute:
		if condFieldIs(t, e, syntax.FieldAttribute, "shape") && f.IsShape(fn, e) && !ifGuardOwnState(f, fn, t.Field(e, syntax.FieldObject)) {
			return e
		}
	case syntax.KindSubscript:
		if ifGuardDim(f, fn, t.Field(e, syntax.FieldValue), depth) != analysis.NoNode {
			return e
		}
	case syntax.KindCall:
		callee := t.Unparen(t.Field(e, syntax.FieldFunction))
		pos, _ := f.Args(e)
		switch condKind(t, callee) {
		case syntax.KindAttribute:
			m := t.Field(callee, syntax.FieldAttribute)
			switch {
			case m != analysis.NoNode && (t.TextIs(m, "size") || t.TextIs(m, "numel") || t.TextIs(m, "nelement")):
				if f.IsShape(fn, e) && !ifGuardOwnState(f, fn, t.Field(callee, syntax.FieldObject)) {
					return e
				}
			case f.IsImported(callee):
				// torch.sym_max(a, b), math.ceil(n / 2)
				for _, a := range pos {
					if ifGuardDim(f, fn, a, depth) != analysis.NoNode {
						return e
					}
				}
			}
		case syntax.KindIdentifier:
			switch name := string(t.Text(callee)); name {
			case "len":
				// len(x) of a tensor is its first dimension; len(x.shape) is the rank
				if len(pos) == 1 && f.IsTensor(fn, pos[0]) && !ifGuardOwnState(f, fn, pos[0]) {
					return e
				}
			case "min", "max", "int", "abs", "sum", "round", "float":
				for _, a := range pos {
					if ifGuardDim(f, fn, a, depth) != analysis.NoNode {
						return e
					}
				}
			}
		}
	case syntax.KindIdentifier:
		name := string(t.Text(e))
		for s := fn; s != nil; s = s.Parent {
			for _, a := range f.OwnNodes(s, syntax.KindAssignment) {
				l := t.Field(a, syntax.FieldLeft)
				if l == analysis.NoNode || !pysem.BindsName(t, l, name) {
					continue
				}
				r := t.Unparen(t.Field(a, syntax.FieldRight))
				if k := t.Kind(l); k != syntax.KindIdentifier && r != analysis.NoNode {
					// b, n = x.shape binds dimensions; a, b = x.shape[0], y only a
					if rk := t.Kind(r); (rk == syntax.KindTuple || rk == syntax.KindExpressionList) && t.NamedChildCount(l) == t.NamedChildCount(r) {
						for i := 0; i < t.NamedChildCount(l); i++ {
							if pysem.BindsName(t, t.NamedChild(l, i), name) {
								r = t.NamedChild(r, i)
								break
							}
						}
					}
				}
				if ifGuardDim(f, s, r, depth+1) != analysis.NoNode {
					return e
				}
			}
			if s.Param(name) != nil {
				break
			}
		}
	}
	return analysis.NoNode
}

func ifGuardChildren(f *analysis.File, fn *analysis.Function, e analysis.NodeID, depth int) analysis.NodeID {
	t := f.Tree
	found := analysis.NoNode
	t.Children(e, func(c analysis.NodeID) bool {
		if t.IsNamed(c) && !t.IsComment(c) {
			found = ifGuardDim(f, fn, c, depth)
		}
		return found == analysis.NoNode
	})
	return found
}

// ifGuardIsTest reports whether a condition compares or combines values (x.shape[0] > 4,
// a and b, not c) rather than testing one value's truth (if x.numel():).
func ifGuardIsTest(t *syntax.Tree, e analysis.NodeID) bool {
	e = t.Unparen(e)
	if e == analysis.NoNode {
		return false
	}
	switch t.Kind(e) {
	case syntax.KindComparisonOperator, syntax.KindBooleanOperator, syntax.KindNotOperator:
		return true
	}
	return false
}

// ifGuardArith reports whether e is arithmetic (x.shape[1] % 2), not a plain size.
func ifGuardArith(t *syntax.Tree, e analysis.NodeID) bool {
	e = t.Unparen(e)
	return e != analysis.NoNode && (t.Kind(e) == syntax.KindBinaryOperator || t.Kind(e) == syntax.KindUnaryOperator)
}

// ifGuardZeroOne reports whether e is the literal 0 or 1.
func ifGuardZeroOne(t *syntax.Tree, e analysis.NodeID) bool {
	e = t.Unparen(e)
	return e != analysis.NoNode && t.Kind(e) == syntax.KindInteger && (t.TextIs(e, "0") || t.TextIs(e, "1"))
}

// ifGuardOwnState reports whether a tensor expression is rooted at self (a buffer or
// parameter of the module, whose shape is fixed when the module is built).
func ifGuardOwnState(f *analysis.File, fn *analysis.Function, e analysis.NodeID) bool {
	self := fn.SelfName()
	if self == "" {
		return false
	}
	r := f.RootName(e)
	return r != analysis.NoNode && f.Tree.TextIs(r, self) && f.Tree.Kind(f.Tree.Unparen(e)) != syntax.KindIdentifier
}
