package pysem

import (
	"bytes"
	"context"
	"maps"
	"slices"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// NewFileFrom builds the model of tree, a keystroke's reparse of prev's tree, reusing
// prev for the unchanged children of the module: what they hold (their nodes by kind, the
// functions owning each node, their classes and functions) is copied from prev with its
// NodeIDs moved as the tree moved them (syntax.Splice), and only the module-level
// statements the edit changed are described again. The result is the File NewFileContext
// builds for tree, which it falls back to whenever reuse is not safe: no prev, a tree not
// spliced from prev's, or another module. When the edit changed the imports, what the
// copies resolved through them (base classes, decorators) is resolved again where it names
// a changed import. prev is not modified and stays valid; the File returned does not refer
// to it, so a chain of keystrokes keeps one File alive, not all of them.
func NewFileFrom(ctx context.Context, prev *File, tree *syntax.Tree, mod Module) (*File, error) {
	sp := tree.Spliced()
	if prev == nil || sp == nil || !sp.From(prev.Tree) || prev.Module != mod || prev.storage == nil {
		return NewFileContext(ctx, tree, mod)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f := &File{
		Tree: tree, Src: tree.Source(), Module: mod, Imports: map[string]string{},
		classByName: map[string]*Class{}, topFuncs: map[string]*Function{},
	}
	s := splice{Splice: sp, prev: prev}
	if err := f.spliceIndex(ctx, &s); err != nil {
		f.Release()
		return nil, err
	}
	if s.importsKept(f) {
		f.Imports, f.ImportedModules, f.StarImports = prev.Imports, prev.ImportedModules, prev.StarImports
		f.ImportList, f.moduleImports = prev.ImportList, prev.moduleImports
		if s.Shift() != 0 {
			f.ImportList = slices.Clone(prev.ImportList)
			for i := range f.ImportList {
				f.ImportList[i].Node = s.id(f.ImportList[i].Node)
			}
		}
	} else if f.collectImports(); !maps.Equal(f.ModuleImports(), prev.ModuleImports()) {
		// the copies' bases and decorators naming what changed are resolved again (through
		// the module's imports: a function's own are in its text, which a copy keeps)
		s.rebind = reboundNames(prev.ModuleImports(), f.ModuleImports())
	}
	f.spliceCollect(&s)
	return f, nil
}

// importsKept reports whether neither the changed nodes nor those they replaced hold an
// import statement: the imports are then prev's (but for the statements' NodeIDs).
func (s *splice) importsKept(f *File) bool {
	for _, k := range []syntax.Kind{syntax.KindImportStatement, syntax.KindImportFromStatement} {
		if has(f.byKind[k], s.Lo, s.NewHi) || has(s.prev.byKind[k], s.Lo, s.OldHi) {
			return false
		}
	}
	return true
}

// has reports whether the sorted ids hold one in lo .. hi-1.
func has(ids []NodeID, lo, hi NodeID) bool {
	i := searchNodes(ids, lo)
	return i < len(ids) && ids[i] < hi
}

// splice is what NewFileFrom knows of how prev's nodes and functions moved.
type splice struct {
	*syntax.Splice
	prev *File
	// prev.Funcs[:funcLo] and prev.Funcs[funcHi:] are the functions of the copied nodes;
	// funcShift is how far the latter moved in Funcs
	funcLo, funcHi, funcShift int
	// rebind: the names the edit imports otherwise (nil: none); what the copies resolved
	// through them (Class.Bases, Function.ClassMethod and StaticMethod) is resolved again
	rebind map[string]bool
}

// reboundNames returns the local names a and b import differently (or only one does).
func reboundNames(a, b map[string]string) map[string]bool {
	out := map[string]bool{}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			out[k] = true
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out[k] = true
		}
	}
	return out
}

// rebound reports whether an identifier of the expressions exprs is one of the names the
// edit imports otherwise.
func (s *splice) rebound(t *syntax.Tree, exprs []NodeID) bool {
	if s.rebind == nil {
		return false
	}
	for _, e := range exprs {
		for n := e; n < t.SubtreeEnd(e); n++ {
			if t.Kind(n) == syntax.KindIdentifier && s.rebind[string(t.Text(n))] {
				return true
			}
		}
	}
	return false
}

// id maps a NodeID of prev's tree outside the changed nodes to tree's.
func (s *splice) id(n NodeID) NodeID {
	if n >= s.OldHi {
		return n + s.Shift()
	}
	return n
}

// spliceIndex builds f's index from prev's: the copied nodes' entries are prev's, moved;
// the changed nodes are indexed as NewFileContext does.
func (f *File) spliceIndex(ctx context.Context, s *splice) error {
	prev, t := s.prev, f.Tree
	n := t.Len()
	lo, oldHi, newHi, shift := s.Lo, s.OldHi, s.NewHi, s.Shift()

	// nodes by kind: the root (always new) and the changed nodes, and prev's others
	var counts [256]int32
	count := func(id NodeID) {
		if k := t.Kind(id); int(k) < len(counts) && t.IsNamed(id) {
			counts[k]++
		}
	}
	count(0)
	for id := lo; id < newHi; id++ {
		count(id)
	}
	var cuts [256][3]int // per kind, prev's entries of nodes 1 .. lo-1 and from oldHi on
	named := 0
	for k := range counts {
		if k < len(prev.byKind) {
			old := prev.byKind[k]
			h := searchNodes(old, 1)
			i := h + searchNodes(old[h:], lo)
			j := i + searchNodes(old[i:], oldHi)
			cuts[k] = [3]int{h, i, j}
			named += i - h + len(old) - j
		}
		named += int(counts[k])
	}
	st, _ := indexPool.Get().(*indexStorage)
	if st == nil {
		st = &indexStorage{byKind: make([][]NodeID, len(counts))}
	}
	f.storage = st
	backing := reuseSlice(&st.backing, named)
	f.byKind = st.byKind
	off := 0
	rootKind := int(t.Kind(0))
	for k := range counts {
		var old []NodeID
		if k < len(prev.byKind) {
			old = prev.byKind[k]
		}
		h, i, j := cuts[k][0], cuts[k][1], cuts[k][2]
		c := i - h + int(counts[k]) + len(old) - j
		list := backing[off : off+c : off+c]
		off += c
		head := 0
		if k == rootKind && t.IsNamed(0) {
			list[0] = 0
			head = 1
		}
		copy(list[head:], old[h:i])
		tail := list[i-h+int(counts[k]):] // counts[k] counts the root
		copy(tail, old[j:])
		if shift != 0 {
			for x := range tail {
				tail[x] += shift
			}
		}
		f.byKind[k] = list[:head+i-h]
	}
	for id := lo; id < newHi; id++ {
		if k := t.Kind(id); int(k) < len(f.byKind) && t.IsNamed(id) {
			f.byKind[k] = append(f.byKind[k], id)
		}
	}
	for k := range f.byKind {
		f.byKind[k] = f.byKind[k][:cap(f.byKind[k])]
	}

	// functions and owners: prev's, the changed nodes' indexed again
	s.funcLo = searchFuncs(prev.Funcs, lo)
	s.funcHi = s.funcLo + searchFuncs(prev.Funcs[s.funcLo:], oldHi)
	f.owner = reuseSlice(&st.owner, n)
	copy(f.owner, prev.owner[:lo])
	f.Funcs = make([]*Function, s.funcLo, len(prev.Funcs)+16)
	if err := f.indexFuncs(ctx, lo, newHi, false); err != nil {
		return err
	}
	s.funcShift = len(f.Funcs) - s.funcHi
	tail := f.owner[newHi:]
	copy(tail, prev.owner[oldHi:])
	if fs := int32(s.funcShift); fs != 0 {
		for i, o := range tail {
			if o >= 0 {
				tail[i] = o + fs
			}
		}
	}
	f.Funcs = append(f.Funcs, make([]*Function, len(prev.Funcs)-s.funcHi)...) // copied by spliceCollect

	// line starts: prev's up to the edit, the inserted text's, prev's after it moved
	e := s.Edit
	inserted := bytes.Count(f.Src[e.Start:e.NewEnd], []byte{'\n'})
	f.lines = syntax.EditLineStarts(reuseSlice(&st.lines, len(prev.lines)+inserted)[:0], prev.lines, f.Src, e)
	return nil
}

// spliceCollect fills f's classes and functions: copies of prev's for the copied nodes,
// described again for the changed ones.
func (f *File) spliceCollect(s *splice) {
	prev := s.prev
	lo, oldHi, newHi := s.Lo, s.OldHi, s.NewHi
	// classes
	ci := searchClasses(prev.Classes, lo)
	cj := ci + searchClasses(prev.Classes[ci:], oldHi)
	classes := make(map[*Class]*Class, len(prev.Classes)-(cj-ci))
	f.Classes = make([]*Class, 0, len(prev.Classes)+4)
	// the copies are allocated together, and share with prev what holds no NodeID that moved
	// (a File is immutable: nothing is ever written to them)
	classCopies := make([]Class, len(prev.Classes)-(cj-ci))
	copyClass := func(c *Class, moves bool) {
		nc := &classCopies[0]
		classCopies = classCopies[1:]
		*nc = Class{Name: c.Name, Node: s.id(c.Node), Bases: c.Bases, bases: c.bases, InitAttrs: c.InitAttrs,
			Methods: make(map[string]*Function, len(c.Methods))}
		if moves {
			nc.bases = moved(s, c.bases)
			nc.InitAttrs = make(map[string]NodeID, len(c.InitAttrs))
			for name, v := range c.InitAttrs {
				nc.InitAttrs[name] = s.id(v)
			}
		}
		classes[c] = nc
		f.Classes = append(f.Classes, nc)
	}
	for _, c := range prev.Classes[:ci] {
		copyClass(c, false)
	}
	freshClasses := len(f.Classes)
	all := f.byKind[syntax.KindClassDefinition]
	for _, id := range all[searchNodes(all, lo):searchNodes(all, newHi)] {
		f.Classes = append(f.Classes, f.newClass(id))
	}
	freshClassesEnd := len(f.Classes)
	for _, c := range prev.Classes[cj:] {
		copyClass(c, s.Shift() != 0)
	}

	// functions: the changed nodes' ones are in f.Funcs already (indexFuncs)
	funcCopies := make([]Function, len(prev.Funcs)-(s.funcHi-s.funcLo))
	copyFunc := func(at int, fn *Function, moves bool) {
		nf := &funcCopies[0]
		funcCopies = funcCopies[1:]
		*nf = Function{Name: fn.Name, Node: s.id(fn.Node), Body: s.id(fn.Body), Params: fn.Params, Decorators: fn.Decorators,
			ClassMethod: fn.ClassMethod, StaticMethod: fn.StaticMethod, index: at, bound: fn.bound, top: fn.top}
		if moves {
			nf.Decorators = moved(s, fn.Decorators)
			if fn.Params != nil {
				nf.Params = make([]Param, len(fn.Params))
				for i, p := range fn.Params {
					p.Node, p.Default, p.Type = s.id(p.Node), s.id(p.Default), s.id(p.Type)
					nf.Params[i] = p
				}
			}
		}
		if fn.Parent != nil {
			nf.Parent = f.Funcs[at-(fn.index-fn.Parent.index)]
		}
		if fn.Class != nil {
			nf.Class = classes[fn.Class]
		}
		keepQualName(nf, fn)
		keepLocalNames(nf, fn)
		f.Funcs[at] = nf
	}
	for i, fn := range prev.Funcs[:s.funcLo] {
		copyFunc(i, fn, false)
	}
	for i, fn := range prev.Funcs[s.funcHi:] {
		copyFunc(s.funcHi+s.funcShift+i, fn, s.Shift() != 0)
	}
	fresh := f.Funcs[s.funcLo : s.funcHi+s.funcShift]
	for _, fn := range fresh {
		f.describe(fn)
	}
	// what resolves through the imports asks the scopes, which need every function
	// described: the new classes' bases and functions' decorators, and the copies' that
	// name an import the edit changed
	t := f.Tree
	for i, c := range f.Classes {
		if i >= freshClasses && i < freshClassesEnd || s.rebound(t, c.bases) {
			f.resolveBases(c)
		}
	}
	for _, fn := range fresh {
		f.resolveDecorators(fn)
	}
	var initChanged map[*Class]bool // copied classes whose __init__ is now static or no longer
	if s.rebind != nil {
		for i, fn := range f.Funcs {
			if i >= s.funcLo && i < s.funcHi+s.funcShift || !s.rebound(t, fn.Decorators) {
				continue
			}
			was := fn.StaticMethod
			f.resolveDecorators(fn)
			if fn.StaticMethod != was && fn.Class != nil && fn.Name == "__init__" {
				if initChanged == nil {
					initChanged = map[*Class]bool{}
				}
				initChanged[fn.Class] = true
			}
		}
	}
	f.link()
	for i, c := range f.Classes {
		switch {
		case i >= freshClasses && i < freshClassesEnd:
			f.initAttrs(c)
		case initChanged[c]:
			// its self is another name now (a copy's map is prev's: never written)
			c.InitAttrs = make(map[string]NodeID, len(c.InitAttrs))
			f.initAttrs(c)
		}
	}
}

// moved returns ids (prev's NodeIDs of copied nodes, or NoNode) as tree's.
func moved(s *splice, ids []NodeID) []NodeID {
	if ids == nil {
		return nil
	}
	out := make([]NodeID, len(ids))
	for i, n := range ids {
		out[i] = s.id(n)
	}
	return out
}

func searchFuncs(fns []*Function, n NodeID) int {
	i, _ := slices.BinarySearchFunc(fns, n, func(fn *Function, n NodeID) int { return int(fn.Node - n) })
	return i
}

func searchClasses(cs []*Class, n NodeID) int {
	i, _ := slices.BinarySearchFunc(cs, n, func(c *Class, n NodeID) int { return int(c.Node - n) })
	return i
}
