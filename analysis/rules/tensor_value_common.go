package rules

// The tensor predicates the data-shape rules (data_shape_common.go, tensor_to_python,
// cond_branch_contract) still use; the other rules ask the semantic model. They go when
// those rules move to it.

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// tvTensorMethods are tensor methods that return one tensor when called on a tensor. Methods
// that return tuples (sort, topk, split, max/min with a dim, ...) or Python values (item,
// tolist, size, dim, numel, ...) are not here.
var tvTensorMethods = map[string]bool{}

// tvTorchFuncs are torch functions (torch.X, torch.nn.functional.X) that return one tensor.
var tvTorchFuncs = map[string]bool{}

func init() {
	for _, m := range strings.Fields(`sum mean amax amin any all abs exp log log1p sqrt rsqrt pow
		cos sin tanh sigmoid relu softmax log_softmax norm std var prod cumsum cumprod argmax argmin
		float double half bfloat16 long int bool clone detach contiguous view reshape permute
		transpose t flatten unsqueeze squeeze expand expand_as repeat narrow select index_select
		masked_fill gather scatter matmul mm bmm add sub mul div neg sign clamp clip floor ceil round
		to cpu cuda eq ne lt le gt ge logical_and logical_or logical_not logical_xor isnan isinf
		isfinite type_as triu tril flip roll count_nonzero square reciprocal diff where`) {
		tvTensorMethods[m] = true
	}
	for _, m := range strings.Fields(`sum mean amax amin any all abs exp log log1p sqrt rsqrt pow
		cos sin tanh sigmoid relu softmax log_softmax norm std var prod cumsum cumprod argmax argmin
		matmul mm bmm add sub mul div neg sign clamp clip floor ceil round eq ne lt le gt ge
		logical_and logical_or logical_not logical_xor isnan isinf isfinite count_nonzero where
		square reciprocal cat stack zeros ones full empty rand randn arange tensor as_tensor
		zeros_like ones_like full_like empty_like rand_like randn_like einsum linear dropout
		gelu silu layer_norm`) {
		tvTorchFuncs[m] = true
	}
}

// tvIsTensor reports whether e is certainly one tensor: a parameter annotated Tensor (with
// no None default), a tensor method or torch function known to return a tensor, arithmetic
// or a comparison on such a tensor, an element of one, or a name every assignment of which
// is one of these. Calls of the module's own methods and submodules are not followed (their
// result may be anything).
func tvIsTensor(f *analysis.File, fn *analysis.Function, e analysis.NodeID, depth int) bool {
	return tvTensorAssuming(f, fn, e, depth, nil)
}

// tvTensorAssuming is tvIsTensor with the names of assume taken to be tensors: a name whose
// assignments are being checked (h = h * 2 keeps h a tensor when its other assignments make
// it one).
func tvTensorAssuming(f *analysis.File, fn *analysis.Function, e analysis.NodeID, depth int, assume map[string]bool) bool {
	t := f.Tree
	e = t.Unparen(e)
	if e == analysis.NoNode || fn == nil || depth > 6 {
		return false
	}
	switch t.Kind(e) {
	case syntax.KindIdentifier:
		return tvNameIsTensor(f, fn, string(t.Text(e)), depth, assume)
	case syntax.KindCall:
		return tvCallIsTensor(f, fn, e, depth, assume)
	case syntax.KindBinaryOperator:
		l, r := t.Field(e, syntax.FieldLeft), t.Field(e, syntax.FieldRight)
		if condIsListOrTuple(t, l) || condIsListOrTuple(t, r) || tvIsString(t, l) || tvIsString(t, r) {
			return false
		}
		return tvTensorAssuming(f, fn, l, depth+1, assume) || tvTensorAssuming(f, fn, r, depth+1, assume)
	case syntax.KindUnaryOperator:
		return tvIsTensor(f, fn, t.NamedChild(e, 0), depth+1)
	case syntax.KindComparisonOperator:
		return tvTensorComparison(f, fn, e, depth, assume)
	case syntax.KindSubscript:
		return tvIsTensor(f, fn, t.Field(e, syntax.FieldValue), depth+1)
	case syntax.KindAttribute:
		switch string(t.Text(t.Field(e, syntax.FieldAttribute))) {
		case "T", "mT", "H", "mH", "data", "real", "imag":
			return tvIsTensor(f, fn, t.Field(e, syntax.FieldObject), depth+1)
		}
	}
	return false
}

// tvTensorComparison reports whether e compares a tensor with <, >, <=, >=, == or != (and no
// identity or membership test): its value is a boolean tensor.
func tvTensorComparison(f *analysis.File, fn *analysis.Function, e analysis.NodeID, depth int, assume map[string]bool) bool {
	t := f.Tree
	tensor := false
	ok := true
	t.Children(e, func(c analysis.NodeID) bool {
		if t.IsComment(c) {
			return true
		}
		if !t.IsNamed(c) {
			switch string(t.Text(c)) {
			case "<", ">", "<=", ">=", "==", "!=":
			default:
				ok = false // is, is not, in, not in: a Python bool
			}
			return ok
		}
		if tvTensorAssuming(f, fn, c, depth+1, assume) {
			tensor = true
		}
		return true
	})
	return ok && tensor
}

func tvIsString(t *syntax.Tree, e analysis.NodeID) bool {
	e = t.Unparen(e)
	return e != analysis.NoNode && (t.Kind(e) == syntax.KindString || t.Kind(e) == syntax.KindConcatenatedString)
}

// tvNameIsTensor: a parameter annotated as a tensor, or a local name (of fn or an enclosing
// function) bound only by plain assignments of tensors (augmented assignments keep it one).
func tvNameIsTensor(f *analysis.File, fn *analysis.Function, name string, depth int, assume map[string]bool) bool {
	t := f.Tree
	if assume[name] {
		return true
	}
	with := map[string]bool{name: true}
	for k := range assume {
		with[k] = true
	}
	for s := fn; s != nil; s = s.Parent {
		if p := s.Param(name); p != nil {
			if p.Kind != analysis.Positional && p.Kind != analysis.KeywordOnly {
				return false
			}
			if p.Default != analysis.NoNode && t.Kind(t.Unparen(p.Default)) == syntax.KindNone {
				return false
			}
			return p.Type != analysis.NoNode && tvTypeIsTensor(t, p.Type)
		}
		n := 0
		for _, a := range f.OwnNodes(s, syntax.KindAssignment) {
			l := t.Field(a, syntax.FieldLeft)
			if l == analysis.NoNode || !pysem.BindsName(t, l, name) {
				continue
			}
			if t.Kind(l) != syntax.KindIdentifier {
				return false // unpacked from a tuple: unknown
			}
			r := t.Field(a, syntax.FieldRight)
			if r == analysis.NoNode || !tvTensorAssuming(f, s, r, depth+1, with) {
				return false
			}
			n++
		}
		for _, b := range f.OwnNodes(s, syntax.KindForStatement) {
			if pysem.BindsName(t, t.Field(b, syntax.FieldLeft), name) {
				return false
			}
		}
		for _, b := range f.OwnNodes(s, syntax.KindNamedExpression) {
			if pysem.BindsName(t, t.Field(b, syntax.FieldName), name) {
				return false
			}
		}
		if n > 0 {
			return true
		}
	}
	return false
}

// tvCallIsTensor: a tensor method on a tensor, or a torch function known to return a tensor.
func tvCallIsTensor(f *analysis.File, fn *analysis.Function, call analysis.NodeID, depth int, assume map[string]bool) bool {
	t := f.Tree
	callee := t.Unparen(t.Field(call, syntax.FieldFunction))
	if callee == analysis.NoNode {
		return false
	}
	pos, kws := f.Args(call)
	if f.IsImported(callee) {
		q := f.Resolve(callee)
		var last string
		switch {
		case strings.HasPrefix(q, "torch.nn.functional."):
			return true
		case strings.HasPrefix(q, "torch.") && strings.Count(q, ".") == 1:
			last = q[len("torch."):]
		default:
			return false
		}
		switch last {
		case "max", "min":
			// torch.max(x) and torch.max(x, y) are tensors; torch.max(x, dim) is a tuple
			return len(kws) == 0 && (len(pos) == 1 || (len(pos) == 2 && tvTensorAssuming(f, fn, pos[1], depth+1, assume)))
		}
		return tvTorchFuncs[last]
	}
	if t.Kind(callee) != syntax.KindAttribute {
		return false
	}
	m := string(t.Text(t.Field(callee, syntax.FieldAttribute)))
	recv := t.Field(callee, syntax.FieldObject)
	// self.layer(x): a submodule's output
	if meth := fn.Method(); meth != nil && meth.Class != nil && tvSelfAttr(f, fn, callee) && f.IsSubmodule(meth.Class, m) {
		return true
	}
	switch m {
	case "max", "min":
		if len(pos) != 0 || len(kws) != 0 {
			return false // x.max(dim) is a (values, indices) tuple
		}
	default:
		if !tvTensorMethods[m] {
			// another method of a known tensor (nan_to_num, clamp_min, ...) gives a tensor too,
			// unless it is one that returns a Python value
			return !analysis.NonTensorMethod(m) && tvTensorAssuming(f, fn, recv, depth+1, assume)
		}
	}
	return tvTensorAssuming(f, fn, recv, depth+1, assume) || tvTensorReceiver(f, fn, recv)
}

// tvTensorReceiver reports whether recv, the receiver of a tensor method such as .sum() or
// .any(), is a tensor by the look of it: a parameter of the traced function (not self, not
// annotated or defaulted as a Python value), or a buffer or parameter of the module
// (register_buffer, nn.Parameter or a torch constructor in __init__).
func tvTensorReceiver(f *analysis.File, fn *analysis.Function, recv analysis.NodeID) bool {
	t := f.Tree
	recv = t.Unparen(recv)
	if recv == analysis.NoNode {
		return false
	}
	switch t.Kind(recv) {
	case syntax.KindIdentifier:
		name := string(t.Text(recv))
		for s := fn; s != nil; s = s.Parent {
			if p := s.Param(name); p != nil {
				if name == s.SelfName() && s.Class != nil && s == s.Method() {
					return false
				}
				if p.Kind != analysis.Positional && p.Kind != analysis.KeywordOnly {
					return false
				}
				return f.Facts(s, recv).Has(analysis.FactParam)
			}
			for _, a := range f.OwnNodes(s, syntax.KindAssignment) {
				if l := t.Field(a, syntax.FieldLeft); l != analysis.NoNode && pysem.BindsName(t, l, name) {
					return false // a local: only tvIsTensor may vouch for it
				}
			}
		}
	case syntax.KindAttribute:
		if !tvSelfAttr(f, fn, recv) {
			return false
		}
		m := fn.Method()
		if m == nil || m.Class == nil {
			return false
		}
		return tvTensorAttr(f, m.Class, string(t.Text(t.Field(recv, syntax.FieldAttribute))))
	}
	return false
}

// tvTensorAttr reports whether the module class registers attr as a buffer, or assigns it a
// parameter or a torch constructor's result in __init__.
func tvTensorAttr(f *analysis.File, c *analysis.Class, attr string) bool {
	t := f.Tree
	for _, call := range f.Nodes(syntax.KindCall) {
		if !t.Contains(c.Node, call) {
			continue
		}
		callee := t.Unparen(t.Field(call, syntax.FieldFunction))
		if callee == analysis.NoNode || t.Kind(callee) != syntax.KindAttribute || !t.TextIs(t.Field(callee, syntax.FieldAttribute), "register_buffer") {
			continue
		}
		if pos, _ := f.Args(call); len(pos) > 0 && tvIsString(t, pos[0]) && strings.Trim(string(t.Text(pos[0])), `"'`) == attr {
			return true
		}
	}
	v, ok := c.InitAttrs[attr]
	if !ok || v == analysis.NoNode || t.Kind(t.Unparen(v)) != syntax.KindCall {
		return false
	}
	callee := t.Field(t.Unparen(v), syntax.FieldFunction)
	if !f.IsImported(callee) {
		return false
	}
	q := f.Resolve(callee)
	if q == "torch.nn.Parameter" || q == "torch.nn.parameter.Parameter" || q == "torch.nn.Buffer" {
		return true
	}
	return strings.HasPrefix(q, "torch.") && strings.Count(q, ".") == 1 && tvTorchFuncs[q[len("torch."):]]
}

// tvSelfAttr reports whether n is self.name in a method (or a function nested in one).
func tvSelfAttr(f *analysis.File, fn *analysis.Function, n analysis.NodeID) bool {
	t := f.Tree
	if n == analysis.NoNode || t.Kind(n) != syntax.KindAttribute || fn == nil {
		return false
	}
	self := fn.SelfName()
	obj := t.Field(n, syntax.FieldObject)
	return self != "" && obj != analysis.NoNode && t.Kind(obj) == syntax.KindIdentifier && t.TextIs(obj, self)
}

// tvTypeIsTensor reports whether an annotation names a single tensor ("Tensor",
// "torch.Tensor"), not a container of tensors.
func tvTypeIsTensor(t *syntax.Tree, ty analysis.NodeID) bool {
	s := t.String(ty)
	return s == "Tensor" || s == "torch.Tensor" || strings.HasSuffix(s, ".Tensor")
}
