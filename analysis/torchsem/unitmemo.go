package torchsem

import "sync"

// unitMemos holds, per unit of a file (units.go), the answers queries computed for nodes of
// that unit. Keys are relative to the unit's first node, and answers hold no node IDs,
// offsets or pointers into the file, so that a unit ReplaceFrom keeps shares its memo
// with the previous text's: what was asked of the unit before is not computed again (what
// linking found for a kept unit is what it found before, ReplaceFrom).
type unitMemos struct {
	once  sync.Once
	units *unitGraph // set by ReplaceFrom, or built on first use
	comps []int32    // per unit: its component in the dependency graph (ReplaceFrom), or nil
	// exact: comps are the components of the file's own graph, not joined by what the edit
	// that made the file removed or by changed imports (affectedUnits joins both); the next
	// text's edit may then take them as they are (sameComponents)
	exact bool
	mu    sync.Mutex // guards memos (each memo has its own lock)
	memos []*unitMemo
}

// unitMemo is the memo of one unit. Keys are nodes relative to the unit's first node.
type unitMemo struct {
	mu      sync.Mutex
	values  map[NodeID]Value  // File.Value of a node in the function that owns it
	names   map[NodeID]string // File.UnitName
	entries map[any]any       // File.UnitValue
	engine  any               // File.UnitEngine
}

// memoOf returns the memo of the unit holding n and n relative to the unit; ok is false
// when n lies in no unit.
func (f *File) memoOf(n NodeID) (m *unitMemo, rel NodeID, ok bool) {
	um := f.initMemos()
	g := um.units
	i := g.unitOf(n)
	if n < 0 || i >= len(g.nodes) || n < g.nodes[i] {
		return nil, 0, false
	}
	return f.unitMemo(i), n - g.nodes[i], true
}

// unitMemo returns the memo of unit i, made on first use.
func (f *File) unitMemo(i int) *unitMemo {
	um := f.initMemos()
	um.mu.Lock()
	defer um.mu.Unlock()
	m := um.memos[i]
	if m == nil {
		m = &unitMemo{}
		um.memos[i] = m
	}
	return m
}

// Units returns the units of the file (its module-level nodes, units.go) in order: what
// ReplaceFrom keeps or re-links as a whole.
func (f *File) Units() []NodeID { return f.initMemos().units.nodes }

// UnitComponents returns, per unit, a label of its component in the units' dependency
// graph (units.go): the units of one component may read each other's facts, those of
// different components never do. Nil when the file was linked whole (it then counts as one
// component).
func (f *File) UnitComponents() []int32 { return f.initMemos().comps }

// UnitValue returns the value kept under key for unit i (an index into Units), keeping
// init() there on first use. Values travel with the unit's memo: ReplaceFrom carries them
// to the next text of the file when the edit cannot reach the unit, so a value must depend
// only on the unit's text and what linking found for its component, and be written
// relative to the unit (offsets less its start). key is a comparable value private to the
// caller.
func (f *File) UnitValue(i int, key any, init func() any) any {
	m := f.unitMemo(i)
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.entries[key]
	if !ok {
		v = init()
		if m.entries == nil {
			m.entries = map[any]any{}
		}
		m.entries[key] = v
	}
	return v
}

// UnitEngine is UnitValue for the one value the analysis engine keeps per unit, without a
// lookup by key: the engine asks for it for every unit at every analysis.
func (f *File) UnitEngine(i int, init func() any) any {
	m := f.unitMemo(i)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.engine == nil {
		m.engine = init()
	}
	return m.engine
}

// initMemos makes f's unit memos on first use.
func (f *File) initMemos() *unitMemos {
	um := &f.unitMemos
	um.once.Do(func() {
		if um.units == nil {
			um.units = newUnitGraph(f.File, nil)
		}
		if um.memos == nil {
			um.memos = make([]*unitMemo, len(um.units.nodes))
		}
	})
	return um
}

// UnitName returns the name kept for node n, computing it with compute on first use. It
// is kept with n's unit and carried to the next text of the file when ReplaceFrom keeps the
// unit: compute must depend only on the unit's text and what linking found (the engine
// keeps the qualified names of calls here).
func (f *File) UnitName(n NodeID, compute func() string) string {
	m, rel, ok := f.memoOf(n)
	if !ok {
		return compute()
	}
	return memoized(&m.mu, &m.names, rel, compute)
}

// memoized returns (*table)[rel], computing it with compute and keeping it on first use;
// mu guards table.
func memoized[V any](mu *sync.Mutex, table *map[NodeID]V, rel NodeID, compute func() V) V {
	mu.Lock()
	v, ok := (*table)[rel]
	mu.Unlock()
	if ok {
		return v
	}
	v = compute()
	mu.Lock()
	if *table == nil {
		*table = map[NodeID]V{}
	}
	(*table)[rel] = v
	mu.Unlock()
	return v
}

// shareMemos makes nf's kept units share prev's memos.
func (r *reuse) shareMemos() {
	nm := &r.nf.unitMemos
	nm.units, nm.comps, nm.exact = r.nu, r.comps, r.exactComps
	nm.memos = make([]*unitMemo, len(r.nu.nodes))
	pm := r.prev.initMemos()
	pm.mu.Lock()
	defer pm.mu.Unlock()
	if len(pm.memos) != len(r.ou.nodes) {
		return
	}
	for i, j := range r.newUnit {
		if j >= 0 {
			nm.memos[j] = pm.memos[i]
		}
	}
}

// Value is what expression n inside fn (nil: module level) may be while export traces it.
// The value of a node in the function that owns it is computed once, kept with its unit
// and carried to the next text of the file when ReplaceFrom keeps the unit.
func (f *File) Value(fn *Function, n NodeID) Value {
	eval := func() Value {
		e := evaluator{p: f.prog}
		return e.expr(f, fn, n)
	}
	if n < 0 || f.Owner(n) != fn {
		return eval()
	}
	m, rel, ok := f.memoOf(n)
	if !ok {
		return eval()
	}
	return memoized(&m.mu, &m.values, rel, eval)
}
