package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// Dictionary recognises dicts of tensors built or returned in traced code.
var Dictionary = &analysis.Rule{
	Name:      "dictionary",
	HoverOnly: true,
	Doc: `## What it does
Recognises, in code that torch.export traces, a dict that holds tensors: a dict bound to a local
name and filled with tensors (` + "`d = {}`" + ` then ` + "`d[\"k\"] = x * x`" + `), and a dict of tensors that a
traced function returns (` + "`return {\"y\": y}`" + `). It is shown on hover only: the pattern exports as
written.

## Why is this bad
It is not. Dicts are Python data structures: export follows every store and lookup while it
traces and keeps only the tensor operations, so the dict itself leaves no trace in the graph.
A dict returned from ` + "`forward`" + ` is flattened into the graph's outputs (one per value, in
insertion order) and rebuilt from the program's output spec when the exported program is
called. The keys, and which keys exist, are fixed at export time.

## Example
` + "```python" + `
def forward(self, x, y):
    elements = {}
    elements["x2"] = x * x
    y = y * elements["x2"]
    return {"y": y}
` + "```" + `

## Use instead
Nothing to change. Keep the set of keys independent of input values: a key added only when
a tensor has some value is decided once, at export time.

## Fix safety
No fix is offered.

## References
- [ExportDB: dictionary](https://pytorch.org/docs/main/generated/exportdb/index.html#dictionary)
- [torch.export: pytree inputs and outputs](https://pytorch.org/docs/main/export.html)
`,
	Local: true,
	Run:   runDictionary,
}

func runDictionary(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	pass.Traced(syntax.KindDictionary, func(d analysis.NodeID, fn *analysis.Function) {
		dictionaryCheck(pass, d, fn)
	})
	pass.Traced(syntax.KindDictionaryComprehension, func(d analysis.NodeID, fn *analysis.Function) {
		dictionaryCheck(pass, d, fn)
	})
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		if c := t.Field(call, syntax.FieldFunction); c != analysis.NoNode && t.Kind(c) == syntax.KindIdentifier && t.TextIs(c, "dict") {
			if !f.IsImported(c) { // not the builtin when imported
				dictionaryCheck(pass, call, fn)
			}
		}
	})
}

// dictionaryTensor reports whether an expression may be a tensor.
func dictionaryTensor(f *analysis.File, fn *analysis.Function, e analysis.NodeID) bool {
	return e != analysis.NoNode && f.Value(fn, e).May(torchsem.Tensor)
}

// dictionaryComputed reports whether an expression is computed rather than a literal
// constant: in a dict that forward returns, such a value becomes a graph output.
func dictionaryComputed(f *analysis.File, fn *analysis.Function, e analysis.NodeID) bool {
	return e != analysis.NoNode && !f.Value(fn, e).Is(torchsem.Const|torchsem.Float|torchsem.NoneValue)
}

// dictionaryValues reports whether a dict construction holds a value satisfying ok.
func dictionaryValues(f *analysis.File, fn *analysis.Function, d analysis.NodeID, ok func(*analysis.File, *analysis.Function, analysis.NodeID) bool) bool {
	t := f.Tree
	found := false
	switch t.Kind(d) {
	case syntax.KindDictionary:
		t.Children(d, func(c analysis.NodeID) bool {
			if t.Kind(c) == syntax.KindPair && ok(f, fn, t.Field(c, syntax.FieldValue)) {
				found = true
			}
			return !found
		})
	case syntax.KindDictionaryComprehension:
		if b := t.Field(d, syntax.FieldBody); b != analysis.NoNode && t.Kind(b) == syntax.KindPair {
			found = ok(f, fn, t.Field(b, syntax.FieldValue))
		}
	case syntax.KindCall:
		_, kws := f.Args(d)
		for _, k := range kws {
			if ok(f, fn, t.Field(k, syntax.FieldValue)) {
				return true
			}
		}
	}
	return found
}

// dictionaryStores reports whether fn stores a value that may be a tensor into the local
// dict name: name[k] = v, name.update(...), name.setdefault(k, v).
func dictionaryStores(f *analysis.File, fn *analysis.Function, name string) bool {
	t := f.Tree
	for _, a := range f.OwnNodes(fn, syntax.KindAssignment) {
		l := t.Field(a, syntax.FieldLeft)
		if l == analysis.NoNode || t.Kind(l) != syntax.KindSubscript {
			continue
		}
		if v := t.Field(l, syntax.FieldValue); v != analysis.NoNode && t.TextIs(v, name) && dictionaryTensor(f, fn, t.Field(a, syntax.FieldRight)) {
			return true
		}
	}
	for _, call := range f.OwnNodes(fn, syntax.KindCall) {
		callee := t.Field(call, syntax.FieldFunction)
		if callee == analysis.NoNode || t.Kind(callee) != syntax.KindAttribute {
			continue
		}
		obj, attr := t.Field(callee, syntax.FieldObject), t.Field(callee, syntax.FieldAttribute)
		if !t.TextIs(obj, name) || !(t.TextIs(attr, "update") || t.TextIs(attr, "setdefault")) {
			continue
		}
		pos, kws := f.Args(call)
		for _, a := range pos {
			if dictionaryTensor(f, fn, a) || (t.Kind(a) == syntax.KindDictionary && dictionaryValues(f, fn, a, dictionaryTensor)) {
				return true
			}
		}
		for _, k := range kws {
			if dictionaryTensor(f, fn, t.Field(k, syntax.FieldValue)) {
				return true
			}
		}
	}
	return false
}

func dictionaryCheck(pass *analysis.Pass, d analysis.NodeID, fn *analysis.Function) {
	f := pass.File
	t := f.Tree
	top := d
	p := t.Parent(d)
	for p != analysis.NoNode && t.Kind(p) == syntax.KindParenthesizedExpression {
		top, p = p, t.Parent(p)
	}
	if p == analysis.NoNode {
		return
	}
	switch t.Kind(p) {
	case syntax.KindReturnStatement:
		if fn.Name == "forward" && fn.Class != nil && f.IsModule(fn.Class) {
			if !dictionaryValues(f, fn, d, dictionaryComputed) {
				return
			}
			pass.Reportf(d, analysis.Recognized,
				"%s returns a dict of tensors: export flattens its values into the graph's outputs and rebuilds the dict from the output spec",
				fn.QualName())
			return
		}
		if !dictionaryValues(f, fn, d, dictionaryTensor) {
			return
		}
		pass.Reportf(d, analysis.Recognized,
			"%s returns a dict of tensors: export inlines the call and keeps only the tensor operations on its values", fn.QualName())
	case syntax.KindAssignment:
		if t.FieldOf(top) != syntax.FieldRight {
			return
		}
		l := t.Field(p, syntax.FieldLeft)
		if l == analysis.NoNode || t.Kind(l) != syntax.KindIdentifier {
			return
		}
		name := t.String(l)
		if !dictionaryValues(f, fn, d, dictionaryTensor) && !dictionaryStores(f, fn, name) {
			return
		}
		pass.Reportf(p, analysis.Recognized,
			"dict %s holds tensors: export traces its stores and lookups away and keeps only the tensor operations", name)
	}
}
