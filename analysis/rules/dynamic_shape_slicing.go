package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// DynamicShapeSlicing recognises tensor slices whose bounds come from a tensor's shape.
var DynamicShapeSlicing = &analysis.Rule{
	Name:      "dynamic_shape_slicing",
	HoverOnly: true,
	Doc: `## What it does
Recognises slices of a tensor (an input, a tensor value or a ` + "`self`" + ` buffer) whose start, stop or
step is computed from a tensor's dimension sizes (` + "`x[: x.shape[0] - 2]`, `self.pe[:, : x.size(1)]`" + `), in code
that torch.export traces. Constant bounds, bounds read out of tensor data (` + "`.item()`" + `, see
constrain_as_size_example) and slices of a shape tuple (` + "`x.size()[:-1]`" + `) are not reported.

## Why is this bad
It is not: this is the supported pattern, shown on hover only. For a dimension declared dynamic the
bound is a symbolic expression and the slice is captured with it (` + "`aten.slice(x, 0, 0, s0 - 2)`" + `), so
the exported program slices correctly for every input. For a static dimension the bound is computed
while tracing and baked in as a constant.

## Example
` + "```python" + `
def forward(self, x):
    return x[: x.shape[0] - 2, x.shape[1] - 1 :: 2]
` + "```" + `

## Use instead
Nothing to change. Declare the dimension dynamic (` + "`dynamic_shapes=`" + ` with ` + "`torch.export.Dim`" + `) when the
bound must follow the input's size.

## Fix safety
There is no fix.

## References
- [ExportDB: dynamic_shape_slicing](https://pytorch.org/docs/main/generated/exportdb/index.html#dynamic-shape-slicing)
- [torch.export: expressing dynamism](https://pytorch.org/docs/main/export.html)
`,
	Local:        true,
	Declarations: true,
	Run:          runDynamicShapeSlicing,
}

func runDynamicShapeSlicing(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	pass.Traced(syntax.KindSubscript, func(sub analysis.NodeID, fn *analysis.Function) {
		bound := analysis.NoNode
		t.Children(sub, func(c analysis.NodeID) bool {
			if t.FieldOf(c) != syntax.FieldSubscript || t.Kind(c) != syntax.KindSlice {
				return true
			}
			t.Children(c, func(b analysis.NodeID) bool {
				if t.IsNamed(b) && !t.IsComment(b) && shapeSize(f, fn, b) {
					bound = b
					return false
				}
				return true
			})
			return bound == analysis.NoNode
		})
		if bound == analysis.NoNode || !f.Value(fn, t.Field(sub, syntax.FieldValue)).May(torchsem.Tensor) {
			return
		}
		pass.Reportf(sub, analysis.Recognized,
			"slice bound %s is derived from a tensor shape: %s",
			fix.Snippet(t, bound), symbolicWords(f, fn, bound, false))
	})
}
