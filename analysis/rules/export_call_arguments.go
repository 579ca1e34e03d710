package rules

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// ExportCallArguments checks the arguments of torch.export.export call sites.
var ExportCallArguments = &analysis.Rule{
	Name: "export_call_arguments",
	Doc: `## What it does
Checks the call sites of ` + "`torch.export.export`" + `, however it is imported (` + "`torch.export.export`" + `,
` + "`from torch.export import export`" + `, ` + "`import torch.export as te; te.export`" + `), anywhere in the file,
and the ` + "`torch.export.Dim`" + ` calls that build dynamic shapes. It reports, each as an error:
- example args that are not a tuple: a list literal, a single tensor (` + "`export(model, x)`" + `), a
  parenthesised expression without a comma (` + "`(x)`" + `), or a name bound to one of these;
- ` + "`dynamic_shapes`" + ` dict keys that are not parameter names of the model's ` + "`forward`" + `, when the
  model's class is defined in the file and reached through the call (` + "`export(MyModel(), ...)`" + `) or a
  simple local assignment (` + "`model = MyModel().eval()`" + `);
- a ` + "`Dim`" + ` (or ` + "`dims`" + `) name that is not a valid Python identifier;
- a ` + "`Dim`" + ` whose literal ` + "`max`" + ` is not greater than its literal ` + "`min`" + ` (or than the default minimum 0
  when only ` + "`max`" + ` is given).

Arguments whose value is not visible in the file (a call of a helper, a parameter, a name
assigned more than once) are left alone, and so is a class whose ` + "`forward`" + ` is inherited from
outside the file, decorated, or takes ` + "`*args`" + ` or ` + "`**kwargs`" + `.

## Why is this bad
Each of these makes ` + "`torch.export.export`" + ` raise before it traces anything. ` + "`args`" + ` holds the example
positional inputs and must be a tuple even for one input; anything else fails with
"UserError: Expecting args to be a tuple of example positional inputs". A dict given as
` + "`dynamic_shapes`" + ` is matched against the names of ` + "`forward`" + `'s parameters, so a key named after
something else (an ONNX input name, an output, a typo) fails with "its top-level keys must be
the arg names". ` + "`Dim`" + ` asserts that ` + "`max > min`" + `, and recent releases assert that its name is an
identifier.

## Example
` + "```python" + `
class Model(torch.nn.Module):
    def forward(self, x):
        return x.sin()

x = torch.randn(4, 8)
batch = Dim("batch size", min=8, max=4)
ep = torch.export.export(Model(), x, dynamic_shapes={"input": {0: batch}})
` + "```" + `

## Use instead
` + "```python" + `
batch = Dim("batch_size", min=4, max=8)
ep = torch.export.export(Model(), (x,), dynamic_shapes={"x": {0: batch}})
` + "```" + `

## Fix safety
- Wrapping a single input in a tuple (` + "`x`" + ` -> ` + "`(x,)`" + `) is safe: it is the only meaning the call can have.
- Turning a list into a tuple is safe when the model's ` + "`forward`" + ` is in the file and takes that many
  positional inputs; when it takes exactly one, wrapping the list as that one input (` + "`([a, b],)`" + `) is
  the safe fix instead. When ` + "`forward`" + ` is not known, the list-to-tuple fix is unsafe: each element
  becomes a separate positional input.
- Renaming a ` + "`dynamic_shapes`" + ` key to the parameter name is safe when ` + "`forward`" + ` has a single input and
  the dict a single key, and unsafe (a guess) when exactly one key is unknown and exactly one
  parameter has no entry.
- Replacing the characters of a ` + "`Dim`" + ` name that cannot appear in an identifier with ` + "`_`" + ` is safe: the
  name only labels the dimension in messages and in the exported program.
- Inconsistent bounds have no fix: which bound is wrong is domain knowledge.

## References
- [torch.export: export() and dynamic shapes](https://pytorch.org/docs/main/export.html)
- [torch.export API reference: export, Dim](https://pytorch.org/docs/main/export/api_reference.html)
`,
	Run: runExportCallArguments,
}

// Qualified names of the export entry points and of Dim.
var (
	ecaExportNames = map[string]bool{"torch.export.export": true}
	ecaLegacyNames = map[string]bool{"torch._export.export": true}
	ecaDimNames    = map[string]bool{"torch.export.Dim": true, "torch.export.dynamic_shapes.Dim": true}
	ecaDimsNames   = map[string]bool{"torch.export.dims": true, "torch.export.dynamic_shapes.dims": true}
)

// ecaCall is one call of torch.export.export (or the older torch._export.export). Absent
// arguments are NoNode.
type ecaCall struct {
	call        analysis.NodeID
	fn          *analysis.Function // the function making the call; nil at module level
	legacy      bool               // torch._export.export
	model       analysis.NodeID
	args        analysis.NodeID
	kwargs      analysis.NodeID
	dyn         analysis.NodeID // the dynamic_shapes value
	constraints analysis.NodeID // the constraints= keyword_argument node
}

// ecaParseExport returns the export call at call, or false when call is not one or passes
// its arguments through splats.
func ecaParseExport(f *analysis.File, call analysis.NodeID) (ecaCall, bool) {
	t := f.Tree
	q := condResolveImported(f, t.Field(call, syntax.FieldFunction), "export")
	if !ecaExportNames[q] && !ecaLegacyNames[q] {
		return ecaCall{}, false
	}
	args, ok := f.BindArgs(call, "mod|f", "args", "kwargs") // the rest are keyword-only
	if !ok {
		return ecaCall{}, false
	}
	ec := ecaCall{call: call, fn: f.Owner(call), legacy: ecaLegacyNames[q], model: args[0], args: args[1],
		kwargs: args[2], dyn: f.KwArg(call, "dynamic_shapes"), constraints: analysis.NoNode}
	if c := f.KwArg(call, "constraints"); c != analysis.NoNode {
		ec.constraints = t.Parent(c) // the whole keyword argument: fixes replace it
	}
	return ec, true
}

func runExportCallArguments(pass *analysis.Pass) {
	f, t := pass.File, pass.Tree
	env := &ecaEnv{f: f}
	for _, call := range f.Nodes(syntax.KindCall) {
		if ec, ok := ecaParseExport(f, call); ok && !ec.legacy {
			fwd := ecaForward(env, ec.fn, ec.model)
			ecaCheckArgs(pass, env, &ec, fwd)
			ecaCheckKeys(pass, env, &ec, fwd)
			continue
		}
		callee := t.Field(call, syntax.FieldFunction)
		last := ecaLastNode(t, callee)
		if last == analysis.NoNode || (!t.TextIs(last, "Dim") && !t.TextIs(last, "dims")) {
			continue
		}
		switch q := condResolveImported(f, callee, t.String(last)); {
		case ecaDimNames[q]:
			ecaCheckDim(pass, call, false)
		case ecaDimsNames[q]:
			ecaCheckDim(pass, call, true)
		}
	}
}

// ecaLastNode returns the identifier naming a callee's last part (the attribute, or the
// identifier itself), or NoNode.
func ecaLastNode(t *syntax.Tree, callee analysis.NodeID) analysis.NodeID {
	callee = t.Unparen(callee)
	switch {
	case callee == analysis.NoNode:
	case t.Kind(callee) == syntax.KindAttribute:
		return t.Field(callee, syntax.FieldAttribute)
	case t.Kind(callee) == syntax.KindIdentifier:
		return callee
	}
	return analysis.NoNode
}

// ecaLastName returns the last name of a callee (the attribute, or the identifier).
func ecaLastName(t *syntax.Tree, callee analysis.NodeID) string {
	if n := ecaLastNode(t, callee); n != analysis.NoNode {
		return t.String(n)
	}
	return ""
}

// ecaArgsKind classifies an example-args expression.
type ecaArgsKind int

const (
	ecaUnknown ecaArgsKind = iota
	ecaTuple
	ecaList     // a list literal
	ecaListComp // a list comprehension
	ecaSingle   // one value that is not a tuple: a tensor, a literal, a dict
)

// ecaClassifyArgs says what an args expression is, following a name through its single
// assignment. For ecaList and ecaListComp it also returns the literal.
func ecaClassifyArgs(env *ecaEnv, fn *analysis.Function, e analysis.NodeID, depth int) (ecaArgsKind, analysis.NodeID) {
	f, t := env.f, env.f.Tree
	e = t.Unparen(e)
	if e == analysis.NoNode || depth > 4 {
		return ecaUnknown, analysis.NoNode
	}
	switch t.Kind(e) {
	case syntax.KindTuple:
		return ecaTuple, e
	case syntax.KindList:
		return ecaList, e
	case syntax.KindListComprehension:
		return ecaListComp, e
	case syntax.KindDictionary, syntax.KindInteger, syntax.KindFloat, syntax.KindString, syntax.KindConcatenatedString, syntax.KindTrue, syntax.KindFalse:
		return ecaSingle, e
	case syntax.KindIdentifier:
		if v := ecaBinding(env, fn, string(t.Text(e)), t.Start(e)); v != analysis.NoNode {
			k, lit := ecaClassifyArgs(env, fn, v, depth+1)
			return k, lit
		}
	case syntax.KindCall:
		if ecaTensorExpr(env, fn, e, depth) {
			return ecaSingle, e
		}
		if n := f.CallName(e); n == "tuple" && f.Imports["tuple"] == "" {
			return ecaTuple, e
		}
	}
	return ecaUnknown, analysis.NoNode
}

// ecaTensorCtors are torch functions that return one new tensor.
var ecaTensorCtors = map[string]bool{
	"randn": true, "rand": true, "randint": true, "randperm": true, "zeros": true, "ones": true, "empty": true,
	"full": true, "arange": true, "linspace": true, "logspace": true, "eye": true, "tensor": true, "as_tensor": true,
	"from_numpy": true, "zeros_like": true, "ones_like": true, "empty_like": true, "full_like": true,
	"randn_like": true, "rand_like": true, "randint_like": true, "cat": true, "stack": true, "normal": true,
}

// ecaTensorMethods return one tensor when called on a tensor.
var ecaTensorMethods = map[string]bool{
	"to": true, "cuda": true, "cpu": true, "float": true, "half": true, "double": true, "long": true, "int": true,
	"bfloat16": true, "unsqueeze": true, "view": true, "reshape": true, "contiguous": true, "clone": true,
	"detach": true, "squeeze": true, "permute": true, "transpose": true, "expand": true, "repeat": true,
	"flatten": true, "requires_grad_": true,
}

// ecaTensorExpr reports whether e certainly evaluates to one tensor: a torch constructor, a
// tensor method on such a value, or a name bound once to one of these.
func ecaTensorExpr(env *ecaEnv, fn *analysis.Function, e analysis.NodeID, depth int) bool {
	f, t := env.f, env.f.Tree
	e = t.Unparen(e)
	if e == analysis.NoNode || depth > 4 {
		return false
	}
	switch t.Kind(e) {
	case syntax.KindIdentifier:
		v := ecaBinding(env, fn, string(t.Text(e)), t.Start(e))
		return v != analysis.NoNode && ecaTensorExpr(env, fn, v, depth+1)
	case syntax.KindCall:
		callee := t.Unparen(t.Field(e, syntax.FieldFunction))
		if callee == analysis.NoNode {
			return false
		}
		if f.IsImported(callee) {
			q := f.Resolve(callee)
			return strings.HasPrefix(q, "torch.") && strings.Count(q, ".") == 1 && ecaTensorCtors[q[len("torch."):]]
		}
		if last := ecaLastNode(t, callee); t.Kind(callee) == syntax.KindAttribute && last != analysis.NoNode && ecaTensorMethods[string(t.Text(last))] {
			return ecaTensorExpr(env, fn, t.Field(callee, syntax.FieldObject), depth+1)
		}
	}
	return false
}

// ecaEnv is what the export-call helpers share within one Run.
type ecaEnv struct {
	f *analysis.File
}

// ecaBinding returns the value of the one assignment `name = value` that binds name before
// offset at, in the scope a use inside fn refers to; NoNode when the name is a parameter,
// bound more than once, or bound some other way.
func ecaBinding(env *ecaEnv, fn *analysis.Function, name string, at int) analysis.NodeID {
	t := env.f.Tree
	id, _ := env.f.OnlyBinding(fn, name)
	v := pysem.AssignedValue(t, id)
	if v == analysis.NoNode || t.End(t.Parent(id)) > at {
		return analysis.NoNode
	}
	return v
}

// ecaSelfReturning are nn.Module methods that return the module itself.
var ecaSelfReturning = map[string]bool{
	"eval": true, "train": true, "to": true, "cuda": true, "cpu": true, "float": true, "half": true,
	"double": true, "bfloat16": true, "requires_grad_": true, "to_empty": true,
}

// ecaModelClass returns the nn.Module class of this file that a model expression
// instantiates: Model(...), Model(...).eval(), or a name bound once to one of these.
func ecaModelClass(env *ecaEnv, fn *analysis.Function, e analysis.NodeID, depth int) *analysis.Class {
	f, t := env.f, env.f.Tree
	e = t.Unparen(e)
	if e == analysis.NoNode || depth > 4 {
		return nil
	}
	switch t.Kind(e) {
	case syntax.KindIdentifier:
		if v := ecaBinding(env, fn, string(t.Text(e)), t.Start(e)); v != analysis.NoNode {
			return ecaModelClass(env, fn, v, depth+1)
		}
	case syntax.KindCall:
		callee := t.Unparen(t.Field(e, syntax.FieldFunction))
		switch {
		case callee == analysis.NoNode:
		case t.Kind(callee) == syntax.KindIdentifier:
			if _, imported := f.Imports[string(t.Text(callee))]; imported {
				return nil
			}
			if c := f.ClassNamed(string(t.Text(callee))); c != nil && f.IsModule(c) {
				return c
			}
		case t.Kind(callee) == syntax.KindAttribute && ecaLastNode(t, callee) != analysis.NoNode && ecaSelfReturning[string(t.Text(ecaLastNode(t, callee)))]:
			return ecaModelClass(env, fn, t.Field(callee, syntax.FieldObject), depth+1)
		}
	}
	return nil
}

// ecaForward returns the forward of the model an export call exports, when its class and
// forward are defined in this file and forward's signature is plain (no decorator).
func ecaForward(env *ecaEnv, fn *analysis.Function, model analysis.NodeID) *analysis.Function {
	f := env.f
	c := ecaModelClass(env, fn, model, 0)
	if c == nil {
		return nil
	}
	fwd := f.Method(c, "forward")
	if fwd == nil || len(fwd.Decorators) > 0 || fwd.StaticMethod || fwd.ClassMethod || len(fwd.Params) == 0 {
		return nil
	}
	return fwd
}

// ecaInputs returns forward's parameter names after self, and whether it has *args or
// **kwargs.
func ecaInputs(fwd *analysis.Function) (names []string, positional int, required int, variadic bool) {
	for _, p := range fwd.Params[1:] {
		switch p.Kind {
		case analysis.VarPositional, analysis.VarKeyword:
			variadic = true
		case analysis.Positional:
			positional++
			if p.Default == analysis.NoNode {
				required++
			}
			names = append(names, p.Name)
		default:
			names = append(names, p.Name)
		}
	}
	return names, positional, required, variadic
}

func ecaCheckArgs(pass *analysis.Pass, env *ecaEnv, ec *ecaCall, fwd *analysis.Function) {
	t := pass.Tree
	if ec.args == analysis.NoNode {
		return
	}
	kind, lit := ecaClassifyArgs(env, ec.fn, ec.args, 0)
	inner := t.Unparen(ec.args)
	snippet := fix.Snippet(t, ec.args)
	var fd *analysis.Finding
	switch kind {
	case ecaSingle:
		fd = pass.Reportf(ec.args, analysis.Fails, "example args %s is not a tuple: torch.export.export takes the positional inputs as a tuple, (x,) for one input", snippet)
		if t.Kind(lit) != syntax.KindDictionary { // a dict may be meant as kwargs: no guess
			fd.Fixes = append(fd.Fixes, analysis.Fix{Title: "wrap the example input in a one-element tuple", Safety: analysis.Safe,
				Edits: []analysis.Edit{{Start: t.Start(ec.args), End: t.End(ec.args), NewText: "(" + t.String(inner) + ",)"}}})
		}
	case ecaList, ecaListComp:
		what := "a list"
		if inner != lit {
			what = "bound to a list"
		}
		fd = pass.Reportf(ec.args, analysis.Fails, "example args %s is %s, not a tuple: torch.export.export takes the positional inputs as a tuple", snippet, what)
		if fx, ok := ecaListFix(env, ec, fwd, kind, lit); ok {
			fd.Fixes = append(fd.Fixes, fx...)
		}
	}
}

// ecaListFix offers the fixes of a list given as example args: a tuple of its elements, or
// the list wrapped as the one input of a single-input forward.
func ecaListFix(env *ecaEnv, ec *ecaCall, fwd *analysis.Function, kind ecaArgsKind, lit analysis.NodeID) ([]analysis.Fix, bool) {
	f, t := env.f, env.f.Tree
	inner := t.Unparen(ec.args)
	n := -1 // elements, when known
	if kind == ecaList {
		n = len(t.NamedChildren(lit, nil))
		for _, c := range t.NamedChildren(lit, nil) {
			if t.Kind(c) == syntax.KindListSplat {
				n = -1
			}
		}
	}
	asTuple := ""
	switch {
	case inner == lit && kind == ecaList:
		body := strings.TrimSpace(string(f.Src[t.Start(lit)+1 : t.End(lit)-1]))
		if n == 1 && !strings.HasSuffix(body, ",") {
			body += ","
		}
		asTuple = "(" + body + ")"
	case inner == lit:
		asTuple = "tuple(" + string(f.Src[t.Start(lit)+1:t.End(lit)-1]) + ")"
	default:
		asTuple = "tuple(" + t.String(inner) + ")"
	}
	tupleFix := analysis.Fix{Title: "pass the example args as a tuple", Safety: analysis.Unsafe,
		Edits: []analysis.Edit{{Start: t.Start(ec.args), End: t.End(ec.args), NewText: asTuple}}}
	if fwd == nil {
		tupleFix.Title += " (each element becomes one positional input)"
		return []analysis.Fix{tupleFix}, true
	}
	_, positional, required, variadic := ecaInputs(fwd)
	switch {
	case variadic || (n >= 0 && n >= required && n <= positional):
		tupleFix.Safety = analysis.Safe
		return []analysis.Fix{tupleFix}, true
	case positional == 1 && n != 1:
		return []analysis.Fix{{Title: "pass the list as the single example input", Safety: analysis.Safe,
			Edits: []analysis.Edit{{Start: t.Start(ec.args), End: t.End(ec.args), NewText: "(" + t.String(inner) + ",)"}}}}, true
	}
	tupleFix.Title += " (each element becomes one positional input)"
	return []analysis.Fix{tupleFix}, true
}

func ecaCheckKeys(pass *analysis.Pass, env *ecaEnv, ec *ecaCall, fwd *analysis.Function) {
	t := pass.Tree
	if fwd == nil || ec.dyn == analysis.NoNode {
		return
	}
	names, _, _, variadic := ecaInputs(fwd)
	if variadic {
		return
	}
	d := ecaLiteral(env, ec.fn, ec.dyn, syntax.KindDictionary)
	if d == analysis.NoNode {
		return
	}
	known := map[string]bool{}
	for _, n := range names {
		known[n] = true
	}
	type key struct {
		node analysis.NodeID
		name string
	}
	var keys, unknown []key
	have := map[string]bool{}
	t.Children(d, func(p analysis.NodeID) bool {
		if t.Kind(p) != syntax.KindPair {
			return true
		}
		k := t.Field(p, syntax.FieldKey)
		if s, ok := ecaString(t, k); ok {
			keys = append(keys, key{k, s})
			have[s] = true
			if !known[s] {
				unknown = append(unknown, key{k, s})
			}
		}
		return true
	})
	// the parameters the example inputs bind, when args and kwargs are literals
	expected := names
	if args := ecaLiteral(env, ec.fn, ec.args, syntax.KindTuple); args != analysis.NoNode {
		n := len(t.NamedChildren(args, nil))
		bound := map[string]bool{}
		if n <= len(names) {
			for _, p := range names[:n] {
				bound[p] = true
			}
		}
		kwOK := true
		if ec.kwargs != analysis.NoNode {
			kw := ecaLiteral(env, ec.fn, ec.kwargs, syntax.KindDictionary)
			kwOK = kw != analysis.NoNode
			if kwOK {
				t.Children(kw, func(p analysis.NodeID) bool {
					if t.Kind(p) == syntax.KindPair {
						if s, ok := ecaString(t, t.Field(p, syntax.FieldKey)); ok {
							bound[s] = true
						} else {
							kwOK = false
						}
					} else if t.IsNamed(p) && !t.IsComment(p) {
						kwOK = false
					}
					return kwOK
				})
			}
		}
		if kwOK && n <= len(names) {
			expected = nil
			for _, p := range names {
				if bound[p] {
					expected = append(expected, p)
				}
			}
		}
	}
	var missing []string
	for _, n := range expected {
		if !have[n] {
			missing = append(missing, n)
		}
	}
	who := fwd.QualName()
	for _, k := range unknown {
		fd := pass.Reportf(k.node, analysis.Fails, "dynamic_shapes key %q is not a parameter of %s (%s): a dict of dynamic shapes is keyed by forward's parameter names",
			k.name, who, strings.Join(names, ", "))
		switch {
		case len(expected) == 1 && len(keys) == 1:
			fd.Fixes = append(fd.Fixes, analysis.Fix{Title: "rename the key to " + strconv.Quote(expected[0]), Safety: analysis.Safe,
				Edits: []analysis.Edit{{Start: t.Start(k.node), End: t.End(k.node), NewText: fix.QuoteLike(t, k.node, expected[0])}}})
		case len(unknown) == 1 && len(missing) == 1:
			fd.Fixes = append(fd.Fixes, analysis.Fix{Title: "rename the key to " + strconv.Quote(missing[0]) + " (the only input without an entry)", Safety: analysis.Unsafe,
				Edits: []analysis.Edit{{Start: t.Start(k.node), End: t.End(k.node), NewText: fix.QuoteLike(t, k.node, missing[0])}}})
		}
	}
}

// ecaLiteral returns e, or the value of the single assignment binding the name e, when it
// is a literal of kind k.
func ecaLiteral(env *ecaEnv, fn *analysis.Function, e analysis.NodeID, k syntax.Kind) analysis.NodeID {
	t := env.f.Tree
	e = t.Unparen(e)
	if e != analysis.NoNode && t.Kind(e) == syntax.KindIdentifier {
		e = t.Unparen(ecaBinding(env, fn, string(t.Text(e)), t.Start(e)))
	}
	if e == analysis.NoNode || t.Kind(e) != k {
		return analysis.NoNode
	}
	return e
}

// ecaString returns the value of a plain string literal: no prefix, no escapes, no
// interpolation, not triple-quoted.
func ecaString(t *syntax.Tree, n analysis.NodeID) (string, bool) {
	n = t.Unparen(n)
	if n == analysis.NoNode || t.Kind(n) != syntax.KindString {
		return "", false
	}
	s := t.String(n)
	if len(s) < 2 || (s[0] != '"' && s[0] != '\'') || s[len(s)-1] != s[0] || strings.HasPrefix(s, `"""`) || strings.HasPrefix(s, `'''`) {
		return "", false
	}
	v := s[1 : len(s)-1]
	if strings.ContainsAny(v, "\\\n") || strings.ContainsRune(v, rune(s[0])) {
		return "", false
	}
	return v, true
}

// ecaIdentifier reports whether s is a valid Python identifier (letters, digits and
// underscores, not starting with a digit; keywords are identifiers to str.isidentifier).
func ecaIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r != '_' && !unicode.IsLetter(r) && (i == 0 || !unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

// ecaSanitize turns s into an identifier: every other character becomes "_", and a
// leading digit gets a "_" before it.
func ecaSanitize(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '_' || unicode.IsLetter(r):
			b.WriteRune(r)
		case unicode.IsDigit(r):
			if i == 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

// ecaInt returns the value of an integer literal, possibly negated.
func ecaInt(t *syntax.Tree, n analysis.NodeID) (int64, bool) {
	n = t.Unparen(n)
	if n == analysis.NoNode {
		return 0, false
	}
	neg := false
	if t.Kind(n) == syntax.KindUnaryOperator && t.Operator(n) == "-" {
		neg = true
		n = t.Unparen(t.Field(n, syntax.FieldArgument))
	}
	if n == analysis.NoNode || t.Kind(n) != syntax.KindInteger {
		return 0, false
	}
	v, err := strconv.ParseInt(t.String(n), 0, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// ecaCheckDim checks the names and bounds of a Dim(name, min=, max=) or dims(*names, min=,
// max=) call.
func ecaCheckDim(pass *analysis.Pass, call analysis.NodeID, many bool) {
	f, t := pass.File, pass.Tree
	pos, kws := f.Args(call)
	var names []analysis.NodeID
	lo, hi := analysis.NoNode, analysis.NoNode
	for i, a := range pos {
		if k := t.Kind(a); k == syntax.KindListSplat || k == syntax.KindDictionarySplat {
			return
		}
		if many || i == 0 {
			names = append(names, a)
		}
	}
	for _, k := range kws {
		v := t.Field(k, syntax.FieldValue)
		switch n := t.Field(k, syntax.FieldName); {
		case n == analysis.NoNode:
		case t.TextIs(n, "name") && !many:
			names = append(names, v)
		case t.TextIs(n, "min"):
			lo = v
		case t.TextIs(n, "max"):
			hi = v
		}
	}
	label := "Dim"
	for _, n := range names {
		s, ok := ecaString(t, n)
		if !ok {
			continue
		}
		if label == "Dim" {
			label = "Dim " + strconv.Quote(s)
		}
		if ecaIdentifier(s) {
			continue
		}
		fd := pass.Reportf(n, analysis.Fails, "Dim name %q is not a valid Python identifier: torch.export.Dim rejects it", s)
		fd.Fixes = append(fd.Fixes, analysis.Fix{Title: "rename the Dim to " + strconv.Quote(ecaSanitize(s)), Safety: analysis.Safe,
			Edits: []analysis.Edit{{Start: t.Start(n), End: t.End(n), NewText: fix.QuoteLike(t, n, ecaSanitize(s))}}})
	}
	if hi == analysis.NoNode {
		return
	}
	max, ok := ecaInt(t, hi)
	if !ok {
		return
	}
	if lo == analysis.NoNode {
		if max <= 0 {
			pass.Reportf(hi, analysis.Fails, "%s has max=%d: max must be greater than min, which defaults to 0", label, max)
		}
		return
	}
	min, ok := ecaInt(t, lo)
	switch {
	case !ok:
	case max < min:
		pass.Reportf(call, analysis.Fails, "%s has min=%d greater than max=%d: torch.export.Dim requires max > min", label, min, max)
	case max == min:
		pass.Reportf(call, analysis.Fails, "%s has min=%d equal to max=%d: torch.export.Dim requires max > min; a dimension of one size is static, give it None", label, min, max)
	}
}
