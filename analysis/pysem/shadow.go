package pysem

import "github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"

// Imports and local names.
//
// A name a function binds itself (a parameter, an assignment or loop target, a nested def)
// is that function's, whatever the module imports under the same name: in
//
//	import o
//	f = lambda o: o.clone()
//
// o.clone is the tensor method, not a function of module o. An import inside a function
// binds its name in that function (and the functions nested in it) only, as Python does:
// after `from foo import range` in a helper, forward's range is still the builtin. ImportOf
// answers what an identifier refers to through the file's imports with both in mind;
// Resolve, IsImported and CallName go through it.
//
// What ImportOf says of an identifier depends only on the text of the top-level statement
// it lies in (the functions around it, their scopes and their imports) and on the module's
// own imports where that text leaves the name to them (Shadowed is false), so an edit that
// changes the module's imports changes it only for such identifiers: the editor's
// incremental link re-links just the statements that name a changed import there.

// localNames is what a function binds itself other than by import statements, what it
// declares global, and what its own import statements bind (name -> qualified name).
type localNames struct {
	bound, global map[string]bool
	imports       map[string]string
}

// ImportOf returns the qualified name identifier id refers to through the file's imports,
// and false when id is not an identifier, or its name is bound where it lies other than by
// an import (Shadowed), or no import binds it there: none of the functions around it
// imports the name, and the module does not either.
func (f *File) ImportOf(id NodeID) (string, bool) {
	t := f.Tree
	if id == NoNode || t.Kind(id) != syntax.KindIdentifier {
		return "", false
	}
	name := t.Text(id)
	if _, ok := f.Imports[string(name)]; !ok {
		return "", false // imported nowhere in the file: the common case, asked first
	}
	if BoundByComprehension(t, id) {
		return "", false
	}
	switch q, imported, bound := f.enclosingBinding(id, name); {
	case imported:
		return q, true
	case bound:
		return "", false
	}
	return f.moduleImport(name)
}

// Shadowed reports whether identifier id names something bound where it appears rather
// than at module level: a comprehension's variable, or a name a function around it binds
// other than by an import (up to a function declaring it global).
func (f *File) Shadowed(id NodeID) bool {
	return id != NoNode && f.Tree.Kind(id) == syntax.KindIdentifier && f.shadowed(id)
}

// shadowed is Shadowed for an identifier.
func (f *File) shadowed(id NodeID) bool {
	if BoundByComprehension(f.Tree, id) {
		return true
	}
	_, _, bound := f.enclosingBinding(id, f.Tree.Text(id))
	return bound
}

// enclosingBinding walks the functions around identifier id (whose text is name) from the
// innermost outward, up to one declaring name global: qual and imported come from the
// innermost function that imports name, bound says one binds it other than by an import
// (the walk stops there; an import inside it, met before, still decides ImportOf).
func (f *File) enclosingBinding(id NodeID, name []byte) (qual string, imported, bound bool) {
	for g := f.Owner(id); g != nil; g = g.Parent {
		ln := f.localNamesOf(g)
		if ln.global[string(name)] {
			break
		}
		if ln.bound[string(name)] {
			return qual, imported, true
		}
		if q, ok := ln.imports[string(name)]; ok && !imported {
			qual, imported = q, true
		}
	}
	return qual, imported, false
}

// BindsItself reports whether fn binds name in its own scope other than by an import
// statement: a parameter, a target, a nested def (computed once for fn and the copies
// made of it for the next texts).
func (f *File) BindsItself(fn *Function, name string) bool { return f.localNamesOf(fn).bound[name] }

// localNamesOf returns fn's localNames, computed once for fn and the copies made of it for
// the next texts (keepLocalNames).
func (f *File) localNamesOf(fn *Function) *localNames {
	if fn.localsDone.Load() {
		return &fn.locals
	}
	fn.localsMu.Lock()
	defer fn.localsMu.Unlock()
	if !fn.localsDone.Load() {
		fn.locals = f.buildLocalNames(fn)
		fn.localsDone.Store(true)
	}
	return &fn.locals
}

// buildLocalNames works out fn's localNames from its Scope.
func (f *File) buildLocalNames(fn *Function) localNames {
	t := f.Tree
	s := f.Scope(fn)
	var ln localNames
	for name, ids := range s.bindings {
		for _, id := range ids {
			stmt := importOf(t, id)
			if stmt == NoNode {
				if ln.bound == nil {
					ln.bound = map[string]bool{}
				}
				ln.bound[name] = true
				break
			}
			for _, im := range f.ImportList {
				if im.Node == stmt && im.Local == name {
					if ln.imports == nil {
						ln.imports = map[string]string{}
					}
					ln.imports[name] = im.Qual // the last import of it in the function
				}
			}
		}
	}
	for name, d := range s.declared {
		if d == DeclaredGlobal {
			if ln.global == nil {
				ln.global = map[string]bool{}
			}
			ln.global[name] = true
		}
	}
	return ln
}

// importOf returns the import statement the binding identifier id lies in, or NoNode.
func importOf(t *syntax.Tree, id NodeID) NodeID {
	for p := t.Parent(id); p != NoNode; p = t.Parent(p) {
		switch t.Kind(p) {
		case syntax.KindImportStatement, syntax.KindImportFromStatement, syntax.KindFutureImportStatement:
			return p
		case syntax.KindBlock, syntax.KindModule, syntax.KindFunctionDefinition, syntax.KindLambda:
			return NoNode
		}
	}
	return NoNode
}

// keepLocalNames gives nf, a copy of fn made for the next text, fn's localNames when fn has
// them (its text, and so what it binds, is the same).
func keepLocalNames(nf, fn *Function) {
	if fn.localsDone.Load() {
		nf.locals = fn.locals // maps read, never written, once done
		nf.localsDone.Store(true)
	}
}
