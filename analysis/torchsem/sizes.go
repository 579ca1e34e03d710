package torchsem

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// sizeSpec says which arguments of a torch API are sizes.
type sizeSpec struct {
	from     int      // positional arguments from this index on are sizes...
	only     bool     // ...or only the one at from
	keywords []string // keyword arguments that are sizes
	ctor     bool     // the call builds a new tensor of that size
}

var ctorKeywords = []string{"size", "start", "end", "step", "steps", "n", "m", "low", "high"}

// sizeAPIs are the torch functions and Tensor methods that take sizes: tensor constructors
// (a size for every positional argument, or for one), and the methods that view, expand,
// narrow or repeat a tensor.
var sizeAPIs = map[string]sizeSpec{
	"torch.zeros":            {ctor: true, keywords: ctorKeywords},
	"torch.ones":             {ctor: true, keywords: ctorKeywords},
	"torch.empty":            {ctor: true, keywords: ctorKeywords},
	"torch.rand":             {ctor: true, keywords: ctorKeywords},
	"torch.randn":            {ctor: true, keywords: ctorKeywords},
	"torch.randint":          {ctor: true, keywords: ctorKeywords},
	"torch.arange":           {ctor: true, keywords: ctorKeywords},
	"torch.eye":              {ctor: true, keywords: ctorKeywords},
	"torch.full":             {ctor: true, only: true, keywords: ctorKeywords},
	"torch.linspace":         {ctor: true, from: 2, only: true, keywords: ctorKeywords},
	"torch.randperm":         {ctor: true, only: true, keywords: ctorKeywords},
	"torch.Tensor.new_zeros": {ctor: true, keywords: ctorKeywords},
	"torch.Tensor.new_ones":  {ctor: true, keywords: ctorKeywords},
	"torch.Tensor.new_empty": {ctor: true, keywords: ctorKeywords},
	"torch.Tensor.new_full":  {ctor: true, only: true, keywords: ctorKeywords},
	"torch.Tensor.view":      {keywords: []string{"shape", "size"}},
	"torch.Tensor.reshape":   {keywords: []string{"shape"}},
	"torch.reshape":          {from: 1, keywords: []string{"shape"}},
	"torch.Tensor.expand":    {keywords: []string{"size"}},
	"torch.Tensor.repeat":    {keywords: []string{"repeats"}},
	"torch.Tensor.narrow":    {from: 1, keywords: []string{"start", "length"}},
	"torch.narrow":           {from: 2, keywords: []string{"start", "length"}},
}

// sizeLastNames are the last names of sizeAPIs: a cheap test before a callee is resolved.
var sizeLastNames = func() map[string]bool {
	m := map[string]bool{}
	for q := range sizeAPIs {
		m[q[strings.LastIndexByte(q, '.')+1:]] = true
	}
	return m
}()

// SizeCall is a call of a torch API that takes sizes.
type SizeCall struct {
	// API is the qualified name called: "torch.zeros", "torch.Tensor.view", "torch.reshape".
	API string
	// Sizes are the size arguments, positional ones first (a splat's expression for
	// *shape), then keyword ones.
	Sizes []NodeID
	// Constructor: the call builds a new tensor of that size (torch.zeros, x.new_ones, ...);
	// otherwise it views, expands, narrows or repeats a tensor.
	Constructor bool
}

// Method is the API's last name: "zeros", "view".
func (s SizeCall) Method() string { return s.API[strings.LastIndexByte(s.API, '.')+1:] }

// SizeCall reports whether call (inside fn) is a call of a torch API that takes sizes: a
// tensor constructor, a new_* method, or view, reshape, expand, narrow or repeat of a value
// that may be a tensor; and which of its arguments are sizes.
func (f *File) SizeCall(fn *Function, call NodeID) (SizeCall, bool) {
	t := f.Tree
	callee := t.Unparen(t.Field(call, syntax.FieldFunction))
	last := ""
	switch t.Kind(callee) {
	case syntax.KindAttribute:
		last = t.String(t.Field(callee, syntax.FieldAttribute))
	case syntax.KindIdentifier:
		last = t.String(callee)
		if q, ok := f.ImportOf(callee); ok {
			last = q[strings.LastIndexByte(q, '.')+1:]
		}
	}
	if !sizeLastNames[last] {
		return SizeCall{}, false
	}
	api := f.Callee(fn, call).API
	spec, ok := sizeAPIs[api]
	if !ok {
		return SizeCall{}, false
	}
	out := SizeCall{API: api, Constructor: spec.ctor}
	pos, kws := f.Args(call)
	for i, a := range pos {
		if i < spec.from || spec.only && i != spec.from {
			continue
		}
		if t.Kind(a) == syntax.KindListSplat {
			a = t.NamedChild(a, 0)
		}
		if a != NoNode {
			out.Sizes = append(out.Sizes, a)
		}
	}
	for _, k := range kws {
		name := t.Field(k, syntax.FieldName)
		for _, kw := range spec.keywords {
			if name != NoNode && t.TextIs(name, kw) {
				if v := t.Field(k, syntax.FieldValue); v != NoNode {
					out.Sizes = append(out.Sizes, v)
				}
			}
		}
	}
	return out, true
}

// maxSizeTestDepth bounds the expression nesting SizeTest follows.
const maxSizeTestDepth = 16

// SizeTest returns the part of branch condition cond (inside fn) that tests a dimension of
// a traced input, on which export specialises the branch: a size (x.shape[0], x.size(1),
// a name or arithmetic holding one) compared or combined in cond. Ranks and the sizes of the
// module's own parameters and buffers are static, so they do not count; nor does a size
// compared with 0 or 1 (export specialises those dimensions anyway), nor an operand of
// not/and/or used only for its truth value (x.numel() there means != 0, which needs no
// guard). A condition that is a size itself (if x.numel():) is returned: whether its truth
// value matters is the caller's question. NoNode when cond tests no input dimension.
func (f *File) SizeTest(fn *Function, cond NodeID) NodeID { return f.sizeTest(fn, cond, 0) }

func (f *File) sizeTest(fn *Function, e NodeID, depth int) NodeID {
	t := f.Tree
	e = t.Unparen(e)
	if e == NoNode || depth > maxSizeTestDepth {
		return NoNode
	}
	found := NoNode
	first := func(only func(NodeID) bool) NodeID {
		t.Children(e, func(c NodeID) bool {
			if t.IsNamed(c) && !t.IsComment(c) && (only == nil || only(c)) {
				found = f.sizeTest(fn, c, depth+1)
			}
			return found == NoNode
		})
		return found
	}
	switch t.Kind(e) {
	case syntax.KindComparisonOperator:
		if t.NamedChildCount(e) == 2 {
			l, r := t.NamedChild(e, 0), t.NamedChild(e, 1)
			// a size compared with 0 or 1 (not x.shape[1] % 2 == 1)
			if zeroOrOne(t, r) && !arithmetic(t, l) || zeroOrOne(t, l) && !arithmetic(t, r) {
				return NoNode
			}
		}
		return first(nil)
	case syntax.KindBooleanOperator, syntax.KindNotOperator:
		return first(func(c NodeID) bool { return isTest(t, c) })
	case syntax.KindBinaryOperator, syntax.KindUnaryOperator:
		return first(nil)
	case syntax.KindNamedExpression:
		if f.sizeTest(fn, t.Field(e, syntax.FieldValue), depth+1) != NoNode {
			return e
		}
		return NoNode
	}
	// a value: a size of a traced input, certainly (len(x) of what may be a list is not)
	if v := f.Value(fn, e); v.May(Size|SizeSeq) && !v.May(Data|Other) {
		return e
	}
	return NoNode
}

// isTest reports whether e compares or combines values (x.shape[0] > 4, a and b, not c)
// rather than standing for its own truth value.
func isTest(t *syntax.Tree, e NodeID) bool {
	switch t.Kind(t.Unparen(e)) {
	case syntax.KindComparisonOperator, syntax.KindBooleanOperator, syntax.KindNotOperator:
		return true
	}
	return false
}

// arithmetic reports whether e is an arithmetic expression (x.shape[1] % 2), not a plain
// size.
func arithmetic(t *syntax.Tree, e NodeID) bool {
	k := t.Kind(t.Unparen(e))
	return k == syntax.KindBinaryOperator || k == syntax.KindUnaryOperator
}

// zeroOrOne reports whether e is the literal 0 or 1.
func zeroOrOne(t *syntax.Tree, e NodeID) bool {
	e = t.Unparen(e)
	return t.Kind(e) == syntax.KindInteger && (t.TextIs(e, "0") || t.TextIs(e, "1"))
}
