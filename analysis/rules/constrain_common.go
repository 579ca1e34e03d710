package rules

// The family file of the rules about values read out of tensor data and the torch._check
// family that bounds them (constrain_as_size_example, constrain_as_value_example,
// unchecked_data_dependent_value, deprecated_export_api): a name bound to such a value and
// how the function uses it, and the rewrite of the deprecated constraint calls.

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// constrainRecognizeChecks reports, once each (seen), the torch._check calls bounding it:
// the supported form, shown on hover.
func constrainRecognizeChecks(pass *analysis.Pass, it constrainItem, seen map[analysis.NodeID]bool, format string) {
	for _, c := range it.checks {
		if constrainAPI(pass, c) != torchsem.CheckAPI || seen[c] {
			continue
		}
		seen[c] = true
		pass.Reportf(c, analysis.Recognized, format, it.name)
	}
}

// constrainAPI returns the qualified name of call's callee when it is one of the check
// APIs (torch._check, torch._check_is_size, torch._constrain_as_size,
// torch._constrain_as_value), else "".
func constrainAPI(pass *analysis.Pass, call analysis.NodeID) string {
	if q := pass.CallName(call); torchsem.IsCheckAPI(q) {
		return q
	}
	return ""
}

// constrainSubject is the text of a constraint call's first argument, for messages.
func constrainSubject(f *analysis.File, call analysis.NodeID) string {
	pos, _ := f.Args(call)
	if len(pos) == 0 {
		return "the value"
	}
	return fix.Snippet(f.Tree, pos[0])
}

// constrainItem is a name bound to a value read out of tensor data, and how the function
// uses it.
type constrainItem struct {
	name     string
	assign   analysis.NodeID   // the assignment
	stmt     analysis.NodeID   // the statement holding the assignment
	sizeUse  analysis.NodeID   // first use as a size, or NoNode
	sizeCtor bool              // that use sizes a tensor constructor
	sizeSafe bool              // that use sizes a constructor in the assignment's block
	condUse  analysis.NodeID   // first use in a branch condition, or NoNode
	checks   []analysis.NodeID // constraint calls mentioning the name
	asserted bool              // an assert mentions the name
}

// constrainItemOf describes the assignment a when it binds a plain name to a value read
// directly out of tensor data (a = x.item(), n = int(t.max())), not through another such name.
func constrainItemOf(pass *analysis.Pass, fn *analysis.Function, a analysis.NodeID) (constrainItem, bool) {
	f := pass.File
	t := f.Tree
	it := constrainItem{assign: a, sizeUse: analysis.NoNode, condUse: analysis.NoNode}
	left, right := t.Field(a, syntax.FieldLeft), t.Field(a, syntax.FieldRight)
	if left == analysis.NoNode || right == analysis.NoNode || t.Kind(left) != syntax.KindIdentifier {
		return it, false
	}
	// cheap syntactic filter before the facts: the value must come from .item() or int(...)
	reads := false
	for id, end := right, t.SubtreeEnd(right); id < end && !reads; id++ {
		if t.Kind(id) == syntax.KindIdentifier {
			reads = t.FieldOf(id) == syntax.FieldAttribute && t.TextIs(id, "item") ||
				t.FieldOf(id) == syntax.FieldFunction && t.TextIs(id, "int")
		}
	}
	if !reads {
		return it, false
	}
	if v := f.Value(fn, right); !v.May(torchsem.Data) || v.IsTensor() {
		return it, false
	}
	// primary: no name in the right-hand side already carries data (the tensor .item()
	// reads is not such a name, also when the assignment rebinds it: h = h.item(), whose
	// name then holds data as well as the tensor)
	for id, end := right, t.SubtreeEnd(right); id < end; id++ {
		if t.Kind(id) != syntax.KindIdentifier || t.FieldOf(id) == syntax.FieldAttribute || t.FieldOf(id) == syntax.FieldName {
			continue
		}
		if p := t.Parent(id); t.FieldOf(id) == syntax.FieldObject && t.TextIs(t.Field(p, syntax.FieldAttribute), "item") {
			continue
		}
		if f.Value(fn, id).May(torchsem.Data) {
			return it, false
		}
	}
	it.name = t.String(left)
	it.stmt = fix.Statement(t, a)
	for _, u := range f.NodesIn(fn, syntax.KindIdentifier) {
		if u <= left || !t.TextIs(u, it.name) {
			continue
		}
		fld := t.FieldOf(u)
		if fld == syntax.FieldAttribute || fld == syntax.FieldName {
			continue
		}
		if fld == syntax.FieldLeft {
			if p := t.Parent(u); p != analysis.NoNode {
				switch t.Kind(p) {
				case syntax.KindAssignment, syntax.KindAugmentedAssignment, syntax.KindForStatement:
					return it, true // rebound: later uses see another value
				}
			}
		}
		constrainClassify(pass, fn, &it, u)
	}
	return it, true
}

// constrainClassify walks up from a use u of it.name to its statement and records whether
// it sizes a tensor, decides a branch, or is checked.
func constrainClassify(pass *analysis.Pass, fn *analysis.Function, it *constrainItem, u analysis.NodeID) {
	f := pass.File
	t := f.Tree
	for n := u; ; {
		p := t.Parent(n)
		if p == analysis.NoNode {
			return
		}
		switch t.Kind(p) {
		case syntax.KindCall:
			if t.FieldOf(n) != syntax.FieldArguments {
				break
			}
			if constrainAPI(pass, p) != "" {
				it.checks = append(it.checks, p)
				return
			}
			if sc, ok := f.SizeCall(fn, p); ok {
				for _, a := range sc.Sizes {
					if it.sizeUse == analysis.NoNode && t.Contains(a, u) {
						it.sizeUse = u
						it.sizeCtor = sc.Constructor // a negative size makes every constructor raise
						it.sizeSafe = sc.Constructor && t.Parent(fix.Statement(t, p)) == t.Parent(it.stmt)
					}
				}
				return
			}
		case syntax.KindSlice:
			if sub := t.Parent(p); sub != analysis.NoNode && t.Kind(sub) == syntax.KindSubscript && f.Value(fn, t.Field(sub, syntax.FieldValue)).May(torchsem.Tensor) {
				if it.sizeUse == analysis.NoNode {
					it.sizeUse = u
				}
			}
			return
		case syntax.KindIfStatement, syntax.KindElifClause, syntax.KindWhileStatement:
			if t.FieldOf(n) == syntax.FieldCondition && it.condUse == analysis.NoNode {
				it.condUse = u
			}
			return
		case syntax.KindConditionalExpression:
			if t.NamedChild(p, 1) == n && it.condUse == analysis.NoNode {
				it.condUse = u
				return
			}
		case syntax.KindAssertStatement:
			it.asserted = true
			return
		case syntax.KindBlock, syntax.KindModule, syntax.KindFunctionDefinition, syntax.KindLambda, syntax.KindClassDefinition:
			return
		}
		n = p
	}
}

// constrainBoundsFix rewrites a statement-level call of a deprecated constraint API into
// torch._check bounds, one per line at the call's indentation.
func constrainBoundsFix(f *analysis.File, call analysis.NodeID, api string, modern bool, title string) (analysis.Fix, bool) {
	t := f.Tree
	st := t.Parent(call)
	if st == analysis.NoNode || t.Kind(st) != syntax.KindExpressionStatement || t.Start(st) != t.Start(call) ||
		t.End(st) != t.End(call) || !fix.StartsLine(f, st) {
		return analysis.Fix{}, false
	}
	callee := t.Unparen(t.Field(call, syntax.FieldFunction))
	prefix := ""
	if t.Kind(callee) == syntax.KindAttribute {
		prefix = t.String(t.Field(callee, syntax.FieldObject))
	} else {
		prefix = fix.NewImporter(f).Bound("torch")
	}
	if prefix == "" {
		return analysis.Fix{}, false
	}
	pos, kws := f.Args(call)
	if len(pos) == 0 || len(pos) > 3 || t.Kind(pos[0]) == syntax.KindListSplat {
		return analysis.Fix{}, false
	}
	lo, hi := analysis.NoNode, analysis.NoNode
	if api == torchsem.CheckIsSizeAPI {
		if len(pos) > 1 {
			return analysis.Fix{}, false // a message argument has no place in torch._check(a >= 0)
		}
	} else {
		if len(pos) > 1 {
			lo = pos[1]
		}
		if len(pos) > 2 {
			hi = pos[2]
		}
	}
	for _, k := range kws {
		name, val := t.Field(k, syntax.FieldName), t.Field(k, syntax.FieldValue)
		switch {
		case name == analysis.NoNode || val == analysis.NoNode:
			return analysis.Fix{}, false
		case t.TextIs(name, "min") && api != torchsem.CheckIsSizeAPI:
			lo = val
		case t.TextIs(name, "max"):
			hi = val
		default:
			return analysis.Fix{}, false
		}
	}
	if lo != analysis.NoNode && t.Kind(t.Unparen(lo)) == syntax.KindNone {
		lo = analysis.NoNode
	}
	if hi != analysis.NoNode && t.Kind(t.Unparen(hi)) == syntax.KindNone {
		hi = analysis.NoNode
	}
	a := fix.Operand(t, pos[0])
	var lines []string
	switch api {
	case torchsem.ConstrainAsSizeAPI, torchsem.CheckIsSizeAPI:
		switch {
		case !modern:
			lines = append(lines, prefix+"._check_is_size("+t.String(pos[0])+")")
			if lo != analysis.NoNode && !t.TextIs(t.Unparen(lo), "0") {
				lines = append(lines, prefix+"._check("+a+" >= "+fix.Operand(t, lo)+")")
			}
		case lo != analysis.NoNode:
			lines = append(lines, prefix+"._check("+a+" >= "+fix.Operand(t, lo)+")")
		default:
			lines = append(lines, prefix+"._check("+a+" >= 0)")
		}
	case torchsem.ConstrainAsValueAPI:
		if lo != analysis.NoNode {
			lines = append(lines, prefix+"._check("+a+" >= "+fix.Operand(t, lo)+")")
		}
	}
	if hi != analysis.NoNode {
		lines = append(lines, prefix+"._check("+a+" <= "+fix.Operand(t, hi)+")")
	}
	if len(lines) == 0 {
		return analysis.Fix{}, false
	}
	return analysis.Fix{
		Title:  title,
		Safety: analysis.Safe,
		Edits:  []analysis.Edit{{Start: t.Start(st), End: t.End(st), NewText: strings.Join(lines, "\n"+f.Indent(t.Start(st)))}},
	}, true
}
