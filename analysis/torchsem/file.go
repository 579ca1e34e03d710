// Package torchsem is what torch.export sees of Python code: which classes are nn.Modules
// and what their attributes hold, which functions export traces (and the call chain that
// reaches them, across files), and what each expression may be (a Value: a tensor, a size
// of an input dimension, data read out of a tensor, a constant, ...).
//
// Start with NewProgram (a project's files linked together) or New (one file alone). A File
// embeds its pysem.File, so rules ask both the Python questions (Resolve, Args, Nodes) and
// the torch ones (Traced, IsModule, Value, Attr) of one value. The torch API table is data:
// api/torch.txt.
package torchsem

import (
	"sync"
	"sync/atomic"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// NodeID, Function and Class are pysem's, for brevity.
type (
	NodeID   = pysem.NodeID
	Function = pysem.Function
	Class    = pysem.Class
)

// NoNode is the absent node.
const NoNode = pysem.NoNode

// File is one file's torch semantics within its Program.
type File struct {
	*pysem.File
	prog *Program
	id   uint64 // unique in the process (fileIDs)

	module   map[*Class]bool      // nn.Module subclasses (set while linking, then read-only)
	autograd map[*Class]bool      // torch.autograd.Function subclasses
	rebound  map[string]bool      // module-level names rebound to an assume_constant_result wrapper
	states   []funcState          // per Funcs index; written while linking, then read-only
	callees  map[NodeID]calleeRef // what each callable expression names; written while linking, then read-only
	kept     int                  // functions whose state ReplaceFrom kept from the previous text
	roots    map[*Function]int32  // the Program.roots index of its forwards that are roots; written while linking

	out struct { // what its traced code passes to other files' functions, by module (outgoingTo)
		once     sync.Once
		byModule map[string][]outPass
	}

	shapeOf struct { // shape (relink.go)
		once sync.Once
		hash uint64
		rets map[string]string
	}

	submodules keyMemo[*Class, bool] // whether another module class constructs a class (UsedAsSubmodule), per class asked

	lookupsOnce sync.Once
	lookups     map[string]bool // the names the file may look up in another module (mayLookUp)
	lookupsAny  bool            // it star-imports: any name

	sitesOnce sync.Once
	sites     []ExportSite // ExportSites, computed on first use (after linking)
	sitesDone atomic.Bool  // sites is computed
	keptSites *keptSites   // the export calls of the units ReplaceFrom kept, until ExportSites reads them
	// keptDecls are what the export calls of the units ReplaceFrom kept declared, by call,
	// until siteDecls reads them
	keptDecls map[NodeID]*ExportDecl
	declsOnce sync.Once
	decls     []*ExportDecl // siteDecls
	declsDone atomic.Bool   // decls is computed

	unitMemos unitMemos // answers kept per unit, shared with the next text (unitmemo.go)

	mu          sync.Mutex // guards the lazily computed maps below
	attrs       map[*Class]attrList
	tensorReads map[*Function]map[string]bool // prior.go
	lazy        map[*Function]*scope
	lazyRets    map[*Function]Value
	modScope    *scope
}

func newFile(p *Program, pf *pysem.File) *File {
	return &File{
		File: pf, prog: p, id: fileIDs.Add(1), module: make(map[*Class]bool, len(pf.Classes)), autograd: map[*Class]bool{},
		states: make([]funcState, len(pf.Funcs)), attrs: map[*Class]attrList{},
		lazy: map[*Function]*scope{}, lazyRets: map[*Function]Value{}, callees: map[NodeID]calleeRef{},
	}
}

// fileIDs numbers files, so that a Carry names the previous text's without keeping it.
var fileIDs atomic.Uint64

// New builds the torch semantics of a file analysed alone: base classes, callees and
// imports that lie in other files are unknown.
func New(pf *pysem.File, opts ...ProgramOption) *File {
	return NewProgram([]*pysem.File{pf}, opts...).Files[0]
}

// Kept is the number of functions whose linking state ReplaceFrom kept from the file's
// previous text (0 when it linked every function).
func (f *File) Kept() int { return f.kept }

// Program is the program the file belongs to.
func (f *File) Program() *Program { return f.prog }

// IsModule reports whether c derives from torch.nn.Module (or a Lightning module), directly
// or through other classes, in this file or another of the program.
func (f *File) IsModule(c *Class) bool { return c != nil && f.module[c] }

// IsAutogradFunction reports whether c derives from torch.autograd.Function.
func (f *File) IsAutogradFunction(c *Class) bool { return c != nil && f.autograd[c] }

// Traced reports whether torch.export traces fn when it exports a module.
func (f *File) Traced(fn *Function) bool {
	return fn != nil && f.states[fn.Index()].why.Kind != NotTraced
}

// Why says why export traces fn (the zero Why when it does not).
func (f *File) Why(fn *Function) Why {
	if fn == nil {
		return Why{}
	}
	return f.states[fn.Index()].why
}

// TracedFrom explains Traced in words: "forward of Model", "called from Model.forward",
// "passed from ...", "nested in ...", "decorates ..."; "" when fn is not traced.
func (f *File) TracedFrom(fn *Function) string { return f.Why(fn).String() }

// Callee resolves what a call inside fn runs.
func (f *File) Callee(fn *Function, call NodeID) Callee {
	e := evaluator{p: f.prog}
	return e.callee(f, fn, call)
}

// Params returns what each parameter of fn may hold: what traced callers pass, or what its
// annotation and default say.
func (f *File) Params(fn *Function) []Value { return f.state(fn).params(f, fn) }

// Returns is what calling fn may return.
func (f *File) Returns(fn *Function) Value {
	e := evaluator{p: f.prog}
	return f.prog.retOf(&e, f, fn)
}

func (f *File) state(fn *Function) *funcState { return &f.states[fn.Index()] }

// moduleNodes returns the named nodes of kind k at module level (in no function).
func (f *File) moduleNodes(k syntax.Kind) []NodeID {
	var out []NodeID
	for _, n := range f.Nodes(k) {
		if f.Owner(n) == nil {
			out = append(out, n)
		}
	}
	return out
}

// moduleScope returns the module-level names, computed once.
func (f *File) moduleScope(e *evaluator) *scope {
	f.mu.Lock()
	s := f.modScope
	f.mu.Unlock()
	if s != nil {
		return s
	}
	// computed once, whichever function's evaluation asks first: not that function's
	// reading (retOf would make it a reader of every function the module's statements
	// call, whose new returns do not recompute this scope; and the unit graph, which joins
	// a function to the module's statements only through the names it reads, would miss
	// that dependency, so that ReplaceFrom kept nothing)
	m := *e
	m.cur = funcRef{}
	s = m.bindScope(f, nil, nil)
	f.mu.Lock()
	if f.modScope == nil {
		f.modScope = s
	}
	s = f.modScope
	f.mu.Unlock()
	return s
}

// lazyScope returns the names of a function linking did not evaluate (not traced), with
// its parameters' priors, computed once.
func (f *File) lazyScope(e *evaluator, fn *Function) *scope {
	f.mu.Lock()
	s := f.lazy[fn]
	f.mu.Unlock()
	if s != nil {
		return s
	}
	s = e.bindScope(f, fn, f.state(fn).params(f, fn))
	f.mu.Lock()
	if old := f.lazy[fn]; old != nil {
		s = old
	} else {
		f.lazy[fn] = s
	}
	f.mu.Unlock()
	return s
}

// lazyRet returns what an untraced function returns, computed once.
func (f *File) lazyRet(e *evaluator, fn *Function) Value {
	f.mu.Lock()
	v, ok := f.lazyRets[fn]
	f.mu.Unlock()
	if ok {
		return v
	}
	for _, r := range e.inRet {
		if r.fn == fn && r.f == f {
			return Unknown // recursion
		}
	}
	e.inRet = append(e.inRet, funcRef{f, fn})
	v = e.returns(f, fn)
	e.inRet = e.inRet[:len(e.inRet)-1]
	f.mu.Lock()
	f.lazyRets[fn] = v
	f.mu.Unlock()
	return v
}
