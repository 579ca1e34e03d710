package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// TensorSetattr finds setattr() on tensors in code export traces.
var TensorSetattr = &analysis.Rule{
	Name: "tensor_setattr",
	Doc: `## What it does
Finds ` + "`setattr(x, name, value)`" + ` in code that torch.export traces when ` + "`x`" + ` may be a tensor: a
parameter of the traced function or a tensor expression. ` + "`setattr`" + ` on ` + "`self`" + `, on submodules
and on other Python objects is not reported here (assignments to module attributes are
model_attr_mutation).

## Why is this bad
Export records tensor operations only. Setting a Python attribute on a tensor is a side
effect on the object the tracer sees: the export succeeds, but the exported program neither
performs the assignment nor returns the value, so code that later reads the attribute from
the tensor finds nothing when it runs the exported program.

## Example
` + "```python" + `
def forward(self, x, attr):
    setattr(x, attr, torch.randn(3, 2))
    return x + 4
` + "```" + `

## Use instead
Return the value (or keep it in a buffer) instead of hanging it on the tensor:
` + "```python" + `
def forward(self, x):
    extra = torch.randn(3, 2)
    return x + 4, extra
` + "```" + `

## Fix safety
No automatic fix: where the value should go depends on who reads it.

## References
- [ExportDB: tensor_setattr](https://pytorch.org/docs/main/generated/exportdb/index.html#tensor-setattr)
- [torch.export: limitations of tracing](https://pytorch.org/docs/main/export.html)
`,
	Local: true,
	Run:   runTensorSetattr,
}

func runTensorSetattr(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	pass.Calls("setattr", func(call analysis.NodeID, fn *analysis.Function) {
		pos, kw := f.Args(call)
		if len(pos) != 3 || len(kw) > 0 || t.Kind(pos[0]) == syntax.KindListSplat {
			return
		}
		obj := t.Unparen(pos[0])
		if v := f.Value(fn, obj); !v.May(torchsem.Tensor) || v.May(torchsem.Sizes|torchsem.Data) {
			return // not self (a module), a module parameter, a size or a number
		}
		what := "an attribute"
		if s := t.Unparen(pos[1]); t.Kind(s) == syntax.KindString && !pysem.HasInterpolation(t, s) {
			what = "attribute " + t.String(s)
		}
		pass.Reportf(call, analysis.Changes, "setattr sets %s on tensor %s; the exported program does not capture it", what, t.String(obj))
	})
}
