package torchsem

import (
	"math/bits"
	"strings"
	"sync"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
)

// importGraph answers Reaching for a program.
type importGraph struct {
	mu    sync.Mutex
	index *importIndex    // nil until first asked
	at    map[*File]int32 // the index of each of the program's files in Files
	// from is the program whose index this one shares, set by Replace when the new text
	// imports what the old one did; nil: the program computes its own
	from *Program
}

// importIndex is, by index in a program's Files, the files that import each file, and the
// answers of Reaching computed so far. It depends on the files' imports and module names
// only, so a program that replaces a file by a text importing the same names, in the same
// place of Files, shares it.
type importIndex struct {
	importers [][]int32

	mu      sync.Mutex
	reaches map[int32]bitset
}

// FileSet is a set of a program's files (Program.Reaching).
type FileSet struct {
	at   map[*File]int32
	bits bitset
}

// Has reports whether f is in the set (false for nil).
func (s FileSet) Has(f *File) bool {
	i, ok := s.at[f]
	return ok && s.bits.has(i)
}

// Len is the number of files in the set.
func (s FileSet) Len() int { return s.bits.count() }

// bitset is a set of file indexes.
type bitset []uint64

func (b bitset) has(i int32) bool { return int(i>>6) < len(b) && b[i>>6]&(1<<(uint(i)&63)) != 0 }

func (b bitset) set(i int32) { b[i>>6] |= 1 << (uint(i) & 63) }

func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// Reaching returns the files of the program whose code may name what f defines, so that
// code reached from them may run f's: f itself and the files that import it, directly or
// through other files (a package's __init__ re-exporting it). It errs on the side of more
// files: an import names the module it imports and every module below it (import a
// binds a, and a.b.c may be reached as an attribute); a from-import names the module the
// name lies in (the longest prefix of a.b.X that is a module, as lookups resolve it) and
// the modules below the name (from a import b: b may be a package). Code can name another
// file's functions and classes only through imports, so a walk that starts in files
// outside the set never enters f.
//
// Each file's set is computed once per program (and shared with the programs that replace
// a file keeping its imports): a bit per file of the program.
func (p *Program) Reaching(f *File) FileSet {
	x, at := p.importIndex()
	i, ok := at[f]
	if !ok {
		return FileSet{} // not a file of the program
	}
	return FileSet{at: at, bits: x.reaching(i)}
}

// importIndex returns the program's import index, computed on first use or taken from the
// program it shares it with, and where each of its files lies in Files.
func (p *Program) importIndex() (*importIndex, map[*File]int32) {
	g := &p.imports
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.at == nil {
		g.at = make(map[*File]int32, len(p.Files))
		for i, f := range p.Files {
			g.at[f] = int32(i)
		}
	}
	if g.index == nil {
		if g.from != nil {
			g.index, _ = g.from.importIndex()
			g.from = nil // taken: the program it came from may go
		} else {
			g.index = p.newImportIndex(g.at)
		}
	}
	return g.index, g.at
}

// shareImports lets np, made by replacing old of p with nf, use p's import index when the
// new text imports the same files of the project (old and nf have the same place in the
// Files). The editor replaces the document in the same program at every keystroke: the
// index is computed once for all of them, and again only when an edit changes what the
// file imports of the project (typing "import os" does not).
func (p *Program) shareImports(np *Program, old, nf *File) {
	if old != nil && (sameImports(old.File, nf.File) || p.sameProjectImports(old.File, nf.File)) {
		np.imports.from = p
	}
}

// sameProjectImports reports whether two texts of a module name the same files of p in
// their imports, as newImportIndex reads them: every qualified name one imports and the
// other does not names no file (moduleOf) and no package of files.
func (p *Program) sameProjectImports(a, b *pysem.File) bool {
	count := map[string]int{}
	for _, q := range a.ImportQuals() {
		count[q]++
	}
	for _, q := range b.ImportQuals() {
		count[q]--
	}
	for q, n := range count {
		if n == 0 || q == "" || q[0] == '.' {
			continue // imported as often by both, or a relative import newImportIndex leaves out
		}
		if p.moduleOf(q) != nil {
			return false
		}
		for m := range p.byModule {
			if below(m, q) {
				return false
			}
		}
	}
	return true
}

// reaching returns the files that reach file i, i itself among them.
func (x *importIndex) reaching(i int32) bitset {
	x.mu.Lock()
	defer x.mu.Unlock()
	if r, ok := x.reaches[i]; ok {
		return r
	}
	r := make(bitset, (len(x.importers)+63)/64)
	r.set(i)
	queue := []int32{i}
	for len(queue) > 0 {
		k := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, j := range x.importers[k] {
			if !r.has(j) {
				r.set(j)
				queue = append(queue, j)
			}
		}
	}
	if x.reaches == nil {
		x.reaches = map[int32]bitset{}
	}
	x.reaches[i] = r
	return r
}

// newImportIndex computes the program's import index (see Reaching); at gives each file's
// place in Files.
func (p *Program) newImportIndex(at map[*File]int32) *importIndex {
	// below holds, for each package prefix of a module of the program, the files under it
	below := map[string][]int32{}
	for m, f := range p.byModule {
		for i := 0; ; i++ {
			j := strings.IndexByte(m[i:], '.')
			if j < 0 {
				break
			}
			i += j
			below[m[:i]] = append(below[m[:i]], at[f])
		}
	}
	x := &importIndex{importers: make([][]int32, len(p.Files))}
	named := map[int32]bool{}
	for ai, a := range p.Files {
		clear(named)
		for _, q := range a.ImportQuals() {
			if q == "" || q[0] == '.' {
				continue // a relative import of a file outside any package: unresolved
			}
			if f := p.moduleOf(q); f != nil {
				named[at[f]] = true
			}
			for _, j := range below[q] {
				named[j] = true
			}
		}
		for j := range named {
			if j != int32(ai) {
				x.importers[j] = append(x.importers[j], int32(ai))
			}
		}
	}
	return x
}
