package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// CondBranchContract checks what the two branches of torch.cond return (the same number of
// tensors, of the same dtype and shape, of a shape known without the data) and that they
// leave the module's state and the enclosing function's containers alone.
var CondBranchContract = &analysis.Rule{
	Name: "cond_branch_contract",
	Doc: `## What it does
Compares the two branches of ` + "`torch.cond(pred, true_fn, false_fn, operands)`" + ` in code that
torch.export traces (lambdas, nested and module-level functions, methods, however cond is
imported), and reports:
- branches that return different numbers of outputs (` + "`return x.sin(), x`" + ` against ` + "`return x.cos()`" + `);
- an output whose dtype differs between the branches: explicit casts (` + "`x.float()`" + ` against
  ` + "`x.long()`" + `), or a boolean tensor (` + "`x > 0`" + `) against arithmetic (` + "`x * 2`" + `);
- an output that is a 0-d reduction in one branch (` + "`x.sum()`" + `) and shaped like an operand in the
  other (` + "`x * 2`" + `);
- an output whose length depends on tensor data (` + "`x[x > 0]`" + `, ` + "`x.nonzero()`" + `, ` + "`x.unique()`" + `);
- a branch that changes state it does not own: the module's (` + "`self.buf.add_(1)`" + `,
  ` + "`self.buf[0] = 0`" + `, ` + "`self.cache.append(x)`" + `, ` + "`self.calls += 1`" + `), a container of the enclosing function
  (` + "`outs.append(x)`" + `), or a global (` + "`global counter`" + `).

Only what is known without running the code is compared: outputs of unknown dtype or shape are
left alone. Division of work: branches that mutate their own inputs are cond_operands'; branches
that declare ` + "`nonlocal`" + ` or change an enclosing function's tensor in place are
cond_branch_nonlocal_variables'; ` + "`self.attr = value`" + ` with a value other than a literal, and
` + "`self.attr += ...`" + ` on a tensor attribute that is not a buffer, are model_attr_mutation's; in-place
updates of parameters and updates through ` + "`.data`" + ` are module_state_in_forward's; changes to
module-level containers are python_side_effect's.

## Why is this bad
cond traces both branches into subgraphs and returns the output of one of them, so the exported
program must describe that output before it knows which branch runs: torch.cond requires both
branches to return the same number of tensors with the same metadata (shape, dtype), and fails
with CondOpArgsMismatchError ("Expected to return same number of outputs", "Expected each tensor
to have same metadata") otherwise. A length that depends on the data is not one known shape.
A branch must also be free of side effects: it is a function of its operands, and a mutation of
module state, of a captured list or of a global has no place in the subgraph; tracing fails on it.

## Example
` + "```python" + `
def forward(self, x):
    def true_fn(x):
        self.calls += 1
        return x.sin(), x

    def false_fn(x):
        return x > 0

    return torch.cond(x.sum() > 0, true_fn, false_fn, (x,))
` + "```" + `

## Use instead
` + "```python" + `
def forward(self, x):
    def true_fn(x):
        return x.sin()

    def false_fn(x):
        return (x > 0).to(x.dtype)

    return torch.cond(x.sum() > 0, true_fn, false_fn, (x,))
` + "```" + `
Cast both outputs to one dtype, reduce both or neither, pad data-dependent results to a static
size (` + "`torch.where(mask, x, 0)`" + ` instead of ` + "`x[mask]`" + `), and return what a branch would have stored,
applying it after cond (a registered buffer can be updated in place there).

## Fix safety
There is no fix: which branch is right, and where state should be updated, is the author's
decision.

## References
- [torch.cond](https://pytorch.org/docs/main/generated/torch.cond.html)
- [Control flow: torch.cond](https://pytorch.org/docs/main/cond.html)
`,
	Local: true,
	Run:   runCondBranchContract,
}

func runCondBranchContract(pass *analysis.Pass) {
	f := pass.File
	checked := map[*analysis.Function]bool{}
	condEach(pass, func(cc *condCall) {
		tb := condResolveBranch(f, cc.fn, cc.trueFn)
		fb := condResolveBranch(f, cc.fn, cc.falseFn)
		if tb.fn != nil && fb.fn != nil && tb.fn != fb.fn {
			cbcCompare(pass, tb, fb)
		}
		for _, b := range [...]condBranch{tb, fb} {
			if b.fn == nil || checked[b.fn] {
				continue
			}
			checked[b.fn] = true
			if v, ok := cbcSingleReturn(f, b.fn); ok {
				for _, e := range cbcElems(f.Tree, v) {
					if d := ddsOf(f, b.fn, e); d.ok() {
						pass.Reportf(e, analysis.Fails,
							"cond branch %s returns %s, whose length depends on tensor data (%s): both branches must return tensors of one shape known while export traces",
							condBranchName(pass.File.Tree, b), ddsSnippet(pass.File.Tree, e), d.op)
					}
				}
			}
			cbcMutations(pass, b)
		}
	})
}

// cbcOut is what is known of one output of a branch.
type cbcOut struct {
	node    analysis.NodeID
	tensor  bool   // certainly one tensor
	dtype   string // an explicit dtype ("float32", "bool"), or ""
	notBool bool   // arithmetic: never a bool tensor
	scalar  bool   // a 0-d reduction
	like    string // shaped like this operand, or ""
}

// cbcCompare reports outputs of the two branches that cannot match.
func cbcCompare(pass *analysis.Pass, tb, fb condBranch) {
	f := pass.File
	t := f.Tree
	tv, ok1 := cbcSingleReturn(f, tb.fn)
	fv, ok2 := cbcSingleReturn(f, fb.fn)
	if !ok1 || !ok2 {
		return
	}
	touts := cbcOutputs(f, tb, tv)
	fouts := cbcOutputs(f, fb, fv)
	tname, fname := condBranchName(t, tb), condBranchName(t, fb)
	related := func(fd *analysis.Finding) {
		fd.Related = append(fd.Related, analysis.Related{Start: t.Start(tv), End: t.End(tv), Message: tname + " returns this"})
	}
	if touts == nil || fouts == nil {
		return
	}
	if len(touts) != len(fouts) {
		fd := pass.Reportf(fv, analysis.Fails,
			"cond branches return different numbers of outputs: %s returns %s and %s returns %s (CondOpArgsMismatchError)",
			tname, cbcCount(len(touts)), fname, cbcCount(len(fouts)))
		related(fd)
		return
	}
	for i := range touts {
		a, b := touts[i], fouts[i]
		which := ""
		if len(touts) > 1 {
			which = fmt.Sprintf(" for output %d", i+1)
		}
		switch {
		case a.dtype != "" && b.dtype != "" && a.dtype != b.dtype,
			a.dtype == "bool" && b.notBool, b.dtype == "bool" && a.notBool:
			fd := pass.Reportf(b.node, analysis.Fails,
				"cond branches return different dtypes%s: %s returns %s (%s) and %s returns %s (%s) (CondOpArgsMismatchError)",
				which, tname, ddsSnippet(t, a.node), cbcDtype(a), fname, ddsSnippet(t, b.node), cbcDtype(b))
			related(fd)
		case a.scalar && b.like != "", b.scalar && a.like != "":
			s, l := a, b
			if b.scalar {
				s, l = b, a
			}
			fd := pass.Reportf(b.node, analysis.Fails,
				"cond branches return different shapes%s: %s is a 0-d reduction and %s is shaped like the operand %s (CondOpArgsMismatchError)",
				which, ddsSnippet(t, s.node), ddsSnippet(t, l.node), l.like)
			related(fd)
		}
	}
}

func cbcCount(n int) string {
	if n == 1 {
		return "1 output"
	}
	return fmt.Sprintf("%d outputs", n)
}

func cbcDtype(o cbcOut) string {
	if o.dtype != "" {
		return o.dtype
	}
	return "not bool"
}

// cbcSingleReturn returns the value a branch returns: a lambda's body, or the value of the
// one return statement of a def (false when it has several, none, or a bare return).
func cbcSingleReturn(f *analysis.File, g *analysis.Function) (analysis.NodeID, bool) {
	t := f.Tree
	if t.Kind(g.Node) == syntax.KindLambda {
		return g.Body, g.Body != analysis.NoNode
	}
	rets := f.OwnNodes(g, syntax.KindReturnStatement)
	if len(rets) != 1 {
		return analysis.NoNode, false
	}
	v := t.NamedChild(rets[0], 0)
	for v != analysis.NoNode && t.IsComment(v) {
		v = t.NextSibling(v)
	}
	return v, v != analysis.NoNode
}

// cbcElems returns the elements of a returned tuple or list display, or the value itself.
func cbcElems(t *syntax.Tree, v analysis.NodeID) []analysis.NodeID {
	u := t.Unparen(v)
	switch t.Kind(u) {
	case syntax.KindTuple, syntax.KindList, syntax.KindExpressionList:
		return t.NamedChildren(u, nil)
	}
	return []analysis.NodeID{v}
}

// cbcOutputs describes the outputs of a branch's return value, or nil when their number is
// not known (a call that may return a tuple, a starred element).
func cbcOutputs(f *analysis.File, b condBranch, v analysis.NodeID) []cbcOut {
	t := f.Tree
	inputs := condInputs(b)
	elems := cbcElems(t, v)
	multi := len(elems) != 1 || elems[0] != v
	var outs []cbcOut
	for _, e := range elems {
		if t.IsComment(e) {
			continue
		}
		switch t.Kind(e) {
		case syntax.KindListSplat, syntax.KindParenthesizedListSplat:
			return nil
		}
		o := cbcDescribe(f, b.fn, inputs, e, 0)
		if !o.tensor && !multi {
			return nil // one value that may itself be a tuple
		}
		outs = append(outs, o)
	}
	return outs
}

// cbcCasts maps tensor cast methods to the dtype they give.
var cbcCasts = map[string]string{
	"float": "float32", "double": "float64", "half": "float16", "bfloat16": "bfloat16",
	"long": "int64", "int": "int32", "short": "int16", "char": "int8", "byte": "uint8", "bool": "bool",
}

// cbcDtypeNames maps torch dtype names to the canonical spelling messages use.
var cbcDtypeNames = map[string]string{
	"float32": "float32", "float": "float32", "float64": "float64", "double": "float64",
	"float16": "float16", "half": "float16", "bfloat16": "bfloat16", "int64": "int64", "long": "int64",
	"int32": "int32", "int": "int32", "int16": "int16", "short": "int16", "int8": "int8", "uint8": "uint8",
	"bool": "bool", "complex64": "complex64", "complex128": "complex128",
}

// cbcFloatOps are tensor methods whose result is a floating-point tensor shaped like the
// receiver; cbcSameOps keep the receiver's shape and dtype.
var (
	cbcFloatOps = map[string]bool{}
	cbcSameOps  = map[string]bool{}
	cbcReduce   = map[string]bool{}
)

func init() {
	for _, m := range strings.Fields(`sin cos tan exp log log2 log10 log1p expm1 sqrt rsqrt sigmoid tanh
		relu gelu silu softmax log_softmax erf reciprocal exp2`) {
		cbcFloatOps[m] = true
	}
	for _, m := range strings.Fields(`clone detach contiguous abs neg square floor ceil round trunc sign
		flip roll triu tril`) {
		cbcSameOps[m] = true
	}
	for _, m := range strings.Fields(`sum mean prod norm std var amax amin max min any all logsumexp
		median count_nonzero`) {
		cbcReduce[m] = true
	}
}

// cbcDescribe says what is known of one output expression.
func cbcDescribe(f *analysis.File, fn *analysis.Function, inputs []string, e analysis.NodeID, depth int) cbcOut {
	t := f.Tree
	o := cbcOut{node: e}
	u := t.Unparen(e)
	if u == analysis.NoNode || depth > 4 {
		return o
	}
	switch t.Kind(u) {
	case syntax.KindIdentifier:
		if slices.Contains(inputs, t.String(u)) {
			o.tensor, o.like = true, t.String(u)
			return o
		}
		o.tensor = f.Value(fn, u).IsTensor()
	case syntax.KindComparisonOperator:
		if ddsIsMask(f, fn, u, 0) || cbcOperandComparison(f, fn, inputs, u) {
			o.tensor, o.dtype = true, "bool"
		}
	case syntax.KindBinaryOperator:
		l, r := cbcDescribe(f, fn, inputs, t.Field(u, syntax.FieldLeft), depth+1), cbcDescribe(f, fn, inputs, t.Field(u, syntax.FieldRight), depth+1)
		switch t.Operator(u) {
		case "+", "-", "*", "/", "//", "%", "**":
			if !l.tensor && !r.tensor {
				return o
			}
			o.tensor, o.notBool = true, true
			lnum, rnum := cbcNumber(t, t.Field(u, syntax.FieldLeft)), cbcNumber(t, t.Field(u, syntax.FieldRight))
			switch {
			case l.like != "" && (rnum || r.like == l.like):
				o.like = l.like
			case r.like != "" && lnum:
				o.like = r.like
			}
		}
	case syntax.KindUnaryOperator:
		if t.Operator(u) == "-" {
			o = cbcDescribe(f, fn, inputs, t.NamedChild(u, 0), depth+1)
			o.node, o.notBool = e, o.tensor
		}
	case syntax.KindCall:
		callee := t.Unparen(t.Field(u, syntax.FieldFunction))
		if t.Kind(callee) != syntax.KindAttribute || f.IsImported(callee) {
			o.tensor = f.Value(fn, u).IsTensor()
			return o
		}
		m := t.String(t.Field(callee, syntax.FieldAttribute))
		recv := cbcDescribe(f, fn, inputs, t.Field(callee, syntax.FieldObject), depth+1)
		if !recv.tensor {
			return o
		}
		pos, kws := f.Args(u)
		o.tensor = true
		switch {
		case cbcCasts[m] != "" && len(pos) == 0 && len(kws) == 0:
			o.dtype, o.like = cbcCasts[m], recv.like
		case m == "to" || m == "type":
			if d := cbcDtypeArg(f, u); d != "" {
				o.dtype, o.like = d, recv.like
			} else {
				o.tensor = m == "to"
			}
		case cbcFloatOps[m]:
			o.notBool, o.like = true, recv.like
		case cbcSameOps[m] && len(pos) == 0:
			o = recv
			o.node = e
		case ddsMaskMethods[m] && m != "bool":
			o.dtype, o.like = "bool", recv.like
		case cbcReduce[m] && len(pos) == 0 && len(kws) == 0:
			o.scalar = true
			switch m {
			case "any", "all":
				o.dtype = "bool"
			case "mean", "norm", "std", "var", "logsumexp":
				o.notBool = true
			case "count_nonzero":
				o.dtype = "int64"
			}
		default:
			o.tensor = f.Value(fn, u).IsTensor()
		}
	}
	return o
}

// cbcOperandComparison reports whether u compares an operand-derived tensor with <, >, ==, ...
func cbcOperandComparison(f *analysis.File, fn *analysis.Function, inputs []string, u analysis.NodeID) bool {
	t := f.Tree
	ok, tensor := true, false
	t.Children(u, func(c analysis.NodeID) bool {
		if t.IsComment(c) {
			return true
		}
		if !t.IsNamed(c) {
			switch t.String(c) {
			case "<", ">", "<=", ">=", "==", "!=":
			default:
				ok = false
			}
			return ok
		}
		if cbcDescribe(f, fn, inputs, c, 1).tensor {
			tensor = true
		}
		return true
	})
	return ok && tensor
}

// cbcNumber reports whether e is a number literal (or a negated one).
func cbcNumber(t *syntax.Tree, e analysis.NodeID) bool {
	e = t.Unparen(e)
	if t.Kind(e) == syntax.KindUnaryOperator {
		e = t.Unparen(t.NamedChild(e, 0))
	}
	k := t.Kind(e)
	return k == syntax.KindInteger || k == syntax.KindFloat
}

// cbcDtypeArg returns the dtype of x.to(torch.X) / x.to(dtype=torch.X) / x.type(torch.X).
func cbcDtypeArg(f *analysis.File, call analysis.NodeID) string {
	pos, _ := f.Args(call)
	arg := f.KwArg(call, "dtype")
	if arg == analysis.NoNode && len(pos) == 1 {
		arg = pos[0]
	}
	if arg == analysis.NoNode || !f.IsImported(arg) {
		return ""
	}
	name, ok := strings.CutPrefix(f.Resolve(arg), "torch.")
	if !ok {
		return ""
	}
	return cbcDtypeNames[name]
}

// cbcContainerMutators are the methods that change a Python list, dict or set in place.
var cbcContainerMutators = map[string]bool{
	"append": true, "extend": true, "insert": true, "pop": true, "remove": true, "clear": true,
	"update": true, "setdefault": true, "add": true, "discard": true, "popitem": true,
}

// cbcMutations reports changes a branch (or a function nested in it) makes to module state,
// to containers of the enclosing function, and global declarations.
func cbcMutations(pass *analysis.Pass, b condBranch) {
	f := pass.File
	t := f.Tree
	g := b.fn
	name := condBranchName(t, b)
	self := g.SelfName()
	isSelf := func(n analysis.NodeID) bool {
		// self.attr... : the root is the method's self
		r := f.RootName(n)
		return self != "" && r != analysis.NoNode && t.TextIs(r, self) && t.Kind(t.Unparen(n)) != syntax.KindIdentifier
	}
	var outer map[string]bool // the enclosing functions' names g uses, computed on first need
	isOuter := func(name string) bool {
		if outer == nil {
			outer = map[string]bool{}
			for _, v := range f.FreeVars(g) {
				if v.Name != self {
					outer[v.Name] = true
				}
			}
		}
		return outer[name]
	}
	for _, call := range f.NodesIn(g, syntax.KindCall) {
		callee := t.Unparen(t.Field(call, syntax.FieldFunction))
		if t.Kind(callee) != syntax.KindAttribute {
			continue
		}
		recv := t.Field(callee, syntax.FieldObject)
		m := t.String(t.Field(callee, syntax.FieldAttribute))
		switch {
		case isSelf(recv):
			if _, ok := f.InPlaceMethod(g, call); ok {
				if !cbcParameterState(f, g, recv) {
					pass.Reportf(call, analysis.Fails, "cond branch %s mutates module state %s in place (%s()): a branch cannot have side effects", name, ddsSnippet(t, recv), m)
				}
			} else if cbcContainerMutators[m] {
				pass.Reportf(call, analysis.Fails, "cond branch %s changes module state %s (%s()): a branch cannot have side effects", name, ddsSnippet(t, recv), m)
			}
		case cbcContainerMutators[m] && t.Kind(t.Unparen(recv)) == syntax.KindIdentifier && isOuter(t.String(t.Unparen(recv))):
			pass.Reportf(call, analysis.Fails, "cond branch %s changes %s of %s (%s()): a branch cannot have side effects; return the value instead", name, t.String(t.Unparen(recv)), g.Parent.QualName(), m)
		}
	}
	for _, k := range [...]syntax.Kind{syntax.KindAssignment, syntax.KindAugmentedAssignment} {
		for _, a := range f.NodesIn(g, k) {
			l := t.Unparen(t.Field(a, syntax.FieldLeft))
			if !isSelf(l) {
				continue
			}
			switch t.Kind(l) {
			case syntax.KindSubscript:
				if !cbcParameterState(f, g, t.Field(l, syntax.FieldValue)) {
					pass.Reportf(a, analysis.Fails, "cond branch %s writes into module state %s: a branch cannot have side effects", name, ddsSnippet(t, t.Field(l, syntax.FieldValue)))
				}
			case syntax.KindAttribute:
				// model_attr_mutation reports tensors assigned to attributes and in-place
				// arithmetic on tensor attributes that are not buffers; the rest is this rule's
				if cbcAttrMutationOwned(f, g, a, l) {
					continue
				}
				pass.Reportf(a, analysis.Fails, "cond branch %s sets module attribute %s: a branch cannot have side effects", name, ddsSnippet(t, l))
			}
		}
	}
	for _, st := range f.NodesIn(g, syntax.KindGlobalStatement) {
		pass.Reportf(st, analysis.Fails, "cond branch %s declares a global: a branch cannot have side effects", name)
	}
}

// cbcAttrMutationOwned reports whether model_attr_mutation reports the assignment a to
// self.attr (l): a plain assignment of anything but a literal, or an augmented assignment of a
// tensor attribute that is not a registered buffer (parameters included).
func cbcAttrMutationOwned(f *analysis.File, g *analysis.Function, a, l analysis.NodeID) bool {
	t := f.Tree
	if t.Kind(a) == syntax.KindAssignment {
		return !cbcLiteral(t, t.Field(a, syntax.FieldRight))
	}
	if t.Kind(t.Field(l, syntax.FieldObject)) != syntax.KindIdentifier {
		return false // self.sub.attr += ...
	}
	m := g.Method()
	if m == nil || m.Class == nil {
		return false
	}
	k := f.Attr(m.Class, t.String(t.Field(l, syntax.FieldAttribute))).Kind
	return k == torchsem.AttrParameter || k == torchsem.AttrTensor // a buffer's update is recorded
}

// cbcParameterState reports whether target (self.w, self.w[0], self.proj.weight, x.data) is a
// parameter of the module or is reached through .data: module_state_in_forward reports
// in-place updates of those.
func cbcParameterState(f *analysis.File, g *analysis.Function, target analysis.NodeID) bool {
	t := f.Tree
	m := g.Method()
	if m == nil || m.Class == nil {
		return false
	}
	// walk down to self.attr, noting .data and the attribute under self
	var chain []string
	for n := t.Unparen(target); n != analysis.NoNode; {
		switch t.Kind(n) {
		case syntax.KindAttribute:
			chain = append(chain, t.String(t.Field(n, syntax.FieldAttribute)))
			n = t.Unparen(t.Field(n, syntax.FieldObject))
			continue
		case syntax.KindSubscript:
			n = t.Unparen(t.Field(n, syntax.FieldValue))
			continue
		}
		break
	}
	if len(chain) == 0 {
		return false
	}
	if slices.Contains(chain, "data") {
		return true
	}
	attr := chain[len(chain)-1] // the attribute right under self
	if len(chain) >= 2 {
		// self.proj.weight: a layer's parameter
		last := chain[len(chain)-2]
		return (last == "weight" || last == "bias") && f.Attr(m.Class, attr).Kind == torchsem.AttrSubmodule
	}
	return f.Attr(m.Class, attr).Kind == torchsem.AttrParameter
}

// cbcLiteral reports whether e is a number, string, bool or None literal.
func cbcLiteral(t *syntax.Tree, e analysis.NodeID) bool {
	switch condKind(t, e) {
	case syntax.KindInteger, syntax.KindFloat, syntax.KindString, syntax.KindConcatenatedString, syntax.KindTrue, syntax.KindFalse, syntax.KindNone:
		return true
	}
	return false
}
