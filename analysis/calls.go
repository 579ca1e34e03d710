package analysis

import (
	"slices"
	"strings"
	"sync"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// callIndex is shared by the passes of one Analyze: the calls of the file by the last
// name of their callee (cheap, built before the rules run), and the qualified name each
// call resolves to, computed once for all rules when one asks.
type callIndex struct {
	f      *File
	byLast map[string]*[]NodeID

	condOnce sync.Once
	conds    []NodeID // conditions()
}

func newCallIndex(f *File) *callIndex {
	t := f.Tree
	ix := &callIndex{f: f, byLast: map[string]*[]NodeID{}}
	for _, call := range f.Nodes(syntax.KindCall) {
		callee := t.Unparen(t.Field(call, syntax.FieldFunction))
		var last []byte
		switch t.Kind(callee) {
		case syntax.KindAttribute:
			last = t.Text(t.Field(callee, syntax.FieldAttribute))
		case syntax.KindIdentifier:
			last = t.Text(callee)
			if q, ok := f.Imports[string(last)]; ok {
				last = []byte(lastName(q))
			}
		default:
			continue
		}
		// looked up without making a string of the name: a string is made once per name,
		// not once per call of a file of thousands
		calls := ix.byLast[string(last)]
		if calls == nil {
			calls = new([]NodeID)
			ix.byLast[string(last)] = calls
		}
		*calls = append(*calls, call)
	}
	return ix
}

// named returns the calls whose callee's last name is name, in order.
func (ix *callIndex) named(name string) []NodeID {
	if calls := ix.byLast[name]; calls != nil {
		return *calls
	}
	return nil
}

// CallsNamed returns the calls anywhere in the file, traced or not, whose callee's last
// name is one of names (as Calls matches them: an attribute's name, an identifier, or the
// last name of what an imported identifier imports), in source order. It reads the whole
// file whatever the rule: a rule that looks for the calls of a few functions visits those
// instead of every call.
func (p *Pass) CallsNamed(names ...string) []NodeID {
	var out []NodeID
	for _, name := range names {
		out = append(out, p.calls.named(name)...)
	}
	if len(names) > 1 {
		slices.Sort(out)
		out = slices.Compact(out)
	}
	return out
}

// conditions returns the nodes of conditionKinds in the file, sorted, merged once for all
// passes.
func (ix *callIndex) conditions() []NodeID {
	ix.condOnce.Do(func() {
		for _, k := range conditionKinds {
			ix.conds = append(ix.conds, ix.f.Nodes(k)...)
		}
		slices.Sort(ix.conds)
	})
	return ix.conds
}

func lastName(q string) string { return q[strings.LastIndexByte(q, '.')+1:] }

// name returns the qualified name call resolves to (see Pass.CallName), computed once per
// call and kept with the call's unit for the next text of the file (File.UnitName).
func (ix *callIndex) name(call NodeID) string {
	return ix.f.UnitName(call, func() string { return ix.resolve(call) })
}

// resolve computes the qualified name call resolves to.
func (ix *callIndex) resolve(call NodeID) string {
	f, t := ix.f, ix.f.Tree
	callee := t.Unparen(t.Field(call, syntax.FieldFunction))
	switch {
	case callee == NoNode:
	case f.IsImported(callee):
		return f.Resolve(callee)
	default:
		c := f.Callee(f.Owner(call), call)
		switch {
		case c.API != "":
			return c.API
		case c.Builtin != "":
			return c.Builtin
		}
	}
	return ""
}

// CallName returns the qualified name the callee of call resolves to: the import-qualified
// name of an imported callee ("torch.sym_min" for T.sym_min or an imported sym_min,
// "numpy.sum", "math.floor"), a Tensor method of a value the model says may be a tensor
// ("torch.Tensor.view"), or a builtin the code does not rebind ("round"); "" otherwise (a
// function or method of the project, a method of another value). Rules share the answer.
func (p *Pass) CallName(call NodeID) string { return p.calls.name(call) }

// Calls calls visit, in source order, for every call in traced code whose callee resolves
// to qual (as CallName resolves it), with the innermost function containing it.
func (p *Pass) Calls(qual string, visit func(call NodeID, fn *Function)) {
	p.each(p.calls.named(lastName(qual)), func(call NodeID) bool {
		if o := p.File.Owner(call); o != nil && p.File.Traced(o) && p.calls.name(call) == qual {
			visit(call, o)
		}
		return true
	})
}

// AllCalls is Calls for the calls anywhere in the file, traced or not (fn is nil at module
// level): an export call in a script, a deprecated API in a test.
func (p *Pass) AllCalls(qual string, visit func(call NodeID, fn *Function)) {
	p.each(p.calls.named(lastName(qual)), func(call NodeID) bool {
		if p.calls.name(call) == qual {
			visit(call, p.File.Owner(call))
		}
		return true
	})
}

// conditionKinds are the constructs whose test Conditions reports.
var conditionKinds = [...]syntax.Kind{syntax.KindIfStatement, syntax.KindElifClause, syntax.KindWhileStatement,
	syntax.KindAssertStatement, syntax.KindConditionalExpression, syntax.KindIfClause}

// Conditions calls visit, in source order, for every condition in traced code (the test of
// an if, elif, while or assert statement, of a conditional expression, of a comprehension's
// if) with the innermost function containing it.
func (p *Pass) Conditions(visit func(c Condition, fn *Function)) {
	f := p.File
	p.each(p.calls.conditions(), func(n NodeID) bool {
		o := f.Owner(n)
		if o == nil || !f.Traced(o) {
			return true
		}
		if c, ok := pysem.ConditionAt(f.Tree, n); ok {
			visit(c, o)
		}
		return true
	})
}
