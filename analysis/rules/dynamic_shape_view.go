package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// DynamicShapeView recognises view/reshape calls whose sizes come from a tensor's shape.
var DynamicShapeView = &analysis.Rule{
	Name:      "dynamic_shape_view",
	HoverOnly: true,
	Doc: `## What it does
Recognises ` + "`x.view(...)`, `x.reshape(...)` and `torch.reshape(x, shape)`" + ` whose target sizes are computed from a
tensor's dimension sizes, in code that torch.export traces: ` + "`x.view(x.size(0), -1)`" + `, or the ExportDB
example's ` + "`x.view(*(x.size()[:-1] + (2, 5)))`" + ` through a name. Sizes that are all constants, and
` + "`x.view(dtype)`" + `, are not reported.

## Why is this bad
It is not: this is the supported pattern, shown on hover only. For a dimension declared dynamic the
sizes passed to ` + "`view`" + ` are symbolic and propagate into the exported graph
(` + "`aten.view(x, [s0, 2, 5])`" + `), so the exported program reshapes correctly for every input. For static
dimensions the sizes are baked in as constants.

## Example
` + "```python" + `
def forward(self, x):
    new_x_shape = x.size()[:-1] + (2, 5)
    x = x.view(*new_x_shape)
    return x.permute(0, 2, 1)
` + "```" + `

## Use instead
Nothing to change. Declare the dimensions dynamic (` + "`dynamic_shapes=`" + ` with ` + "`torch.export.Dim`" + `) when the
view must follow the input's size; ` + "`-1`" + ` for the one inferred dimension also stays symbolic.

## Fix safety
There is no fix.

## References
- [ExportDB: dynamic_shape_view](https://pytorch.org/docs/main/generated/exportdb/index.html#dynamic-shape-view)
- [torch.export: expressing dynamism](https://pytorch.org/docs/main/export.html)
`,
	Local:        true,
	Declarations: true,
	Run:          runDynamicShapeView,
}

func runDynamicShapeView(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		sc, ok := f.SizeCall(fn, call)
		if !ok {
			return
		}
		switch sc.API {
		case "torch.Tensor.view", "torch.Tensor.reshape", "torch.reshape":
		default:
			return
		}
		for _, a := range sc.Sizes {
			if shapeSize(f, fn, a) {
				pass.Reportf(call, analysis.Recognized,
					"sizes %s passed to %s are derived from a tensor shape: %s",
					fix.Snippet(t, a), fix.Snippet(t, t.Field(call, syntax.FieldFunction)), symbolicWords(f, fn, a, true))
				return
			}
		}
	})
}
