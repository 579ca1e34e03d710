package torchsem

import (
	"strings"
	"sync/atomic"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// Program is a set of files analysed together: a name imported from one file resolves to
// the function or class another defines, a forward in one file traces helpers in another,
// and values flow through calls across files. NewProgram links the files once; the Program
// and its Files are then immutable (lazily computed answers are memoised under locks) and
// safe for concurrent reads.
type Program struct {
	Files    []*File
	byModule map[string]*File
	roots    rootTable // functions whose parameters are inputs (Ref.Root indexes it); File.roots is the inverse
	// freeRoots are, while Replace links a new text, the roots of the previous text's
	// forwards, by qualified name, that a forward of the new text of the same name and
	// parameters takes over (rootID): values other files hold of that forward's inputs
	// then name the new text's, as linking the project anew would
	freeRoots map[string]funcRef

	classDims []ClassDims               // declared by the configuration (WithClassDims)
	decls     atomic.Pointer[declState] // the dynamic-shape declarations, computed on first use (decls.go)
	memo      programMemo               // values the rules compute once per program (memo.go)
	imports   importGraph               // which files may name which (importers.go)
	base      *Program                  // the program Replace re-linked a file of, or nil
	rebased   *rebased                  // made by Relink (its base is the program it replaced files of): what it changed (relink.go), or nil
	carry     *Carry                    // what ReplaceFrom kept of the file's previous text (carry.go), or nil
	names     atomic.Pointer[namesMemo] // what Relinks from this program, or the one it was re-linked from, asked (relink.go)
	id        uint64                    // unique in the process (programIDs)
}

// programIDs numbers programs, so that a program Relink made names the one it started
// from without keeping it (rebased.from).
var programIDs atomic.Uint64

// funcRef names one function of one file.
type funcRef struct {
	f  *File
	fn *Function
}

// NewProgram links files (each built by pysem.NewFile with its Module) into a program.
// Files without a module name resolve their own names only.
func NewProgram(files []*pysem.File, opts ...ProgramOption) *Program {
	p := &Program{byModule: map[string]*File{}, id: programIDs.Add(1)}
	for _, o := range opts {
		o(p)
	}
	for _, pf := range files {
		f := newFile(p, pf)
		p.Files = append(p.Files, f)
		if pf.Module.Name != "" {
			if _, dup := p.byModule[pf.Module.Name]; !dup {
				p.byModule[pf.Module.Name] = f
			}
		}
	}
	p.link()
	return p
}

// File returns the program's file of module name, or nil.
func (p *Program) File(module string) *File { return p.byModule[module] }

// moduleOf returns the file of the module the qualified name q is or lies in: its longest
// prefix that is a module of p, as lookup resolves it (nil: none).
func (p *Program) moduleOf(q string) *File {
	for i := len(q); i > 0; i = strings.LastIndexByte(q[:i], '.') {
		if f := p.byModule[q[:i]]; f != nil {
			return f
		}
	}
	return nil
}

// maxReexport bounds the re-exports (from .a import X in an __init__) followed to find a name.
const maxReexport = 8

// lookup resolves a qualified name to a class or function of a project file: the longest
// module prefix names the file, the rest a top-level name of it (or of a class in it,
// "Class.method"), following re-exports and star imports of packages.
func (p *Program) lookup(q string) (*File, any) {
	return p.lookupDepth(q, 0, nil)
}

// lookupDepth is lookup at a depth of re-exports. seen holds the names whose star imports
// this lookup already searched, and at which depth (made on the first star import): modules
// that star-import each other would otherwise be searched again at each depth, their
// number to the power of maxReexport.
func (p *Program) lookupDepth(q string, depth int, seen map[string]int) (*File, any) {
	if depth > maxReexport || q == "" || q[0] == '.' {
		return nil, nil
	}
	for i := len(q); i > 0; i = strings.LastIndexByte(q[:i], '.') {
		f := p.byModule[q[:i]]
		if f == nil {
			continue
		}
		if i == len(q) {
			return nil, nil // a module, not a name in one
		}
		rest := q[i+1:]
		name, member, _ := strings.Cut(rest, ".")
		if g := f.TopFunc(name); g != nil && member == "" {
			return f, g
		}
		if c := f.ClassNamed(name); c != nil {
			if member == "" {
				return f, c
			}
			if mf, m := p.method(f, c, member); m != nil {
				return mf, m
			}
			return nil, nil
		}
		if target, ok := f.ModuleImports()[name]; ok && target != q[:i]+"."+name {
			if member != "" {
				target += "." + member
			}
			return p.lookupDepth(target, depth+1, seen)
		}
		if len(f.StarImports) == 0 {
			return nil, nil
		}
		if d, ok := seen[q]; ok && d <= depth {
			return nil, nil // searched already, with at least as many re-exports left
		}
		if seen == nil {
			seen = map[string]int{}
		}
		seen[q] = depth
		for _, star := range f.StarImports {
			if p.byModule[star] == nil {
				// not in the program: its names are unknown (looking the name up under it
				// would find this package again, by the longest prefix)
				continue
			}
			if sf, sym := p.lookupDepth(star+"."+rest, depth+1, seen); sf != nil {
				return sf, sym
			}
		}
		return nil, nil
	}
	return nil, nil
}

// starImported resolves a bare name that file f uses without binding it through f's star
// imports ("from pkg.layers import *"), the last import first as Python binds them: the
// qualified name of the project's function or class it names, with its file and symbol;
// "" when no module the program links defines it.
func (p *Program) starImported(f *File, name string) (string, *File, any) {
	for i := len(f.StarImports) - 1; i >= 0; i-- {
		q := f.StarImports[i] + "." + name
		if sf, sym := p.lookup(q); sf != nil {
			return q, sf, sym
		}
	}
	return "", nil, nil
}

// bases returns the base class names of c (of f) as the program resolves them
// (resolveBase): c.Bases itself when f has no star import.
func (p *Program) bases(f *File, c *Class) []string {
	if len(f.StarImports) == 0 {
		return c.Bases
	}
	out := make([]string, len(c.Bases))
	for i, b := range c.Bases {
		out[i] = p.resolveBase(f, b)
	}
	return out
}

// resolveBase is a base class name b of a class of f (which has star imports) as the
// program resolves it: as pysem resolved it, or for a bare name f neither defines nor
// imports by name, the project's class a star import brings, or "torch.nn.Name" after
// "from torch.nn import *" when no other star import is of a module outside the program.
func (p *Program) resolveBase(f *File, b string) string {
	if strings.IndexByte(b, '.') >= 0 || f.ClassNamed(b) != nil || f.TopFunc(b) != nil {
		return b
	}
	if q, _, _ := p.starImported(f, b); q != "" {
		return q
	}
	// torch.nn's names, unless another star import the program cannot read may bring it
	nn := false
	for _, star := range f.StarImports {
		switch {
		case star == "torch.nn":
			nn = true
		case p.byModule[star] == nil:
			return b
		}
	}
	if nn && isModuleBase("torch.nn."+b) {
		return "torch.nn." + b
	}
	return b
}

// lineage calls visit for c (of file f), then its first base class that is a class of the
// program, and so on, until visit returns false, a class has no such base, or the chain
// comes back to a class it visited.
func (p *Program) lineage(f *File, c *Class, visit func(*File, *Class) bool) {
	type at struct {
		f *File
		c *Class
	}
	var buf [8]at
	seen := buf[:0]
	for kf, k := f, c; k != nil; {
		for _, s := range seen {
			if s.c == k {
				return
			}
		}
		seen = append(seen, at{kf, k})
		if !visit(kf, k) {
			return
		}
		kf, k = p.baseOf(kf, k)
	}
}

// baseOf returns c's first base class that the program defines (in f or any file).
func (p *Program) baseOf(f *File, c *Class) (*File, *Class) {
	for _, b := range p.bases(f, c) {
		if bc := f.ClassNamed(b); bc != nil && bc != c {
			return f, bc
		}
		if bf, sym := p.lookup(b); bf != nil {
			if bc, ok := sym.(*Class); ok && bc != c {
				return bf, bc
			}
		}
	}
	return nil, nil
}

// method returns the method name of c, looking through its base classes in every file.
func (p *Program) method(f *File, c *Class, name string) (*File, *Function) {
	var mf *File
	var m *Function
	p.lineage(f, c, func(kf *File, k *Class) bool {
		if g := k.Methods[name]; g != nil {
			mf, m = kf, g
			return false
		}
		return true
	})
	return mf, m
}

// isModule reports whether c of f is an nn.Module subclass.
func (p *Program) isModule(f *File, c *Class) bool { return f != nil && f.IsModule(c) }

// resolveModules marks nn.Module and autograd.Function subclasses across files: a class is
// one when a base is one, in its own file or another. The marks spread from the classes
// with such a base to the classes naming them as a base, each class once: a long chain of
// classes costs its length, not a pass over every class per link of it.
func (p *Program) resolveModules() {
	var sp spread
	for _, f := range p.Files {
		for _, c := range f.Classes {
			for _, b := range p.bases(f, c) {
				sp.seed(f, c, b)
				bf, bc := f, f.ClassNamed(b)
				if bc == nil || bc == c {
					bc = nil
					if sf, sym := p.lookup(b); sf != nil {
						if k, ok := sym.(*Class); ok && k != c {
							bf, bc = sf, k
						}
					}
				}
				if bc != nil {
					sp.edge(classRef{bf, bc}, classRef{f, c})
				}
			}
		}
	}
	sp.run()
}

// classRef is a class and its file.
type classRef struct {
	f *File
	c *Class
}

// spread propagates the module and autograd marks from bases to subclasses.
type spread struct {
	subs        map[classRef][]classRef // a class -> the classes naming it as a base
	mods, autos []classRef              // marked, their subclasses not yet
}

// seed marks c when its base b is nn.Module (or a subclass from torch.nn) or
// torch.autograd.Function.
func (sp *spread) seed(f *File, c *Class, b string) {
	if isModuleBase(b) && !f.module[c] {
		f.module[c] = true
		sp.mods = append(sp.mods, classRef{f, c})
	}
	if b == "torch.autograd.Function" && !f.autograd[c] {
		f.autograd[c] = true
		sp.autos = append(sp.autos, classRef{f, c})
	}
}

func (sp *spread) edge(base, sub classRef) {
	if sp.subs == nil {
		sp.subs = map[classRef][]classRef{}
	}
	sp.subs[base] = append(sp.subs[base], sub)
}

// mark seeds the marks a class already has (a class of another file, marked before).
func (sp *spread) mark(r classRef) {
	if r.f.module[r.c] {
		sp.mods = append(sp.mods, r)
	}
	if r.f.autograd[r.c] {
		sp.autos = append(sp.autos, r)
	}
}

func (sp *spread) run() {
	for len(sp.mods) > 0 {
		r := sp.mods[len(sp.mods)-1]
		sp.mods = sp.mods[:len(sp.mods)-1]
		for _, s := range sp.subs[r] {
			if !s.f.module[s.c] {
				s.f.module[s.c] = true
				sp.mods = append(sp.mods, s)
			}
		}
	}
	for len(sp.autos) > 0 {
		r := sp.autos[len(sp.autos)-1]
		sp.autos = sp.autos[:len(sp.autos)-1]
		for _, s := range sp.subs[r] {
			if !s.f.autograd[s.c] {
				s.f.autograd[s.c] = true
				sp.autos = append(sp.autos, s)
			}
		}
	}
}

// isModuleBase reports whether a resolved base class name is nn.Module or one of its
// subclasses from torch.nn or Lightning.
func isModuleBase(q string) bool {
	switch q {
	case "torch.nn.Parameter", "torch.nn.parameter.Parameter", "torch.nn.Buffer":
		return false
	}
	if strings.HasPrefix(q, "torch.nn.") {
		last := q[strings.LastIndexByte(q, '.')+1:]
		return last != "" && isUpper(last[0])
	}
	return strings.HasSuffix(q, "LightningModule")
}

// rootID interns fn of f as a root whose parameters are inputs.
func (p *Program) rootID(r funcRef) int32 {
	if id, ok := r.f.roots[r.fn]; ok {
		return id
	}
	if r.f.roots == nil {
		r.f.roots = map[*Function]int32{}
	}
	if old, ok := p.freeRoots[r.fn.QualName()]; ok && sameParams(old.fn, r.fn) {
		delete(p.freeRoots, r.fn.QualName())
		id := old.f.roots[old.fn]
		p.roots.set(id, r)
		r.f.roots[r.fn] = id
		return id
	}
	id := p.roots.add(r)
	r.f.roots[r.fn] = id
	return id
}

func sameParams(a, b *Function) bool {
	if len(a.Params) != len(b.Params) {
		return false
	}
	for i := range a.Params {
		if a.Params[i].Name != b.Params[i].Name || a.Params[i].Kind != b.Params[i].Kind {
			return false
		}
	}
	return true
}

// Root returns the function a Ref's Root names, and its file.
func (p *Program) Root(id int32) (*File, *Function) {
	if id < 0 || int(id) >= p.roots.len() {
		return nil, nil
	}
	r := p.roots.at(id)
	return r.f, r.fn
}

// maxEvalsPerFunc bounds how often linking re-evaluates one function (values only grow, so
// linking ends anyway; the bound keeps a pathological program linear).
const maxEvalsPerFunc = 32

// link finds the traced functions and the values flowing through their calls: a worklist
// over functions, starting from every module's forward, until nothing changes.
func (p *Program) link() {
	p.resolveModules()
	l := &linker{p: p}
	for _, f := range p.Files {
		rebound := f.reboundConstant()
		f.rebound = rebound
		for _, c := range f.Classes {
			if f.module[c] {
				if fwd := c.Methods["forward"]; fwd != nil {
					l.mark(funcRef{f, fwd}, Why{Kind: WhyForward, Class: c})
				}
			}
		}
	}
	l.run()
}

// run works the list until nothing changes, then computes every traced function's scope
// under the final values.
func (l *linker) run() {
	for len(l.work) > 0 {
		r := l.work[len(l.work)-1]
		l.work = l.work[:len(l.work)-1]
		st := r.f.state(r.fn)
		st.queued = false
		if st.evals >= maxEvalsPerFunc {
			continue
		}
		st.evals++
		l.process(r)
	}
	for _, f := range l.p.Files {
		if l.only != nil && f != l.only {
			continue
		}
		for _, fn := range f.Funcs {
			if l.isFixed(funcRef{f, fn}) {
				continue
			}
			if st := f.state(fn); st.why.Kind != NotTraced && (st.scope == nil || st.dirty) {
				e := &evaluator{p: l.p, linking: true, cur: funcRef{f, fn}, l: l}
				st.scope = e.bindScope(f, fn, st.params(f, fn))
				st.dirty = false
			}
		}
	}
}

// linker is the state of one link.
type linker struct {
	p    *Program
	work []funcRef
	only *File // when set, the one file being re-linked: other files are read, never changed
	// fixed, per function of only (nil: none), marks the functions whose state was kept
	// from the previous text's linking (ReplaceFrom): read, never changed
	fixed []bool
}

// frozen reports whether linking must leave f's state as it is.
func (l *linker) frozen(f *File) bool { return l.only != nil && f != l.only }

// isFixed reports whether linking must leave r's state as it is: its file is frozen, or
// its state was kept from the previous text.
func (l *linker) isFixed(r funcRef) bool {
	return l.frozen(r.f) || (l.fixed != nil && r.f == l.only && l.fixed[r.fn.Index()])
}

// mark records that export traces r, and why, the first time it is reached.
func (l *linker) mark(r funcRef, why Why) {
	if r.fn == nil || l.isFixed(r) {
		return
	}
	st := r.f.state(r.fn)
	if st.why.Kind != NotTraced || r.f.notTraced(r.fn) {
		return
	}
	if r.fn.Parent == nil && r.fn.Class == nil && r.f.rebound[r.fn.Name] {
		return
	}
	st.why = why
	if why.Kind == WhyForward {
		l.p.rootID(r)
	}
	l.enqueue(r)
}

func (l *linker) enqueue(r funcRef) {
	if l.isFixed(r) {
		return
	}
	st := r.f.state(r.fn)
	st.dirty = true
	if !st.queued {
		st.queued = true
		l.work = append(l.work, r)
	}
}

// nestedSite is where a nested function is defined: its name, or the whole lambda.
func nestedSite(t *syntax.Tree, g *Function) NodeID {
	if n := t.Field(g.Node, syntax.FieldName); n != NoNode {
		return n
	}
	return g.Node
}

// process evaluates one traced function: what it calls, passes on and returns.
func (l *linker) process(r funcRef) {
	f, fn := r.f, r.fn
	t := f.Tree
	st := f.state(fn)
	e := &evaluator{p: l.p, linking: true, cur: r, l: l}
	st.scope = e.bindScope(f, fn, st.params(f, fn))
	st.dirty = false
	// what fn passes to other files' functions is what this evaluation passes: an earlier
	// one saw less of the values it reads (the order linking met them in), and its passes
	// would make the surface differ from the one Replace gives the same text
	st.out = nil
	// nested functions and lambdas: export traces every call a traced body makes
	for _, g := range f.Funcs[fn.Index()+1:] {
		if !t.Contains(fn.Node, g.Node) {
			break
		}
		if g.Parent == fn {
			l.mark(funcRef{f, g}, Why{Kind: WhyNested, from: r, Site: nestedSite(t, g)})
			if gs := f.state(g); gs.why.Kind != NotTraced {
				l.enqueue(funcRef{f, g}) // closures read this scope
			}
		}
	}
	for _, d := range fn.Decorators {
		name := t.Unparen(d)
		if t.Kind(name) == syntax.KindCall {
			name = t.Field(name, syntax.FieldFunction)
		}
		if t.Kind(name) == syntax.KindIdentifier {
			if g := f.LookupFunc(fn.Parent, t.String(name)); g != nil {
				l.mark(funcRef{f, g}, Why{Kind: WhyDecorates, from: r, Site: d})
			}
		}
	}
	for _, call := range f.OwnNodes(fn, syntax.KindCall) {
		c := e.calleeOf(f, fn, t.Field(call, syntax.FieldFunction), false)
		if c.Func != nil && !(c.Class != nil && l.p.isModule(c.ClassFile, c.Class)) {
			l.mark(funcRef{c.File, c.Func}, Why{Kind: WhyCalled, from: r, Site: call})
			l.p.passArgs(e, f, fn, call, c)
		}
		if c.mods != nil {
			// a container or what it holds: the forwards its children run, with what each
			// receives (the call's arguments, the child before's result)
			e.callModules(f, fn, call, c.mods, func(gf *File, g *Function, args []Value) {
				l.mark(funcRef{gf, g}, Why{Kind: WhyCalled, from: r, Site: call})
				l.p.passValues(e, f, fn, gf, g, args)
			})
		}
		// functions passed as arguments: cond/map branches, callbacks
		pos, kws := f.Args(call)
		for _, a := range pos {
			l.markPassed(e, r, call, a)
		}
		for _, k := range kws {
			l.markPassed(e, r, call, t.Field(k, syntax.FieldValue))
		}
	}
	ret := e.returns(f, fn)
	if ret != st.ret || !st.retSet {
		changed := ret != st.ret
		st.ret, st.retSet = ret, true
		if changed {
			for _, rd := range st.readers {
				l.enqueue(rd)
			}
		}
	}
}

// markPassed marks a function passed as an argument (a name, a lambda, self.method).
func (l *linker) markPassed(e *evaluator, from funcRef, call, arg NodeID) {
	f := from.f
	t := f.Tree
	arg = t.Unparen(arg)
	switch t.Kind(arg) {
	case syntax.KindIdentifier, syntax.KindLambda, syntax.KindAttribute:
	default:
		return
	}
	var gf *File
	var g *Function
	switch t.Kind(arg) {
	case syntax.KindLambda:
		gf, g = f, f.FuncAt(arg)
	case syntax.KindIdentifier:
		if h := f.LookupFunc(from.fn, t.String(arg)); h != nil {
			gf, g = f, h
		} else if q, ok := f.ImportOf(arg); ok {
			if sf, sym := l.p.lookup(q); sf != nil {
				if h, ok := sym.(*Function); ok {
					gf, g = sf, h
				}
			}
		}
	case syntax.KindAttribute:
		obj := t.Unparen(t.Field(arg, syntax.FieldObject))
		attr := t.String(t.Field(arg, syntax.FieldAttribute))
		if cls := f.ClassOfReceiver(from.fn, obj); cls != nil {
			gf, g = l.p.method(f, cls, attr)
			if g == nil {
				if sc := f.selfClass(from.fn, obj); sc != nil {
					if a := e.attr(f, sc, attr); a.Kind == AttrSubmodule && a.Class != nil {
						gf, g = l.p.method(a.ClassFile, a.Class, "forward")
					}
				}
			}
		} else if t.Kind(obj) == syntax.KindAttribute {
			// self.sub.forward
			if sc := f.selfClass(from.fn, t.Unparen(t.Field(obj, syntax.FieldObject))); sc != nil {
				if a := e.attr(f, sc, t.String(t.Field(obj, syntax.FieldAttribute))); a.Kind == AttrSubmodule && a.Class != nil {
					gf, g = l.p.method(a.ClassFile, a.Class, attr)
				}
			}
		}
	}
	if g != nil {
		l.mark(funcRef{gf, g}, Why{Kind: WhyPassed, from: from, Site: call})
	}
}

// passArgs joins the values a call passes into the parameters of the project function it
// calls, and re-evaluates that function when they grow.
func (p *Program) passArgs(e *evaluator, f *File, fn *Function, call NodeID, c Callee) {
	if e.l == nil || e.l.frozen(f) {
		return
	}
	p.passValues(e, f, fn, c.File, c.Func, e.argValues(f, fn, call, c))
}

// passValues joins args, the values a call in fn (of f) passes to the parameters of g (of
// gf), into what g receives, and re-evaluates g when they grow.
func (p *Program) passValues(e *evaluator, f *File, fn *Function, gf *File, g *Function, args []Value) {
	if e.l == nil || e.l.frozen(f) {
		return
	}
	f.recordOutgoing(fn, gf, g, args)
	if e.l.isFixed(funcRef{gf, g}) {
		return
	}
	st := gf.state(g)
	if st.in == nil {
		st.in = make([]Value, len(g.Params))
		st.missing = make([]bool, len(g.Params))
	}
	changed := !st.called
	st.called = true
	for i := range st.in {
		if args[i].IsZero() {
			if !st.missing[i] {
				st.missing[i], changed = true, true
			}
			continue
		}
		if nv := st.in[i].rebind(args[i]); nv != st.in[i] {
			st.in[i], changed = nv, true
		}
	}
	if changed {
		e.l.enqueue(funcRef{gf, g})
	}
}

// retOf is what calling g (of file gf) may return.
func (p *Program) retOf(e *evaluator, gf *File, g *Function) Value {
	if gf == nil || g == nil {
		return Unknown
	}
	if gf.customOp(g) {
		// a custom operator's result is what its fake returns: a tensor when annotated so
		if ret := gf.Tree.Field(g.Node, syntax.FieldReturnType); ret != NoNode && (gf.Tree.TextIs(ret, "Tensor") || strings.HasSuffix(gf.Tree.String(ret), ".Tensor")) {
			return Of(Tensor)
		}
		return Unknown
	}
	if gf.notTraced(g) {
		return Of(Const | Other) // assume_constant_result: export burns the result in
	}
	st := gf.state(g)
	if e.linking && e.l != nil && e.l.isFixed(funcRef{gf, g}) {
		if st.retSet && st.why.Kind != NotTraced {
			return st.ret
		}
		return gf.lazyRet(e, g)
	}
	if e.linking {
		cur := e.cur
		if cur.fn != nil {
			st.addReader(cur)
		}
		if st.retSet {
			return st.ret
		}
		for _, r := range e.inRet {
			if r.fn == g && r.f == gf {
				return st.ret // recursion: what is known so far
			}
		}
		e.inRet = append(e.inRet, funcRef{gf, g})
		sub := &evaluator{p: p, linking: true, cur: funcRef{gf, g}, l: e.l, inRet: e.inRet, depth: e.depth}
		st.ret, st.retSet = sub.returns(gf, g), true
		e.inRet = e.inRet[:len(e.inRet)-1]
		return st.ret
	}
	if st.retSet && st.why.Kind != NotTraced {
		return st.ret
	}
	return gf.lazyRet(e, g)
}

// returns is the join of what fn's return statements (or a lambda's body) give.
func (e *evaluator) returns(f *File, fn *Function) Value {
	t := f.Tree
	if t.Kind(fn.Node) == syntax.KindLambda {
		return e.expr(f, fn, fn.Body)
	}
	var v Value
	rets := f.OwnNodes(fn, syntax.KindReturnStatement)
	for _, r := range rets {
		if x := t.NamedChild(r, 0); x != NoNode {
			v = v.Join(e.expr(f, fn, x))
		} else {
			v = v.Join(Of(NoneValue))
		}
	}
	if len(rets) == 0 {
		if len(f.OwnNodes(fn, syntax.KindYield)) > 0 {
			return Unknown // a generator
		}
		return Of(NoneValue)
	}
	return v
}
