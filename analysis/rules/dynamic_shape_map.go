package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// DynamicShapeMap recognises the control-flow map(body, xs, *args) in traced code.
var DynamicShapeMap = &analysis.Rule{
	Name: "dynamic_shape_map",
	Doc: `## What it does
Recognises ` + "`map(body, xs, *args)`" + ` from ` + "`functorch.experimental.control_flow`" + ` (now
` + "`torch._higher_order_ops.map`" + `) in code that torch.export traces; Python's builtin ` + "`map`" + `
is not concerned. A body defined in this file that uses only its arguments is recognised
on hover only. A note is shown when the body is not a function export can see here (a
parameter, a value computed at run time) or when it closes over tensors of the enclosing
function.

## Why is this bad
It is not, as such: map applies ` + "`body(x, *args)`" + ` to every slice ` + "`x`" + ` of ` + "`xs`" + ` along its
first dimension and stacks the results, and export keeps it as one ` + "`map_impl`" + ` node whose
body is traced once, so the first dimension of ` + "`xs`" + ` may be dynamic. The body is traced
into a separate subgraph: tensors it needs should come in through ` + "`*args`" + `, which map
passes unchanged to every call. A body that captures tensors of the enclosing function
hides those inputs from map's signature and relies on export lifting them into the body
subgraph; passing them through ` + "`*args`" + ` is the form ExportDB documents.

## Example
` + "```python" + `
from functorch.experimental.control_flow import map

def forward(self, xs, y):
    def body(x):
        return x + y          # y is captured

    return map(body, xs)
` + "```" + `

## Use instead
` + "```python" + `
from functorch.experimental.control_flow import map

def forward(self, xs, y):
    def body(x, y):
        return x + y

    return map(body, xs, y)
` + "```" + `

## Fix safety
No fix is offered: turning a captured variable into an argument changes the body's
signature, which the author may also call elsewhere.

## References
- [ExportDB: dynamic_shape_map](https://pytorch.org/docs/main/generated/exportdb/index.html#dynamic-shape-map)
- [Control flow operators](https://pytorch.org/docs/main/export.html)
`,
	Local:        true,
	Declarations: true,
	Run:          runDynamicShapeMap,
}

func runDynamicShapeMap(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		if !torchsem.IsMapAPI(pass.CallName(call)) {
			return
		}
		pos, _ := f.Args(call)
		if len(pos) == 0 || t.Kind(pos[0]) == syntax.KindListSplat {
			return
		}
		body := pos[0]
		b := condResolveBranch(f, fn, body)
		if b.fn == nil {
			if condMapBodyKnown(f, fn, body) {
				pass.Reportf(body, analysis.Recognized, "map applies %s to each slice of its input along dim 0", fix.Short(t, body))
			} else {
				pass.Reportf(body, analysis.Caveat, "map body %s is not a function defined in this file; export must be able to trace it", fix.Short(t, body))
			}
			return
		}
		var captured []pysem.FreeVar
		for _, v := range f.FreeVars(b.fn) {
			// a value that may be a tensor (or a list of them), not a Python number or size
			if x := f.Value(v.Scope, v.ID); x.May(torchsem.Tensor|torchsem.TensorSeq) && !(x.May(torchsem.Sizes|torchsem.Data) && !x.IsTensor()) {
				captured = append(captured, v)
			}
		}
		if len(captured) > 0 {
			pass.Reportf(body, analysis.Caveat, "map body %s closes over %s; pass them to map as extra arguments", condBranchName(t, b), condVarsPhrase(captured))
			return
		}
		pass.Reportf(body, analysis.Recognized, "map applies %s to each slice of its input along dim 0", condBranchName(t, b))
	})
}

// condMapBodyKnown reports whether a map body that is not a function of this file is still
// a callable export can trace: an imported function (torch.sin) or a submodule assigned in
// __init__ (self.layer).
func condMapBodyKnown(f *analysis.File, fn *analysis.Function, body analysis.NodeID) bool {
	t := f.Tree
	body = t.Unparen(body)
	if f.IsImported(body) {
		return true
	}
	if condKind(t, body) != syntax.KindAttribute {
		return false
	}
	obj := t.Unparen(t.Field(body, syntax.FieldObject))
	c := f.ClassOfReceiver(fn, obj)
	if c == nil || condKind(t, obj) != syntax.KindIdentifier {
		return false
	}
	attr := t.String(t.Field(body, syntax.FieldAttribute))
	found := false
	f.Lineage(c, func(k *analysis.Class) bool {
		_, found = k.InitAttrs[attr]
		return !found
	})
	return found
}
