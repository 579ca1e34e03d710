package rules

// The family file of dynamic_shape_min_size: how the sizes of an exported input's declared
// dims flow through forward and the layers it calls. A walk follows each declared input,
// straight-line, through the forwards of submodules (nn.Sequential, the project's module
// classes with their constructor's constants, class-valued parameters) and the project's
// functions, and records the size operations it meets (convolution and pooling windows,
// scale factors); the first one that empties a dim at its declared lower bound is a culprit.

import (
	"math"
	"strconv"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// sizeOp is one operation on one dimension of a tracked tensor: a convolution or pooling
// window (k, s, p, d, ceil), or a scale.
type sizeOp struct {
	axis       int
	k, s, p, d int
	ceil       bool
	scale      float64 // > 0: interpolation by a scale factor
	same       bool    // padding="same": the size is kept
}

// out is the operation's output size for an input of size n.
func (o sizeOp) out(n int) int {
	switch {
	case o.scale > 0:
		return int(math.Floor(float64(n) * o.scale))
	case o.same:
		return n
	}
	num := n + 2*o.p - o.d*(o.k-1) - 1
	if o.ceil {
		// torch's pooling_output_shape: round up, but the last window must start inside
		// the input or its left padding
		out := floorDiv(num+o.s-1, o.s) + 1
		if (out-1)*o.s >= n+o.p {
			out--
		}
		return out
	}
	return floorDiv(num, o.s) + 1
}

// step is an operation where it happens: the call in traced code that runs it, and the
// layer or function that defines it.
type step struct {
	op       sizeOp
	site     analysis.NodeID
	siteFile *analysis.File
	def      analysis.NodeID
	defFile  *analysis.File
}

// track is a tensor whose dimensions follow an exported input's: the operations applied to
// its declared dims so far.
type track struct {
	decl  *torchsem.ExportDecl
	param int
	in    *torchsem.InputDecl
	rank  int
	steps []step
}

// with returns t with more steps.
func (t *track) with(s ...step) *track {
	n := *t
	n.steps = append(append([]step(nil), t.steps...), s...)
	return &n
}

// sameSizes reports whether two tracks have the same sizes on every tracked axis.
func sameSizes(a, b *track) bool {
	if a.decl != b.decl || a.param != b.param || len(a.steps) != len(b.steps) {
		return false
	}
	for i := range a.steps {
		if a.steps[i].op != b.steps[i].op {
			return false
		}
	}
	return true
}

// maxProbe bounds the sizes minInput searches.
const maxProbe = 1 << 22

// minInput is the smallest input size for which every operation on axis keeps a positive
// size; -1 when none up to maxProbe does.
func minInput(steps []step, axis int) int {
	ok := func(n int) bool {
		for _, s := range steps {
			if s.op.axis != axis {
				continue
			}
			if n = s.op.out(n); n < 1 {
				return false
			}
		}
		return true
	}
	if !ok(maxProbe) {
		return -1
	}
	lo, hi := 1, maxProbe
	for lo < hi {
		mid := lo + (hi-lo)/2
		if ok(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// culprit is the first step that empties a declared dim at its declared lower bound.
type culprit struct {
	step step
	hit  torchsem.DimHit
	need int // the smallest input size that keeps every output up to this step positive
	// total is the smallest size that keeps every output export traces positive, the steps
	// after this one included; -1 when no size does
	total int
}

// dimKey names one declared dim of one export: the culprits' key.
type dimKey struct {
	decl  *torchsem.ExportDecl
	param int
	axis  int
}

// instance is a module instance whose forward is walked: its class and constructor values.
type instance struct {
	file *analysis.File
	cls  *analysis.Class
	env  intEnv
}

// intEnv holds the values of a module's constructor parameters that are constants
// (integers, strings, None), for one instance.
type intEnv map[string]pyVal

// pyVal is a constant of constructor code: an integer or a tuple of them (True and False
// are 1 and 0), a string, None, or a name passed for a class (embed_layer=PatchEmbed).
type pyVal struct {
	kind uint8 // valInts, valStr, valNone or valRef
	ints []int
	str  string
	// ref is the expression naming a class, in file and function scope
	ref   analysis.NodeID
	file  *analysis.File
	scope *analysis.Function
}

// pyVal kinds.
const (
	valInts uint8 = iota
	valStr
	valNone
	valRef
)

// truth is Python's truth value of v.
func (v pyVal) truth() bool {
	switch v.kind {
	case valInts:
		return len(v.ints) > 1 || len(v.ints) == 1 && v.ints[0] != 0
	case valStr:
		return v.str != ""
	}
	return false
}

// equal reports whether two constants are equal.
func (v pyVal) equal(w pyVal) bool {
	if v.kind != w.kind || v.kind == valRef || v.str != w.str || len(v.ints) != len(w.ints) {
		return false
	}
	for i := range v.ints {
		if v.ints[i] != w.ints[i] {
			return false
		}
	}
	return true
}

// frame is a function being walked: its tensors that follow an input, and for a method of
// a module, the instance's class and constructor values.
type frame struct {
	f       *analysis.File
	fn      *analysis.Function
	clsFile *analysis.File
	cls     *analysis.Class
	env     intEnv
	vars    map[string]*track
	rets    []*track
	retSet  bool
}

// minWalk follows the declared inputs through the program.
type minWalk struct {
	// prog is the program whose declaration is walked. A file it kept may have been linked
	// with an earlier text of another (the editor's document): the walk follows what
	// calls name into prog's files (torchsem.Program.CurrentCallee).
	prog     *torchsem.Program
	nest     int // expressions and modules being walked, one inside the other
	budget   int
	stack    []*analysis.Function
	culprits map[dimKey]*culprit
	order    []dimKey
	// uses are where the walk read code: the functions it walked, the classes it read
	// attributes and constructors of (with their base classes), the layers it applied and
	// what calls resolved to. A walk whose uses an edit keeps finds what it found before
	// (carriedWalk).
	uses    map[walkUse]bool
	classes map[*analysis.Class]bool // the classes whose ancestry is in uses
}

// walkUse is a node a walk read code at.
type walkUse struct {
	file *analysis.File
	node analysis.NodeID
}

// use records that the walk read code at node n of f.
func (w *minWalk) use(f *analysis.File, n analysis.NodeID) {
	if f != nil && w.uses != nil {
		w.uses[walkUse{f, n}] = true
	}
}

// useClass records that the walk read class c of f: its body and its base classes'.
func (w *minWalk) useClass(f *analysis.File, c *analysis.Class) {
	if f == nil || c == nil || w.uses == nil || w.classes[c] {
		return
	}
	w.classes[c] = true
	f.Ancestry(c, func(kf *analysis.File, k *analysis.Class) bool {
		w.use(kf, k.Node)
		return true
	})
}

// useCallee records what a call resolved to.
func (w *minWalk) useCallee(c torchsem.Callee) {
	if c.Func != nil {
		w.use(c.File, c.Func.Node)
	}
	w.useClass(c.ClassFile, c.Class)
}

// walkBudget bounds the statements and calls one analysis walks (a model of thousands of
// layers stays bounded), and maxWalkDepth the nesting of calls it follows.
const (
	walkBudget   = 50000
	maxWalkDepth = 24
	maxNest      = 200
)

// rootEnv binds the exported class's constructor parameters from the model expression of
// the export call (Model(16), Model(patch=16).eval(), a name bound to one).
func rootEnv(d *torchsem.ExportDecl) intEnv {
	if d.Site == nil {
		return nil
	}
	f := d.File
	t := f.Tree
	e := d.Site.Model
	for depth := 0; depth < 8; depth++ {
		e = f.BoundValue(d.Site.Func, e)
		if t.Kind(e) != syntax.KindCall {
			return nil
		}
		callee := t.Unparen(t.Field(e, syntax.FieldFunction))
		if t.Kind(callee) == syntax.KindAttribute && !f.IsImported(callee) {
			if m := t.String(t.Field(callee, syntax.FieldAttribute)); m == "eval" || m == "to" || m == "cuda" || m == "cpu" || m == "float" || m == "half" {
				e = t.Field(callee, syntax.FieldObject)
				continue
			}
		}
		// the export script may be linked with an earlier text of the model's file (the
		// editor replaces the file it analyses in a program that keeps the others): the
		// class it constructs is the declared one when its module and name are
		c := f.Callee(d.Site.Func, e)
		if c.Class == nil || c.ClassFile == nil || c.Class.Name != d.Class.Name || c.ClassFile.Module.Name != d.ClassFile.Module.Name ||
			c.Class != d.Class && c.ClassFile.Module.Name == "" {
			return nil
		}
		return bindInit(d.ClassFile, d.Class, f, d.Site.Func, e, nil)
	}
	return nil
}

// bindInit binds the __init__ parameters of class cls (of cf) to the integer values the
// constructor call passes (or their defaults); names passed through *args or **kwargs, or
// not integers, stay unbound.
func bindInit(cf *analysis.File, cls *analysis.Class, callF *analysis.File, callFn *analysis.Function, call analysis.NodeID, callerEnv intEnv) intEnv {
	init := cf.Method(cls, "__init__")
	env := intEnv{}
	if init == nil || len(init.Params) == 0 {
		return env
	}
	t := callF.Tree
	pos, kws, keys, ok := callArgs(callF, callFn, call)
	if !ok {
		return env // anything may be passed
	}
	for i, p := range init.Params[1:] {
		if keys[p.Name] {
			continue // passed by **d: its value is not read
		}
		arg := analysis.NoNode
		if p.Kind == analysis.Positional && i < len(pos) {
			arg = pos[i]
		}
		for _, k := range kws {
			if name := t.Field(k, syntax.FieldName); name != analysis.NoNode && t.TextIs(name, p.Name) {
				arg = t.Field(k, syntax.FieldValue)
			}
		}
		switch {
		case arg != analysis.NoNode:
			if v, ok := evalVal(callF, callFn, callerEnv, arg, 0, nil); ok {
				env[p.Name] = v
			} else if k := t.Kind(t.Unparen(arg)); k == syntax.KindIdentifier || k == syntax.KindAttribute {
				env[p.Name] = pyVal{kind: valRef, ref: t.Unparen(arg), file: callF, scope: callFn}
			}
		case p.Default != analysis.NoNode:
			if v, ok := evalVal(cf, init, nil, p.Default, 0, nil); ok {
				env[p.Name] = v
			} else if k := cf.Tree.Kind(cf.Tree.Unparen(p.Default)); k == syntax.KindIdentifier || k == syntax.KindAttribute {
				env[p.Name] = pyVal{kind: valRef, ref: cf.Tree.Unparen(p.Default), file: cf}
			}
		}
	}
	return env
}

// tupleHelpers are the helpers that repeat a size for each dimension (timm's to_2tuple,
// torch's _pair).
var tupleHelpers = map[string]int{"to_2tuple": 2, "_pair": 2, "pair": 2, "to_3tuple": 3, "_triple": 3, "_single": 1}

// evalInts evaluates an integer (or a tuple of integers) of constructor code.
func evalInts(f *analysis.File, fn *analysis.Function, env intEnv, n analysis.NodeID, depth int) ([]int, bool) {
	v, ok := evalVal(f, fn, env, n, depth, nil)
	if !ok || v.kind != valInts || len(v.ints) == 0 {
		return nil, false
	}
	return v.ints, true
}

// evalVal evaluates a constant of constructor code: literals, names bound once to one, the
// constructor's parameters in env, + - * // on integers, an index into a tuple, to_2tuple(k).
func evalVal(f *analysis.File, fn *analysis.Function, env intEnv, n analysis.NodeID, depth int, self *instance) (pyVal, bool) {
	t := f.Tree
	n = t.Unparen(n)
	ints := func(v ...int) (pyVal, bool) { return pyVal{kind: valInts, ints: v}, true }
	if depth > 8 || n == analysis.NoNode {
		return pyVal{}, false
	}
	switch t.Kind(n) {
	case syntax.KindInteger, syntax.KindUnaryOperator:
		if v, ok := pysem.IntLiteral(t, n); ok && v > -1<<30 && v < 1<<30 {
			return ints(int(v))
		}
	case syntax.KindTrue:
		return ints(1)
	case syntax.KindFalse:
		return ints(0)
	case syntax.KindNone:
		return pyVal{kind: valNone}, true
	case syntax.KindString:
		if s, ok := pysem.StringLiteral(t, n); ok {
			return pyVal{kind: valStr, str: s}, true
		}
	case syntax.KindTuple, syntax.KindList:
		var out []int
		ok := true
		t.Children(n, func(c analysis.NodeID) bool {
			if t.IsNamed(c) && !t.IsComment(c) {
				v, vok := evalInts(f, fn, env, c, depth+1)
				ok = ok && vok && len(v) == 1
				out = append(out, v...)
			}
			return ok
		})
		if ok && len(out) > 0 {
			return ints(out...)
		}
	case syntax.KindIdentifier:
		name := t.String(n)
		if v, ok := env[name]; ok && fn != nil && fn.Param(name) != nil {
			return v, true
		}
		if v := f.BoundValue(fn, n); v != n && v != analysis.NoNode {
			owner := f.Owner(v)
			if owner != fn {
				env = nil
			}
			return evalVal(f, owner, env, v, depth+1, self)
		}
	case syntax.KindAttribute:
		if self != nil && fn != nil {
			if attr := f.SelfAttr(fn, n); attr != "" {
				if df, def, denv, ok := attrDef(self.file, self.cls, attr, self.env); ok {
					return evalVal(df, df.Owner(def), denv, def, depth+1, nil)
				}
			}
		}
	case syntax.KindSubscript:
		v, ok := evalInts(f, fn, env, t.Field(n, syntax.FieldValue), depth+1)
		i, iok := pysem.IntLiteral(t, t.Field(n, syntax.FieldSubscript))
		if ok && iok {
			if i < 0 {
				i += int64(len(v))
			}
			if i >= 0 && int(i) < len(v) {
				return ints(v[i])
			}
		}
	case syntax.KindBinaryOperator:
		l, lok := evalInts(f, fn, env, t.Field(n, syntax.FieldLeft), depth+1)
		r, rok := evalInts(f, fn, env, t.Field(n, syntax.FieldRight), depth+1)
		if !lok || !rok || len(l) != 1 || len(r) != 1 {
			return pyVal{}, false
		}
		switch t.Operator(n) {
		case "+":
			return ints(l[0] + r[0])
		case "-":
			return ints(l[0] - r[0])
		case "*":
			return ints(l[0] * r[0])
		case "//":
			if r[0] > 0 {
				return ints(floorDiv(l[0], r[0]))
			}
		}
	case syntax.KindCall:
		callee := t.Unparen(t.Field(n, syntax.FieldFunction))
		last := callee
		if t.Kind(callee) == syntax.KindAttribute {
			last = t.Field(callee, syntax.FieldAttribute)
		}
		if times, ok := tupleHelpers[t.String(last)]; ok {
			if pos, _ := f.Args(n); len(pos) == 1 {
				v, ok := evalInts(f, fn, env, pos[0], depth+1)
				switch {
				case !ok:
				case len(v) == 1:
					return ints(repeat(v[0], times)...)
				case len(v) == times:
					return ints(v...)
				}
			}
		}
	}
	return pyVal{}, false
}

// evalCond evaluates a condition of constructor code on constants: truth values, not, and,
// or, == and != between constants, is None, in a tuple of constants, a substring in a string.
func evalCond(f *analysis.File, fn *analysis.Function, env intEnv, n analysis.NodeID, depth int, self *instance) (bool, bool) {
	t := f.Tree
	n = t.Unparen(n)
	if depth > 8 || n == analysis.NoNode {
		return false, false
	}
	switch t.Kind(n) {
	case syntax.KindNotOperator:
		v, ok := evalCond(f, fn, env, t.Field(n, syntax.FieldArgument), depth+1, self)
		return !v, ok
	case syntax.KindBooleanOperator:
		l, lok := evalCond(f, fn, env, t.Field(n, syntax.FieldLeft), depth+1, self)
		r, rok := evalCond(f, fn, env, t.Field(n, syntax.FieldRight), depth+1, self)
		if t.Operator(n) == "and" {
			if lok && !l || rok && !r {
				return false, true
			}
			return l && r, lok && rok
		}
		if lok && l || rok && r {
			return true, true
		}
		return false, lok && rok
	case syntax.KindComparisonOperator:
		if t.NamedChildCount(n) != 2 {
			return false, false
		}
		op := strings.Join(strings.Fields(t.Operator(n)), " ")
		l, r := t.NamedChild(n, 0), t.Unparen(t.NamedChild(n, 1))
		lv, lok := evalVal(f, fn, env, l, depth+1, self)
		if !lok {
			return false, false
		}
		if op == "in" || op == "not in" {
			found, ok := false, true
			switch t.Kind(r) {
			case syntax.KindTuple, syntax.KindList, syntax.KindSet:
				t.Children(r, func(c analysis.NodeID) bool {
					if t.IsNamed(c) && !t.IsComment(c) {
						cv, cok := evalVal(f, fn, env, c, depth+1, self)
						ok = ok && cok
						found = found || cok && cv.equal(lv)
					}
					return ok
				})
			default:
				rv, rok := evalVal(f, fn, env, r, depth+1, self)
				ok = rok && rv.kind == valStr && lv.kind == valStr
				found = ok && strings.Contains(rv.str, lv.str)
			}
			return found == (op == "in"), ok
		}
		rv, rok := evalVal(f, fn, env, r, depth+1, self)
		if !rok {
			return false, false
		}
		switch op {
		case "==", "is":
			return lv.equal(rv), true
		case "!=", "is not":
			return !lv.equal(rv), true
		}
		return false, false
	}
	v, ok := evalVal(f, fn, env, n, depth+1, self)
	return v.truth(), ok
}

// evalScale evaluates a scale factor: a float or int literal, or a tuple of them.
func evalScale(f *analysis.File, fn *analysis.Function, n analysis.NodeID) ([]float64, bool) {
	t := f.Tree
	n = f.BoundValue(fn, n)
	switch t.Kind(n) {
	case syntax.KindFloat, syntax.KindInteger:
		v, err := strconv.ParseFloat(strings.ReplaceAll(t.String(n), "_", ""), 64)
		return []float64{v}, err == nil && v > 0 && v < 1<<20
	case syntax.KindTuple, syntax.KindList:
		var out []float64
		ok := true
		t.Children(n, func(c analysis.NodeID) bool {
			if t.IsNamed(c) && !t.IsComment(c) {
				v, vok := evalScale(f, fn, c)
				ok = ok && vok && len(v) == 1
				out = append(out, v...)
			}
			return ok
		})
		return out, ok && len(out) > 0
	}
	return nil, false
}

// tick spends one unit of the walk's budget.
func (w *minWalk) tick() bool {
	w.budget--
	return w.budget > 0
}

// walk follows fr's function body, straight-line: it returns the track of what the
// function returns (nil when it is not one tracked tensor).
func (w *minWalk) walk(fr *frame) *track {
	if fr.fn == nil || len(w.stack) >= maxWalkDepth {
		return nil
	}
	for _, g := range w.stack {
		if g == fr.fn {
			return nil // recursion
		}
	}
	w.stack = append(w.stack, fr.fn)
	defer func() { w.stack = w.stack[:len(w.stack)-1] }()
	w.use(fr.f, fr.fn.Node)
	w.useClass(fr.clsFile, fr.cls)
	body := fr.fn.Body
	if fr.f.Tree.Kind(body) != syntax.KindBlock {
		return nil // a lambda
	}
	w.block(fr, body)
	if len(fr.rets) == 0 {
		return nil
	}
	r := fr.rets[0]
	for _, o := range fr.rets[1:] {
		if r == nil || o == nil || !sameSizes(r, o) {
			return nil
		}
	}
	return r
}

// block walks the statements of a block in order.
func (w *minWalk) block(fr *frame, b analysis.NodeID) {
	t := fr.f.Tree
	t.Children(b, func(st analysis.NodeID) bool {
		if !t.IsNamed(st) || t.IsComment(st) || fr.retSet {
			return !fr.retSet
		}
		if !w.tick() {
			return false
		}
		w.statement(fr, st)
		return true
	})
}

// statement walks one statement.
func (w *minWalk) statement(fr *frame, st analysis.NodeID) {
	t := fr.f.Tree
	switch t.Kind(st) {
	case syntax.KindExpressionStatement:
		e := t.NamedChild(st, 0)
		switch t.Kind(e) {
		case syntax.KindAssignment:
			w.assign(fr, e)
		case syntax.KindAugmentedAssignment:
			left := t.Field(e, syntax.FieldLeft)
			if t.Kind(left) == syntax.KindIdentifier {
				name := t.String(left)
				fr.vars[name] = joinTracks(fr.vars[name], w.expr(fr, t.Field(e, syntax.FieldRight)))
			} else {
				w.expr(fr, t.Field(e, syntax.FieldRight))
			}
		default:
			w.expr(fr, e)
		}
	case syntax.KindReturnStatement:
		var r *track
		if v := t.NamedChild(st, 0); v != analysis.NoNode {
			r = w.expr(fr, v)
		}
		fr.rets = append(fr.rets, r)
		fr.retSet = true
	case syntax.KindIfStatement:
		w.ifStatement(fr, st)
	case syntax.KindWithStatement:
		w.block(fr, t.Field(st, syntax.FieldBody))
	case syntax.KindTryStatement:
		w.block(fr, t.Field(st, syntax.FieldBody))
		fr.retSet = false
		w.forget(fr, st) // handlers may run instead
	case syntax.KindForStatement, syntax.KindWhileStatement, syntax.KindMatchStatement:
		w.forget(fr, st) // a loop applies its body any number of times
	}
}

// forget drops the tracks of the names a statement assigns.
func (w *minWalk) forget(fr *frame, st analysis.NodeID) {
	t := fr.f.Tree
	for id, end := st, t.SubtreeEnd(st); id < end; id++ {
		switch t.Kind(id) {
		case syntax.KindAssignment, syntax.KindAugmentedAssignment, syntax.KindForStatement:
			left := t.Field(id, syntax.FieldLeft)
			for l, lend := left, t.SubtreeEnd(left); left != analysis.NoNode && l < lend; l++ {
				if t.Kind(l) == syntax.KindIdentifier {
					delete(fr.vars, t.String(l))
				}
			}
		case syntax.KindReturnStatement:
			fr.rets = append(fr.rets, nil)
		}
	}
}

// ifStatement walks each branch from the same state and keeps the tracks all branches
// agree on.
func (w *minWalk) ifStatement(fr *frame, st analysis.NodeID) {
	t := fr.f.Tree
	before := fr.vars
	var outs []map[string]*track
	hasElse := false
	branch := func(b analysis.NodeID) {
		fr.vars = copyVars(before)
		fr.retSet = false
		w.block(fr, b)
		if !fr.retSet {
			outs = append(outs, fr.vars)
		}
	}
	if fr.cls != nil {
		// an if on the instance's configuration (if self.dynamic_img_pad:): walk the branch it takes
		self := &instance{fr.clsFile, fr.cls, fr.env}
		if taken, ok := takenBranchIn(fr.f, fr.fn, nil, st, self); ok {
			if taken != analysis.NoNode {
				w.block(fr, taken)
			}
			return
		}
	}
	branch(t.Field(st, syntax.FieldConsequence))
	t.Children(st, func(c analysis.NodeID) bool {
		switch t.Kind(c) {
		case syntax.KindElifClause:
			branch(t.Field(c, syntax.FieldConsequence))
		case syntax.KindElseClause:
			hasElse = true
			branch(t.Field(c, syntax.FieldBody))
		}
		return true
	})
	fr.retSet = false
	if !hasElse {
		outs = append(outs, before)
	}
	merged := map[string]*track{}
	if len(outs) > 0 {
		for name, v := range outs[0] {
			keep := v != nil
			for _, o := range outs[1:] {
				if ov := o[name]; ov == nil || !keep || !sameSizes(v, ov) {
					keep = false
				}
			}
			if keep {
				merged[name] = v
			}
		}
	}
	fr.vars = merged
}

func copyVars(m map[string]*track) map[string]*track {
	out := make(map[string]*track, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// joinTracks is the track of an elementwise combination of two values: the tracked one, or
// the common one when both are tracked with the same sizes.
func joinTracks(a, b *track) *track {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case sameSizes(a, b):
		return a
	}
	return nil
}

// assign walks `target = value`.
func (w *minWalk) assign(fr *frame, a analysis.NodeID) {
	t := fr.f.Tree
	left, right := t.Field(a, syntax.FieldLeft), t.Field(a, syntax.FieldRight)
	if t.Kind(right) == syntax.KindAssignment {
		w.assign(fr, right)
		right = pysem.AssignedValue(t, t.Field(right, syntax.FieldLeft))
	}
	switch t.Kind(left) {
	case syntax.KindIdentifier:
		v := w.expr(fr, right)
		if v == nil {
			delete(fr.vars, t.String(left))
		} else {
			fr.vars[t.String(left)] = v
		}
	case syntax.KindPatternList, syntax.KindTuplePattern, syntax.KindListPattern:
		w.expr(fr, right)
		for l, end := left, t.SubtreeEnd(left); l < end; l++ {
			if t.Kind(l) == syntax.KindIdentifier {
				delete(fr.vars, t.String(l))
			}
		}
	default:
		w.expr(fr, right)
	}
}

// expr returns the track of an expression's value (nil when it is not a tracked tensor),
// walking the calls it makes.
func (w *minWalk) expr(fr *frame, e analysis.NodeID) *track {
	t := fr.f.Tree
	e = t.Unparen(e)
	if e == analysis.NoNode || !w.tick() || w.nest >= maxNest {
		return nil
	}
	w.nest++
	defer func() { w.nest-- }()
	switch t.Kind(e) {
	case syntax.KindIdentifier:
		return fr.vars[t.String(e)]
	case syntax.KindCall:
		return w.call(fr, e)
	case syntax.KindBinaryOperator:
		return joinTracks(w.expr(fr, t.Field(e, syntax.FieldLeft)), w.expr(fr, t.Field(e, syntax.FieldRight)))
	case syntax.KindUnaryOperator:
		return w.expr(fr, t.Field(e, syntax.FieldArgument))
	}
	return nil
}

// functionalOps are the torch.nn.functional calls that change spatial sizes, with their
// number of spatial dims.
var functionalOps = map[string]int{
	"conv1d": 1, "conv2d": 2, "conv3d": 3,
	"max_pool1d": 1, "max_pool2d": 2, "max_pool3d": 3,
	"avg_pool1d": 1, "avg_pool2d": 2, "avg_pool3d": 3,
	"interpolate": 0, "upsample": 0,
}

// call returns the track of a call's result.
func (w *minWalk) call(fr *frame, call analysis.NodeID) *track {
	f := fr.f
	t := f.Tree
	callee := t.Unparen(t.Field(call, syntax.FieldFunction))
	pos, _ := f.Args(call)
	first := func() *track {
		if len(pos) == 0 {
			if in := f.KwArg(call, "input"); in != analysis.NoNode {
				return w.expr(fr, in)
			}
			return nil
		}
		return w.expr(fr, pos[0])
	}
	// self.sub(x): a submodule of the instance
	if fr.cls != nil && t.Kind(callee) == syntax.KindAttribute {
		if attr := f.SelfAttr(fr.fn, callee); attr != "" {
			// a submodule, or what torchsem cannot classify (embed_layer(...) built from a
			// class-valued parameter): module() reads what it can
			a := fr.clsFile.Attr(fr.cls, attr)
			w.use(a.File, a.Node)
			if a.File != nil && (a.Kind == torchsem.AttrSubmodule || a.Kind == torchsem.AttrValue) {
				in := first()
				if in == nil {
					return nil
				}
				df, def, env, ok := attrDef(fr.clsFile, fr.cls, attr, fr.env)
				if !ok {
					return nil
				}
				w.use(df, def)
				return w.module(df, def, env, in, call, f)
			}
		}
	}
	c := w.prog.CurrentCallee(f.Callee(fr.fn, call))
	w.useCallee(c)
	if name, ok := strings.CutPrefix(c.API, "torch.nn.functional."); ok {
		if nd, ok := functionalOps[name]; ok {
			in := first()
			if in == nil {
				return nil
			}
			return w.functional(fr, call, name, nd, in)
		}
	}
	if c.API != "" {
		a := torchsem.LookupAPI(c.API)
		if a == nil || a.Rule != torchsem.RuleSame {
			w.operands(fr, callee, pos) // their own calls
			return nil
		}
		if strings.HasPrefix(c.API, "torch.Tensor.") && t.Kind(callee) == syntax.KindAttribute {
			return w.expr(fr, t.Field(callee, syntax.FieldObject))
		}
		return first()
	}
	if c.Func != nil && c.File != nil && c.Class == nil {
		// a method of the instance or a function of the project: walk it with its arguments
		sub := &frame{f: c.File, fn: c.Func, vars: map[string]*track{}}
		if c.Bound == 1 && fr.cls != nil {
			sub.clsFile, sub.cls, sub.env = fr.clsFile, fr.cls, fr.env
		}
		params := c.Func.Params[min(c.Bound, len(c.Func.Params)):]
		any := false
		for i, p := range pos {
			if t.Kind(p) == syntax.KindListSplat {
				break
			}
			if v := w.expr(fr, p); v != nil && i < len(params) && params[i].Kind == analysis.Positional {
				sub.vars[params[i].Name] = v
				any = true
			}
		}
		if !any {
			return nil
		}
		return w.walk(sub)
	}
	w.operands(fr, callee, pos)
	return nil
}

// operands walks the receiver and the positional arguments of a call whose result is not
// tracked: the calls they make still run.
func (w *minWalk) operands(fr *frame, callee analysis.NodeID, pos []analysis.NodeID) {
	t := fr.f.Tree
	if t.Kind(callee) == syntax.KindAttribute {
		w.expr(fr, t.Field(callee, syntax.FieldObject))
	}
	for _, p := range pos {
		if t.Kind(p) == syntax.KindListSplat {
			p = t.NamedChild(p, 0)
		}
		w.expr(fr, p)
	}
}

// attrDef returns the expression self.<attr> of an instance of cls (of cf, constructed
// with env) is assigned in __init__: the last assignment that runs for this instance, the
// ifs around them decided on the constructor's constants, with its file and the env that
// holds there (nil for a base class's constructor, whose arguments are not known). False
// when which assignment runs cannot be told.
func attrDef(cf *analysis.File, cls *analysis.Class, attr string, env intEnv) (*analysis.File, analysis.NodeID, intEnv, bool) {
	a := cf.Attr(cls, attr)
	if a.File == nil || a.Node == analysis.NoNode {
		return nil, analysis.NoNode, nil, false
	}
	init := cf.Method(cls, "__init__")
	if a.File != cf || init == nil || cf.Owner(a.Node) != init {
		return a.File, a.Node, nil, true
	}
	t := cf.Tree
	self := init.SelfName()
	def := analysis.NoNode
	for _, as := range cf.OwnNodes(init, syntax.KindAssignment) {
		if pysem.SelfAttrOf(t, t.Field(as, syntax.FieldLeft), self) != attr {
			continue
		}
		run, ok := runs(cf, init, env, as)
		if !ok {
			return nil, analysis.NoNode, nil, false
		}
		if run {
			def = pysem.AssignedValue(t, t.Field(as, syntax.FieldLeft))
		}
	}
	return cf, def, env, def != analysis.NoNode
}

// runs reports whether statement n of constructor init runs for the instance env
// describes: every if around it takes the branch that holds it. False, false when a
// condition cannot be decided, or n lies in a loop or an exception handler.
func runs(f *analysis.File, init *analysis.Function, env intEnv, n analysis.NodeID) (bool, bool) {
	t := f.Tree
	for c, p := n, t.Parent(n); p != analysis.NoNode && p != init.Node; c, p = p, t.Parent(p) {
		switch t.Kind(p) {
		case syntax.KindForStatement, syntax.KindWhileStatement, syntax.KindExceptClause, syntax.KindFinallyClause, syntax.KindMatchStatement:
			return false, false
		case syntax.KindIfStatement:
			taken, ok := takenBranch(f, init, env, p)
			if !ok {
				return false, false
			}
			if taken == analysis.NoNode || !t.Contains(taken, c) {
				return false, true
			}
		}
	}
	return true, true
}

// takenBranch returns the block an if statement runs (NoNode: none), deciding its
// conditions on the constructor's constants.
func takenBranch(f *analysis.File, init *analysis.Function, env intEnv, st analysis.NodeID) (analysis.NodeID, bool) {
	return takenBranchIn(f, init, env, st, nil)
}

// takenBranchIn is takenBranch in function fn, with self's attributes read from the
// instance's constructor (nil: not read).
func takenBranchIn(f *analysis.File, init *analysis.Function, env intEnv, st analysis.NodeID, self *instance) (analysis.NodeID, bool) {
	t := f.Tree
	v, ok := evalCond(f, init, env, t.Field(st, syntax.FieldCondition), 0, self)
	if !ok {
		return analysis.NoNode, false
	}
	if v {
		return t.Field(st, syntax.FieldConsequence), true
	}
	taken, decided := analysis.NoNode, true
	t.Children(st, func(c analysis.NodeID) bool {
		switch t.Kind(c) {
		case syntax.KindElifClause:
			v, ok := evalCond(f, init, env, t.Field(c, syntax.FieldCondition), 0, self)
			if !ok {
				decided = false
				return false
			}
			if v {
				taken = t.Field(c, syntax.FieldConsequence)
				return false
			}
		case syntax.KindElseClause:
			taken = t.Field(c, syntax.FieldBody)
			return false
		}
		return true
	})
	return taken, decided
}

// module applies the module built by expression def (in df, a constructor's code whose
// parameters env binds) to in; site is the call that runs it.
func (w *minWalk) module(df *analysis.File, def analysis.NodeID, env intEnv, in *track, site analysis.NodeID, siteFile *analysis.File) *track {
	if in == nil || !w.tick() || len(w.stack) >= maxWalkDepth || w.nest >= maxNest {
		return nil
	}
	w.nest++
	defer func() { w.nest-- }()
	t := df.Tree
	w.use(df, def)
	owner := df.Owner(def)
	def = df.BoundValue(owner, def)
	w.use(df, def)
	if t.Kind(def) != syntax.KindCall {
		return nil
	}
	c := w.prog.CurrentCallee(df.Callee(owner, def))
	if c.Class == nil && c.API == "" && c.Func == nil {
		// embed_layer(...) with embed_layer a constructor parameter given a class
		if callee := t.Unparen(t.Field(def, syntax.FieldFunction)); t.Kind(callee) == syntax.KindIdentifier && owner != nil && owner.Param(t.String(callee)) != nil {
			if v, ok := env[t.String(callee)]; ok && v.kind == valRef {
				c.ClassFile, c.Class = refClass(v, 0)
				c = w.prog.CurrentCallee(c)
			}
		}
	}
	w.useCallee(c)
	switch {
	case c.Class != nil && c.ClassFile != nil && c.ClassFile.IsModule(c.Class):
		fwd := c.ClassFile.Method(c.Class, "forward")
		if fwd == nil || len(fwd.Params) < 2 || fwd.Params[1].Kind != analysis.Positional {
			return nil
		}
		sub := &frame{f: c.ClassFile, fn: fwd, clsFile: c.ClassFile, cls: c.Class,
			env: bindInit(c.ClassFile, c.Class, df, owner, def, env), vars: map[string]*track{fwd.Params[1].Name: in}}
		return w.walk(sub)
	case c.API == "":
		return nil
	}
	layer, ok := strings.CutPrefix(c.API, "torch.nn.")
	if !ok {
		return nil
	}
	layer = layer[strings.LastIndexByte(layer, '.')+1:]
	if layer == "Sequential" {
		pos, kws := df.Args(def)
		if len(kws) > 0 {
			return nil
		}
		pos = orderedDictModules(df, owner, pos)
		cur := in
		for _, p := range pos {
			if t.Kind(p) == syntax.KindListSplat {
				return nil
			}
			if cur = w.module(df, p, env, cur, site, siteFile); cur == nil {
				return nil
			}
		}
		return cur
	}
	if a := torchsem.LookupAPI(c.API); a != nil && a.Rule == torchsem.RuleSame {
		return in
	}
	ops, ok := layerOps(df, owner, env, def, layer, in)
	if !ok {
		return nil
	}
	return w.apply(in, ops, site, siteFile, def, df)
}

// orderedDictModules reads nn.Sequential(OrderedDict([("name", module), ...])): the modules;
// other arguments are returned as they are.
func orderedDictModules(f *analysis.File, fn *analysis.Function, pos []analysis.NodeID) []analysis.NodeID {
	t := f.Tree
	if len(pos) != 1 || t.Kind(t.Unparen(pos[0])) != syntax.KindCall {
		return pos
	}
	call := t.Unparen(pos[0])
	if q := f.Resolve(t.Field(call, syntax.FieldFunction)); q != "collections.OrderedDict" {
		return pos
	}
	args, _ := f.Args(call)
	if len(args) != 1 {
		return nil
	}
	list := f.BoundValue(fn, args[0])
	if k := t.Kind(list); k != syntax.KindList && k != syntax.KindTuple {
		return nil
	}
	var out []analysis.NodeID
	ok := true
	t.Children(list, func(item analysis.NodeID) bool {
		if !t.IsNamed(item) || t.IsComment(item) {
			return true
		}
		if t.Kind(item) != syntax.KindTuple || t.NamedChildCount(item) != 2 {
			ok = false
			return false
		}
		out = append(out, t.NamedChild(item, 1))
		return true
	})
	if !ok {
		return nil
	}
	return out
}

// refClass resolves a name passed for a class (PatchEmbed, layers.PatchEmbed) to the
// project's class, following imports and re-exports.
func refClass(v pyVal, depth int) (*analysis.File, *analysis.Class) {
	f := v.file
	t := f.Tree
	n := t.Unparen(v.ref)
	switch t.Kind(n) {
	case syntax.KindIdentifier:
		name := t.String(n)
		if q, ok := f.ImportOf(n); ok {
			return classNamed(f.Program(), q, 0)
		}
		if b := f.BoundValue(v.scope, n); b != n && depth < 4 {
			return refClass(pyVal{kind: valRef, ref: b, file: f, scope: f.Owner(b)}, depth+1)
		}
		if c := f.ClassNamed(name); c != nil {
			return f, c
		}
	case syntax.KindAttribute:
		if f.IsImported(n) {
			return classNamed(f.Program(), f.Resolve(n), 0)
		}
	}
	return nil, nil
}

// classNamed finds the class a qualified name names in the program, through the imports
// that re-export it (timm.layers.PatchEmbed is timm.layers.patch_embed.PatchEmbed).
func classNamed(p *torchsem.Program, q string, depth int) (*analysis.File, *analysis.Class) {
	if depth > 8 {
		return nil, nil
	}
	for i := strings.LastIndexByte(q, '.'); i > 0; i = strings.LastIndexByte(q[:i], '.') {
		f := p.File(q[:i])
		if f == nil {
			continue
		}
		name := q[i+1:]
		if strings.Contains(name, ".") {
			return nil, nil // a member of a class
		}
		if c := f.ClassNamed(name); c != nil {
			return f, c
		}
		if target, ok := f.ModuleImports()[name]; ok && target != q {
			return classNamed(p, target, depth+1)
		}
		for _, star := range f.StarImports {
			if cf, c := classNamed(p, star+"."+name, depth+1); c != nil {
				return cf, c
			}
		}
		return nil, nil
	}
	return nil, nil
}

// window holds the per-dimension arguments of a convolution or pooling.
type window struct {
	k, s, p, d []int
	ceil       bool
	same       bool
}

// layerOps reads the size operations of a torch.nn layer's constructor call.
func layerOps(df *analysis.File, owner *analysis.Function, env intEnv, def analysis.NodeID, layer string, in *track) ([]sizeOp, bool) {
	nd := 0
	if n := len(layer); n > 2 && layer[n-1] == 'd' && layer[n-2] >= '1' && layer[n-2] <= '3' {
		nd = int(layer[n-2] - '0')
	}
	base := strings.TrimRight(layer, "123d")
	var names []string
	switch {
	case base == "Conv" && nd > 0:
		names = []string{"in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation"}
	case base == "MaxPool" && nd > 0:
		names = []string{"kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"}
	case base == "AvgPool" && nd > 0:
		names = []string{"kernel_size", "stride", "padding", "ceil_mode"}
	case layer == "Upsample":
		return scaleOps(df, owner, def, []string{"size", "scale_factor"}, 0, in)
	default:
		return nil, false
	}
	win, ok := readWindow(df, owner, env, def, names, 0, nd, base == "Conv")
	if !ok {
		return nil, false
	}
	return win.ops(in, nd), true
}

// readWindow reads kernel_size, stride, padding, dilation and ceil_mode of a call whose
// positional parameters are names (from skip on).
func readWindow(f *analysis.File, fn *analysis.Function, env intEnv, call analysis.NodeID, names []string, skip, nd int, conv bool) (window, bool) {
	t := f.Tree
	pos, kws, keys, ok := callArgs(f, fn, call)
	if !ok {
		return window{}, false
	}
	for _, n := range names {
		if keys[n] {
			return window{}, false // **d passes it
		}
	}
	arg := func(name string) analysis.NodeID {
		for i, n := range names {
			if n == name && i >= skip && i-skip < len(pos) {
				return pos[i-skip]
			}
		}
		for _, k := range kws {
			if n := t.Field(k, syntax.FieldName); n != analysis.NoNode && t.TextIs(n, name) {
				return t.Field(k, syntax.FieldValue)
			}
		}
		return analysis.NoNode
	}
	per := func(name string, def int) ([]int, bool) {
		n := arg(name)
		if n == analysis.NoNode || t.Kind(t.Unparen(n)) == syntax.KindNone {
			if def < 0 {
				return nil, false
			}
			return repeat(def, nd), true
		}
		v, ok := evalInts(f, fn, env, n, 0)
		switch {
		case !ok:
			return nil, false
		case len(v) == 1:
			return repeat(v[0], nd), true
		case len(v) == nd:
			return v, true
		}
		return nil, false
	}
	var w window
	if w.k, ok = per("kernel_size", -1); !ok {
		return w, false
	}
	stride := -1
	if !conv {
		if n := arg("stride"); n == analysis.NoNode || t.Kind(t.Unparen(n)) == syntax.KindNone {
			w.s = w.k // pooling: the stride defaults to the kernel size
		}
	} else {
		stride = 1
	}
	if w.s == nil {
		if w.s, ok = per("stride", stride); !ok {
			return w, false
		}
	}
	if pad := arg("padding"); pad != analysis.NoNode {
		if s, ok := pysem.StringLiteral(t, pad); ok {
			switch s {
			case "same":
				w.same = true
				w.p = repeat(0, nd)
			case "valid":
				w.p = repeat(0, nd)
			default:
				return w, false
			}
		}
	}
	if w.p == nil {
		if w.p, ok = per("padding", 0); !ok {
			return w, false
		}
	}
	if w.d, ok = per("dilation", 1); !ok {
		return w, false
	}
	if n := arg("ceil_mode"); n != analysis.NoNode {
		v, ok := evalInts(f, fn, env, n, 0)
		if !ok || len(v) != 1 {
			return w, false
		}
		w.ceil = v[0] != 0
	}
	for i := 0; i < nd; i++ {
		if w.k[i] < 1 || w.s[i] < 1 || w.p[i] < 0 || w.d[i] < 1 {
			return w, false
		}
	}
	return w, true
}

// callArgs returns a call's positional and keyword arguments and the keys its **d
// arguments pass, d bound to a dict literal with string keys (timm's dd = {'device':
// device, 'dtype': dtype}); false for *args or a **d whose keys cannot be read.
func callArgs(f *analysis.File, fn *analysis.Function, call analysis.NodeID) (pos, kws []analysis.NodeID, keys map[string]bool, ok bool) {
	t := f.Tree
	all, kw := f.Args(call)
	keys = map[string]bool{}
	for _, a := range append(all, kw...) {
		switch t.Kind(a) {
		case syntax.KindListSplat:
			return nil, nil, nil, false
		case syntax.KindDictionarySplat:
			d := f.BoundValue(fn, t.NamedChild(a, 0))
			if t.Kind(d) != syntax.KindDictionary {
				return nil, nil, nil, false
			}
			good := true
			t.Children(d, func(pair analysis.NodeID) bool {
				if !t.IsNamed(pair) || t.IsComment(pair) {
					return true
				}
				key, isStr := pysem.StringLiteral(t, t.Field(pair, syntax.FieldKey))
				good = t.Kind(pair) == syntax.KindPair && isStr
				keys[key] = true
				return good
			})
			if !good {
				return nil, nil, nil, false
			}
		case syntax.KindKeywordArgument:
			kws = append(kws, a)
		default:
			pos = append(pos, a)
		}
	}
	return pos, kws, keys, true
}

func repeat(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// ops turns a window into size operations on the tracked axes of in (the last nd axes).
func (w window) ops(in *track, nd int) []sizeOp {
	var out []sizeOp
	rank := in.rank
	if rank < nd {
		rank = nd + 2 // (N, C, *spatial)
	}
	for i := 0; i < nd; i++ {
		axis := rank - nd + i
		if dd, ok := in.in.Axes[axis]; !ok || !rangeChecked(dd) {
			continue
		}
		out = append(out, sizeOp{axis: axis, k: w.k[i], s: w.s[i], p: w.p[i], d: w.d[i], ceil: w.ceil, same: w.same})
	}
	return out
}

// scaleOps reads an interpolation's scale_factor (parameters names from skip on): a fixed
// size ends the track, a scale scales each spatial axis.
func scaleOps(f *analysis.File, fn *analysis.Function, call analysis.NodeID, names []string, skip int, in *track) ([]sizeOp, bool) {
	t := f.Tree
	pos, _ := f.Args(call)
	arg := func(name string) analysis.NodeID {
		for i, n := range names {
			if n == name && i >= skip && i-skip < len(pos) {
				return pos[i-skip]
			}
		}
		return f.KwArg(call, name)
	}
	if s := arg("size"); s != analysis.NoNode && t.Kind(t.Unparen(s)) != syntax.KindNone {
		return nil, false // a fixed output size: the dims no longer follow the input
	}
	sf := arg("scale_factor")
	if sf == analysis.NoNode {
		return nil, false
	}
	scales, ok := evalScale(f, fn, sf)
	if !ok {
		return nil, false
	}
	rank := in.rank
	if rank < 3 {
		rank = 4
	}
	nd := rank - 2
	if len(scales) == 1 {
		scales = make([]float64, nd)
		for i := range scales {
			scales[i] = mustScale(f, fn, sf)
		}
	}
	if len(scales) != nd {
		return nil, false
	}
	var out []sizeOp
	for i, s := range scales {
		axis := rank - nd + i
		if dd, ok := in.in.Axes[axis]; ok && rangeChecked(dd) {
			out = append(out, sizeOp{axis: axis, scale: s})
		}
	}
	return out, true
}

func mustScale(f *analysis.File, fn *analysis.Function, n analysis.NodeID) float64 {
	v, _ := evalScale(f, fn, n)
	return v[0]
}

// functional applies F.conv*d, F.*_pool*d or F.interpolate to in.
func (w *minWalk) functional(fr *frame, call analysis.NodeID, name string, nd int, in *track) *track {
	f := fr.f
	var ops []sizeOp
	ok := false
	switch {
	case name == "interpolate" || name == "upsample":
		ops, ok = scaleOps(f, fr.fn, call, []string{"input", "size", "scale_factor"}, 0, in)
	case strings.HasPrefix(name, "conv"):
		k, kok := weightKernel(fr, call, nd)
		if !kok {
			return nil
		}
		var win window
		if win, ok = convWindow(f, fr, call, nd, k); ok {
			ops = win.ops(in, nd)
		}
	case strings.HasPrefix(name, "max_pool"):
		var win window
		win, ok = readWindow(f, fr.fn, fr.env, call, []string{"input", "kernel_size", "stride", "padding", "dilation", "ceil_mode"}, 0, nd, false)
		if ok {
			ops = win.ops(in, nd)
		}
	case strings.HasPrefix(name, "avg_pool"):
		var win window
		win, ok = readWindow(f, fr.fn, fr.env, call, []string{"input", "kernel_size", "stride", "padding", "ceil_mode"}, 0, nd, false)
		if ok {
			ops = win.ops(in, nd)
		}
	}
	if !ok {
		return nil
	}
	return w.apply(in, ops, call, f, call, f)
}

// convWindow reads stride, padding and dilation of F.conv*d, with the kernel from its weight.
func convWindow(f *analysis.File, fr *frame, call analysis.NodeID, nd int, k []int) (window, bool) {
	t := f.Tree
	pos, kws, keys, ok := callArgs(f, fr.fn, call)
	if !ok || keys["stride"] || keys["padding"] || keys["dilation"] {
		return window{}, false
	}
	names := []string{"input", "weight", "bias", "stride", "padding", "dilation"}
	get := func(name string, def int) ([]int, bool) {
		n := analysis.NoNode
		for i, nm := range names {
			if nm == name && i < len(pos) {
				n = pos[i]
			}
		}
		for _, kw := range kws {
			if nn := t.Field(kw, syntax.FieldName); nn != analysis.NoNode && t.TextIs(nn, name) {
				n = t.Field(kw, syntax.FieldValue)
			}
		}
		if n == analysis.NoNode {
			return repeat(def, nd), true
		}
		if s, ok := pysem.StringLiteral(t, n); ok && name == "padding" && (s == "same" || s == "valid") {
			return repeat(0, nd), true
		}
		v, ok := evalInts(f, fr.fn, fr.env, n, 0)
		switch {
		case !ok:
			return nil, false
		case len(v) == 1:
			return repeat(v[0], nd), true
		case len(v) == nd:
			return v, true
		}
		return nil, false
	}
	win := window{k: k}
	if win.s, ok = get("stride", 1); !ok {
		return win, false
	}
	if win.p, ok = get("padding", 0); !ok {
		return win, false
	}
	if win.d, ok = get("dilation", 1); !ok {
		return win, false
	}
	if n := f.KwArg(call, "padding"); n != analysis.NoNode {
		if s, ok := pysem.StringLiteral(t, n); ok && s == "same" {
			win.same = true
		}
	} else if len(pos) > 4 {
		if s, ok := pysem.StringLiteral(t, pos[4]); ok && s == "same" {
			win.same = true
		}
	}
	return win, true
}

// weightKernel reads the kernel of F.conv*d from its weight: self.w built in __init__ as
// nn.Parameter(torch.randn(out, in, kh, kw)) with sizes the constructor knows.
func weightKernel(fr *frame, call analysis.NodeID, nd int) ([]int, bool) {
	f := fr.f
	pos, _ := f.Args(call)
	wt := f.KwArg(call, "weight")
	if len(pos) > 1 {
		wt = pos[1]
	}
	if wt == analysis.NoNode || fr.cls == nil {
		return nil, false
	}
	attr := f.SelfAttr(fr.fn, wt)
	if attr == "" {
		return nil, false
	}
	if a := fr.clsFile.Attr(fr.cls, attr); a.Kind != torchsem.AttrParameter {
		return nil, false
	}
	af, node, env, ok := attrDef(fr.clsFile, fr.cls, attr, fr.env)
	if !ok {
		return nil, false
	}
	at := af.Tree
	owner := af.Owner(node)
	param := at.Unparen(node)
	if at.Kind(param) != syntax.KindCall {
		return nil, false
	}
	ppos, _ := af.Args(param)
	if len(ppos) == 0 {
		return nil, false
	}
	ctor := af.BoundValue(owner, ppos[0])
	if at.Kind(ctor) != syntax.KindCall {
		return nil, false
	}
	switch af.Resolve(at.Field(ctor, syntax.FieldFunction)) {
	case "torch.randn", "torch.rand", "torch.zeros", "torch.ones", "torch.empty":
	default:
		return nil, false
	}
	cpos, _ := af.Args(ctor)
	var sizes []int
	for _, p := range cpos {
		v, ok := evalInts(af, owner, env, p, 0)
		if !ok {
			return nil, false
		}
		sizes = append(sizes, v...)
	}
	if len(sizes) != nd+2 {
		return nil, false
	}
	return sizes[2:], true
}

// apply appends operations to a track, recording the first operation that empties a
// declared dim at its lower bound.
func (w *minWalk) apply(in *track, ops []sizeOp, site analysis.NodeID, siteFile *analysis.File, def analysis.NodeID, defFile *analysis.File) *track {
	if len(ops) == 0 {
		return in
	}
	steps := make([]step, len(ops))
	for i, op := range ops {
		steps[i] = step{op: op, site: site, siteFile: siteFile, def: def, defFile: defFile}
	}
	out := in.with(steps...)
	for _, op := range ops {
		dd := in.in.Axes[op.axis]
		lo := lowerBound(dd)
		after := minInput(out.steps, op.axis)
		key := dimKey{in.decl, in.param, op.axis}
		if c := w.culprits[key]; c != nil {
			if c.total >= 0 && (after < 0 || after > c.total) {
				c.total = after
			}
			continue
		}
		if after >= 0 && after <= lo {
			continue // every declared size gets through
		}
		h := torchsem.DimHit{Ref: torchsem.Ref{Param: int16(in.param), Axis: int8(op.axis), Of: torchsem.RefDim}, Axis: op.axis, Decl: dd, Export: in.decl}
		w.culprits[key] = &culprit{step: step{op: op, site: site, siteFile: siteFile, def: def, defFile: defFile}, hit: h, need: after, total: after}
		w.order = append(w.order, key)
	}
	return out
}
