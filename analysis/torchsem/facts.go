package torchsem

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// Fact is a bit set of what an expression is known to be.
type Fact uint8

// Facts an expression can have.
const (
	// FactShape: a size derived from a tensor's shape (x.shape, x.shape[i], x.size(i),
	// x.dim(), x.ndim, len(x.shape), arithmetic on them, names assigned from them).
	FactShape Fact = 1 << iota
	// FactData: a Python value read out of tensor data (x.item(), x.tolist(), derived names).
	FactData
	// FactTensor: a tensor (a torch call, a tensor method's result, arithmetic on tensors).
	FactTensor
	// FactParam: derived from a parameter of the traced function that may be a tensor.
	FactParam
	// FactConst: a literal.
	FactConst
)

// Has reports whether all bits of g are set in x.
func (x Fact) Has(g Fact) bool { return x&g == g }

// Any reports whether any bit of g is set in x.
func (x Fact) Any(g Fact) bool { return x&g != 0 }

// nonTensorMethods return Python values (or nothing) even when called on a tensor.
var nonTensorMethods = map[string]Fact{
	"item": FactData, "tolist": FactData,
	"size": FactShape, "dim": FactShape, "ndimension": FactShape, "numel": FactShape, "nelement": FactShape,
	"stride": FactShape, "storage_offset": 0, "element_size": 0, "get_device": 0,
	"is_contiguous": 0, "is_floating_point": 0, "is_complex": 0, "data_ptr": 0, "numpy": 0,
	"__len__": FactShape, "register_hook": 0, "backward": 0, "type": 0,
}

// torchNotTensor are torch functions (torch.<name>) that return something else than a
// tensor: predicates, settings, dtypes and devices, context managers, sizes.
var torchNotTensor = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`is_tensor is_storage is_floating_point is_complex is_nonzero numel
		is_grad_enabled is_inference_mode_enabled get_default_dtype set_default_dtype manual_seed seed
		initial_seed set_grad_enabled no_grad enable_grad inference_mode autocast device dtype Size
		finfo iinfo Generator broadcast_shapes typename is_autocast_enabled get_rng_state set_rng_state
		use_deterministic_algorithms are_deterministic_algorithms_enabled set_printoptions
		sym_min sym_max sym_int sym_float sym_not sym_ite cond`) {
		torchNotTensor[n] = true
	}
}

// torchReturnsTensor reports whether the qualified torch function q returns a tensor:
// torch.<fn> other than those of torchNotTensor, and the functions of torch.nn.functional,
// torch.linalg, torch.fft and torch.special. Other torch submodules (torch.cuda,
// torch.jit, torch.export, torch.compiler, ...) are not assumed to.
func torchReturnsTensor(q string) bool {
	rest, ok := strings.CutPrefix(q, "torch.")
	if !ok {
		return false
	}
	if !strings.Contains(rest, ".") {
		return !torchNotTensor[rest] && !strings.HasPrefix(rest, "_")
	}
	switch rest {
	case "nn.Parameter", "nn.parameter.Parameter", "nn.Buffer", "nn.parameter.Buffer":
		return true // parameters and buffers are tensors
	}
	for _, sub := range []string{"nn.functional.", "linalg.", "fft.", "special."} {
		if strings.HasPrefix(rest, sub) && !strings.Contains(rest[len(sub):], ".") {
			return true
		}
	}
	return false
}

// NonTensorMethod reports whether a tensor method returns a Python value, a size or nothing
// (item, tolist, size, dim, is_contiguous, numpy, ...) rather than a tensor.
func NonTensorMethod(name string) bool {
	_, ok := nonTensorMethods[name]
	return ok || strings.HasPrefix(name, "is_") || strings.HasPrefix(name, "__")
}

// tensorMethods produce tensors when called on something that may be a tensor.
var tensorMethods = map[string]bool{}

func init() {
	for _, m := range strings.Fields(`sum mean max min amax amin any all abs exp log sqrt rsqrt pow
		cos sin tanh sigmoid relu softmax log_softmax norm std var prod cumsum argmax argmin
		float double half bfloat16 long int bool clone detach contiguous view reshape permute
		transpose t flatten unsqueeze squeeze expand expand_as repeat narrow select index_select
		masked_fill gather scatter where matmul mm bmm add sub mul div neg sign clamp clip floor
		ceil round to cpu cuda nonzero unique sort topk eq ne lt le gt ge logical_and logical_or
		logical_not isnan isinf isfinite chunk split unbind new_zeros new_ones new_full new_empty
		type_as masked_select triu tril flip roll`) {
		tensorMethods[m] = true
	}
}

type scopeFacts struct {
	names map[string]Fact
}

// FreezeFacts computes the facts of every function, after which they are only read. Facts
// are otherwise computed lazily (a scope's partial facts are visible while they are being
// computed, which breaks recursion but is not safe for concurrent readers), so this runs
// before rules run on several goroutines.
func (f *File) FreezeFacts() {
	if f.factsFrozen {
		return
	}
	for _, fn := range f.Funcs {
		f.factsOf(fn)
	}
	f.factsFrozen = true
}

// factsOf returns (computing once) the facts of names assigned in fn.
func (f *File) factsOf(fn *Function) *scopeFacts {
	if f.factsFrozen {
		return f.facts[fn] // computed for every function by freezeFacts; read-only from then on
	}
	f.factsMu.Lock()
	if f.facts == nil {
		f.facts = map[*Function]*scopeFacts{}
	}
	if sf, ok := f.facts[fn]; ok {
		f.factsMu.Unlock()
		return sf
	}
	sf := &scopeFacts{names: map[string]Fact{}}
	f.facts[fn] = sf // visible while computing, so recursion through names terminates
	f.factsMu.Unlock()
	t := f.Tree
	// two passes in source order reach names assigned in loops after their use
	for pass := 0; pass < 2; pass++ {
		for _, a := range f.OwnNodes(fn, syntax.KindAssignment) {
			right := t.Field(a, syntax.FieldRight)
			if right == NoNode {
				continue
			}
			f.bindFacts(sf, t.Field(a, syntax.FieldLeft), f.Facts(fn, right))
		}
		for _, a := range f.OwnNodes(fn, syntax.KindAugmentedAssignment) {
			f.bindFacts(sf, t.Field(a, syntax.FieldLeft), f.Facts(fn, t.Field(a, syntax.FieldRight)))
		}
		for _, a := range f.OwnNodes(fn, syntax.KindForStatement) {
			// for i in range(x.shape[0]): i is a size
			f.bindFacts(sf, t.Field(a, syntax.FieldLeft), f.Facts(fn, t.Field(a, syntax.FieldRight))&^FactConst)
		}
		for _, a := range f.OwnNodes(fn, syntax.KindNamedExpression) {
			f.bindFacts(sf, t.Field(a, syntax.FieldName), f.Facts(fn, t.Field(a, syntax.FieldValue)))
		}
	}
	return sf
}

func (f *File) bindFacts(sf *scopeFacts, target NodeID, x Fact) {
	t := f.Tree
	if target == NoNode {
		return
	}
	switch t.Kind(target) {
	case syntax.KindIdentifier:
		f.factsMu.Lock()
		sf.names[t.String(target)] |= x
		f.factsMu.Unlock()
	case syntax.KindPatternList, syntax.KindTuplePattern, syntax.KindListPattern, syntax.KindTuple, syntax.KindList, syntax.KindExpressionList:
		t.Children(target, func(c NodeID) bool {
			if t.IsNamed(c) {
				if t.Kind(c) == syntax.KindListSplatPattern {
					c = t.NamedChild(c, 0)
				}
				f.bindFacts(sf, c, x)
			}
			return true
		})
	}
}

// nameFacts looks a name up in fn and its enclosing functions: assigned names first, then
// parameters.
func (f *File) nameFacts(fn *Function, name string) Fact {
	for s := fn; s != nil; s = s.Parent {
		sf := f.factsOf(s)
		var x Fact
		var ok bool
		if f.factsFrozen {
			x, ok = sf.names[name]
		} else {
			f.factsMu.Lock()
			x, ok = sf.names[name]
			f.factsMu.Unlock()
		}
		if p := s.Param(name); p != nil {
			return x | f.paramFacts(s, p)
		}
		if ok {
			return x
		}
	}
	return 0
}

// paramFacts: a parameter may be a tensor unless it is self/cls, or its annotation or
// default says it is a plain Python value.
func (f *File) paramFacts(fn *Function, p *pysem.Param) Fact {
	t := f.Tree
	if fn.Class != nil && !fn.StaticMethod && len(fn.Params) > 0 && &fn.Params[0] == p {
		return 0
	}
	if p.Type != NoNode {
		ty := t.String(p.Type)
		if strings.Contains(ty, "Tensor") {
			return FactParam | FactTensor
		}
		switch ty {
		case "int", "float", "bool", "str", "Optional[int]", "Optional[float]", "Optional[bool]", "Optional[str]":
			return 0
		}
	}
	if p.Default != NoNode {
		switch t.Kind(t.Unparen(p.Default)) {
		case syntax.KindInteger, syntax.KindFloat, syntax.KindTrue, syntax.KindFalse, syntax.KindString:
			return 0
		}
	}
	return FactParam
}

// Facts classifies expression n as seen from inside fn (fn may be nil at module level).
func (f *File) Facts(fn *Function, n NodeID) Fact {
	t := f.Tree
	n = t.Unparen(n)
	if n == NoNode {
		return 0
	}
	switch t.Kind(n) {
	case syntax.KindInteger, syntax.KindFloat, syntax.KindTrue, syntax.KindFalse, syntax.KindString, syntax.KindNone, syntax.KindConcatenatedString:
		return FactConst
	case syntax.KindIdentifier:
		if fn == nil {
			return 0
		}
		return f.nameFacts(fn, t.String(n))
	case syntax.KindAttribute:
		obj := t.Field(n, syntax.FieldObject)
		attr := t.Field(n, syntax.FieldAttribute)
		if attr == NoNode {
			return 0
		}
		switch a := t.String(attr); a {
		case "shape", "ndim":
			if f.Facts(fn, obj).Any(FactTensor | FactParam) {
				return FactShape
			}
			if fn != nil && t.Kind(t.Unparen(obj)) == syntax.KindAttribute && f.isSelfAttr(fn, obj) {
				return FactShape // self.buffer.shape
			}
		case "T", "mT", "H", "data", "grad", "real", "imag":
			return f.Facts(fn, obj) & (FactTensor | FactParam)
		}
		return 0
	case syntax.KindSubscript:
		val := f.Facts(fn, t.Field(n, syntax.FieldValue))
		return val &^ FactConst
	case syntax.KindCall:
		return f.callFacts(fn, n)
	case syntax.KindBinaryOperator, syntax.KindBooleanOperator, syntax.KindComparisonOperator, syntax.KindConditionalExpression, syntax.KindUnaryOperator, syntax.KindNotOperator:
		var x Fact
		konst := true
		t.Children(n, func(c NodeID) bool {
			if t.IsNamed(c) && !t.IsComment(c) {
				cf := f.Facts(fn, c)
				if !cf.Has(FactConst) {
					konst = false
				}
				x |= cf
			}
			return true
		})
		if konst {
			return FactConst
		}
		return x &^ FactConst
	case syntax.KindTuple, syntax.KindList, syntax.KindExpressionList: // expression_list: b, n = x.shape[0], x.shape[1]
		var x Fact
		t.Children(n, func(c NodeID) bool {
			if t.IsNamed(c) && !t.IsComment(c) {
				x |= f.Facts(fn, c)
			}
			return true
		})
		return x &^ FactConst
	}
	return 0
}

func (f *File) isSelfAttr(fn *Function, n NodeID) bool {
	t := f.Tree
	n = t.Unparen(n)
	if t.Kind(n) != syntax.KindAttribute {
		return false
	}
	obj := t.Field(n, syntax.FieldObject)
	self := fn.SelfName()
	return self != "" && obj != NoNode && t.TextIs(obj, self)
}

func (f *File) callFacts(fn *Function, call NodeID) Fact {
	t := f.Tree
	callee := t.Unparen(t.Field(call, syntax.FieldFunction))
	if callee == NoNode {
		return 0
	}
	pos, _ := f.Args(call)
	if t.Kind(callee) == syntax.KindAttribute {
		method := t.String(t.Field(callee, syntax.FieldAttribute))
		recv := t.Field(callee, syntax.FieldObject)
		if f.IsImported(callee) {
			q := f.Resolve(callee)
			switch {
			case q == "torch.sym_min" || q == "torch.sym_max" || q == "torch.sym_int" || q == "torch.sym_float":
				var x Fact
				for _, a := range pos {
					x |= f.Facts(fn, a)
				}
				return x & (FactShape | FactData)
			case torchReturnsTensor(q):
				return FactTensor
			case strings.HasPrefix(q, "numpy.") || strings.HasPrefix(q, "math."):
				var x Fact
				for _, a := range pos {
					x |= f.Facts(fn, a)
				}
				return x & (FactShape | FactData)
			}
			return 0
		}
		rf := f.Facts(fn, recv)
		if x, ok := nonTensorMethods[method]; ok {
			if rf.Any(FactTensor | FactParam) {
				return x
			}
			if method == "size" && fn != nil && f.isSelfAttr(fn, recv) {
				return FactShape
			}
			return 0
		}
		if rf.Has(FactTensor) {
			return FactTensor
		}
		if rf.Any(FactParam) && tensorMethods[method] {
			return FactTensor
		}
		if rf.Any(FactData|FactShape) && !rf.Any(FactTensor|FactParam) {
			return rf & (FactData | FactShape) // e.g. a.tolist() then .index(...)
		}
		// self.submodule(x): a layer's output is a tensor; self.method(x) on tensors
		if fn != nil && f.isSelfAttr(fn, callee) {
			if m := fn.Method(); m != nil && m.Class != nil && f.IsSubmodule(m.Class, method) {
				return FactTensor
			}
			return f.argFacts(fn, pos) & (FactTensor)
		}
		return 0
	}
	if t.Kind(callee) == syntax.KindIdentifier {
		switch name := f.Resolve(callee); name {
		case "len":
			if len(pos) == 1 && f.Facts(fn, pos[0]).Any(FactShape|FactTensor|FactParam) {
				x := f.Facts(fn, pos[0])
				if x.Any(FactData) {
					return FactData
				}
				return FactShape
			}
			return 0
		case "int", "float", "round", "abs", "min", "max", "math.floor", "math.ceil", "sum":
			x := f.argFacts(fn, pos)
			if x.Any(FactTensor) && !x.Any(FactShape|FactData) && (name == "int" || name == "float") {
				return FactData // int(tensor) reads tensor data
			}
			return x & (FactShape | FactData)
		case "range", "enumerate", "zip", "list", "tuple", "reversed", "sorted":
			return f.argFacts(fn, pos) &^ FactConst
		default:
			if torchReturnsTensor(name) && f.IsImported(callee) {
				return FactTensor
			}
		}
	}
	return 0
}

// IsSubmodule reports whether __init__ of c (or of a base class in the file) assigns
// self.attr a layer: a torch.nn module (nn.Linear(...), nn.Sequential(...)) or an
// nn.Module class of this file. Calling it returns a tensor (or, for a few layers such
// as nn.LSTM, a tuple of tensors).
func (f *File) IsSubmodule(c *Class, attr string) bool {
	sub := false
	f.Lineage(c, func(k *Class) bool {
		v, ok := k.InitAttrs[attr]
		if !ok {
			return true
		}
		if f.Tree.Kind(v) != syntax.KindCall {
			return false
		}
		callee := f.Tree.Field(v, syntax.FieldFunction)
		if f.IsImported(callee) {
			sub = isModuleBase(f.Resolve(callee))
		} else if f.Tree.Kind(callee) == syntax.KindIdentifier {
			sub = f.IsModule(f.ClassNamed(f.Tree.String(callee)))
		}
		return false
	})
	return sub
}

func (f *File) argFacts(fn *Function, args []NodeID) Fact {
	var x Fact
	for _, a := range args {
		x |= f.Facts(fn, a)
	}
	return x
}

// IsShape reports whether n is a shape expression inside fn.
func (f *File) IsShape(fn *Function, n NodeID) bool { return f.Facts(fn, n).Has(FactShape) }

// IsDataDependent reports whether n carries a value read out of tensor data.
func (f *File) IsDataDependent(fn *Function, n NodeID) bool { return f.Facts(fn, n).Has(FactData) }

// IsTensor reports whether n is known to be a tensor.
func (f *File) IsTensor(fn *Function, n NodeID) bool { return f.Facts(fn, n).Has(FactTensor) }

// InPlaceMethod reports whether call is an in-place tensor method call (x.add_(...)): a
// method whose name ends in one underscore, on a receiver that may be a tensor.
func (f *File) InPlaceMethod(fn *Function, call NodeID) (receiver NodeID, ok bool) {
	t := f.Tree
	callee := t.Unparen(t.Field(call, syntax.FieldFunction))
	if callee == NoNode || t.Kind(callee) != syntax.KindAttribute {
		return NoNode, false
	}
	name := t.String(t.Field(callee, syntax.FieldAttribute))
	if len(name) < 2 || !strings.HasSuffix(name, "_") || strings.HasSuffix(name, "__") || strings.HasPrefix(name, "_") {
		return NoNode, false
	}
	recv := t.Field(callee, syntax.FieldObject)
	if f.IsImported(recv) {
		return NoNode, false // torch.nn.init.normal_(...) is a function, not a method
	}
	return recv, true
}
