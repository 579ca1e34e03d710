package pysem

import (
	"sync"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// Scope is what one function (or the module) binds in its own namespace: its parameters,
// assignment, loop, with, walrus and del targets, imports, and the names of the functions
// and classes it defines; not the names it declares global or nonlocal, not comprehension
// variables (each comprehension is a scope of its own), not a nested class body's names.
// A Scope is immutable.
type Scope struct {
	Func     *Function             // nil for the module
	bindings map[string][]NodeID   // binding identifiers per name, in source order
	declared map[string]SyntaxDecl // global and nonlocal declarations
}

// SyntaxDecl is how a function declares a name it does not bind itself.
type SyntaxDecl uint8

// Declarations.
const (
	NotDeclared SyntaxDecl = iota
	DeclaredGlobal
	DeclaredNonlocal
)

// Binds reports whether the scope binds name.
func (s *Scope) Binds(name string) bool { return len(s.bindings[name]) > 0 }

// Bindings returns the identifiers that bind name in the scope, in source order: a
// parameter, a target, an import's local name, a def or class name.
func (s *Scope) Bindings(name string) []NodeID { return s.bindings[name] }

// Declared says whether the scope declares name global or nonlocal.
func (s *Scope) Declared(name string) SyntaxDecl { return s.declared[name] }

// scopeCache holds the Scopes computed so far (File.Scope fills it on demand, so that a
// File stays safe for concurrent reads).
type scopeCache struct {
	mu     sync.Mutex
	byFunc map[*Function]*Scope
	module *Scope
}

// Scope returns what fn binds (fn nil: the module), computed once.
func (f *File) Scope(fn *Function) *Scope {
	c := &f.scopes
	c.mu.Lock()
	if fn == nil && c.module != nil {
		s := c.module
		c.mu.Unlock()
		return s
	}
	if s := c.byFunc[fn]; s != nil {
		c.mu.Unlock()
		return s
	}
	c.mu.Unlock()
	s := f.buildScope(fn)
	c.mu.Lock()
	defer c.mu.Unlock()
	if fn == nil {
		if c.module == nil {
			c.module = s
		}
		return c.module
	}
	if c.byFunc == nil {
		c.byFunc = map[*Function]*Scope{}
	}
	if old := c.byFunc[fn]; old != nil {
		return old
	}
	c.byFunc[fn] = s
	return s
}

func (f *File) buildScope(fn *Function) *Scope {
	t := f.Tree
	s := &Scope{Func: fn, bindings: map[string][]NodeID{}}
	var ids []NodeID
	if fn == nil {
		for _, id := range f.Nodes(syntax.KindIdentifier) {
			if f.owner[id] < 0 {
				ids = append(ids, id)
			}
		}
	} else {
		ids = f.OwnNodes(fn, syntax.KindIdentifier)
	}
	var limit NodeID = NoNode // the scope's node: class bodies and comprehensions below it are other scopes
	if fn != nil {
		limit = fn.Node
	}
	for _, id := range ids {
		p := t.Parent(id)
		switch t.Kind(p) {
		case syntax.KindGlobalStatement, syntax.KindNonlocalStatement:
			if s.declared == nil {
				s.declared = map[string]SyntaxDecl{}
			}
			d := DeclaredGlobal
			if t.Kind(p) == syntax.KindNonlocalStatement {
				d = DeclaredNonlocal
			}
			s.declared[t.String(id)] = d
			continue
		case syntax.KindFunctionDefinition:
			if fn != nil && p == fn.Node {
				continue // fn's own name binds in the enclosing scope
			}
		}
		if !IsBinding(t, id) || inInnerScope(t, id, limit) {
			continue
		}
		name := t.String(id)
		s.bindings[name] = append(s.bindings[name], id)
	}
	// nested defs: their name identifier lies inside the def, which belongs to the def
	for _, g := range f.Funcs {
		if g.Parent != fn || g.Class != nil || t.Kind(g.Node) != syntax.KindFunctionDefinition {
			continue
		}
		if fn == nil && (f.owner[g.Node] >= 0 || t.Ancestor(g.Node, syntax.KindClassDefinition) != NoNode) {
			continue
		}
		if n := t.Field(g.Node, syntax.FieldName); n != NoNode {
			s.bindings[g.Name] = insertSorted(s.bindings[g.Name], n)
		}
	}
	for name := range s.declared {
		delete(s.bindings, name)
	}
	return s
}

// inInnerScope reports whether binding identifier id lies in a scope nested inside the
// scope node limit (NoNode: the module) other than a function: a comprehension's target, or
// a class body's names (the class's own name binds outside it).
func inInnerScope(t *syntax.Tree, id, limit NodeID) bool {
	c := id
	for p := t.Parent(id); p != NoNode && p != limit; c, p = p, t.Parent(p) {
		switch t.Kind(p) {
		case syntax.KindForInClause:
			if t.FieldOf(c) == syntax.FieldLeft {
				return true
			}
		case syntax.KindClassDefinition:
			if t.FieldOf(c) != syntax.FieldName {
				return true
			}
		}
	}
	return false
}

func insertSorted(list []NodeID, n NodeID) []NodeID {
	i := 0
	for i < len(list) && list[i] < n {
		i++
	}
	list = append(list, NoNode)
	copy(list[i+1:], list[i:])
	list[i] = n
	return list
}

// Binder returns the function whose scope a name used inside fn refers to: fn itself or
// the nearest enclosing function that binds it. It returns nil when the name is the
// module's (or a builtin): no function on the way binds it, or one declares it global.
func (f *File) Binder(fn *Function, name string) *Function {
	for s := fn; s != nil; s = s.Parent {
		sc := f.Scope(s)
		if sc.Declared(name) == DeclaredGlobal {
			return nil
		}
		if sc.Binds(name) {
			return s
		}
	}
	return nil
}

// OnlyBinding returns the one identifier that binds name in the scope a use inside fn
// refers to (see Binder; the module's when no function binds it), and that scope's
// function. It returns NoNode when that scope binds the name more than once or as a
// parameter, or not at all.
func (f *File) OnlyBinding(fn *Function, name string) (NodeID, *Function) {
	s := f.Binder(fn, name)
	if s != nil && s.Param(name) != nil {
		return NoNode, s
	}
	b := f.Scope(s).Bindings(name)
	if len(b) != 1 {
		return NoNode, s
	}
	return b[0], s
}

// ReachingBinding is OnlyBinding for a read of name at node at inside fn that also
// follows a name bound several times, as scripts and notebooks rebind model, x or a Dim
// from one export to the next: when the read lies in the binding scope itself (not in a
// function nested in it), it returns the last binding before the read if that is a plain
// assignment statement of a block around the read (the scope's body, or the body of an
// if, a loop, a with or a try holding the read too) that the read does not lie in, and
// nothing may have bound the name since: no binding between them, none later in a loop
// around the read, no star import since, and no function declaring the name global or
// nonlocal (a call could rebind it). It returns NoNode, and the scope's function,
// otherwise.
func (f *File) ReachingBinding(fn *Function, name string, at NodeID) (NodeID, *Function) {
	s := f.Binder(fn, name)
	if s != nil && s.Param(name) != nil {
		return NoNode, s
	}
	b := f.Scope(s).Bindings(name)
	if len(b) == 1 {
		return b[0], s // OnlyBinding's
	}
	if len(b) == 0 || s != fn {
		return NoNode, s
	}
	t := f.Tree
	pos := t.Start(at)
	last := -1
	for i, id := range b {
		// an assignment whose value holds the read binds after it (model = wrap(model))
		if t.Start(id) < pos && (AssignedValue(t, id) == NoNode || t.End(t.Parent(id)) <= pos) {
			last = i
		}
	}
	if last < 0 {
		return NoNode, s
	}
	id := b[last]
	body := t.Root()
	if s != nil {
		body = s.Body
	}
	// a statement of a block around the read (the scope's body, or the body of an if, a
	// loop, a with or a try that holds the read) binds the name whenever the read runs
	a := t.Parent(id)
	if AssignedValue(t, id) == NoNode || t.Kind(t.Parent(a)) != syntax.KindExpressionStatement ||
		!t.Contains(t.Parent(t.Parent(a)), at) || !t.Contains(body, at) {
		return NoNode, s
	}
	// a later binding in a loop around the read reaches it from the loop's last round
	for _, later := range b[last+1:] {
		for l := t.Parent(at); l != NoNode && l != body; l = t.Parent(l) {
			if k := t.Kind(l); (k == syntax.KindForStatement || k == syntax.KindWhileStatement) &&
				t.Start(l) <= t.Start(later) && t.End(later) <= t.End(l) {
				return NoNode, s
			}
		}
	}
	for _, w := range f.Nodes(syntax.KindWildcardImport) {
		if t.Start(w) > t.Start(id) && t.Start(w) < pos {
			return NoNode, s
		}
	}
	for _, k := range []syntax.Kind{syntax.KindGlobalStatement, syntax.KindNonlocalStatement} {
		for _, g := range f.Nodes(k) {
			for c := g + 1; c < t.SubtreeEnd(g); c++ {
				if t.Kind(c) == syntax.KindIdentifier && t.TextIs(c, name) {
					return NoNode, s
				}
			}
		}
	}
	return id, s
}

// AssignedValue returns the value of the plain assignment whose whole target is identifier
// id (the last right-hand side of a = b = value), or NoNode for any other binding.
func AssignedValue(t *syntax.Tree, id NodeID) NodeID {
	if id == NoNode {
		return NoNode
	}
	a := t.Parent(id)
	if t.Kind(a) != syntax.KindAssignment || t.FieldOf(id) != syntax.FieldLeft {
		return NoNode
	}
	v := t.Field(a, syntax.FieldRight)
	for t.Kind(v) == syntax.KindAssignment {
		v = t.Field(v, syntax.FieldRight)
	}
	return v
}

// FreeVar is a name a nested function reads from an enclosing function: a closure
// variable.
type FreeVar struct {
	ID    NodeID    // its first use in the nested function
	Name  string    // the name
	Scope *Function // the enclosing function that binds it
}

// FreeVars returns the closure variables of g: the names g (or a function nested in it)
// reads, or declares nonlocal, that a function enclosing g binds; the first use of each,
// in source order.
func (f *File) FreeVars(g *Function) []FreeVar {
	if g.Parent == nil {
		return nil
	}
	t := f.Tree
	var out []FreeVar
	var seen map[string]bool
	for _, id := range f.NodesIn(g, syntax.KindIdentifier) {
		if !IsRead(t, id) && t.Kind(t.Parent(id)) != syntax.KindNonlocalStatement {
			continue
		}
		name := t.String(id)
		if seen[name] {
			continue
		}
		b := f.Binder(f.Owner(id), name)
		if b == nil || !encloses(b, g) || BoundByComprehension(t, id) {
			continue
		}
		if seen == nil {
			seen = map[string]bool{}
		}
		seen[name] = true
		out = append(out, FreeVar{ID: id, Name: name, Scope: b})
	}
	return out
}

// encloses reports whether outer is a strict enclosing function of g.
func encloses(outer, g *Function) bool {
	for p := g.Parent; p != nil; p = p.Parent {
		if p == outer {
			return true
		}
	}
	return false
}

// BoundByComprehension reports whether identifier id names a variable of a comprehension
// it lies in ([y * 2 for y in ys]: y): such a name is the comprehension's, not the
// function's.
func BoundByComprehension(t *syntax.Tree, id NodeID) bool {
	for p := t.Parent(id); p != NoNode; p = t.Parent(p) {
		switch t.Kind(p) {
		case syntax.KindListComprehension, syntax.KindSetComprehension, syntax.KindDictionaryComprehension, syntax.KindGeneratorExpression:
			bound := false
			t.Children(p, func(c NodeID) bool {
				if t.Kind(c) == syntax.KindForInClause {
					bound = BindsName(t, t.Field(c, syntax.FieldLeft), t.String(id))
				}
				return !bound
			})
			if bound {
				return true
			}
		case syntax.KindFunctionDefinition, syntax.KindLambda, syntax.KindClassDefinition, syntax.KindBlock, syntax.KindModule:
			return false
		}
	}
	return false
}

// BindsName reports whether the assignment target (or pattern) n binds name: the name
// itself, or a tuple or list pattern holding it. x[i] = v and x.a = v bind nothing.
func BindsName(t *syntax.Tree, n NodeID, name string) bool {
	if n == NoNode {
		return false
	}
	switch t.Kind(n) {
	case syntax.KindIdentifier:
		return t.TextIs(n, name)
	case syntax.KindPatternList, syntax.KindTuplePattern, syntax.KindListPattern, syntax.KindTuple, syntax.KindList,
		syntax.KindExpressionList, syntax.KindListSplatPattern, syntax.KindListSplat, syntax.KindParenthesizedExpression,
		syntax.KindAsPatternTarget:
		found := false
		t.Children(n, func(c NodeID) bool {
			if t.IsNamed(c) {
				found = BindsName(t, c, name)
			}
			return !found
		})
		return found
	}
	return false
}

// IsBinding reports whether identifier id binds the name it spells: an assignment, loop,
// with, except or walrus target (possibly inside a tuple or list pattern), a del target, a
// parameter, a def or class name, the local name of an import. Reads, attribute names,
// keyword-argument names and global/nonlocal declarations are not bindings.
func IsBinding(t *syntax.Tree, id NodeID) bool {
	p := t.Parent(id)
	if p == NoNode {
		return false
	}
	fo := t.FieldOf(id)
	switch t.Kind(p) {
	case syntax.KindNamedExpression, syntax.KindDefaultParameter, syntax.KindTypedDefaultParameter,
		syntax.KindFunctionDefinition, syntax.KindClassDefinition:
		return fo == syntax.FieldName
	case syntax.KindParameters, syntax.KindLambdaParameters, syntax.KindTypedParameter,
		syntax.KindDictionarySplatPattern:
		return fo != syntax.FieldType
	case syntax.KindAliasedImport:
		return fo == syntax.FieldAlias
	case syntax.KindDottedName:
		// import a.b binds a; from m import c binds c; module names bind nothing
		st := t.Parent(p)
		switch t.Kind(st) {
		case syntax.KindImportStatement:
			return t.FirstChild(p) == id
		case syntax.KindImportFromStatement:
			return t.FieldOf(p) == syntax.FieldName
		}
		return false
	}
	// a target, possibly inside tuple and list patterns
	c := id
	for {
		switch t.Kind(p) {
		case syntax.KindAssignment, syntax.KindAugmentedAssignment, syntax.KindForStatement, syntax.KindForInClause:
			return t.FieldOf(c) == syntax.FieldLeft
		case syntax.KindAsPatternTarget, syntax.KindDeleteStatement:
			return true
		case syntax.KindPatternList, syntax.KindTuplePattern, syntax.KindListPattern, syntax.KindListSplatPattern,
			syntax.KindTuple, syntax.KindList, syntax.KindExpressionList, syntax.KindParenthesizedExpression, syntax.KindListSplat:
			if t.Kind(p) == syntax.KindListSplatPattern {
				switch t.Kind(t.Parent(p)) {
				case syntax.KindParameters, syntax.KindLambdaParameters, syntax.KindTypedParameter:
					return true // *args
				}
			}
			c, p = p, t.Parent(p)
			if p == NoNode {
				return false
			}
		default:
			return false
		}
	}
}

// IsRead reports whether identifier id reads the variable it names: a use in an
// expression, or the target of an augmented assignment (x += 1 reads x). Bindings,
// attribute names, keyword-argument names, declarations and the parts of import statements
// are not reads.
func IsRead(t *syntax.Tree, id NodeID) bool {
	if t.FieldOf(id) == syntax.FieldAttribute {
		return false
	}
	p := t.Parent(id)
	switch t.Kind(p) {
	case syntax.KindKeywordArgument:
		return t.FieldOf(id) != syntax.FieldName
	case syntax.KindGlobalStatement, syntax.KindNonlocalStatement, syntax.KindDottedName, syntax.KindAliasedImport,
		syntax.KindImportPrefix:
		return false
	case syntax.KindAugmentedAssignment:
		return true
	}
	return !IsBinding(t, id)
}
