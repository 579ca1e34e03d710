package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// CondPredicate checks the predicate of torch.cond: a boolean expression or a one-element
// tensor.
var CondPredicate = &analysis.Rule{
	Name: "cond_predicate",
	Doc: `## What it does
Recognises the predicate of ` + "`torch.cond(pred, true_fn, false_fn, operands)`" + ` in code that
torch.export traces, and reports predicates that cannot work:
- the tensor that is also passed as an operand (` + "`cond(x, ..., (x,))`" + `), or an elementwise
  comparison of it (` + "`cond(x > 0, ..., (x,))`" + `): a batch of booleans, not one;
- a list, tuple, string or None;
- a literal ` + "`True`" + `/` + "`False`" + `, which keeps only one branch.

Boolean expressions (` + "`x.shape[0] > 4`" + `, ` + "`x.dim() > 2 and x.shape[2] > 10`" + `) and other tensors
are recognised silently so that hover can explain them.

## Why is this bad
cond needs one truth value: a Python or symbolic bool, or a tensor with exactly one
element. A multi-element tensor fails validation ("Expected pred to be bool or
single-element tensor"). A Python constant is accepted, but cond then runs only the branch
it selects and the exported graph has no conditional at all. A predicate that tests a
dimension is specialised when that dimension is 0 or 1 in the example inputs.

## Example
` + "```python" + `
def forward(self, x):
    return torch.cond(x > 0, lambda x: x.cos(), lambda x: x.sin(), (x,))
` + "```" + `

## Use instead
Reduce the tensor to one element, or test its shape:
` + "```python" + `
def forward(self, x):
    return torch.cond(x.sum() > 0, lambda x: x.cos(), lambda x: x.sin(), (x,))
` + "```" + `

## Fix safety
No fix is offered for the predicate: which reduction was meant (` + "`any`" + `, ` + "`all`" + `, ` + "`sum`" + `)
is the author's decision. Replacing ` + "`functorch.experimental.control_flow.cond`" + ` with
` + "`torch.cond`" + ` is safe: it is the same operator under its public name.

## References
- [ExportDB: cond_predicate](https://pytorch.org/docs/main/generated/exportdb/index.html#cond-predicate)
- [torch.cond](https://pytorch.org/docs/main/generated/torch.cond.html)
`,
	Local: true,
	Run:   runCondPredicate,
}

func runCondPredicate(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	mig := &condMigration{f: f}
	condEach(pass, func(cc *condCall) {
		if cc.pred == analysis.NoNode {
			return
		}
		p := t.Unparen(cc.pred)
		if p == analysis.NoNode {
			return
		}
		var fd *analysis.Finding
		switch {
		case t.Kind(p) == syntax.KindTrue || t.Kind(p) == syntax.KindFalse:
			fd = pass.Reportf(cc.pred, analysis.Caveat, "cond predicate %s is a constant: only one branch is exported", t.String(p))
		case condNotBoolLiteral(t, p):
			fd = pass.Reportf(cc.pred, analysis.Fails, "cond predicate %s is neither a bool nor a tensor", fix.Short(t, p))
		default:
			if op := condPredOperand(f, cc, p); op != "" {
				fd = pass.Reportf(cc.pred, analysis.Fails, "cond predicate %s is elementwise over the operand %s; reduce it to one element (e.g. .any(), .all(), .sum() > 0)", fix.Short(t, p), op)
			} else if f.SizeTest(cc.fn, p) != analysis.NoNode {
				fd = pass.Reportf(cc.pred, analysis.Recognized, "cond predicate %s tests a dimension; it is specialised when that dimension is 0 or 1 in the example inputs", fix.Short(t, p))
			} else {
				fd = pass.Reportf(cc.pred, analysis.Recognized, "cond predicate %s selects the branch", fix.Short(t, p))
			}
		}
		mig.attach(fd, cc)
	})
}

// condNotBoolLiteral reports whether e is a literal cond rejects as a predicate.
func condNotBoolLiteral(t *syntax.Tree, e analysis.NodeID) bool {
	switch t.Kind(e) {
	case syntax.KindList, syntax.KindTuple, syntax.KindString, syntax.KindConcatenatedString, syntax.KindNone, syntax.KindDictionary:
		return true
	}
	return false
}

// condPredOperand returns the name of an operand that the predicate is, or compares
// elementwise against a scalar (x, x > 0, not a reduction such as x.sum() > 0), following a
// name assigned once from such an expression; "" otherwise. A tensor passed to the branches
// as data is almost never a single element.
func condPredOperand(f *analysis.File, cc *condCall, p analysis.NodeID) string {
	t := f.Tree
	elems, ok := condElems(f, cc.fn, cc.operands)
	if !ok {
		return ""
	}
	isOperand := func(n analysis.NodeID) string {
		n = t.Unparen(n)
		if n == analysis.NoNode || t.Kind(n) != syntax.KindIdentifier {
			return ""
		}
		for _, e := range elems {
			if e = t.Unparen(e); condKind(t, e) == syntax.KindIdentifier && t.TextIs(e, t.String(n)) {
				return t.String(n)
			}
		}
		return ""
	}
	check := func(n analysis.NodeID) string {
		n = t.Unparen(n)
		if name := isOperand(n); name != "" {
			return name
		}
		if t.Kind(n) != syntax.KindComparisonOperator || t.NamedChildCount(n) != 2 {
			return ""
		}
		l, r := t.NamedChild(n, 0), t.NamedChild(n, 1)
		switch condKind(t, r) {
		case syntax.KindInteger, syntax.KindFloat:
			return isOperand(l)
		}
		switch condKind(t, l) {
		case syntax.KindInteger, syntax.KindFloat:
			return isOperand(r)
		}
		return ""
	}
	if name := check(p); name != "" {
		return name
	}
	// pred = x > 0; cond(pred, ...)
	if t.Kind(p) == syntax.KindIdentifier && cc.fn.Param(t.String(p)) == nil {
		rhs, n := analysis.NoNode, 0
		for _, a := range f.OwnNodes(cc.fn, syntax.KindAssignment) {
			if l := t.Field(a, syntax.FieldLeft); l != analysis.NoNode && t.Kind(l) == syntax.KindIdentifier && t.TextIs(l, t.String(p)) {
				n++
				rhs = t.Field(a, syntax.FieldRight)
			}
		}
		if n == 1 && rhs != analysis.NoNode && condKind(t, rhs) == syntax.KindComparisonOperator {
			return check(rhs)
		}
	}
	return ""
}
