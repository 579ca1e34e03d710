package torchsem

import (
	"slices"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// Module-level reads that see only some of their name's bindings.
//
// A script, a notebook or a file of concatenated examples binds the same module names
// again and again (x = torch.randn(...), model = Net(), ep = export(model, ...)), each
// statement reading the binding just above it. Joined over the whole module, every read of
// x would see every x, and every statement binding or reading x would fall into one
// component of the unit graph (units.go), re-linked at any keystroke in any of them.
//
// A read at module level (not in a function, a lambda, a class body or a generator, which
// run later or in a namespace of their own) sees only what its killer and the bindings
// after it bind: the killer is the last statement `name = value` before the read in a
// block around it (the module's body, or the body of an if, a loop, a with or a try that
// holds the read), which binds the name whenever the read runs. The evaluator joins those
// bindings (scope.reaching, which asks unitGraph.killer) and the unit graph joins the read
// only to the units binding the name from its killer's unit on (unitSum, affectedUnits:
// the same localKiller, and the killers of moduleFlow). A read without a killer
// sees every binding, as before. So does every read of a name that something other than
// a statement of the module may bind in between: a function declaring it global or
// nonlocal, an import, a del, a def or class of that name; and of every name once the
// module has a star import.

// moduleFlow is what a file's module-level reads need to find their killers. It names
// units by their index among the module's statements, not by node, so that the next text
// of the file shares it when the edit changed none of what it holds (carryFlow).
type moduleFlow struct {
	off bool // a star import may bind any name anywhere: no read has a killer
	// open are the names something other than an assignment statement of the module may
	// bind (see above): their reads have no killer
	open map[string]bool
	// killers holds, per name, the module-level statements `name = value`, as indexes of
	// units, in order
	killers map[string][]int32
}

// flowKinds are the statements whose identifiers open a name (moduleFlow.open).
var flowKinds = []syntax.Kind{syntax.KindGlobalStatement, syntax.KindNonlocalStatement, syntax.KindDeleteStatement,
	syntax.KindImportStatement, syntax.KindImportFromStatement, syntax.KindFutureImportStatement}

// openedNames calls name with each identifier of n, a statement of a flowKinds kind: the
// names it may bind (an import's module names too: a name opened needlessly keeps every
// binding, which is only less precise).
func openedNames(t *syntax.Tree, n NodeID, name func(id NodeID)) {
	for c := n + 1; c < t.SubtreeEnd(n); c++ {
		if t.Kind(c) == syntax.KindIdentifier {
			name(c)
		}
	}
}

// newModuleFlow computes the moduleFlow of f, whose units (module-level statements) are
// units.
func newModuleFlow(f *pysem.File, units []NodeID) *moduleFlow {
	t := f.Tree
	m := &moduleFlow{open: map[string]bool{}, killers: map[string][]int32{}}
	m.off = len(f.Nodes(syntax.KindWildcardImport)) > 0
	if m.off {
		return m
	}
	for _, k := range flowKinds {
		for _, n := range f.Nodes(k) {
			openedNames(t, n, func(id NodeID) { m.open[t.String(id)] = true })
		}
	}
	for _, k := range []syntax.Kind{syntax.KindFunctionDefinition, syntax.KindClassDefinition} {
		for _, n := range f.Nodes(k) {
			m.open[t.String(t.Field(n, syntax.FieldName))] = true
		}
	}
	for i, u := range units {
		if name, ok := assignsName(t, u); ok {
			m.killers[name] = append(m.killers[name], int32(i))
		}
	}
	return m
}

// flowKey is what unit u of t gives its file's moduleFlow, as text: the names it opens,
// whether it imports a star, and the name it kills. Two texts whose units differ only in
// a unit with the same key have the same moduleFlow.
func flowKey(t *syntax.Tree, u NodeID) string {
	var b []byte
	end := t.SubtreeEnd(u)
	for n := u; n < end; n++ {
		switch t.Kind(n) {
		case syntax.KindWildcardImport:
			b = append(b, "*|"...)
		case syntax.KindFunctionDefinition, syntax.KindClassDefinition:
			b = append(append(b, t.Text(t.Field(n, syntax.FieldName))...), '|')
		default:
			if slices.Contains(flowKinds, t.Kind(n)) {
				openedNames(t, n, func(id NodeID) { b = append(append(b, t.Text(id)...), '|') })
			}
		}
	}
	name, _ := assignsName(t, u)
	return string(b) + "=" + name
}

// killTarget returns the identifier statement n binds when it is `name = value` (a plain
// assignment to one name, which binds it whatever else happens), or NoNode.
func killTarget(t *syntax.Tree, n NodeID) NodeID {
	if t.Kind(n) != syntax.KindExpressionStatement {
		return NoNode
	}
	a := t.NamedChild(n, 0)
	if t.Kind(a) != syntax.KindAssignment || t.Field(a, syntax.FieldRight) == NoNode {
		return NoNode
	}
	if left := t.Field(a, syntax.FieldLeft); t.Kind(left) == syntax.KindIdentifier {
		return left
	}
	return NoNode
}

// assignsName returns the name statement n binds when it is `name = value` (killTarget).
func assignsName(t *syntax.Tree, n NodeID) (string, bool) {
	if id := killTarget(t, n); id != NoNode {
		return t.String(id), true
	}
	return "", false
}

// killerKind says where a read's killer lies.
type killerKind uint8

const (
	noKiller    killerKind = iota // every binding of the name may reach the read
	innerKiller                   // a statement of the read's own module-level statement
	unitKiller                    // a module-level statement before the read's own
	selfKiller                    // the read is the target of its killer (x = value): its own binding
)

// localKiller is the part of killer that reads only the module-level statement holding
// identifier id, which the unit graph keeps with the unit (unitSum): a killer there
// (innerKiller or selfKiller), none where the read runs elsewhere or later (stop: a
// function, a lambda, a class body, a generator), or neither (ask the module's statements
// before, unitKiller). c is then that module-level statement.
func localKiller(t *syntax.Tree, id NodeID, name string) (k NodeID, kind killerKind, stop bool, c NodeID) {
	if st := t.Parent(t.Parent(id)); killTarget(t, st) == id {
		return st, selfKiller, false, NoNode
	}
	c = id
	for p := t.Parent(id); p != NoNode; c, p = p, t.Parent(p) {
		switch t.Kind(p) {
		case syntax.KindClassDefinition, syntax.KindGeneratorExpression, syntax.KindLambda,
			syntax.KindFunctionDefinition:
			return NoNode, noKiller, true, NoNode
		case syntax.KindBlock:
			// the last `name = value` among the statements before c in this block
			last := NoNode
			t.Children(p, func(s NodeID) bool {
				if s >= c {
					return false
				}
				if k := killTarget(t, s); k != NoNode && t.TextIs(k, name) {
					last = s
				}
				return true
			})
			if last != NoNode {
				return last, innerKiller, false, NoNode
			}
		case syntax.KindModule:
			return NoNode, noKiller, false, c
		}
	}
	return NoNode, noKiller, true, NoNode
}

// killer returns the killer of the read of name at identifier id of g's file, a read at
// module level (its Owner is nil), and where it lies; noKiller when every binding may
// reach it.
func (g *unitGraph) killer(id NodeID, name string) (NodeID, killerKind) {
	m := g.flow()
	if m.off || m.open[name] {
		return NoNode, noKiller
	}
	k, kind, stop, c := localKiller(g.t, id, name)
	if stop || kind != noKiller {
		return k, kind
	}
	// the last module-level statement name = value before c, the read's own
	ks := m.killers[name]
	i, _ := slices.BinarySearch(ks, int32(g.unitOf(c)))
	if i == 0 {
		return NoNode, noKiller
	}
	return g.nodes[ks[i-1]], unitKiller
}
