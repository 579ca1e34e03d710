package rules

import (
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// CustomOpWithoutFake finds custom operators defined in the file without a fake (meta)
// implementation and called from code torch.export traces.
var CustomOpWithoutFake = &analysis.Rule{
	Name: "custom_op_without_fake",
	Doc: `## What it does
Finds calls, in code torch.export traces, of a custom operator the same file defines without a
fake implementation:
- ` + "`@torch.library.custom_op(\"mylib::op\", mutates_args=...)`" + ` (or ` + "`torch._custom_ops.custom_op`" + `),
  called by its Python name or as ` + "`torch.ops.mylib.op`" + `, with no ` + "`@op.register_fake`" + `,
  ` + "`torch.library.register_fake(\"mylib::op\")`" + ` or the older ` + "`impl_abstract`" + `;
- an operator declared with ` + "`torch.library.Library(\"mylib\", \"DEF\").define(...)`" + ` or
  ` + "`torch.library.define(\"mylib::op\", ...)`" + `, called as ` + "`torch.ops.mylib.op`" + `, with neither a fake
  registration nor a ` + "`Meta`" + ` or ` + "`CompositeImplicitAutograd`" + `/` + "`CompositeExplicitAutograd`" + ` kernel.

The call is reported, with the operator's definition as a related location. Not reported:
operators defined in other files (their definition is not visible yet), ` + "`torch.library.triton_op`" + `,
and ` + "`custom_op`" + `s that mutate their arguments and return ` + "`None`" + `, for which torch generates a
trivial fake itself.

## Why is this bad
Export runs every operator on fake tensors, which carry shapes, dtypes and devices but no data,
to work out the shapes of the graph. A custom operator's real kernel cannot run on them: each
operator needs a fake (meta) implementation that computes its output's metadata. Without one,
export fails with ` + "`There was no fake impl registered for <CustomOpDef(mylib::op)>`" + ` (a
` + "`custom_op`" + `) or cannot run the operator on fake tensors (a ` + "`Library`" + ` definition).

## Example
` + "```python" + `
@torch.library.custom_op("mylib::sin", mutates_args=())
def sin(x: Tensor) -> Tensor:
    return torch.from_numpy(np.sin(x.numpy()))

class M(torch.nn.Module):
    def forward(self, x):
        return sin(x)
` + "```" + `

## Use instead
` + "```python" + `
@sin.register_fake
def _(x: Tensor) -> Tensor:
    return torch.empty_like(x)
` + "```" + `
A fake whose output shape depends on data creates it with
` + "`torch.library.get_ctx().new_dynamic_size()`" + `.

## Fix safety
For a ` + "`custom_op`" + ` whose first parameter and result are annotated as tensors, the fix adds a
fake that returns ` + "`torch.empty_like`" + ` of the first argument, after the definition. It is unsafe:
it assumes the output has the first input's shape, dtype and device, which the fix cannot
check. It is offered for torch 2.4 and later targets; for older ones the message names
` + "`torch.library.impl_abstract`" + `, the older name of ` + "`register_fake`" + `.

## References
- [torch.export: missing fake/meta kernels for operators](https://pytorch.org/docs/main/export.html#missing-fake-meta-kernels-for-operators)
- [torch.export programming model: custom operators](https://pytorch.org/docs/main/export.programming_model.html#custom-operators)
- [torch.library: custom_op, register_fake](https://pytorch.org/docs/main/library.html)
`,
	Local: true,
	Run:   runCustomOpWithoutFake,
}

// cofDefiners are the functions that make a custom operator from a Python function.
var cofDefiners = map[string]bool{
	"torch.library.custom_op": true, "torch._library.custom_ops.custom_op": true, "torch._custom_ops.custom_op": true,
}

// cofFakeRegistrars register a fake implementation for an operator named by their first
// argument (a "ns::op" string or the operator object).
var cofFakeRegistrars = map[string]bool{
	"torch.library.register_fake": true, "torch.library.impl_abstract": true, "torch._custom_ops.impl_abstract": true,
	"torch.library._register_fake": true,
}

// cofDefinerNames and cofRegistrarNames are the last names of the calls that define an
// operator and register a kernel or fake for one: the byte test every call goes through.
var (
	cofDefinerNames   = map[string]bool{"custom_op": true, "Library": true, "define": true}
	cofRegistrarNames = map[string]bool{"register_fake": true, "impl_abstract": true, "_register_fake": true, "impl": true}
)

// cofFakeKeys are dispatch keys whose kernel also serves fake tensors.
var cofFakeKeys = map[string]bool{"meta": true, "compositeimplicitautograd": true, "compositeexplicitautograd": true}

// cofOp is one custom operator the file defines.
type cofOp struct {
	qual   string             // "mylib::sin"
	py     string             // the Python name of a custom_op ("sin"), or ""
	fn     *analysis.Function // the decorated function of a custom_op, or nil
	def    analysis.NodeID    // where it is defined (the decorator or the define call)
	faked  bool
	opaque bool // mutates its arguments and returns None: torch makes a trivial fake
}

func runCustomOpWithoutFake(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	var ops []*cofOp
	libs := map[string]string{} // local name of a torch.library.Library -> its namespace
	for _, call := range pass.CallsNamed("custom_op", "Library", "define") {
		callee := t.Unparen(t.Field(call, syntax.FieldFunction))
		if !cofDefinerNames[string(esLast(t, callee))] {
			continue
		}
		last := esLastName(t, callee)
		q := esImported(f, callee)
		pos, _ := f.Args(call)
		switch {
		case cofDefiners[q]:
			name, ok := esString(t, esArg(f, call, 0, "name"))
			if !ok || !strings.Contains(name, "::") {
				continue
			}
			op := &cofOp{qual: name, def: call}
			if p := t.Parent(call); t.Kind(p) == syntax.KindDecorator {
				if fn := f.FuncAt(cofDecorated(t, p)); fn != nil {
					op.fn, op.py = fn, fn.Name
					op.opaque = cofMutatesAndReturnsNone(f, call, fn)
				}
			} else if a := t.Parent(call); t.Kind(a) == syntax.KindAssignment && t.FieldOf(call) == syntax.FieldRight {
				if l := t.Field(a, syntax.FieldLeft); t.Kind(l) == syntax.KindIdentifier {
					op.py = t.String(l)
				}
			}
			ops = append(ops, op)
		case q == "torch.library.Library":
			a := t.Parent(call)
			ns, ok := esString(t, esArg(f, call, 0, "ns"))
			if l := t.Field(a, syntax.FieldLeft); ok && t.Kind(a) == syntax.KindAssignment && t.Kind(l) == syntax.KindIdentifier {
				libs[t.String(l)] = ns
			}
		case q == "torch.library.define":
			if name, ok := esString(t, esArg(f, call, 0, "qualname")); ok && strings.Contains(name, "::") {
				ops = append(ops, &cofOp{qual: name, def: call})
			}
		case last == "define" && t.Kind(callee) == syntax.KindAttribute && len(pos) > 0:
			obj := t.Field(callee, syntax.FieldObject)
			if ns, ok := libs[t.String(obj)]; ok && t.Kind(obj) == syntax.KindIdentifier {
				if schema, ok := esString(t, pos[0]); ok {
					name, _, _ := strings.Cut(schema, "(")
					name, _, _ = strings.Cut(strings.TrimSpace(name), ".")
					ops = append(ops, &cofOp{qual: ns + "::" + name, def: call})
				}
			}
		}
	}
	cofMarkFakes(f, pass.CallsNamed("register_fake", "impl_abstract", "_register_fake", "impl"), ops, libs)
	// the operators are read from the whole file: the findings kept per unit hold while
	// what every place that reports reads of them is the same
	pass.KeepWhile(cofFingerprint(f, ops))
	if len(ops) == 0 {
		return
	}
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		callee := t.Unparen(t.Field(call, syntax.FieldFunction))
		op, how := cofUse(f, fn, callee, ops)
		if op == nil || op.faked || op.opaque {
			return
		}
		register := "@torch.library.register_fake(\"" + op.qual + "\")"
		switch {
		case pass.TargetBefore(2, 4):
			register = "@torch.library.impl_abstract(\"" + op.qual + "\")" // register_fake is 2.4's name
		case op.py != "":
			register = "@" + op.py + ".register_fake"
		}
		fd := pass.Reportf(call, analysis.Fails, "custom op %s (called as %s) has no fake implementation: export runs every operator on fake tensors and fails on it; register one with %s",
			op.qual, how, register)
		fd.Related = append(fd.Related, analysis.Related{Start: t.Start(op.def), End: t.End(op.def), Message: op.qual + " is defined here, without a fake"})
		if fx, ok := cofFakeFix(f, op); ok && !pass.TargetBefore(2, 4) {
			fd.Fixes = append(fd.Fixes, fx)
		}
	})
}

// cofFingerprint hashes what a report reads of the operators: their names, whether they
// are faked or opaque, and the text of the function a custom_op decorates (the fix's
// signature, the callee a call must resolve to). Where they are defined is a related place
// the engine keeps with its unit.
func cofFingerprint(f *analysis.File, ops []*cofOp) uint64 {
	h := fnv.New64a()
	for _, op := range ops {
		fmt.Fprintf(h, "%s\x00%s\x00%t%t\x00", op.qual, op.py, op.faked, op.opaque)
		if op.fn != nil {
			h.Write(f.Tree.Text(op.fn.Node))
		}
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// cofDecorated returns the function_definition a decorator decorates, or NoNode.
func cofDecorated(t *syntax.Tree, dec analysis.NodeID) analysis.NodeID {
	if dd := t.Parent(dec); t.Kind(dd) == syntax.KindDecoratedDefinition {
		if def := t.Field(dd, syntax.FieldDefinition); t.Kind(def) == syntax.KindFunctionDefinition {
			return def
		}
	}
	return analysis.NoNode
}

// cofMutatesAndReturnsNone reports whether a custom_op declares mutated arguments (not an
// empty tuple) and a None result.
func cofMutatesAndReturnsNone(f *analysis.File, call analysis.NodeID, fn *analysis.Function) bool {
	t := f.Tree
	ret := t.Field(fn.Node, syntax.FieldReturnType)
	if ret == analysis.NoNode || !t.TextIs(ret, "None") {
		return false
	}
	m := t.Unparen(f.KwArg(call, "mutates_args"))
	switch t.Kind(m) {
	case syntax.KindTuple, syntax.KindList, syntax.KindSet:
		return t.NamedChildCount(m) > 0
	case syntax.KindString, syntax.KindIdentifier, syntax.KindAttribute, syntax.KindCall:
		return true // "unknown", a variable
	}
	return false
}

// cofMarkFakes marks the operators that have a fake implementation or a kernel that serves
// fake tensors anywhere in the file.
func cofMarkFakes(f *analysis.File, calls []analysis.NodeID, ops []*cofOp, libs map[string]string) {
	t := f.Tree
	byQual := func(q string) {
		q, _, _ = strings.Cut(q, ".") // "mylib::op.out" -> the op
		for _, op := range ops {
			if op.qual == q {
				op.faked = true
			}
		}
	}
	byPy := func(name string) {
		for _, op := range ops {
			if op.py != "" && op.py == name {
				op.faked = true
			}
		}
	}
	fakeKey := func(call analysis.NodeID) bool {
		found := false
		args := t.Field(call, syntax.FieldArguments)
		for id, end := args, t.SubtreeEnd(args); args != analysis.NoNode && id < end; id++ {
			if s, ok := esString(t, id); ok && cofFakeKeys[strings.ToLower(s)] {
				found = true
			}
		}
		return found
	}
	for _, call := range calls {
		callee := t.Unparen(t.Field(call, syntax.FieldFunction))
		if !cofRegistrarNames[string(esLast(t, callee))] {
			continue
		}
		last := esLastName(t, callee)
		q := esImported(f, callee)
		first := esArg(f, call, 0, "op")
		if first == analysis.NoNode {
			first = esArg(f, call, 0, "qualname")
		}
		switch {
		case cofFakeRegistrars[q]:
			if s, ok := esString(t, first); ok {
				byQual(s)
			} else if t.Kind(t.Unparen(first)) == syntax.KindIdentifier {
				byPy(t.String(t.Unparen(first)))
			}
		case q == "torch.library.impl":
			if s, ok := esString(t, first); ok && fakeKey(call) {
				byQual(s) // torch.library.impl("mylib::op", "Meta")
			} else if ns, ok := libs[t.String(t.Unparen(first))]; ok && fakeKey(call) {
				if s, ok := esString(t, esArg(f, call, 1, "name")); ok {
					byQual(ns + "::" + s) // the older torch.library.impl(lib, "op", "Meta")
				}
			}
		case q == "" && t.Kind(callee) == syntax.KindAttribute:
			obj := t.Unparen(t.Field(callee, syntax.FieldObject))
			if t.Kind(obj) != syntax.KindIdentifier {
				continue
			}
			if ns, ok := libs[t.String(obj)]; ok && (last == "_register_fake" || last == "impl" && fakeKey(call)) {
				if s, ok := esString(t, first); ok {
					byQual(ns + "::" + s)
				}
			} else if last == "register_fake" || last == "impl_abstract" {
				byPy(t.String(obj)) // @sin.register_fake(...) or sin.register_fake(fn)
			}
		}
	}
	// @sin.register_fake without a call
	for _, d := range f.Nodes(syntax.KindDecorator) {
		e := t.Unparen(t.NamedChild(d, 0))
		if t.Kind(e) != syntax.KindAttribute {
			continue
		}
		if last := esLastName(t, e); last == "register_fake" || last == "impl_abstract" {
			if obj := t.Unparen(t.Field(e, syntax.FieldObject)); t.Kind(obj) == syntax.KindIdentifier {
				byPy(t.String(obj))
			}
		}
	}
}

// cofUse returns the operator a traced call's callee names and how it is called: the
// custom_op's Python name, or torch.ops.<ns>.<op>[.<overload>].
func cofUse(f *analysis.File, fn *analysis.Function, callee analysis.NodeID, ops []*cofOp) (*cofOp, string) {
	t := f.Tree
	switch t.Kind(callee) {
	case syntax.KindIdentifier:
		for _, op := range ops {
			if op.py == "" || op.py != t.String(callee) {
				continue
			}
			name := op.py
			if cofLocal(f, fn, name) || op.fn != nil && f.CalleeFunc(fn, callee) != op.fn {
				continue // a local of the same name
			}
			return op, name
		}
	case syntax.KindAttribute:
		q := esImported(f, callee)
		rest, ok := strings.CutPrefix(q, "torch.ops.")
		if !ok {
			return nil, ""
		}
		parts := strings.Split(rest, ".")
		if len(parts) < 2 || len(parts) > 3 {
			return nil, ""
		}
		for _, op := range ops {
			if op.qual == parts[0]+"::"+parts[1] {
				return op, fix.Short(t, callee)
			}
		}
	}
	return nil, ""
}

// cofLocal reports whether name is a parameter of fn or of a function enclosing it, or
// assigned in one of them.
func cofLocal(f *analysis.File, fn *analysis.Function, name string) bool {
	for s := fn; s != nil; s = s.Parent {
		if s.Param(name) != nil || len(esAssignments(f, s, name)) > 0 {
			return true
		}
	}
	return false
}

// cofFakeFix adds, after a module-level custom_op whose first parameter and result are
// annotated as tensors, a fake returning torch.empty_like of the first argument.
func cofFakeFix(f *analysis.File, op *cofOp) (analysis.Fix, bool) {
	t := f.Tree
	if op.fn == nil || op.fn.Parent != nil || op.fn.Class != nil || len(op.fn.Params) == 0 {
		return analysis.Fix{}, false
	}
	first := op.fn.Params[0]
	ret := t.Field(op.fn.Node, syntax.FieldReturnType)
	params := t.Field(op.fn.Node, syntax.FieldParameters)
	if first.Kind != analysis.Positional || first.Type == analysis.NoNode || !cofTensorType(t, first.Type) || ret == analysis.NoNode || !cofTensorType(t, ret) ||
		strings.Contains(t.String(params), "\n") {
		return analysis.Fix{}, false
	}
	def := t.Parent(op.fn.Node) // the decorated_definition
	if t.Kind(def) != syntax.KindDecoratedDefinition || t.Parent(def) != t.Root() {
		return analysis.Fix{}, false
	}
	torch, imp := fix.NewImporter(f).Torch()
	line := f.Line(t.End(def))
	at := f.LineStart(line + 1)
	text := "\n\n@" + op.py + ".register_fake\ndef _" + t.String(params) + " -> " + t.String(ret) + ":\n    return " + torch + ".empty_like(" + first.Name + ")\n"
	if at == len(f.Src) && (len(f.Src) == 0 || f.Src[len(f.Src)-1] != '\n') {
		text = "\n" + text
	}
	fx := analysis.Fix{
		Title:  "register a fake for " + op.qual + " returning " + torch + ".empty_like(" + first.Name + ") (assumes the output has " + first.Name + "'s shape, dtype and device)",
		Safety: analysis.Unsafe,
		Edits:  []analysis.Edit{{Start: at, End: at, NewText: text}},
	}
	if imp != nil {
		fx.Edits = append([]analysis.Edit{*imp}, fx.Edits...)
	}
	return fx, true
}

// cofTensorType reports whether an annotation is Tensor or torch.Tensor (under any alias).
func cofTensorType(t *syntax.Tree, ty analysis.NodeID) bool {
	s := strings.TrimSpace(t.String(ty))
	return s == "Tensor" || strings.HasSuffix(s, ".Tensor")
}
