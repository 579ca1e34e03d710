package rules

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// TensorToPython finds tensors handed to Python code that needs their values: range(),
// math functions, Python's min/max/any/all/sorted, Python conditions on the elements of a
// tensor taken by iteration, and Python containers indexed by a tensor value.
var TensorToPython = &analysis.Rule{
	Name: "tensor_to_python",
	Doc: `## What it does
Finds, in code that torch.export traces, Python code that needs the value of a tensor:
- ` + "`range(t)`" + ` with a tensor ` + "`t`" + ` (` + "`range(x.sum())`" + `), and ` + "`range(n)`" + ` in a comprehension with ` + "`n`" + `
  read from tensor data (` + "`[... for i in range(x.max().item())]`" + `);
- a function of Python's ` + "`math`" + ` module on a tensor (` + "`math.sqrt(x.var())`" + `);
- Python's ` + "`any()`" + `, ` + "`all()`" + ` and ` + "`sorted()`" + ` on a tensor; Python's ` + "`min()`" + ` and ` + "`max()`" + ` on a
  tensor or with a tensor among their arguments (` + "`max(x.norm(), 1e-6)`" + `) when judging non-strict
  export (strict export rewrites them as ` + "`torch.clamp`" + `, ` + "`torch.minimum`" + ` or ` + "`torch.maximum`" + `);
- a Python condition (` + "`if`" + `, ` + "`elif`" + `, ` + "`while`" + `, a conditional expression, a comprehension's ` + "`if`" + `) on
  the elements of a tensor taken by Python iteration: ` + "`for v in x: if v > 0:`" + `, or
  ` + "`for v in x.tolist(): if v > 0:`" + `;
- a Python list, tuple, dict, ` + "`nn.ModuleList`" + ` or ` + "`nn.ModuleDict`" + ` indexed by a tensor or by a value read
  from one (` + "`self.experts[idx.item()]`" + `).

Only expressions known to be tensors count: a parameter of forward without a tensor annotation
may be a Python number, a helper's parameter counts when every traced caller passes a tensor. Division
of work: ` + "`int(t)`" + `, ` + "`float(t)`" + ` and ` + "`bool(t)`" + ` written out are host_round_trip's; names bound from
` + "`.item()`" + `, ` + "`.tolist()`" + ` or ` + "`int(t)`" + ` by assignment, and their uses as sizes, slice bounds, conditions
and loop counts, are unchecked_data_dependent_value's and constrain_as_size/value_example's;
conditions on a tensor itself are data_dependent_branch's; iterating over a tensor whose length
depends on the data is data_dependent_output_shape's. This rule owns the values that reach Python
through ` + "`range`" + `, ` + "`math`" + `, the builtins above, iteration and container indexing. Code under
` + "`if not torch.compiler.is_exporting():`" + ` is skipped.

## Why is this bad
Export traces forward with tensors that carry shapes but no values. ` + "`range()`" + ` needs an int,
` + "`math.sqrt()`" + ` a float, ` + "`if`" + ` and ` + "`any()`" + ` a bool, and ` + "`self.experts[i]`" + ` a concrete index: each
asks the tensor for a value that only exists when the exported program runs. Non-strict export
fails on a data-dependent guard (GuardOnDataDependentSymNode); strict export cannot trace the
Python call or the branch on the value. Iterating over a tensor itself is fine (it is unrolled
over the first dimension, as for ` + "`range(x.shape[0])`" + `), until a Python condition looks at an element.

## Example
` + "```python" + `
def forward(self, x):
    return x / math.sqrt(x.var())
` + "```" + `

## Use instead
` + "```python" + `
def forward(self, x):
    return x / torch.sqrt(x.var())
` + "```" + `
Element-wise choices are ` + "`torch.where`" + `, bounds are ` + "`torch.clamp`" + `, reductions are tensor methods
(` + "`x.max()`" + `, ` + "`(x > 0).any()`" + `); a choice among submodules by a tensor value needs every submodule
applied and the results combined with a mask, or ` + "`torch.cond`" + `.

## Fix safety
All fixes are unsafe: each returns a tensor where the Python code produced a Python number or
bool, which changes type promotion and what later Python code can do with the value.
- ` + "`math.f(t)`" + ` becomes ` + "`torch.f(t)`" + ` for the functions torch has under the same name (` + "`fabs`" + ` becomes
  ` + "`torch.abs`" + `).
- ` + "`max(t, c)`" + ` becomes ` + "`t.clamp(min=c)`" + ` (and ` + "`min`" + `, ` + "`clamp(max=c)`" + `), ` + "`max(a, b)`" + ` of two tensors
  ` + "`torch.maximum(a, b)`" + `: element-wise, as strict export already does.
- ` + "`max(t)`" + `, ` + "`min(t)`" + `, ` + "`any(t)`" + `, ` + "`all(t)`" + ` become ` + "`t.max()`" + `, ` + "`t.min()`" + `, ` + "`t.any()`" + `, ` + "`t.all()`" + `: the same for a 1-D
  tensor without NaN (Python compares rows of a 2-D tensor, and order decides how NaN is treated).

## References
- [torch.export programming model: static and dynamic values](https://pytorch.org/docs/main/export.programming_model.html)
- [Troubleshooting GuardOnDataDependentSymNode errors](https://pytorch.org/docs/main/compile/dynamic_shapes_troubleshooting_guardon_errors.html)
`,
	Local:        true,
	Declarations: true,
	Run:          runTensorToPython,
}

// t2pMathToTorch maps math functions to the torch function of the same meaning.
var t2pMathToTorch = map[string]string{
	"sqrt": "sqrt", "exp": "exp", "log": "log", "log2": "log2", "log10": "log10", "log1p": "log1p",
	"expm1": "expm1", "sin": "sin", "cos": "cos", "tan": "tan", "asin": "asin", "acos": "acos",
	"atan": "atan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "asinh": "asinh", "acosh": "acosh",
	"atanh": "atanh", "erf": "erf", "erfc": "erfc", "floor": "floor", "ceil": "ceil", "trunc": "trunc",
	"fabs": "abs", "isnan": "isnan", "isinf": "isinf", "isfinite": "isfinite", "lgamma": "lgamma",
}

func runTensorToPython(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		callee := t.Unparen(t.Field(call, syntax.FieldFunction))
		switch t.Kind(callee) {
		case syntax.KindIdentifier:
			if q, ok := f.ImportOf(callee); ok {
				if fname, ok := strings.CutPrefix(q, "math."); ok {
					t2pMath(pass, call, callee, fn, fname)
				}
				return
			}
			switch t.String(callee) {
			case "range", "min", "max", "any", "all", "sorted":
			default:
				return
			}
			name := t.String(callee)
			if f.LookupFunc(fn, name) != nil || !f.RunsWhileExporting(call) {
				return
			}
			if name == "range" {
				t2pRange(pass, call, fn)
			} else {
				t2pBuiltin(pass, call, fn, name)
			}
		case syntax.KindAttribute:
			obj := t.Field(callee, syntax.FieldObject)
			if q, _ := f.ImportOf(obj); q == "math" {
				t2pMath(pass, call, callee, fn, t.String(t.Field(callee, syntax.FieldAttribute)))
			}
		}
	})
	for _, k := range [...]syntax.Kind{syntax.KindForStatement, syntax.KindForInClause} {
		pass.Traced(k, func(n analysis.NodeID, fn *analysis.Function) { t2pIteration(pass, n, fn) })
	}
	pass.Traced(syntax.KindSubscript, func(sub analysis.NodeID, fn *analysis.Function) { t2pIndex(pass, sub, fn) })
}

// t2pTensor reports whether e is certainly a tensor, a buffer or parameter of the module, or a
// parameter every traced caller passes a tensor to (what the semantic model says callers pass,
// so that a helper called from forward is judged by its arguments).
func t2pTensor(f *analysis.File, fn *analysis.Function, e analysis.NodeID) bool {
	return e != analysis.NoNode && f.Value(fn, e).IsTensor()
}

// t2pMath reports math.f(t) with a tensor argument.
func t2pMath(pass *analysis.Pass, call, callee analysis.NodeID, fn *analysis.Function, name string) {
	f := pass.File
	t := f.Tree
	pos, kws := f.Args(call)
	arg := analysis.NoNode
	for _, a := range pos {
		if t2pTensor(f, fn, a) {
			arg = a
			break
		}
	}
	if arg == analysis.NoNode || !f.RunsWhileExporting(call) {
		return
	}
	fd := pass.Reportf(call, analysis.Fails,
		"math.%s() needs a Python number, but %s is a tensor whose value export does not know while it traces",
		name, ddsSnippet(t, arg))
	to, ok := t2pMathToTorch[name]
	if !ok && name == "pow" && len(pos) == 2 && pos[0] == arg {
		to, ok = "pow", true
	}
	if !ok || len(kws) > 0 || (to != "pow" && len(pos) != 1) {
		return
	}
	torch, imp := fix.NewImporter(f).Torch()
	edits := []analysis.Edit{{Start: t.Start(callee), End: t.End(callee), NewText: torch + "." + to}}
	if imp != nil {
		edits = append(edits, *imp)
	}
	fd.Fixes = append(fd.Fixes, analysis.Fix{
		Title:  "replace math." + name + " with torch." + to + " (returns a tensor, not a Python float)",
		Safety: analysis.Unsafe,
		Edits:  edits,
	})
}

// t2pRange reports range() over a tensor, and range() in a comprehension over a number read
// from tensor data (a for statement's range is unchecked_data_dependent_value's loop count).
func t2pRange(pass *analysis.Pass, call analysis.NodeID, fn *analysis.Function) {
	f := pass.File
	t := f.Tree
	pos, _ := f.Args(call)
	for _, a := range pos {
		if t2pTensor(f, fn, a) {
			pass.Reportf(call, analysis.Fails,
				"range() needs a Python int, but %s is a tensor whose value export does not know while it traces",
				ddsSnippet(t, a))
			return
		}
	}
	if p := t.Parent(call); p == analysis.NoNode || t.Kind(p) != syntax.KindForInClause || t.FieldOf(call) != syntax.FieldRight {
		return
	}
	for _, a := range pos {
		if r := t2pDataRead(f, fn, a); r != analysis.NoNode {
			pass.Reportf(call, analysis.Fails,
				"range(%s) in a comprehension runs a number of times read from tensor data (%s): export cannot unroll a loop of unknown length",
				ddsSnippet(t, a), ddsSnippet(t, r))
			return
		}
	}
}

// t2pDataRead returns the read of tensor data in e (x.item(), x.tolist()[0], int(t), a name
// the shared facts know to hold data), or NoNode.
func t2pDataRead(f *analysis.File, fn *analysis.Function, e analysis.NodeID) analysis.NodeID {
	t := f.Tree
	found := analysis.NoNode
	for id, end := e, t.SubtreeEnd(e); id < end && found == analysis.NoNode; id++ {
		switch t.Kind(id) {
		case syntax.KindCall:
			callee := t.Unparen(t.Field(id, syntax.FieldFunction))
			switch t.Kind(callee) {
			case syntax.KindAttribute:
				if m := t.Field(callee, syntax.FieldAttribute); (t.TextIs(m, "item") || t.TextIs(m, "tolist")) && t2pTensor(f, fn, t.Field(callee, syntax.FieldObject)) {
					found = id
				}
			case syntax.KindIdentifier:
				if pos, _ := f.Args(id); (t.TextIs(callee, "int") || t.TextIs(callee, "float")) && len(pos) == 1 && !f.IsImported(callee) && t2pTensor(f, fn, pos[0]) {
					found = id
				}
			}
		case syntax.KindIdentifier:
			if t.FieldOf(id) != syntax.FieldAttribute && f.Owner(id) == fn && f.Value(fn, id).May(torchsem.Data) {
				found = id
			}
		}
	}
	return found
}

// t2pBuiltin reports Python's min/max/any/all/sorted on tensors.
func t2pBuiltin(pass *analysis.Pass, call analysis.NodeID, fn *analysis.Function, name string) {
	f := pass.File
	t := f.Tree
	pos, kws := f.Args(call)
	if len(pos) == 0 || len(kws) > 0 {
		return
	}
	if (name == "min" || name == "max") && pass.StrictAt(call) {
		return // strict export rewrites min/max of tensors as torch.clamp / torch.maximum
	}
	for _, a := range pos {
		if t.Kind(a) == syntax.KindListSplat || ddsOf(f, fn, a).ok() {
			return // *args, or a data-dependent length (data_dependent_output_shape's)
		}
	}
	if len(pos) == 1 {
		a := pos[0]
		if !t2pTensor(f, fn, a) {
			return
		}
		how := "compares the elements of"
		if name == "any" || name == "all" {
			how = "takes the truth value of each element of"
		}
		fd := pass.Reportf(call, analysis.Fails,
			"Python's %s() %s tensor %s: their values are unknown while export traces (GuardOnDataDependentSymNode)",
			name, how, ddsSnippet(t, a))
		if name != "sorted" {
			fd.Fixes = append(fd.Fixes, analysis.Fix{
				Title:  "replace " + name + "(t) with t." + name + "() (a tensor; the same for a 1-D tensor without NaN)",
				Safety: analysis.Unsafe,
				Edits:  []analysis.Edit{{Start: t.Start(call), End: t.End(call), NewText: t2pOperand(t, a) + "." + name + "()"}},
			})
		}
		return
	}
	if name != "min" && name != "max" {
		return
	}
	tensors := 0
	first := analysis.NoNode
	for _, a := range pos {
		if t2pTensor(f, fn, a) {
			tensors++
			if first == analysis.NoNode {
				first = a
			}
		}
	}
	if tensors == 0 {
		return
	}
	fd := pass.Reportf(call, analysis.Fails,
		"Python's %s() compares tensor %s with the other arguments: non-strict export cannot decide the comparison (GuardOnDataDependentSymNode)",
		name, ddsSnippet(t, first))
	if len(pos) != 2 {
		return
	}
	a, b := pos[0], pos[1]
	var text string
	switch {
	case tensors == 2:
		torch, imp := fix.NewImporter(f).Torch()
		op := "maximum"
		if name == "min" {
			op = "minimum"
		}
		text = torch + "." + op + "(" + t.String(a) + ", " + t.String(b) + ")"
		edits := []analysis.Edit{{Start: t.Start(call), End: t.End(call), NewText: text}}
		if imp != nil {
			edits = append(edits, *imp)
		}
		fd.Fixes = append(fd.Fixes, analysis.Fix{
			Title:  "replace " + name + "(a, b) with torch." + op + "(a, b) (element-wise, as strict export does)",
			Safety: analysis.Unsafe,
			Edits:  edits,
		})
		return
	case first == b:
		a, b = b, a
	}
	kw := "min"
	if name == "min" {
		kw = "max"
	}
	text = t2pOperand(t, a) + ".clamp(" + kw + "=" + t.String(b) + ")"
	fd.Fixes = append(fd.Fixes, analysis.Fix{
		Title:  "replace " + name + "(t, c) with t.clamp(" + kw + "=c) (a tensor, element-wise, as strict export does)",
		Safety: analysis.Unsafe,
		Edits:  []analysis.Edit{{Start: t.Start(call), End: t.End(call), NewText: text}},
	})
}

// t2pOperand is e's text, parenthesised when it is not a primary expression.
func t2pOperand(t *syntax.Tree, e analysis.NodeID) string {
	switch t.Kind(e) {
	case syntax.KindIdentifier, syntax.KindAttribute, syntax.KindCall, syntax.KindSubscript, syntax.KindParenthesizedExpression:
		return t.String(e)
	}
	return "(" + t.String(e) + ")"
}

// t2pIteration reports Python conditions, inside a loop or comprehension over a tensor (or
// over its .tolist()), on the elements the iteration takes.
func t2pIteration(pass *analysis.Pass, loop analysis.NodeID, fn *analysis.Function) {
	f := pass.File
	t := f.Tree
	it := t.Unparen(t.Field(loop, syntax.FieldRight))
	target := t.Field(loop, syntax.FieldLeft)
	if it == analysis.NoNode || target == analysis.NoNode {
		return
	}
	// for i, v in enumerate(x): the elements are v
	if t.Kind(it) == syntax.KindCall && t.Kind(t.Unparen(t.Field(it, syntax.FieldFunction))) == syntax.KindIdentifier &&
		t.TextIs(t.Unparen(t.Field(it, syntax.FieldFunction)), "enumerate") && t.Kind(t.Unparen(target)) == syntax.KindPatternList {
		pos, _ := f.Args(it)
		if len(pos) < 1 || t.NamedChildCount(target) != 2 {
			return
		}
		it, target = t.Unparen(pos[0]), t.NamedChild(target, 1)
	}
	what := ""
	switch {
	case t2pTolist(f, fn, it):
		what = "a number read from tensor data by .tolist()"
	case t2pTensor(f, fn, it) && !ddsOf(f, fn, it).ok():
		what = "an element of tensor " + ddsSnippet(t, it)
	default:
		return
	}
	names := map[string]bool{}
	for id, end := target, t.SubtreeEnd(target); id < end; id++ {
		if t.Kind(id) == syntax.KindIdentifier {
			names[t.String(id)] = true
		}
	}
	if len(names) == 0 || !f.RunsWhileExporting(loop) {
		return
	}
	// the conditions the loop body (or the comprehension) evaluates
	scope := loop
	if t.Kind(loop) == syntax.KindForInClause {
		scope = t.Parent(loop)
	} else if scope = t.Field(loop, syntax.FieldBody); scope == analysis.NoNode {
		return
	}
	for id, end := scope, t.SubtreeEnd(scope); id < end; id++ {
		var cond analysis.NodeID
		what2 := ""
		switch t.Kind(id) {
		case syntax.KindIfStatement, syntax.KindElifClause, syntax.KindWhileStatement:
			cond, what2 = t.Field(id, syntax.FieldCondition), t.String(t.FirstChild(id))
		case syntax.KindConditionalExpression:
			cond, what2 = t.NamedChild(id, 1), "conditional expression"
		case syntax.KindIfClause:
			cond, what2 = t.NamedChild(id, 0), "comprehension if"
		case syntax.KindFunctionDefinition, syntax.KindLambda, syntax.KindClassDefinition:
			id = t.SubtreeEnd(id) - 1 // another scope
			continue
		default:
			continue
		}
		if cond == analysis.NoNode || f.Owner(cond) != f.Owner(loop) {
			continue
		}
		if name := t2pValueUse(t, cond, names); name != "" {
			pass.Reportf(cond, analysis.Fails,
				"%s on %s, %s taken by Python iteration, cannot be decided while export traces (GuardOnDataDependentSymNode)",
				what2, name, what)
		}
	}
}

// t2pTolist reports whether e is t.tolist() for a tensor t.
func t2pTolist(f *analysis.File, fn *analysis.Function, e analysis.NodeID) bool {
	t := f.Tree
	if t.Kind(e) != syntax.KindCall {
		return false
	}
	callee := t.Unparen(t.Field(e, syntax.FieldFunction))
	return t.Kind(callee) == syntax.KindAttribute && t.TextIs(t.Field(callee, syntax.FieldAttribute), "tolist") &&
		t2pTensor(f, fn, t.Field(callee, syntax.FieldObject))
}

// t2pValueUse returns a name of names whose value cond reads (not only its shape, dtype,
// identity or type), or "".
func t2pValueUse(t *syntax.Tree, cond analysis.NodeID, names map[string]bool) string {
	for id, end := cond, t.SubtreeEnd(cond); id < end; id++ {
		if t.Kind(id) != syntax.KindIdentifier || !names[t.String(id)] || t.FieldOf(id) == syntax.FieldAttribute {
			continue
		}
		if t2pMetadataUse(t, id) {
			continue
		}
		return t.String(id)
	}
	return ""
}

// t2pMetadataUse reports whether the name at id is only asked for metadata: v.shape, v.ndim,
// v.dtype, v.size(), v.dim(), len(v), v is None, isinstance(v, ...).
func t2pMetadataUse(t *syntax.Tree, id analysis.NodeID) bool {
	p := t.Parent(id)
	switch t.Kind(p) {
	case syntax.KindAttribute:
		switch t.String(t.Field(p, syntax.FieldAttribute)) {
		case "shape", "ndim", "dtype", "device", "is_cuda", "requires_grad", "size", "dim", "numel", "is_floating_point":
			return true
		}
	case syntax.KindArgumentList:
		if c := t.Field(t.Parent(p), syntax.FieldFunction); t.TextIs(c, "len") || t.TextIs(c, "isinstance") {
			return true
		}
	case syntax.KindComparisonOperator:
		op := t.Operator(p)
		return op == "is" || op == "is not"
	}
	return false
}

// t2pIndex reports a Python container of the module (or a local list, tuple or dict)
// indexed by a tensor or a value read from tensor data.
func t2pIndex(pass *analysis.Pass, sub analysis.NodeID, fn *analysis.Function) {
	f := pass.File
	t := f.Tree
	val := t.Unparen(t.Field(sub, syntax.FieldValue))
	kind := t2pContainer(f, fn, val)
	if kind == "" {
		return
	}
	idx := ddsIndex(t, sub)
	if len(idx) != 1 || t.Kind(idx[0]) == syntax.KindSlice {
		return
	}
	i := t.Unparen(idx[0])
	// int(t), float(t) and bool(t) written out are host_round_trip's
	if t.Kind(i) == syntax.KindCall {
		if c := t.Unparen(t.Field(i, syntax.FieldFunction)); t.Kind(c) == syntax.KindIdentifier && !f.IsImported(c) &&
			(t.TextIs(c, "int") || t.TextIs(c, "float") || t.TextIs(c, "bool")) {
			return
		}
	}
	what := ""
	switch {
	case t2pTensor(f, fn, i):
		what = "tensor " + ddsSnippet(t, i)
	case t2pDataRead(f, fn, i) != analysis.NoNode:
		what = ddsSnippet(t, i) + ", a value read from tensor data"
	default:
		return
	}
	if !f.RunsWhileExporting(sub) {
		return
	}
	pass.Reportf(sub, analysis.Fails,
		"%s %s is indexed by %s: export cannot choose an element by a value it does not know while it traces",
		kind, ddsSnippet(t, val), what)
}

// t2pContainer says what kind of Python container e is ("the ModuleList", "the list", ...),
// or "": self.attr assigned a list, tuple, dict, comprehension or nn container in __init__,
// or a local name bound only to a list, tuple or dict display.
func t2pContainer(f *analysis.File, fn *analysis.Function, e analysis.NodeID) string {
	t := f.Tree
	switch t.Kind(e) {
	case syntax.KindAttribute:
		obj := t.Field(e, syntax.FieldObject)
		m := fn.Method()
		if m == nil || m.Class == nil || fn.SelfName() == "" || t.Kind(obj) != syntax.KindIdentifier || !t.TextIs(obj, fn.SelfName()) {
			return ""
		}
		attr := t.String(t.Field(e, syntax.FieldAttribute))
		kind := ""
		f.Lineage(m.Class, func(k *analysis.Class) bool {
			v, ok := k.InitAttrs[attr]
			if !ok {
				return true
			}
			kind = t2pDisplay(f, v)
			return false
		})
		if kind == "" {
			return ""
		}
		return "the " + kind
	case syntax.KindIdentifier:
		name := t.String(e)
		if fn.Param(name) != nil {
			return ""
		}
		kind := ""
		for _, a := range f.OwnNodes(fn, syntax.KindAssignment) {
			l := t.Field(a, syntax.FieldLeft)
			if l == analysis.NoNode || !pysem.BindsName(t, l, name) {
				continue
			}
			k := ""
			if t.Kind(l) == syntax.KindIdentifier {
				k = t2pDisplay(f, t.Field(a, syntax.FieldRight))
			}
			if k == "" || k != "list" && k != "tuple" && k != "dict" {
				return ""
			}
			kind = k
		}
		if kind != "" {
			return "the " + kind
		}
	}
	return ""
}

// t2pDisplay names the container v builds ("list", "ModuleList", ...), or "".
func t2pDisplay(f *analysis.File, v analysis.NodeID) string {
	t := f.Tree
	v = t.Unparen(v)
	switch t.Kind(v) {
	case syntax.KindList, syntax.KindListComprehension:
		return "list"
	case syntax.KindTuple:
		return "tuple"
	case syntax.KindDictionary, syntax.KindDictionaryComprehension:
		return "dict"
	case syntax.KindCall:
		callee := t.Field(v, syntax.FieldFunction)
		if !f.IsImported(callee) {
			return ""
		}
		switch q := f.Resolve(callee); q {
		case "torch.nn.ModuleList", "torch.nn.ModuleDict", "torch.nn.Sequential", "torch.nn.ParameterList", "torch.nn.ParameterDict":
			return q[strings.LastIndexByte(q, '.')+1:]
		}
	}
	return ""
}
