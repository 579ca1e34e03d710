package rules

import (
	"fmt"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// CondOperands checks the operands of torch.cond: a list or tuple of tensors whose length
// the branch functions accept, and that the branches do not mutate.
var CondOperands = &analysis.Rule{
	Name: "cond_operands",
	Doc: `## What it does
Checks the ` + "`operands`" + ` argument of ` + "`torch.cond(pred, true_fn, false_fn, operands)`" + ` in
code that torch.export traces (however cond is imported: ` + "`torch.cond`" + `,
` + "`functorch.experimental.control_flow.cond`" + `, ` + "`torch._higher_order_ops.cond`" + `). It reports:
- operands that are not a list or tuple (a bare tensor, a number, a dict);
- operand elements that are Python floats, strings, booleans or None;
- a branch function whose number of parameters differs from the number of operands;
- a branch that mutates one of its inputs in place (` + "`x.add_(1)`" + `, ` + "`x += 1`" + `,
  ` + "`x[0] = 0`" + `).

A well-formed call is recognised silently so that hover can explain it.

## Why is this bad
cond calls ` + "`true_fn(*operands)`" + ` or ` + "`false_fn(*operands)`" + ` and traces both into
subgraphs. It validates its arguments first: operands must be a list or tuple whose leaves
are tensors ("Expect operands to be a tuple of possibly nested dict/list/tuple that only
consists of tensor leaves"), both branches must accept them, and a branch may not mutate
its inputs (in-place operations on intermediate results are fine). Each of these mistakes
makes export fail.

## Example
` + "```python" + `
def forward(self, x, y):
    def true_fn(x, y):
        x.add_(y)          # mutates an input
        return x

    def false_fn(x):       # takes one argument, two are passed
        return x.sin()

    return torch.cond(x.shape[0] > 2, true_fn, false_fn, [x, y])
` + "```" + `

## Use instead
` + "```python" + `
def forward(self, x, y):
    def true_fn(x, y):
        return x + y

    def false_fn(x, y):
        return x - y

    return torch.cond(x.shape[0] > 2, true_fn, false_fn, (x, y))
` + "```" + `
Wrap a Python scalar the branches need with ` + "`torch.tensor(...)`" + `, or let the branch close
over it.

## Fix safety
Wrapping a single tensor operand in a tuple (` + "`x`" + ` -> ` + "`(x,)`" + `) is offered when both
branches take exactly one argument; it is safe: cond then calls the branch with that tensor.
Replacing ` + "`functorch.experimental.control_flow.cond`" + ` with ` + "`torch.cond`" + ` is safe: it is
the same operator under its public name.

## References
- [ExportDB: cond_operands](https://pytorch.org/docs/main/generated/exportdb/index.html#cond-operands)
- [torch.cond](https://pytorch.org/docs/main/generated/torch.cond.html)
- [Control flow: torch.cond](https://pytorch.org/docs/main/cond.html)
`,
	Local: true,
	Run:   runCondOperands,
}

func runCondOperands(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	mig := &condMigration{f: f}
	mutated := map[analysis.NodeID]bool{}
	condEach(pass, func(cc *condCall) {
		tb := condResolveBranch(f, cc.fn, cc.trueFn)
		fb := condResolveBranch(f, cc.fn, cc.falseFn)
		op := cc.operands
		if op == analysis.NoNode {
			// torch.cond's operands default to (): the branches are called without arguments
			if cc.functorch {
				return
			}
			for _, b := range [...]condBranch{tb, fb} {
				if b.fn == nil {
					continue
				}
				if lo, _ := condArity(b); lo > 0 {
					fd := pass.Reportf(b.expr, analysis.Fails, "cond branch %s takes %s but no operands are passed", condBranchName(t, b), condArgCount(lo, lo))
					mig.attach(fd, cc)
				}
			}
			return
		}
		bad := false
		// operands must be a list or tuple
		switch u := t.Unparen(op); {
		case condIsListOrTuple(t, u):
		case condNotSequenceLiteral(t, u):
			bad = true
			fd := pass.Reportf(op, analysis.Fails, "cond operands %s is not a list or tuple of tensors", fix.Short(t, op))
			mig.attach(fd, cc)
		case f.Value(cc.fn, u).IsTensor():
			bad = true
			fd := pass.Reportf(op, analysis.Fails, "cond operands %s is a tensor, not a list or tuple of tensors", fix.Short(t, op))
			if condTakesOne(tb) && condTakesOne(fb) {
				fd.Fixes = append(fd.Fixes, analysis.Fix{
					Title:  "wrap the operand in a tuple",
					Safety: analysis.Safe,
					Edits:  []analysis.Edit{{Start: t.Start(op), End: t.End(op), NewText: "(" + t.String(op) + ",)"}},
				})
			}
			mig.attach(fd, cc)
		}
		elems, known := condElems(f, cc.fn, op)
		for _, e := range elems {
			if condNonTensorConst(f, cc.fn, e) {
				bad = true
				fd := pass.Reportf(e, analysis.Fails, "cond operand %s is not a tensor; pass torch.tensor(%s) or let the branches close over it", fix.Short(t, e), fix.Short(t, e))
				mig.attach(fd, cc)
			}
		}
		// branch arity against the operand count
		for _, b := range [...]condBranch{tb, fb} {
			if b.fn == nil || !known {
				continue
			}
			if lo, hi := condArity(b); len(elems) < lo || (hi >= 0 && len(elems) > hi) {
				bad = true
				fd := pass.Reportf(b.expr, analysis.Fails, "cond branch %s takes %s but operands has %d", condBranchName(t, b), condArgCount(lo, hi), len(elems))
				mig.attach(fd, cc)
			}
		}
		// in-place mutation of the branch inputs
		for _, b := range [...]condBranch{tb, fb} {
			if b.fn == nil || (b == fb && tb.fn == fb.fn) {
				continue
			}
			inputs := condInputs(b)
			for _, m := range condMutations(f, b.fn, func(name string) bool { return condContains(inputs, name) }) {
				if mutated[m.node] {
					continue
				}
				mutated[m.node] = true
				bad = true
				pass.Reportf(m.node, analysis.Fails, "cond branch %s mutates its input %s in place (%s)", condBranchName(t, b), m.name, m.how)
			}
		}
		if !bad && known {
			fd := pass.Reportf(op, analysis.Recognized, "cond passes %s to both branches as their arguments", fix.Short(t, op))
			mig.attach(fd, cc)
		}
	})
}

// condNotSequenceLiteral reports whether e is a literal that is certainly not a list or
// tuple: a number, string, bool, None, dict or set.
func condNotSequenceLiteral(t *syntax.Tree, e analysis.NodeID) bool {
	switch condKind(t, e) {
	case syntax.KindInteger, syntax.KindFloat, syntax.KindString, syntax.KindConcatenatedString, syntax.KindTrue,
		syntax.KindFalse, syntax.KindNone, syntax.KindDictionary, syntax.KindSet, syntax.KindDictionaryComprehension, syntax.KindSetComprehension:
		return true
	}
	return false
}

// condTakesOne reports whether a resolved branch takes exactly one operand.
func condTakesOne(b condBranch) bool {
	if b.fn == nil {
		return false
	}
	lo, hi := condArity(b)
	return lo == 1 && hi == 1
}

// condArgCount renders an accepted argument count: "1 argument", "2 to 3 arguments".
func condArgCount(lo, hi int) string {
	switch {
	case hi < 0:
		return fmt.Sprintf("at least %d argument(s)", lo)
	case lo == hi && lo == 1:
		return "1 argument"
	case lo == hi:
		return fmt.Sprintf("%d arguments", lo)
	}
	return fmt.Sprintf("%d to %d arguments", lo, hi)
}

func condContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
