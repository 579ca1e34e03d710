// Package torchsem is what torch.export sees of Python code: which classes are nn.Modules,
// which functions export traces (and why), and what each expression is (a tensor, a size
// of an input, data read out of a tensor, a constant, ...).
//
// Start with New (one file analysed alone) or with package program, which links the files
// of a project. A File embeds its pysem.File, so rules ask both the Python questions
// (Resolve, Args, Nodes) and the torch ones (Traced, IsModule, Facts) of one value.
package torchsem

import (
	"sync"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
)

// NodeID and NoNode are syntax's, for brevity.
type (
	NodeID   = pysem.NodeID
	Function = pysem.Function
	Class    = pysem.Class
)

// NoNode is the absent node.
const NoNode = pysem.NoNode

// File is one file's torch semantics. It is immutable once built (facts are memoised under
// a lock) and safe for concurrent reads.
type File struct {
	*pysem.File

	module   map[*Class]bool // nn.Module subclasses
	autograd map[*Class]bool // torch.autograd.Function subclasses
	traced   []string        // per Funcs index: why export traces it ("forward of Model"), "" if not

	factsMu     sync.Mutex                // guards facts while they are computed lazily
	factsFrozen bool                      // facts holds every function's facts and no longer changes (see FreezeFacts)
	facts       map[*Function]*scopeFacts // guarded by factsMu
}

// New builds the torch semantics of a file analysed alone: base classes, callees and
// imports that lie in other files are unknown.
func New(pf *pysem.File) *File {
	f := &File{File: pf, module: map[*Class]bool{}, autograd: map[*Class]bool{}, traced: make([]string, len(pf.Funcs))}
	f.resolveModules()
	f.trace()
	return f
}

// IsModule reports whether c derives from torch.nn.Module (or a Lightning module), directly
// or through other classes.
func (f *File) IsModule(c *Class) bool { return c != nil && f.module[c] }

// IsAutogradFunction reports whether c derives from torch.autograd.Function.
func (f *File) IsAutogradFunction(c *Class) bool { return c != nil && f.autograd[c] }

// Traced reports whether torch.export traces fn when it exports a module.
func (f *File) Traced(fn *Function) bool { return fn != nil && f.traced[fn.Index()] != "" }

// TracedFrom explains Traced: "forward of Model", "called from Model.forward", ...; "" when
// fn is not traced.
func (f *File) TracedFrom(fn *Function) string {
	if fn == nil {
		return ""
	}
	return f.traced[fn.Index()]
}
