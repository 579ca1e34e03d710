package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// ScalarOutput finds a module's forward returning a size instead of a tensor.
var ScalarOutput = &analysis.Rule{
	Name: "scalar_output",
	Doc: `## What it does
Finds ` + "`return`" + ` statements in the ` + "`forward`" + ` of an ` + "`nn.Module`" + ` that return a value computed from a tensor's
dimension sizes (` + "`return x.shape[1] + 1`, `return out, x.size(0)`" + `) rather than a tensor. The forward of
a class that another module of the file builds in its ` + "`__init__`" + ` is skipped: it is a submodule, and
what it returns is not an output of the exported program. Returned ranks (` + "`x.dim()`" + `) and values read
out of tensor data are not reported.

## Why is this bad
Export supports it, but the output is not a tensor. For a dimension declared dynamic the exported
program outputs a symbolic integer (a ` + "`SymIntArgument`" + ` in the graph signature, ` + "`Sym(s0 + 1)`" + ` in the
graph); for a static dimension the value is computed while tracing and the program returns that
constant for every input. Runtimes and converters that expect tensor outputs (AOTInductor,
ExecuTorch, ONNX) may treat such outputs differently, and callers get an ` + "`int`" + `, not a tensor.
Reported as information.

## Example
` + "```python" + `
def forward(self, x):
    return x.shape[1] + 1
` + "```" + `

## Use instead
Keep it when the caller wants the size as a Python integer. When the output must be a tensor, build one:
` + "```python" + `
def forward(self, x):
    return torch.tensor(x.shape[1] + 1)  # or compute it from x with tensor ops
` + "```" + `

## Fix safety
There is no fix: whether the output should be a tensor depends on its consumer.

## References
- [ExportDB: scalar_output](https://pytorch.org/docs/main/generated/exportdb/index.html#scalar-output)
- [torch.export: ExportGraphSignature](https://pytorch.org/docs/main/export.html)
`,
	Local:        true,
	Declarations: true,
	Run:          runScalarOutput,
}

func runScalarOutput(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	submodule := map[*analysis.Class]bool{} // UsedAsSubmodule, once per class
	check := func(fwd *analysis.Function, e analysis.NodeID) {
		if f.Value(fwd, e).May(torchsem.Tensor|torchsem.Data) || !shapeSize(f, fwd, e) {
			return
		}
		pass.Reportf(e, analysis.Caveat,
			"forward returns %s, a size: the exported program outputs a SymInt, not a tensor (a constant when the dim is static)",
			fix.Snippet(t, e))
	}
	pass.Traced(syntax.KindReturnStatement, func(ret analysis.NodeID, fn *analysis.Function) {
		if fn.Class == nil || !f.IsModule(fn.Class) || fn.Class.Methods["forward"] != fn {
			return
		}
		sub, ok := submodule[fn.Class]
		if !ok {
			sub = pass.UsedAsSubmodule(fn.Class)
			submodule[fn.Class] = sub
		}
		if sub {
			return // a submodule's forward returns to its parent, not out of the exported program
		}
		val := t.Unparen(t.NamedChild(ret, 0))
		if val == analysis.NoNode {
			return
		}
		switch t.Kind(val) {
		case syntax.KindExpressionList, syntax.KindTuple, syntax.KindList:
			t.Children(val, func(e analysis.NodeID) bool {
				if t.IsNamed(e) && !t.IsComment(e) {
					check(fn, e)
				}
				return true
			})
		default:
			check(fn, val)
		}
	})
}
