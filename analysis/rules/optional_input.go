package rules

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// OptionalInput finds tensors used as default values of forward's parameters.
var OptionalInput = &analysis.Rule{
	Name: "optional_input",
	Doc: `## What it does
Finds a parameter of an nn.Module's ` + "`forward`" + ` whose default value is a tensor:
` + "`y=torch.randn(2, 3)`" + `, any other tensor-building torch call, or a module-level name bound to
one. ` + "`y=None`" + ` and defaults that are plain Python values are not reported, nor are tensor
defaults of helpers that ` + "`forward`" + ` calls (there they are ordinary constants).

## Why is this bad
Python evaluates a default once, when ` + "`def`" + ` runs, so every call shares one tensor object.
Up to torch 2.9, export does not accept a tensor among the inputs it did not receive from
the caller and fails with ` + "`AssertionError: Unexpectedly found a <class 'torch.Tensor'> in the inputs.`" + `
From 2.10 it exports, but the default tensor becomes a constant of the graph: a
random default is frozen to the value drawn at import time, and a program exported
without that argument does not take it as an input.

## Example
` + "```python" + `
def forward(self, x, y=torch.randn(2, 3)):
    return x + y
` + "```" + `

## Use instead
Default to ` + "`None`" + ` and build the tensor in the body:
` + "```python" + `
def forward(self, x, y=None):
    if y is None:
        y = torch.randn(2, 3)
    return x + y
` + "```" + `

## Fix safety
The fix is unsafe: the tensor is now built on every call that omits the argument, so a
random default gives a fresh value each time instead of one shared tensor, and mutations of
the default no longer carry over between calls.

## References
- [ExportDB: optional_input](https://pytorch.org/docs/main/generated/exportdb/index.html#optional-input)
- [torch.export](https://pytorch.org/docs/main/export.html)
- [Python: default parameter values are evaluated once](https://docs.python.org/3/reference/compound_stmts.html#function-definitions)
`,
	Local:        true,
	Declarations: true,
	Run:          runOptionalInput,
}

func runOptionalInput(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	since := "2.10"
	if pass.Case != nil {
		if v, ok := pass.Case.SupportedFrom(); ok {
			since = v.String()
		}
	}
	pass.Classes(func(c *analysis.Class) {
		if !f.IsModule(c) {
			return
		}
		fwd := c.Methods["forward"]
		if fwd == nil || !f.Traced(fwd) || t.Kind(fwd.Node) != syntax.KindFunctionDefinition {
			return
		}
		for i := range fwd.Params {
			p := &fwd.Params[i]
			if p.Default == analysis.NoNode || !oiTensorDefault(f, p.Default, 0) {
				continue
			}
			var fd *analysis.Finding
			if pass.NotSupportedAt(p.Node) {
				fd = pass.Reportf(p.Node, analysis.Caveat, "forward parameter %s has a tensor default; torch.export before %s rejects it", p.Name, since)
			} else {
				fd = pass.Reportf(p.Node, analysis.Caveat, "the tensor default of forward parameter %s becomes a constant of the exported graph", p.Name)
			}
			if fx, ok := oiFix(f, fwd, p); ok {
				fd.Fixes = append(fd.Fixes, fx)
			}
		}
	})
}

// oiNotTensor lists torch callables that return something other than a tensor.
var oiNotTensor = map[string]bool{
	"torch.device": true, "torch.Size": true, "torch.dtype": true, "torch.finfo": true, "torch.iinfo": true,
	"torch.Generator": true, "torch.get_default_dtype": true, "torch.get_default_device": true,
	"torch.is_tensor": true, "torch.numel": true, "torch.is_floating_point": true, "torch.is_complex": true,
	"torch.is_grad_enabled": true, "torch.no_grad": true, "torch.enable_grad": true, "torch.memory_format": true,
	"torch.layout": true, "torch.typename": true,
}

// oiTensorDefault reports whether the default value n builds a tensor: a torch call (tensor
// factories, torch.tensor, torch.nn.Parameter), a tensor method on one, arithmetic on one,
// or a module-level name bound to one.
func oiTensorDefault(f *analysis.File, n analysis.NodeID, depth int) bool {
	t := f.Tree
	n = t.Unparen(n)
	if n == analysis.NoNode || depth > 4 {
		return false
	}
	switch t.Kind(n) {
	case syntax.KindCall:
		callee := t.Unparen(t.Field(n, syntax.FieldFunction))
		if callee == analysis.NoNode {
			return false
		}
		if f.IsImported(callee) {
			q := f.Resolve(callee)
			for _, ns := range []string{"torch.nn.functional.", "torch.linalg.", "torch.fft.", "torch.special."} {
				if strings.HasPrefix(q, ns) {
					// F.normalize(torch.ones(3), dim=0): a tensor function of a tensor
					pos, _ := f.Args(n)
					return len(pos) > 0 && oiTensorDefault(f, pos[0], depth+1)
				}
			}
			return oiTensorFactory(q)
		}
		if t.Kind(callee) == syntax.KindAttribute {
			// torch.ones(3).float(): a tensor method on a tensor
			a := t.Field(callee, syntax.FieldAttribute)
			if a == analysis.NoNode {
				return false
			}
			switch t.String(a) {
			case "item", "tolist", "size", "dim", "numel", "stride", "numpy", "data_ptr", "element_size":
				return false
			}
			return oiTensorDefault(f, t.Field(callee, syntax.FieldObject), depth+1)
		}
	case syntax.KindBinaryOperator:
		return oiTensorDefault(f, t.Field(n, syntax.FieldLeft), depth+1) || oiTensorDefault(f, t.Field(n, syntax.FieldRight), depth+1)
	case syntax.KindComparisonOperator:
		for i, k := 0, t.NamedChildCount(n); i < k; i++ {
			if oiTensorDefault(f, t.NamedChild(n, i), depth+1) {
				return true
			}
		}
	case syntax.KindUnaryOperator:
		return oiTensorDefault(f, t.Field(n, syntax.FieldArgument), depth+1)
	case syntax.KindIdentifier:
		if v := oiModuleValue(f, n); v != analysis.NoNode {
			return oiTensorDefault(f, v, depth+1)
		}
	}
	return false
}

// oiTensorFactory reports whether the qualified callable q returns a tensor.
func oiTensorFactory(q string) bool {
	if !strings.HasPrefix(q, "torch.") || oiNotTensor[q] {
		return false
	}
	switch q {
	case "torch.nn.Parameter", "torch.nn.parameter.Parameter", "torch.nn.Buffer":
		return true
	}
	rest := q[len("torch."):]
	if strings.Contains(rest, ".") {
		return false // torch.nn.Linear, torch.cuda.current_device, ...: not tensors
	}
	return rest != "" && rest[0] != '_' && !strings.HasPrefix(rest, "is_") && !strings.HasPrefix(rest, "set_") &&
		!strings.HasPrefix(rest, "get_") && !strings.HasPrefix(rest, "sym_") && !strings.HasPrefix(rest, "use_")
}

// oiModuleValue returns the value of the module-level assignment `name = value` that the
// identifier id names, or NoNode (also when id names an import).
func oiModuleValue(f *analysis.File, id analysis.NodeID) analysis.NodeID {
	t := f.Tree
	if f.IsImported(id) {
		return analysis.NoNode
	}
	name := t.String(id)
	for _, a := range f.Nodes(syntax.KindAssignment) {
		stmt := t.Parent(a)
		if stmt == analysis.NoNode || t.Kind(stmt) != syntax.KindExpressionStatement || t.Parent(stmt) != t.Root() {
			continue
		}
		if l := t.Field(a, syntax.FieldLeft); l != analysis.NoNode && t.Kind(l) == syntax.KindIdentifier && t.TextIs(l, name) {
			return t.Field(a, syntax.FieldRight)
		}
	}
	return analysis.NoNode
}

// oiFix turns the default into None and builds the tensor at the top of forward's body,
// after the docstring.
func oiFix(f *analysis.File, fwd *analysis.Function, p *analysis.Param) (analysis.Fix, bool) {
	t := f.Tree
	if p.Kind == analysis.VarPositional || p.Kind == analysis.VarKeyword {
		return analysis.Fix{}, false
	}
	// the default is evaluated in the body now: every name it uses must be global there
	for n := p.Default; n < t.SubtreeEnd(p.Default); n++ {
		if t.Kind(n) != syntax.KindIdentifier {
			continue
		}
		if fo := t.FieldOf(n); fo == syntax.FieldAttribute || (fo == syntax.FieldName && t.Kind(t.Parent(n)) == syntax.KindKeywordArgument) {
			continue
		}
		name := t.String(n)
		if !f.IsImported(n) && oiModuleValue(f, n) == analysis.NoNode {
			return analysis.Fix{}, false
		}
		if fwd.Param(name) != nil {
			return analysis.Fix{}, false
		}
	}
	stmts := t.NamedChildren(fwd.Body, nil)
	if len(stmts) == 0 || f.Line(t.Start(stmts[0])) == f.Line(t.Start(fwd.Node)) {
		return analysis.Fix{}, false // a one-line def
	}
	indent := f.Indent(t.Start(stmts[0]))
	unit := fix.IndentUnit(indent)
	block := indent + "if " + p.Name + " is None:\n" + indent + unit + p.Name + " = " + t.String(p.Default)
	var at int
	var text string
	first := stmts[0]
	if oiIsDocstring(t, first) && len(stmts) == 1 {
		// only a docstring: append after its line
		at = t.End(first)
		for at < len(f.Src) && f.Src[at] != '\n' {
			at++
		}
		text = "\n" + block
	} else {
		if oiIsDocstring(t, first) {
			first = stmts[1]
		}
		at = f.LineStart(f.Line(t.Start(first)))
		if strings.TrimSpace(string(f.Src[at:t.Start(first)])) != "" {
			return analysis.Fix{}, false // shares its line with something else
		}
		text = block + "\n"
	}
	return analysis.Fix{
		Title:  "default " + p.Name + " to None and build the tensor in forward (a new tensor on each call)",
		Safety: analysis.Unsafe,
		Edits: []analysis.Edit{
			{Start: t.Start(p.Default), End: t.End(p.Default), NewText: "None"},
			{Start: at, End: at, NewText: text},
		},
	}, true
}

// oiIsDocstring reports whether the statement is a bare string literal.
func oiIsDocstring(t *syntax.Tree, stmt analysis.NodeID) bool {
	if t.Kind(stmt) != syntax.KindExpressionStatement || t.NamedChildCount(stmt) != 1 {
		return false
	}
	k := t.Kind(t.NamedChild(stmt, 0))
	return k == syntax.KindString || k == syntax.KindConcatenatedString
}
