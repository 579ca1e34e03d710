package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
)

// CondBranchClassMethod recognises torch.cond branches that are methods: self.method,
// self.submodule.forward, a submodule, a static or class method.
var CondBranchClassMethod = &analysis.Rule{
	Name:      "cond_branch_class_method",
	HoverOnly: true,
	Doc: `## What it does
Recognises a branch of ` + "`torch.cond(pred, true_fn, false_fn, operands)`" + ` that is a method of
a class in this file: ` + "`self.bar`" + `, a submodule's ` + "`self.subm.forward`" + ` (or ` + "`self.subm`" + `
itself), a static method or a class method. This is supported; the finding is shown on
hover only.

## Why is this bad
It is not: a bound method is an ordinary callable, and cond traces it like any branch
function, with the operands as its arguments (` + "`self`" + ` is already bound). The branch rules
still apply: both branches take the same operands, return tensors of the same shape and
dtype, and do not mutate their inputs (cond_operands reports these). Calling a method
through the class (` + "`MyModule.bar`" + `) does not bind ` + "`self`" + `, so it needs one more operand.

## Example
` + "```python" + `
class M(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.subm = MySubModule()

    def bar(self, x):
        return x.sin()

    def forward(self, x):
        return torch.cond(x.shape[0] <= 2, self.subm.forward, self.bar, (x,))
` + "```" + `

## Use instead
Nothing to change. Keep the operands a tuple of tensors that both methods accept.

## Fix safety
Replacing ` + "`functorch.experimental.control_flow.cond`" + ` with ` + "`torch.cond`" + ` is safe: it is the
same operator under its public name.

## References
- [ExportDB: cond_branch_class_method](https://pytorch.org/docs/main/generated/exportdb/index.html#cond-branch-class-method)
- [torch.cond](https://pytorch.org/docs/main/generated/torch.cond.html)
`,
	Local: true,
	Run:   runCondBranchClassMethod,
}

func runCondBranchClassMethod(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	mig := &condMigration{f: f}
	condEach(pass, func(cc *condCall) {
		for _, e := range [...]analysis.NodeID{cc.trueFn, cc.falseFn} {
			b := condResolveBranch(f, cc.fn, e)
			if b.fn == nil || b.fn.Class == nil {
				continue
			}
			fd := pass.Reportf(e, analysis.Recognized, "cond branch %s is the method %s", fix.Short(t, e), b.fn.QualName())
			mig.attach(fd, cc)
		}
	})
}
