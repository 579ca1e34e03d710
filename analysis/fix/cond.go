package fix

import (
	"slices"
	"strconv"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// singleReturn returns the value of a block made of exactly one `return <expr>`, or
// NoNode. A tuple return (return a, b) does not count.
func singleReturn(t *syntax.Tree, block analysis.NodeID) analysis.NodeID {
	if block == analysis.NoNode || t.NamedChildCount(block) != 1 {
		return analysis.NoNode
	}
	return returnValue(t, t.NamedChild(block, 0))
}

func returnValue(t *syntax.Tree, ret analysis.NodeID) analysis.NodeID {
	if ret == analysis.NoNode || t.Kind(ret) != syntax.KindReturnStatement {
		return analysis.NoNode
	}
	v := t.NamedChild(ret, 0)
	if v == analysis.NoNode || t.Kind(v) == syntax.KindExpressionList {
		return analysis.NoNode
	}
	return v
}

// nextStatement returns the statement after st in its block, skipping comments.
func nextStatement(t *syntax.Tree, st analysis.NodeID) analysis.NodeID {
	for n := t.NextSibling(st); n != analysis.NoNode; n = t.NextSibling(n) {
		if t.IsNamed(n) && !t.IsComment(n) {
			return n
		}
	}
	return analysis.NoNode
}

// ifReturns describes an if statement whose two branches each return one expression:
//
//	if pred:             if pred:
//	    return a             return a
//	else:                return b
//	    return b
type ifReturns struct {
	stmt       analysis.NodeID
	pred       analysis.NodeID
	a, b       analysis.NodeID
	start, end int // the bytes the rewrite replaces: from the if's line start to the end of return b
}

// matchIfReturns matches stmt against ifReturns.
func matchIfReturns(f *analysis.File, stmt analysis.NodeID) (ifReturns, bool) {
	t := f.Tree
	if t.Kind(stmt) != syntax.KindIfStatement || t.HasError(stmt) {
		return ifReturns{}, false
	}
	s := ifReturns{stmt: stmt, pred: t.Field(stmt, syntax.FieldCondition), b: analysis.NoNode}
	s.a = singleReturn(t, t.Field(stmt, syntax.FieldConsequence))
	if s.pred == analysis.NoNode || s.a == analysis.NoNode {
		return ifReturns{}, false
	}
	elseBody, alts := analysis.NoNode, 0
	t.Children(stmt, func(c analysis.NodeID) bool {
		if t.FieldOf(c) == syntax.FieldAlternative {
			alts++
			if t.Kind(c) == syntax.KindElseClause {
				elseBody = t.Field(c, syntax.FieldBody)
			}
		}
		return true
	})
	switch {
	case alts == 1 && elseBody != analysis.NoNode:
		s.b = singleReturn(t, elseBody)
		s.end = t.End(stmt)
	case alts == 0:
		next := nextStatement(t, stmt)
		s.b = returnValue(t, next)
		if next != analysis.NoNode {
			s.end = t.End(next)
		}
	}
	if s.b == analysis.NoNode {
		return ifReturns{}, false
	}
	s.start = f.LineStart(f.Line(t.Start(stmt)))
	if strings.TrimSpace(string(f.Src[s.start:t.Start(stmt)])) != "" {
		return ifReturns{}, false
	}
	return s, true
}

// isBoolExpr reports whether e is a comparison or boolean expression (a valid cond
// predicate as written, unlike a bare size whose truth value would be tested).
func isBoolExpr(t *syntax.Tree, e analysis.NodeID) bool {
	e = t.Unparen(e)
	if e == analysis.NoNode {
		return false
	}
	switch t.Kind(e) {
	case syntax.KindComparisonOperator, syntax.KindBooleanOperator, syntax.KindNotOperator, syntax.KindTrue, syntax.KindFalse:
		return true
	}
	return false
}

// hasKind reports whether a node of kind k lies within n's subtree.
func hasKind(f *analysis.File, n analysis.NodeID, k syntax.Kind) bool {
	all := f.Nodes(k)
	i, _ := slices.BinarySearch(all, n)
	return i < len(all) && all[i] < f.Tree.SubtreeEnd(n)
}

// operandNames returns, in order of first use, the names used in the expressions that
// become branch operands: variables of fn that may hold tensors. Names known to be plain
// Python values (sizes, data-dependent scalars, constants), self, functions, imports and
// globals stay closed over, which torch.cond allows.
func operandNames(f *analysis.File, fn *analysis.Function, exprs ...analysis.NodeID) []string {
	t := f.Tree
	ids := f.Nodes(syntax.KindIdentifier)
	seen := map[string]bool{}
	var out []string
	for _, e := range exprs {
		lo, _ := slices.BinarySearch(ids, e)
		end := t.SubtreeEnd(e)
		for _, id := range ids[lo:] {
			if id >= end {
				break
			}
			if !pysem.IsRead(t, id) || f.Owner(id) != fn {
				continue
			}
			name := t.String(id)
			if seen[name] {
				continue
			}
			seen[name] = true
			if name == fn.SelfName() || f.LookupFunc(fn, name) != nil || f.ClassNamed(name) != nil {
				continue
			}
			if f.IsImported(id) {
				continue
			}
			if pysem.BoundByComprehension(t, id) {
				continue
			}
			if v := f.Value(fn, id); v.May(torchsem.Tensor|torchsem.TensorSeq) && !(v.May(torchsem.Sizes|torchsem.Data) && !v.IsTensor()) {
				out = append(out, name)
			}
		}
	}
	return out
}

// IfAsCondTitle is the title of the if/else -> torch.cond fix.
const IfAsCondTitle = "rewrite the if/else as torch.cond (traces both branches; they must return tensors of the same shape and dtype)"

// IfAsCond builds the unsafe fix that turns an if/else whose two branches each return
// one expression into
//
//	return torch.cond(pred, true_fn, false_fn, (x, y))
//
// with branch functions taking, as operands, the tensors the two expressions use (nested
// defs just before the if, or lambdas when the call fits on one line). The predicate must be
// a comparison or boolean expression; it may be a shape test (dynamic_shape_if_guard) or a
// test on tensor values. It returns false when the statement does not have that form.
func IfAsCond(f *analysis.File, fn *analysis.Function, stmt analysis.NodeID) (analysis.Fix, bool) {
	t := f.Tree
	s, ok := matchIfReturns(f, stmt)
	if !ok || !isBoolExpr(t, s.pred) {
		return analysis.Fix{}, false
	}
	for _, e := range [...]analysis.NodeID{s.pred, s.a, s.b} {
		if hasKind(f, e, syntax.KindNamedExpression) || hasKind(f, e, syntax.KindYield) || hasKind(f, e, syntax.KindAwait) {
			return analysis.Fix{}, false
		}
	}
	for _, e := range [...]analysis.NodeID{s.a, s.b} {
		if v := f.Value(fn, e); v.Is(torchsem.Const|torchsem.Float|torchsem.NoneValue) || v.May(torchsem.Sizes|torchsem.Data) && !v.IsTensor() {
			return analysis.Fix{}, false // a branch returns a Python value, not a tensor
		}
		switch t.Kind(t.Unparen(e)) {
		case syntax.KindNone, syntax.KindTuple, syntax.KindList, syntax.KindDictionary, syntax.KindString:
			return analysis.Fix{}, false
		}
	}
	torch, imp := NewImporter(f).Torch()
	ops := operandNames(f, fn, s.a, s.b)
	params := strings.Join(ops, ", ")
	tuple := "()"
	switch len(ops) {
	case 0:
	case 1:
		tuple = "(" + ops[0] + ",)"
	default:
		tuple = "(" + params + ")"
	}
	ind := f.Indent(t.Start(stmt))
	pred, a, b := t.String(s.pred), t.String(s.a), t.String(s.b)
	var sb strings.Builder
	lam := func(body string) string {
		if params == "" {
			return "lambda: " + body
		}
		return "lambda " + params + ": " + body
	}
	oneLine := !strings.ContainsAny(pred+a+b, "\n\\")
	call := torch + ".cond(" + pred + ", " + lam(a) + ", " + lam(b) + ", " + tuple + ")"
	if oneLine && len(ind)+len("return ")+len(call) <= 100 && !hasKind(f, s.a, syntax.KindLambda) && !hasKind(f, s.b, syntax.KindLambda) {
		sb.WriteString(ind + "return " + call)
	} else {
		unit := IndentUnit(ind)
		tname, fname := branchNames(f, fn, stmt)
		if l := f.Line(s.start); l > 0 {
			prev := strings.TrimSpace(string(f.Src[f.LineStart(l-1):s.start]))
			if prev != "" && !strings.HasSuffix(prev, ":") {
				sb.WriteString("\n") // a blank line between the code before and the defs
			}
		}
		sb.WriteString(ind + "def " + tname + "(" + params + "):\n" + ind + unit + "return " + a + "\n\n")
		sb.WriteString(ind + "def " + fname + "(" + params + "):\n" + ind + unit + "return " + b + "\n\n")
		sb.WriteString(ind + "return " + torch + ".cond(" + pred + ", " + tname + ", " + fname + ", " + tuple + ")")
	}
	fx := analysis.Fix{Title: IfAsCondTitle, Safety: analysis.Unsafe,
		Edits: []analysis.Edit{{Start: s.start, End: s.end, NewText: sb.String()}}}
	if imp != nil {
		fx.Edits = append(fx.Edits, *imp)
	}
	return fx, true
}

// branchNames returns names for the branch functions that fn does not use yet:
// true_fn/false_fn, or with the if's line number appended.
func branchNames(f *analysis.File, fn *analysis.Function, stmt analysis.NodeID) (string, string) {
	if !NameUsed(f, fn, "true_fn") && !NameUsed(f, fn, "false_fn") {
		return "true_fn", "false_fn"
	}
	n := strconv.Itoa(f.Line(f.Tree.Start(stmt)) + 1)
	return "true_fn_" + n, "false_fn_" + n
}

// FunctorchCondTitle is the title of the functorch -> torch.cond fix.
const FunctorchCondTitle = "replace functorch.experimental.control_flow.cond with torch.cond"

// FunctorchCond returns the safe fix that rewrites every use of functorch's cond in the
// file to torch.cond and drops cond from the functorch import (importing torch when the
// file does not), or nil when the file has no use of it to rewrite or binds its name some
// other way too. Every finding about the file's functorch cond can carry the same fix:
// analysis.ApplyEdits merges the identical edits when several are applied together.
func FunctorchCond(f *analysis.File) *analysis.Fix {
	t := f.Tree
	const functorchCond = torchsem.FunctorchControlFlow + ".cond"
	torch, imp := NewImporter(f).Torch()
	repl := torch + ".cond"
	for local, q := range f.Imports {
		if q == functorchCond && (importBindings(f, local) != 1 || boundOtherwise(f, local)) {
			return nil // the name means something else somewhere: leave the file alone
		}
	}
	var edits []analysis.Edit
	for _, id := range f.Nodes(syntax.KindIdentifier) {
		if q, _ := f.ImportOf(id); q == functorchCond && pysem.IsRead(t, id) {
			edits = append(edits, analysis.Edit{Start: t.Start(id), End: t.End(id), NewText: repl})
		}
	}
	for _, a := range f.Nodes(syntax.KindAttribute) {
		if t.TextIs(t.Field(a, syntax.FieldAttribute), "cond") && f.IsImported(a) && f.Resolve(a) == functorchCond {
			edits = append(edits, analysis.Edit{Start: t.Start(a), End: t.End(a), NewText: repl})
		}
	}
	if len(edits) == 0 {
		return nil
	}
	for _, st := range f.Nodes(syntax.KindImportFromStatement) {
		mod := t.Field(st, syntax.FieldModuleName)
		if mod == analysis.NoNode || !t.TextIs(mod, torchsem.FunctorchControlFlow) || t.HasError(st) {
			continue
		}
		keep, removed := SplitImport(t, st, func(name string) bool { return name == "cond" })
		switch {
		case !removed:
		case len(keep) == 0 && imp != nil && t.Parent(st) == t.Root():
			edits = append(edits, analysis.Edit{Start: t.Start(st), End: t.End(st), NewText: "import torch"})
			imp = nil
		default:
			edits = append(edits, RewriteImport(f, st, keep))
		}
	}
	if imp != nil {
		edits = append(edits, *imp)
	}
	return &analysis.Fix{Title: FunctorchCondTitle, Safety: analysis.Safe, Edits: edits}
}

// importBindings counts the import clauses of the file that bind the local name; a star
// import may bind anything, so it counts as two.
func importBindings(f *analysis.File, name string) int {
	n := 2 * len(f.StarImports)
	for _, imp := range f.ImportList {
		if imp.Local == name {
			n++
		}
	}
	return n
}

// boundOtherwise reports whether the file binds name other than by an import, in any scope:
// a target, a parameter, a def or class name, a global or nonlocal declaration.
func boundOtherwise(f *analysis.File, name string) bool {
	t := f.Tree
	for _, id := range f.Nodes(syntax.KindIdentifier) {
		if !t.TextIs(id, name) {
			continue
		}
		switch p := t.Parent(id); t.Kind(p) {
		case syntax.KindGlobalStatement, syntax.KindNonlocalStatement:
			return true
		case syntax.KindDottedName, syntax.KindAliasedImport:
			continue // an import
		}
		if pysem.IsBinding(t, id) {
			return true
		}
	}
	return false
}
