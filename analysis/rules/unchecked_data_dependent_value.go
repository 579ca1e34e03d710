package rules

import (
	"slices"
	"strconv"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// UncheckedDataDependentValue finds values read out of tensor data and used, without a
// torch._check, where export must know something about them.
var UncheckedDataDependentValue = &analysis.Rule{
	Name: "unchecked_data_dependent_value",
	Doc: `## What it does
Follows, in code that torch.export traces, numbers read out of tensor data: ` + "`.item()`" + `,
` + "`.tolist()`" + ` (and the names unpacked from it), ` + "`int(t)`" + `, ` + "`float(t)`" + `, the length of a ` + "`nonzero()`" + `,
` + "`unique()`" + `, ` + "`masked_select()`" + ` or ` + "`argwhere()`" + ` result (` + "`idx.shape[0]`" + `, ` + "`len(idx)`" + `), and names
computed from them. It reports such a value, when no ` + "`torch._check(...)`" + ` (or ` + "`torch._check_is_size`" + `,
or an ` + "`assert`" + `) mentions it earlier in the function, where it is:
- a size argument of ` + "`view`" + `, ` + "`reshape`" + `, ` + "`expand`" + `, ` + "`narrow`" + ` or ` + "`repeat`" + `, or a slice bound of a
  tensor (not for nonzero()/unique() lengths, which export already knows to be sizes: a slice
  bounded by one is data_dependent_output_shape's);
- compared in an ` + "`if`" + `, ` + "`elif`" + `, ` + "`while`" + ` or conditional expression;
- the count of a ` + "`for ... in range(n)`" + ` loop.

Division of work: a name bound straight from ` + "`.item()`" + `, ` + "`.tolist()[i]`" + ` or ` + "`int(t)`" + ` (` + "`a = x.item()`" + `) is
constrain_as_size_example's when it sizes a tensor or bounds a slice, and
constrain_as_value_example's when it decides a branch; this rule covers everything else of the
same error class (unpacked and derived names, inline reads, nonzero()/unique() lengths, loop
counts), so one use is never reported twice. Tensor constructors (` + "`torch.zeros(n)`" + `) are not
reported here: PyTorch marks a value passed to them as a size. Conditions on tensors themselves
(` + "`x.sum() > 0`" + `) are data_dependent_branch's.

## Why is this bad
While export traces, such a value is an unbacked symbol: export does not know it. When the code
forces a question about it (is this size -1, the "infer" marker of ` + "`view`" + `? is this slice bound
negative? is ` + "`n > 4`" + `? how many times does this loop run?), export fails with
GuardOnDataDependentSymNode: "Could not guard on data-dependent expression" (or "Could not
extract specialized integer"). ` + "`torch._check(n >= 0)`" + ` before the use answers the question, lets
tracing go on, and stays in the exported program as a runtime assertion. A branch that really
depends on the value needs ` + "`torch.cond`" + ` instead; a loop needs a bound known at export time.

## Example
` + "```python" + `
def forward(self, x, shape):
    rows, cols = shape.tolist()
    return x.view(rows, cols)
` + "```" + `

## Use instead
` + "```python" + `
def forward(self, x, shape):
    rows, cols = shape.tolist()
    torch._check(rows >= 0)
    torch._check(cols >= 0)
    return x.view(rows, cols)
` + "```" + `
For a slice ` + "`x[:n]`" + `, ` + "`x.narrow(0, 0, n)`" + ` states the size directly. When an upper bound on the number of
nonzero elements is known, ` + "`x.nonzero_static(size=k)`" + ` has a fixed output length (padded with
` + "`fill_value`" + `) and needs no check at all.

## Fix safety
- Inserting ` + "`torch._check(n >= 0)`" + ` after the statement that reads ` + "`n`" + ` is safe when the use is a
  ` + "`repeat`" + ` count or the length of ` + "`narrow`" + ` in the same block, where a negative value raises anyway.
  Elsewhere it is unsafe and its title says so: ` + "`view`" + `/` + "`reshape`" + `/` + "`expand`" + ` accept -1 and slices accept
  negative bounds, so a value that used to work may now raise. Upper bounds are domain knowledge:
  add them by hand (` + "`torch._check(n <= x.shape[0])`" + `).
- Replacing ` + "`x[:n]`" + ` with ` + "`x.narrow(0, 0, n)`" + ` is unsafe: narrow raises when ` + "`n`" + ` is negative or past the
  end of the dimension, where slicing clamps.
- Conditions and loop counts have no fix: bounds rarely settle them, and asserting the condition
  would drop the other branch.

## References
- [Dynamic shapes: unbacked symbols and torch._check](https://pytorch.org/docs/main/torch.compiler_dynamic_shapes.html)
- [Troubleshooting GuardOnDataDependentSymNode errors](https://pytorch.org/docs/main/compile/dynamic_shapes_troubleshooting_guardon_errors.html)
- [torch.export programming model: data-dependent shapes](https://pytorch.org/docs/main/export.programming_model.html)
`,
	Local: true,
	Run:   runUncheckedDataDependentValue,
}

// udvName is a local name holding a value read out of tensor data.
type udvName struct {
	via    string          // how it was read: ".tolist()", ".item()", "nonzero()", ...
	assign analysis.NodeID // the first assignment binding it
	roots  map[string]bool // the data names it is computed from, itself included
	dds    bool            // the length of a data-dependent-shape result: export knows it is a size
}

// udvScope is what the rule knows of one traced function.
type udvScope struct {
	pass    *analysis.Pass
	fn      *analysis.Function
	names   map[string]*udvName
	primary map[string]bool // names constrain_as_size/value_example own
	checks  []analysis.NodeID
}

func runUncheckedDataDependentValue(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	scopes := map[*analysis.Function]*udvScope{}
	scopeOf := func(fn *analysis.Function) *udvScope {
		if s, ok := scopes[fn]; ok {
			return s
		}
		s := udvBuildScope(pass, fn)
		scopes[fn] = s
		return s
	}
	reported := map[analysis.NodeID]bool{}

	// sizes: view/reshape/expand/narrow/repeat arguments (constructors are
	// constrain_as_size_example's)
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		sc, ok := f.SizeCall(fn, call)
		if !ok || sc.Constructor || !f.RunsWhileExporting(call) {
			return
		}
		s := scopeOf(fn)
		var uses []udvUse
		for _, a := range sc.Sizes {
			uses = append(uses, s.reads(a, false)...)
		}
		s.reportSizes(pass, call, call, uses, sc.Method()+" size", udvSafeUse(f, sc, uses))
	})
	// slice bounds of tensors
	pass.Traced(syntax.KindSlice, func(sl analysis.NodeID, fn *analysis.Function) {
		sub := t.Parent(sl)
		if sub == analysis.NoNode || t.Kind(sub) != syntax.KindSubscript || t.FieldOf(sl) != syntax.FieldSubscript {
			if sub = t.Parent(sub); sub == analysis.NoNode || t.Kind(sub) != syntax.KindSubscript {
				return
			}
		}
		if reported[sub] || !f.Value(fn, t.Field(sub, syntax.FieldValue)).May(torchsem.Tensor) || !f.RunsWhileExporting(sl) {
			return
		}
		s := scopeOf(fn)
		var uses []udvUse
		t.Children(sub, func(c analysis.NodeID) bool {
			if t.FieldOf(c) == syntax.FieldSubscript && t.Kind(c) == syntax.KindSlice {
				uses = append(uses, s.reads(c, false)...)
			}
			return true
		})
		if fd := s.reportSizes(pass, sub, sub, uses, "slice bound", false); fd != nil {
			reported[sub] = true
			if fx, ok := udvNarrowFix(f, fn, sub); ok {
				fd.Fixes = append(fd.Fixes, fx)
			}
		}
	})
	// conditions
	pass.Conditions(func(c analysis.Condition, fn *analysis.Function) {
		switch t.Kind(c.Stmt) {
		case syntax.KindIfStatement, syntax.KindElifClause, syntax.KindWhileStatement, syntax.KindConditionalExpression:
		default:
			return
		}
		if !f.RunsWhileExporting(c.Stmt) || f.TensorTruth(fn, c.Test) != analysis.NoNode {
			return // data_dependent_branch's
		}
		s := scopeOf(fn)
		u, ok := s.decides(c.Test)
		if !ok || s.checkedBefore(f, u, t.Start(c.Test)) {
			return
		}
		fd := pass.Reportf(c.Test, analysis.Fails,
			"%s on %s, read from tensor data with %s, cannot be decided while export traces (GuardOnDataDependentSymNode)",
			c.What(t), u.label(t), u.via)
		if u.name != "" {
			if a := s.names[u.name]; a != nil && a.assign != analysis.NoNode {
				fd.Related = append(fd.Related, analysis.Related{Start: t.Start(a.assign), End: t.End(a.assign), Message: u.name + " is read here"})
			}
		}
	})
	// loop counts: for i in range(n)
	pass.Traced(syntax.KindForStatement, func(n analysis.NodeID, fn *analysis.Function) {
		it := t.Unparen(t.Field(n, syntax.FieldRight))
		if it == analysis.NoNode || t.Kind(it) != syntax.KindCall || !f.RunsWhileExporting(n) {
			return
		}
		if pass.CallName(it) != "range" {
			return
		}
		s := scopeOf(fn)
		pos, _ := f.Args(it)
		for _, a := range pos {
			for _, u := range s.reads(a, true) {
				if s.checkedBefore(f, u, t.Start(it)) {
					continue
				}
				pass.Reportf(it, analysis.Fails,
					"range(%s) loops a number of times read from tensor data with %s: export cannot unroll a loop of unknown length",
					fix.Snippet(t, a), u.via)
				return
			}
		}
	})
}

// udvBuildScope finds the data names of fn: bound from .item(), .tolist(), int(t), float(t),
// a data-dependent length, or arithmetic on such names.
func udvBuildScope(pass *analysis.Pass, fn *analysis.Function) *udvScope {
	f := pass.File
	t := f.Tree
	s := &udvScope{pass: pass, fn: fn, names: map[string]*udvName{}, primary: map[string]bool{}}
	for pass := 0; pass < 2; pass++ {
		for _, a := range f.OwnNodes(fn, syntax.KindAssignment) {
			left, right := t.Field(a, syntax.FieldLeft), t.Field(a, syntax.FieldRight)
			if left == analysis.NoNode || right == analysis.NoNode {
				continue
			}
			uses := s.reads(right, true)
			if len(uses) == 0 {
				continue
			}
			roots := map[string]bool{}
			dds := true
			for _, u := range uses {
				if u.name != "" {
					for r := range s.names[u.name].roots {
						roots[r] = true
					}
				}
				dds = dds && u.dds
			}
			var bind func(n analysis.NodeID)
			bind = func(n analysis.NodeID) {
				switch t.Kind(n) {
				case syntax.KindIdentifier:
					name := t.String(n)
					if _, seen := s.names[name]; seen {
						return
					}
					r := map[string]bool{name: true}
					for k := range roots {
						r[k] = true
					}
					s.names[name] = &udvName{via: uses[0].via, assign: a, roots: r, dds: dds}
				case syntax.KindPatternList, syntax.KindTuplePattern, syntax.KindListPattern, syntax.KindTuple, syntax.KindList:
					t.Children(n, func(c analysis.NodeID) bool {
						if t.IsNamed(c) && !t.IsComment(c) {
							bind(c)
						}
						return true
					})
				}
			}
			bind(left)
		}
	}
	for _, a := range f.OwnNodes(fn, syntax.KindAssignment) {
		if it, ok := constrainItemOf(pass, fn, a); ok {
			s.primary[it.name] = true
		}
	}
	for _, c := range f.NodesIn(fn, syntax.KindCall) {
		if constrainAPI(pass, c) != "" {
			s.checks = append(s.checks, c)
		}
	}
	s.checks = append(s.checks, f.NodesIn(fn, syntax.KindAssertStatement)...)
	slices.Sort(s.checks)
	return s
}

// udvUse is one read of a data value in an expression: a data name, or an inline read.
type udvUse struct {
	node analysis.NodeID
	name string // the data name read, or "" for an inline read (x.item())
	via  string
	dds  bool
}

func (u udvUse) label(t *syntax.Tree) string {
	if u.name != "" {
		return u.name
	}
	return fix.Snippet(t, u.node)
}

// reads returns the data values read in e: data names (all of them when withPrimary, else
// those constrain_as_*_example do not own) and inline reads not inside a data name.
func (s *udvScope) reads(e analysis.NodeID, withPrimary bool) []udvUse {
	f, t := s.pass.File, s.pass.File.Tree
	var out []udvUse
	var walk func(n analysis.NodeID)
	walk = func(n analysis.NodeID) {
		if n == analysis.NoNode {
			return
		}
		switch t.Kind(n) {
		case syntax.KindIdentifier:
			if t.FieldOf(n) == syntax.FieldAttribute || t.FieldOf(n) == syntax.FieldName {
				return
			}
			if d := s.names[t.String(n)]; d != nil && f.Owner(n) == s.fn {
				if withPrimary || !s.primary[t.String(n)] {
					out = append(out, udvUse{node: n, name: t.String(n), via: d.via, dds: d.dds})
				}
			}
			return
		case syntax.KindLambda, syntax.KindListComprehension, syntax.KindGeneratorExpression, syntax.KindDictionaryComprehension, syntax.KindSetComprehension:
			return
		case syntax.KindCall:
			if via, dds, ok := udvInlineRead(s.pass, s.fn, n); ok {
				out = append(out, udvUse{node: n, via: via, dds: dds})
				return
			}
		case syntax.KindAttribute, syntax.KindSubscript:
			if via, ok := udvDDSLength(f, s.fn, n); ok {
				out = append(out, udvUse{node: n, via: via, dds: true})
				return
			}
		}
		t.Children(n, func(c analysis.NodeID) bool {
			if t.IsNamed(c) && !t.IsComment(c) {
				walk(c)
			}
			return true
		})
	}
	walk(e)
	return out
}

// udvInlineRead reports whether call reads a value out of tensor data: t.item(),
// t.tolist(), int(t) or float(t) of what may be a tensor, or the length of a tensor whose
// size depends on its data (dds: idx.size(0), idx.numel(), len(idx), which export knows to
// be sizes, like idx.shape[0]); and how, for messages.
func udvInlineRead(pass *analysis.Pass, fn *analysis.Function, call analysis.NodeID) (via string, dds, ok bool) {
	f := pass.File
	t := f.Tree
	pos, _ := f.Args(call)
	switch q := pass.CallName(call); q {
	case "torch.Tensor.item", "torch.Tensor.tolist":
		if len(pos) == 0 {
			return "." + q[len("torch.Tensor."):] + "()", false, true
		}
	case "int", "float":
		if len(pos) == 1 && f.Value(fn, pos[0]).May(torchsem.Tensor) {
			return q + "()", false, true
		}
	case "torch.Tensor.size", "torch.Tensor.numel", "torch.Tensor.nelement":
		if f.Value(fn, call).May(torchsem.UnbackedSize) {
			return udvDDSVia(f, fn, t.Field(t.Unparen(t.Field(call, syntax.FieldFunction)), syntax.FieldObject)), true, true
		}
	case "len":
		if len(pos) == 1 && f.Value(fn, call).May(torchsem.UnbackedSize) {
			return udvDDSVia(f, fn, pos[0]), true, true
		}
	}
	return "", false, false
}

// udvDDSLength reports whether n reads the shape of a tensor whose size depends on its data
// (idx.shape, idx.shape[0]).
func udvDDSLength(f *analysis.File, fn *analysis.Function, n analysis.NodeID) (string, bool) {
	t := f.Tree
	shape := n
	if t.Kind(shape) == syntax.KindSubscript {
		shape = t.Unparen(t.Field(shape, syntax.FieldValue))
	}
	if t.Kind(shape) != syntax.KindAttribute || !t.TextIs(t.Field(shape, syntax.FieldAttribute), "shape") ||
		!f.Value(fn, n).May(torchsem.UnbackedSize) {
		return "", false
	}
	return udvDDSVia(f, fn, t.Field(shape, syntax.FieldObject)), true
}

// udvDDSVia names, for a message, where the data-dependent size of tensor e comes from:
// "the length of a nonzero() result", following casts, indexing and names bound once.
func udvDDSVia(f *analysis.File, fn *analysis.Function, e analysis.NodeID) string {
	t := f.Tree
	for depth := 0; depth < 8; depth++ {
		e = t.Unparen(e)
		switch t.Kind(e) {
		case syntax.KindCall:
			c := f.Callee(fn, e)
			if a := torchsem.LookupAPI(c.API); a != nil && a.Rule == torchsem.RuleDataShaped {
				return "the length of a " + c.API[strings.LastIndexByte(c.API, '.')+1:] + "() result"
			}
			if !strings.HasPrefix(c.API, "torch.Tensor.") {
				return "a data-dependent length"
			}
			e = t.Field(t.Unparen(t.Field(e, syntax.FieldFunction)), syntax.FieldObject)
		case syntax.KindSubscript:
			if f.Value(fn, e).May(torchsem.DataShaped) && !f.Value(fn, t.Field(e, syntax.FieldValue)).May(torchsem.DataShaped) {
				return "the length of a boolean-mask selection"
			}
			e = t.Field(e, syntax.FieldValue)
		case syntax.KindIdentifier:
			id, _ := f.OnlyBinding(fn, t.String(e))
			if e = pysem.AssignedValue(t, id); e == analysis.NoNode {
				return "a data-dependent length"
			}
		default:
			return "a data-dependent length"
		}
	}
	return "a data-dependent length"
}

// decides returns the data value a condition compares or tests the truth of, if any.
func (s *udvScope) decides(c analysis.NodeID) (udvUse, bool) {
	f, t := s.pass.File, s.pass.File.Tree
	c = t.Unparen(c)
	if c == analysis.NoNode {
		return udvUse{}, false
	}
	switch t.Kind(c) {
	case syntax.KindNotOperator:
		return s.decides(t.NamedChild(c, 0))
	case syntax.KindBooleanOperator:
		l := t.Field(c, syntax.FieldLeft)
		pol := f.GuardOf(l)
		if op := t.Operator(c); op == "and" && pol == torchsem.OutsideExport || op == "or" && pol == torchsem.WhileExporting {
			return udvUse{}, false
		}
		if u, ok := s.decides(l); ok {
			return u, true
		}
		return s.decides(t.Field(c, syntax.FieldRight))
	case syntax.KindComparisonOperator:
		numeric := true
		t.Children(c, func(k analysis.NodeID) bool {
			if !t.IsNamed(k) {
				switch t.String(k) {
				case "<", ">", "<=", ">=", "==", "!=":
				default:
					numeric = false
				}
			}
			return numeric
		})
		if !numeric {
			return udvUse{}, false
		}
		var found udvUse
		ok := false
		t.Children(c, func(k analysis.NodeID) bool {
			if t.IsNamed(k) && !t.IsComment(k) && udvArithmetic(t, k) {
				if us := s.reads(k, false); len(us) > 0 {
					found, ok = us[0], true
				}
			}
			return !ok
		})
		return found, ok
	case syntax.KindIdentifier, syntax.KindCall, syntax.KindBinaryOperator, syntax.KindUnaryOperator:
		if udvArithmetic(t, c) {
			if us := s.reads(c, false); len(us) > 0 {
				return us[0], true
			}
		}
	}
	return udvUse{}, false
}

// udvArithmetic reports whether e is a number built by arithmetic (names, reads, operators,
// min/max/abs/round/int/float), so that a data value inside it decides the comparison.
func udvArithmetic(t *syntax.Tree, e analysis.NodeID) bool {
	e = t.Unparen(e)
	switch t.Kind(e) {
	case syntax.KindIdentifier, syntax.KindInteger, syntax.KindFloat, syntax.KindSubscript, syntax.KindAttribute:
		return true
	case syntax.KindBinaryOperator:
		return udvArithmetic(t, t.Field(e, syntax.FieldLeft)) && udvArithmetic(t, t.Field(e, syntax.FieldRight))
	case syntax.KindUnaryOperator:
		return udvArithmetic(t, t.NamedChild(e, 0))
	case syntax.KindCall:
		callee := t.Unparen(t.Field(e, syntax.FieldFunction))
		if t.Kind(callee) == syntax.KindIdentifier {
			switch t.String(callee) {
			case "min", "max", "abs", "round", "int", "float", "len":
				return true
			}
			return false
		}
		return true // x.item(), idx.size(0), math.floor(n)
	}
	return false
}

// checkedBefore reports whether a torch._check-style call or an assert before offset at
// mentions the value read (or a data name it is computed from).
func (s *udvScope) checkedBefore(f *analysis.File, u udvUse, at int) bool {
	t := f.Tree
	want := map[string]bool{}
	if u.name != "" {
		for r := range s.names[u.name].roots {
			want[r] = true
		}
	}
	inline := ""
	if u.name == "" {
		inline = strings.Join(strings.Fields(t.String(u.node)), "")
	}
	for _, c := range s.checks {
		if t.Start(c) >= at {
			break
		}
		for id, end := c, t.SubtreeEnd(c); id < end; id++ {
			if t.Kind(id) == syntax.KindIdentifier && want[t.String(id)] && t.FieldOf(id) != syntax.FieldAttribute {
				return true
			}
		}
		if inline != "" && strings.Contains(strings.Join(strings.Fields(t.String(c)), ""), inline) {
			return true
		}
	}
	return false
}

// reportSizes reports the unchecked data values (not lengths, which export knows are sizes)
// used as sizes in node, with a fix inserting torch._check(n >= 0) for each named one.
func (s *udvScope) reportSizes(pass *analysis.Pass, node, at analysis.NodeID, uses []udvUse, what string, safe bool) *analysis.Finding {
	f := pass.File
	t := f.Tree
	var names []string
	var inline []udvUse
	seen := map[string]bool{}
	for _, u := range uses {
		if u.dds || s.checkedBefore(f, u, t.Start(at)) {
			continue
		}
		if u.name == "" {
			inline = append(inline, u)
			continue
		}
		if !seen[u.name] {
			seen[u.name] = true
			names = append(names, u.name)
		}
	}
	if len(names) == 0 && len(inline) == 0 {
		return nil
	}
	var label, via string
	switch {
	case len(names) > 0:
		label, via = fix.List(names), s.names[names[0]].via
	default:
		label, via = fix.Snippet(t, inline[0].node), inline[0].via
	}
	verb := "is"
	if len(names) > 1 {
		verb = "are"
	}
	fd := pass.Reportf(node, analysis.Fails,
		"%s, read from tensor data with %s, %s used as a %s without a torch._check bound: export fails on a data-dependent guard",
		label, via, verb, what)
	for _, n := range names {
		if a := s.names[n].assign; a != analysis.NoNode {
			fd.Related = append(fd.Related, analysis.Related{Start: t.Start(a), End: t.End(a), Message: n + " is read here"})
		}
	}
	if len(names) > 0 && len(inline) == 0 {
		if fx, ok := s.checkFix(f, names, safe, at); ok {
			fd.Fixes = append(fd.Fixes, fx)
		}
	}
	return fd
}

// checkFix inserts torch._check(n >= 0) on the line after the statement that binds each name.
func (s *udvScope) checkFix(f *analysis.File, names []string, safe bool, use analysis.NodeID) (analysis.Fix, bool) {
	t := f.Tree
	torch, imp := fix.NewImporter(f).Torch()
	var edits []analysis.Edit
	useBlock := t.Parent(fix.Statement(t, use))
	for _, n := range names {
		st := fix.Statement(t, s.names[n].assign)
		if st == analysis.NoNode || t.Kind(st) != syntax.KindExpressionStatement || !fix.StartsLine(f, st) {
			return analysis.Fix{}, false
		}
		if t.Parent(st) != useBlock {
			safe = false // the check would also run on paths that never use the value
		}
		at, ok := fix.LineEnd(f, t.End(st))
		if !ok {
			return analysis.Fix{}, false
		}
		edits = append(edits, analysis.Edit{Start: at, End: at, NewText: "\n" + f.Indent(t.Start(st)) + torch + "._check(" + n + " >= 0)"})
	}
	if imp != nil {
		edits = append(edits, *imp)
	}
	title := "insert torch._check(" + names[0] + " >= 0) after " + names[0] + " is read"
	if len(names) > 1 {
		title = "insert torch._check(... >= 0) for " + fix.List(names) + " after they are read"
	}
	fx := analysis.Fix{Title: title, Safety: analysis.Safe, Edits: edits}
	if !safe {
		fx.Title += " (raises if a value is negative)"
		fx.Safety = analysis.Unsafe
	}
	return fx, true
}

// udvSafeUse reports whether a negative value raises at this use anyway (a repeat count, the
// length of narrow), so that checking it is >= 0 changes nothing.
func udvSafeUse(f *analysis.File, sc torchsem.SizeCall, uses []udvUse) bool {
	switch sc.Method() {
	case "repeat":
		return true
	case "narrow":
		// only the length: narrow(dim, start, length) accepts a negative start
		for _, u := range uses {
			if len(sc.Sizes) < 2 || !f.Tree.Contains(sc.Sizes[len(sc.Sizes)-1], u.node) {
				return false
			}
		}
		return true
	}
	return false
}

// udvNarrowFix rewrites x[:n] (or x[:, :n]) as x.narrow(dim, 0, n).
func udvNarrowFix(f *analysis.File, fn *analysis.Function, sub analysis.NodeID) (analysis.Fix, bool) {
	t := f.Tree
	if p := t.Parent(sub); p != analysis.NoNode && (t.Kind(p) == syntax.KindAssignment || t.Kind(p) == syntax.KindAugmentedAssignment) && t.FieldOf(sub) == syntax.FieldLeft {
		return analysis.Fix{}, false
	}
	if p := t.Parent(sub); p != analysis.NoNode && t.Kind(p) == syntax.KindDeleteStatement {
		return analysis.Fix{}, false
	}
	var idx []analysis.NodeID
	t.Children(sub, func(c analysis.NodeID) bool {
		if t.FieldOf(c) == syntax.FieldSubscript {
			idx = append(idx, c)
		}
		return true
	})
	if len(idx) == 1 && t.Kind(idx[0]) == syntax.KindTuple {
		idx = t.NamedChildren(idx[0], nil)
	}
	dim, stop := -1, analysis.NoNode
	for i, c := range idx {
		if t.Kind(c) != syntax.KindSlice {
			return analysis.Fix{}, false
		}
		parts := udvSliceParts(t, c)
		if parts[0] == analysis.NoNode && parts[1] == analysis.NoNode && parts[2] == analysis.NoNode {
			continue // a bare ':'
		}
		if dim >= 0 || parts[2] != analysis.NoNode || parts[1] == analysis.NoNode {
			return analysis.Fix{}, false
		}
		if parts[0] != analysis.NoNode && !t.TextIs(t.Unparen(parts[0]), "0") {
			return analysis.Fix{}, false
		}
		dim, stop = i, parts[1]
	}
	if dim < 0 {
		return analysis.Fix{}, false
	}
	val := t.Field(sub, syntax.FieldValue)
	text := fix.Operand(t, val) + ".narrow(" + strconv.Itoa(dim) + ", 0, " + t.String(stop) + ")"
	return analysis.Fix{
		Title:  "replace the slice with narrow (raises if the bound is negative or past the end of the dimension, where slicing clamps)",
		Safety: analysis.Unsafe,
		Edits:  []analysis.Edit{{Start: t.Start(sub), End: t.End(sub), NewText: text}},
	}, true
}

// udvSliceParts returns a slice's start, stop and step (NoNode when absent), reading the
// colons between them.
func udvSliceParts(t *syntax.Tree, sl analysis.NodeID) [3]analysis.NodeID {
	parts := [3]analysis.NodeID{analysis.NoNode, analysis.NoNode, analysis.NoNode}
	i := 0
	t.Children(sl, func(c analysis.NodeID) bool {
		if t.IsComment(c) {
			return true
		}
		if !t.IsNamed(c) {
			if t.TextIs(c, ":") && i < 2 {
				i++
			}
			return true
		}
		parts[i] = c
		return true
	})
	return parts
}
