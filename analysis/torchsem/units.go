package torchsem

import (
	"bytes"
	"slices"

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
// mentions. Imports are left out (what they name lies in other files, or nowhere), and
// every statement that is not a definition is merged into one node, "module": the module
// scope is evaluated at once, so all of its statements read each other's names.
//
// The graph over-approximates: it joins on any identifier text, whatever it means in
// place (an attribute name, a local variable, a keyword argument). An edit then re-links
// the components its units belong to (before and after the edit), and keeps the rest.

// unitKind says how a unit takes part in the dependency graph.
type unitKind uint8

const (
	unitDef    unitKind = iota // a class or function definition (decorated or not)
	unitImport                 // an import statement: names of other modules
	unitModule                 // any other statement: joined into the module node
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
	if ta.Kind(a) != tb.Kind(b) || ta.SubtreeEnd(a)-a != tb.SubtreeEnd(b)-b || !bytes.Equal(ta.Text(a), tb.Text(b)) {
		return false
	}
	d := b - a
	for n := a; n < ta.SubtreeEnd(a); n++ {
		if ta.Kind(n) != tb.Kind(n+d) || ta.FieldOf(n) != tb.FieldOf(n+d) || ta.End(n)-ta.Start(n) != tb.End(n+d)-tb.Start(n+d) {
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
	t     *syntax.Tree
	nodes []NodeID   // the units
	kinds []unitKind // per unit
}

func newUnitGraph(t *syntax.Tree) *unitGraph {
	g := &unitGraph{t: t, nodes: units(t)}
	g.kinds = make([]unitKind, len(g.nodes))
	for i, n := range g.nodes {
		g.kinds[i] = kindOfUnit(t, n)
	}
	return g
}

// unitOf returns the index of the unit containing node n (n must lie in one).
func (g *unitGraph) unitOf(n NodeID) int {
	lo, hi := 0, len(g.nodes)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if g.t.SubtreeEnd(g.nodes[m]) <= n {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// affectedUnits returns, for each unit of the new file nu, whether it lies in a component
// of the dependency graph that holds a changed unit, and a label of the component each unit
// lies in (units of one component have the same label): the changed units of the old file
// (ou.nodes[oa:ob]) and of the new one (nu.nodes[na:nb]), all of them one node, so that
// a name the edit removes or adds joins as well as one it keeps. oldFile and newFile give
// the identifiers of each file.
func affectedUnits(ou *unitGraph, oldFile *pysem.File, oa, ob int, nu *unitGraph, newFile *pysem.File, na, nb int) (affected []bool, comp []int32) {
	n := len(nu.nodes)
	// nodes: the new units, then "module" (n), then "changed" (n+1)
	uf := newUnionFind(n + 2)
	const none = -1
	module, changed := int32(n), int32(n+1)
	node := func(i int) int32 {
		switch {
		case i >= na && i < nb:
			return changed
		case nu.kinds[i] == unitModule:
			return module
		}
		return int32(i)
	}
	defs := map[string][]int32{}
	var buf []string
	for i, u := range nu.nodes {
		k := nu.kinds[i]
		if k == unitImport || k == unitInert {
			continue
		}
		buf = unitDefs(nu.t, u, k, buf[:0])
		for _, name := range buf {
			defs[name] = append(defs[name], node(i))
		}
	}
	for i := oa; i < ob; i++ {
		k := ou.kinds[i]
		if k == unitImport || k == unitInert {
			continue
		}
		buf = unitDefs(ou.t, ou.nodes[i], k, buf[:0])
		for _, name := range buf {
			defs[name] = append(defs[name], changed)
		}
	}
	for i := range nu.nodes {
		if from := node(i); from != int32(i) {
			uf.union(int32(i), from)
		}
	}
	join := func(g *unitGraph, ids []NodeID, from func(unit int) int32) {
		u := 0
		for _, id := range ids {
			for u < len(g.nodes) && g.t.SubtreeEnd(g.nodes[u]) <= id {
				u++
			}
			if u == len(g.nodes) {
				return
			}
			if id < g.nodes[u] {
				continue
			}
			src := from(u)
			if src == none {
				continue
			}
			for _, d := range defs[string(g.t.Text(id))] {
				uf.union(src, d)
			}
		}
	}
	join(nu, newFile.Nodes(syntax.KindIdentifier), func(u int) int32 {
		if k := nu.kinds[u]; k == unitImport || k == unitInert {
			return none
		}
		return node(u)
	})
	oldIDs := oldFile.Nodes(syntax.KindIdentifier)
	if oa < ob {
		lo, _ := slices.BinarySearch(oldIDs, ou.nodes[oa])
		hi, _ := slices.BinarySearch(oldIDs, ou.t.SubtreeEnd(ou.nodes[ob-1]))
		join(ou, oldIDs[lo:hi], func(u int) int32 {
			if k := ou.kinds[u]; k == unitImport || k == unitInert || u < oa || u >= ob {
				return none
			}
			return changed
		})
	}
	affected, comp = make([]bool, n), make([]int32, n)
	root := uf.find(changed)
	for i := range affected {
		comp[i] = uf.find(int32(i))
		affected[i] = comp[i] == root
	}
	return affected, comp
}
