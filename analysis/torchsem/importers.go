package torchsem

import (
	"math/bits"
	"strings"
	"sync"
)

// importGraph answers Reaching for a program.
type importGraph struct {
	mu    sync.Mutex
	index *importIndex // nil until first asked; shared with a program Replace makes
	at    map[*File]int32
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
	g := &p.imports
	g.mu.Lock()
	if g.index == nil {
		g.index = p.importIndex()
	}
	if g.at == nil {
		g.at = make(map[*File]int32, len(p.Files))
		for i, pf := range p.Files {
			if _, dup := g.at[pf]; !dup {
				g.at[pf] = int32(i)
			}
		}
	}
	x, at := g.index, g.at
	g.mu.Unlock()
	i, ok := at[f]
	if !ok {
		return FileSet{} // not a file of the program
	}
	return FileSet{at: at, bits: x.reaching(i)}
}

// shareImports gives np, made by replacing old of p with nf, p's import index when the
// new text imports the same names (old and nf have the same place in the Files). The
// editor replaces the document in the same program at every keystroke: the index is
// computed once for all of them.
func (p *Program) shareImports(np *Program, old, nf *File) {
	if old == nil || !sameImports(old.File, nf.File) {
		return
	}
	p.imports.mu.Lock()
	if p.imports.index == nil {
		p.imports.index = p.importIndex()
	}
	np.imports.index = p.imports.index
	p.imports.mu.Unlock()
}

// reaching returns the files that reach file i, i itself among them.
func (x *importIndex) reaching(i int32) bitset {
	x.mu.Lock()
	defer x.mu.Unlock()
	if r, ok := x.reaches[i]; ok {
		return r
	}
	r := make(bitset, (len(x.importers)+63)/64)
	r[i>>6] |= 1 << (uint(i) & 63)
	queue := []int32{i}
	for len(queue) > 0 {
		k := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, j := range x.importers[k] {
			if !r.has(j) {
				r[j>>6] |= 1 << (uint(j) & 63)
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

// importIndex computes the program's import index (see Reaching).
func (p *Program) importIndex() *importIndex {
	at := make(map[*File]int32, len(p.Files))
	for i, f := range p.Files {
		at[f] = int32(i)
	}
	// below holds, for each package prefix of a module of the program, the files under it
	below := map[string][]int32{}
	for m, f := range p.byModule {
		for i := strings.IndexByte(m, '.'); i >= 0; i = nextDot(m, i) {
			below[m[:i]] = append(below[m[:i]], at[f])
		}
	}
	x := &importIndex{importers: make([][]int32, len(p.Files))}
	named := map[int32]bool{}
	for ai, a := range p.Files {
		clear(named)
		name := func(q string) {
			if q == "" || q[0] == '.' {
				return // a relative import of a file outside any package: unresolved
			}
			// the module q is or lies in: its longest prefix that is a module, as lookup
			// resolves it
			for i := len(q); i > 0; i = strings.LastIndexByte(q[:i], '.') {
				if f := p.byModule[q[:i]]; f != nil {
					named[at[f]] = true
					break
				}
			}
			for _, j := range below[q] {
				named[j] = true
			}
		}
		for _, im := range a.ImportList {
			name(im.Qual)
		}
		for _, m := range a.ImportedModules {
			name(m)
		}
		for _, m := range a.StarImports {
			name(m)
		}
		for j := range named {
			if j != int32(ai) {
				x.importers[j] = append(x.importers[j], int32(ai))
			}
		}
	}
	return x
}

// nextDot is the index of the dot after index i in m, -1 when none.
func nextDot(m string, i int) int {
	j := strings.IndexByte(m[i+1:], '.')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}
