package torchsem

import "github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"

// WhyKind says how export reaches a traced function.
type WhyKind uint8

// How export reaches a function.
const (
	NotTraced    WhyKind = iota
	WhyForward           // the forward of an nn.Module class
	WhyCalled            // called from traced code
	WhyPassed            // passed as an argument from traced code (a cond branch, a callback)
	WhyNested            // defined inside a traced function
	WhyDecorates         // a decorator of a traced function
)

// Why records how export reaches a traced function: the first way linking found.
type Why struct {
	Kind  WhyKind
	Class *Class // WhyForward: the module class
	from  funcRef
	Site  NodeID // the call (or decorator, or nested def's name) in From's file
}

// From is the traced function that reaches this one (not for WhyForward), and its file.
func (w Why) From() (*File, *Function) { return w.from.f, w.from.fn }

// String is the explanation in words: "forward of Model", "called from Model.forward".
func (w Why) String() string {
	switch w.Kind {
	case WhyForward:
		return "forward of " + w.Class.Name
	case WhyCalled:
		return "called from " + w.from.fn.QualName()
	case WhyPassed:
		return "passed from " + w.from.fn.QualName()
	case WhyNested:
		return "nested in " + w.from.fn.QualName()
	case WhyDecorates:
		return "decorates " + w.from.fn.QualName()
	}
	return ""
}

// Step is one link of the chain that makes export trace a function: Func of File reaches
// the next step at Site (a call, or the decorator, in File).
type Step struct {
	File *File
	Func *Function
	Site NodeID  // the call, argument or decorator in File that reaches the next step
	Kind WhyKind // how the next step is reached from this one
}

// maxChain bounds a chain's length.
const maxChain = 32

// Chain returns how export reaches fn, outermost first: the forward it starts from, each
// function on the way with the call that leads on, and fn itself (with Site NoNode). It
// is nil when fn is not traced.
func (f *File) Chain(fn *Function) []Step {
	if !f.Traced(fn) {
		return nil
	}
	var rev []Step
	cf, cfn := f, fn
	site, kind := NoNode, NotTraced
	for len(rev) < maxChain && cfn != nil {
		rev = append(rev, Step{File: cf, Func: cfn, Site: site, Kind: kind})
		w := cf.Why(cfn)
		if w.Kind == WhyForward || w.Kind == NotTraced {
			break
		}
		site, kind = w.Site, w.Kind
		cf, cfn = w.from.f, w.from.fn
		if cf != nil && cf != f {
			cf, cfn, site = f.prog.stepNow(cf, cfn, site)
		}
		for _, s := range rev { // a cycle cannot happen (the first way found is kept), but be sure
			if s.Func == cfn && s.File == cf {
				cfn = nil
			}
		}
	}
	out := make([]Step, len(rev))
	for i := range rev {
		out[i] = rev[len(rev)-1-i]
	}
	return out
}

// funcState is what linking knows of one function.
type funcState struct {
	why     Why
	in      []Value // joined values traced callers pass, per parameter
	missing []bool  // a traced call does not pass this parameter (its default applies)
	called  bool    // some traced call passes arguments
	ret     Value
	retSet  bool
	scope   *scope
	dirty   bool               // in or a callee's result changed since scope was computed
	readers []funcRef          // functions whose evaluation read ret (linking only)
	out     map[string]*passed // what its traced code passes to other files' functions, by module:qualname
	queued  bool
	evals   int
}

func (st *funcState) addReader(r funcRef) {
	for _, x := range st.readers {
		if x == r {
			return
		}
	}
	st.readers = append(st.readers, r)
}

// params is what each parameter of fn holds: for a forward, its prior tied to the input it
// is; for a function traced callers call, what they pass (and its prior where a call leaves
// a parameter to its default); otherwise its prior.
func (st *funcState) params(f *File, fn *Function) []Value {
	out := make([]Value, len(fn.Params))
	var root int32 = -1
	if st.why.Kind == WhyForward {
		if id, ok := f.roots[fn]; ok {
			root = id
		}
	}
	for i := range fn.Params {
		prior := f.paramPrior(fn, i)
		if root >= 0 && prior.May(Tensor) {
			prior = prior.withRef(Ref{Root: root, Param: int16(i), Of: RefInput})
		}
		switch {
		case st.called && st.in != nil && !st.in[i].IsZero():
			out[i] = st.in[i]
			if root >= 0 || st.missing[i] {
				out[i] = out[i].Join(prior)
			}
		default:
			out[i] = prior
		}
	}
	return out
}

// stepNow returns the step (file, function, site) as the program holds it now. Linking
// records the caller of a function in another file; a later re-link of the caller's file
// alone (Relink, when what it changed reaches no other file's linking) leaves that record
// pointing at the caller's replaced text. The step is then the function of the same
// qualified name in the file the program holds for the module, and the site the node of
// the same kind and text at the same rank among such nodes of the function; NoNode when it
// has none, so that no place of a text the editor no longer shows is cited.
func (p *Program) stepNow(f *File, fn *Function, site NodeID) (*File, *Function, NodeID) {
	if p == nil || f.Module.Name == "" || fn == nil {
		return f, fn, site
	}
	cur := p.byModule[f.Module.Name]
	if cur == nil || cur == f {
		return f, fn, site
	}
	qual := fn.QualName()
	nfn := cur.funcsByQualName([]string{qual})[qual]
	if nfn == nil {
		return f, fn, site // the function is gone: the record is all there is
	}
	return cur, nfn, sameNodeIn(f.Tree, fn.Node, site, cur.Tree, nfn.Node)
}

// sameNodeIn finds, in the subtree of nt's node in, the node that is to it what site is to
// old's subtree of ot: the same kind and text, and as many such nodes before it.
func sameNodeIn(ot *syntax.Tree, old, site NodeID, nt *syntax.Tree, in NodeID) NodeID {
	if site == NoNode || old == NoNode || in == NoNode || site < old || site >= ot.SubtreeEnd(old) {
		return NoNode
	}
	k, text := ot.Kind(site), ot.Text(site)
	rank := 0
	for n := old; n < site; n++ {
		if ot.Kind(n) == k && string(ot.Text(n)) == string(text) {
			rank++
		}
	}
	for n := in; n < nt.SubtreeEnd(in); n++ {
		if nt.Kind(n) == k && string(nt.Text(n)) == string(text) {
			if rank == 0 {
				return n
			}
			rank--
		}
	}
	return NoNode
}
