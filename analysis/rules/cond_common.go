package rules

// The family file of the torch.cond and map rules (cond_*, dynamic_shape_map,
// nested_function): a cond or map call and its arguments, its branch functions, and the
// fix that moves functorch's cond to torch.cond. cond_common_mutations.go finds in-place
// mutation inside a branch.

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// condKind returns the kind of n without its parentheses, KindOther for NoNode.
func condKind(t *syntax.Tree, n analysis.NodeID) syntax.Kind {
	if n = t.Unparen(n); n == analysis.NoNode {
		return syntax.KindOther
	}
	return t.Kind(n)
}

// condFieldIs reports whether n has a child in field fd whose text is s.
func condFieldIs(t *syntax.Tree, n analysis.NodeID, fd syntax.Field, s string) bool {
	c := t.Field(n, fd)
	return c != analysis.NoNode && t.TextIs(c, s)
}

// condCall is one call of torch.cond in traced code. Absent arguments are NoNode.
type condCall struct {
	call      analysis.NodeID
	fn        *analysis.Function // the function making the call
	callee    analysis.NodeID
	functorch bool // the callee is functorch.experimental.control_flow.cond
	pred      analysis.NodeID
	trueFn    analysis.NodeID
	falseFn   analysis.NodeID
	operands  analysis.NodeID
}

// condParse returns the cond call at call, or false when call is not a cond call or passes
// its arguments through splats.
func condParse(pass *analysis.Pass, fn *analysis.Function, call analysis.NodeID) (condCall, bool) {
	ok, functorch := torchsem.IsCondAPI(pass.CallName(call))
	if !ok {
		return condCall{}, false
	}
	args, ok := pass.File.BindArgs(call, "pred", "true_fn", "false_fn", "operands")
	if !ok {
		return condCall{}, false
	}
	cc := condCall{call: call, fn: fn, callee: pass.File.Tree.Field(call, syntax.FieldFunction), functorch: functorch,
		pred: args[0], trueFn: args[1], falseFn: args[2], operands: args[3]}
	return cc, true
}

// condEach calls visit for every torch.cond call in traced code, in source order.
func condEach(pass *analysis.Pass, visit func(cc *condCall)) {
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		cc, ok := condParse(pass, fn, call)
		if !ok {
			return
		}
		found := cc // only a cond call's record escapes to the heap
		visit(&found)
	})
}

// condBranch is a branch function (or map body) argument resolved to this file's code.
type condBranch struct {
	expr  analysis.NodeID
	fn    *analysis.Function // nil when the callable is not defined in this file
	bound int                // leading parameters bound by the expression (self of a bound method)
}

// condResolveBranch resolves a callable argument used in caller: a local or module-level
// function, a lambda, self.method, self.submodule(.forward), Class.staticmethod.
func condResolveBranch(f *analysis.File, caller *analysis.Function, e analysis.NodeID) condBranch {
	b := condBranch{expr: e}
	if e == analysis.NoNode {
		return b
	}
	g := f.CalleeFunc(caller, e)
	if g == nil || (g.Name == "__init__" && g.Class != nil && condKind(f.Tree, e) == syntax.KindIdentifier) {
		return b // a class used as a callable is not a branch function we understand
	}
	b.fn = g
	b.bound = condBoundParams(f, caller, e, g)
	return b
}

// condBoundParams counts the parameters of g that the expression e binds: self of a bound
// method (self.m, self.sub.forward, self.sub), cls of a classmethod.
func condBoundParams(f *analysis.File, caller *analysis.Function, e analysis.NodeID, g *analysis.Function) int {
	t := f.Tree
	switch {
	case g.StaticMethod:
		return 0
	case g.ClassMethod:
		return 1
	case g.Class == nil:
		return 0
	}
	e = t.Unparen(e)
	if condKind(t, e) != syntax.KindAttribute {
		return 0
	}
	obj := t.Unparen(t.Field(e, syntax.FieldObject))
	switch condKind(t, obj) {
	case syntax.KindIdentifier:
		if self := caller.SelfName(); self != "" && t.TextIs(obj, self) {
			return 1
		}
		return 0 // Class.method: a plain function
	case syntax.KindAttribute:
		if condFieldIs(t, obj, syntax.FieldAttribute, "__class__") {
			return 0
		}
		return 1 // self.sub.forward
	}
	return 0 // type(self).method
}

// condArity returns how many positional arguments b accepts: [lo, hi], hi < 0 for *args.
func condArity(b condBranch) (lo, hi int) {
	skip := b.bound
	for _, p := range b.fn.Params {
		switch p.Kind {
		case analysis.Positional:
			if skip > 0 {
				skip--
				continue
			}
			hi++
			if p.Default == analysis.NoNode {
				lo++
			}
		case analysis.VarPositional:
			return lo, -1
		}
	}
	return lo, hi
}

// condInputs returns the parameter names of b that receive operands.
func condInputs(b condBranch) []string {
	var out []string
	skip := b.bound
	for _, p := range b.fn.Params {
		if p.Kind != analysis.Positional && p.Kind != analysis.VarPositional {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		out = append(out, p.Name)
	}
	return out
}

// condElems returns the elements of a list or tuple literal (or of a name bound once, to
// such a literal), and false when the count is not known statically.
func condElems(f *analysis.File, fn *analysis.Function, e analysis.NodeID) ([]analysis.NodeID, bool) {
	t := f.Tree
	e = t.Unparen(e)
	if t.Kind(e) == syntax.KindIdentifier {
		id, _ := f.OnlyBinding(fn, t.String(e))
		e = t.Unparen(pysem.AssignedValue(t, id))
	}
	if k := t.Kind(e); k != syntax.KindList && k != syntax.KindTuple {
		return nil, false
	}
	elems := t.NamedChildren(e, nil)
	for _, c := range elems {
		switch t.Kind(c) {
		case syntax.KindListSplat, syntax.KindParenthesizedListSplat, syntax.KindListComprehension, syntax.KindGeneratorExpression:
			return nil, false
		}
	}
	return elems, true
}

// condIsListOrTuple reports whether e is a list or tuple literal.
func condIsListOrTuple(t *syntax.Tree, e analysis.NodeID) bool {
	e = t.Unparen(e)
	if e == analysis.NoNode {
		return false
	}
	k := t.Kind(e)
	return k == syntax.KindList || k == syntax.KindTuple || k == syntax.KindListComprehension
}

// condNonTensorConst reports whether an operand element is a Python value cond rejects: a
// float, string, bool or None literal (ints are accepted by newer versions, so they are
// left alone), or a name bound only to such literals.
func condNonTensorConst(f *analysis.File, fn *analysis.Function, e analysis.NodeID) bool {
	t := f.Tree
	rejected := func(v analysis.NodeID) bool {
		v = t.Unparen(v)
		if t.Kind(v) == syntax.KindUnaryOperator {
			v = t.Unparen(t.Field(v, syntax.FieldArgument))
			return t.Kind(v) == syntax.KindFloat
		}
		switch t.Kind(v) {
		case syntax.KindFloat, syntax.KindString, syntax.KindConcatenatedString, syntax.KindTrue, syntax.KindFalse, syntax.KindNone:
			return true
		}
		return false
	}
	e = t.Unparen(e)
	if t.Kind(e) != syntax.KindIdentifier {
		return rejected(e)
	}
	scope := f.Binder(fn, t.String(e))
	if scope == nil {
		return false // a global or an unknown name
	}
	binds := f.Scope(scope).Bindings(t.String(e))
	for _, id := range binds {
		if !rejected(pysem.AssignedValue(t, id)) {
			return false // a parameter, or bound to something else too
		}
	}
	return len(binds) > 0
}

// condBranchName is how a message names a branch: its code, shortened.
func condBranchName(t *syntax.Tree, b condBranch) string {
	if b.fn != nil && b.fn.Name != "<lambda>" && condKind(t, b.expr) == syntax.KindIdentifier {
		return b.fn.Name
	}
	return fix.Short(t, b.expr)
}

// condMigration builds, once per Run, the safe fix that rewrites every use of functorch's
// cond in the file to torch.cond and drops cond from the functorch import. Every call site
// carries the same edits, so applying the fix at any one of them keeps the file consistent
// (ApplyEdits merges identical edits when several are applied together).
type condMigration struct {
	f    *analysis.File
	done bool
	fix  *analysis.Fix
}

// attach adds the migration fix to fd when the call uses functorch's cond.
func (m *condMigration) attach(fd *analysis.Finding, cc *condCall) {
	if !cc.functorch {
		return
	}
	if !m.done {
		m.done = true
		m.fix = fix.FunctorchCond(m.f)
	}
	if m.fix != nil {
		fx := *m.fix
		fx.Edits = append([]analysis.Edit(nil), m.fix.Edits...)
		fd.Fixes = append(fd.Fixes, fx)
	}
}

// condBranchUsers returns the functions of the file passed as cond branches or map bodies
// from traced code (so that nested_function leaves them to the cond rules).
func condBranchUsers(pass *analysis.Pass) map[*analysis.Function]bool {
	f := pass.File
	out := map[*analysis.Function]bool{}
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		if cc, ok := condParse(pass, fn, call); ok {
			for _, e := range [...]analysis.NodeID{cc.trueFn, cc.falseFn} {
				if b := condResolveBranch(f, fn, e); b.fn != nil {
					out[b.fn] = true
				}
			}
			return
		}
		if torchsem.IsMapAPI(pass.CallName(call)) {
			if pos, _ := f.Args(call); len(pos) > 0 {
				if b := condResolveBranch(f, fn, pos[0]); b.fn != nil {
					out[b.fn] = true
				}
			}
		}
	})
	return out
}

// condVarsPhrase renders closure variables with the function that binds them: "x and y of
// M.forward", or "a and b of the enclosing functions" when they come from several.
func condVarsPhrase(vars []pysem.FreeVar) string {
	names := make([]string, len(vars))
	for i, v := range vars {
		names[i] = v.Name
	}
	where := "the enclosing functions"
	if len(vars) > 0 {
		where = vars[0].Scope.QualName()
		for _, v := range vars[1:] {
			if v.Scope != vars[0].Scope {
				where = "the enclosing functions"
				break
			}
		}
	}
	return fix.List(names) + " of " + where
}
