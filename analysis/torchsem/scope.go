package torchsem

import (
	"math"
	"slices"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// scope is what the names a function binds may hold, joined over every binding in the
// function (flow-insensitive: a name assigned a tensor and later a size may be either), and
// what each binding contributes, so that a read can take only the bindings that may reach
// it (at).
type scope struct {
	names map[string]Value

	// binds holds, per name, the value of each binding with its position (a node index, in
	// source order, as binding.pos) relative to the function's node (-1: a parameter), and
	// loops the function's loops (their first and last node, relative): a read sees the
	// bindings before it and the later ones of a loop around it.
	binds map[string][]posValue
	loops [][2]int
	base  int // the function's node
	// units is, for the module level, the file's unit graph, where its reads find their
	// killers (flow.go, reaching); nil in a function
	units *unitGraph

	// while the scope is computed: the position of the binding being evaluated, the last
	// binding position of each name, and whether a name was read before its last binding
	// (a loop, or a use before the definition in source order), which needs another pass
	building bool
	pos      int
	lastBind map[string]int
	again    bool
}

// posValue is one binding's contribution to a name.
type posValue struct {
	pos int
	v   Value
}

// at is what name holds at a read at node pos of the file: the join of the bindings before
// the read and of the later bindings of a loop that holds it. ok is false when the scope
// keeps no bindings per position.
func (s *scope) at(name string, pos int) (Value, bool) {
	if s.binds == nil || pos < 0 {
		return Value{}, false
	}
	bs, ok := s.binds[name]
	if !ok {
		return Value{}, false
	}
	return s.joinFrom(bs, pos-s.base, math.MinInt), true
}

// joinFrom is the join of the bindings bs from relative position from on (the first of
// them bound at from whatever rel is) that may reach a read at relative position rel:
// those before it and those later in a loop around it.
func (s *scope) joinFrom(bs []posValue, rel, from int) Value {
	var out Value
	for _, b := range bs {
		if b.pos >= from && (b.pos < rel || b.pos == from || s.inLoopWith(rel, b.pos)) {
			out = out.rebind(b.v)
		}
	}
	return out
}

// inLoopWith reports whether a loop of the function holds both relative positions.
func (s *scope) inLoopWith(a, b int) bool {
	for _, l := range s.loops {
		if l[0] <= a && a <= l[1] && l[0] <= b && b <= l[1] {
			return true
		}
	}
	return false
}

// loopKinds are the loops, and comprehensions: their element is read before the for clause
// binds.
var loopKinds = []syntax.Kind{syntax.KindForStatement, syntax.KindWhileStatement, syntax.KindListComprehension,
	syntax.KindSetComprehension, syntax.KindDictionaryComprehension, syntax.KindGeneratorExpression}

// reaching is what name holds at the module-level read at identifier id (position pos, as
// at): the join of the bindings from the read's killer on (flow.go), before the read or
// later in a loop around it. ok is false for a read without a killer: every binding may
// reach it.
func (s *scope) reaching(t *syntax.Tree, name string, id NodeID, pos int) (Value, bool) {
	if s.units == nil {
		return Value{}, false
	}
	k, kind := s.units.killer(id, name)
	if kind == noKiller {
		return Value{}, false
	}
	from := int(t.SubtreeEnd(t.NamedChild(k, 0))) // where the killer's assignment binds
	return s.joinFrom(s.binds[name], pos, from), true
}

// bindAt joins v into the binding of name at the scope's current position.
func (s *scope) bindAt(name string, v Value) {
	if s.binds == nil {
		return
	}
	rel := s.pos - s.base
	bs := s.binds[name]
	for i := range bs {
		if bs[i].pos == rel {
			bs[i].v = bs[i].v.rebind(v)
			return
		}
	}
	s.binds[name] = append(bs, posValue{rel, v})
}

// maxScopePasses bounds the passes over a function's bindings: each pass feeds the values of
// the previous one to later uses (y = y + 1 in a loop), and values only grow.
const maxScopePasses = 4

// binding is one node that binds names, with the position where its binding takes effect:
// after its value is evaluated (an assignment's end), before a loop's body (the end of
// its iterable).
type binding struct {
	node NodeID
	pos  int
}

// bindScope computes the names of fn (the module level when fn is nil) with parameters bound
// to params (nil: each parameter's prior). Bindings are evaluated in the order they take
// effect; another pass runs only when a name was read before its last binding.
func (e *evaluator) bindScope(f *File, fn *Function, params []Value) *scope {
	s := &scope{names: map[string]Value{}, binds: map[string][]posValue{}, building: true, lastBind: map[string]int{}}
	if fn == nil {
		// the module's bindings are kept per position too, for the reads that see only
		// those from their killer on (reaching)
		s.units = f.initMemos().units
		for _, k := range loopKinds {
			for _, l := range f.moduleNodes(k) {
				s.loops = append(s.loops, [2]int{int(l), int(f.Tree.SubtreeEnd(l))})
			}
		}
	} else {
		s.base = int(fn.Node)
		for _, k := range loopKinds {
			for _, l := range f.OwnNodes(fn, k) {
				s.loops = append(s.loops, [2]int{int(l) - s.base, int(f.Tree.SubtreeEnd(l)) - s.base})
			}
		}
		for i := range fn.Params {
			v := f.paramPrior(fn, i)
			if params != nil && i < len(params) && !params[i].IsZero() {
				v = params[i]
			}
			s.names[fn.Params[i].Name] = v
			s.binds[fn.Params[i].Name] = []posValue{{-1, v}}
		}
	}
	e.pushScope(f, fn, s)
	defer e.popScope()
	t := f.Tree
	var bindings []binding
	for _, k := range bindingKinds {
		var nodes []NodeID
		if fn == nil {
			nodes = f.moduleNodes(k)
		} else {
			nodes = f.OwnNodes(fn, k)
		}
		for _, n := range nodes {
			pos := int(t.SubtreeEnd(n))
			if k == syntax.KindForStatement {
				pos = int(t.SubtreeEnd(t.Field(n, syntax.FieldRight)))
			}
			bindings = append(bindings, binding{n, pos})
			// every name the scope binds is local from the start: before its binding is
			// evaluated it holds nothing yet (the zero Value), not an outer or unknown value
			declareTargets(t, s, bindingTarget(t, n), pos)
		}
	}
	slices.SortFunc(bindings, func(a, b binding) int { return a.pos - b.pos })
	for pass := 0; pass < maxScopePasses; pass++ {
		changed := false
		s.again = false
		for _, b := range bindings {
			s.pos = b.pos
			if e.bindNode(f, fn, s, b.node) {
				changed = true
			}
		}
		if !changed || !s.again {
			break
		}
	}
	s.building, s.lastBind = false, nil // read only while building
	return s
}

// bindNode evaluates one binding node and joins what it binds into s; it reports whether a
// name's value grew.
func (e *evaluator) bindNode(f *File, fn *Function, s *scope, n NodeID) bool {
	t := f.Tree
	changed := false
	switch t.Kind(n) {
	case syntax.KindAssignment:
		right := t.Field(n, syntax.FieldRight)
		if right == NoNode {
			return false // an annotation alone (x: int) binds nothing
		}
		// a = b = value: the inner assignment is the right-hand side
		for t.Kind(right) == syntax.KindAssignment {
			right = t.Field(right, syntax.FieldRight)
		}
		left := t.Field(n, syntax.FieldLeft)
		if e.bindParallel(f, fn, s, left, right, &changed) {
			return changed
		}
		return e.bindTarget(f, fn, s, left, e.expr(f, fn, right))
	case syntax.KindAugmentedAssignment:
		left := t.Field(n, syntax.FieldLeft)
		return e.bindTarget(f, fn, s, left, e.binary(e.expr(f, fn, left), e.expr(f, fn, t.Field(n, syntax.FieldRight)), augOp(t, n)))
	case syntax.KindForStatement, syntax.KindForInClause:
		e.bindLoop(f, fn, s, t.Field(n, syntax.FieldLeft), t.Field(n, syntax.FieldRight), &changed)
		return changed
	case syntax.KindNamedExpression:
		return e.bindTarget(f, fn, s, t.Field(n, syntax.FieldName), e.expr(f, fn, t.Field(n, syntax.FieldValue)))
	case syntax.KindAsPatternTarget:
		// with x as y: y is what the context manager gives (unknown)
		return e.bindTarget(f, fn, s, t.NamedChild(n, 0), Unknown)
	}
	return false
}

// bindingKinds are the nodes whose targets bind names in a scope.
var bindingKinds = []syntax.Kind{syntax.KindAssignment, syntax.KindAugmentedAssignment, syntax.KindForStatement,
	syntax.KindForInClause, syntax.KindNamedExpression, syntax.KindAsPatternTarget}

// bindingTarget returns the target of a binding node.
func bindingTarget(t *syntax.Tree, n NodeID) NodeID {
	switch t.Kind(n) {
	case syntax.KindNamedExpression:
		return t.Field(n, syntax.FieldName)
	case syntax.KindAsPatternTarget:
		return t.NamedChild(n, 0)
	case syntax.KindAssignment:
		if t.Field(n, syntax.FieldRight) == NoNode {
			return NoNode // an annotation alone (x: int) binds nothing
		}
	}
	return t.Field(n, syntax.FieldLeft)
}

// declareTargets adds the names a target binds to s, holding nothing yet, and records pos
// as their last binding so far.
func declareTargets(t *syntax.Tree, s *scope, target NodeID, pos int) {
	target = t.Unparen(target)
	switch t.Kind(target) {
	case syntax.KindIdentifier:
		name := t.String(target)
		if _, ok := s.names[name]; !ok {
			s.names[name] = Value{}
		}
		if pos > s.lastBind[name] {
			s.lastBind[name] = pos
		}
	case syntax.KindPatternList, syntax.KindTuplePattern, syntax.KindListPattern, syntax.KindTuple, syntax.KindList,
		syntax.KindExpressionList, syntax.KindListSplatPattern, syntax.KindListSplat:
		t.Children(target, func(c NodeID) bool {
			if t.IsNamed(c) {
				declareTargets(t, s, c, pos)
			}
			return true
		})
	}
}

// bindTarget joins v into the names of an assignment target; it reports whether a name's
// value grew. Attributes and subscripts bind no name.
func (e *evaluator) bindTarget(f *File, fn *Function, s *scope, target NodeID, v Value) bool {
	t := f.Tree
	target = t.Unparen(target)
	switch t.Kind(target) {
	case syntax.KindIdentifier:
		name := t.String(target)
		s.bindAt(name, v)
		old, ok := s.names[name]
		nv := old.rebind(v)
		if ok && nv == old {
			return false
		}
		s.names[name] = nv
		return true
	case syntax.KindPatternList, syntax.KindTuplePattern, syntax.KindListPattern, syntax.KindTuple, syntax.KindList, syntax.KindExpressionList:
		changed := false
		i := 0
		t.Children(target, func(c NodeID) bool {
			if !t.IsNamed(c) || t.IsComment(c) {
				return true
			}
			ev := e.element(v, i)
			if t.Kind(c) == syntax.KindListSplatPattern || t.Kind(c) == syntax.KindListSplat {
				c = t.NamedChild(c, 0)
				ev = e.rest(v, i)
			}
			if e.bindTarget(f, fn, s, c, ev) {
				changed = true
			}
			i++
			return true
		})
		return changed
	}
	return false
}

// bindParallel binds a, b = x, y element by element when both sides are literal sequences
// of the same length (so that b, n = x.shape[0], x.shape[1] ties each name to its own
// dimension). It reports whether it bound the targets.
func (e *evaluator) bindParallel(f *File, fn *Function, s *scope, left, right NodeID, changed *bool) bool {
	t := f.Tree
	lk, rk := t.Kind(t.Unparen(left)), t.Kind(t.Unparen(right))
	isSeq := func(k syntax.Kind) bool {
		return k == syntax.KindPatternList || k == syntax.KindTuplePattern || k == syntax.KindListPattern ||
			k == syntax.KindTuple || k == syntax.KindList || k == syntax.KindExpressionList
	}
	if !isSeq(lk) || (rk != syntax.KindTuple && rk != syntax.KindList && rk != syntax.KindExpressionList) {
		return false
	}
	var lhs, rhs []NodeID
	t.Children(t.Unparen(left), func(c NodeID) bool {
		if t.IsNamed(c) && !t.IsComment(c) {
			lhs = append(lhs, c)
		}
		return true
	})
	t.Children(t.Unparen(right), func(c NodeID) bool {
		if t.IsNamed(c) && !t.IsComment(c) {
			rhs = append(rhs, c)
		}
		return true
	})
	if len(lhs) != len(rhs) {
		return false
	}
	for i := range lhs {
		k := t.Kind(lhs[i])
		if k == syntax.KindListSplatPattern || t.Kind(rhs[i]) == syntax.KindListSplat {
			return false
		}
	}
	for i := range lhs {
		if e.bindTarget(f, fn, s, lhs[i], e.expr(f, fn, rhs[i])) {
			*changed = true
		}
	}
	return true
}

// bindLoop binds a for-loop (or comprehension) target to the elements of iter. enumerate()
// and zip() give tuples whose parts are bound one by one.
func (e *evaluator) bindLoop(f *File, fn *Function, s *scope, target, iter NodeID, changed *bool) {
	t := f.Tree
	iter = t.Unparen(iter)
	target = t.Unparen(target)
	if t.Kind(iter) == syntax.KindCall && !f.IsImported(t.Field(iter, syntax.FieldFunction)) {
		name := f.Resolve(t.Field(iter, syntax.FieldFunction))
		pos, _ := f.Args(iter)
		var parts []Value
		switch {
		case name == "enumerate" && len(pos) >= 1:
			parts = []Value{Of(StaticInt), e.iterElem(e.expr(f, fn, pos[0]))}
		case name == "zip" && len(pos) >= 1:
			for _, a := range pos {
				parts = append(parts, e.iterElem(e.expr(f, fn, a)))
			}
		}
		if parts != nil {
			var elems []NodeID
			if k := t.Kind(target); k == syntax.KindPatternList || k == syntax.KindTuplePattern || k == syntax.KindListPattern || k == syntax.KindTuple {
				t.Children(target, func(c NodeID) bool {
					if t.IsNamed(c) && !t.IsComment(c) {
						elems = append(elems, c)
					}
					return true
				})
			}
			if len(elems) == len(parts) {
				for i, c := range elems {
					if e.bindTarget(f, fn, s, c, parts[i]) {
						*changed = true
					}
				}
				return
			}
		}
	}
	if e.bindTarget(f, fn, s, target, e.iterElem(e.expr(f, fn, iter))) {
		*changed = true
	}
}

// paramPrior is what parameter i of fn may hold before anything is known of its callers:
// self and cls are the class; an annotation or a literal default says a Python value; a
// forward's input may be a tensor (or a pytree, or a constant).
func (f *File) paramPrior(fn *Function, i int) Value {
	p := &fn.Params[i]
	t := f.Tree
	if i == 0 && fn.Class != nil && !fn.StaticMethod && p.Kind == pysem.Positional {
		if fn.ClassMethod {
			return Unknown
		}
		if f.IsModule(fn.Class) {
			return Of(Module)
		}
		return Unknown
	}
	switch p.Kind {
	case pysem.VarPositional:
		return Of(TensorSeq | Other)
	case pysem.VarKeyword:
		return Of(Other)
	}
	var v Value
	if p.Type != NoNode {
		v = annotationValue(t, p.Type)
		if v.Kind == Const && fn.Name != "__init__" {
			v.Kind |= Other // an int input: whatever the caller passes
		}
	}
	if p.Default != NoNode {
		d := t.Unparen(p.Default)
		switch t.Kind(d) {
		case syntax.KindNone:
			if v.Kind == 0 {
				v = Of(Tensor | Other)
			}
			v.Kind |= NoneValue
		case syntax.KindInteger, syntax.KindTrue, syntax.KindFalse, syntax.KindString, syntax.KindConcatenatedString:
			if v.Kind == 0 {
				v = Of(Const)
			}
		case syntax.KindFloat:
			if v.Kind == 0 {
				v = Of(Float)
			}
		case syntax.KindTuple, syntax.KindList:
			if v.Kind == 0 {
				v = Of(Const | Other)
			}
		}
	}
	if v.Kind == 0 {
		v = Of(Tensor | Other)
		if fn.Name == "__init__" {
			v = Of(Const | Other) // a constructor's arguments are settings fixed before export
		} else if p.Default == NoNode && f.readsAsTensor(fn, p.Name) {
			v = Of(Tensor) // prior.go
		}
	}
	return v
}

// annotationValue reads a parameter annotation: Tensor, Optional[Tensor], int, float, bool,
// str, List[Tensor], ...; an annotation it does not know gives the empty value.
func annotationValue(t *syntax.Tree, ty NodeID) Value {
	s := t.String(ty)
	has := func(sub string) bool {
		for i := 0; i+len(sub) <= len(s); i++ {
			if s[i:i+len(sub)] == sub {
				return true
			}
		}
		return false
	}
	var k Kind
	switch {
	case has("List[") || has("list[") || has("Tuple[") || has("tuple[") || has("Sequence["):
		if has("Tensor") {
			k = TensorSeq
		} else {
			k = Const | Other
		}
	case s == "list" || s == "tuple" || s == "dict" || s == "List" || s == "Tuple" || s == "Dict" || has("Dict[") || has("dict[") || has("Mapping"):
		k = Other
	case has("Tensor"):
		k = Tensor
	case has("Module"):
		k = Module // nn.Module, torch.nn.Module, a LightningModule
	case s == "int" || s == "bool" || s == "str" || s == "Optional[int]" || s == "Optional[bool]" || s == "Optional[str]":
		k = Const
	case s == "float" || s == "Optional[float]":
		k = Float
	}
	if k != 0 && (has("Optional[") || has("None")) {
		k |= NoneValue
	}
	return Of(k)
}

// augOp returns the operator of an augmented assignment without its "=" ("+", "//").
func augOp(t *syntax.Tree, a NodeID) string {
	op := t.Operator(a)
	if n := len(op); n > 0 && op[n-1] == '=' {
		return op[:n-1]
	}
	return op
}
