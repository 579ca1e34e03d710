package torchsem

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// Callee is what a call runs, as far as it is known statically.
type Callee struct {
	// API is the torch function or Tensor method ("torch.zeros", "torch.Tensor.size"), or "".
	API string
	// Builtin is the Python builtin called ("round", "len"), or "".
	Builtin string
	// File and Func are the project function it runs (a function, a method, a submodule's
	// forward, a class's __init__), or nil.
	File *File
	Func *Function
	// Bound is how many leading parameters of Func the call binds implicitly (self of a
	// method called on an instance, cls of a classmethod).
	Bound int
	// Layer is the torch.nn class whose instance is called ("torch.nn.Linear"), or "".
	Layer string
	// Class is the project class constructed (Func is then its __init__, if any), or nil.
	Class     *Class
	ClassFile *File
	// mods are the modules held by containers that the callable may be (self.body, a
	// Sequential; self.blocks[i]; a loop variable over self.blocks), or nil.
	mods *modSet
}

// calleeRef is a Callee kept for a callable expression of a file (File.callees). The Callee
// is never changed; own says whether it names something of the file (its functions, classes
// or containers): one that does not is shared with the file's next text (ReplaceFrom).
type calleeRef struct {
	c   *Callee
	own bool
}

// newCalleeRef keeps c, a Callee of an expression of f.
func newCalleeRef(f *File, c Callee) calleeRef {
	return calleeRef{c: &c, own: c.File == f || c.ClassFile == f || c.mods != nil}
}

// callee resolves the callable of a call inside fn.
func (e *evaluator) callee(f *File, fn *Function, call NodeID) Callee {
	return e.calleeOf(f, fn, f.Tree.Field(call, syntax.FieldFunction), true)
}

// calleeOf resolves an expression used as a callable inside fn. Without tensorMethods a
// method of a value is not looked up as a Tensor method (which evaluates the receiver):
// linking wants only the project functions a call runs.
func (e *evaluator) calleeOf(f *File, fn *Function, c NodeID, tensorMethods bool) Callee {
	c = f.Tree.Unparen(c)
	if c == NoNode {
		return Callee{}
	}
	// what a callee names depends on the program's structure only, not on values: linking
	// (one goroutine per file) memoises it, later queries read the memo
	var cached Callee
	if ref, ok := f.callees[c]; ok {
		cached = *ref.c
	} else {
		cached = e.resolveCallee(f, fn, c)
		if e.linking && e.l != nil && !e.l.frozen(f) {
			f.callees[c] = newCalleeRef(f, cached)
		}
	}
	if cached == (Callee{}) && tensorMethods {
		t := f.Tree
		if t.Kind(c) == syntax.KindAttribute && !f.IsImported(c) && e.expr(f, fn, t.Field(c, syntax.FieldObject)).May(Tensor) {
			return Callee{API: "torch.Tensor." + t.String(t.Field(c, syntax.FieldAttribute))}
		}
	}
	return cached
}

// resolveCallee resolves a callable expression to what it names (not Tensor methods).
func (e *evaluator) resolveCallee(f *File, fn *Function, c NodeID) Callee {
	t := f.Tree
	if c == NoNode {
		return Callee{}
	}
	switch t.Kind(c) {
	case syntax.KindIdentifier:
		name := t.String(c)
		if g := f.LookupFunc(fn, name); g != nil && !e.shadowed(f, fn, name, g) {
			return Callee{File: f, Func: g}
		}
		if cls := f.ClassNamed(name); cls != nil && f.Owner(cls.Node) == nil {
			return e.constructor(f, cls)
		}
		if q, ok := f.ImportOf(c); ok {
			return e.qualCallee(q)
		}
		// a name bound where it is used (a comprehension's variable) is not a builtin, whatever
		// the file imports (lookup counts imported names as bound)
		if _, local := e.lookup(f, fn, name); !local && !f.Shadowed(c) {
			// from pkg.mod import *: a name no statement of the file binds may be one of
			// the module's (a builtin otherwise)
			_, sf, sym := e.p.starImported(f, name)
			if c, ok := e.symbolCallee(sf, sym); ok {
				return c
			}
			return Callee{Builtin: name}
		}
		if ms := e.moduleSet(f, fn, c); ms != nil {
			return Callee{mods: ms} // for blk in self.blocks: blk(x)
		}
	case syntax.KindSubscript:
		if ms := e.moduleSet(f, fn, c); ms != nil {
			return Callee{mods: ms} // self.blocks[0](x), self.heads["cls"](x)
		}
	case syntax.KindLambda:
		return Callee{File: f, Func: f.FuncAt(c)}
	case syntax.KindAttribute:
		if f.IsImported(c) {
			return e.qualCallee(f.Resolve(c))
		}
		obj := t.Unparen(t.Field(c, syntax.FieldObject))
		attr := t.String(t.Field(c, syntax.FieldAttribute))
		// super().method(...)
		if t.Kind(obj) == syntax.KindCall && t.TextIs(t.Field(obj, syntax.FieldFunction), "super") {
			if m := fn.Method(); m != nil && m.Class != nil {
				if bf, bc := e.p.baseOf(f, m.Class); bc != nil {
					if gf, g := e.p.method(bf, bc, attr); g != nil {
						return Callee{File: gf, Func: g, Bound: 1}
					}
				}
			}
			return Callee{}
		}
		// self.method, cls.method, type(self).method, Class.method
		if cls := f.ClassOfReceiver(fn, obj); cls != nil {
			if gf, g := e.p.method(f, cls, attr); g != nil {
				bound := 0
				if !g.StaticMethod && (g.ClassMethod || f.selfClass(fn, obj) != nil) {
					bound = 1
				}
				return Callee{File: gf, Func: g, Bound: bound}
			}
			// self.submodule(...): the submodule's forward
			if sc := f.selfClass(fn, obj); sc != nil {
				if a := e.attr(f, sc, attr); a.Kind == AttrSubmodule {
					return e.moduleCall(a)
				}
			}
		}
		// self.submodule.forward(...), self.submodule.method(...)
		if t.Kind(obj) == syntax.KindAttribute {
			inner := t.Unparen(t.Field(obj, syntax.FieldObject))
			if sc := f.selfClass(fn, inner); sc != nil {
				if a := e.attr(f, sc, t.String(t.Field(obj, syntax.FieldAttribute))); a.Kind == AttrSubmodule && a.Class != nil {
					if gf, g := e.p.method(a.ClassFile, a.Class, attr); g != nil {
						return Callee{File: gf, Func: g, Bound: 1}
					}
				}
			}
		}
		// self.body.s2d(x), blk.attn(x): a module held by a container, or its submodule (a
		// name's bindings are looked at only when its value may be a module: x.view(...)
		// is the common case and must stay cheap)
		if f.selfClass(fn, obj) == nil && (t.Kind(obj) != syntax.KindIdentifier || e.expr(f, fn, obj).May(Module)) {
			if ms := e.moduleSet(f, fn, c); ms != nil {
				return Callee{mods: ms}
			}
		}
	}
	return Callee{}
}

// shadowed reports whether name, found as function g, is rebound by an assignment in the
// scope that looks it up first (handler = make_handler() shadows nothing we can call).
func (e *evaluator) shadowed(f *File, fn *Function, name string, g *Function) bool {
	return false
}

// moduleCall is the callee of calling a submodule.
func (e *evaluator) moduleCall(a Attr) Callee {
	if a.cont != nil {
		return Callee{Layer: a.Layer, mods: &modSet{mods: []modRef{{cont: a.cont}}}}
	}
	if a.Class != nil {
		if gf, g := e.p.method(a.ClassFile, a.Class, "forward"); g != nil {
			return Callee{File: gf, Func: g, Bound: 1}
		}
		return Callee{}
	}
	return Callee{Layer: a.Layer}
}

// constructor is the callee of calling class cls of file f.
func (e *evaluator) constructor(f *File, cls *Class) Callee {
	out := Callee{Class: cls, ClassFile: f}
	if gf, init := e.p.method(f, cls, "__init__"); init != nil {
		out.File, out.Func, out.Bound = gf, init, 1
	}
	return out
}

// symbolCallee is the callee a project symbol found by a lookup names (sf its file): the
// function, or the class's constructor; false for anything else.
func (e *evaluator) symbolCallee(sf *File, sym any) (Callee, bool) {
	switch s := sym.(type) {
	case *Function:
		return Callee{File: sf, Func: s}, sf != nil
	case *Class:
		return e.constructor(sf, s), sf != nil
	}
	return Callee{}, false
}

// qualCallee resolves a qualified name: a function or class of the project, or a torch API.
func (e *evaluator) qualCallee(q string) Callee {
	if c, ok := e.symbolCallee(e.p.lookup(q)); ok {
		return c
	}
	if funcAPI(q) != nil {
		return Callee{API: q}
	}
	if strings.HasPrefix(q, "math.") || strings.HasPrefix(q, "numpy.") || strings.HasPrefix(q, "np.") {
		return Callee{Builtin: q}
	}
	return Callee{}
}

// call is the value a call returns.
func (e *evaluator) call(f *File, fn *Function, call NodeID) Value {
	t := f.Tree
	pos, kws := f.Args(call)
	c := e.callee(f, fn, call)
	switch {
	case c.mods != nil:
		return e.callModules(f, fn, call, c.mods, nil)
	case c.Func != nil:
		ret := e.callFunc(f, fn, call, c)
		if c.Class != nil {
			if e.p.isModule(c.ClassFile, c.Class) {
				return Of(Module)
			}
			return Unknown
		}
		return ret
	case c.Class != nil:
		if e.p.isModule(c.ClassFile, c.Class) {
			return Of(Module)
		}
		return Unknown
	case c.Layer != "":
		return e.layerCall(f, fn, c.Layer, pos)
	case c.API != "" && isLayerClass(c.API):
		if a := LookupAPI(c.API); a != nil && a.Rule == RuleKind && a.Kind&Tensor != 0 {
			return Of(Tensor | StaticShape) // nn.Parameter, nn.Buffer
		}
		return Of(Module)
	case c.API != "":
		var recv NodeID = NoNode
		if strings.HasPrefix(c.API, "torch.Tensor.") {
			recv = t.Field(t.Unparen(t.Field(call, syntax.FieldFunction)), syntax.FieldObject)
		}
		return e.apiCall(f, fn, c.API, recv, pos, kws)
	case c.Builtin != "":
		return e.builtin(f, fn, c.Builtin, pos)
	}
	// calling a value: a module held in a local, a list element, a returned callable
	callee := t.Unparen(t.Field(call, syntax.FieldFunction))
	cv := e.expr(f, fn, callee)
	if t.Kind(callee) == syntax.KindAttribute {
		// a method of a value that is not a tensor: a list's .index(), a dict's .get()
		rv := e.expr(f, fn, t.Field(callee, syntax.FieldObject))
		if rv.Is(Data | Const) {
			return rv
		}
		if rv.May(Module) {
			return Of(Tensor | Other)
		}
		return Unknown
	}
	if cv.May(Module) {
		return Of(Tensor | TensorSeq | Other)
	}
	return Unknown
}

// passesFirst reports whether a call in fn (of f) of c passes its arguments before asking
// what c returns: while linking evaluates fn itself (traced), when c's return is not yet
// computed and linking may change c's state (not a module class's constructor, whose
// forward is a root of its own).
func (e *evaluator) passesFirst(f *File, fn *Function, c Callee) bool {
	l := e.l
	if !e.linking || l == nil || e.cur.f != f || e.cur.fn != fn || f.state(fn).why.Kind == NotTraced {
		return false
	}
	callee := funcRef{c.File, c.Func}
	if l.isFixed(callee) || c.File.state(c.Func).retSet {
		return false
	}
	return c.Class == nil || !e.p.isModule(c.ClassFile, c.Class)
}

// callFunc is what a call of a project function returns (linking passes the arguments on
// when it walks the caller's calls, see linker.process).
func (e *evaluator) callFunc(f *File, fn *Function, call NodeID, c Callee) Value {
	if e.passesFirst(f, fn, c) {
		// the callee's first return is computed with what this call passes, not with
		// its parameters' priors: a value tied to no input would stay in what it returns
		// (rebind), whichever order linking meets the functions in. linker.process
		// passes the arguments again once fn's scope is complete.
		e.l.mark(funcRef{c.File, c.Func}, Why{Kind: WhyCalled, from: e.cur, Site: call})
		e.p.passArgs(e, f, fn, call, c)
	}
	return e.p.retOf(e, c.File, c.Func).keepRoots(e.argRoots(input{f: f, fn: fn, call: call}))
}

// argRoots returns the roots whose inputs the arguments of in refer to.
func (e *evaluator) argRoots(in input) []int32 {
	if in.call == NoNode {
		return in.extra.addRoots(in.v.addRoots(nil))
	}
	t := in.f.Tree
	var roots []int32
	pos, kws := in.f.Args(in.call)
	for _, a := range append(pos, kws...) {
		switch t.Kind(a) {
		case syntax.KindListSplat, syntax.KindDictionarySplat:
			a = t.NamedChild(a, 0)
		case syntax.KindKeywordArgument:
			a = t.Field(a, syntax.FieldValue)
		}
		if a != NoNode {
			roots = e.expr(in.f, in.fn, a).addRoots(roots)
		}
	}
	return in.extra.addRoots(roots)
}

// argValues binds the arguments of call to the parameters of c.Func as Python would, and
// returns the value each parameter receives (zero for parameters the call does not pass,
// nil when the call unpacks arguments it cannot bind).
func (e *evaluator) argValues(f *File, fn *Function, call NodeID, c Callee) []Value {
	t := f.Tree
	g := c.Func
	pos, kws := f.Args(call)
	out := make([]Value, len(g.Params))
	if c.Bound > 0 && len(out) > 0 {
		if c.Class != nil || (g.Class != nil && !g.ClassMethod) {
			if c.ClassFile != nil && e.p.isModule(c.ClassFile, c.Class) || g.Class != nil && e.p.isModule(c.File, g.Class) {
				out[0] = Of(Module)
			} else {
				out[0] = Unknown
			}
		} else {
			out[0] = Unknown
		}
	}
	next := c.Bound
	for _, a := range pos {
		if k := t.Kind(a); k == syntax.KindListSplat || k == syntax.KindDictionarySplat {
			// *args: every remaining positional parameter may receive the elements
			v := e.iterElem(e.expr(f, fn, t.NamedChild(a, 0)))
			for i := next; i < len(g.Params); i++ {
				if g.Params[i].Kind == pysem.Positional || g.Params[i].Kind == pysem.VarPositional {
					out[i] = out[i].Join(v)
				}
			}
			return out
		}
		if next >= len(g.Params) {
			break
		}
		if g.Params[next].Kind == pysem.VarPositional { // *args collects the rest
			out[next] = out[next].Join(e.asElement(e.expr(f, fn, a)))
			continue
		}
		if g.Params[next].Kind != pysem.Positional {
			break
		}
		out[next] = e.expr(f, fn, a)
		next++
	}
	for _, k := range kws {
		name := t.Field(k, syntax.FieldName)
		if name == NoNode {
			continue
		}
		for i := range g.Params {
			if g.Params[i].Name == t.String(name) && g.Params[i].Kind != pysem.VarPositional && g.Params[i].Kind != pysem.VarKeyword {
				out[i] = e.expr(f, fn, t.Field(k, syntax.FieldValue))
			}
		}
	}
	return out
}

// apiCall is the value of a call of a torch function, or of a Tensor method on recv.
func (e *evaluator) apiCall(f *File, fn *Function, name string, recv NodeID, pos, kws []NodeID) Value {
	var a *API
	var rv Value
	if method, ok := strings.CutPrefix(name, "torch.Tensor."); ok {
		a = methodAPI(method)
		rv = e.expr(f, fn, recv)
	} else {
		a = funcAPI(name)
		if len(pos) > 0 {
			rv = e.expr(f, fn, pos[0]) // torch.abs(x): x plays the receiver
			pos = pos[1:]
		}
	}
	if a == nil {
		return Unknown
	}
	// a method the table knows, called on what may be a tensor: that value is a tensor here
	// (reading .size() or calling .float() on an input says it is one)
	if a.Rule != RuleMaybe && rv.May(Tensor) {
		rv = rv.As(rv.Kind & (Tensor | modifiers))
	}
	notTensor := rv.Without(Tensor | TensorSeq | modifiers)
	switch a.Rule {
	case RuleKind:
		return Of(a.Kind)
	case RuleSame:
		if !rv.May(Tensor) && !strings.HasPrefix(name, "torch.Tensor.") {
			return Of(Tensor) // torch.zeros_like(0) is not a thing; still a tensor
		}
		out := rv.As(rv.Kind & (Tensor | DataShaped | StaticShape))
		if rv.Kind&^(Tensor|modifiers) != 0 && strings.HasPrefix(name, "torch.Tensor.") {
			out = out.Join(notTensor.As(Other)) // the method of something else
		}
		return out
	case RuleShape:
		shape := e.shapeOf(rv)
		if len(pos) == 0 && len(kws) == 0 {
			return shape
		}
		k, ok := 0, false
		if len(pos) > 0 {
			k, ok = intLiteral(f.Tree, pos[0])
		}
		return e.dimAt(shape, k, ok)
	case RuleRank:
		return Of(StaticInt)
	case RuleNumel:
		shape := e.shapeOf(rv)
		return e.iterElem(shape)
	case RuleData:
		if rv.May(Tensor) {
			return Of(Data)
		}
		return Unknown
	case RuleReduce:
		if len(pos) == 0 && len(kws) == 0 {
			return Of(Tensor)
		}
		var dim NodeID
		if len(pos) > 0 {
			dim = pos[0]
		} else {
			for _, k := range kws {
				if f.Tree.TextIs(f.Tree.Field(k, syntax.FieldName), "dim") {
					dim = f.Tree.Field(k, syntax.FieldValue)
				}
			}
		}
		if dim != 0 && e.expr(f, fn, dim).May(Tensor) {
			return Of(Tensor) // torch.max(a, b): elementwise
		}
		return Of(TensorSeq)
	case RuleSymNum:
		v := rv
		for _, p := range pos {
			v = v.Join(e.expr(f, fn, p))
		}
		return v.As(v.Kind & (Sizes | StaticInt | Data | Float | Const))
	case RuleDataShaped:
		return Of(Tensor | DataShaped)
	case RuleMaybe:
		out := Value{}
		if rv.May(Tensor) {
			out = Of(Tensor | Other)
		}
		if rv.Kind&^(Tensor|modifiers) != 0 {
			out.Kind |= Other
		}
		return out
	}
	return Unknown
}

// shapeOf is the shape of a tensor value.
func (e *evaluator) shapeOf(rv Value) Value {
	if !rv.May(Tensor) {
		return Unknown
	}
	if rv.Kind&StaticShape != 0 {
		return Of(StaticInt)
	}
	out := rv.mapRefs(SizeSeq, func(r Ref) (Ref, bool) {
		if r.Of == RefInput {
			return Ref{Root: r.Root, Param: r.Param, Of: RefShape}, true
		}
		return r, false
	})
	if rv.Kind&DataShaped != 0 {
		out.Kind |= UnbackedSize
	}
	return out
}

// dimAt is one dimension of a shape value: shape[k] when known is true, some dimension
// otherwise.
func (e *evaluator) dimAt(shape Value, k int, ok bool) Value {
	out := Value{Kind: shape.Kind &^ SizeSeq, lost: shape.lost}
	if shape.Kind&SizeSeq != 0 {
		out.Kind |= Size
	}
	for _, r := range shape.Refs() {
		if r.Of == RefShape && ok {
			out = out.withRef(Ref{Root: r.Root, Param: r.Param, Axis: addAxis(r.Axis, k), Of: RefDim})
		} else {
			out = out.withRef(Ref{Root: r.Root, Param: r.Param, Of: RefDimAny})
		}
	}
	return out
}

// isLayerClass reports whether q names a class of torch.nn (a layer, or Parameter/Buffer).
func isLayerClass(q string) bool {
	rest, ok := strings.CutPrefix(q, "torch.nn.")
	if !ok || strings.HasPrefix(rest, "functional.") {
		return false
	}
	last := rest[strings.LastIndexByte(rest, '.')+1:]
	return last != "" && isUpper(last[0])
}

// layerCall is the value of calling an instance of the torch.nn class layer.
func (e *evaluator) layerCall(f *File, fn *Function, layer string, pos []NodeID) Value {
	if a := LookupAPI(layer); a != nil && a.Rule == RuleSame && len(pos) > 0 {
		return e.layerValue(layer, e.expr(f, fn, pos[0]), true)
	}
	return e.layerValue(layer, Value{}, false)
}

// layerValue is the value of calling an instance of the torch.nn class layer on v (when
// has: a call without arguments has none).
func (e *evaluator) layerValue(layer string, v Value, has bool) Value {
	a := LookupAPI(layer)
	if a == nil || (a.Rule == RuleKind && a.Kind == 0) {
		return Of(Tensor)
	}
	if a.Rule == RuleSame && has {
		if v.May(Tensor) {
			return v.As(v.Kind & (Tensor | DataShaped))
		}
		if v.Kind == 0 {
			// nothing known of the input yet (a result linking has not computed): not a
			// fresh shape either
			return Value{Kind: Tensor, passed: true}
		}
		return Of(Tensor)
	}
	if a.Rule == RuleKind {
		return Of(a.Kind)
	}
	return Of(Tensor)
}

// builtin is the value of a call of a Python builtin or a math/numpy function.
func (e *evaluator) builtin(f *File, fn *Function, name string, pos []NodeID) Value {
	args := Value{}
	for _, a := range pos {
		args = args.Join(e.expr(f, fn, a))
	}
	numbers := func(v Value) Value {
		k := v.Kind & (Sizes | StaticInt | Data | Float | Const)
		if v.Kind&SizeSeq != 0 {
			k = k&^SizeSeq | Size
		}
		if v.Kind&Tensor != 0 {
			k |= Data // int(t), float(t): a value read out of the tensor
		}
		if v.Kind&Other != 0 {
			k |= Other
		}
		out := v.As(k)
		if v.Kind&SizeSeq != 0 {
			out = out.Join(v.mapRefs(0, shapeToDims))
		}
		return out
	}
	switch name {
	case "len":
		if len(pos) != 1 {
			return Unknown
		}
		v := e.expr(f, fn, pos[0])
		var out Value
		switch {
		case v.Kind&SizeSeq != 0:
			out.Kind |= StaticInt // len(x.shape) is the rank
		}
		if v.Kind&Tensor != 0 {
			out = out.Join(e.dimAt(e.shapeOf(v), 0, true)) // len(x) is x.shape[0]
			if v.Kind&StaticShape != 0 {
				out = Of(StaticInt)
			}
			if v.Kind&DataShaped != 0 {
				out.Kind |= UnbackedSize
			}
		}
		if v.Kind&TensorSeq != 0 || v.Kind&Const != 0 {
			out.Kind |= StaticInt
		}
		if v.Kind&Data != 0 {
			out.Kind |= Data
		}
		if v.Kind&(Other|Module) != 0 {
			out.Kind |= Other
		}
		return out
	case "int", "float", "round", "abs", "min", "max", "sum", "pow", "divmod",
		"math.floor", "math.ceil", "math.sqrt", "math.log", "math.log2", "math.exp", "math.prod", "math.trunc", "math.gcd",
		"numpy.floor", "numpy.ceil", "numpy.sqrt", "numpy.prod":
		v := numbers(args)
		if name == "float" || name == "math.sqrt" || name == "math.log" || name == "math.log2" || name == "math.exp" {
			if v.Kind&Const != 0 {
				v.Kind = v.Kind&^Const | Float
			}
			if v.Kind&Size != 0 {
				v.Kind |= Float // a float computed from a size: no longer an integer size
			}
		}
		return v
	case "bool":
		return truthValue(args)
	case "range":
		v := numbers(args)
		return e.asElement(v) // a sequence of such numbers
	case "list", "tuple", "sorted", "reversed", "set", "iter":
		if len(pos) == 1 {
			v := e.expr(f, fn, pos[0])
			if v.Kind&Tensor != 0 && v.Kind&TensorSeq == 0 {
				v = e.asElement(e.iterElem(v)) // list(t): a list of its rows
			}
			return v
		}
		return Of(Const)
	case "enumerate", "zip":
		return Unknown
	case "isinstance", "hasattr", "callable", "issubclass", "str", "repr", "type", "id", "print":
		return Of(Const | Other)
	}
	if strings.HasPrefix(name, "math.") || strings.HasPrefix(name, "numpy.") {
		v := numbers(args)
		if FloatMath(name) && v.Kind&Size != 0 {
			v.Kind |= Float
		}
		return v
	}
	return Unknown
}

// intMath are the functions of Python's math module that return an int.
var intMath = map[string]bool{
	"math.floor": true, "math.ceil": true, "math.trunc": true, "math.prod": true, "math.isqrt": true,
	"math.gcd": true, "math.lcm": true, "math.comb": true, "math.perm": true, "math.factorial": true,
}

// FloatMath reports whether q names a function of Python's math module that returns a
// float (math.sqrt, math.log2, ...) or a bool (math.isclose), not an int.
func FloatMath(q string) bool {
	return strings.HasPrefix(q, "math.") && !intMath[q]
}
