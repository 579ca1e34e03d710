package analysis

import (
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// Findings of Local rules, kept per unit of a file (a module-level statement, see
// torchsem's units.go) from one analysis to the next.
//
// A Local rule reports only from the callbacks of Traced, Calls, AllCalls and Conditions,
// about the node visited and what linking found for the code around it, and the
// callbacks for the units of one component of the units' dependency graph share nothing
// with those of another. Its findings in a unit therefore depend only on the unit's
// component, which torchsem.ReplaceFrom keeps as it was when an edit cannot reach it. The
// engine keeps each unit's findings (relative to the unit) in the unit's memo; the next
// analysis of the file visits only the components that lack them and takes the kept
// findings for the others. TestIncrementalMatchesFull holds the rules to this contract.

// localOpts are the options a Local rule's findings may depend on.
type localOpts struct {
	target            catalog.Version
	strict, nonStrict bool
	defaultStrict     bool
	cat               *catalog.Catalog
}

// localUnit is what the engine keeps in one unit's memo: per options, the findings of
// each Local rule in the unit, relative to the unit's start.
type localUnit struct {
	mu       sync.Mutex // guards byOpts and last
	byOpts   map[localOpts]*localSet
	last     *localSet // the set asked for last, for lastOpts: every keystroke asks the same
	lastOpts localOpts
}

// localSet holds the Local rules' findings in one unit for one localOpts, by ruleID. It is
// replaced by a longer copy when a rule with a higher ID comes (localUnit.set), so that
// passes read and write its entries without a lock.
type localSet struct {
	entries []atomic.Pointer[localEntry]
	facts   []atomic.Pointer[factEntry] // each rule's PerUnit summary of the unit (unitfacts.go)
}

// localEntry is one rule's findings in one unit.
type localEntry struct {
	decls    uint64 // the DeclFingerprint they were computed with (Declarations rules)
	findings []Finding
	anchors  []anchor // the places of findings that lie in other units (anchor.go)
}

// set returns the unit's localSet for opts, with room for rule IDs up to maxID.
func (k *localUnit) set(opts localOpts, maxID int) *localSet {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.last != nil && k.lastOpts == opts && len(k.last.entries) > maxID {
		return k.last
	}
	s := k.byOpts[opts]
	if s == nil || len(s.entries) <= maxID {
		ns := &localSet{entries: make([]atomic.Pointer[localEntry], maxID+1), facts: make([]atomic.Pointer[factEntry], maxID+1)}
		if s != nil {
			for i := range s.entries {
				ns.entries[i].Store(s.entries[i].Load())
				ns.facts[i].Store(s.facts[i].Load())
			}
		}
		if k.byOpts == nil {
			k.byOpts = map[localOpts]*localSet{}
		}
		k.byOpts[opts] = ns
		s = ns
	}
	k.last, k.lastOpts = s, opts
	return s
}

// ruleIDs numbers the rules the engine has met, for indexing localUnit entries.
var ruleIDs struct {
	mu  sync.Mutex
	ids map[*Rule]int
}

func ruleID(r *Rule) int {
	ruleIDs.mu.Lock()
	defer ruleIDs.mu.Unlock()
	id, ok := ruleIDs.ids[r]
	if !ok {
		if ruleIDs.ids == nil {
			ruleIDs.ids = map[*Rule]int{}
		}
		id = len(ruleIDs.ids)
		ruleIDs.ids[r] = id
	}
	return id
}

// localUnits is what the Local passes of one Analyze share: the file's units and their
// localUnits.
type localUnits struct {
	file *File    // the file analysed, whose program's files kept findings may name
	srcs struct { // the text of each file of the file's program, by path (made on first use)
		once sync.Once
		m    map[string][]byte
	}
	opts   localOpts
	units  []NodeID
	starts []int        // per unit: its first byte
	ends   []NodeID     // per unit: the end of its subtree
	kept   []*localUnit // per unit: what the engine keeps in its memo
	sets   []*localSet  // per unit: its kept findings for the analysis's options
	comps  []int32      // torchsem.File.UnitComponents
	byKept struct {     // the unit holding each localUnit (made on first use, anchor.go)
		once sync.Once
		m    map[*localUnit]int
	}
}

// localRun is the state of one pass of a Local rule.
type localRun struct {
	*localUnits
	id      int         // ruleID of the pass's rule
	declFP  uint64      // the program's DeclFingerprintIn the file, for a Declarations rule
	decls   uint64      // what kept findings must have been computed with: declFP, and KeepWhile's fingerprint
	live    []int       // the units whose callbacks run, in order (once planned)
	planned bool        // live is chosen for decls (plan)
	cur     int         // the unit being visited, or -1
	of      []int       // per finding of the pass: the unit it was reported in, or -1
	empty   *localEntry // kept for every visited unit without findings (entries are read-only)
}

// newLocalUnits reads the units of f and their kept findings for opts, for rules with
// IDs up to maxID.
func newLocalUnits(f *File, opts *Options, maxID int) *localUnits {
	o := localOpts{target: opts.TargetVersion(), strict: opts.Strict, nonStrict: opts.NonStrict,
		defaultStrict: opts.DefaultStrict(), cat: opts.catalog()}
	lu := &localUnits{file: f, opts: o, units: f.Units(), comps: f.UnitComponents()}
	lu.starts = make([]int, len(lu.units))
	lu.ends = make([]NodeID, len(lu.units))
	lu.kept = make([]*localUnit, len(lu.units))
	lu.sets = make([]*localSet, len(lu.units))
	for i, u := range lu.units {
		lu.starts[i] = f.Tree.Start(u)
		lu.ends[i] = f.Tree.SubtreeEnd(u)
		lu.kept[i] = f.UnitEngine(i, func() any { return &localUnit{} }).(*localUnit)
		lu.sets[i] = lu.kept[i].set(o, maxID)
	}
	return lu
}

// entry returns rule id's kept findings in unit u, nil when there are none.
func (lu *localUnits) entry(u, id int) *localEntry { return lu.sets[u].entries[id].Load() }

// keep records rule id's findings in unit u.
func (lu *localUnits) keep(u, id int, e *localEntry) { lu.sets[u].entries[id].Store(e) }

// startLocal readies each pass of a Local rule to make its localRun when it starts, when
// opts ask for it.
func startLocal(f *File, opts *Options, passes []*Pass) {
	if !opts.Incremental {
		return
	}
	ids := make([]int, len(passes))
	maxID := -1
	for i, p := range passes {
		if p.Rule.Local {
			ids[i] = ruleID(p.Rule)
			maxID = max(maxID, ids[i])
		}
	}
	if maxID < 0 {
		return
	}
	lu := newLocalUnits(f, opts, maxID)
	for i, p := range passes {
		if p.Rule.Local {
			p.localUnits, p.localID = lu, ids[i]
		}
	}
}

func newLocalRun(p *Pass, lu *localUnits, id int) *localRun {
	lr := &localRun{localUnits: lu, id: id, cur: -1}
	if p.Rule.Declarations {
		lr.declFP = p.File.Program().DeclFingerprintIn(p.File)
	}
	lr.decls = lr.declFP
	return lr
}

// plan chooses, once decls is final (the first callback, or the end of the pass), the
// units whose callbacks run: those without kept findings computed with lr.decls, with
// every unit of their components.
func (lr *localRun) plan() {
	if lr.planned {
		return
	}
	lr.planned = true
	lu := lr.localUnits
	lr.empty = &localEntry{decls: lr.decls}
	lr.live = lr.live[:0]
	// the callbacks of one component may share state (one branch function checked for two
	// cond calls): its units run together or are all taken from the kept findings
	var missing []bool // by component label (labels are below len(units)+2)
	all := false
	for u := range lu.units {
		if e := lu.entry(u, lr.id); e == nil || e.decls != lr.decls || !lu.anchored(e) {
			if lu.comps == nil {
				all = true
				break
			}
			if missing == nil {
				missing = make([]bool, len(lu.units)+2)
			}
			missing[lu.comps[u]] = true
		}
	}
	for u := range lu.units {
		if all || missing != nil && missing[lu.comps[u]] {
			lr.live = append(lr.live, u)
		}
	}
}

// each calls visit for every node of nodes (sorted) that the pass visits: all of them, or
// for a Local rule those in live units, with the unit recorded for what visit reports. It
// stops when visit returns false.
func (p *Pass) each(nodes []NodeID, visit func(n NodeID) bool) {
	lr := p.local
	if lr == nil {
		for _, n := range nodes {
			if !visit(n) {
				return
			}
		}
		return
	}
	// a callback may run another pass over the nodes (a table it builds on first use):
	// what it reports after that still belongs to its own unit
	lr.plan()
	defer func(cur int) { lr.cur = cur }(lr.cur)
	for _, u := range lr.live {
		lo, _ := slices.BinarySearch(nodes, lr.units[u])
		lr.cur = u
		for _, n := range nodes[lo:] {
			if n >= lr.ends[u] {
				break
			}
			if !visit(n) {
				return
			}
		}
	}
}

// Classes calls visit for every class of the file, in source order; for a Local rule only
// those in the units it visits, with what visit reports kept with the class's unit.
func (p *Pass) Classes(visit func(c *Class)) {
	for _, c := range p.File.Classes {
		p.visitUnitOf(c.Node, func() { visit(c) })
	}
}

// Funcs is Classes for the functions of the file (defs and lambdas).
func (p *Pass) Funcs(visit func(fn *Function)) {
	for _, fn := range p.File.Funcs {
		p.visitUnitOf(fn.Node, func() { visit(fn) })
	}
}

// visitUnitOf runs visit as a callback visiting n: for a Local rule, only when n's unit is
// one the pass visits.
func (p *Pass) visitUnitOf(n NodeID, visit func()) {
	lr := p.local
	if lr == nil {
		visit()
		return
	}
	u := lr.unitOf(n)
	if u < 0 {
		return
	}
	lr.plan()
	if _, live := slices.BinarySearch(lr.live, u); !live {
		return
	}
	defer func(cur int) { lr.cur = cur }(lr.cur)
	lr.cur = u
	visit()
}

// unitOf returns the index of the unit holding n, or -1.
func (lu *localUnits) unitOf(n NodeID) int {
	i, _ := slices.BinarySearchFunc(lu.ends, n, func(end, n NodeID) int {
		if end <= n {
			return -1
		}
		return 1
	})
	if i < len(lu.units) && n >= lu.units[i] {
		return i
	}
	return -1
}

// Within runs report with what it reports kept with the unit of node n, as if a callback
// visiting n had reported it: for a Local rule that collects nodes in its callbacks and
// reports on them once every callback has run. For other rules it just runs report.
func (p *Pass) Within(n NodeID, report func()) {
	lr := p.local
	if lr == nil {
		report()
		return
	}
	prev := lr.cur
	lr.cur = lr.unitOf(n)
	report()
	lr.cur = prev
}

// finishLocal orders the pass's findings by unit (those reported outside any callback
// first), adds the kept findings of the units it did not visit, and keeps the findings of
// the units it visited for the next analysis.
func (p *Pass) finishLocal() {
	lr := p.local
	lr.plan()
	t := p.File.Tree
	// the findings reported in units, in the order of their units, and those reported
	// outside any callback, first; units neither visited nor holding findings cost a load
	var inUnit []int // indexes into p.findings
	out := make([]*Finding, 0, len(p.findings))
	for i, fd := range p.findings {
		if lr.of[i] >= 0 {
			inUnit = append(inUnit, i)
		} else {
			out = append(out, fd)
		}
	}
	sort.SliceStable(inUnit, func(a, b int) bool { return lr.of[inUnit[a]] < lr.of[inUnit[b]] })
	k, next := 0, 0 // indexes into inUnit and lr.live
	for u, n := range lr.units {
		for k < len(inUnit) && lr.of[inUnit[k]] < u {
			k++
		}
		from := k
		for k < len(inUnit) && lr.of[inUnit[k]] == u {
			k++
		}
		if next >= len(lr.live) || lr.live[next] != u {
			e := lr.entry(u, lr.id)
			if len(e.findings) == 0 {
				continue
			}
			base := lr.starts[u]
			kept := make([]Finding, len(e.findings))
			for i, rel := range e.findings {
				kept[i] = shiftFinding(rel, base)
				lr.currentTexts(&kept[i])
			}
			lr.placeAnchors(kept, e.anchors, base)
			for i := range kept {
				out = append(out, &kept[i])
			}
			continue
		}
		next++
		mine := inUnit[from:k]
		if len(mine) == 0 {
			// nothing here: an empty entry, unless the unit holds one already
			if e := lr.entry(u, lr.id); e == nil || e.decls != lr.decls || len(e.findings) > 0 {
				lr.keep(u, lr.id, lr.empty)
			}
			continue
		}
		base, end := lr.starts[u], t.End(n)
		e := &localEntry{decls: lr.decls}
		for _, i := range mine {
			fd := p.findings[i]
			rel := shiftFinding(*fd, -base)
			anchors, ok := lr.anchorsOf(fd, &rel, len(e.findings), base, end)
			if !ok {
				e = nil
				break
			}
			e.findings = append(e.findings, rel)
			e.anchors = append(e.anchors, anchors...)
		}
		if e != nil {
			lr.keep(u, lr.id, e)
		}
		for _, i := range mine {
			out = append(out, p.findings[i])
		}
	}
	p.findings = out
}

// currentTexts points the places and fixes of kept finding fd that lie in other files at
// those files' texts in the program now analysed. The finding was kept because what it
// read of them is the same (a declaration's call at the same offsets, DeclFingerprintIn),
// but the text around may have changed since (a helper's edit re-linked the file,
// Program.Relink): positions are read from the current text. shiftFinding copied the
// slices it writes.
func (lu *localUnits) currentTexts(fd *Finding) {
	src := func(path string, old []byte) []byte {
		lu.srcs.once.Do(func() {
			prog := lu.file.Program()
			lu.srcs.m = make(map[string][]byte, len(prog.Files))
			for _, f := range prog.Files {
				if f.Path != "" {
					lu.srcs.m[f.Path] = f.Src
				}
			}
		})
		if cur, ok := lu.srcs.m[path]; ok {
			return cur
		}
		return old
	}
	for i := range fd.Related {
		if r := &fd.Related[i]; r.Path != "" {
			r.Src = src(r.Path, r.Src)
		}
	}
	for i := range fd.Fixes {
		if fx := &fd.Fixes[i]; fx.Path != "" {
			fx.Src = src(fx.Path, fx.Src)
		}
	}
}

// shiftFinding returns a copy of fd with its places in its own file moved by d bytes; the
// slices it changes are copied, so the kept findings are never written through.
func shiftFinding(fd Finding, d int) Finding {
	fd.Start += d
	fd.End += d
	if fd.Fixes != nil {
		fixes := make([]Fix, len(fd.Fixes))
		for i, fx := range fd.Fixes {
			if fx.Edits != nil {
				// copied even when they edit another file: the engine sorts and adapts
				// a finding's edits in place
				edits := make([]Edit, len(fx.Edits))
				for j, e := range fx.Edits {
					if !fx.Elsewhere() {
						e.Start += d
						e.End += d
					}
					edits[j] = e
				}
				fx.Edits = edits
			}
			fixes[i] = fx
		}
		fd.Fixes = fixes
	}
	if fd.Related != nil {
		rel := make([]Related, len(fd.Related))
		for i, r := range fd.Related {
			if r.Path == "" {
				r.Start += d
				r.End += d
			}
			rel[i] = r
		}
		fd.Related = rel
	}
	return fd
}
