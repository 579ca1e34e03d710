package torchsem

import (
	"slices"
	"sort"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// reuse carries what linking found for the unchanged, unaffected units of a file's
// previous text (prev) over to its new text (nf): the functions' states, the callees and
// attribute tables, with functions, classes and node IDs mapped to the new text's.
type reuse struct {
	prev, nf *File
	ou, nu   *unitGraph
	newUnit  []int   // per unit of prev: the new unit it is kept as, or -1
	keptUnit []bool  // per unit of nf: it is a unit of prev, kept
	fixed    []bool  // per function of nf: its state is kept
	comps    []int32 // per unit of nf: its component in the dependency graph (affectedUnits)
	// exactComps: comps are the components of nf's own graph (unitMemos.exact)
	exactComps bool
	nodeMap                // prev's nodes to nf's
	fns        []*Function // per function of prev (by Index): its kept counterpart, or nil
	keptFuncs  int         // the functions kept
	classes    map[*Class]*Class
	conts      map[*container]*container // containers of prev mapped so far (one new container each)
	// stale: prev was linked against the program a re-link was made from (ReplaceFrom);
	// the files of these modules were linked again since, so what names them is not kept
	stale map[string]bool
	// head and tail: how many units at the start and at the end of both texts the edit did
	// not change (sameUnit); those between them changed
	head, tail int
	// rebound: the names a lookup from another file may find bound otherwise now: the
	// identifiers of the import clauses the edit added or removed (changedImports), the
	// names the statements linked again bind (sameStatements), and the definitions whose
	// decorators were linked again (sameDefs)
	rebound []string
}

// nodeMap maps the nodes of a file's previous text to its new text's: the nodes in
// [first, preEnd) keep their IDs, those in [sufStart, prevLen) move by shift, except those
// in dropped (sorted ranges of units of the prefix or suffix that the edit affects); other
// nodes are not kept.
type nodeMap struct {
	first, preEnd, sufStart, shift, prevLen NodeID
	dropped                                 []nodeRange
}

// namesBound is how many names the unit graphs of a file's successive texts share at most
// (idents: the identifiers of the file): twice the file's, and some.
var namesBound = func(idents int) int { return 2*idents + 4096 }

// nodeRange is the nodes [start, end).
type nodeRange struct{ start, end NodeID }

// reuseFrom works out which units of nf keep prev's results. ok is false when nothing can
// be kept (the star imports changed, or a kept unit's functions do not match). The units
// with an identifier of names are not kept either; stale, when prev was linked against the
// program a re-link was made from, names the modules whose files it linked again.
func reuseFrom(prev, nf *File, names []string, stale map[string]bool) (r *reuse, ok bool) {
	if !slices.Equal(prev.StarImports, nf.StarImports) {
		return nil, false // any name may now come from elsewhere
	}
	ou := prev.initMemos().units
	ns := ou.names
	// the names of the texts typed one after another pile up: past a bound start again,
	// summarising every unit anew
	fresh := ns.len() > namesBound(len(prev.Nodes(syntax.KindIdentifier)))
	if fresh {
		ns = nil
	}
	r = &reuse{prev: prev, nf: nf, ou: ou, nu: newUnitGraph(nf.File, ns), stale: stale}
	lo, ln := len(r.ou.nodes), len(r.nu.nodes)
	same := sameUnitsOf(prev.Tree, nf.Tree)
	a := 0
	for a < lo && a < ln && same(r.ou.nodes[a], r.nu.nodes[a]) {
		a++
	}
	b := 0
	for b < lo-a && b < ln-a && same(r.ou.nodes[lo-1-b], r.nu.nodes[ln-1-b]) {
		b++
	}
	// an import the edit changed (import math -> import math, os) affects the units that
	// mention any identifier of the clauses it added or removed: what they bind, and what
	// they name, which an attribute chain may start with
	imported := changedImports(prev.Tree, r.ou.nodes[a:lo-b], r.ou.kinds[a:lo-b], nf.Tree, r.nu.nodes[a:ln-b], r.nu.kinds[a:ln-b])
	r.rebound = slices.Clone(imported)
	imported = append(imported, names...)
	// a name whose module-level reads now take every binding, or no longer do (flow.go),
	// may change what any unit mentioning it reads
	r.nu.carryFlow(r.ou, a, lo-b)
	of, nfl := r.ou.flow(), r.nu.flow()
	if of.off != nfl.off {
		return nil, false
	}
	if of != nfl { // not carried (carryFlow)
		for name := range of.open {
			if !nfl.open[name] {
				imported = append(imported, name)
			}
		}
		for name := range nfl.open {
			if !of.open[name] {
				imported = append(imported, name)
			}
		}
	}
	if fresh {
		// prev's units are summarised again, with nf's names
		ou = newUnitGraph(prev.File, r.nu.names)
		r.ou = ou
	}
	// the unchanged units' summaries are the previous text's
	ou.mu.Lock()
	for i := 0; i < a; i++ {
		r.nu.sums[i] = ou.sumLocked(i)
	}
	for i := 0; i < b; i++ {
		r.nu.sums[ln-1-i] = ou.sumLocked(lo - 1 - i)
	}
	ou.mu.Unlock()
	// an edit of one unit at most that changed no name a unit binds or mentions leaves the
	// graph as it was: its components are the new text's own (exactComps), and when the
	// previous text's were its own too they are taken as they are
	r.exactComps = len(imported) == 0 && lo == ln && lo-b-a <= 1 && sameSums(r.ou, r.nu, a, lo-b)
	var affected []bool
	if r.exactComps && !fresh {
		affected, r.comps = sameComponents(prev, a, lo-b)
	}
	if affected == nil {
		affected, r.comps = affectedUnits(r.ou, a, lo-b, r.nu, a, ln-b, imported)
	}
	r.head, r.tail = a, b
	r.newUnit = make([]int, lo)
	r.keptUnit = make([]bool, ln)
	end := NodeID(prev.Tree.Len())
	r.first, r.preEnd, r.sufStart, r.prevLen = end, end, end, end
	if lo > 0 {
		r.first = r.ou.nodes[0] // the root lies in no unit
	}
	if a < lo {
		r.preEnd = r.ou.nodes[a]
	}
	if b > 0 {
		r.sufStart, r.shift = r.ou.nodes[lo-b], r.nu.nodes[ln-b]-r.ou.nodes[lo-b]
	}
	for i := range r.newUnit {
		j := -1
		switch {
		case i < a:
			j = i
		case i >= lo-b:
			j = i - lo + ln
		}
		if j >= 0 && affected[j] {
			r.dropped = append(r.dropped, nodeRange{r.ou.nodes[i], prev.Tree.SubtreeEnd(r.ou.nodes[i])})
			j = -1
		}
		r.newUnit[i] = j
		if j >= 0 {
			r.keptUnit[j] = true
		}
	}
	// functions and classes of the kept units, by their nodes shifted
	r.fixed = make([]bool, len(nf.Funcs))
	r.fns = make([]*Function, len(prev.Funcs))
	for i, fn := range prev.Funcs {
		n, kept := r.node(fn.Node)
		if !kept {
			continue
		}
		g := nf.FuncAt(n)
		if g == nil || g.Name != fn.Name || len(g.Params) != len(fn.Params) || (g.Parent == nil) != (fn.Parent == nil) || (g.Class == nil) != (fn.Class == nil) {
			return nil, false
		}
		r.fns[i] = g
		r.fixed[g.Index()] = true
		r.keptFuncs++
	}
	for _, g := range nf.Funcs {
		if !r.fixed[g.Index()] && !affected[r.nu.unitOf(g.Node)] {
			return nil, false // a function of a kept unit that prev did not have
		}
	}
	byNode := make(map[NodeID]*Class, len(nf.Classes))
	for _, c := range nf.Classes {
		byNode[c.Node] = c
	}
	r.classes = make(map[*Class]*Class, len(prev.Classes))
	for _, c := range prev.Classes {
		if n, kept := r.node(c.Node); kept {
			nc := byNode[n]
			if nc == nil || nc.Name != c.Name {
				return nil, false
			}
			r.classes[c] = nc
		}
	}
	if !r.copyStates() {
		return nil, false
	}
	r.copyCaches()
	return r, true
}

// sameUnitsOf returns sameUnit for units of ta and tb: identity when they are one tree.
// When tb was reparsed from ta by one edit (syntax.Splice), a unit whose nodes the splice
// copied (before the nodes parsed again, or after them at its place moved) and whose text
// the edit did not touch is the same without comparing its nodes.
func sameUnitsOf(ta, tb *syntax.Tree) func(a, b NodeID) bool {
	if ta == tb {
		// one text analysed again (a re-link changed what it reads)
		return func(a, b NodeID) bool { return a == b }
	}
	sp := tb.Spliced()
	if sp == nil || !sp.From(ta) {
		return func(a, b NodeID) bool { return sameUnit(ta, a, tb, b) }
	}
	return func(a, b NodeID) bool {
		switch {
		case a >= 1 && a == b && ta.SubtreeEnd(a) <= sp.Lo && ta.End(a) <= sp.Edit.Start:
			return true
		case a >= sp.OldHi && b == a+sp.Shift() && ta.Start(a) >= sp.Edit.OldEnd:
			return true
		}
		return sameUnit(ta, a, tb, b)
	}
}

// sameImports reports whether two texts of a module import the same names.
func sameImports(a, b *pysem.File) bool {
	if len(a.ImportList) != len(b.ImportList) || len(a.StarImports) != len(b.StarImports) || len(a.ImportedModules) != len(b.ImportedModules) || len(a.Imports) != len(b.Imports) {
		return false
	}
	for i := range a.ImportList {
		if a.ImportList[i].Local != b.ImportList[i].Local || a.ImportList[i].Qual != b.ImportList[i].Qual {
			return false
		}
	}
	for i := range a.StarImports {
		if a.StarImports[i] != b.StarImports[i] {
			return false
		}
	}
	for i := range a.ImportedModules {
		if a.ImportedModules[i] != b.ImportedModules[i] {
			return false
		}
	}
	for k, v := range a.Imports {
		if w, ok := b.Imports[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// node maps a node of the previous text to the new text's: kept is false when its unit is
// not kept.
func (r *nodeMap) node(n NodeID) (NodeID, bool) {
	var m NodeID
	switch {
	case n < 0:
		return n, true
	case n >= r.first && n < r.preEnd:
		m = n
	case n >= r.sufStart && n < r.prevLen:
		m = n + r.shift
	default:
		return NoNode, false
	}
	if r.isDropped(n) {
		return NoNode, false
	}
	return m, true
}

// back is the inverse of node: the previous text's node that became n of the new text.
func (r *nodeMap) back(n NodeID) (NodeID, bool) {
	o := n // a node of the prefix, or NoNode
	if n >= r.sufStart+r.shift && (n < r.first || n >= r.preEnd) {
		o = n - r.shift // a node of the suffix
	}
	if m, ok := r.node(o); ok && m == n {
		return o, true
	}
	return NoNode, false
}

// isDropped reports whether node n of the previous text lies in a dropped range.
func (r *nodeMap) isDropped(n NodeID) bool {
	// the last dropped range starting at or before n
	i := sort.Search(len(r.dropped), func(i int) bool { return r.dropped[i].start > n }) - 1
	return i >= 0 && n < r.dropped[i].end
}

// keptClass reports whether c, a class of nf, lies in a kept unit.
func (r *reuse) keptClass(c *Class) bool {
	i := r.nu.unitOf(c.Node)
	return i < len(r.keptUnit) && r.keptUnit[i]
}

// staleFile reports whether f is a file of prev's program that a re-link replaced since.
func (r *reuse) staleFile(f *File) bool {
	return f != nil && f != r.prev && r.stale[f.Module.Name]
}

// file maps a file of prev's program to nf's program's.
func (r *reuse) file(f *File) *File {
	if f == r.prev {
		return r.nf
	}
	return f
}

// ref maps a function reference; ok is false for a function of prev that is not kept.
func (r *reuse) ref(x funcRef) (funcRef, bool) {
	if x.f != r.prev || x.fn == nil {
		return x, true
	}
	g := r.fn(x.fn)
	return funcRef{r.nf, g}, g != nil
}

// fn maps a function of prev: nil when it is not kept.
func (r *reuse) fn(fn *Function) *Function {
	if i := fn.Index(); i < len(r.fns) && r.prev.Funcs[i] == fn {
		return r.fns[i]
	}
	return nil
}

// class maps a class of file f (of prev's program); ok is false for a class of prev that
// is not kept.
func (r *reuse) class(f *File, c *Class) (*Class, bool) {
	if f != r.prev || c == nil {
		return c, true
	}
	nc := r.classes[c]
	return nc, nc != nil
}

// copyStates copies the kept functions' states; false when one names a function, class or
// node that is not kept (the graph of units missed a dependency: nothing is kept then).
func (r *reuse) copyStates() bool {
	for i, g := range r.fns {
		if g == nil {
			continue
		}
		ost := &r.prev.states[i]
		// in and missing are shared: linking writes neither of a function whose state is kept
		// (passValues), nor of any function once done
		st := funcState{in: ost.in, missing: ost.missing,
			called: ost.called, ret: ost.ret, retSet: ost.retSet, scope: ost.scope, evals: ost.evals, out: ost.out}
		w := ost.why
		var ok bool
		if w.Class, ok = r.class(r.prev, w.Class); !ok {
			return false
		}
		if w.from.f == r.prev {
			if w.Site, ok = r.node(w.Site); !ok {
				return false
			}
		}
		if w.from, ok = r.ref(w.from); !ok {
			return false
		}
		st.why = w
		for _, rd := range ost.readers {
			nr, ok := r.ref(rd)
			if !ok {
				return false
			}
			st.readers = append(st.readers, nr)
		}
		r.nf.states[g.Index()] = st
	}
	return true
}

// copyCaches copies what linking (or a later query) memoised for the kept units: the
// callees, the attribute tables, the scopes and results of functions not traced, the
// parameters read as tensors. An entry that cannot be mapped is left out: it is computed
// again when asked for.
func (r *reuse) copyCaches() {
	prev, nf := r.prev, r.nf
	// nf's tables are empty: make them as large as prev's at once
	nf.callees = make(map[NodeID]calleeRef, len(prev.callees))
	for n, ref := range prev.callees {
		nn, ok := r.node(n)
		if !ok {
			continue
		}
		if !ref.own {
			nf.callees[nn] = ref // names nothing of prev: shared
			continue
		}
		if c, ok := r.callee(*ref.c); ok {
			nf.callees[nn] = newCalleeRef(nf, c)
		}
	}
	prev.mu.Lock()
	defer prev.mu.Unlock()
	nf.attrs = make(map[*Class]attrList, len(prev.attrs))
	nf.lazy = make(map[*Function]*scope, len(prev.lazy))
	nf.lazyRets = make(map[*Function]Value, len(prev.lazyRets))
	for c, tab := range prev.attrs {
		nc, ok := r.classes[c]
		if !ok {
			continue
		}
		var ntab attrList
		if tab != nil {
			ntab = make(attrList, len(tab))
			for i, na := range tab {
				a, ok := r.attr(na.a)
				if !ok {
					ntab = nil
					break
				}
				ntab[i] = namedAttr{na.name, a}
			}
			if ntab == nil {
				continue
			}
		}
		nf.attrs[nc] = ntab
	}
	for fn, s := range prev.lazy {
		if g := r.fn(fn); g != nil {
			nf.lazy[g] = s
		}
	}
	for fn, v := range prev.lazyRets {
		if g := r.fn(fn); g != nil {
			nf.lazyRets[g] = v
		}
	}
	for fn, reads := range prev.tensorReads {
		if g := r.fn(fn); g != nil {
			if nf.tensorReads == nil {
				nf.tensorReads = map[*Function]map[string]bool{}
			}
			nf.tensorReads[g] = reads
		}
	}
}

// callee maps a Callee of prev's program.
func (r *reuse) callee(c Callee) (Callee, bool) {
	if r.staleFile(c.File) || r.staleFile(c.ClassFile) {
		return c, false
	}
	var ok bool
	if c.Func != nil {
		var x funcRef
		if x, ok = r.ref(funcRef{c.File, c.Func}); !ok {
			return c, false
		}
		c.Func = x.fn
	}
	if c.Class, ok = r.class(c.ClassFile, c.Class); !ok {
		return c, false
	}
	if c.mods, ok = r.mods(c.mods); !ok {
		return c, false
	}
	c.File, c.ClassFile = r.file(c.File), r.file(c.ClassFile)
	return c, true
}

// attr maps an attribute of prev's program.
func (r *reuse) attr(a Attr) (Attr, bool) {
	if r.staleFile(a.File) || r.staleFile(a.ClassFile) {
		return a, false
	}
	var ok bool
	if a.Class, ok = r.class(a.ClassFile, a.Class); !ok {
		return a, false
	}
	if a.File == r.prev {
		if a.Node, ok = r.node(a.Node); !ok {
			return a, false
		}
	}
	if a.cont, ok = r.container(a.cont); !ok {
		return a, false
	}
	a.File, a.ClassFile = r.file(a.File), r.file(a.ClassFile)
	return a, true
}

// container maps a container of prev's program: a construction in prev becomes an unread
// one at the same place of nf (its children are read again on first use: what they are
// names prev's classes); ok is false when its function or call is not kept.
func (r *reuse) container(c *container) (*container, bool) {
	if c == nil || c.file != r.prev {
		return c, true
	}
	if nc, ok := r.conts[c]; ok {
		return nc, nc != nil
	}
	var nc *container
	call, ok := r.node(c.call)
	var fn *Function
	if ok && c.fn != nil {
		fn = r.fn(c.fn)
		ok = fn != nil
	}
	if ok {
		nc = newContainer(r.nf, fn, call, c.kind)
	}
	if r.conts == nil {
		r.conts = map[*container]*container{}
	}
	r.conts[c] = nc
	return nc, ok
}

// mods maps the modules a callee may be; ok is false when one is not kept.
func (r *reuse) mods(ms *modSet) (*modSet, bool) {
	if ms == nil {
		return nil, true
	}
	out := &modSet{mods: make([]modRef, len(ms.mods))}
	for i, m := range ms.mods {
		if r.staleFile(m.file) {
			return nil, false
		}
		var ok bool
		if m.class, ok = r.class(m.file, m.class); !ok {
			return nil, false
		}
		if m.cont, ok = r.container(m.cont); !ok {
			return nil, false
		}
		m.file = r.file(m.file)
		out.mods[i] = m
	}
	return out, true
}

// sameRoots reports whether np names its roots as prev's program did: the kept values
// refer to roots by index. A root of prev's text must be the forward of the same name
// in the new text (re-linked or kept), others the forward of the same module and name.
func (r *reuse) sameRoots(prevProg, np *Program) bool {
	if prevProg.roots.len() != np.roots.len() {
		return false
	}
	for i := range int32(prevProg.roots.len()) {
		x, y := prevProg.roots.at(i), np.roots.at(i)
		if x.f != r.prev {
			// the same function, or the forward of the same name in the module's file that
			// took over its root (Replace or Relink linked it again since)
			if x != y && (x.f.Module.Name == "" || y.f == nil || y.f.Module.Name != x.f.Module.Name || !y.fn.SameQualName(x.fn)) {
				return false
			}
			continue
		}
		if y.f != r.nf {
			return false
		}
		if g := r.fn(x.fn); g != nil {
			// kept: its counterpart, of the same name
			if g != y.fn {
				return false
			}
		} else if !x.fn.SameQualName(y.fn) && x.fn.QualName() != y.fn.QualName() {
			return false
		}
	}
	return true
}

// keptSites are the export calls of a file's previous text that lie in units ReplaceFrom
// kept, mapped to the new text: what ExportSite found for them holds (it reads the call's
// unit, the names it binds and what linking found for them), so the new text's
// ExportSites looks only in the other units.
type keptSites struct {
	sites    []ExportSite // in source order
	units    *unitGraph   // the new text's
	keptUnit []bool       // per unit of the new text
}

// carrySites records in nf the export sites of prev's kept units, when prev has read its
// sites.
func (r *reuse) carrySites() {
	if !r.prev.sitesDone.Load() {
		return
	}
	ks := &keptSites{units: r.nu, keptUnit: r.keptUnit}
	for _, s := range r.prev.sites {
		ns, ok := r.site(s)
		if ok {
			ks.sites = append(ks.sites, ns)
		}
	}
	r.nf.keptSites = ks
	if !r.prev.declsDone.Load() {
		return
	}
	for _, d := range r.prev.decls {
		nd, ok := r.decl(d)
		if !ok {
			continue
		}
		if r.nf.keptDecls == nil {
			r.nf.keptDecls = map[NodeID]*ExportDecl{}
		}
		r.nf.keptDecls[nd.Site.Call] = nd
	}
}

// decl maps a declaration prev's export call made (siteDecls): ok is false when the call's
// unit, or a node the declaration names, is not kept. The result's Site is a copy, for its
// Call only: siteDecls points it at nf's site.
func (r *reuse) decl(d *ExportDecl) (*ExportDecl, bool) {
	if r.staleFile(d.ClassFile) || r.staleFile(d.FwdFile) {
		return nil, false
	}
	s, ok := r.site(*d.Site)
	if !ok {
		return nil, false
	}
	nd := *d
	nd.Site, nd.File, nd.fp = &s, r.nf, nil
	if nd.Class, ok = r.class(d.ClassFile, d.Class); !ok {
		return nil, false
	}
	nd.ClassFile = r.file(d.ClassFile)
	if d.FwdFile == r.prev && d.Forward != nil {
		if nd.Forward = r.fn(d.Forward); nd.Forward == nil {
			return nil, false
		}
	}
	nd.FwdFile = r.file(d.FwdFile)
	if d.Inputs != nil {
		nd.Inputs = make(map[int]*InputDecl, len(d.Inputs))
		for p, in := range d.Inputs {
			nin := *in
			nin.Axes = make(map[int]DimDecl, len(in.Axes))
			for a, dd := range in.Axes {
				if r.staleFile(dd.File) {
					return nil, false
				}
				if dd.File == r.prev {
					if dd.Node, ok = r.node(dd.Node); !ok {
						return nil, false
					}
					dd.File = r.nf
				}
				nin.Axes[a] = dd
			}
			nd.Inputs[p] = &nin
		}
	}
	return &nd, true
}

// site maps an export site of prev: ok is false when its call's unit is not kept.
func (r *reuse) site(s ExportSite) (ExportSite, bool) {
	if r.staleFile(s.ClassFile) {
		return s, false
	}
	var ok bool
	for _, n := range []*NodeID{&s.Call, &s.Model, &s.Args, &s.Kwargs, &s.DynamicShapes, &s.Strict, &s.Constraints} {
		if *n, ok = r.node(*n); !ok {
			return s, false
		}
	}
	if s.Func != nil {
		if s.Func = r.fn(s.Func); s.Func == nil {
			return s, false
		}
	}
	if s.Class, ok = r.class(s.ClassFile, s.Class); !ok {
		return s, false
	}
	s.ClassFile = r.file(s.ClassFile)
	return s, true
}

// merge returns the export sites of f: the kept ones, and those of calls in the units not
// kept, in source order.
func (k *keptSites) merge(f *File, calls []NodeID) []ExportSite {
	var fresh []ExportSite
	g := k.units
	for i, n := range g.nodes {
		if i < len(k.keptUnit) && k.keptUnit[i] {
			continue
		}
		// the calls of unit i: those from its first node to the end of its subtree
		lo, _ := slices.BinarySearch(calls, n)
		hi, _ := slices.BinarySearch(calls, f.Tree.SubtreeEnd(n))
		fresh = f.exportSitesIn(calls[lo:hi], fresh)
	}
	out := make([]ExportSite, 0, len(k.sites)+len(fresh))
	a, b := k.sites, fresh
	for len(a) > 0 || len(b) > 0 {
		if len(b) == 0 || len(a) > 0 && a[0].Call < b[0].Call {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return out
}
