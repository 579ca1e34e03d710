package rules

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
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
	Run: runTensorSetattr,
}

func runTensorSetattr(pass *analysis.Pass) {
	f, t := pass.File, pass.Tree
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		callee := t.Field(call, syntax.FieldFunction)
		if callee == analysis.NoNode || t.Kind(callee) != syntax.KindIdentifier || !t.TextIs(callee, "setattr") {
			return
		}
		if _, shadowed := f.Imports["setattr"]; shadowed {
			return
		}
		pos, kw := f.Args(call)
		if len(pos) != 3 || len(kw) > 0 || t.Kind(pos[0]) == syntax.KindListSplat {
			return
		}
		obj := t.Unparen(pos[0])
		if !tsMayBeTensor(f, fn, obj) {
			return
		}
		what := "an attribute"
		if s := t.Unparen(pos[1]); t.Kind(s) == syntax.KindString && !mamHasInterpolation(t, s) {
			what = "attribute " + t.String(s)
		}
		pass.Reportf(call, analysis.Changes, "setattr sets %s on tensor %s; the exported program does not capture it", what, t.String(obj))
	})
}

// tsMayBeTensor reports whether obj may be a tensor: a tensor expression or a parameter of
// the traced function (not self, not one annotated as a non-tensor or a module).
func tsMayBeTensor(f *analysis.File, fn *analysis.Function, obj analysis.NodeID) bool {
	t := f.Tree
	if obj == analysis.NoNode {
		return false
	}
	if t.Kind(obj) == syntax.KindIdentifier {
		if self := fn.SelfName(); self != "" && t.TextIs(obj, self) {
			return false
		}
		for s := fn; s != nil; s = s.Parent {
			if p := s.Param(t.String(obj)); p != nil && p.Type != analysis.NoNode {
				if ty := t.String(p.Type); strings.Contains(ty, "Module") {
					return false
				}
			}
		}
	}
	x := f.Facts(fn, obj)
	return x.Any(analysis.FactTensor|analysis.FactParam) && !x.Any(analysis.FactShape|analysis.FactData)
}
