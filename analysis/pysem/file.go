// Package pysem is the Python semantics of one file, with no torch knowledge: the index of
// its syntax tree (nodes by kind, the function owning each node, line starts), its imports
// resolved to qualified names (aliases and relative imports included), its classes and
// functions with their parameters and decorators, and name lookup through scopes.
//
// Start with NewFile. A File is immutable once built and safe for concurrent reads; package
// torchsem adds what torch.export sees on top of it.
package pysem

import (
	"bytes"
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// NodeID is re-exported so rules rarely need to import syntax for the type alone.
type NodeID = syntax.NodeID

// NoNode is the absent node.
const NoNode = syntax.NoNode

// File is one parsed Python file with its module model. It is immutable once built and
// safe for concurrent reads.
type File struct {
	Tree   *syntax.Tree
	Src    []byte
	Module Module // the module the file is, when known (relative imports resolve against it)
	// Path is where the file lives, for reports that point into it from another file; set
	// by whoever reads the file, before linking. "" when unknown.
	Path string
	// Cells are a notebook's code cells when the file is the module package notebook
	// makes of them, in order; nil for a Python file. Set with Path.
	Cells []Cell
	// Imports maps each local name any import statement of the file binds to its qualified
	// name ("T" -> "torch", "cond" -> "functorch.experimental.control_flow.cond"), those
	// inside functions included; ImportOf says what an identifier refers to where it lies.
	Imports map[string]string
	// ImportList holds the same bindings in source order, with where each comes from.
	ImportList []Import
	// moduleImports is Imports without the bindings of imports inside functions, which bind
	// their names in that function only; nil when the file has none (Imports is then it).
	moduleImports map[string]string
	// ImportedModules are dotted modules of plain imports beyond their first name
	// (import a.b.c imports a.b.c but binds only a).
	ImportedModules []string
	// StarImports are the modules of "from m import *", resolved like other from-imports.
	StarImports []string
	Classes     []*Class // in source order
	// Funcs holds every function definition and lambda, outermost first, in source order.
	Funcs []*Function

	classByName map[string]*Class
	topFuncs    map[string]*Function // module-level functions and lambdas bound to names
	byKind      [][]NodeID           // node ids per syntax kind, in source order
	owner       []int32              // innermost Funcs index containing each node, or -1
	storage     *indexStorage        // byKind, owner and lines, recycled by Release
	lines       []int                // byte offset of each line start
	scopes      scopeCache           // what each function binds, computed on demand (scope.go)
	names       nameIndex            // identifiers by text, built on first use (NamesIn)
	memo        memo                 // values rule helpers compute once per file (Memo)
}

// Class is a class definition.
type Class struct {
	Name    string
	Node    NodeID // the class_definition
	Bases   []string
	Methods map[string]*Function
	// InitAttrs maps the names of the self.x attributes __init__ assigns to the first value
	// assigned (what they hold at run time is torchsem.File.Attr's question).
	InitAttrs map[string]NodeID
	bases     []NodeID
}

// Method returns the method of c named name, looking through base classes of this file.
func (f *File) Method(c *Class, name string) *Function {
	var m *Function
	f.Lineage(c, func(k *Class) bool {
		m = k.Methods[name]
		return m == nil
	})
	return m
}

// Lineage calls visit for c and then for its first base class defined in this file, and
// that class's, and so on, until visit returns false, a class has no such base, the chain
// comes back to a class it visited (class A(B) and class B(A) in broken code), or it has
// visited maxLineage classes (a generated chain of thousands of classes would otherwise
// make every lookup through it cost thousands of steps).
func (f *File) Lineage(c *Class, visit func(*Class) bool) {
	var buf [8]*Class // chains are short: no allocation for them
	seen := buf[:0]
	for k := c; k != nil && len(seen) < maxLineage && !slices.Contains(seen, k); {
		seen = append(seen, k)
		if !visit(k) {
			return
		}
		var next *Class
		for _, b := range k.Bases {
			if bc := f.classByName[b]; bc != nil && bc != k {
				next = bc
				break
			}
		}
		k = next
	}
}

// maxLineage bounds the classes one Lineage walk visits.
const maxLineage = 64

// ParamKind tells positional, *args, keyword-only and **kwargs parameters apart.
type ParamKind int

// Parameter kinds.
const (
	Positional ParamKind = iota
	VarPositional
	KeywordOnly
	VarKeyword
)

// Param is one function parameter.
type Param struct {
	Name    string
	Node    NodeID // the parameter node (identifier, default_parameter, ...)
	Default NodeID // the default value, or NoNode
	Type    NodeID // the annotation, or NoNode
	Kind    ParamKind
}

// Function is a def or a lambda.
type Function struct {
	Name   string // "<lambda>" for lambdas not bound to a name
	Node   NodeID // function_definition or lambda
	Body   NodeID // block, or the lambda's body expression
	Params []Param
	Class  *Class    // the class whose body defines it directly, or nil
	Parent *Function // the enclosing function, or nil
	// Decorators are the decorator expressions (without "@"), outermost first.
	Decorators   []NodeID
	ClassMethod  bool
	StaticMethod bool
	nested       map[string]*Function // the functions bound to names in its body; nil when none
	index        int
	// bound says the function binds its name where it is defined (a def, or a lambda
	// assigned to a name); top that it does so at module level (not in a class body)
	bound, top bool
	// qual is QualName, computed once (qualOnce); a copy made for the next text keeps it
	// (its names and nesting are the same)
	qualOnce sync.Once
	qual     string
	// locals is what the function binds itself (Shadowed), computed on first use
	// (localsDone, under localsMu); a copy made for the next text keeps it
	locals     localNames
	localsDone atomic.Bool
	localsMu   sync.Mutex
}

// Index is fn's position in File.Funcs.
func (fn *Function) Index() int { return fn.index }

// QualName is "Class.method", "outer.inner" or the plain name. Past maxQualNames names
// (lambdas nested thousands deep) the middle ones are left out ("f.g.….<lambda>.<lambda>"):
// every function's name then costs a bounded time and space, not one growing with its
// depth.
func (fn *Function) QualName() string {
	fn.qualOnce.Do(func() { fn.qual = fn.qualName() })
	return fn.qual
}

// keepQualName gives nf, a copy of fn made for the next text, fn's QualName (computing it
// if fn has not: each function's name is then spelled once for all the texts it is copied
// into, where replacing a file asked for every root function's at every keystroke).
func keepQualName(nf, fn *Function) {
	fn.qualOnce.Do(func() { fn.qual = fn.qualName() })
	nf.qualOnce.Do(func() { nf.qual = fn.qual })
}

func (fn *Function) qualName() string {
	n := 0 // names in the chain, innermost first
	for g := fn; g != nil; g = g.Parent {
		n++
		if g.Class != nil {
			n++
			break
		}
	}
	keep := maxQualNames / 2
	names := make([]string, 0, min(n, maxQualNames+1))
	i := 0
	add := func(name string) {
		switch {
		case n <= maxQualNames || i < keep || i >= n-keep:
			names = append(names, name)
		case i == keep:
			names = append(names, "…")
		}
		i++
	}
	for g := fn; g != nil; g = g.Parent {
		add(g.Name)
		if g.Class != nil {
			add(g.Class.Name)
			break
		}
	}
	slices.Reverse(names)
	return strings.Join(names, ".")
}

// SameQualName reports whether fn and g have the same chain of names up to their class,
// without building QualName: they then have the same QualName (the converse may fail for
// chains QualName shortens).
func (fn *Function) SameQualName(g *Function) bool {
	a, b := fn, g
	for a != nil && b != nil {
		if a.Name != b.Name || (a.Class == nil) != (b.Class == nil) {
			return false
		}
		if a.Class != nil {
			return a.Class.Name == b.Class.Name
		}
		a, b = a.Parent, b.Parent
	}
	return a == nil && b == nil
}

// maxQualNames is the most names QualName joins.
const maxQualNames = 8

// Param returns the parameter named name, or nil.
func (fn *Function) Param(name string) *Param {
	for i := range fn.Params {
		if fn.Params[i].Name == name {
			return &fn.Params[i]
		}
	}
	return nil
}

// IsMethod reports whether fn is defined directly in a class body.
func (fn *Function) IsMethod() bool { return fn.Class != nil }

// Method returns the class method fn belongs to, looking out through nested functions.
func (fn *Function) Method() *Function {
	for f := fn; f != nil; f = f.Parent {
		if f.Class != nil {
			return f
		}
	}
	return nil
}

// SelfName is the name of the first parameter of the enclosing method ("self", "cls"), or "".
func (fn *Function) SelfName() string {
	m := fn.Method()
	if m == nil || m.StaticMethod || len(m.Params) == 0 {
		return ""
	}
	return m.Params[0].Name
}

// NewFile builds the model of a parsed tree of module mod (the zero Module when unknown).
func NewFile(tree *syntax.Tree, mod Module) *File {
	f, _ := NewFileContext(context.Background(), tree, mod)
	return f
}

// NewFileContext is NewFile stopping early, with ctx's error, once ctx is done: the editor
// cancels the analysis of a text a newer change supersedes.
func NewFileContext(ctx context.Context, tree *syntax.Tree, mod Module) (*File, error) {
	f := &File{
		Tree: tree, Src: tree.Source(), Module: mod, Imports: map[string]string{},
		classByName: map[string]*Class{}, topFuncs: map[string]*Function{},
	}
	if err := f.index(ctx); err != nil {
		f.Release()
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		f.Release()
		return nil, err
	}
	f.collect()
	return f, nil
}

// CancelEvery is how many steps of a long loop run between two looks at the context.
const CancelEvery = 1 << 12

// indexStorage holds the arrays of a File's index, which Release recycles: they are the
// model's largest allocations, and a batch run makes one set per file.
type indexStorage struct {
	byKind  [][]NodeID
	backing []NodeID
	owner   []int32
	lines   []int
}

var indexPool sync.Pool

// reuseSlice returns (*s)[:n], reallocating *s when it is too small.
func reuseSlice[E any](s *[]E, n int) []E {
	if cap(*s) < n {
		*s = make([]E, n)
	}
	return (*s)[:n]
}

// Release recycles f's index for the next NewFile. f must not be used afterwards; a
// batch caller that is done with each file calls it.
func (f *File) Release() {
	if f.storage != nil {
		indexPool.Put(f.storage)
		f.storage, f.byKind, f.owner, f.lines = nil, nil, nil, nil
	}
}

// index records nodes by kind and the innermost function owning each node, in one pass.
func (f *File) index(ctx context.Context) error {
	t := f.Tree
	n := t.Len()
	// count named nodes per kind first, so that all per-kind lists share one allocation
	var counts [256]int32
	named := 0
	for id := NodeID(0); int(id) < n; id++ {
		if k := t.Kind(id); int(k) < len(counts) && t.IsNamed(id) {
			counts[k]++
			named++
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	st, _ := indexPool.Get().(*indexStorage)
	if st == nil {
		st = &indexStorage{byKind: make([][]NodeID, len(counts))}
	}
	f.storage = st
	backing := reuseSlice(&st.backing, named)
	f.byKind = st.byKind
	off := int32(0)
	for k, c := range counts {
		f.byKind[k] = backing[off : off : off+c]
		off += c
	}
	f.owner = reuseSlice(&st.owner, n)
	f.lines = reuseSlice(&st.lines, bytes.Count(f.Src, []byte{'\n'})+1)[:1]
	f.lines[0] = 0
	f.lines = syntax.AppendLineStarts(f.lines, f.Src, 0)
	if err := f.indexFuncs(ctx, 0, NodeID(n), true); err != nil {
		return err
	}
	return nil
}

// indexFuncs sets the owner of the nodes lo .. hi-1 (the whole tree, or whole children of
// the root) and appends a Function to f.Funcs for each def and lambda among them, in
// pre-order; with byKind it also appends each named node to f.byKind.
func (f *File) indexFuncs(ctx context.Context, lo, hi NodeID, byKind bool) error {
	t := f.Tree
	type open struct {
		end NodeID
		fn  int32
	}
	stack := make([]open, 0, 32)
	cur := int32(-1)
	for id := lo; id < hi; id++ {
		if id%CancelEvery == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		for len(stack) > 0 && id >= stack[len(stack)-1].end {
			stack = stack[:len(stack)-1]
			cur = -1
			if len(stack) > 0 {
				cur = stack[len(stack)-1].fn
			}
		}
		k := t.Kind(id)
		if byKind && int(k) < len(f.byKind) && t.IsNamed(id) {
			f.byKind[k] = append(f.byKind[k], id)
		}
		f.owner[id] = cur
		if k == syntax.KindFunctionDefinition || k == syntax.KindLambda {
			fn := &Function{Node: id, index: len(f.Funcs)}
			if cur >= 0 {
				fn.Parent = f.Funcs[cur]
			}
			f.Funcs = append(f.Funcs, fn)
			cur = int32(fn.index)
			stack = append(stack, open{t.SubtreeEnd(id), cur})
			// the function node itself belongs to its parent scope
			if fn.Parent != nil {
				f.owner[id] = int32(fn.Parent.index)
			} else {
				f.owner[id] = -1
			}
		}
	}
	return nil
}

// collect fills imports, classes and function details.
func (f *File) collect() {
	f.collectImports()
	for _, id := range f.byKind[syntax.KindClassDefinition] {
		f.Classes = append(f.Classes, f.newClass(id))
	}
	for _, fn := range f.Funcs {
		f.describe(fn)
	}
	// what resolves through the imports asks the scopes, which need every function described
	for _, c := range f.Classes {
		f.resolveBases(c)
	}
	for _, fn := range f.Funcs {
		f.resolveDecorators(fn)
	}
	f.link()
	for _, c := range f.Classes {
		f.initAttrs(c)
	}
}

// newClass describes the class defined by the class_definition id, but for its methods and
// attributes (link and initAttrs) and what its bases resolve to (resolveBases).
func (f *File) newClass(id NodeID) *Class {
	t := f.Tree
	c := &Class{Node: id, Methods: map[string]*Function{}, InitAttrs: map[string]NodeID{}}
	if n := t.Field(id, syntax.FieldName); n != NoNode {
		c.Name = t.String(n)
	}
	if sup := t.Field(id, syntax.FieldSuperclasses); sup != NoNode {
		t.Children(sup, func(b NodeID) bool {
			if t.IsNamed(b) && t.Kind(b) != syntax.KindKeywordArgument && !t.IsComment(b) {
				c.bases = append(c.bases, b)
			}
			return true
		})
	}
	return c
}

// link fills the maps that name classes and functions, in source order (where a name is
// defined twice the first definition is the one found, but for module-level functions:
// the last).
func (f *File) link() {
	for _, c := range f.Classes {
		if _, dup := f.classByName[c.Name]; !dup && f.owner[c.Node] < 0 {
			f.classByName[c.Name] = c
		}
	}
	for _, fn := range f.Funcs {
		switch {
		case fn.bound && fn.Parent != nil:
			if _, dup := fn.Parent.nested[fn.Name]; !dup {
				if fn.Parent.nested == nil {
					fn.Parent.nested = map[string]*Function{}
				}
				fn.Parent.nested[fn.Name] = fn
			}
		case fn.top:
			f.topFuncs[fn.Name] = fn
		}
		if c := fn.Class; c != nil {
			if _, dup := c.Methods[fn.Name]; !dup {
				c.Methods[fn.Name] = fn
			}
		}
	}
}

// initAttrs fills c.InitAttrs from the assignments to self's attributes in its __init__.
func (f *File) initAttrs(c *Class) {
	t := f.Tree
	init := c.Methods["__init__"]
	if init == nil {
		return
	}
	self := init.SelfName()
	for _, a := range f.NodesIn(init, syntax.KindAssignment) {
		left := t.Field(a, syntax.FieldLeft)
		if left != NoNode && t.Kind(left) == syntax.KindAttribute {
			obj := t.Field(left, syntax.FieldObject)
			if obj != NoNode && t.TextIs(obj, self) {
				attr := t.Field(left, syntax.FieldAttribute)
				if _, seen := c.InitAttrs[t.String(attr)]; !seen {
					c.InitAttrs[t.String(attr)] = t.Field(a, syntax.FieldRight)
				}
			}
		}
	}
}

// resolveDecorators sets whether fn's decorators make it a class or static method, as the
// file's imports resolve their names.
func (f *File) resolveDecorators(fn *Function) {
	fn.ClassMethod, fn.StaticMethod = false, false
	for _, e := range fn.Decorators {
		switch f.Resolve(e) {
		case "classmethod":
			fn.ClassMethod = true
		case "staticmethod":
			fn.StaticMethod = true
		}
	}
}

// resolveBases fills c.Bases: its base class expressions as the file's imports resolve them
// (nil for a class without bases).
func (f *File) resolveBases(c *Class) {
	if c.bases == nil {
		return
	}
	c.Bases = make([]string, len(c.bases))
	for i, b := range c.bases {
		c.Bases[i] = f.Resolve(b)
	}
}

// describe fills a function's name, parameters, decorators and scope links (but what the
// decorators resolve to: resolveDecorators).
func (f *File) describe(fn *Function) {
	t := f.Tree
	id := fn.Node
	fn.Body = t.Field(id, syntax.FieldBody)
	if t.Kind(id) == syntax.KindLambda {
		fn.Name = "<lambda>"
		// a lambda bound to a name: f = lambda x: ...
		if p := t.Parent(id); p != NoNode && t.Kind(p) == syntax.KindAssignment && t.FieldOf(id) == syntax.FieldRight {
			if l := t.Field(p, syntax.FieldLeft); l != NoNode && t.Kind(l) == syntax.KindIdentifier {
				fn.Name = t.String(l)
				f.bindName(fn)
			}
		}
	} else if n := t.Field(id, syntax.FieldName); n != NoNode {
		fn.Name = t.String(n)
		f.bindName(fn)
	}
	// decorators live on the enclosing decorated_definition
	if p := t.Parent(id); p != NoNode && t.Kind(p) == syntax.KindDecoratedDefinition {
		t.Children(p, func(d NodeID) bool {
			if t.Kind(d) == syntax.KindDecorator {
				if e := t.NamedChild(d, 0); e != NoNode {
					fn.Decorators = append(fn.Decorators, e)
				}
			}
			return true
		})
	}
	// class membership: the function (or its decorated_definition) sits in a class body
	def := id
	if p := t.Parent(id); p != NoNode && t.Kind(p) == syntax.KindDecoratedDefinition {
		def = p
	}
	if blk := t.Parent(def); blk != NoNode && t.Kind(blk) == syntax.KindBlock {
		if cls := t.Parent(blk); cls != NoNode && t.Kind(cls) == syntax.KindClassDefinition {
			fn.Class = f.ClassOf(cls)
		}
	}
	params := t.Field(id, syntax.FieldParameters)
	if params == NoNode {
		return
	}
	kind := Positional
	t.Children(params, func(p NodeID) bool {
		if !t.IsNamed(p) {
			return true
		}
		prm := Param{Node: p, Default: NoNode, Type: NoNode, Kind: kind}
		switch t.Kind(p) {
		case syntax.KindIdentifier:
			prm.Name = t.String(p)
		case syntax.KindTypedParameter:
			inner := t.NamedChild(p, 0)
			prm.Type = t.Field(p, syntax.FieldType)
			switch {
			case inner == NoNode:
			case t.Kind(inner) == syntax.KindListSplatPattern:
				prm.Kind, kind = VarPositional, KeywordOnly
				prm.Name = t.String(t.NamedChild(inner, 0))
			case t.Kind(inner) == syntax.KindDictionarySplatPattern:
				prm.Kind = VarKeyword
				prm.Name = t.String(t.NamedChild(inner, 0))
			default:
				prm.Name = t.String(inner)
			}
		case syntax.KindDefaultParameter, syntax.KindTypedDefaultParameter:
			if n := t.Field(p, syntax.FieldName); n != NoNode {
				prm.Name = t.String(n)
			}
			prm.Default = t.Field(p, syntax.FieldValue)
			prm.Type = t.Field(p, syntax.FieldType)
		case syntax.KindListSplatPattern:
			prm.Kind, kind = VarPositional, KeywordOnly
			if n := t.NamedChild(p, 0); n != NoNode {
				prm.Name = t.String(n)
			}
		case syntax.KindDictionarySplatPattern:
			prm.Kind = VarKeyword
			if n := t.NamedChild(p, 0); n != NoNode {
				prm.Name = t.String(n)
			}
		case syntax.KindKeywordSeparator:
			kind = KeywordOnly
			return true
		default:
			return true
		}
		if prm.Name != "" {
			fn.Params = append(fn.Params, prm)
		}
		return true
	})
}

// bindName records that fn binds its name, and whether at module level (link makes the
// maps).
func (f *File) bindName(fn *Function) {
	fn.bound = true
	// module level: not in a function, nor in a class body (class bodies are not functions)
	fn.top = fn.Parent == nil && f.owner[fn.Node] < 0 && f.Tree.Ancestor(fn.Node, syntax.KindClassDefinition) == NoNode
}

// Resolve returns the qualified name an identifier or attribute chain refers to through
// the file's imports: with "import torch as T", T.cond -> "torch.cond"; with "from torch
// import nn", nn.Module -> "torch.nn.Module". Names not bound by an import are returned as
// written ("round", "self.linear"); anything else (calls, subscripts) gives "".
func (f *File) Resolve(n NodeID) string {
	t := f.Tree
	n = t.Unparen(n)
	if n == NoNode {
		return ""
	}
	switch t.Kind(n) {
	case syntax.KindIdentifier:
		if q, ok := f.ImportOf(n); ok {
			return q
		}
		return t.String(n)
	case syntax.KindAttribute:
		// walk down the chain (a.b.c: c, then b, then a) rather than recurse
		var attrs []string
		for t.Kind(n) == syntax.KindAttribute {
			obj, attr := t.Field(n, syntax.FieldObject), t.Field(n, syntax.FieldAttribute)
			if obj == NoNode || attr == NoNode {
				return ""
			}
			attrs = append(attrs, t.String(attr))
			if n = t.Unparen(obj); n == NoNode {
				return ""
			}
		}
		base := f.Resolve(n)
		if base == "" {
			return ""
		}
		slices.Reverse(attrs)
		return base + "." + strings.Join(attrs, ".")
	case syntax.KindDottedName:
		return t.String(n)
	}
	return ""
}

// IsImported reports whether the identifier at the root of n's attribute chain is bound by
// an import (so Resolve's answer names a real module member, not a local variable).
func (f *File) IsImported(n NodeID) bool {
	t := f.Tree
	for n != NoNode && t.Kind(n) == syntax.KindAttribute {
		n = t.Field(n, syntax.FieldObject)
	}
	if n == NoNode || t.Kind(n) != syntax.KindIdentifier {
		return false
	}
	_, ok := f.ImportOf(n)
	return ok
}

// CallName returns the resolved name of a call's callee ("torch.sym_min", "round",
// "self.get_item"), or "" when n is not a call.
func (f *File) CallName(call NodeID) string {
	t := f.Tree
	if call == NoNode || t.Kind(call) != syntax.KindCall {
		return ""
	}
	return f.Resolve(t.Field(call, syntax.FieldFunction))
}

// Args returns a call's argument expressions split into positional and keyword ones
// (keyword_argument nodes). Splats (*a, **k) are positional entries of kind list_splat or
// dictionary_splat.
func (f *File) Args(call NodeID) (pos []NodeID, kw []NodeID) {
	t := f.Tree
	args := t.Field(call, syntax.FieldArguments)
	if args == NoNode {
		return nil, nil
	}
	t.Children(args, func(a NodeID) bool {
		if !t.IsNamed(a) || t.IsComment(a) {
			return true
		}
		if t.Kind(a) == syntax.KindKeywordArgument {
			kw = append(kw, a)
		} else {
			pos = append(pos, a)
		}
		return true
	})
	return pos, kw
}

// BindArgs binds a call's arguments to parameters as Python would: the i-th positional
// argument to params[i], a keyword argument to the parameter of that name ("mod|f" names
// a parameter with two accepted keywords). Parameters without an argument get NoNode. ok
// is false when the call unpacks arguments (*a, **k), which cannot be bound statically.
func (f *File) BindArgs(call NodeID, params ...string) (args []NodeID, ok bool) {
	t := f.Tree
	args = make([]NodeID, len(params))
	for i := range args {
		args[i] = NoNode
	}
	pos, kws := f.Args(call)
	for i, a := range pos {
		if k := t.Kind(a); k == syntax.KindListSplat || k == syntax.KindDictionarySplat {
			return nil, false
		}
		if i < len(args) {
			args[i] = a
		}
	}
	for _, k := range kws {
		n := t.Field(k, syntax.FieldName)
		if n == NoNode {
			continue
		}
		for i, p := range params {
			for _, name := range strings.Split(p, "|") {
				if t.TextIs(n, name) {
					args[i] = t.Field(k, syntax.FieldValue)
				}
			}
		}
	}
	return args, true
}

// KwArg returns the value of the keyword argument name in a call, or NoNode.
func (f *File) KwArg(call NodeID, name string) NodeID {
	_, kws := f.Args(call)
	for _, k := range kws {
		if n := f.Tree.Field(k, syntax.FieldName); n != NoNode && f.Tree.TextIs(n, name) {
			return f.Tree.Field(k, syntax.FieldValue)
		}
	}
	return NoNode
}

// FuncAt returns the Function whose def or lambda node is n, or nil.
func (f *File) FuncAt(n NodeID) *Function {
	i, ok := slices.BinarySearchFunc(f.Funcs, n, func(fn *Function, n NodeID) int { return int(fn.Node - n) })
	if !ok {
		return nil
	}
	return f.Funcs[i]
}

// Owner returns the innermost function containing node n (a def's own node belongs to the
// enclosing scope), or nil at module or class level.
func (f *File) Owner(n NodeID) *Function {
	if i := f.owner[n]; i >= 0 {
		return f.Funcs[i]
	}
	return nil
}

// ClassNamed returns the module-level class with that name, or nil.
func (f *File) ClassNamed(name string) *Class { return f.classByName[name] }

// ClassOf returns the Class whose class_definition node is n, or nil.
func (f *File) ClassOf(n NodeID) *Class {
	i, ok := slices.BinarySearchFunc(f.Classes, n, func(c *Class, n NodeID) int { return int(c.Node - n) })
	if !ok {
		return nil
	}
	return f.Classes[i]
}

// TopFunc returns the module-level function (or named lambda) called name, or nil.
func (f *File) TopFunc(name string) *Function { return f.topFuncs[name] }

// LookupFunc resolves a name used inside fn to a function: nested functions of fn and its
// enclosing functions first, then module-level ones.
func (f *File) LookupFunc(fn *Function, name string) *Function {
	for s := fn; s != nil; s = s.Parent {
		if g := s.nested[name]; g != nil {
			return g
		}
	}
	return f.topFuncs[name]
}

// Nodes returns all named nodes of kind k in the file, in source order.
func (f *File) Nodes(k syntax.Kind) []NodeID {
	if int(k) < len(f.byKind) {
		return f.byKind[k]
	}
	return nil
}

// NodesIn returns the named nodes of kind k inside fn (nested functions included).
func (f *File) NodesIn(fn *Function, k syntax.Kind) []NodeID {
	all := f.Nodes(k)
	lo, hi := fn.Node, f.Tree.SubtreeEnd(fn.Node)
	i := searchNodes(all, lo)
	j := searchNodes(all, hi)
	return all[i:j]
}

func searchNodes(a []NodeID, x NodeID) int {
	lo, hi := 0, len(a)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if a[m] < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// OwnNodes is NodesIn without the nodes of nested functions and lambdas.
func (f *File) OwnNodes(fn *Function, k syntax.Kind) []NodeID {
	var out []NodeID
	for _, n := range f.NodesIn(fn, k) {
		if f.owner[n] == int32(fn.index) {
			out = append(out, n)
		}
	}
	return out
}

// Cell is one code cell of a notebook in the module of its code cells: the offset in Src
// where its text starts (always a line start), and the number users know it by, its
// position among the notebook's cells from 1 (check's "nb.ipynb:cell 3:2:5").
type Cell struct{ Start, Number int }

// Place names byte offset off for messages: "export.py:12"; "nb.ipynb:cell 2:3" (the cell,
// and the line in it) in a notebook's module ("cell 2:3" without a path); "line 12" in a
// file with neither a path nor a module (an editor buffer never saved, a test's source). Paths are cut to their base
// name: messages stay short, and related information carries the full path.
func (f *File) Place(off int) string {
	path := BaseName(f.Path)
	if path == "" {
		path = f.Module.Name
	}
	line, cell := f.Line(off), ""
	if i := sort.Search(len(f.Cells), func(i int) bool { return f.Cells[i].Start > off }) - 1; i >= 0 {
		c := f.Cells[i]
		line -= f.Line(c.Start)
		cell = "cell " + strconv.Itoa(c.Number) + ":"
	}
	switch {
	case path != "":
		return path + ":" + cell + strconv.Itoa(line+1)
	case cell != "":
		return cell + strconv.Itoa(line+1) // a notebook never saved
	}
	return "line " + strconv.Itoa(line+1)
}

// BaseName is the last element of a slash- or backslash-separated path: how messages name
// a file.
func BaseName(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[i+1:]
	}
	return path
}

// Line returns the 0-based line of byte offset off.
func (f *File) Line(off int) int {
	lo, hi := 0, len(f.lines)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if f.lines[m] <= off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo - 1
}

// LineStart returns the byte offset where 0-based line l starts.
func (f *File) LineStart(l int) int {
	if l < 0 {
		return 0
	}
	if l >= len(f.lines) {
		return len(f.Src)
	}
	return f.lines[l]
}

// LineCount is the number of lines.
func (f *File) LineCount() int { return len(f.lines) }

// Indent returns the leading whitespace of the line holding byte offset off.
func (f *File) Indent(off int) string {
	s := f.LineStart(f.Line(off))
	e := s
	for e < len(f.Src) && (f.Src[e] == ' ' || f.Src[e] == '\t') {
		e++
	}
	return string(f.Src[s:e])
}
