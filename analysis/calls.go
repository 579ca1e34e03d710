package analysis

import (
	"maps"
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

	sharedMu sync.Mutex
	shared   map[any]*sharedValue // Pass.Shared
}

// sharedValue is one value of Pass.Shared, computed once.
type sharedValue struct {
	once sync.Once
	v    any
}

// Shared returns the value kept under key for the file analysed, computed with compute the
// first time a pass of the analysis asks: a summary of the whole file that several rules
// read (the editor asks each at every keystroke). compute must depend only on the file's
// text and what linking found, not on the options, the declarations or the rule asking;
// the value must not be modified. key is a comparable value private to the caller.
func (p *Pass) Shared(key any, compute func() any) any {
	ix := p.calls
	ix.sharedMu.Lock()
	if ix.shared == nil {
		ix.shared = map[any]*sharedValue{}
	}
	sv := ix.shared[key]
	if sv == nil {
		sv = &sharedValue{}
		ix.shared[key] = sv
	}
	ix.sharedMu.Unlock()
	sv.once.Do(func() { sv.v = compute() })
	return sv.v
}

// callIndexKey keys the call index of a file in its program's memo, where the analysis of
// the file's next text (a program ReplaceFrom made) finds it and moves it instead of
// building it again.
type callIndexKey struct{ path, module string }

// newCallIndex returns f's call index: moved from the index of f's previous text when the
// analysis keeps findings across texts (incremental) and the reparse spliced the tree (only
// the calls the edit reparsed are read), built from every call otherwise.
func newCallIndex(f *File, incremental bool) *callIndex {
	if !incremental {
		return buildCallIndex(f)
	}
	key := callIndexKey{f.Path, f.Module.Name}
	p := f.Program()
	return p.Memo(key, func() any {
		if c := p.Carried(); c.Of(f) {
			if v, ok := c.Memo(key); ok {
				if ix, ok := v.(*callIndex).moved(f); ok {
					return ix
				}
			}
		}
		return buildCallIndex(f)
	}).(*callIndex)
}

func buildCallIndex(f *File) *callIndex {
	ix := &callIndex{f: f, byLast: map[string]*[]NodeID{}}
	for _, call := range f.Nodes(syntax.KindCall) {
		ix.add(call)
	}
	return ix
}

// add indexes call, which comes after every call indexed under its name.
func (ix *callIndex) add(call NodeID) {
	f, t := ix.f, ix.f.Tree
	callee := t.Unparen(t.Field(call, syntax.FieldFunction))
	var last []byte
	switch t.Kind(callee) {
	case syntax.KindAttribute:
		last = t.Text(t.Field(callee, syntax.FieldAttribute))
	case syntax.KindIdentifier:
		last = t.Text(callee)
		if q, ok := f.ImportOf(callee); ok {
			last = []byte(lastName(q))
		}
	default:
		return
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

// moved returns the index of f, whose tree was spliced from the tree ix indexes: the calls
// before the reparsed nodes kept, those after them moved, the reparsed ones indexed again.
// ok is false when f's tree is not such a splice, or its imports (which name identifiers'
// calls) differ.
func (ix *callIndex) moved(f *File) (*callIndex, bool) {
	s := f.Tree.Spliced()
	if s == nil || !s.From(ix.f.Tree) || !maps.Equal(ix.f.Imports, f.Imports) {
		return nil, false
	}
	nx := &callIndex{f: f, byLast: make(map[string]*[]NodeID, len(ix.byLast))}
	shift := s.Shift()
	for name, calls := range ix.byLast {
		old := *calls
		lo, _ := slices.BinarySearch(old, s.Lo)
		hi, _ := slices.BinarySearch(old, s.OldHi)
		if lo == len(old) || shift == 0 && lo == hi {
			// every call before the edit, or none reparsed and none moved (a keystroke in a
			// name): shared, never appended to
			nx.byLast[name] = calls
			continue
		}
		moved := make([]NodeID, lo, len(old)-(hi-lo))
		copy(moved, old[:lo])
		for _, c := range old[hi:] {
			moved = append(moved, c+shift)
		}
		if len(moved) > 0 {
			nx.byLast[name] = &moved
		}
	}
	// the reparsed calls, spliced in at their place in each list
	all := f.Nodes(syntax.KindCall)
	from, _ := slices.BinarySearch(all, s.Lo)
	to, _ := slices.BinarySearch(all, s.NewHi)
	if from == to {
		return nx, true
	}
	fresh := &callIndex{f: f, byLast: map[string]*[]NodeID{}}
	for _, call := range all[from:to] {
		fresh.add(call)
	}
	for name, calls := range fresh.byLast {
		cur := nx.byLast[name]
		if cur == nil {
			nx.byLast[name] = calls
			continue
		}
		at, _ := slices.BinarySearch(*cur, s.Lo)
		merged := slices.Insert(slices.Clip(*cur), at, *calls...)
		nx.byLast[name] = &merged
	}
	return nx, true
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

// UsedAsSubmodule is torchsem's File.UsedAsSubmodule, looking for constructions of c among
// the calls that end in its name (the call index) rather than among every call.
func (p *Pass) UsedAsSubmodule(c *Class) bool {
	calls := p.calls.named(c.Name)
	if calls == nil {
		calls = []NodeID{} // none: not every call
	}
	return p.File.UsedAsSubmoduleAmong(c, calls)
}
