package torchsem

import (
	"strconv"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// maxExprDepth bounds the nesting the evaluator follows in one expression; deeper
// sub-expressions are Unknown (no stack grows with the input).
const maxExprDepth = 200

// evaluator computes values. During linking (Program.link) it records what it reads and
// what it passes to other functions; afterwards each query makes its own, which memoises
// scopes that linking did not compute.
type evaluator struct {
	p        *Program
	linking  bool
	l        *linker      // while linking
	cur      funcRef      // the function whose body is evaluated, while linking
	stack    []scopeAt    // scopes being computed (a name read during its own scope's computation sees the partial scope)
	inRet    []funcRef    // functions whose return value is being computed
	building []*Class     // classes whose attribute table is being built
	conts    []*container // containers whose construction is being read (containers.go)
	depth    int
}

type scopeAt struct {
	f  *File
	fn *Function
	s  *scope
}

func (e *evaluator) pushScope(f *File, fn *Function, s *scope) {
	e.stack = append(e.stack, scopeAt{f, fn, s})
}

func (e *evaluator) popScope() { e.stack = e.stack[:len(e.stack)-1] }

// scopeOf returns the names of fn in f (fn nil: module level).
func (e *evaluator) scopeOf(f *File, fn *Function) *scope {
	for i := len(e.stack) - 1; i >= 0; i-- {
		if at := e.stack[i]; at.f == f && at.fn == fn {
			return at.s // being computed: its partial values
		}
	}
	if fn == nil {
		return f.moduleScope(e)
	}
	st := f.state(fn)
	if e.linking && (e.l == nil || !e.l.isFixed(funcRef{f, fn})) {
		if st.scope == nil || st.dirty {
			st.scope = e.bindScope(f, fn, st.params(f, fn))
			st.dirty = false
		}
		return st.scope
	}
	if st.scope != nil {
		return st.scope
	}
	return f.lazyScope(e, fn)
}

// lookup returns what name may hold inside fn: its own binding or parameter, an enclosing
// function's (a closure), the module's, an import's; ok is false for a name none binds
// (a builtin or an undefined name).
func (e *evaluator) lookup(f *File, fn *Function, name string) (Value, bool) {
	return e.lookupAt(f, fn, name, -1)
}

// readPos is the position a name node reads its name at: the node itself, or, for the
// target of a binding (the H of H, W = x.shape; hover asks for it), where that binding
// takes effect.
func readPos(t *syntax.Tree, n NodeID) int {
	c := n
	for i := 0; i < 8; i++ {
		p := t.Parent(c)
		if p == NoNode {
			break
		}
		switch t.Kind(p) {
		case syntax.KindPatternList, syntax.KindTuplePattern, syntax.KindListPattern, syntax.KindTuple,
			syntax.KindList, syntax.KindExpressionList, syntax.KindParenthesizedExpression, syntax.KindListSplatPattern, syntax.KindListSplat:
			c = p
			continue
		}
		for _, k := range bindingKinds {
			if t.Kind(p) == k && bindingTarget(t, p) == c {
				if k == syntax.KindForStatement {
					return int(t.SubtreeEnd(t.Field(p, syntax.FieldRight)))
				}
				return int(t.SubtreeEnd(p))
			}
		}
		break
	}
	return int(n)
}

// lookupAt is lookup for a read at node pos of f (-1: anywhere in fn): a name of fn's
// own is what the bindings that may reach the read hold (the join of those before it and
// of the later ones in a loop around it), not the join over the whole function.
func (e *evaluator) lookupAt(f *File, fn *Function, name string, pos int) (Value, bool) {
	for s := fn; s != nil; s = s.Parent {
		sc := e.scopeOf(f, s)
		if v, ok := sc.names[name]; ok {
			if sc.building && sc.lastBind[name] >= sc.pos {
				sc.again = true // read before its last binding: its value may still grow
			}
			if s == fn {
				// a read no binding reaches (before the name is bound) keeps the join
				if pv, ok := sc.at(name, pos); ok && !pv.IsZero() {
					return pv, true
				}
			}
			return v, true
		}
	}
	if v, ok := e.scopeOf(f, nil).names[name]; ok {
		return v, true
	}
	if _, ok := f.ModuleImports()[name]; ok {
		return Unknown, true
	}
	if f.TopFunc(name) != nil || f.ClassNamed(name) != nil {
		return Unknown, true
	}
	return Value{}, false
}

// expr is the value of expression n inside fn (nil: module level).
func (e *evaluator) expr(f *File, fn *Function, n NodeID) Value {
	t := f.Tree
	n = t.Unparen(n)
	if n == NoNode {
		return Value{}
	}
	if e.depth >= maxExprDepth {
		return Unknown
	}
	e.depth++
	v := e.exprKind(f, fn, n)
	e.depth--
	return v
}

// exprKind evaluates n by its kind (expr bounds the depth).
func (e *evaluator) exprKind(f *File, fn *Function, n NodeID) Value {
	t := f.Tree
	switch t.Kind(n) {
	case syntax.KindInteger, syntax.KindTrue, syntax.KindFalse, syntax.KindString, syntax.KindConcatenatedString:
		return Of(Const)
	case syntax.KindFloat:
		return Of(Float)
	case syntax.KindNone:
		return Of(NoneValue)
	case syntax.KindIdentifier:
		name, pos := t.String(n), readPos(t, n)
		if fn == nil {
			// a module-level read sees the bindings from its killer on (flow.go)
			if v, ok := e.scopeOf(f, nil).reaching(t, name, n, pos); ok {
				return v
			}
		}
		v, ok := e.lookupAt(f, fn, name, pos)
		if !ok {
			return Unknown
		}
		return v
	case syntax.KindAttribute:
		return e.attribute(f, fn, n)
	case syntax.KindSubscript:
		return e.subscript(f, fn, n)
	case syntax.KindCall:
		return e.call(f, fn, n)
	case syntax.KindBinaryOperator:
		return e.binary(e.expr(f, fn, t.Field(n, syntax.FieldLeft)), e.expr(f, fn, t.Field(n, syntax.FieldRight)), t.Operator(n))
	case syntax.KindUnaryOperator:
		v := e.expr(f, fn, t.Field(n, syntax.FieldArgument))
		return v.As(numeric(v.Kind))
	case syntax.KindNotOperator:
		v := e.expr(f, fn, t.Field(n, syntax.FieldArgument))
		return truthValue(v)
	case syntax.KindComparisonOperator:
		var operands []Value
		t.Children(n, func(c NodeID) bool {
			if t.IsNamed(c) && !t.IsComment(c) {
				operands = append(operands, e.expr(f, fn, c))
			}
			return true
		})
		op := t.Operator(n)
		var v Value
		for i := 1; i < len(operands); i++ {
			v = v.Join(compare(operands[i-1], operands[i], op))
		}
		return v
	case syntax.KindBooleanOperator:
		l := e.expr(f, fn, t.Field(n, syntax.FieldLeft))
		r := e.expr(f, fn, t.Field(n, syntax.FieldRight))
		return l.Join(r)
	case syntax.KindConditionalExpression:
		var v Value
		i := 0
		t.Children(n, func(c NodeID) bool {
			if t.IsNamed(c) && !t.IsComment(c) {
				if i != 1 { // a if cond else b: the values are the first and the third
					v = v.Join(e.expr(f, fn, c))
				}
				i++
			}
			return true
		})
		return v
	case syntax.KindTuple, syntax.KindList, syntax.KindExpressionList, syntax.KindSet:
		var v Value
		t.Children(n, func(c NodeID) bool {
			if t.IsNamed(c) && !t.IsComment(c) {
				if t.Kind(c) == syntax.KindListSplat {
					v = v.Join(e.expr(f, fn, t.NamedChild(c, 0)))
				} else {
					v = v.Join(e.asElement(e.expr(f, fn, c)))
				}
			}
			return true
		})
		if v.Kind == 0 {
			return Of(Const) // an empty literal
		}
		return v
	case syntax.KindListComprehension, syntax.KindSetComprehension, syntax.KindGeneratorExpression:
		body := t.Field(n, syntax.FieldBody)
		return e.asElement(e.expr(f, fn, body))
	case syntax.KindDictionary, syntax.KindDictionaryComprehension:
		return Of(Other)
	case syntax.KindLambda:
		return Unknown
	case syntax.KindNamedExpression:
		return e.expr(f, fn, t.Field(n, syntax.FieldValue))
	case syntax.KindAwait:
		return Unknown
	}
	return Unknown
}

// compare is the value of l op r for a comparison operator: a bool tensor when a tensor is
// compared, a symbolic bool (a Size, keeping its dims) when a size is, a Python bool
// otherwise. Identity and membership tests give a Python bool, or data when a tensor's
// contents decide them.
func compare(l, r Value, op string) Value {
	if strings.HasPrefix(op, "is") {
		return Of(Const) // identity: a Python bool, whatever the operands
	}
	if strings.HasPrefix(op, "not") || op == "in" {
		// membership: a guard on the value of a size tested against a collection; a test
		// that reads tensor contents (x in t) depends on data
		out := Of(Const)
		if l.May(Size | SizeSeq | UnbackedSize) {
			out = out.Join(l.As(l.Kind & (Size | UnbackedSize))).Join(l.mapRefs(0, shapeToDims))
			if l.Kind&SizeSeq != 0 {
				out.Kind |= Size
			}
		}
		if (l.Kind|r.Kind)&(Tensor|Data) != 0 {
			out.Kind |= Data
		}
		return out
	}
	lt, rt := l.As(numeric(l.Kind)), r.As(numeric(r.Kind))
	if lt.Kind&SizeSeq != 0 {
		lt = lt.As(lt.Kind&^SizeSeq | Size).Join(l.mapRefs(0, shapeToDims))
	}
	if rt.Kind&SizeSeq != 0 {
		rt = rt.As(rt.Kind&^SizeSeq | Size).Join(r.mapRefs(0, shapeToDims))
	}
	var k Kind
	for a := Kind(1); a != 0 && a <= lt.Kind; a <<= 1 {
		if lt.Kind&a == 0 || a&modifiers != 0 {
			continue
		}
		for b := Kind(1); b != 0 && b <= rt.Kind; b <<= 1 {
			if rt.Kind&b == 0 || b&modifiers != 0 {
				continue
			}
			switch {
			case a == Tensor || b == Tensor:
				k |= Tensor | BoolTensor
			case a == TensorSeq || b == TensorSeq:
				k |= Const // comparing lists
			case a == Other && (b == Size || b == UnbackedSize) || b == Other && (a == Size || a == UnbackedSize):
				// a size against a value exportdb cannot read (self.img_size[0] from a
				// helper): a test of that size all the same, if the other is no tensor
				k |= Other | a&(Size|UnbackedSize) | b&(Size|UnbackedSize)
			case a == Other || b == Other:
				k |= Other
			case a == Data || b == Data:
				k |= Data
			case a == UnbackedSize || b == UnbackedSize:
				k |= UnbackedSize
			case a == Size || b == Size:
				k |= Size
			case a == StaticInt || b == StaticInt:
				k |= StaticInt // a test of a rank: fixed while tracing
			default:
				k |= Const
			}
		}
	}
	out := Value{Kind: k}
	for _, v := range []Value{lt, rt} {
		for _, ref := range v.Refs() {
			if (ref.Of == RefDim || ref.Of == RefDimAny) && k&(Size|UnbackedSize) != 0 {
				out = out.withRef(ref)
			}
		}
	}
	return out
}

// numeric keeps the kinds arithmetic keeps: tensors stay tensors, sizes stay sizes.
func numeric(k Kind) Kind {
	out := k &^ (Module | NoneValue)
	if k&(Module|NoneValue) != 0 {
		out |= Other
	}
	return out
}

// truthValue is what a comparison or truth test of v gives: a bool tensor for a tensor, a
// symbolic bool for a size (kept as a Size: it carries its dims), a Python bool otherwise.
func truthValue(v Value) Value {
	k := v.Kind & (Tensor | DataShaped | Size | UnbackedSize | Data)
	if v.Kind&SizeSeq != 0 {
		k |= Size
	}
	if v.Kind&TensorSeq != 0 {
		k |= Other
	}
	if v.Kind&^(Tensor|TensorSeq|DataShaped|Sizes|Data) != 0 {
		k |= Const
	}
	if k&(Tensor|DataShaped) == DataShaped {
		k &^= DataShaped
	}
	out := v.As(k)
	if v.Kind&SizeSeq != 0 {
		out = out.Join(v.mapRefs(0, shapeToDims))
	}
	return out
}

// shapeToDims turns a shape ref into "some dimension of that input".
func shapeToDims(r Ref) (Ref, bool) {
	if r.Of == RefShape {
		r.Of, r.Axis = RefDimAny, 0
	}
	return r, r.Of != RefInput
}

// modifiers are the bits that qualify the Tensor kind rather than name a kind.
const modifiers = DataShaped | BoolTensor | StaticShape

// binary is the value of l op r: the kinds of every pairing of a kind of l with a kind of r.
func (e *evaluator) binary(l, r Value, op string) Value {
	lk, rk := numeric(l.Kind)&^modifiers, numeric(r.Kind)&^modifiers
	var k Kind
	for a := Kind(1); a != 0 && a <= lk; a <<= 1 {
		if lk&a == 0 {
			continue
		}
		for b := Kind(1); b != 0 && b <= rk; b <<= 1 {
			if rk&b != 0 {
				k |= combine(a, b, op)
			}
		}
	}
	if lk == 0 || rk == 0 { // an operand nothing is known of
		k |= lk | rk
	}
	if k&Tensor != 0 {
		if (l.Kind|r.Kind)&DataShaped != 0 {
			k |= DataShaped
		}
		if (op == "&" || op == "|" || op == "^") && l.Kind&BoolTensor != 0 {
			k |= BoolTensor
		}
		lt, rt := l.Kind&(Tensor|TensorSeq) != 0, r.Kind&(Tensor|TensorSeq) != 0
		if (!lt || l.Kind&StaticShape != 0) && (!rt || r.Kind&StaticShape != 0) {
			k |= StaticShape
		}
	}
	out := Value{Kind: k}
	// sizes pass their dims on; a tensor keeps its ties through elementwise arithmetic
	for _, v := range []Value{l, r} {
		for _, ref := range v.Refs() {
			if (ref.Of == RefDim || ref.Of == RefDimAny) && k&(Size|UnbackedSize) != 0 || ref.Of == RefInput && k&Tensor != 0 {
				out = out.withRef(ref)
			}
		}
		out.lost = out.lost || v.lost
	}
	return out
}

// combine is the kind of a op b for two single kinds.
func combine(a, b Kind, op string) Kind {
	either := func(k Kind) bool { return a == k || b == k }
	switch {
	case either(Tensor):
		return Tensor
	case either(TensorSeq):
		return TensorSeq // list concatenation
	case either(SizeSeq):
		return SizeSeq // x.shape[:2] + (n,)
	case either(Other):
		return Other
	case either(Data):
		return Data
	case either(UnbackedSize):
		return UnbackedSize
	case either(Size):
		return Size
	case either(Float):
		return Float
	case op == "/":
		return Float
	case either(StaticInt):
		return StaticInt
	}
	return Const
}

// asElement is the value of a sequence literal holding v: a tensor in a list makes a
// TensorSeq, a size a SizeSeq.
func (e *evaluator) asElement(v Value) Value {
	k := v.Kind
	out := k &^ (Tensor | Size | UnbackedSize)
	if k&Tensor != 0 {
		out |= TensorSeq
	}
	if k&(Size|UnbackedSize) != 0 {
		out |= SizeSeq | k&UnbackedSize
	}
	res := v.As(out)
	for _, r := range v.Refs() {
		if r.Of == RefDim || r.Of == RefDimAny {
			r.Of, r.Axis = RefDimAny, 0
			res = res.withRef(r)
		}
	}
	return res
}

// element is the i-th element of a value unpacked into names.
func (e *evaluator) element(v Value, i int) Value {
	out := e.iterElem(v)
	if v.Kind&SizeSeq == 0 {
		return out
	}
	// x.shape unpacked: the i-th name is dimension start+i
	res := out.mapRefs(out.Kind, func(r Ref) (Ref, bool) { return r, r.Of != RefDimAny })
	for _, r := range v.Refs() {
		if r.Of == RefShape {
			res = res.withRef(Ref{Root: r.Root, Param: r.Param, Axis: r.Axis + int8(i), Of: RefDim})
		} else if r.Of == RefDimAny {
			res = res.withRef(r)
		}
	}
	return res
}

// rest is the value a starred target (*rest) gets: a list of the elements from i on.
func (e *evaluator) rest(v Value, i int) Value {
	if v.Kind&SizeSeq != 0 {
		return v.mapRefs(v.Kind, func(r Ref) (Ref, bool) {
			if r.Of == RefShape {
				r.Axis += int8(i)
			}
			return r, true
		})
	}
	return v
}

// iterElem is what iterating over v gives: rows of a tensor are tensors, the elements of a
// TensorSeq tensors, of a shape its dimensions, of data data.
func (e *evaluator) iterElem(v Value) Value {
	k := v.Kind
	out := k &^ (TensorSeq | SizeSeq | Module | NoneValue)
	if k&TensorSeq != 0 {
		out |= Tensor
	}
	if k&SizeSeq != 0 {
		out |= Size
	}
	if k&Module != 0 {
		out |= Module | Other // iterating a ModuleList gives modules
	}
	res := v.As(out)
	for _, r := range v.Refs() {
		if r.Of == RefShape {
			res = res.withRef(Ref{Root: r.Root, Param: r.Param, Of: RefDimAny})
		}
	}
	return res
}

// attribute is the value of obj.attr.
func (e *evaluator) attribute(f *File, fn *Function, n NodeID) Value {
	t := f.Tree
	obj := t.Field(n, syntax.FieldObject)
	attrNode := t.Field(n, syntax.FieldAttribute)
	if attrNode == NoNode {
		return Unknown
	}
	attr := t.String(attrNode)
	if f.IsImported(n) {
		q := f.Resolve(n)
		if strings.HasPrefix(q, "torch.") {
			switch {
			case strings.HasPrefix(q, "torch.float") || strings.HasPrefix(q, "torch.int") || strings.HasPrefix(q, "torch.bool") ||
				strings.HasPrefix(q, "torch.bfloat") || strings.HasPrefix(q, "torch.complex") || strings.HasPrefix(q, "torch.uint"):
				return Of(Const) // dtypes
			}
		}
		if strings.HasPrefix(q, "math.") && (attr == "pi" || attr == "e" || attr == "inf" || attr == "tau") {
			return Of(Float)
		}
		return Unknown
	}
	// self.attr: the module's state
	if c := f.selfClass(fn, obj); c != nil {
		return e.selfAttr(f, c, attr)
	}
	if v, ok := e.submoduleAttr(f, fn, obj, attr); ok {
		return v
	}
	ov := e.expr(f, fn, obj)
	switch attr {
	case "shape":
		var out Value
		if ov.May(Tensor) {
			out = ov.mapRefs(SizeSeq, func(r Ref) (Ref, bool) {
				if r.Of == RefInput {
					return Ref{Root: r.Root, Param: r.Param, Of: RefShape}, true
				}
				return r, false
			})
			if ov.May(DataShaped) {
				out.Kind |= UnbackedSize
			}
			if ov.Kind&StaticShape != 0 && ov.Kind&Tensor != 0 {
				out.Kind = out.Kind&^SizeSeq | StaticInt
			}
		}
		if !ov.May(Tensor) && ov.May(Other) {
			out.Kind |= Other // an object of another kind with a shape (a NumPy array)
		}
		return out
	case "ndim":
		if ov.May(Tensor) {
			return Of(StaticInt)
		}
	case "T", "mT", "H", "mH", "data", "grad", "real", "imag":
		if ov.May(Tensor) {
			return ov.As(ov.Kind & (Tensor | modifiers))
		}
	case "dtype", "device", "requires_grad", "is_cuda", "layout":
		if ov.May(Tensor) {
			return Of(Const)
		}
	}
	if ov.Kind&Module != 0 {
		return Of(Module | Tensor | Other) // a submodule's attribute: a layer, a weight, a setting
	}
	return Unknown
}

// subscript is the value of value[index].
func (e *evaluator) subscript(f *File, fn *Function, n NodeID) Value {
	t := f.Tree
	v := e.expr(f, fn, t.Field(n, syntax.FieldValue))
	idx := t.Field(n, syntax.FieldSubscript)
	isSlice := t.Kind(idx) == syntax.KindSlice
	out := Value{Kind: v.Kind &^ (TensorSeq | SizeSeq), lost: v.lost}
	if v.Kind&TensorSeq != 0 {
		if isSlice {
			out.Kind |= TensorSeq
		} else {
			out.Kind |= Tensor
		}
	}
	if v.Kind&Tensor != 0 {
		for _, r := range v.Refs() {
			if r.Of == RefInput && isSlice {
				out = out.withRef(r) // x[1:] keeps the input's other dims; its first dim changes
			}
		}
		if !isSlice && f.maskIndex(e, fn, idx) {
			out.Kind |= DataShaped
		}
	}
	if v.Kind&SizeSeq != 0 {
		if isSlice {
			out.Kind |= SizeSeq
			start := sliceStart(t, idx)
			for _, r := range v.Refs() {
				if r.Of == RefShape && start != nil {
					out = out.withRef(Ref{Root: r.Root, Param: r.Param, Axis: addAxis(r.Axis, *start), Of: RefShape})
				} else if r.Of == RefShape || r.Of == RefDimAny {
					out = out.withRef(Ref{Root: r.Root, Param: r.Param, Of: RefDimAny})
				}
			}
		} else {
			out.Kind |= Size
			k, ok := intLiteral(t, idx)
			for _, r := range v.Refs() {
				switch {
				case r.Of == RefShape && ok:
					out = out.withRef(Ref{Root: r.Root, Param: r.Param, Axis: addAxis(r.Axis, k), Of: RefDim})
				case r.Of == RefShape || r.Of == RefDimAny:
					out = out.withRef(Ref{Root: r.Root, Param: r.Param, Of: RefDimAny})
				}
			}
		}
	}
	if v.Kind&Module != 0 {
		out.Kind |= Module | Other // self.layers[i]
	}
	return out
}

// addAxis adds an index to a shape's first axis: x.shape[1:][0] is axis 1; negative
// indices count from the end and stay negative.
func addAxis(start int8, k int) int8 {
	if k < 0 {
		if start == 0 {
			return int8(k)
		}
		return int8(k) // x.shape[1:][-1] is the last axis too
	}
	if start < 0 {
		return start + int8(k)
	}
	return start + int8(k)
}

// sliceStart returns the start of a slice with a literal (or absent) start, or nil.
func sliceStart(t *syntax.Tree, s NodeID) *int {
	zero := 0
	first := t.FirstChild(s)
	if first == NoNode || (!t.IsNamed(first) && t.TextIs(first, ":")) {
		return &zero
	}
	if k, ok := intLiteral(t, first); ok {
		return &k
	}
	return nil
}

// intLiteral reads an integer literal, possibly negative.
func intLiteral(t *syntax.Tree, n NodeID) (int, bool) {
	n = t.Unparen(n)
	neg := false
	if t.Kind(n) == syntax.KindUnaryOperator && t.Operator(n) == "-" {
		neg = true
		n = t.Unparen(t.Field(n, syntax.FieldArgument))
	}
	if t.Kind(n) != syntax.KindInteger {
		return 0, false
	}
	k, err := strconv.Atoi(t.String(n))
	if err != nil || k > 100 {
		return 0, false
	}
	if neg {
		k = -k
	}
	return k, true
}

// maskIndex reports whether an index expression is a boolean mask (x[x > 0], x[mask] with
// mask a comparison of tensors): the result's size depends on the data.
func (f *File) maskIndex(e *evaluator, fn *Function, idx NodeID) bool {
	t := f.Tree
	idx = t.Unparen(idx)
	switch t.Kind(idx) {
	case syntax.KindComparisonOperator, syntax.KindNotOperator:
		return e.expr(f, fn, idx).May(Tensor)
	case syntax.KindBooleanOperator, syntax.KindBinaryOperator:
		if op := t.Operator(idx); op == "&" || op == "|" || op == "^" {
			return e.expr(f, fn, idx).May(Tensor)
		}
	case syntax.KindIdentifier:
		return e.expr(f, fn, idx).May(BoolTensor)
	}
	return false
}
