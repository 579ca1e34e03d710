package torchsem

import (
	"slices"
	"sync"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// This file reads what torch.nn containers (Sequential, ModuleList, ModuleDict) hold, from
// how __init__ (or a builder method it calls) constructs them, and runs calls through them:
// calling a Sequential runs its children in order, each on what the one before returns;
// calling a child of a ModuleList or ModuleDict (in a loop, by index or key) runs that child.
// Where the order is not known (a loop that appends several kinds of block), each child may
// receive what any of them returns; where a child is not known, what it returns is unknown.

// modRef is one module a container (or an expression) may be: a module class of the
// program, a torch.nn layer, or a container. The zero modRef is a module nothing is known of.
type modRef struct {
	class *Class
	file  *File // class's file
	layer string
	cont  *container
}

// child is one entry of a container: its key (a ModuleDict's, an OrderedDict's, the name
// given to add_module), "" when it has none, and the module.
type child struct {
	name string
	mod  modRef
}

// group is what one place of a container's construction adds: one child (one of several
// when a conditional expression picks it), or the children a loop or comprehension makes
// (many), which follow each other in an order the analysis does not know.
type group struct {
	children []child
	many     bool // repeated: each child may receive what any of the group returns
	maybe    bool // may add nothing: under a condition, or a loop that may not run
}

// modSet is what a callable expression may be when it names modules held by containers
// (self.blocks[i], a loop variable over self.blocks, self.body.s2d): calling it runs one of
// them.
type modSet struct {
	mods []modRef
}

// container is a torch.nn container construction: built on first use from the call that
// constructs it and the changes (append, extend, +=, item assignment) its function makes to
// where it is stored.
type container struct {
	kind string // "Sequential", "ModuleList" or "ModuleDict"
	file *File
	fn   *Function // the function constructing it, nil in a class body
	call NodeID    // the constructor call

	mu     sync.Mutex
	built  bool
	groups []group
}

// maxContainerDepth bounds the nesting followed while reading a construction: containers in
// containers, builder functions returning containers, names bound to them.
const maxContainerDepth = 6

// unknownGroup is one child nothing is known of.
var unknownGroup = group{children: []child{{}}}

// newContainer returns the container that call (a torch.nn container constructor, kind its
// class name) constructs inside fn of f.
func newContainer(f *File, fn *Function, call NodeID, kind string) *container {
	return &container{kind: kind, file: f, fn: fn, call: call}
}

// get returns the container's groups, reading them on first use. A construction read while
// it is being read (a container holding itself) is unknown.
func (c *container) get(e *evaluator) []group {
	c.mu.Lock()
	if c.built {
		g := c.groups
		c.mu.Unlock()
		return g
	}
	c.mu.Unlock()
	if slices.Contains(e.conts, c) || len(e.conts) >= maxContainerDepth {
		return []group{unknownGroup}
	}
	e.conts = append(e.conts, c)
	groups := e.readContainer(c, len(e.conts))
	e.conts = e.conts[:len(e.conts)-1]
	c.mu.Lock()
	if !c.built {
		c.groups, c.built = groups, true
	}
	g := c.groups
	c.mu.Unlock()
	return g
}

// readContainer reads a container's construction: the constructor's arguments, then what
// its function adds to where it is stored.
func (e *evaluator) readContainer(c *container, depth int) []group {
	f, fn, t := c.file, c.fn, c.file.Tree
	pos, kws := f.Args(c.call)
	var groups []group
	switch c.kind {
	case "Sequential":
		if len(pos) == 1 && t.Kind(pos[0]) != syntax.KindListSplat {
			if d, dfn, ok := e.dictExpr(f, fn, pos[0], depth); ok {
				groups = e.namedGroups(f, dfn, d, depth)
				break
			}
		}
		for _, a := range pos {
			if t.Kind(a) == syntax.KindListSplat {
				groups = append(groups, e.seqGroups(f, fn, t.NamedChild(a, 0), a, depth)...)
			} else {
				groups = append(groups, group{children: e.children(f, fn, a, depth)})
			}
		}
	case "ModuleList":
		if len(pos) > 0 {
			groups = e.seqGroups(f, fn, pos[0], c.call, depth)
		} else if len(kws) > 0 {
			groups = e.seqGroups(f, fn, t.Field(kws[0], syntax.FieldValue), c.call, depth)
		}
	case "ModuleDict":
		if len(pos) > 0 {
			groups = e.namedGroups(f, fn, pos[0], depth)
		} else if len(kws) > 0 {
			groups = e.namedGroups(f, fn, t.Field(kws[0], syntax.FieldValue), depth)
		}
	}
	if fn == nil {
		return groups
	}
	// where the container is stored (self.blocks = nn.ModuleList(), blocks = ...): what the
	// function then appends to it
	a := t.Parent(c.call)
	if t.Kind(a) != syntax.KindAssignment || t.Field(a, syntax.FieldRight) != c.call {
		return groups
	}
	target := t.Field(a, syntax.FieldLeft)
	end := t.SubtreeEnd(fn.Node)
	if t.Kind(target) == syntax.KindIdentifier {
		end = nextBinding(f, fn, target, end)
	}
	return append(groups, e.mutations(f, fn, target, a, end, c.kind == "ModuleDict", depth)...)
}

// nextBinding is where the name id binds is bound again in fn after id (end when it is not).
func nextBinding(f *File, fn *Function, id, end NodeID) NodeID {
	for _, b := range f.Scope(fn).Bindings(f.Tree.String(id)) {
		if b > id && b < end {
			return b
		}
	}
	return end
}

// children reads one child expression inside fn: the modules it may construct or name.
func (e *evaluator) children(f *File, fn *Function, x NodeID, depth int) []child {
	mods := e.modsOf(f, fn, x, depth)
	out := make([]child, len(mods))
	for i, m := range mods {
		out[i] = child{mod: m}
	}
	return out
}

// modsOf is what modules expression x (inside fn, where a container is built) may be:
// a constructor call, a layer, a nested container, a submodule attribute, a name bound to
// one of these, a builder function's result, either side of a conditional expression.
func (e *evaluator) modsOf(f *File, fn *Function, x NodeID, depth int) []modRef {
	t := f.Tree
	x = t.Unparen(x)
	if depth > maxContainerDepth {
		return []modRef{{}}
	}
	switch t.Kind(x) {
	case syntax.KindCall:
		callee := t.Field(x, syntax.FieldFunction)
		c := e.calleeOf(f, fn, callee, false)
		switch {
		case c.Class != nil && e.p.isModule(c.ClassFile, c.Class):
			return []modRef{{class: c.Class, file: c.ClassFile}}
		case c.API != "" && IsLayerContainer(c.API):
			return []modRef{{cont: newContainer(f, fn, x, layerName(c.API))}}
		case c.API != "" && IsLayer(c.API):
			return []modRef{{layer: c.API}}
		case c.Func != nil && c.Class == nil:
			// a builder (self._make_layer(...), make_stage(...)): what it returns
			var out []modRef
			for _, r := range c.File.OwnNodes(c.Func, syntax.KindReturnStatement) {
				if v := c.File.Tree.NamedChild(r, 0); v != NoNode {
					out = append(out, e.modsOf(c.File, c.Func, v, depth+1)...)
				}
			}
			if len(out) == 0 {
				return []modRef{{}}
			}
			return out
		}
		// block_fn(...) with block_fn=Block a parameter's default: that class, or what a
		// caller passes instead
		if m, ok := e.classParamDefault(f, fn, callee); ok {
			return []modRef{m, {}}
		}
	case syntax.KindIdentifier:
		if fn != nil {
			if id, scope := f.OnlyBinding(fn, t.String(x)); id != NoNode && scope == fn {
				if v := pysem.AssignedValue(t, id); v != NoNode {
					return e.modsOf(f, fn, v, depth+1)
				}
			}
		}
	case syntax.KindAttribute:
		if sc := f.selfClass(fn, t.Field(x, syntax.FieldObject)); sc != nil {
			if a := e.attr(f, sc, t.String(t.Field(x, syntax.FieldAttribute))); a.Kind == AttrSubmodule {
				return []modRef{attrMod(a)}
			}
		}
	case syntax.KindConditionalExpression:
		var out []modRef
		i := 0
		t.Children(x, func(c NodeID) bool {
			if t.IsNamed(c) && !t.IsComment(c) {
				if i != 1 {
					out = append(out, e.modsOf(f, fn, c, depth+1)...)
				}
				i++
			}
			return true
		})
		return out
	}
	return []modRef{{}}
}

// classParamDefault reads callee, a parameter of fn (block_fn, embed_layer) whose default
// names a module class, as that class.
func (e *evaluator) classParamDefault(f *File, fn *Function, callee NodeID) (modRef, bool) {
	t := f.Tree
	callee = t.Unparen(callee)
	if fn == nil || t.Kind(callee) != syntax.KindIdentifier {
		return modRef{}, false
	}
	p := fn.Param(t.String(callee))
	if p == nil || p.Default == NoNode {
		return modRef{}, false
	}
	return e.classRef(f, fn, p.Default)
}

// classRef reads an expression naming a module class (Block, layers.Block) or a torch.nn
// layer class (nn.GELU).
func (e *evaluator) classRef(f *File, fn *Function, x NodeID) (modRef, bool) {
	t := f.Tree
	x = t.Unparen(x)
	switch t.Kind(x) {
	case syntax.KindIdentifier, syntax.KindAttribute:
	default:
		return modRef{}, false
	}
	if t.Kind(x) == syntax.KindIdentifier {
		if c := f.ClassNamed(t.String(x)); c != nil && f.Owner(c.Node) == nil {
			if f.IsModule(c) {
				return modRef{class: c, file: f}, true
			}
			return modRef{}, false
		}
	}
	if !f.IsImported(x) {
		return modRef{}, false
	}
	q := f.Resolve(x)
	if IsLayer(q) && !IsLayerContainer(q) {
		return modRef{layer: q}, true
	}
	if cf, sym := e.p.lookup(q); cf != nil {
		if c, ok := sym.(*Class); ok && cf.IsModule(c) {
			return modRef{class: c, file: cf}, true
		}
	}
	return modRef{}, false
}

// attrMod is the module a submodule attribute holds.
func attrMod(a Attr) modRef {
	switch {
	case a.cont != nil:
		return modRef{cont: a.cont}
	case a.Class != nil:
		return modRef{class: a.Class, file: a.ClassFile}
	case a.Layer != "":
		return modRef{layer: a.Layer}
	}
	return modRef{}
}

// seqGroups reads a sequence of modules (a list literal, a comprehension, a name bound to a
// list built in fn, list concatenation) used at node use.
func (e *evaluator) seqGroups(f *File, fn *Function, x, use NodeID, depth int) []group {
	t := f.Tree
	x = t.Unparen(x)
	if depth > maxContainerDepth {
		return []group{unknownGroup}
	}
	switch t.Kind(x) {
	case syntax.KindList, syntax.KindTuple:
		var out []group
		t.Children(x, func(c NodeID) bool {
			if !t.IsNamed(c) || t.IsComment(c) {
				return true
			}
			if t.Kind(c) == syntax.KindListSplat {
				out = append(out, e.seqGroups(f, fn, t.NamedChild(c, 0), use, depth+1)...)
			} else {
				out = append(out, group{children: e.children(f, fn, c, depth+1)})
			}
			return true
		})
		return out
	case syntax.KindListComprehension, syntax.KindGeneratorExpression:
		return []group{{children: e.children(f, fn, t.Field(x, syntax.FieldBody), depth+1), many: true, maybe: !comprehensionRuns(f, x)}}
	case syntax.KindBinaryOperator:
		if t.Operator(x) == "+" {
			return append(e.seqGroups(f, fn, t.Field(x, syntax.FieldLeft), use, depth+1), e.seqGroups(f, fn, t.Field(x, syntax.FieldRight), use, depth+1)...)
		}
	case syntax.KindCall:
		callee := t.Unparen(t.Field(x, syntax.FieldFunction))
		if t.Kind(callee) == syntax.KindIdentifier && (t.TextIs(callee, "list") || t.TextIs(callee, "tuple")) && !f.IsImported(callee) {
			if pos, _ := f.Args(x); len(pos) == 1 {
				return e.seqGroups(f, fn, pos[0], use, depth+1)
			}
		}
		c := e.calleeOf(f, fn, callee, false)
		if c.Func != nil && c.Class == nil {
			var out []group
			rets := c.File.OwnNodes(c.Func, syntax.KindReturnStatement)
			for _, r := range rets {
				if v := c.File.Tree.NamedChild(r, 0); v != NoNode {
					g := e.seqGroups(c.File, c.Func, v, r, depth+1)
					if len(rets) > 1 {
						g = []group{merged(g)}
					}
					out = append(out, g...)
				}
			}
			if len(rets) > 1 {
				return []group{merged(out)}
			}
			if len(out) > 0 {
				return out
			}
		}
	case syntax.KindAttribute:
		for _, m := range e.modsOf(f, fn, x, depth+1) {
			if m.cont != nil && m.cont.kind != "ModuleDict" {
				return m.cont.get(e)
			}
		}
	case syntax.KindIdentifier:
		if fn == nil {
			break
		}
		base, ok := lastAssignment(f, fn, x, use)
		if !ok {
			break
		}
		v := pysem.AssignedValue(t, base)
		if k := t.Kind(t.Unparen(v)); k == syntax.KindCall {
			// a container constructed here and stored in the name: its own reading
			// includes what the function appends to it
			if ms := e.modsOf(f, fn, v, depth+1); len(ms) == 1 && ms[0].cont != nil {
				return ms[0].cont.get(e)
			}
		}
		out := e.seqGroups(f, fn, v, base, depth+1)
		return append(out, e.mutations(f, fn, x, t.Parent(base), use, false, depth)...)
	}
	return []group{unknownGroup}
}

// lastAssignment finds the plain assignment to the name x that a use of it at use reads: the
// last binding of the name in fn before use, when it is a plain assignment in a block that
// also holds use (not a branch the use may not follow).
func lastAssignment(f *File, fn *Function, x, use NodeID) (NodeID, bool) {
	t := f.Tree
	var last NodeID = NoNode
	for _, b := range f.Scope(fn).Bindings(t.String(x)) {
		if b < use {
			last = b
		}
	}
	if last == NoNode || pysem.AssignedValue(t, last) == NoNode {
		return NoNode, false
	}
	if block := t.Parent(t.Parent(t.Parent(last))); !t.Contains(block, use) {
		return NoNode, false
	}
	return last, true
}

// merged is groups as one group whose children come in any order and number.
func merged(groups []group) group {
	out := group{many: true, maybe: true}
	for _, g := range groups {
		out.children = append(out.children, g.children...)
	}
	return out
}

// comprehensionRuns reports whether a comprehension makes at least one element: it loops
// once over range(k) with k a literal of at least 1, without a filter.
func comprehensionRuns(f *File, x NodeID) bool {
	t := f.Tree
	clauses := 0
	runs := false
	t.Children(x, func(c NodeID) bool {
		switch t.Kind(c) {
		case syntax.KindForInClause:
			clauses++
			runs = rangeRuns(f, t.Field(c, syntax.FieldRight))
		case syntax.KindIfClause:
			clauses += 2
		}
		return true
	})
	return clauses == 1 && runs
}

// rangeRuns reports whether iterating over x runs at least once: range(k), k a literal >= 1.
func rangeRuns(f *File, x NodeID) bool {
	t := f.Tree
	x = t.Unparen(x)
	if t.Kind(x) != syntax.KindCall || !t.TextIs(t.Field(x, syntax.FieldFunction), "range") || f.IsImported(t.Field(x, syntax.FieldFunction)) {
		return false
	}
	pos, _ := f.Args(x)
	if len(pos) != 1 {
		return false
	}
	k, ok := pysem.IntLiteral(t, pos[0])
	return ok && k >= 1
}

// dictExpr resolves x (inside fn) to a dict-like expression of modules: a dict literal or
// comprehension, an OrderedDict(...) or dict(...) call, or a name bound to one of these. It
// returns the expression and the function it lies in.
func (e *evaluator) dictExpr(f *File, fn *Function, x NodeID, depth int) (NodeID, *Function, bool) {
	t := f.Tree
	x = t.Unparen(x)
	switch t.Kind(x) {
	case syntax.KindDictionary, syntax.KindDictionaryComprehension:
		return x, fn, true
	case syntax.KindCall:
		if isDictCall(f, x) {
			return x, fn, true
		}
	case syntax.KindIdentifier:
		if fn != nil && depth <= maxContainerDepth {
			if id, scope := f.OnlyBinding(fn, t.String(x)); id != NoNode && scope == fn {
				if v := pysem.AssignedValue(t, id); v != NoNode {
					return e.dictExpr(f, fn, v, depth+1)
				}
			}
		}
	}
	return NoNode, nil, false
}

// isDictCall reports whether call builds a dict: OrderedDict(...) or dict(...).
func isDictCall(f *File, call NodeID) bool {
	t := f.Tree
	callee := t.Unparen(t.Field(call, syntax.FieldFunction))
	if q := f.Resolve(callee); q == "collections.OrderedDict" || q == "typing.OrderedDict" {
		return true
	}
	return t.Kind(callee) == syntax.KindIdentifier && t.TextIs(callee, "dict") && !f.IsImported(callee)
}

// namedGroups reads a mapping of modules: a dict literal or comprehension, an OrderedDict or
// dict call (of a list of (name, module) pairs, or keywords), or a name bound to one of
// these; each named entry is a group of its own, in order.
func (e *evaluator) namedGroups(f *File, fn *Function, x NodeID, depth int) []group {
	t := f.Tree
	d, dfn, ok := e.dictExpr(f, fn, x, depth)
	if !ok {
		if t.Kind(t.Unparen(x)) == syntax.KindList || t.Kind(t.Unparen(x)) == syntax.KindTuple {
			return e.pairGroups(f, fn, t.Unparen(x), depth) // ModuleDict([("a", A()), ...])
		}
		return []group{unknownGroup}
	}
	fn = dfn
	switch t.Kind(d) {
	case syntax.KindDictionary:
		var out []group
		t.Children(d, func(p NodeID) bool {
			switch {
			case t.Kind(p) == syntax.KindPair:
				name, _ := f.stringLit(t.Field(p, syntax.FieldKey))
				out = append(out, named(name, e.children(f, fn, t.Field(p, syntax.FieldValue), depth+1)))
			case t.IsNamed(p) && !t.IsComment(p):
				out = append(out, group{children: []child{{}}, many: true, maybe: true}) // **other
			}
			return true
		})
		return e.withMutations(f, fn, d, out, depth)
	case syntax.KindDictionaryComprehension:
		var kids []child
		if p := t.Field(d, syntax.FieldBody); t.Kind(p) == syntax.KindPair {
			kids = e.children(f, fn, t.Field(p, syntax.FieldValue), depth+1)
		} else {
			kids = []child{{}}
		}
		return []group{{children: kids, many: true, maybe: !comprehensionRuns(f, d)}}
	case syntax.KindCall:
		pos, kws := f.Args(d)
		var out []group
		if len(pos) == 1 {
			out = e.pairGroups(f, fn, t.Unparen(pos[0]), depth)
		} else if len(pos) > 1 {
			out = []group{unknownGroup}
		}
		for _, k := range kws {
			if name := t.Field(k, syntax.FieldName); name != NoNode {
				out = append(out, named(t.String(name), e.children(f, fn, t.Field(k, syntax.FieldValue), depth+1)))
			} else {
				out = append(out, group{children: []child{{}}, many: true, maybe: true})
			}
		}
		return e.withMutations(f, fn, d, out, depth)
	}
	return []group{unknownGroup}
}

// withMutations adds what fn does to the dict built at d after building it (d["k"] = M()).
func (e *evaluator) withMutations(f *File, fn *Function, d NodeID, groups []group, depth int) []group {
	t := f.Tree
	if fn == nil {
		return groups
	}
	a := t.Parent(d)
	if t.Kind(a) != syntax.KindAssignment || t.Field(a, syntax.FieldRight) != d || t.Kind(t.Field(a, syntax.FieldLeft)) != syntax.KindIdentifier {
		return groups
	}
	target := t.Field(a, syntax.FieldLeft)
	return append(groups, e.mutations(f, fn, target, a, nextBinding(f, fn, target, t.SubtreeEnd(fn.Node)), true, depth)...)
}

// pairGroups reads a list of (name, module) pairs.
func (e *evaluator) pairGroups(f *File, fn *Function, x NodeID, depth int) []group {
	t := f.Tree
	switch t.Kind(x) {
	case syntax.KindList, syntax.KindTuple:
	case syntax.KindListComprehension, syntax.KindGeneratorExpression:
		var kids []child
		if b := t.Unparen(t.Field(x, syntax.FieldBody)); t.Kind(b) == syntax.KindTuple && t.NamedChildCount(b) == 2 {
			kids = e.children(f, fn, t.NamedChild(b, 1), depth+1)
		} else {
			kids = []child{{}}
		}
		return []group{{children: kids, many: true, maybe: !comprehensionRuns(f, x)}}
	default:
		return []group{unknownGroup}
	}
	var out []group
	t.Children(x, func(p NodeID) bool {
		if !t.IsNamed(p) || t.IsComment(p) {
			return true
		}
		p = t.Unparen(p)
		if t.Kind(p) != syntax.KindTuple || t.NamedChildCount(p) != 2 {
			out = append(out, unknownGroup)
			return true
		}
		name, _ := f.stringLit(t.NamedChild(p, 0))
		out = append(out, named(name, e.children(f, fn, t.NamedChild(p, 1), depth+1)))
		return true
	})
	return out
}

// named is a group of one child with a name (or one of several, all under that name).
func named(name string, kids []child) group {
	for i := range kids {
		kids[i].name = name
	}
	return group{children: kids}
}

// mutation is one change fn makes to a container or list: the groups it adds, where, and
// the loop it repeats in.
type mutation struct {
	at     NodeID
	groups []group
	loop   NodeID // the outermost loop (below the base's block) it lies in, or NoNode
	maybe  bool   // under a condition
}

// mutations reads what fn adds to target (a name or self.attr) between from and to: append,
// extend, +=, insert (which makes the order unknown), item assignment, update, add_module.
// Additions in one loop form one group, repeated in any order.
func (e *evaluator) mutations(f *File, fn *Function, target, from, to NodeID, dict bool, depth int) []group {
	t := f.Tree
	var muts []mutation
	unordered := false
	base := t.Parent(t.Parent(from)) // the block holding the construction
	add := func(at NodeID, groups []group) {
		loop, maybe := enclosing(f, fn, at, base)
		muts = append(muts, mutation{at: at, groups: groups, loop: loop, maybe: maybe})
	}
	for _, call := range f.OwnNodes(fn, syntax.KindCall) {
		if call <= from || call >= to {
			continue
		}
		callee := t.Unparen(t.Field(call, syntax.FieldFunction))
		if t.Kind(callee) != syntax.KindAttribute || !sameTarget(t, t.Field(callee, syntax.FieldObject), target) {
			continue
		}
		pos, _ := f.Args(call)
		switch t.String(t.Field(callee, syntax.FieldAttribute)) {
		case "append":
			if len(pos) == 1 {
				add(call, []group{{children: e.children(f, fn, pos[0], depth+1)}})
			}
		case "extend":
			if len(pos) == 1 {
				add(call, e.seqGroups(f, fn, pos[0], call, depth+1))
			}
		case "insert":
			if len(pos) == 2 {
				unordered = true
				add(call, []group{{children: e.children(f, fn, pos[1], depth+1)}})
			}
		case "update":
			if len(pos) == 1 {
				add(call, e.namedGroups(f, fn, pos[0], depth+1))
			}
		case "add_module", "register_module":
			if len(pos) == 2 {
				name, _ := f.stringLit(pos[0])
				add(call, []group{named(name, e.children(f, fn, pos[1], depth+1))})
			}
		}
	}
	for _, a := range f.OwnNodes(fn, syntax.KindAugmentedAssignment) {
		if a > from && a < to && augOp(t, a) == "+" && sameTarget(t, t.Field(a, syntax.FieldLeft), target) {
			add(a, e.seqGroups(f, fn, t.Field(a, syntax.FieldRight), a, depth+1))
		}
	}
	if dict {
		for _, a := range f.OwnNodes(fn, syntax.KindAssignment) {
			left := t.Field(a, syntax.FieldLeft)
			if a <= from || a >= to || t.Kind(left) != syntax.KindSubscript || !sameTarget(t, t.Field(left, syntax.FieldValue), target) {
				continue
			}
			name, _ := f.stringLit(t.Field(left, syntax.FieldSubscript))
			add(a, []group{named(name, e.children(f, fn, t.Field(a, syntax.FieldRight), depth+1))})
		}
	}
	if len(muts) == 0 {
		return nil
	}
	slices.SortFunc(muts, func(a, b mutation) int { return int(a.at) - int(b.at) })
	var out []group
	if unordered {
		var all []group
		for _, m := range muts {
			all = append(all, m.groups...)
		}
		return []group{merged(all)}
	}
	for i := 0; i < len(muts); {
		m := muts[i]
		if m.loop == NoNode {
			for _, g := range m.groups {
				g.maybe = g.maybe || m.maybe
				out = append(out, g)
			}
			i++
			continue
		}
		// every change in one loop: one group, repeated in any order
		var in []group
		j := i
		for ; j < len(muts) && muts[j].loop == m.loop; j++ {
			in = append(in, muts[j].groups...)
		}
		g := merged(in)
		g.maybe = m.maybe || !rangeRuns(f, t.Field(m.loop, syntax.FieldRight)) || t.Kind(m.loop) != syntax.KindForStatement
		for _, x := range muts[i:j] {
			g.maybe = g.maybe || x.maybe
		}
		out = append(out, g)
		i = j
	}
	return out
}

// enclosing returns the outermost loop between n and block (n's ancestors below it), and
// whether a condition (if, try, match) lies between them.
func enclosing(f *File, fn *Function, n, block NodeID) (loop NodeID, maybe bool) {
	t := f.Tree
	loop = NoNode
	for p := t.Parent(n); p != NoNode && p != block && p != fn.Node; p = t.Parent(p) {
		switch t.Kind(p) {
		case syntax.KindForStatement, syntax.KindWhileStatement:
			loop = p
		case syntax.KindIfStatement, syntax.KindElifClause, syntax.KindElseClause, syntax.KindTryStatement,
			syntax.KindExceptClause, syntax.KindMatchStatement, syntax.KindCaseClause, syntax.KindConditionalExpression:
			maybe = true
		}
	}
	return loop, maybe
}

// sameTarget reports whether x is the name or self.attr target is.
func sameTarget(t *syntax.Tree, x, target NodeID) bool {
	x, target = t.Unparen(x), t.Unparen(target)
	if t.Kind(x) != t.Kind(target) {
		return false
	}
	switch t.Kind(x) {
	case syntax.KindIdentifier:
		return t.String(x) == t.String(target)
	case syntax.KindAttribute:
		return t.String(t.Field(x, syntax.FieldAttribute)) == t.String(t.Field(target, syntax.FieldAttribute)) &&
			sameTarget(t, t.Field(x, syntax.FieldObject), t.Field(target, syntax.FieldObject))
	}
	return false
}
