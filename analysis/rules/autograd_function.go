package rules

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// AutogradFunction finds custom torch.autograd.Function calls (X.apply) in traced code.
var AutogradFunction = &analysis.Rule{
	Name: "autograd_function",
	Doc: `## What it does
Finds calls of a custom ` + "`torch.autograd.Function`" + ` (` + "`MyFunction.apply(x)`" + `, or a name bound to
` + "`MyFunction.apply`" + `) in code that torch.export traces. The Function is either a subclass of
` + "`torch.autograd.Function`" + ` in the same file or an imported class used through ` + "`.apply`" + `.

## Why is this bad
Export traces through the Function's ` + "`forward`" + ` and records the operations it performs, but it
does not keep track of the custom ` + "`backward`" + `. The exported program computes the same outputs,
yet gradients taken through it (training or fine-tuning the exported graph) follow autograd's
derivative of the traced operations, not your backward: a straight-through estimator, a
gradient reversal or a clipped gradient silently disappears.

## Example
` + "```python" + `
class GradReverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad_output):
        return -grad_output

class M(torch.nn.Module):
    def forward(self, x):
        return GradReverse.apply(x)  # exported forward only; the backward is dropped
` + "```" + `

## Use instead
When the exported program is only run for inference, nothing changes and the finding can be
suppressed. When the custom gradient matters, ExportDB recommends ` + "`allow_in_graph`" + `
(` + "`torch.compiler.allow_in_graph`" + `), which makes the tracer put the call into the graph instead
of inlining its Python; a custom op with its own autograd formula (` + "`torch.library.custom_op`" + `
with ` + "`register_autograd`" + `) also keeps the gradient with the operation.

## Fix safety
There is no automatic fix: the right replacement depends on how the exported program is used.

## References
- [ExportDB: autograd_function](https://pytorch.org/docs/main/generated/exportdb/index.html#autograd-function)
- [Extending torch.autograd](https://pytorch.org/docs/stable/notes/extending.html#extending-torch-autograd)
- [torch.compiler.allow_in_graph](https://pytorch.org/docs/stable/generated/torch.compiler.allow_in_graph.html)
`,
	Local: true,
	Run:   runAutogradFunction,
}

// autogradFunctionBases are the torch classes a custom autograd Function derives from.
var autogradFunctionBases = map[string]bool{
	"torch.autograd.Function":                 true,
	"torch.autograd.function.Function":        true,
	"torch.autograd.function.InplaceFunction": true,
}

// autogradFunctionClass returns the autograd Function class of this file that expression
// e names, or nil. ok reports whether e names one at all: a class of this file deriving
// from torch.autograd.Function, or an imported capitalised name (an imported class used
// through .apply).
func autogradFunctionClass(f *analysis.File, fn *analysis.Function, e analysis.NodeID) (c *analysis.Class, ok bool) {
	t := f.Tree
	e = t.Unparen(e)
	if e == analysis.NoNode {
		return nil, false
	}
	switch t.Kind(e) {
	case syntax.KindIdentifier:
		name := t.String(e)
		if fn != nil && fn.Param(name) != nil {
			return nil, false
		}
		if c := f.ClassNamed(name); c != nil {
			return c, autogradFunctionIsClass(f, c, 0)
		}
	case syntax.KindAttribute:
	default:
		return nil, false
	}
	if !f.IsImported(e) {
		return nil, false
	}
	q := f.Resolve(e)
	last := q[strings.LastIndexByte(q, '.')+1:]
	for len(last) > 0 && last[0] == '_' {
		last = last[1:]
	}
	if last == "" || last[0] < 'A' || last[0] > 'Z' || autogradFunctionNotFunction(q) {
		return nil, false
	}
	return nil, true
}

// autogradFunctionNotFunction: imported classes whose .apply is not an autograd Function's
// (nn.Module.apply(fn) applies fn to submodules).
func autogradFunctionNotFunction(q string) bool {
	return strings.HasPrefix(q, "torch.nn.") || strings.HasPrefix(q, "pandas.") || strings.HasPrefix(q, "numpy.")
}

func autogradFunctionIsClass(f *analysis.File, c *analysis.Class, depth int) bool {
	if f.IsAutogradFunction(c) {
		return true
	}
	if depth > 8 {
		return false
	}
	for _, b := range c.Bases {
		if autogradFunctionBases[b] {
			return true
		}
		if bc := f.ClassNamed(b); bc != nil && bc != c && autogradFunctionIsClass(f, bc, depth+1) {
			return true
		}
	}
	return false
}

// autogradFunctionApply returns the Function expression of an X.apply attribute, or NoNode.
func autogradFunctionApply(t *syntax.Tree, attr analysis.NodeID) analysis.NodeID {
	if a := t.Field(attr, syntax.FieldAttribute); a == analysis.NoNode || !t.TextIs(a, "apply") {
		return analysis.NoNode
	}
	return t.Field(attr, syntax.FieldObject)
}

func runAutogradFunction(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	report := func(at, fnExpr analysis.NodeID, c *analysis.Class, alias string) {
		var fd *analysis.Finding
		if alias == "" {
			fd = pass.Reportf(at, analysis.Changes,
				"%s.apply calls a custom autograd.Function: export keeps its forward and drops its custom backward", t.String(fnExpr))
		} else {
			fd = pass.Reportf(at, analysis.Changes,
				"%s calls the custom autograd.Function %s: export keeps its forward and drops its custom backward", alias, t.String(fnExpr))
		}
		if c != nil {
			if bw := f.Method(c, "backward"); bw != nil {
				n := t.Field(bw.Node, syntax.FieldName)
				if n == analysis.NoNode {
					n = bw.Node
				}
				fd.Related = append(fd.Related, analysis.Related{Start: t.Start(n), End: t.End(n),
					Message: "the custom backward of " + c.Name + " is not part of the exported program"})
			}
		}
	}
	// Module-level aliases: grad_reverse = GradReverse.apply
	var aliases map[string]analysis.NodeID
	for _, a := range f.Nodes(syntax.KindAssignment) {
		if t.Parent(t.Parent(a)) != t.Root() {
			continue // only module-level names are visible inside functions
		}
		l, r := t.Field(a, syntax.FieldLeft), t.Unparen(t.Field(a, syntax.FieldRight))
		if l == analysis.NoNode || r == analysis.NoNode || t.Kind(l) != syntax.KindIdentifier || t.Kind(r) != syntax.KindAttribute {
			continue
		}
		if x := autogradFunctionApply(t, r); x != analysis.NoNode {
			if _, ok := autogradFunctionClass(f, nil, x); ok {
				if aliases == nil {
					aliases = map[string]analysis.NodeID{}
				}
				aliases[t.String(l)] = r
			}
		}
	}
	pass.Traced(syntax.KindAttribute, func(attr analysis.NodeID, fn *analysis.Function) {
		x := autogradFunctionApply(t, attr)
		if x == analysis.NoNode {
			return
		}
		c, ok := autogradFunctionClass(f, fn, x)
		if !ok {
			return
		}
		at := attr
		if p := t.Parent(attr); p != analysis.NoNode && t.Kind(p) == syntax.KindCall && t.FieldOf(attr) == syntax.FieldFunction {
			at = p
		}
		report(at, x, c, "")
	})
	if aliases == nil {
		return
	}
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		callee := t.Unparen(t.Field(call, syntax.FieldFunction))
		if callee == analysis.NoNode || t.Kind(callee) != syntax.KindIdentifier {
			return
		}
		name := t.String(callee)
		r, ok := aliases[name]
		if !ok || f.LookupFunc(fn, name) != nil {
			return
		}
		for s := fn; s != nil; s = s.Parent {
			if s.Param(name) != nil {
				return
			}
		}
		x := autogradFunctionApply(t, r)
		c, _ := autogradFunctionClass(f, nil, x)
		report(call, x, c, name)
	})
}
