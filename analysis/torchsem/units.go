package torchsem

import (
	"bytes"
	"slices"
	"sync"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// Units and their dependencies, for re-linking an edited file incrementally (ReplaceFrom).
//
// A unit is one statement at module level: a class, a function, an import, any other
// statement. What linking computes for the functions of a unit depends on the units it
// names (the classes it constructs or derives from, the functions it calls, the module
// names it reads) and on the units that name it (its callers pass it values and read
// what it returns). Linking in one file therefore falls apart into the connected
// components of the graph whose edges join a unit to the units defining a name it
// mentions. Imports are left out (what they name lies in other files, or nowhere): an
// edit of one joins the change with every unit holding an identifier it has (before or
// after the edit), and one of a star import re-links everything. Any other statement is a
// node of its own, joined like a definition through the names it binds and mentions: the
// module scope's statements reach each other only by name (a statement reading x joins
// every statement binding x), so units that merely read one module variable (a constant,
// a logger) are not joined through it, unless its statement names them.
//
// The graph over-approximates: it joins on the text of any identifier that may name
// something the module binds, leaving out only those that cannot (a function's locals and
// their attributes, keyword-argument names: unitGraph.local). An edit then re-links the
// components its units belong to (before and after the edit), and keeps the rest.

// unitKind says how a unit takes part in the dependency graph.
type unitKind uint8

const (
	unitDef    unitKind = iota // a class or function definition (decorated or not)
	unitImport                 // an import statement: names of other modules
	unitModule                 // any other statement: its module-level bindings count as definitions
	unitInert                  // a comment, or a token: no names
)

// kindOfUnit classifies the module-level node n.
func kindOfUnit(t *syntax.Tree, n NodeID) unitKind {
	switch t.Kind(n) {
	case syntax.KindClassDefinition, syntax.KindFunctionDefinition, syntax.KindDecoratedDefinition:
		return unitDef
	case syntax.KindImportStatement, syntax.KindImportFromStatement, syntax.KindFutureImportStatement:
		return unitImport
	case syntax.KindComment:
		return unitInert
	}
	if !t.IsNamed(n) {
		return unitInert
	}
	return unitModule
}

// units lists the module-level nodes of t (comments and tokens included), in order.
func units(t *syntax.Tree) []NodeID {
	var out []NodeID
	if t.Root() == NoNode {
		return nil
	}
	t.Children(t.Root(), func(n NodeID) bool {
		out = append(out, n)
		return true
	})
	return out
}

// sameUnit reports whether unit a of tree ta and unit b of tree tb have the same text and
// the same syntax tree (node for node), so that what is known of one holds for the other,
// its node IDs shifted by b-a and its offsets by Start(b)-Start(a).
func sameUnit(ta *syntax.Tree, a NodeID, tb *syntax.Tree, b NodeID) bool {
	ea, eb := ta.SubtreeEnd(a), tb.SubtreeEnd(b)
	if ea-a != eb-b || ta.Kind(a) != tb.Kind(b) || !bytes.Equal(ta.Text(a), tb.Text(b)) {
		return false
	}
	// node by node: this reads both trees whole, the largest part of ReplaceFrom's cost
	d := b - a
	for n := a; n < ea; n++ {
		m := n + d
		if ta.End(n)-ta.Start(n) != tb.End(m)-tb.Start(m) || ta.FieldOf(n) != tb.FieldOf(m) || ta.Kind(n) != tb.Kind(m) {
			return false
		}
	}
	return true
}

// unitDefs appends the module-level names unit n binds: a definition's name and the names
// its functions declare global; for another statement, its binding targets at any depth
// (assignments, loops, with ... as, named expressions, nested definitions). Class-body
// bindings of a class unit count too: the module scope holds them.
func unitDefs(t *syntax.Tree, n NodeID, k unitKind, out []string) []string {
	end := t.SubtreeEnd(n)
	for m := n; m < end; m++ {
		if !t.IsNamed(m) {
			continue
		}
		switch t.Kind(m) {
		case syntax.KindGlobalStatement:
			for c := m + 1; c < t.SubtreeEnd(m); c++ {
				if t.Kind(c) == syntax.KindIdentifier {
					out = append(out, t.String(c))
				}
			}
		case syntax.KindClassDefinition, syntax.KindFunctionDefinition:
			if m == n || k == unitModule || (t.Parent(m) == n && t.Kind(n) == syntax.KindDecoratedDefinition) {
				out = append(out, t.String(t.Field(m, syntax.FieldName)))
			}
		case syntax.KindAssignment, syntax.KindAugmentedAssignment, syntax.KindForStatement,
			syntax.KindForInClause, syntax.KindNamedExpression, syntax.KindAsPatternTarget:
			// what the module scope binds (bindingKinds): a module statement's targets,
			// or a class body's, not a function's locals
			if k == unitModule || inClassBody(t, m) {
				out = identifiersIn(t, bindingTarget(t, m), out)
			}
		}
	}
	return out
}

// inClassBody reports whether n lies in a class body outside any function.
func inClassBody(t *syntax.Tree, n NodeID) bool {
	for p := t.Parent(n); p != NoNode; p = t.Parent(p) {
		switch t.Kind(p) {
		case syntax.KindFunctionDefinition, syntax.KindLambda:
			return false
		case syntax.KindClassDefinition:
			return true
		}
	}
	return false
}

// identifiersIn appends the text of every identifier in n's subtree.
func identifiersIn(t *syntax.Tree, n NodeID, out []string) []string {
	if n == NoNode {
		return out
	}
	for m := n; m < t.SubtreeEnd(n); m++ {
		if t.Kind(m) == syntax.KindIdentifier {
			out = append(out, t.String(m))
		}
	}
	return out
}

// importClause is one clause of an import statement: a module of `import a.b as c`, a
// name of `from m import x as y` (with its module), a star import. key is its text,
// prefixed for a from-import with the module's; ids are its identifiers, and module's
// those of a from-import's module.
type importClause struct {
	key         string
	ids, module []string
}

// importClauses appends the clauses of the import statements among units (of kinds) of t
// and inside them (an import in a function binds its name there only, as ImportOf reads
// it, but pysem.File.Imports, which a few queries read by name, holds it too), and, for
// one holding a syntax error (what an error inside binds is not clauses'), all of its
// identifiers to whole.
func importClauses(t *syntax.Tree, units []NodeID, kinds []unitKind) (cs []importClause, whole []string) {
	for i, u := range units {
		switch kinds[i] {
		case unitImport:
			cs, whole = appendClauses(t, u, cs, whole)
		case unitDef, unitModule:
			for n := u + 1; n < t.SubtreeEnd(u); n++ {
				if k := t.Kind(n); k == syntax.KindImportStatement || k == syntax.KindImportFromStatement || k == syntax.KindFutureImportStatement {
					cs, whole = appendClauses(t, n, cs, whole)
				}
			}
		}
	}
	return cs, whole
}

// appendClauses is importClauses for the import statement n.
func appendClauses(t *syntax.Tree, n NodeID, cs []importClause, whole []string) ([]importClause, []string) {
	if t.HasError(n) {
		return cs, identifiersIn(t, n, whole)
	}
	prefix, mod := "import ", NoNode
	if t.Kind(n) != syntax.KindImportStatement {
		mod = t.Field(n, syntax.FieldModuleName)
		prefix = "from " + t.String(mod) + " import "
		if mod == NoNode {
			prefix = "from __future__ import "
		}
	}
	modIDs := identifiersIn(t, mod, nil)
	t.Children(n, func(c NodeID) bool {
		if t.FieldOf(c) == syntax.FieldName || t.Kind(c) == syntax.KindWildcardImport {
			cs = append(cs, importClause{key: prefix + t.String(c), ids: identifiersIn(t, c, nil), module: modIDs})
		}
		return true
	})
	return cs, whole
}

// changedImports returns the identifiers of the import clauses that an edit of units olds
// (of tree ot, kinds oks) into news (of nt, kinds nks) added or removed: a clause with the
// same text on both sides binds what it bound, unless the changed units bind one of its
// names in another clause too (their order may have changed). An import statement holding
// a syntax error counts whole, and one that is no longer an import statement at all has
// no clauses: all of its old ones count.
func changedImports(ot *syntax.Tree, olds []NodeID, oks []unitKind, nt *syntax.Tree, news []NodeID, nks []unitKind) []string {
	oc, out := importClauses(ot, olds, oks)
	nc, whole := importClauses(nt, news, nks)
	out = append(out, whole...)
	count := map[string]int{} // clause key -> old count minus new count
	for _, c := range oc {
		count[c.key]++
	}
	for _, c := range nc {
		count[c.key]--
	}
	// names bound by more than one clause of the changed units, on either side
	twice := map[string]bool{}
	for _, cs := range [][]importClause{oc, nc} {
		seen := map[string]bool{}
		for _, c := range cs {
			for _, id := range c.ids {
				twice[id] = twice[id] || seen[id]
				seen[id] = true
			}
		}
	}
	for _, c := range slices.Concat(oc, nc) {
		if count[c.key] == 0 && !slices.ContainsFunc(c.ids, func(id string) bool { return twice[id] }) {
			continue // bound as it was
		}
		out = append(out, c.ids...)
		out = append(out, c.module...)
	}
	return out
}

// unionFind is a disjoint-set forest over 0..n-1.
type unionFind []int32

func newUnionFind(n int) unionFind {
	u := make(unionFind, n)
	for i := range u {
		u[i] = int32(i)
	}
	return u
}

func (u unionFind) find(i int32) int32 {
	for u[i] != i {
		u[i] = u[u[i]]
		i = u[i]
	}
	return i
}

func (u unionFind) union(a, b int32) { u[u.find(a)] = u.find(b) }

// unitGraph is the dependency graph of one file's units (see the comment above).
type unitGraph struct {
	file  *pysem.File
	t     *syntax.Tree
	nodes []NodeID   // the units
	ends  []NodeID   // per unit: the end of its subtree (the search in unitOf reads no tree)
	kinds []unitKind // per unit
	names *names     // interns the identifiers of sums; shared with the graphs of the file's next texts

	mu   sync.Mutex // guards sums
	sums []*unitSum // per unit, computed on first use or carried from the previous text's graph

	flowOnce sync.Once
	mflow    *moduleFlow // flow, computed once
}

// flow returns what the file's module-level reads need to find their killers (flow.go).
func (g *unitGraph) flow() *moduleFlow {
	g.flowOnce.Do(func() {
		if g.mflow == nil {
			g.mflow = newModuleFlow(g.file, g.nodes)
		}
	})
	return g.mflow
}

// carryFlow gives g (the next text's graph) prev's moduleFlow when the edit changed units
// prev.nodes[a:b] into g.nodes[a:b] (as many, at most one) that give it the same (flowKey):
// the graphs then have the same flow, and g need not compute its own.
func (g *unitGraph) carryFlow(prev *unitGraph, a, b int) {
	if len(prev.nodes) != len(g.nodes) || b-a > 1 {
		return
	}
	for i := a; i < b; i++ {
		if flowKey(prev.t, prev.nodes[i]) != flowKey(g.t, g.nodes[i]) {
			return
		}
	}
	g.mflow = prev.flow()
}

// unitSum is what the dependency graph needs of one unit: the module-level names it binds
// (unitDefs) and the identifiers it mentions, each once, as names' IDs. It depends only on
// the unit's text and syntax tree, so a unit that sameUnit finds unchanged keeps it.
//
// The mentions fall in three sets (flow.go): uses, the names it reads where any binding
// may reach (in a function, a class body, a generator) or mentions other than by reading
// or binding them; cross, those it reads or binds only at module level without a killer
// of its own, which take the bindings from the killer before the unit on; quiet, those
// it reads or binds only where a statement of its own binds them first (x = ...; f(x)),
// which need no other unit. cross and quiet count as uses for a name that something other
// than an assignment statement may bind (moduleFlow.open).
type unitSum struct {
	defs, uses   []int32
	cross, quiet []int32
}

// names interns identifier texts.
type names struct {
	mu  sync.Mutex
	ids map[string]int32
}

// id returns the ID of the text s, giving it one if it has none. The caller holds mu.
func (ns *names) id(s []byte) int32 {
	if id, ok := ns.ids[string(s)]; ok {
		return id
	}
	return ns.idOf(string(s))
}

// idOf is id for a string (no copy when it has an ID). The caller holds mu.
func (ns *names) idOf(s string) int32 {
	if id, ok := ns.ids[s]; ok {
		return id
	}
	id := int32(len(ns.ids))
	ns.ids[s] = id
	return id
}

// len is the number of IDs given so far.
func (ns *names) len() int {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	return len(ns.ids)
}

// newUnitGraph returns the graph of f's units, interning their names in ns (nil: a table
// of its own).
func newUnitGraph(f *pysem.File, ns *names) *unitGraph {
	t := f.Tree
	if ns == nil {
		ns = &names{ids: map[string]int32{}}
	}
	g := &unitGraph{file: f, t: t, nodes: units(t), names: ns}
	g.kinds = make([]unitKind, len(g.nodes))
	g.ends = make([]NodeID, len(g.nodes))
	for i, n := range g.nodes {
		g.kinds[i] = kindOfUnit(t, n)
		g.ends[i] = t.SubtreeEnd(n)
	}
	g.sums = make([]*unitSum, len(g.nodes))
	return g
}

// sum returns unit i's summary, computing it on first use (nil for an import or inert unit:
// they take no part in the graph).
func (g *unitGraph) sum(i int) *unitSum {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.sumLocked(i)
}

// sumLocked is sum with g.mu held.
func (g *unitGraph) sumLocked(i int) *unitSum {
	if k := g.kinds[i]; k == unitImport || k == unitInert {
		return nil
	}
	if s := g.sums[i]; s != nil {
		return s
	}
	u, t := g.nodes[i], g.t
	defs := unitDefs(t, u, g.kinds[i], nil)
	ids := g.file.Nodes(syntax.KindIdentifier)
	lo, _ := slices.BinarySearch(ids, u)
	hi, _ := slices.BinarySearch(ids, t.SubtreeEnd(u))
	s := &unitSum{defs: make([]int32, len(defs))}
	g.names.mu.Lock()
	for j, d := range defs {
		s.defs[j] = g.names.id([]byte(d))
	}
	for _, id := range ids[lo:hi] {
		if g.local(id) {
			continue
		}
		name := g.names.id(t.Text(id))
		switch flowMention(g.file, t, id) {
		case unitKiller:
			s.cross = append(s.cross, name)
		case innerKiller:
			s.quiet = append(s.quiet, name)
		default:
			s.uses = append(s.uses, name)
		}
	}
	g.names.mu.Unlock()
	slices.Sort(s.uses)
	s.uses = slices.Clip(slices.Compact(s.uses))
	s.cross = without(s.cross, s.uses)
	s.quiet = without(s.quiet, s.uses, s.cross)
	g.sums[i] = s
	return s
}

// flowMention classifies a mention of a name in a unit for unitSum: noKiller for one that
// any binding may reach, or that does not read or bind the name; innerKiller for a read
// or binding that a statement of its unit binds first, or that binds it itself (x = ...);
// unitKiller for a module-level read or binding whose killer, if any, lies before its unit.
func flowMention(f *pysem.File, t *syntax.Tree, id NodeID) killerKind {
	if f.Owner(id) != nil || !pysem.IsRead(t, id) && !pysem.IsBinding(t, id) {
		return noKiller
	}
	_, kind, stop, _ := localKiller(t, id, string(t.Text(id)))
	switch {
	case stop:
		return noKiller
	case kind == innerKiller || kind == selfKiller:
		return innerKiller
	}
	return unitKiller
}

// without returns the sorted, compacted ids that none of the sorted lists holds.
func without(ids []int32, lists ...[]int32) []int32 {
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	out := ids[:0]
	for _, id := range ids {
		in := false
		for _, l := range lists {
			if _, ok := slices.BinarySearch(l, id); ok {
				in = true
				break
			}
		}
		if !in {
			out = append(out, id)
		}
	}
	return slices.Clip(out)
}

// local reports whether identifier id can name nothing the module binds, so that it joins
// its unit to no other: the name of a keyword argument, a name a function (or a
// comprehension) binds where the identifier lies, a function's own parameter, or an
// attribute of such a name (self.proj, x.shape). Defaults, annotations and decorators are
// read where the function is defined, and an attribute of anything else (a module-level
// object, torch.ops.lib.op) still counts.
func (g *unitGraph) local(id NodeID) bool {
	t, f := g.t, g.file
	p := t.Parent(id)
	switch t.Kind(p) {
	case syntax.KindKeywordArgument:
		if t.FieldOf(id) == syntax.FieldName {
			return true
		}
	case syntax.KindAttribute:
		if t.FieldOf(id) == syntax.FieldAttribute {
			r := pysem.RootOf(t, t.Field(p, syntax.FieldObject))
			return r != NoNode && g.local(r)
		}
	}
	if pysem.BoundByComprehension(t, id) {
		return true
	}
	fn := f.Owner(id)
	for fn != nil {
		body := t.Field(fn.Node, syntax.FieldBody)
		if body == NoNode || t.Contains(body, id) {
			break
		}
		// the header: a parameter's name is fn's; the rest is read where fn is defined
		if ps := t.Field(fn.Node, syntax.FieldParameters); ps != NoNode && t.Contains(ps, id) && pysem.IsBinding(t, id) {
			return true
		}
		fn = fn.Parent
	}
	return fn != nil && f.Binder(fn, t.String(id)) != nil
}

// unitOf returns the index of the unit containing node n (n must lie in one).
func (g *unitGraph) unitOf(n NodeID) int {
	i, found := slices.BinarySearch(g.ends, n)
	if found {
		i++ // n is the first node past unit i
	}
	return i
}

// sameSums reports whether units a..b-1 (none or one) of ou and nu, which share their
// names, bind and mention the same names: an edit inside a local's name, a string, a
// number or a comment leaves the dependency graph as it was.
func sameSums(ou, nu *unitGraph, a, b int) bool {
	for i := a; i < b; i++ {
		if ou.kinds[i] != nu.kinds[i] {
			return false
		}
		os, ns := ou.sum(i), nu.sum(i)
		if (os == nil) != (ns == nil) || os != nil && (!slices.Equal(os.defs, ns.defs) || !slices.Equal(os.uses, ns.uses) ||
			!slices.Equal(os.cross, ns.cross) || !slices.Equal(os.quiet, ns.quiet)) {
			return false
		}
		// whether the unit is a killer (x = ...) is not in its names
		if (killTarget(ou.t, ou.nodes[i]) == NoNode) != (killTarget(nu.t, nu.nodes[i]) == NoNode) {
			return false
		}
	}
	return true
}

// sameComponents is affectedUnits for an edit of units a..b-1 (none or one) of prev's text
// that sameSums finds changing no edge of the graph, when prev's components are those of
// its own graph: they are the new text's, and the units of the edited unit's component are
// affected. affected is nil when prev's components cannot be taken (it was linked whole, or
// the edit that made it joined components).
func sameComponents(prev *File, a, b int) (affected []bool, comps []int32) {
	pm := prev.initMemos()
	if !pm.exact || len(pm.comps) != len(pm.units.nodes) {
		return nil, nil
	}
	comps = pm.comps
	affected = make([]bool, len(comps))
	for i := a; i < b; i++ {
		for j, c := range comps {
			affected[j] = affected[j] || c == comps[i]
		}
	}
	return affected, comps
}

// affectedUnits returns, for each unit of the new file nu, whether it lies in a component
// of the dependency graph that holds a changed unit, and a label of the component each unit
// lies in (units of one component have the same label): the changed units of the old file
// (ou.nodes[oa:ob]) and of the new one (nu.nodes[na:nb]), all of them one node, so that
// a name the edit removes or adds joins as well as one it keeps; imported are the
// identifiers of the changed import statements, which the changed node counts as defining.
// ou and nu share their names.
func affectedUnits(ou *unitGraph, oa, ob int, nu *unitGraph, na, nb int, imported []string) (affected []bool, comp []int32) {
	n := len(nu.nodes)
	// nodes: the new units, then "changed" (n)
	uf := newUnionFind(n + 1)
	changed := int32(n)
	node := func(i int) int32 {
		switch {
		case i >= na && i < nb:
			return changed
		}
		return int32(i)
	}
	news := make([]*unitSum, n)
	for i := range news {
		news[i] = nu.sum(i)
	}
	olds := make([]*unitSum, ob-oa)
	for i := range olds {
		olds[i] = ou.sum(oa + i)
	}
	// the nodes defining each name: head[name] starts a list through defs; idx is the
	// definer's unit (an old changed unit's is the first changed one's, na)
	head := make([]int32, nu.names.len())
	for i := range head {
		head[i] = -1
	}
	type def struct{ node, idx, next int32 }
	var defs []def
	add := func(s *unitSum, node, idx int32) {
		for _, d := range s.defs {
			defs = append(defs, def{node, idx, head[d]})
			head[d] = int32(len(defs) - 1)
		}
	}
	for i, s := range news {
		if s != nil {
			add(s, node(i), int32(i))
		}
	}
	for _, s := range olds {
		if s != nil {
			add(s, changed, int32(na))
		}
	}
	for i := range nu.nodes {
		if from := node(i); from != int32(i) {
			uf.union(int32(i), from)
		}
	}
	// module-level reads take the bindings from their killer on (flow.go): the units that
	// are killers of a name (x = ...), in order, and the names any binding may reach
	fl := nu.flow()
	killers := make(map[int32][]int32, len(fl.killers))
	open := make(map[int32]bool, len(fl.open))
	nu.names.mu.Lock()
	for name, ks := range fl.killers {
		killers[nu.names.idOf(name)] = ks
	}
	for name := range fl.open {
		open[nu.names.idOf(name)] = true
	}
	nu.names.mu.Unlock()
	isOpen := func(name int32) bool { return fl.off || open[name] }
	// killerBefore is the last killer unit of name before unit i (-1: none); killerFrom the
	// first at or after i (n: none)
	killerBefore := func(name int32, i int) int {
		ks := killers[name]
		j, _ := slices.BinarySearch(ks, int32(i))
		if j == 0 {
			return -1
		}
		return int(ks[j-1])
	}
	killerFrom := func(name int32, i int) int {
		ks := killers[name]
		j, _ := slices.BinarySearch(ks, int32(i))
		if j == len(ks) {
			return n
		}
		return int(ks[j])
	}
	all := func(name, src int32) {
		if int(name) >= len(head) {
			return
		}
		for d := head[name]; d >= 0; d = defs[d].next {
			uf.union(src, defs[d].node)
		}
	}
	// reaching joins src, whose read of name lies in unit i, to the units binding it from
	// its killer on (all of them without one)
	reaching := func(name, src int32, i int) {
		k := killerBefore(name, i)
		if k < 0 {
			all(name, src)
			return
		}
		if int(name) >= len(head) {
			return
		}
		for d := head[name]; d >= 0; d = defs[d].next {
			if idx := int(defs[d].idx); idx >= k && idx <= i {
				uf.union(src, defs[d].node)
			}
		}
	}
	crossReaders := map[int32][]int32{}
	join := func(s *unitSum, src int32, i int) {
		for _, name := range s.uses {
			all(name, src)
		}
		for _, name := range s.cross {
			if isOpen(name) {
				all(name, src)
				continue
			}
			reaching(name, src, i)
			if src != changed {
				crossReaders[name] = append(crossReaders[name], int32(i))
			}
		}
		for _, name := range s.quiet {
			if isOpen(name) {
				all(name, src)
			}
		}
	}
	for i, s := range news {
		if s != nil {
			join(s, node(i), i)
		}
	}
	for _, s := range olds {
		if s != nil {
			join(s, changed, na)
		}
	}
	// a name the changed units bind (before or after the edit) may now reach, or no longer
	// reach, the reads after them up to its next killer: the change joins those reads and
	// the units binding it from the killer before the change to that next one
	rippled := map[int32]bool{}
	ripple := func(s *unitSum) {
		for _, name := range s.defs {
			if rippled[name] || isOpen(name) {
				continue
			}
			rippled[name] = true
			from, to := max(killerBefore(name, na), 0), killerFrom(name, nb)
			for d := head[name]; d >= 0; d = defs[d].next {
				if idx := int(defs[d].idx); idx >= from && idx <= to {
					uf.union(changed, defs[d].node)
				}
			}
			for _, i := range crossReaders[name] {
				if int(i) >= na && int(i) <= to {
					uf.union(changed, int32(i))
				}
			}
		}
	}
	for _, s := range olds {
		if s != nil {
			ripple(s)
		}
	}
	for _, s := range news[na:nb] {
		if s != nil {
			ripple(s)
		}
	}
	if len(imported) > 0 {
		// a unit with an identifier of a changed import's joins the change, unless a function
		// or comprehension around it binds the name: what the file's imports say of such an
		// identifier (pysem.File.ImportOf) does not depend on them, and whether it is bound
		// there depends on the unit's text alone
		names := make(map[string]bool, len(imported))
		for _, name := range imported {
			names[name] = true
		}
		t := nu.t
		for _, id := range nu.file.Nodes(syntax.KindIdentifier) {
			if names[string(t.Text(id))] && !nu.file.Shadowed(id) {
				if i := nu.unitOf(id); i < n {
					uf.union(node(i), changed)
				}
			}
		}
	}
	affected, comp = make([]bool, n), make([]int32, n)
	root := uf.find(changed)
	for i := range affected {
		comp[i] = uf.find(int32(i))
		affected[i] = comp[i] == root
	}
	return affected, comp
}
