package rules

import (
	"strconv"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// DataDependentOutputShape finds tensors whose length depends on tensor data (boolean-mask
// indexing, nonzero, unique, masked_select, repeat_interleave with tensor repeats, one-argument
// torch.where) and the uses of them that need that length as a Python number.
var DataDependentOutputShape = &analysis.Rule{
	Name: "data_dependent_output_shape",
	Doc: `## What it does
Finds, in code that torch.export traces, the operators whose output length depends on the
values of a tensor: boolean-mask indexing (` + "`x[mask]`" + `, ` + "`x[x > 0]`" + `), ` + "`nonzero()`" + `,
` + "`argwhere()`" + `, ` + "`unique()`" + `, ` + "`unique_consecutive()`" + `, ` + "`masked_select()`" + `, ` + "`repeat_interleave()`" + `
with a tensor of repeats and no ` + "`output_size`" + `, and ` + "`torch.where(mask)`" + ` with one argument, also when a
traced caller passes such a tensor to a helper's parameter. It reports the uses that need that
length as a Python number:
- iterating over such a tensor: a ` + "`for`" + ` loop, a comprehension, ` + "`list()`" + `, ` + "`tuple()`" + `, ` + "`enumerate()`" + `,
  ` + "`zip()`" + `, ` + "`sum()`" + `, ` + "`min()`" + `/` + "`max()`" + `, ` + "`*t`" + `, unpacking ` + "`a, b = t`" + `, ` + "`.tolist()`" + `, ` + "`.unbind()`" + `;
- its length (` + "`idx.shape[0]`" + `, ` + "`idx.size(0)`" + `, ` + "`len(idx)`" + `, ` + "`idx.numel()`" + `, or a name bound to one) as a
  bound of a Python slice of a tensor: an error when judging non-strict export, information in
  strict mode, where Dynamo traces the slice.

Every other such operator is recognised (hover explains it). One whose result is summed right
away (` + "`x[x > 0].sum()`" + `, ` + "`x.masked_select(m).sum()`" + `) gets a hint: the same sum has a static-shape
formulation.

Division of work: comparisons and loop counts on the length (` + "`if len(idx) > 0:`" + `,
` + "`for i in range(idx.shape[0])`" + `) are unchecked_data_dependent_value's; iterating over tensors of static
length is tensor_to_python's; a branch of torch.cond that returns such a tensor is
cond_branch_contract's. A mask given as a parameter (` + "`x[mask]`" + ` with ` + "`mask: Tensor`" + `) may hold integer
indices and is not recognised; a ` + "`torch.BoolTensor`" + ` annotation or a mask built in the function is.

## Why is this bad
Export traces with the shapes of the example inputs, not their values. The length of these
results depends on the values, so export represents it by an unbacked symbol: a size it knows
to be non-negative but nothing else. Tensor operations on the result are fine and stay
dynamic. Python code that needs the number itself is not: a loop must know how many times to
run, ` + "`tolist()`" + ` how many elements to return, and in non-strict mode a Python slice turns its
bound into a concrete integer. Export then fails with GuardOnDataDependentSymNode ("Could not
extract specialized integer from data-dependent expression").

## Example
` + "```python" + `
def forward(self, x):
    total = x.new_zeros(())
    for v in x[x > 0]:
        total = total + v.sqrt()
    return total
` + "```" + `

## Use instead
Keep the data-dependent part in tensor operations, or give it a static shape:
` + "```python" + `
def forward(self, x):
    return torch.where(x > 0, x, 0).sqrt().sum()
` + "```" + `
When an upper bound on the count is known, ` + "`x.nonzero_static(size=k)`" + ` and
` + "`repeat_interleave(..., output_size=n)`" + ` have static lengths. A slice by a data-dependent length is written
` + "`y.narrow(0, 0, n)`" + `. Conditions on the length need ` + "`torch._check(...)`" + ` (see
unchecked_data_dependent_value).

## Fix safety
- ` + "`x[mask].sum()`" + ` (with a mask computed elementwise from ` + "`x`" + ` itself) and
  ` + "`x.masked_select(mask).sum()`" + ` become ` + "`torch.where(mask, x, 0).sum()`" + `: unsafe, because a floating-point
  sum over a different number of terms may round differently in the last bits.
- ` + "`y[:n]`" + ` becomes ` + "`y.narrow(0, 0, n)`" + `: unsafe, because narrow raises where slicing clamps (a
  bound past the end of the dimension).
- Iteration has no mechanical rewrite: express the loop with tensor operations.

## References
- [torch.export programming model: backed and unbacked dynamic shapes](https://pytorch.org/docs/main/export.programming_model.html)
- [Troubleshooting GuardOnDataDependentSymNode errors](https://pytorch.org/docs/main/compile/dynamic_shapes_troubleshooting_guardon_errors.html)
- [torch.nonzero_static](https://pytorch.org/docs/main/generated/torch.nonzero_static.html)
`,
	Local:        true,
	Declarations: true,
	Run:          runDataDependentOutputShape,
}

func runDataDependentOutputShape(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	used := map[analysis.NodeID]bool{} // data-dependent-shape operators whose use is reported
	iterated := func(at, e analysis.NodeID, fn *analysis.Function, how string) {
		v := ddsOf(f, fn, e)
		if !v.ok() || !f.RunsWhileExporting(at) {
			return
		}
		used[v.node] = true
		pass.Reportf(at, analysis.Fails,
			"%s %s, whose length depends on tensor data (%s): export needs a concrete length and fails (GuardOnDataDependentSymNode)",
			how, ddsSnippet(t, e), v.op)
	}
	pass.Traced(syntax.KindForStatement, func(n analysis.NodeID, fn *analysis.Function) {
		if r := t.Field(n, syntax.FieldRight); r != analysis.NoNode {
			iterated(r, r, fn, "the for loop iterates over")
		}
	})
	pass.Traced(syntax.KindForInClause, func(n analysis.NodeID, fn *analysis.Function) {
		if r := t.Field(n, syntax.FieldRight); r != analysis.NoNode {
			iterated(r, r, fn, "the comprehension iterates over")
		}
	})
	pass.Traced(syntax.KindListSplat, func(n analysis.NodeID, fn *analysis.Function) {
		if e := t.NamedChild(n, 0); e != analysis.NoNode {
			iterated(n, e, fn, "unpacking with * iterates over")
		}
	})
	pass.Traced(syntax.KindAssignment, func(n analysis.NodeID, fn *analysis.Function) {
		switch t.Kind(t.Unparen(t.Field(n, syntax.FieldLeft))) {
		case syntax.KindPatternList, syntax.KindTuplePattern, syntax.KindListPattern, syntax.KindTuple, syntax.KindList:
			if r := t.Field(n, syntax.FieldRight); r != analysis.NoNode {
				iterated(r, r, fn, "unpacking iterates over")
			}
		}
	})
	var ops []analysis.NodeID
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		callee := t.Unparen(t.Field(call, syntax.FieldFunction))
		switch t.Kind(callee) {
		case syntax.KindIdentifier:
			switch t.String(callee) {
			case "list", "tuple", "set", "sorted", "enumerate", "zip", "sum", "min", "max", "any", "all", "reversed", "iter":
				name := t.String(callee)
				if f.IsImported(callee) || f.LookupFunc(fn, name) != nil {
					return
				}
				pos, _ := f.Args(call)
				for _, a := range pos {
					if ddsOf(f, fn, a).ok() {
						iterated(call, a, fn, name+"() iterates over")
						return
					}
				}
			}
			return
		case syntax.KindAttribute:
			switch t.String(t.Field(callee, syntax.FieldAttribute)) {
			case "tolist", "unbind":
				m := t.String(t.Field(callee, syntax.FieldAttribute))
				pos, kws := f.Args(call)
				recv := t.Field(callee, syntax.FieldObject)
				switch {
				case m == "tolist" && len(pos) == 0 && len(kws) == 0:
					iterated(call, recv, fn, "tolist() reads every element of")
				case m == "unbind" && (len(pos) == 0 || (len(pos) == 1 && t.TextIs(pos[0], "0"))) && !f.IsImported(callee):
					iterated(call, recv, fn, "unbind() splits")
				}
				return
			}
		default:
			return
		}
		if v := ddsOf(f, fn, call); v.op != "" && v.node == call {
			ops = append(ops, call)
		}
	})
	pass.Traced(syntax.KindSubscript, func(sub analysis.NodeID, fn *analysis.Function) {
		if ddsMaskIndexed(f, fn, sub) {
			ops = append(ops, sub)
		}
		ddosSlice(pass, sub, fn)
	})
	for _, op := range ops {
		pass.Within(op, func() { ddosReportOp(pass, op, used[op]) })
	}
}

// ddosReportOp reports a data-dependent-shape operator whose use no other finding reports.
func ddosReportOp(pass *analysis.Pass, op analysis.NodeID, used bool) {
	f := pass.File
	t := f.Tree
	fn := f.Owner(op)
	if used || !f.RunsWhileExporting(op) {
		return
	}
	v := ddsOf(f, fn, op)
	if fx, ok := ddosWhereFix(f, fn, op); ok {
		fd := pass.Reportf(op, analysis.Note,
			"%s has a length that depends on tensor data (%s): export gives it an unbacked size; summing torch.where(mask, x, 0) keeps the shape static",
			ddsSnippet(t, op), v.op)
		fd.Fixes = append(fd.Fixes, fx)
		return
	}
	pass.Reportf(op, analysis.Recognized,
		"%s has a length that depends on tensor data (%s): export gives it an unbacked size, which Python code cannot read as a number",
		ddsSnippet(t, op), v.op)
}

// ddosSlice reports a Python slice of a tensor bounded by a data-dependent length.
func ddosSlice(pass *analysis.Pass, sub analysis.NodeID, fn *analysis.Function) {
	f := pass.File
	t := f.Tree
	if !ddosHasSlice(t, sub) {
		return // the common case, decided without allocating
	}
	idx := ddsIndex(t, sub)
	bound := analysis.NoNode
	var v ddsValue
	for _, i := range idx {
		if t.Kind(i) != syntax.KindSlice {
			continue
		}
		t.Children(i, func(c analysis.NodeID) bool {
			if t.IsNamed(c) && !t.IsComment(c) {
				if w := ddsLength(f, fn, c, 0); w.op != "" {
					bound, v = c, w
					return false
				}
			}
			return true
		})
		if bound != analysis.NoNode {
			break
		}
	}
	if bound == analysis.NoNode || !ddsTensorish(f, fn, t.Field(sub, syntax.FieldValue)) || !f.RunsWhileExporting(sub) {
		return
	}
	effect, mode := analysis.Fails, "non-strict export"
	if pass.StrictAt(sub) {
		effect, mode = analysis.Caveat, "strict export traces it; non-strict export"
	}
	fd := pass.Reportf(sub, effect,
		"slice bound %s is the length of %s, which depends on tensor data (%s): %s turns a Python slice bound into a concrete integer and fails (GuardOnDataDependentSymNode)",
		ddsSnippet(t, bound), ddsSnippet(t, v.node), v.op, mode)
	if fx, ok := ddosNarrowFix(f, sub, idx); ok {
		fd.Fixes = append(fd.Fixes, fx)
	}
}

// ddosHasSlice reports whether a subscript has a slice among its indices.
func ddosHasSlice(t *syntax.Tree, sub analysis.NodeID) bool {
	found := false
	t.Children(sub, func(c analysis.NodeID) bool {
		if t.FieldOf(c) != syntax.FieldSubscript {
			return true
		}
		switch t.Kind(c) {
		case syntax.KindSlice:
			found = true
		case syntax.KindTuple:
			t.Children(c, func(e analysis.NodeID) bool {
				found = found || t.Kind(e) == syntax.KindSlice
				return !found
			})
		}
		return !found
	})
	return found
}

// ddosNarrowFix rewrites y[:n] (or y[:, :n]) as y.narrow(dim, 0, n).
func ddosNarrowFix(f *analysis.File, sub analysis.NodeID, idx []analysis.NodeID) (analysis.Fix, bool) {
	t := f.Tree
	if p := t.Parent(sub); p != analysis.NoNode {
		switch t.Kind(p) {
		case syntax.KindAssignment, syntax.KindAugmentedAssignment:
			if t.FieldOf(sub) == syntax.FieldLeft {
				return analysis.Fix{}, false
			}
		case syntax.KindDeleteStatement:
			return analysis.Fix{}, false
		}
	}
	dim, stop := -1, analysis.NoNode
	for i, c := range idx {
		if t.Kind(c) != syntax.KindSlice {
			return analysis.Fix{}, false
		}
		if ddsFullSlice(t, c) {
			continue
		}
		// only ":n" and "0:n": one bound after the colon, none before (or a literal 0)
		parts := [3]analysis.NodeID{analysis.NoNode, analysis.NoNode, analysis.NoNode}
		k := 0
		t.Children(c, func(x analysis.NodeID) bool {
			switch {
			case t.IsComment(x):
			case !t.IsNamed(x):
				if t.TextIs(x, ":") && k < 2 {
					k++
				}
			default:
				parts[k] = x
			}
			return true
		})
		if dim >= 0 || parts[1] == analysis.NoNode || parts[2] != analysis.NoNode || k != 1 ||
			(parts[0] != analysis.NoNode && !t.TextIs(t.Unparen(parts[0]), "0")) {
			return analysis.Fix{}, false
		}
		dim, stop = i, parts[1]
	}
	if dim < 0 {
		return analysis.Fix{}, false
	}
	val := t.Field(sub, syntax.FieldValue)
	recv := t.String(val)
	switch t.Kind(t.Unparen(val)) {
	case syntax.KindIdentifier, syntax.KindAttribute, syntax.KindCall, syntax.KindSubscript, syntax.KindParenthesizedExpression:
	default:
		recv = "(" + recv + ")"
	}
	return analysis.Fix{
		Title:  "replace the slice with narrow (raises where slicing clamps a bound past the end of the dimension)",
		Safety: analysis.Unsafe,
		Edits:  []analysis.Edit{{Start: t.Start(sub), End: t.End(sub), NewText: recv + ".narrow(" + strconv.Itoa(dim) + ", 0, " + t.String(stop) + ")"}},
	}, true
}

// ddosWhereFix rewrites a data-dependent selection that is summed right away (x[mask].sum(),
// torch.sum(x[mask]), x.masked_select(mask).sum()) as torch.where(mask, x, 0), of static shape.
// For indexing, the mask must be computed elementwise from x itself, so that it has x's
// shape; masked_select broadcasts like torch.where.
func ddosWhereFix(f *analysis.File, fn *analysis.Function, op analysis.NodeID) (analysis.Fix, bool) {
	t := f.Tree
	if !ddosSummed(f, op) {
		return analysis.Fix{}, false
	}
	var x, mask analysis.NodeID
	switch t.Kind(op) {
	case syntax.KindSubscript:
		idx := ddsIndex(t, op)
		x = t.Field(op, syntax.FieldValue)
		if len(idx) != 1 || !ddosMaskOf(t, idx[0], x) {
			return analysis.Fix{}, false
		}
		mask = idx[0]
	case syntax.KindCall:
		callee := t.Unparen(t.Field(op, syntax.FieldFunction))
		if !t.TextIs(t.Field(callee, syntax.FieldAttribute), "masked_select") {
			return analysis.Fix{}, false
		}
		pos, kws := f.Args(op)
		if len(kws) > 0 {
			return analysis.Fix{}, false
		}
		switch {
		case f.IsImported(callee) && len(pos) == 2:
			x, mask = pos[0], pos[1]
		case !f.IsImported(callee) && len(pos) == 1:
			x, mask = t.Field(callee, syntax.FieldObject), pos[0]
		default:
			return analysis.Fix{}, false
		}
	default:
		return analysis.Fix{}, false
	}
	torch, imp := fix.NewImporter(f).Torch()
	edits := []analysis.Edit{{Start: t.Start(op), End: t.End(op),
		NewText: torch + ".where(" + t.String(mask) + ", " + t.String(x) + ", 0)"}}
	if imp != nil {
		edits = append(edits, *imp)
	}
	return analysis.Fix{
		Title:  "sum torch.where(mask, x, 0) instead of the selected elements (static shape; a floating-point sum may round differently)",
		Safety: analysis.Unsafe,
		Edits:  edits,
	}, true
}

// ddosSummed reports whether op is summed whole right away: op.sum() or torch.sum(op).
func ddosSummed(f *analysis.File, op analysis.NodeID) bool {
	t := f.Tree
	p := t.Parent(op)
	for p != analysis.NoNode && t.Kind(p) == syntax.KindParenthesizedExpression {
		op, p = p, t.Parent(p)
	}
	switch t.Kind(p) {
	case syntax.KindAttribute:
		call := t.Parent(p)
		if t.FieldOf(op) != syntax.FieldObject || !t.TextIs(t.Field(p, syntax.FieldAttribute), "sum") || t.Kind(call) != syntax.KindCall {
			return false
		}
		pos, kws := f.Args(call)
		return len(pos) == 0 && len(kws) == 0
	case syntax.KindArgumentList:
		call := t.Parent(p)
		pos, kws := f.Args(call)
		callee := t.Field(call, syntax.FieldFunction)
		return len(pos) == 1 && len(kws) == 0 && f.IsImported(callee) && f.Resolve(callee) == "torch.sum"
	}
	return false
}

// ddosMaskOf reports whether mask is computed elementwise from the expression x alone (x > 0,
// x != 0, ~torch.isnan(x), (x > 0) & (x < 1), x.isfinite()), so that it has x's shape.
func ddosMaskOf(t *syntax.Tree, mask, x analysis.NodeID) bool {
	mask = t.Unparen(mask)
	same := func(n analysis.NodeID) bool {
		return n != analysis.NoNode && ddsSnippet(t, t.Unparen(n)) == ddsSnippet(t, t.Unparen(x))
	}
	number := func(n analysis.NodeID) bool {
		n = t.Unparen(n)
		if t.Kind(n) == syntax.KindUnaryOperator {
			n = t.NamedChild(n, 0)
		}
		k := t.Kind(n)
		return k == syntax.KindInteger || k == syntax.KindFloat
	}
	switch t.Kind(mask) {
	case syntax.KindComparisonOperator:
		if t.NamedChildCount(mask) != 2 {
			return false
		}
		l, r := t.NamedChild(mask, 0), t.NamedChild(mask, 1)
		return (same(l) && number(r)) || (number(l) && same(r))
	case syntax.KindUnaryOperator:
		return t.Operator(mask) == "~" && ddosMaskOf(t, t.NamedChild(mask, 0), x)
	case syntax.KindBinaryOperator:
		switch t.Operator(mask) {
		case "&", "|", "^":
			return ddosMaskOf(t, t.Field(mask, syntax.FieldLeft), x) && ddosMaskOf(t, t.Field(mask, syntax.FieldRight), x)
		}
	case syntax.KindCall:
		callee := t.Unparen(t.Field(mask, syntax.FieldFunction))
		if t.Kind(callee) != syntax.KindAttribute {
			return false
		}
		switch t.String(t.Field(callee, syntax.FieldAttribute)) {
		case "isnan", "isinf", "isfinite", "isneginf", "isposinf", "signbit":
		default:
			return false
		}
		args := t.Field(mask, syntax.FieldArguments)
		switch t.NamedChildCount(args) {
		case 0:
			return same(t.Field(callee, syntax.FieldObject))
		case 1:
			return same(t.NamedChild(args, 0))
		}
	}
	return false
}
