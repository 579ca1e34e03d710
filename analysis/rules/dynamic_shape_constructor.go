package rules

import (
	"bytes"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// DynamicShapeConstructor recognises tensor constructors sized from a tensor's shape.
var DynamicShapeConstructor = &analysis.Rule{
	Name:      "dynamic_shape_constructor",
	HoverOnly: true,
	Doc: `## What it does
Recognises tensor constructors (` + "`torch.zeros`, `ones`, `empty`, `full`, `rand`, `randn`, `randint`, `arange`, `eye`, `linspace`, `randperm`" + `
and the ` + "`x.new_zeros`/`new_ones`/`new_empty`/`new_full`" + ` methods) whose size is computed from a tensor's shape
(` + "`x.shape[0] * 2`, `x.size(1)`" + `, or a name assigned from them) in code that torch.export traces.
A size computed from the rank alone (` + "`x.dim()`" + `) is not reported: the rank is always static.

## Why is this bad
It is not: this is the supported pattern, shown on hover only. While export traces, a dimension
declared dynamic (` + "`dynamic_shapes=`" + ` with ` + "`torch.export.Dim`" + `) is a symbolic integer, and a constructor
sized from it is captured with a symbolic size, so the exported program allocates the right size for
every input. A dimension left static is a plain integer: the size is baked into the graph as a
constant (ExportDB's example exports ` + "`zeros([6])`" + ` for a 3-row input).

## Example
` + "```python" + `
def forward(self, x):
    return torch.zeros(x.shape[0] * 2)
` + "```" + `

## Use instead
Nothing to change. Declare the dimension dynamic when the size must follow the input:
` + "```python" + `
batch = torch.export.Dim("batch")
torch.export.export(model, (x,), dynamic_shapes={"x": {0: batch}})
` + "```" + `

## Fix safety
There is no fix.

## References
- [ExportDB: dynamic_shape_constructor](https://pytorch.org/docs/main/generated/exportdb/index.html#dynamic-shape-constructor)
- [torch.export: expressing dynamism](https://pytorch.org/docs/main/export.html)
`,
	Run: runDynamicShapeConstructor,
}

// shpConstructors maps torch constructor names to the index of their size argument among
// the positional ones, or -1 when every positional argument is a size (or a size bound).
var shpConstructors = map[string]int{
	"zeros": -1, "ones": -1, "empty": -1, "rand": -1, "randn": -1, "randint": -1,
	"arange": -1, "eye": -1, "full": 0, "linspace": 2, "randperm": 0,
}

// shpNewMethods are the tensor methods that build a new tensor of a given size.
var shpNewMethods = map[string]int{"new_zeros": -1, "new_ones": -1, "new_empty": -1, "new_full": 0}

// shpSizeKeywords are the keyword arguments of those constructors that carry a size.
var shpSizeKeywords = map[string]bool{
	"size": true, "start": true, "end": true, "step": true, "steps": true, "n": true, "m": true, "low": true, "high": true,
}

func runDynamicShapeConstructor(pass *analysis.Pass) {
	f, t := pass.File, pass.Tree
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		which, ok := shpConstructorCall(f, fn, call)
		if !ok {
			return
		}
		size := shpConstructorSizeArg(f, fn, call, which)
		if size == analysis.NoNode {
			return
		}
		pass.Reportf(call, analysis.Recognized,
			"constructor %s is sized by %s, derived from a tensor shape: symbolic for a dynamic dim, baked in for a static one",
			fix.Snippet(t, t.Field(call, syntax.FieldFunction)), fix.Snippet(t, size))
	})
}

// shpConstructorCall reports whether call builds a tensor of a given size (a torch
// constructor or a new_* method on a tensor), with the index of its size argument.
func shpConstructorCall(f *analysis.File, fn *analysis.Function, call analysis.NodeID) (int, bool) {
	t := f.Tree
	callee := t.Unparen(t.Field(call, syntax.FieldFunction))
	if callee == analysis.NoNode {
		return 0, false
	}
	switch t.Kind(callee) {
	case syntax.KindIdentifier:
		which, ok := shpConstructors[string(t.Text(callee))]
		if ok && f.IsImported(callee) && f.Resolve(callee) == "torch."+string(t.Text(callee)) {
			return which, true
		}
	case syntax.KindAttribute:
		attr := t.Field(callee, syntax.FieldAttribute)
		if attr == analysis.NoNode {
			return 0, false
		}
		if which, ok := shpConstructors[string(t.Text(attr))]; ok {
			if f.IsImported(callee) && f.Resolve(callee) == "torch."+string(t.Text(attr)) {
				return which, true
			}
			return 0, false
		}
		if which, ok := shpNewMethods[string(t.Text(attr))]; ok && shpTensorish(f, fn, t.Field(callee, syntax.FieldObject)) {
			return which, true
		}
	}
	return 0, false
}

// shpConstructorSizeArg returns the first size argument of a constructor call that is
// derived from a tensor's dimension sizes, or NoNode.
func shpConstructorSizeArg(f *analysis.File, fn *analysis.Function, call analysis.NodeID, which int) analysis.NodeID {
	t := f.Tree
	pos, kws := f.Args(call)
	for i, a := range pos {
		if which >= 0 && i != which {
			continue
		}
		if t.Kind(a) == syntax.KindListSplat {
			a = t.NamedChild(a, 0)
		}
		if a != analysis.NoNode && shpSizeExpr(f, fn, a) {
			return a
		}
	}
	for _, k := range kws {
		name := t.Field(k, syntax.FieldName)
		if name == analysis.NoNode || !shpSizeKeywords[string(t.Text(name))] {
			continue
		}
		if v := t.Field(k, syntax.FieldValue); v != analysis.NoNode && shpSizeExpr(f, fn, v) {
			return v
		}
	}
	return analysis.NoNode
}

// The helpers below are shared by the shape rules of this package (dynamic_shape_*,
// list_contains, scalar_output, static_if, static_for_loop). They refine the engine's
// FactShape, which covers both dimension sizes and the rank: the rank of a tensor is always
// static under export, so the dynamic-shape cases only concern sizes.

// shpSizeExpr reports whether expression n is derived from an input's dimension sizes
// (x.shape[0], x.size(1), x.size()[:-1], names assigned from them), as opposed to the rank
// or the sizes of the module's own parameters and buffers, which are static, and carries no
// value read out of tensor data.
func shpSizeExpr(f *analysis.File, fn *analysis.Function, n analysis.NodeID) bool {
	fx := f.Facts(fn, n)
	if !fx.Has(analysis.FactShape) || fx.Any(analysis.FactData) {
		return false
	}
	if shpRounds(f.Tree, n) {
		return false // round(x.shape[0] / 2) is dynamic_shape_round, not a symbolic size
	}
	return shpScan(f, fn, n, 0)&shpSize != 0
}

// shpRounds reports whether expression n contains a true division or a call of round():
// such a value is not an integer size export can keep symbolic.
func shpRounds(t *syntax.Tree, n analysis.NodeID) bool {
	for id, end := n, t.SubtreeEnd(n); id < end; id++ {
		switch t.Kind(id) {
		case syntax.KindBinaryOperator:
			if op := t.Field(id, syntax.FieldOperator); op != analysis.NoNode && t.TextIs(op, "/") {
				return true
			}
		case syntax.KindCall:
			if c := t.Field(id, syntax.FieldFunction); c != analysis.NoNode && t.TextIs(c, "round") {
				return true
			}
		}
	}
	return false
}

// What shpScan found in an expression.
const (
	shpRank   = 1 << iota // the rank of a tensor: x.dim(), x.ndim, len(x.shape)
	shpStatic             // a size of a module attribute: self.weight.shape[0]
	shpSize               // a dimension size of another tensor (an input or a value)
)

// shpScan walks expression n (pre-order over its node range, no allocation) and reports
// which shape reads it contains. Names are followed to their assignments a few levels
// deep; a name whose origin is unknown (a loop variable, a parameter) counts as a size.
func shpScan(f *analysis.File, fn *analysis.Function, n analysis.NodeID, depth int) int {
	t := f.Tree
	n = t.Unparen(n)
	if n == analysis.NoNode {
		return 0
	}
	found := 0
	end := t.SubtreeEnd(n)
	for id := n; id < end; {
		switch t.Kind(id) {
		case syntax.KindAttribute, syntax.KindCall:
			if shpIsRank(f, fn, id) {
				found |= shpRank
				id = t.SubtreeEnd(id)
				continue
			}
			if recv, ok := shpIsSizeRead(f, fn, id); ok {
				if !shpSelfAttr(f, fn, t.Unparen(recv)) {
					return found | shpSize
				}
				found |= shpStatic
				id = t.SubtreeEnd(id)
				continue
			}
		case syntax.KindIdentifier:
			if fld := t.FieldOf(id); fld == syntax.FieldAttribute || fld == syntax.FieldName {
				break
			}
			if !f.Facts(fn, id).Has(analysis.FactShape) {
				break
			}
			found |= shpScanName(f, fn, id, depth)
			if found&shpSize != 0 {
				return found
			}
		case syntax.KindLambda:
			id = t.SubtreeEnd(id)
			continue
		}
		id++
	}
	return found
}

// shpScanName follows a shape-valued name to its assignments in fn and its enclosing
// functions and scans their right-hand sides.
func shpScanName(f *analysis.File, fn *analysis.Function, name analysis.NodeID, depth int) int {
	t := f.Tree
	if depth >= 3 {
		return shpSize
	}
	found, assigned := 0, false
	for s := fn; s != nil && !assigned; s = s.Parent {
		for _, a := range f.OwnNodes(s, syntax.KindAssignment) {
			left := t.Field(a, syntax.FieldLeft)
			if left == analysis.NoNode || t.Kind(left) != syntax.KindIdentifier || !bytes.Equal(t.Text(left), t.Text(name)) {
				continue
			}
			right := t.Field(a, syntax.FieldRight)
			if right == analysis.NoNode {
				continue
			}
			assigned = true
			found |= shpScan(f, s, right, depth+1)
			if found&shpSize != 0 {
				return found
			}
		}
	}
	if !assigned {
		return shpSize
	}
	return found
}

// shpIsRank reports whether n reads a tensor's rank: x.dim(), x.ndimension(), x.ndim,
// len(x.shape), len(x.size()).
func shpIsRank(f *analysis.File, fn *analysis.Function, n analysis.NodeID) bool {
	t := f.Tree
	switch t.Kind(n) {
	case syntax.KindAttribute:
		attr := t.Field(n, syntax.FieldAttribute)
		return attr != analysis.NoNode && t.TextIs(attr, "ndim") && f.Facts(fn, n).Has(analysis.FactShape)
	case syntax.KindCall:
		callee := t.Unparen(t.Field(n, syntax.FieldFunction))
		args := t.Field(n, syntax.FieldArguments)
		if callee == analysis.NoNode || args == analysis.NoNode {
			return false
		}
		switch t.Kind(callee) {
		case syntax.KindAttribute:
			attr := t.Field(callee, syntax.FieldAttribute)
			return attr != analysis.NoNode && (t.TextIs(attr, "dim") || t.TextIs(attr, "ndimension")) &&
				t.NamedChildCount(args) == 0 && f.Facts(fn, n).Has(analysis.FactShape)
		case syntax.KindIdentifier:
			if !t.TextIs(callee, "len") || f.IsImported(callee) || t.NamedChildCount(args) != 1 {
				return false
			}
			a := t.Unparen(t.NamedChild(args, 0))
			if a == analysis.NoNode || !f.Facts(fn, a).Has(analysis.FactShape) {
				return false
			}
			switch t.Kind(a) {
			case syntax.KindAttribute:
				attr := t.Field(a, syntax.FieldAttribute)
				return attr != analysis.NoNode && t.TextIs(attr, "shape")
			case syntax.KindCall:
				c := t.Unparen(t.Field(a, syntax.FieldFunction))
				aa := t.Field(a, syntax.FieldArguments)
				if c == analysis.NoNode || aa == analysis.NoNode || t.Kind(c) != syntax.KindAttribute {
					return false
				}
				attr := t.Field(c, syntax.FieldAttribute)
				return attr != analysis.NoNode && t.TextIs(attr, "size") && t.NamedChildCount(aa) == 0
			}
		}
	}
	return false
}

// shpIsSizeRead reports whether n reads dimension sizes directly (x.shape, x.size(...),
// x.numel(), x.stride(...), len(x)), and returns the tensor read.
func shpIsSizeRead(f *analysis.File, fn *analysis.Function, n analysis.NodeID) (analysis.NodeID, bool) {
	t := f.Tree
	switch t.Kind(n) {
	case syntax.KindAttribute:
		attr := t.Field(n, syntax.FieldAttribute)
		if attr != analysis.NoNode && t.TextIs(attr, "shape") && f.Facts(fn, n).Has(analysis.FactShape) {
			return t.Field(n, syntax.FieldObject), true
		}
	case syntax.KindCall:
		callee := t.Unparen(t.Field(n, syntax.FieldFunction))
		if callee == analysis.NoNode {
			return analysis.NoNode, false
		}
		switch t.Kind(callee) {
		case syntax.KindAttribute:
			attr := t.Field(callee, syntax.FieldAttribute)
			if attr == analysis.NoNode {
				return analysis.NoNode, false
			}
			switch string(t.Text(attr)) {
			case "size", "numel", "nelement", "stride", "__len__":
				if f.Facts(fn, n).Has(analysis.FactShape) {
					return t.Field(callee, syntax.FieldObject), true
				}
			}
		case syntax.KindIdentifier:
			if !t.TextIs(callee, "len") || f.IsImported(callee) || !f.Facts(fn, n).Has(analysis.FactShape) {
				return analysis.NoNode, false
			}
			args := t.Field(n, syntax.FieldArguments)
			if args != analysis.NoNode && shpKnownTensor(f, fn, t.NamedChild(args, 0)) {
				return t.NamedChild(args, 0), true
			}
		}
	}
	return analysis.NoNode, false
}

// shpKnownTensor reports whether n is known to be a tensor, not merely a parameter that may
// be one: len(feats) over a list of feature maps is a static count, not a dimension size.
func shpKnownTensor(f *analysis.File, fn *analysis.Function, n analysis.NodeID) bool {
	t := f.Tree
	n = t.Unparen(n)
	if n == analysis.NoNode || !f.Facts(fn, n).Has(analysis.FactTensor) {
		return false
	}
	if t.Kind(n) != syntax.KindIdentifier || fn == nil {
		return true
	}
	for s := fn; s != nil; s = s.Parent {
		if p := s.Param(string(t.Text(n))); p != nil {
			if p.Type == analysis.NoNode {
				return true
			}
			ty := strings.TrimSpace(string(t.Text(p.Type)))
			for _, c := range []string{"List", "list", "Tuple", "tuple", "Sequence", "Iterable", "Dict", "dict", "Optional[List", "Optional[Tuple"} {
				if strings.HasPrefix(ty, c) || strings.HasPrefix(ty, "typing."+c) {
					return false
				}
			}
			return true
		}
	}
	return true
}

// shpTensorish reports whether n may be a tensor: a tensor-valued expression, a parameter
// of the traced function, or an attribute of self (a parameter or buffer), and not a size
// or a value read out of tensor data.
func shpTensorish(f *analysis.File, fn *analysis.Function, n analysis.NodeID) bool {
	t := f.Tree
	n = t.Unparen(n)
	if n == analysis.NoNode {
		return false
	}
	fx := f.Facts(fn, n)
	if fx.Any(analysis.FactShape | analysis.FactData | analysis.FactConst) {
		return false
	}
	if fx.Any(analysis.FactTensor | analysis.FactParam) {
		return true
	}
	if t.Kind(n) == syntax.KindCall {
		// self.proj(x): a submodule's output
		return shpSelfAttr(f, fn, t.Unparen(t.Field(n, syntax.FieldFunction)))
	}
	return shpSelfAttr(f, fn, n)
}

// shpSelfAttr reports whether n is self.name in a method (or a function nested in one).
func shpSelfAttr(f *analysis.File, fn *analysis.Function, n analysis.NodeID) bool {
	t := f.Tree
	if n == analysis.NoNode || t.Kind(n) != syntax.KindAttribute || fn == nil {
		return false
	}
	self := fn.SelfName()
	obj := t.Field(n, syntax.FieldObject)
	return self != "" && obj != analysis.NoNode && t.Kind(obj) == syntax.KindIdentifier && t.TextIs(obj, self)
}
