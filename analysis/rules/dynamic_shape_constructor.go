package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// DynamicShapeConstructor recognises tensor constructors sized from a tensor's shape.
var DynamicShapeConstructor = &analysis.Rule{
	Name:      "dynamic_shape_constructor",
	HoverOnly: true,
	Doc: `## What it does
Recognises tensor constructors (` + "`torch.zeros`, `ones`, `empty`, `full`, `rand`, `randn`, `randint`, `arange`, `eye`, `linspace`, `randperm`" + `
and the ` + "`x.new_zeros`/`new_ones`/`new_empty`/`new_full`" + ` methods) whose size is computed from a tensor's shape
(` + "`x.shape[0] * 2`, `x.size(1)`" + `, or a name assigned from them) in code that torch.export traces.
A size computed from the rank alone (` + "`x.dim()`" + `) is not reported: the rank is always static.

## Why is this bad
It is not: this is the supported pattern, shown on hover only. While export traces, a dimension
declared dynamic (` + "`dynamic_shapes=`" + ` with ` + "`torch.export.Dim`" + `) is a symbolic integer, and a constructor
sized from it is captured with a symbolic size, so the exported program allocates the right size for
every input. A dimension left static is a plain integer: the size is baked into the graph as a
constant (ExportDB's example exports ` + "`zeros([6])`" + ` for a 3-row input).

## Example
` + "```python" + `
def forward(self, x):
    return torch.zeros(x.shape[0] * 2)
` + "```" + `

## Use instead
Nothing to change. Declare the dimension dynamic when the size must follow the input:
` + "```python" + `
batch = torch.export.Dim("batch")
torch.export.export(model, (x,), dynamic_shapes={"x": {0: batch}})
` + "```" + `

## Fix safety
There is no fix.

## References
- [ExportDB: dynamic_shape_constructor](https://pytorch.org/docs/main/generated/exportdb/index.html#dynamic-shape-constructor)
- [torch.export: expressing dynamism](https://pytorch.org/docs/main/export.html)
`,
	Local:        true,
	Declarations: true,
	Run:          runDynamicShapeConstructor,
}

func runDynamicShapeConstructor(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		sc, ok := f.SizeCall(fn, call)
		if !ok || !sc.Constructor {
			return
		}
		for _, size := range sc.Sizes {
			if shapeSize(f, fn, size) {
				pass.Reportf(call, analysis.Recognized,
					"constructor %s is sized by %s, derived from a tensor shape: %s",
					fix.Snippet(t, t.Field(call, syntax.FieldFunction)), fix.Snippet(t, size), symbolicWords(f, fn, size, false))
				return
			}
		}
	})
}
