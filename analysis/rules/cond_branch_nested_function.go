package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// CondBranchNestedFunction recognises torch.cond branches that are functions or lambdas
// defined inside the calling function.
var CondBranchNestedFunction = &analysis.Rule{
	Name:      "cond_branch_nested_function",
	HoverOnly: true,
	Doc: `## What it does
Recognises a branch of ` + "`torch.cond(pred, true_fn, false_fn, operands)`" + ` that is a function
(or lambda) defined inside the traced function that calls cond, including branches that
call further nested helpers. This is supported; the finding is shown on hover only.

## Why is this bad
It is not: cond traces the nested function like any other branch, and helpers it calls are
inlined into the branch's subgraph. The branch rules still apply: both branches take the
same operands, return tensors of the same shape and dtype, and do not mutate their inputs
(cond_operands reports these) or rebind variables of the enclosing function with
` + "`nonlocal`" + ` (cond_branch_nonlocal_variables).

## Example
` + "```python" + `
def forward(self, x):
    def true_fn(x):
        def inner_true_fn(y):
            return x + y
        return inner_true_fn(x)

    def false_fn(x):
        def inner_false_fn(y):
            return x - y
        return inner_false_fn(x)

    return torch.cond(x.shape[0] < 10, true_fn, false_fn, (x,))
` + "```" + `

## Use instead
Nothing to change.

## Fix safety
Replacing ` + "`functorch.experimental.control_flow.cond`" + ` with ` + "`torch.cond`" + ` is safe: it is the
same operator under its public name.

## References
- [ExportDB: cond_branch_nested_function](https://pytorch.org/docs/main/generated/exportdb/index.html#cond-branch-nested-function)
- [torch.cond](https://pytorch.org/docs/main/generated/torch.cond.html)
`,
	Local: true,
	Run:   runCondBranchNestedFunction,
}

func runCondBranchNestedFunction(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	mig := &condMigration{f: f}
	condEach(pass, func(cc *condCall) {
		for _, e := range [...]analysis.NodeID{cc.trueFn, cc.falseFn} {
			b := condResolveBranch(f, cc.fn, e)
			if b.fn == nil || b.fn.Parent == nil || b.fn.Class != nil {
				continue
			}
			what := "nested function"
			if t.Kind(b.fn.Node) == syntax.KindLambda {
				what = "lambda"
			}
			fd := pass.Reportf(e, analysis.Recognized, "cond branch %s is a %s defined in %s", fix.Short(t, e), what, b.fn.Parent.QualName())
			mig.attach(fd, cc)
		}
	})
}
