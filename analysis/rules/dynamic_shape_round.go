package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// DynamicShapeRound finds round() applied to a size in traced code.
var DynamicShapeRound = &analysis.Rule{
	Name: "dynamic_shape_round",
	Doc: `## What it does
Finds calls of the builtin ` + "`round()`" + ` on a value derived from a tensor's shape in code that
torch.export traces.

## Why is this bad
A dynamic dimension is a symbolic integer while export traces. ` + "`round()`" + ` on it (usually on a
true division of sizes) cannot be expressed symbolically: export fails (in 2.2 with an
AssertionError, in 2.13 with "Constraints violated"). With a static shape the result would be
burned into the graph.

## Example
` + "```python" + `
def forward(self, x):
    return x[: round(x.shape[0] / 2)]
` + "```" + `

## Use instead
Integer arithmetic on sizes is symbolic:
` + "```python" + `
def forward(self, x):
    return x[: x.shape[0] // 2]
` + "```" + `

## Fix safety
Replacing ` + "`round(a / b)`" + ` with ` + "`a // b`" + ` is unsafe: floor division rounds down, while round()
rounds half to even, so odd sizes can give a result one smaller.

## References
- [ExportDB: dynamic_shape_round](https://pytorch.org/docs/main/generated/exportdb/index.html#dynamic-shape-round)
- [torch.export: dynamic shapes](https://pytorch.org/docs/main/export.html)
`,
	Local:        true,
	Declarations: true,
	Run:          runDynamicShapeRound,
}

func runDynamicShapeRound(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	pass.Calls("round", func(call analysis.NodeID, fn *analysis.Function) {
		pos, kw := f.Args(call)
		if len(pos) != 1 || len(kw) > 0 {
			return
		}
		v := f.Value(fn, pos[0])
		if !v.May(torchsem.Sizes) {
			return
		}
		var fd *analysis.Finding
		switch verdict, hits := declaredDims(f, v); verdict {
		case torchsem.DimsStatic:
			return // every export declares the dims it reads static: round() sees plain ints
		case torchsem.DimsDynamic:
			fd = pass.Reportf(call, analysis.Fails, "round() on %s cannot be exported: it needs a concrete number, and the dim is declared dynamic", dimsPhrase(hits))
			fd.Related = append(fd.Related, dimsRelated(f, hits)...)
		default:
			fd = pass.Reportf(call, analysis.Fails, "round() on a size derived from a tensor shape cannot be exported")
		}
		arg := t.Unparen(pos[0])
		if t.Kind(arg) == syntax.KindBinaryOperator && t.Operator(arg) == "/" {
			l, r := t.Field(arg, syntax.FieldLeft), t.Field(arg, syntax.FieldRight)
			fd.Fixes = append(fd.Fixes, analysis.Fix{
				Title:  "replace round(a / b) with floor division a // b (rounds down)",
				Safety: analysis.Unsafe,
				Edits:  []analysis.Edit{{Start: t.Start(call), End: t.End(call), NewText: "(" + t.String(l) + " // " + t.String(r) + ")"}},
			})
		}
	})
}
