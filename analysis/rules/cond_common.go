package rules

// Shared helpers of the torch.cond and map rules (cond_*, dynamic_shape_map, nested_function,
// dynamic_shape_if_guard): recognising a cond or map call however it is imported, resolving
// its branch functions, the free variables of a closure, in-place mutation inside a branch,
// and the two rewrites the cases share (functorch cond -> torch.cond, if/else -> torch.cond).

import (
	"sort"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

const (
	condFunctorchName = "functorch.experimental.control_flow.cond"
	condFunctorchMod  = "functorch.experimental.control_flow"
)

// condQualNames are the qualified names of torch.cond and its older spellings.
var condQualNames = map[string]bool{
	"torch.cond":                        true,
	"torch._higher_order_ops.cond":      true,
	"torch._higher_order_ops.cond.cond": true,
	"torch.ops.higher_order.cond":       true,
	condFunctorchName:                   true,
}

// condMapQualNames are the qualified names of the control-flow map (not the builtin map).
var condMapQualNames = map[string]bool{
	"functorch.experimental.control_flow.map": true,
	"torch._higher_order_ops.map":             true,
	"torch._higher_order_ops.map.map":         true,
}

// condResolveImported returns the qualified name of a callee bound by an import whose last
// name is last (or any imported alias), and "" for everything else. The pre-filter keeps the
// per-call cost at a map lookup or a byte comparison.
func condResolveImported(f *analysis.File, callee analysis.NodeID, last string) string {
	t := f.Tree
	callee = t.Unparen(callee)
	if callee == analysis.NoNode {
		return ""
	}
	switch t.Kind(callee) {
	case syntax.KindIdentifier:
		if _, ok := f.Imports[string(t.Text(callee))]; !ok {
			return ""
		}
	case syntax.KindAttribute:
		a := t.Field(callee, syntax.FieldAttribute)
		if a == analysis.NoNode || !t.TextIs(a, last) || !f.IsImported(callee) {
			return ""
		}
	default:
		return ""
	}
	return f.Resolve(callee)
}

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
func condParse(f *analysis.File, fn *analysis.Function, call analysis.NodeID) (condCall, bool) {
	t := f.Tree
	callee := t.Field(call, syntax.FieldFunction)
	q := condResolveImported(f, callee, "cond")
	if !condQualNames[q] {
		return condCall{}, false
	}
	args, ok := f.BindArgs(call, "pred", "true_fn", "false_fn", "operands")
	if !ok {
		return condCall{}, false
	}
	cc := condCall{call: call, fn: fn, callee: callee, functorch: q == condFunctorchName,
		pred: args[0], trueFn: args[1], falseFn: args[2], operands: args[3]}
	return cc, true
}

// condEach calls visit for every torch.cond call in traced code, in source order.
func condEach(pass *analysis.Pass, visit func(cc *condCall)) {
	f := pass.File
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		cc, ok := condParse(f, fn, call)
		if !ok {
			return
		}
		found := cc // only a cond call's record escapes to the heap
		visit(&found)
	})
}

// condIsMapCall reports whether call (in traced code) calls the control-flow map.
func condIsMapCall(f *analysis.File, call analysis.NodeID) bool {
	return condMapQualNames[condResolveImported(f, f.Tree.Field(call, syntax.FieldFunction), "map")]
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

// condElems returns the elements of a list or tuple literal (or of a name assigned exactly
// one such literal in fn), and false when the count is not known statically.
func condElems(f *analysis.File, fn *analysis.Function, e analysis.NodeID) ([]analysis.NodeID, bool) {
	t := f.Tree
	e = t.Unparen(e)
	if e == analysis.NoNode {
		return nil, false
	}
	if t.Kind(e) == syntax.KindIdentifier {
		lit := analysis.NoNode
		n := 0
		for _, a := range f.OwnNodes(fn, syntax.KindAssignment) {
			if l := t.Field(a, syntax.FieldLeft); l != analysis.NoNode && t.Kind(l) == syntax.KindIdentifier && t.TextIs(l, string(t.Text(e))) {
				n++
				lit = t.Unparen(t.Field(a, syntax.FieldRight))
			}
		}
		if n != 1 || lit == analysis.NoNode {
			return nil, false
		}
		e = lit
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

// condTupleReturning are torch functions and tensor methods that return a tuple or list of
// tensors: their result is a valid operands argument.
var condTupleReturning = map[string]bool{
	"split": true, "chunk": true, "unbind": true, "tensor_split": true, "hsplit": true, "vsplit": true,
	"dsplit": true, "split_with_sizes": true, "meshgrid": true, "broadcast_tensors": true, "topk": true,
	"sort": true, "max": true, "min": true, "aminmax": true, "var_mean": true, "std_mean": true,
	"unique": true, "unique_consecutive": true, "qr": true, "svd": true, "eig": true, "eigh": true,
	"lu": true, "slogdet": true, "kthvalue": true, "mode": true, "median": true, "nanmedian": true,
	"cummax": true, "cummin": true, "frexp": true, "histogram": true, "nonzero": true, "where": true,
	"atleast_1d": true, "atleast_2d": true, "atleast_3d": true, "tolist": true, "lstsq": true,
}

// condDefinitelyTensor reports whether e is certainly a single tensor (not a tuple or list):
// a parameter annotated Tensor, arithmetic on tensors, a tensor-producing call that does
// not return a tuple, or a name every assignment of which is one of these.
// condReadAsTensor reports whether fn reads tensor metadata off name (name.shape,
// name.ndim, name.dtype, name.device, name.size(...), name.dim()) and never rebinds it: only
// a tensor has those, so an unannotated parameter read that way is one.
func condReadAsTensor(f *analysis.File, fn *analysis.Function, name string) bool {
	t := f.Tree
	for _, a := range f.OwnNodes(fn, syntax.KindAssignment) {
		if l := t.Field(a, syntax.FieldLeft); l != analysis.NoNode && pysem.BindsName(t, l, name) {
			return false
		}
	}
	for _, a := range f.OwnNodes(fn, syntax.KindAttribute) {
		obj := t.Field(a, syntax.FieldObject)
		if obj == analysis.NoNode || t.Kind(obj) != syntax.KindIdentifier || !t.TextIs(obj, name) {
			continue
		}
		attr := t.Field(a, syntax.FieldAttribute)
		switch {
		case t.TextIs(attr, "shape"), t.TextIs(attr, "ndim"), t.TextIs(attr, "dtype"), t.TextIs(attr, "device"):
			return true
		case t.TextIs(attr, "size"), t.TextIs(attr, "dim"):
			if p := t.Parent(a); p != analysis.NoNode && t.Kind(p) == syntax.KindCall && t.FieldOf(a) == syntax.FieldFunction {
				return true
			}
		}
	}
	return false
}

func condDefinitelyTensor(f *analysis.File, fn *analysis.Function, e analysis.NodeID, depth int) bool {
	t := f.Tree
	e = t.Unparen(e)
	if e == analysis.NoNode || depth > 3 {
		return false
	}
	switch t.Kind(e) {
	case syntax.KindIdentifier:
		name := string(t.Text(e))
		if p := fn.Param(name); p != nil {
			if p.Kind != analysis.Positional {
				return false
			}
			if p.Type != analysis.NoNode {
				return condTypeIsTensor(t, p.Type)
			}
			return p.Default == analysis.NoNode && condReadAsTensor(f, fn, name)
		}
		n := 0
		for _, a := range f.OwnNodes(fn, syntax.KindAssignment) {
			l := t.Field(a, syntax.FieldLeft)
			if l == analysis.NoNode || t.Kind(l) != syntax.KindIdentifier || !t.TextIs(l, name) {
				continue
			}
			n++
			if !condDefinitelyTensor(f, fn, t.Field(a, syntax.FieldRight), depth+1) {
				return false
			}
		}
		return n > 0
	case syntax.KindCall:
		if !f.IsTensor(fn, e) {
			return false
		}
		callee := t.Unparen(t.Field(e, syntax.FieldFunction))
		var last analysis.NodeID
		switch condKind(t, callee) {
		case syntax.KindAttribute:
			last = t.Field(callee, syntax.FieldAttribute)
		case syntax.KindIdentifier:
			last = callee
		default:
			return false
		}
		return last != analysis.NoNode && !condTupleReturning[string(t.Text(last))]
	case syntax.KindBinaryOperator:
		l, r := t.Field(e, syntax.FieldLeft), t.Field(e, syntax.FieldRight)
		if condIsListOrTuple(t, l) || condIsListOrTuple(t, r) {
			return false
		}
		return condDefinitelyTensor(f, fn, l, depth+1) || condDefinitelyTensor(f, fn, r, depth+1)
	case syntax.KindUnaryOperator:
		return condDefinitelyTensor(f, fn, t.NamedChild(e, 0), depth+1)
	}
	return false
}

// condTypeIsTensor reports whether an annotation names a single tensor ("Tensor",
// "torch.Tensor"), not a container of tensors.
func condTypeIsTensor(t *syntax.Tree, ty analysis.NodeID) bool {
	s := string(t.Text(ty))
	return s == "Tensor" || s == "torch.Tensor" || strings.HasSuffix(s, ".Tensor")
}

// condNonTensorConst reports whether an operand element is a literal cond rejects: a
// float, string, bool or None (ints are accepted by newer versions, so they are left alone),
// or a name of fn assigned only such literals.
func condNonTensorConst(f *analysis.File, fn *analysis.Function, e analysis.NodeID) bool {
	t := f.Tree
	e = t.Unparen(e)
	if e == analysis.NoNode {
		return false
	}
	switch t.Kind(e) {
	case syntax.KindFloat, syntax.KindString, syntax.KindConcatenatedString, syntax.KindTrue, syntax.KindFalse, syntax.KindNone:
		return true
	case syntax.KindUnaryOperator:
		return condKind(t, t.NamedChild(e, 0)) == syntax.KindFloat
	case syntax.KindIdentifier:
		if fn.Param(string(t.Text(e))) != nil {
			return false
		}
		n := 0
		for s := fn; s != nil && n == 0; s = s.Parent {
			for _, a := range f.OwnNodes(s, syntax.KindAssignment) {
				l := t.Field(a, syntax.FieldLeft)
				if l == analysis.NoNode || t.Kind(l) != syntax.KindIdentifier || !t.TextIs(l, string(t.Text(e))) {
					continue
				}
				n++
				switch condKind(t, t.Field(a, syntax.FieldRight)) {
				case syntax.KindFloat, syntax.KindString, syntax.KindTrue, syntax.KindFalse, syntax.KindNone:
				default:
					return false
				}
			}
			if s.Param(string(t.Text(e))) != nil {
				return false
			}
		}
		return n > 0
	}
	return false
}

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
		if name := string(t.Text(root)); visible(node, name) {
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
	sort.Slice(out, func(i, j int) bool { return out[i].node < out[j].node })
	return out
}

// condBranchName is how a message names a branch: its code, shortened.
func condBranchName(t *syntax.Tree, b condBranch) string {
	if b.fn != nil && b.fn.Name != "<lambda>" && condKind(t, b.expr) == syntax.KindIdentifier {
		return b.fn.Name
	}
	return fix.Short(t, b.expr)
}

// condMigrateTitle is the title of the functorch -> torch.cond fix.
const condMigrateTitle = "replace functorch.experimental.control_flow.cond with torch.cond"

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
		m.fix = condMigrateFix(m.f)
	}
	if m.fix != nil {
		fx := *m.fix
		fx.Edits = append([]analysis.Edit(nil), m.fix.Edits...)
		fd.Fixes = append(fd.Fixes, fx)
	}
}

// condMigrateFix returns the functorch -> torch.cond fix for the file, or nil when the
// file has no use of functorch's cond to rewrite.
func condMigrateFix(f *analysis.File) *analysis.Fix {
	t := f.Tree
	torch, imp := fix.NewImporter(f).Torch()
	repl := torch + ".cond"
	var edits []analysis.Edit
	for local, q := range f.Imports {
		if q == condFunctorchName && (condImportBinds(f, local) != 1 || condRebound(f, local)) {
			return nil // the name means something else somewhere: leave the file alone
		}
	}
	for _, id := range f.Nodes(syntax.KindIdentifier) {
		if f.Imports[string(t.Text(id))] != condFunctorchName || !pysem.IsRead(t, id) {
			continue
		}
		if p := t.Parent(id); p != analysis.NoNode && (t.Kind(p) == syntax.KindImportFromStatement || t.Kind(p) == syntax.KindImportStatement) {
			continue
		}
		edits = append(edits, analysis.Edit{Start: t.Start(id), End: t.End(id), NewText: repl})
	}
	for _, a := range f.Nodes(syntax.KindAttribute) {
		if !condFieldIs(t, a, syntax.FieldAttribute, "cond") || !f.IsImported(a) || f.Resolve(a) != condFunctorchName {
			continue
		}
		edits = append(edits, analysis.Edit{Start: t.Start(a), End: t.End(a), NewText: repl})
	}
	if len(edits) == 0 {
		return nil
	}
	for _, st := range f.Nodes(syntax.KindImportFromStatement) {
		mod := t.Field(st, syntax.FieldModuleName)
		if mod == analysis.NoNode || !t.TextIs(mod, condFunctorchMod) || t.HasError(st) {
			continue
		}
		keep, removed := fix.SplitImport(t, st, func(name string) bool { return name == "cond" })
		switch {
		case !removed:
		case len(keep) == 0 && imp != nil && t.Parent(st) == t.Root():
			edits = append(edits, analysis.Edit{Start: t.Start(st), End: t.End(st), NewText: "import torch"})
			imp = nil
		default:
			edits = append(edits, fix.RewriteImport(f, st, keep))
		}
	}
	if imp != nil {
		edits = append(edits, *imp)
	}
	return &analysis.Fix{Title: condMigrateTitle, Safety: analysis.Safe, Edits: edits}
}

// condImportBinds counts the import clauses of the file that bind the local name.
func condImportBinds(f *analysis.File, name string) int {
	t := f.Tree
	n := 0
	for _, k := range [...]syntax.Kind{syntax.KindImportStatement, syntax.KindImportFromStatement} {
		from := k == syntax.KindImportFromStatement
		for _, st := range f.Nodes(k) {
			t.Children(st, func(c analysis.NodeID) bool {
				if from && t.FieldOf(c) != syntax.FieldName {
					return true
				}
				var local string
				switch t.Kind(c) {
				case syntax.KindDottedName:
					local = t.String(c)
					if !from {
						local, _, _ = strings.Cut(local, ".")
					}
				case syntax.KindAliasedImport:
					if a := t.Field(c, syntax.FieldAlias); a != analysis.NoNode {
						local = t.String(a)
					}
				case syntax.KindWildcardImport:
					n += 2 // anything may be bound: never rewrite
				}
				if local == name {
					n++
				}
				return true
			})
		}
	}
	return n
}

// condRebound reports whether the file binds name other than by import: an assignment or
// loop target, a parameter, a def or class name, a global or nonlocal declaration.
func condRebound(f *analysis.File, name string) bool {
	t := f.Tree
	for _, id := range f.Nodes(syntax.KindIdentifier) {
		if !t.TextIs(id, name) {
			continue
		}
		p := t.Parent(id)
		if p == analysis.NoNode {
			continue
		}
		switch t.Kind(p) {
		case syntax.KindAssignment, syntax.KindAugmentedAssignment, syntax.KindForStatement, syntax.KindForInClause:
			if t.FieldOf(id) == syntax.FieldLeft {
				return true
			}
		case syntax.KindPatternList, syntax.KindTuplePattern, syntax.KindListPattern, syntax.KindAsPatternTarget,
			syntax.KindGlobalStatement, syntax.KindNonlocalStatement, syntax.KindParameters, syntax.KindLambdaParameters,
			syntax.KindTypedParameter, syntax.KindListSplatPattern, syntax.KindDictionarySplatPattern:
			return true
		case syntax.KindDefaultParameter, syntax.KindTypedDefaultParameter, syntax.KindFunctionDefinition,
			syntax.KindClassDefinition, syntax.KindNamedExpression:
			if t.FieldOf(id) == syntax.FieldName {
				return true
			}
		}
	}
	return false
}

// condBranchUsers returns the functions of the file passed as cond branches or map bodies
// from traced code (so that nested_function leaves them to the cond rules).
func condBranchUsers(pass *analysis.Pass) map[*analysis.Function]bool {
	f := pass.File
	out := map[*analysis.Function]bool{}
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		if cc, ok := condParse(f, fn, call); ok {
			for _, e := range [...]analysis.NodeID{cc.trueFn, cc.falseFn} {
				if b := condResolveBranch(f, fn, e); b.fn != nil {
					out[b.fn] = true
				}
			}
			return
		}
		if condIsMapCall(f, call) {
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
