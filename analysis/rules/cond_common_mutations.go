package rules

// Part of the cond family file (see cond_common.go): in-place mutation inside a branch.

import (
	"slices"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// condMutation is an in-place change of a name inside a branch.
type condMutation struct {
	node analysis.NodeID // the call, augmented assignment or assignment
	name string          // the mutated name
	how  string          // "x.add_()", "x += ...", "x[...] = ..."
}

// condMutations returns the in-place mutations inside g (and functions nested in it) of
// names for which target reports true, skipping names a scope rebinds before the mutation
// (after x = x + 1, x is a new tensor and mutating it is allowed).
func condMutations(f *analysis.File, g *analysis.Function, target func(name string) bool) []condMutation {
	t := f.Tree
	var out []condMutation
	visible := func(n analysis.NodeID, name string) bool {
		if !target(name) {
			return false
		}
		for o := f.Owner(n); o != nil && o != g; o = o.Parent {
			if f.Scope(o).Binds(name) {
				return false
			}
		}
		for _, a := range f.OwnNodes(g, syntax.KindAssignment) {
			if t.Start(a) >= t.Start(n) {
				break
			}
			if l := t.Field(a, syntax.FieldLeft); l != analysis.NoNode && t.Kind(l) == syntax.KindIdentifier && t.TextIs(l, name) {
				return false
			}
		}
		return true
	}
	// add records node as a mutation of the variable target is rooted in, when visible
	add := func(node, target analysis.NodeID, how func(name string) string) {
		root := f.RootName(target)
		if root == analysis.NoNode {
			return
		}
		if name := t.String(root); visible(node, name) {
			out = append(out, condMutation{node: node, name: name, how: how(name)})
		}
	}
	for _, call := range f.NodesIn(g, syntax.KindCall) {
		if recv, ok := f.InPlaceMethod(g, call); ok {
			add(call, recv, func(name string) string {
				return name + "." + t.String(t.Field(t.Unparen(t.Field(call, syntax.FieldFunction)), syntax.FieldAttribute)) + "()"
			})
		}
	}
	for _, a := range f.NodesIn(g, syntax.KindAugmentedAssignment) {
		l := t.Unparen(t.Field(a, syntax.FieldLeft))
		if k := t.Kind(l); k == syntax.KindIdentifier || k == syntax.KindSubscript {
			add(a, l, func(string) string { return t.String(l) + " " + t.Operator(a) + " ..." })
		}
	}
	for _, a := range f.NodesIn(g, syntax.KindAssignment) {
		if l := t.Unparen(t.Field(a, syntax.FieldLeft)); t.Kind(l) == syntax.KindSubscript {
			add(a, l, func(name string) string { return name + "[...] = ..." })
		}
	}
	slices.SortFunc(out, func(a, b condMutation) int { return int(a.node) - int(b.node) })
	return out
}
