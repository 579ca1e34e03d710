package torchsem

import (
	"maps"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
)

// Replace links pf, a new text of one of p's modules (or a new module), against p's other
// files, which stay as they are (frozen): what p knows of calls into the module from other
// files (why a function is traced, what callers pass) carries over to pf's functions of the
// same qualified name. It returns pf's File in a new Program; p is not changed.
//
// This is the editor's keystroke path and check's fix loop: one file is re-linked, not the
// project. Effects of the new text on other files (new values passed to their functions)
// are not propagated; callers that need them relink the project.
func (p *Program) Replace(pf *pysem.File) *File { return p.replace(pf, nil) }

// ReplaceFrom is Replace for a new text of the module whose previous text gave prev (a
// File that p.Replace or p.ReplaceFrom returned): the functions of the units (module-level
// statements) that the edit cannot reach through names keep what prev's linking found for
// them, and only the rest is linked again (units.go). The result is the one Replace
// gives; prev is not changed. Without prev, or when the edit changes the star imports, the
// set of roots or a module-level name, it is Replace.
//
// prev may also be linked against the program that Relink made p from, or be a file of it
// (an open helper's edit changed what its functions return): the units that name what the
// re-link changed (rebased.namesFor) are then linked again too.
func (p *Program) ReplaceFrom(prev *File, pf *pysem.File) *File {
	switch {
	case prev == nil || prev.Module.Name != pf.Module.Name:
	case prev.prog.base == p:
		return p.replace(pf, prev)
	case p.rebased != nil && p.rebased.startedFrom(prev):
		if names, ok := p.rebased.namesFor(p, pf); ok {
			return p.replaceRebased(pf, prev, names, p.rebased.modules)
		}
	}
	return p.replace(pf, nil)
}

// replace is Replace, reusing prev's results where the edit from prev's text leaves them
// as they are (nil: none).
func (p *Program) replace(pf *pysem.File, prev *File) *File {
	return p.replaceRebased(pf, prev, nil, nil)
}

// replaceRebased is replace for a prev linked before a re-link replaced the files of the
// modules stale (nil: none), which prev may read: the units with an identifier of names are
// linked again too, and what prev found in those files is not kept.
func (p *Program) replaceRebased(pf *pysem.File, prev *File, names []string, stale map[string]bool) *File {
	np := &Program{byModule: maps.Clone(p.byModule), classDims: p.classDims, base: p, id: programIDs.Add(1)}
	// p's roots, shared until the new text adds or takes over one (rootID copies a chunk)
	np.roots = p.roots.shared()
	nf := newFile(np, pf)
	var old *File
	if pf.Module.Name != "" {
		old = p.byModule[pf.Module.Name]
	}
	if old != nil && len(old.roots) > 0 {
		np.freeRoots = make(map[string]funcRef, len(old.roots))
		for fn := range old.roots {
			np.freeRoots[fn.QualName()] = funcRef{old, fn}
		}
	}
	for _, f := range p.Files {
		if f == old {
			np.Files = append(np.Files, nf)
		} else {
			np.Files = append(np.Files, f)
		}
	}
	if old == nil {
		np.Files = append(np.Files, nf)
	}
	if pf.Module.Name != "" {
		np.byModule[pf.Module.Name] = nf
	}
	l := &linker{p: np, only: nf}
	nf.rebound = nf.reboundConstant()
	var kept *reuse
	if prev != nil {
		var ok bool
		if kept, ok = reuseFrom(prev, nf, names, stale); !ok {
			return p.replace(pf, nil)
		}
		l.fixed = kept.fixed
		nf.kept = kept.keptFuncs
	}
	if old != nil {
		// the functions whose state reuseFrom kept have what prev's carried in already
		p.carryIncoming(old, nf, l.fixed)
		p.shareImports(np, old, nf)
	}
	// module classes of the new text (its bases may lie in frozen files)
	np.resolveModulesOf(nf, kept)
	for _, c := range nf.Classes {
		if nf.module[c] {
			if fwd := c.Methods["forward"]; fwd != nil {
				if l.isFixed(funcRef{nf, fwd}) {
					// linked before: its state is kept, its root comes in the same order
					if nf.state(fwd).why.Kind == WhyForward {
						np.rootID(funcRef{nf, fwd})
					}
					continue
				}
				l.mark(funcRef{nf, fwd}, Why{Kind: WhyForward, Class: c})
			}
		}
	}
	for i, fn := range nf.Funcs {
		if l.isFixed(funcRef{nf, fn}) {
			continue
		}
		if st := &nf.states[i]; st.why.Kind != NotTraced && !st.queued {
			if st.why.Kind == WhyForward {
				np.rootID(funcRef{nf, fn})
			}
			l.enqueue(funcRef{nf, fn})
		}
	}
	if kept != nil && !kept.sameRoots(prev.prog, np) {
		// the kept values name inputs by root index: linking met the forwards in
		// another order, so link it all again
		return p.replace(pf, nil)
	}
	if kept != nil {
		kept.shareMemos()
		kept.carrySites()
		np.carry = kept.carry()
	}
	l.run()
	np.freeRoots = nil
	return nf
}

// carryIncoming carries over, to nf (the new text of old, a file of p), what other files'
// traced code does to old's functions: why they are traced (when another file's code
// traces them), and what they are passed, from the program's incoming values (what every
// other file passes, not what the previous text passed itself); not to the functions fixed
// marks (by Index, nil: none), whose states are kept whole.
func (p *Program) carryIncoming(old, nf *File, fixed []bool) {
	type traced struct {
		why  Why
		qual string
	}
	var from []traced // old's functions other files' code traces
	for i, ofn := range old.Funcs {
		ost := &old.states[i]
		if ost.why.Kind == NotTraced || ost.why.Kind == WhyForward || ost.why.from.f == old {
			continue
		}
		from = append(from, traced{ost.why, ofn.QualName()})
	}
	// a module's forward is a root of its own and may be called by a model elsewhere
	// (ViT.forward calls PatchEmbed.forward): what that caller passes is carried too
	in := p.incomingTo(nf.Module.Name)
	if len(from) == 0 && len(in) == 0 {
		return
	}
	quals := make([]string, 0, len(from)+len(in))
	for _, t := range from {
		quals = append(quals, t.qual)
	}
	for qual := range in {
		quals = append(quals, qual)
	}
	byName := nf.funcsByQualName(quals)
	for _, t := range from {
		if fn := byName[t.qual]; fn != nil && (fixed == nil || !fixed[fn.Index()]) {
			nf.state(fn).why = t.why
		}
	}
	for qual, x := range in {
		fn := byName[qual]
		if fn == nil || fixed != nil && fixed[fn.Index()] || len(x.vals) != len(fn.Params) {
			continue
		}
		st := nf.state(fn)
		st.called = true
		st.in = append([]Value(nil), x.vals...)
		st.missing = append([]bool(nil), x.missing...)
	}
}

// funcsByQualName maps each of quals that names a function of f to the first function of
// f with that qualified name. Only the functions whose own name ends one of quals have
// their qualified name built: a file has thousands, and a keystroke asks for a few.
func (f *File) funcsByQualName(quals []string) map[string]*Function {
	want := make(map[string]bool, len(quals))
	last := make(map[string]bool, len(quals))
	for _, q := range quals {
		want[q] = true
		last[q[strings.LastIndexByte(q, '.')+1:]] = true
	}
	m := make(map[string]*Function, len(quals))
	for _, fn := range f.Funcs {
		if !last[fn.Name] {
			continue
		}
		if q := fn.QualName(); want[q] {
			if _, dup := m[q]; !dup {
				m[q] = fn
			}
		}
	}
	return m
}

// resolveModulesOf marks the module classes of f, reading other files' as they are. The
// classes kept (nil: none) are what they were in the previous text: a class whose bases
// could be marked otherwise names a class the edit changed, so it is not kept.
func (p *Program) resolveModulesOf(f *File, kept *reuse) {
	var sp spread
	if kept != nil {
		for c, nc := range kept.classes {
			if kept.prev.module[c] {
				f.module[nc] = true
			}
			if kept.prev.autograd[c] {
				f.autograd[nc] = true
			}
		}
	}
	for _, c := range f.Classes {
		if kept != nil && kept.keptClass(c) {
			continue
		}
		for _, b := range p.bases(f, c) {
			sp.seed(f, c, b)
			if bc := f.ClassNamed(b); bc != nil && bc != c {
				if kept != nil && kept.keptClass(bc) {
					sp.mark(classRef{f, bc}) // marked already: spread it to c
				}
				sp.edge(classRef{f, bc}, classRef{f, c})
			} else if sf, sym := p.lookup(b); sf != nil {
				if k, ok := sym.(*Class); ok && k != c {
					sp.edge(classRef{sf, k}, classRef{f, c})
					sp.mark(classRef{sf, k})
				}
			}
		}
	}
	sp.run()
}
