package torchsem

import (
	"hash/fnv"
	"maps"
	"sync"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// maxRelinked bounds the files Relink links again besides the changed one: past it,
// linking the project anew (NewProgram) costs about as much.
const maxRelinked = 32

// Relink returns a program with pf, a new text of one of p's modules, in place of that
// module's file, and with every file whose linking read what the change altered linked
// again: the editor's path when an open helper changes what its functions return, so that
// the files importing it see the new values without linking the whole neighbourhood.
//
// Each file is linked as Replace links it (the others stay as they are). The change may
// alter only what module-level functions return: a file that names one of those
// functions (by import, through a module or package it imports, or a star import) is
// linked again, and what its own functions return is compared in turn. Any other change
// of the surface (imports, classes and their attributes, the functions and their
// parameters, what methods return, the values passed to other files' functions) may reach
// files through values rather than names, so ok is false and the caller links the project
// anew. The file of module skip is left as it is (the caller replaces it next); ok is also
// false when more than maxRelinked files would be linked again.
func (p *Program) Relink(pf *pysem.File, skip string) (np *Program, ok bool) {
	old := p.byModule[pf.Module.Name]
	if old == nil || pf.Module.Name == "" {
		return nil, false
	}
	np = p
	// changed holds, per file linked again, the module-level functions whose return changed
	changed := map[string]map[string]bool{}
	relinked := map[string]bool{}
	queue := []*pysem.File{pf}
	memo := p.namesMemo()
	for linked := 0; len(queue) > 0; linked++ {
		if linked > maxRelinked {
			return nil, false // files whose returns keep changing each other's
		}
		next := queue[0]
		queue = queue[1:]
		before := np.byModule[next.Module.Name]
		nf := np.relinkFile(before, next, relinked, changed)
		np = nf.Program()
		relinked[next.Module.Name] = true
		fns, same := sameShape(before, nf)
		if !same {
			return nil, false
		}
		if len(fns) == 0 {
			continue
		}
		changed[next.Module.Name] = fns
		// only files that import nf's module, directly or through re-exports, can name
		// its functions (Reaching, whose sets the programs of a Relink share)
		reach := np.Reaching(nf)
		for _, f := range np.Files {
			if f == nf || !reach.Has(f) || f.Module.Name == skip || f.Module.Name == "" || inQueue(queue, f) || !np.namesChanged(f, changed, memo) {
				continue
			}
			queue = append(queue, f.File)
		}
	}
	// each Replace made a program on the one before. The result replaces files of root,
	// the program p was linked from, so that a run of Relinks keeps no chain of programs
	// (carriedDecls reads the base's declarations for the files it shares). The files
	// linked again belong to np, not to the programs of the Replaces before the last: those
	// see the files that were current when they were made, and would chain back through p
	// to every Relink before it. A file's later queries look up np's files (as when the
	// project is linked anew), and np shares root's import index (Relink changes no file's
	// imports).
	if np != p {
		np.carry = nil // its last Replace's: rules take nothing from the program before it
		root := p
		if p.rebased != nil {
			root = p.base
		}
		for m := range relinked {
			np.byModule[m].prog = np
		}
		np.base = root
		np.imports.mu.Lock()
		if np.imports.index == nil {
			np.imports.from = root
		}
		np.imports.mu.Unlock()
		np.rebased = &rebased{from: p.id, modules: relinked, changed: changed}
		np.names.Store(memo)
	}
	return np, true
}

// rebased records, in a program Relink made, what it changed of the program it was given
// (from): the modules whose files it linked again, and per module the module-level
// functions whose return changed. Every other file, and every unit of a file that names
// none of them, reads what it read in from (Relink compared the re-linked files' surfaces),
// so ReplaceFrom may keep such units of a text linked against from.
type rebased struct {
	from    uint64 // its id: programs do not chain (the text linked against it holds it)
	modules map[string]bool
	changed map[string]map[string]bool
}

// startedFrom reports whether prev was linked against the program the re-link started
// from, or is a file of it.
func (r *rebased) startedFrom(prev *File) bool {
	return prev.prog.base != nil && prev.prog.base.id == r.from || prev.prog.id == r.from
}

// namesFor returns the identifiers whose units in f (a text linked against r.from) may
// read what the re-link changed: the changed functions' names, and the names f imports
// from a re-linked module (a name it defines, the module itself, a package above it, or a
// re-export that resolves into it). ok is false when f has star imports (any name may
// come from a re-linked module).
func (r *rebased) namesFor(p *Program, f *pysem.File) (names []string, ok bool) {
	if len(f.StarImports) > 0 {
		return nil, false
	}
	for _, fns := range r.changed {
		for name := range fns {
			names = append(names, name)
		}
	}
	for local, q := range f.Imports {
		if r.reads(p, q) {
			names = append(names, local)
		}
	}
	return names, true
}

// reads reports whether the qualified name q names a re-linked module, something in one,
// or a package above one.
func (r *rebased) reads(p *Program, q string) bool {
	for m := range r.modules {
		if q == m || below(q, m) || below(m, q) {
			return true
		}
	}
	if sf, _ := p.lookup(q); sf != nil && r.modules[sf.Module.Name] {
		return true
	}
	return false
}

// relinkFile links pf, a text of a module of p whose file there is before (nil: none),
// against p's other files, of which those of modules relinked were linked again since
// before was, with the functions changed returning another value: the units of pf that
// name none of them keep what linking found for them in before (the edit from before's
// text, when there is one, counts as usual).
func (p *Program) relinkFile(before *File, pf *pysem.File, relinked map[string]bool, changed map[string]map[string]bool) *File {
	rb := &rebased{modules: maps.Clone(relinked), changed: changed}
	names, ok := rb.namesFor(p, pf)
	if before == nil || !ok {
		return p.Replace(pf)
	}
	return p.replaceRebased(pf, before, names, rb.modules)
}

func inQueue(q []*pysem.File, f *File) bool {
	for _, pf := range q {
		if pf.Module.Name == f.Module.Name {
			return true
		}
	}
	return false
}

// sameShape compares the structure surfaces of two linkings of a module (Surfaces) but for
// what its module-level functions return: same is false when anything else differs, fns
// names the functions whose return differs.
func sameShape(a, b *File) (fns map[string]bool, same bool) {
	ha, ra := a.shape()
	hb, rb := b.shape()
	if ha != hb || len(ra) != len(rb) {
		return nil, false
	}
	for name, v := range ra {
		w, ok := rb[name]
		if !ok {
			return nil, false
		}
		if v != w {
			if fns == nil {
				fns = map[string]bool{}
			}
			fns[name] = true
		}
	}
	return fns, true
}

// shape hashes f's structure surface without what its module-level functions return,
// which it gives by name; computed once (a linked file does not change, and the file a
// Relink replaces is the one the Relink before made).
func (f *File) shape() (uint64, map[string]string) {
	f.shapeOf.once.Do(func() {
		h := fnv.New64a()
		rets := map[string]string{}
		f.writeStructure(func(s string) {
			h.Write([]byte(s))
			h.Write([]byte{0})
		}, func(fn *Function, v string) { rets[fn.Name] = v })
		f.shapeOf.hash, f.shapeOf.rets = h.Sum64(), rets
	})
	return f.shapeOf.hash, f.shapeOf.rets
}

// namesChanged reports whether f may read a function of changed (module -> function names)
// through its imports: f uses, outside its import statements, the name it imported the
// function as (directly, or re-exported by a package), or the function's own name with its
// module or a package above it imported (reached as attributes), or a name a star import
// finds it by. A file that imports a helper module for its other functions is not linked
// again. memo holds the answers of the Relinks before.
func (p *Program) namesChanged(f *File, changed map[string]map[string]bool, memo *namesMemo) bool {
	// the cheap tests on the import first: a file names the changed functions far less
	// often than it imports something
	for local, q := range f.Imports {
		for m, fns := range changed {
			if m == q || below(m, q) { // the module, or a package above it
				if !memo.uses(f.File, local) {
					break // imported and not used
				}
				for name := range fns {
					if memo.uses(f.File, name) {
						return true
					}
				}
			}
		}
		if fn := memo.topFunc(p, q); fn.module != "" && changed[fn.module][fn.name] && memo.uses(f.File, local) {
			return true
		}
	}
	for _, star := range f.StarImports {
		for m, fns := range changed {
			for name := range fns {
				if memo.uses(f.File, name) {
					if sf, _ := p.lookup(star + "." + name); sf != nil && sf.Module.Name == m {
						return true
					}
				}
			}
		}
	}
	return false
}

// namesMemo holds what namesChanged asked of the files and imports of a program linked
// anew, for the Relinks made from it one after another: a Relink keeps every file's names
// and shape (sameShape), so an import resolves to the same function in each of their
// programs, and a parsed file uses the same names. The editor re-links a helper's
// dependents at each of its edits; without the memo each asked the same thousands of
// questions again (3 ms of the 20 the dependent model's re-diagnosis takes).
type namesMemo struct {
	mu    sync.Mutex
	funcs map[string]topFunc
	used  map[usedName]bool
}

// topFunc is the module-level function an import resolves to (zero: something else).
type topFunc struct{ module, name string }

type usedName struct {
	f    *pysem.File
	name string
}

// namesMemo returns the memo of the Relinks made from p's program linked anew.
func (p *Program) namesMemo() *namesMemo {
	if m := p.names.Load(); m != nil {
		return m
	}
	p.names.CompareAndSwap(nil, &namesMemo{funcs: map[string]topFunc{}, used: map[usedName]bool{}})
	return p.names.Load()
}

func (m *namesMemo) topFunc(p *Program, q string) topFunc {
	m.mu.Lock()
	v, ok := m.funcs[q]
	m.mu.Unlock()
	if ok {
		return v
	}
	if sf, sym := p.lookup(q); sf != nil {
		if fn, ok := sym.(*Function); ok && fn.Parent == nil && fn.Class == nil {
			v = topFunc{sf.Module.Name, fn.Name}
		}
	}
	m.mu.Lock()
	m.funcs[q] = v
	m.mu.Unlock()
	return v
}

func (m *namesMemo) uses(f *pysem.File, name string) bool {
	k := usedName{f, name}
	m.mu.Lock()
	v, ok := m.used[k]
	m.mu.Unlock()
	if ok {
		return v
	}
	v = usesName(f, name)
	m.mu.Lock()
	m.used[k] = v
	m.mu.Unlock()
	return v
}

// below reports whether module m lies in package q (q + "." prefixes m).
func below(m, q string) bool {
	return len(m) > len(q) && m[len(q)] == '.' && m[:len(q)] == q
}

// usesName reports whether an identifier with text name occurs in f outside its import
// statements.
func usesName(f *pysem.File, name string) bool {
	for _, id := range f.NamesIn(nil, name) {
		if !inImport(f.Tree, id) {
			return true
		}
	}
	return false
}

func inImport(t *syntax.Tree, id NodeID) bool {
	for n := t.Parent(id); n != syntax.NoNode; n = t.Parent(n) {
		switch t.Kind(n) {
		case syntax.KindImportStatement, syntax.KindImportFromStatement, syntax.KindFutureImportStatement:
			return true
		case syntax.KindExpressionStatement, syntax.KindBlock:
			return false // statements hold no import
		}
	}
	return false
}
