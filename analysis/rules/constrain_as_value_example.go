package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// ConstrainAsValueExample recognises bounds on values read out of tensors and used in
// conditions.
var ConstrainAsValueExample = &analysis.Rule{
	Name: "constrain_as_value_example",
	Doc: `## What it does
Looks at values read out of a tensor with ` + "`.item()`" + ` (or ` + "`int(t)`" + `) in code that torch.export traces and
that are not used as sizes (those are constrain_as_size_example). It reports:
- such a value deciding a branch (` + "`if a < 6:`" + `, ` + "`while`" + `, a conditional expression) with no
  ` + "`torch._check`" + ` bound in the function (error: export fails there, as it does for the derived
  values unchecked_data_dependent_value follows);
- ` + "`torch._constrain_as_value(a, min=m, max=n)`" + `: deprecated, and removed in torch 2.4, so for targets from
  2.4 the call fails (error); before 2.4 a deprecated hint. Both come with a fix;
- ` + "`torch._check(...)`" + ` on such a value: the supported form, shown on hover only.

This rule owns names bound straight from such a read (` + "`a = x.item()`" + `); conditions on values unpacked
from ` + "`.tolist()`" + `, on names computed from them, on inline reads (` + "`if x.item() > 0`" + `) and on the lengths
of ` + "`nonzero()`/`unique()`" + ` results are unchecked_data_dependent_value's, so one use is never reported
twice; conditions on tensors themselves (` + "`if x.sum() > 0`" + `) are data_dependent_branch's.

## Why is this bad
While export traces, ` + "`a = x.item()`" + ` is an unbacked symbolic integer: its value is unknown. A Python
` + "`if`" + ` on it cannot be decided, so export fails with a data-dependent error
(GuardOnDataDependentSymNode) unless the bounds export knows settle the condition: with
` + "`torch._check(a >= 0)`" + ` and ` + "`torch._check(a <= 5)`" + `, ` + "`a < 6`" + ` is always true and export traces that branch. The
checks stay in the exported program as runtime assertions.

` + "`torch._constrain_as_value`" + ` was the first spelling of such bounds; it was removed in 2024
(pytorch/pytorch#127103, torch 2.4) in favour of ` + "`torch._check`" + `.

## Example
` + "```python" + `
def forward(self, x, y):
    a = x.item()
    torch._constrain_as_value(a, min=0, max=5)
    if a < 6:
        return y.sin()
    return y.cos()
` + "```" + `

## Use instead
` + "```python" + `
def forward(self, x, y):
    a = x.item()
    torch._check(a >= 0)
    torch._check(a <= 5)
    if a < 6:
        return y.sin()
    return y.cos()
` + "```" + `
When both branches are needed at run time, bounds cannot help: use ` + "`torch.cond`" + `.

## Fix safety
Replacing ` + "`torch._constrain_as_value(a, min=m, max=n)`" + ` with ` + "`torch._check(a >= m)`" + ` and ` + "`torch._check(a <= n)`" + `
on separate lines is safe: the same bounds are checked and known to export (a bound left out of the
call is left out of the checks). An unchecked value in a condition has no fix: its bounds are domain
knowledge, and asserting the condition itself would drop the other branch.

## References
- [ExportDB: constrain_as_value_example](https://pytorch.org/docs/main/generated/exportdb/index.html#constrain-as-value-example)
- [torch.export: data-dependent values](https://pytorch.org/docs/main/export.html)
- [torch.cond](https://pytorch.org/docs/main/generated/torch.cond.html)
`,
	Local: true,
	Run:   runConstrainAsValueExample,
}

func runConstrainAsValueExample(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	removed := !pass.TargetBefore(2, 4) // torch._constrain_as_value was removed in 2.4
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		if constrainAPI(pass, call) != torchsem.ConstrainAsValueAPI {
			return
		}
		var fd *analysis.Finding
		if removed {
			fd = pass.Reportf(call, analysis.Fails,
				"torch._constrain_as_value was removed in torch 2.4: this call fails; bound %s with torch._check", constrainSubject(f, call))
		} else {
			fd = pass.Reportf(call, analysis.Note,
				"torch._constrain_as_value is deprecated: bound %s with torch._check", constrainSubject(f, call))
		}
		fd.Deprecated = true
		if fx, ok := constrainBoundsFix(f, call, torchsem.ConstrainAsValueAPI, true, "replace torch._constrain_as_value with torch._check bounds"); ok {
			fd.Fixes = append(fd.Fixes, fx)
		}
	})
	seen := map[analysis.NodeID]bool{}
	pass.Traced(syntax.KindAssignment, func(a analysis.NodeID, fn *analysis.Function) {
		it, ok := constrainItemOf(pass, fn, a)
		if !ok || it.sizeUse != analysis.NoNode {
			return
		}
		if len(it.checks) == 0 && !it.asserted {
			if it.condUse == analysis.NoNode {
				return
			}
			fd := pass.Reportf(it.condUse, analysis.Fails,
				"value %s = %s decides a branch without torch._check bounds: export fails on a data-dependent guard (GuardOnDataDependentSymNode) unless bounds settle the condition",
				it.name, fix.Snippet(t, t.Field(a, syntax.FieldRight)))
			fd.Related = append(fd.Related, analysis.Related{Start: t.Start(a), End: t.End(a), Message: it.name + " is read here"})
			return
		}
		constrainRecognizeChecks(pass, it, seen, "torch._check bounds %s, read out of tensor data, so export can reason about it")
	})
}
