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
// o.clone is the tensor method, not a function of module o. ImportOf answers what an
// identifier refers to through the file's imports with that in mind; Resolve, IsImported
// and CallName go through it. An import inside a function binds its name there as an
// import: such a name is not shadowed (Imports holds it for the whole file).
//
// Whether an identifier is shadowed depends only on the text of the top-level statement
// it lies in (the functions around it and their scopes), so an edit that changes the
// file's imports changes what ImportOf says only for identifiers it does not shadow: the
// editor's incremental link re-links just the statements that name a changed import there.

// localNames is what a function binds itself other than by import statements, and what it
// declares global.
type localNames struct {
	bound, global map[string]bool
}

// ImportOf returns the qualified name identifier id refers to through the file's imports,
// and false when id is not an identifier, its name is not imported, or a function or
// comprehension around it binds the name itself (Shadowed).
func (f *File) ImportOf(id NodeID) (string, bool) {
	t := f.Tree
	if id == NoNode || t.Kind(id) != syntax.KindIdentifier {
		return "", false
	}
	q, ok := f.Imports[string(t.Text(id))] // no allocation: a []byte key converted in the index
	if !ok || f.shadowed(id) {
		return "", false
	}
	return q, true
}

// Shadowed reports whether identifier id names something bound where it appears rather
// than at module level: a comprehension's variable, or a name a function around it binds
// other than by an import (up to a function declaring it global).
func (f *File) Shadowed(id NodeID) bool {
	return id != NoNode && f.Tree.Kind(id) == syntax.KindIdentifier && f.shadowed(id)
}

// shadowed is Shadowed for an identifier.
func (f *File) shadowed(id NodeID) bool {
	t := f.Tree
	if BoundByComprehension(t, id) {
		return true
	}
	name := t.Text(id)
	for g := f.Owner(id); g != nil; g = g.Parent {
		ln := f.localNamesOf(g)
		if ln.global[string(name)] {
			return false
		}
		if ln.bound[string(name)] {
			return true
		}
	}
	return false
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
			if !inImport(t, id) {
				if ln.bound == nil {
					ln.bound = map[string]bool{}
				}
				ln.bound[name] = true
				break
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

// inImport reports whether the binding identifier id lies in an import statement.
func inImport(t *syntax.Tree, id NodeID) bool {
	for p := t.Parent(id); p != NoNode; p = t.Parent(p) {
		switch t.Kind(p) {
		case syntax.KindImportStatement, syntax.KindImportFromStatement, syntax.KindFutureImportStatement:
			return true
		case syntax.KindBlock, syntax.KindModule, syntax.KindFunctionDefinition, syntax.KindLambda:
			return false
		}
	}
	return false
}

// keepLocalNames gives nf, a copy of fn made for the next text, fn's localNames when fn has
// them (its text, and so what it binds, is the same).
func keepLocalNames(nf, fn *Function) {
	if fn.localsDone.Load() {
		nf.locals = fn.locals // maps read, never written, once done
		nf.localsDone.Store(true)
	}
}
