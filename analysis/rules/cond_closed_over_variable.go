package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
)

// CondClosedOverVariable recognises torch.cond branches that read variables of the
// enclosing function instead of receiving them as operands.
var CondClosedOverVariable = &analysis.Rule{
	Name:      "cond_closed_over_variable",
	HoverOnly: true,
	Doc: `## What it does
Recognises a branch of ` + "`torch.cond(pred, true_fn, false_fn, operands)`" + ` (a nested function
or lambda) that reads variables of the function around it, such as a tensor argument of
` + "`forward`" + `, instead of receiving them through ` + "`operands`" + `. This is supported; the finding
is shown on hover only.

## Why is this bad
It is not: torch.cond supports branches closed over arbitrary variables. Export lifts the
tensors a branch captures into extra inputs of the branch subgraph, and Python values it
captures are burned in as constants. What a closure must not do is rebind or mutate the
captured variable: ` + "`nonlocal`" + ` and in-place changes inside a branch fail
(cond_branch_nonlocal_variables).

## Example
` + "```python" + `
def forward(self, pred, x):
    def true_fn(val):
        return x * 2

    def false_fn(val):
        return x - 2

    return torch.cond(pred, true_fn, false_fn, (x + 1,))
` + "```" + `

## Use instead
Nothing to change. Passing the tensors as operands instead makes the data flow explicit and
lets both branches be reused outside the closure.

## Fix safety
Replacing ` + "`functorch.experimental.control_flow.cond`" + ` with ` + "`torch.cond`" + ` is safe: it is the
same operator under its public name.

## References
- [ExportDB: cond_closed_over_variable](https://pytorch.org/docs/main/generated/exportdb/index.html#cond-closed-over-variable)
- [torch.cond](https://pytorch.org/docs/main/generated/torch.cond.html)
`,
	Local: true,
	Run:   runCondClosedOverVariable,
}

func runCondClosedOverVariable(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	mig := &condMigration{f: f}
	condEach(pass, func(cc *condCall) {
		for _, e := range [...]analysis.NodeID{cc.trueFn, cc.falseFn} {
			b := condResolveBranch(f, cc.fn, e)
			if b.fn == nil || b.fn.Parent == nil || b.fn.Class != nil {
				continue
			}
			var vars []pysem.FreeVar
			for _, v := range f.FreeVars(b.fn) {
				if v.Name != v.Scope.SelfName() {
					vars = append(vars, v)
				}
			}
			if len(vars) == 0 {
				continue
			}
			fd := pass.Reportf(e, analysis.Recognized, "cond branch %s closes over %s", fix.Short(t, e), condVarsPhrase(vars))
			mig.attach(fd, cc)
		}
	})
}
