package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// StaticIf recognises branches on a tensor's rank.
var StaticIf = &analysis.Rule{
	Name:      "static_if",
	HoverOnly: true,
	Doc: `## What it does
Recognises ` + "`if`" + `, ` + "`elif`" + ` and conditional expressions whose condition tests only the rank of a tensor
(` + "`len(x.shape) == 3`, `x.dim() == 4`, `x.ndim > 2`" + `, or a name assigned from them) in code that torch.export
traces. Conditions on dimension sizes are dynamic_shape_if_guard; conditions on tensor values are not
this case.

## Why is this bad
It is not: this is the supported pattern, shown on hover only. The rank of a tensor is static under
export (only sizes can be declared dynamic), so the condition is a plain Python boolean while tracing:
export follows the branch taken for the example input and the exported graph contains that branch
only. The program is correct for every input of the same rank, which export requires anyway.

## Example
` + "```python" + `
def forward(self, x):
    if len(x.shape) == 3:
        return x + torch.ones(1, 1, 1)
    return x
` + "```" + `

## Use instead
Nothing to change. Export once per rank if the module must accept several ranks.

## Fix safety
There is no fix.

## References
- [ExportDB: static_if](https://pytorch.org/docs/main/generated/exportdb/index.html#static-if)
- [torch.export: control flow](https://pytorch.org/docs/main/export.html)
`,
	Local:        true,
	Declarations: true,
	Run:          runStaticIf,
}

func runStaticIf(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	check := func(cond analysis.NodeID, fn *analysis.Function) {
		if cond == analysis.NoNode {
			return
		}
		// a test of a rank (or another int export knows while tracing), of nothing that
		// varies with the input's sizes or data
		if v := f.Value(fn, cond); !v.May(torchsem.StaticInt) || v.May(torchsem.Sizes|torchsem.Data|torchsem.Tensor|torchsem.Other) {
			return
		}
		pass.Reportf(cond, analysis.Recognized,
			"branch on the rank (%s) is fixed at export: only the branch taken for the example input is traced",
			fix.Snippet(t, cond))
	}
	pass.Traced(syntax.KindIfStatement, func(n analysis.NodeID, fn *analysis.Function) {
		check(t.Field(n, syntax.FieldCondition), fn)
	})
	pass.Traced(syntax.KindElifClause, func(n analysis.NodeID, fn *analysis.Function) {
		check(t.Field(n, syntax.FieldCondition), fn)
	})
	pass.Traced(syntax.KindConditionalExpression, func(n analysis.NodeID, fn *analysis.Function) {
		check(t.NamedChild(n, 1), fn)
	})
}
