package pysem

import (
	"sort"
	"sync"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// nameIndex maps an identifier's text to the identifier nodes with that text, in source
// order. It is built on first use, once per file.
type nameIndex struct {
	once  sync.Once
	nodes map[string][]NodeID
}

// NamesIn returns the identifiers with text name inside fn (nested functions included),
// or in the whole file when fn is nil, in source order. Looking a name up costs its
// occurrences, not the function's length: a rule that asks about each statement's names
// stays linear in the file's size.
func (f *File) NamesIn(fn *Function, name string) []NodeID {
	f.names.once.Do(func() {
		f.names.nodes = map[string][]NodeID{}
		for _, id := range f.Nodes(syntax.KindIdentifier) {
			s := f.Tree.String(id)
			f.names.nodes[s] = append(f.names.nodes[s], id)
		}
	})
	all := f.names.nodes[name]
	if fn == nil {
		return all
	}
	lo, hi := fn.Node, f.Tree.SubtreeEnd(fn.Node)
	i := sort.Search(len(all), func(i int) bool { return all[i] >= lo })
	j := sort.Search(len(all), func(i int) bool { return all[i] >= hi })
	return all[i:j]
}
