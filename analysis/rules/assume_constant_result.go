package rules

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// AssumeConstantResult finds calls, in traced code, of functions marked with
// assume_constant_result: export runs them once and burns their result into the graph.
var AssumeConstantResult = &analysis.Rule{
	Name: "assume_constant_result",
	Doc: `## What it does
Finds calls, in code that torch.export traces, of a function or method marked with
` + "`torch._dynamo.assume_constant_result`" + ` (also spelled ` + "`torch.compiler.assume_constant_result`" + `),
whether as a decorator or as a wrapper assigned to a name.

## Why is this bad
The marker is an escape hatch: export does not trace the function's body. It calls the
function once, with the example inputs given to ` + "`torch.export.export`" + `, and writes the value
it returned into the graph as a constant. Nothing checks that the value really is constant:
if it depends on the inputs (say ` + "`y.int().item()`" + `), the exported program keeps using the value
from export time for every later input, silently.

## Example
` + "```python" + `
class M(torch.nn.Module):
    @torch._dynamo.assume_constant_result
    def get_item(self, y):
        return y.int().item()

    def forward(self, x, y):
        return x[: self.get_item(y)]  # the slice end is fixed at export time
` + "```" + `

## Use instead
Keep the marker for values that truly never change (a configuration lookup, a version
check). For a value read from a tensor, let export trace it and state what you know:
` + "```python" + `
def forward(self, x, y):
    n = y.item()
    torch._check(n >= 0)
    torch._check(n <= x.shape[0])
    return x[:n]
` + "```" + `

## Fix safety
There is no automatic fix: whether the value is really constant is a decision about the model.

## References
- [ExportDB: assume_constant_result](https://pytorch.org/docs/main/generated/exportdb/index.html#assume-constant-result)
- [torch.compiler.assume_constant_result](https://pytorch.org/docs/stable/generated/torch.compiler.assume_constant_result.html)
`,
	Local: true,
	Run:   runAssumeConstantResult,
}

// assumeConstantResultMarker reports whether expression e names the
// assume_constant_result marker through the file's imports.
func assumeConstantResultMarker(f *analysis.File, e analysis.NodeID) bool {
	t := f.Tree
	e = t.Unparen(e)
	if e == analysis.NoNode || !f.IsImported(e) {
		return false
	}
	q := f.Resolve(e)
	return strings.HasPrefix(q, "torch.") && strings.HasSuffix(q, ".assume_constant_result")
}

// assumeConstantResultMarked returns the decorator marking fn as constant, or NoNode.
func assumeConstantResultMarked(f *analysis.File, fn *analysis.Function) analysis.NodeID {
	for _, d := range fn.Decorators {
		if assumeConstantResultMarker(f, d) {
			return d
		}
	}
	return analysis.NoNode
}

func runAssumeConstantResult(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	// Functions marked by a decorator. The model does not trace their bodies, so a call
	// from traced code is the only place they matter.
	marked := false
	for _, fn := range f.Funcs {
		if fn.Decorators != nil && assumeConstantResultMarked(f, fn) != analysis.NoNode {
			marked = true
			break
		}
	}
	// Module-level wrappers: get_len = torch._dynamo.assume_constant_result(_get_len).
	var wrapped map[string]analysis.NodeID
	for _, call := range f.Nodes(syntax.KindCall) {
		if t.FieldOf(call) != syntax.FieldRight || f.Owner(call) != nil {
			continue
		}
		a := t.Parent(call)
		if a == analysis.NoNode || t.Kind(a) != syntax.KindAssignment || t.Parent(t.Parent(a)) != t.Root() ||
			!assumeConstantResultMarker(f, t.Field(call, syntax.FieldFunction)) {
			continue // not a module-level binding (a class attribute is reached through self)
		}
		if l := t.Field(a, syntax.FieldLeft); l != analysis.NoNode && t.Kind(l) == syntax.KindIdentifier {
			if wrapped == nil {
				wrapped = map[string]analysis.NodeID{}
			}
			wrapped[t.String(l)] = call
		}
	}
	if !marked && wrapped == nil {
		return
	}
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		callee := t.Unparen(t.Field(call, syntax.FieldFunction))
		if callee == analysis.NoNode {
			return
		}
		if marked {
			if g := f.CalleeFunc(fn, callee); g != nil {
				if d := assumeConstantResultMarked(f, g); d != analysis.NoNode {
					fd := pass.Reportf(call, analysis.Changes,
						"%s is marked assume_constant_result: the value it returns while exporting is burned into the graph as a constant",
						t.String(callee))
					fd.Related = append(fd.Related, analysis.Related{Start: t.Start(d), End: t.End(d),
						Message: g.QualName() + " is marked here"})
					return
				}
			}
		}
		if wrapped != nil && t.Kind(callee) == syntax.KindIdentifier {
			name := t.String(callee)
			w, ok := wrapped[name]
			if !ok || assumeConstantResultShadowed(f, fn, name) {
				return
			}
			fd := pass.Reportf(call, analysis.Changes,
				"%s wraps a function with assume_constant_result: the value it returns while exporting is burned into the graph as a constant",
				name)
			fd.Related = append(fd.Related, analysis.Related{Start: t.Start(w), End: t.End(w),
				Message: name + " is wrapped here"})
		}
	})
}

// assumeConstantResultShadowed reports whether name is a parameter or a local function of
// fn or an enclosing function, so it does not denote the module-level wrapper.
func assumeConstantResultShadowed(f *analysis.File, fn *analysis.Function, name string) bool {
	for s := fn; s != nil; s = s.Parent {
		if s.Param(name) != nil {
			return true
		}
	}
	return f.LookupFunc(fn, name) != nil && f.TopFunc(name) == nil
}
