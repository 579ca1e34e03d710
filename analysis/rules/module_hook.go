package rules

import (
	"hash/fnv"
	"maps"
	"slices"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// ModuleHook finds forward and backward hooks registered on modules that are exported.
var ModuleHook = &analysis.Rule{
	Name: "module_hook",
	Doc: `## What it does
Finds hooks registered on a module that torch.export exports, or on a submodule of it:
` + "`register_forward_hook`" + `, ` + "`register_forward_pre_hook`" + `, ` + "`register_full_backward_hook`" + `,
` + "`register_full_backward_pre_hook`" + ` and ` + "`register_backward_hook`" + `, and the global
` + "`torch.nn.modules.module.register_module_*_hook`" + ` functions. The finding is on the registration and
names the module the hook affects:
- in a module class: on ` + "`self`" + ` (the module itself) or a submodule (` + "`self.encoder`" + `,
  ` + "`self.layers[0]`" + `, each module of a loop over ` + "`self.modules()`" + ` or ` + "`self.layers`" + `), registered in
  ` + "`__init__`" + `, in a method ` + "`__init__`" + ` calls, or in code export traces (a hook registered inside
  ` + "`forward`" + `);
- in a script or function: on a model, or a submodule of it, that the same scope passes to
  ` + "`torch.export.export`" + ` afterwards (the export call is a related location), unless the hook's
  handle is removed before the export;
- a global hook registered in a scope that calls ` + "`torch.export.export`" + ` afterwards.

Hooks registered in methods that nothing in the file calls from ` + "`__init__`" + ` (a ` + "`register_hooks()`" + `
the user may or may not call) and on models that are not exported in the same scope are not
reported.

## Why is this bad
An exported program has no modules to hang hooks on: its graph is the flattened computation of
all submodules, with no Python left in it, and ` + "`ExportedProgram.module()`" + ` returns a new module
that carries none of the original's hooks. What a forward hook does to tensors is traced into
the graph once, while export calls the submodule; its Python side effects (storing activations,
logging, counting) happen once, at export time, and never when the exported program runs, and
removing or changing the hook later no longer changes the program. Backward hooks never run in
an exported program, which computes forward only; strict export, which traces with TorchDynamo,
breaks the graph on backward hooks and fails, and it has been reported to fail on a forward or
pre-forward hook of the exported module itself (pytorch/pytorch#167329).

## Example
` + "```python" + `
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
        self.features = {}
        self.encoder.register_forward_hook(self._save)

    def _save(self, module, args, output):
        self.features["encoder"] = output
` + "```" + `

## Use instead
Return what the hook collects from ` + "`forward`" + `, or register debugging hooks only around eager
runs and remove them (` + "`handle.remove()`" + `) before exporting:
` + "```python" + `
def forward(self, x):
    h = self.encoder(x)
    return self.head(h), h
` + "```" + `

## Fix safety
No automatic fix: whether the hook's effect belongs in the exported program is the author's
decision.

## References
- [torch.export: the exported graph has no Python semantics](https://pytorch.org/docs/main/export.html)
- [torch.nn.Module.register_forward_hook](https://pytorch.org/docs/main/generated/torch.nn.Module.html#torch.nn.Module.register_forward_hook)
- [TorchDynamo and nn.Module hooks](https://pytorch.org/docs/main/torch.compiler_nn_module.html)
- [pytorch/pytorch#167329: torch.export fails when the model has a forward pre-hook](https://github.com/pytorch/pytorch/issues/167329)
`,
	Local:        true,
	Declarations: true,
	Run:          runModuleHook,
}

// mhMethods are the nn.Module methods that register a call hook, and the hook's kind.
var mhMethods = map[string]string{
	"register_forward_hook": "forward hook", "register_forward_pre_hook": "forward pre-hook",
	"register_full_backward_hook": "backward hook", "register_full_backward_pre_hook": "backward pre-hook",
	"register_backward_hook": "backward hook",
}

// mhGlobal are the functions that register a hook on every module.
var mhGlobal = map[string]string{
	"register_module_forward_hook": "global forward hook", "register_module_forward_pre_hook": "global forward pre-hook",
	"register_module_full_backward_hook": "global backward hook", "register_module_full_backward_pre_hook": "global backward pre-hook",
	"register_module_backward_hook": "global backward hook",
}

// mhModuleIterators are the nn.Module methods that yield submodules.
var mhModuleIterators = map[string]bool{"modules": true, "children": true, "named_modules": true, "named_children": true}

// mhNames are the keys of mhMethods and mhGlobal, for CallsNamed.
var mhNames = append(slices.Collect(maps.Keys(mhMethods)), slices.Collect(maps.Keys(mhGlobal))...)

func runModuleHook(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	var hooks []analysis.NodeID
	for _, call := range esCallsNamed(pass, mhNames...) {
		last := string(esLast(t, t.Field(call, syntax.FieldFunction)))
		if mhMethods[last] != "" || mhGlobal[last] != "" {
			hooks = append(hooks, call)
		}
	}
	if len(hooks) == 0 {
		return
	}
	exports, inner := esExports(pass), esInnerModules(pass)
	// which module classes are submodules of others is read from the whole file, and the
	// export calls of the module scope from any unit: the findings kept per unit hold while
	// what they read of them is the same
	pass.KeepWhile(mhFingerprint(f, hooks, exports, inner))
	// every registration is judged, in source order, as atInit's answers may depend on the
	// order of the questions; what is reported is kept with the registration's unit
	atInit := &mhConstruction{pass: pass}
	for _, call := range hooks {
		pass.Within(call, func() { mhCheck(pass, call, exports, inner, atInit) })
	}
}

// mhFingerprint hashes the names of the module classes another module class of the file
// instantiates (a hook on one of them is not on the exported module itself) and, when a
// registration lies outside any function (in a class body too, another unit than the
// module scope's statements), the order of those registrations and the module scope's
// export calls, with the model and strict= each call passes. The rest a report reads (the
// export calls after the registration in a function, the methods that run at
// construction, what a name the registration's receiver starts with is bound to) it
// reaches by name from the registration's unit.
func mhFingerprint(f *analysis.File, hooks []analysis.NodeID, exports []esExport, inner map[*analysis.Class]bool) uint64 {
	t := f.Tree
	h := fnv.New64a()
	for _, c := range f.Classes {
		if inner[c] {
			h.Write([]byte(c.Name))
			h.Write([]byte{0})
		}
	}
	if !slices.ContainsFunc(hooks, func(call analysis.NodeID) bool { return f.Owner(call) == nil }) {
		return h.Sum64()
	}
	i := 0
	for _, ex := range exports {
		if ex.scope != nil {
			continue
		}
		for ; i < len(hooks) && hooks[i] < ex.call; i++ {
			if f.Owner(hooks[i]) == nil {
				h.Write([]byte("hook\x00"))
			}
		}
		h.Write([]byte("export\x00"))
		for _, n := range [2]analysis.NodeID{ex.model, f.KwArg(ex.call, "strict")} {
			if n != analysis.NoNode {
				h.Write(t.Text(n))
			}
			h.Write([]byte{0})
		}
	}
	return h.Sum64()
}

// mhCheck reports the hook registration call, when it affects an exported module.
func mhCheck(pass *analysis.Pass, call analysis.NodeID, exports []esExport, inner map[*analysis.Class]bool, atInit *mhConstruction) {
	f := pass.File
	t := f.Tree
	callee := t.Unparen(t.Field(call, syntax.FieldFunction))
	last := esLast(t, callee)
	kind, global := mhMethods[string(last)], mhGlobal[string(last)]
	fn := f.Owner(call)
	if global != "" {
		if q := esImported(f, callee); strings.HasPrefix(q, "torch.nn.") {
			if ex, ok := mhExportAfter(f, exports, fn, call); ok {
				fd := pass.Reportf(call, mhEffect(mhStrict(pass, f, ex), global, false), "%s registered before torch.export.export: it affects every module, the exported ones included; %s", global, mhWhy(mhStrict(pass, f, ex), global, false))
				fd.Related = append(fd.Related, analysis.Related{Start: t.Start(ex.call), End: t.End(ex.call), Message: "the model is exported here"})
			}
		}
		return
	}
	if t.Kind(callee) != syntax.KindAttribute {
		return
	}
	recv := t.Unparen(t.Field(callee, syntax.FieldObject))
	// in a module class: self, a submodule, or a loop over submodules
	if cls, self := esReceiver(f, fn); cls != nil && (f.Traced(fn) || atInit.runs(fn, 0)) {
		target, root := mhClassTarget(f, fn, cls, self, recv, t.Start(call), inner)
		if target == "" {
			return
		}
		where := fn.QualName()
		if f.Traced(fn) && !atInit.runs(fn, 0) {
			where += ", in code export traces"
		}
		strict := pass.StrictAt(call)
		pass.Reportf(call, mhEffect(strict, kind, root), "%s registered on %s in %s: %s", kind, target, where, mhWhy(strict, kind, root))
		return
	}
	// in a script: a model exported later in the same scope
	target, ex, ok := mhScriptTarget(pass, exports, fn, recv, call)
	if !ok {
		return
	}
	root := t.Kind(recv) == syntax.KindIdentifier && !strings.HasPrefix(target, "each ")
	strict := mhStrict(pass, f, ex)
	fd := pass.Reportf(call, mhEffect(strict, kind, root), "%s registered on %s, which torch.export.export exports below: %s", kind, target, mhWhy(strict, kind, root))
	fd.Related = append(fd.Related, analysis.Related{Start: t.Start(ex.call), End: t.End(ex.call), Message: "the model is exported here, with the hook still registered"})
}

// mhStrict reports whether the export call ex traces in strict mode (its strict=, else
// torch's default at the target).
func mhStrict(pass *analysis.Pass, f *analysis.File, ex esExport) bool {
	v := f.KwArg(ex.call, "strict")
	if v == analysis.NoNode {
		return pass.CallStrict(nil, false)
	}
	switch f.Tree.Kind(f.Tree.Unparen(v)) {
	case syntax.KindTrue:
		return pass.CallStrict(new(true), true)
	case syntax.KindFalse:
		return pass.CallStrict(new(false), true)
	}
	return pass.CallStrict(nil, true)
}

// mhEffect: a backward hook, or a forward hook on the exported module itself, fails in
// strict mode; otherwise the export succeeds without the hook's behaviour.
func mhEffect(strict bool, kind string, root bool) analysis.Effect {
	if strict && (strings.Contains(kind, "backward") || root) {
		return analysis.Fails
	}
	return analysis.Changes
}

// mhWhy says what export does with a hook of that kind, on the exported module itself
// (root) or elsewhere, in strict or non-strict mode.
func mhWhy(strict bool, kind string, root bool) string {
	switch {
	case strings.Contains(kind, "backward") && strict:
		return "strict export fails on modules with backward hooks, and an exported program, which computes forward only, would never run it"
	case strings.Contains(kind, "backward"):
		return "an exported program computes forward only and never runs it"
	case root && strict:
		return "strict export has been reported to fail on a hook of the exported module itself (pytorch/pytorch#167329), and the exported program has no hooks"
	}
	return "export runs it once while tracing and the exported program has no hooks: its side effects never happen at run time, and removing it later does not change the program"
}

// mhConstruction answers, per function and only when asked, whether a function runs when a
// module class of the file is constructed: an __init__, or a method or function such a
// function calls in the file (transitively). It searches from the function up through the
// calls that name it, so callee resolution stays with those few calls.
type mhConstruction struct {
	pass *analysis.Pass
	memo map[*analysis.Function]bool
}

func (c *mhConstruction) runs(fn *analysis.Function, depth int) bool {
	if v, ok := c.memo[fn]; ok {
		return v
	}
	if c.memo == nil {
		c.memo = map[*analysis.Function]bool{}
	}
	c.memo[fn] = false // a cycle of calls does not make fn run at construction
	f, t := c.pass.File, c.pass.File.Tree
	res := false
	switch {
	case fn.Name == "__init__" && fn.Class != nil && f.IsModule(fn.Class):
		res = true
	case fn.Name == "forward" || depth > 8:
	default:
		for _, call := range esCallsNamed(c.pass, fn.Name) {
			callee := t.Unparen(t.Field(call, syntax.FieldFunction))
			if string(esLast(t, callee)) != fn.Name {
				continue
			}
			if owner := f.Owner(call); owner != nil && owner != fn && c.runs(owner, depth+1) && f.CalleeFunc(owner, callee) == fn {
				res = true
				break
			}
		}
	}
	c.memo[fn] = res
	return res
}

// mhClassTarget describes the module a hook registered on recv in fn (a method of cls)
// affects: "Net itself" (root: the exported module, when cls is one), "submodule
// self.encoder of Net", "each module of self.layers of Net". "" when recv is none of these.
func mhClassTarget(f *analysis.File, fn *analysis.Function, cls *analysis.Class, self string, recv analysis.NodeID, at int, inner map[*analysis.Class]bool) (string, bool) {
	t := f.Tree
	if t.Kind(recv) == syntax.KindIdentifier {
		if t.TextIs(recv, self) {
			return cls.Name + " itself", !inner[cls]
		}
		if src := mhLoopSource(f, fn, t.String(recv), at); src != analysis.NoNode && esSelfChain(t, mhIterated(t, src), self) {
			return "each module of " + fix.Short(t, src) + " of " + cls.Name, false
		}
		return "", false
	}
	if esSelfChain(t, recv, self) {
		return "submodule " + fix.Short(t, recv) + " of " + cls.Name, false
	}
	return "", false
}

// mhIterated strips the module iterator from a loop's iterable: self.modules() -> self,
// self.layers -> self.layers, enumerate(self.layers) -> self.layers.
func mhIterated(t *syntax.Tree, src analysis.NodeID) analysis.NodeID {
	src = t.Unparen(src)
	if t.Kind(src) != syntax.KindCall {
		return src
	}
	callee := t.Unparen(t.Field(src, syntax.FieldFunction))
	if t.Kind(callee) == syntax.KindAttribute && mhModuleIterators[esLastName(t, callee)] {
		return t.Field(callee, syntax.FieldObject)
	}
	if t.Kind(callee) == syntax.KindIdentifier && (t.TextIs(callee, "enumerate") || t.TextIs(callee, "reversed") || t.TextIs(callee, "list")) {
		return mhIterated(t, t.NamedChild(t.Field(src, syntax.FieldArguments), 0))
	}
	return analysis.NoNode
}

// mhLoopSource returns the iterable of the for loop around byte offset at, in fn's own body
// (module level when fn is nil), whose target binds name; NoNode when there is none.
func mhLoopSource(f *analysis.File, fn *analysis.Function, name string, at int) analysis.NodeID {
	t := f.Tree
	var loops []analysis.NodeID
	if fn != nil {
		loops = f.OwnNodes(fn, syntax.KindForStatement)
	} else {
		for _, l := range f.Nodes(syntax.KindForStatement) {
			if f.Owner(l) == nil {
				loops = append(loops, l)
			}
		}
	}
	for i := len(loops) - 1; i >= 0; i-- {
		l := loops[i]
		if t.Start(l) > at || t.End(l) < at {
			continue
		}
		left := t.Field(l, syntax.FieldLeft)
		for id, end := left, t.SubtreeEnd(left); left != analysis.NoNode && id < end; id++ {
			if t.Kind(id) == syntax.KindIdentifier && t.TextIs(id, name) {
				return t.Field(l, syntax.FieldRight)
			}
		}
	}
	return analysis.NoNode
}

// mhScriptTarget handles a hook registered outside module classes: recv must be rooted at a
// name (or a loop over a name's modules) that an export call later in the same scope passes
// as the model, with the hook's handle not removed in between. It returns how the target is
// described ("model", "model.encoder", "each module of model.modules()") and the export.
func mhScriptTarget(pass *analysis.Pass, exports []esExport, fn *analysis.Function, recv, call analysis.NodeID) (string, esExport, bool) {
	f := pass.File
	t := f.Tree
	at := t.Start(call)
	root := pysem.RootOf(t, recv)
	desc := fix.Short(t, recv)
	if root == analysis.NoNode {
		return "", esExport{}, false
	}
	if t.Kind(recv) == syntax.KindIdentifier {
		if src := mhLoopSource(f, fn, t.String(recv), at); src != analysis.NoNode {
			it := mhIterated(t, src)
			if root = pysem.RootOf(t, it); root == analysis.NoNode {
				return "", esExport{}, false
			}
			desc = "each module of " + fix.Short(t, src)
		}
	}
	ex, ok := mhExportOf(f, exports, fn, t.String(root), at)
	if !ok || mhRemovedBefore(pass, fn, call, t.Start(ex.call)) {
		return "", esExport{}, false
	}
	if c := esModuleClass(f, fn, root, at); c != nil && !strings.HasPrefix(desc, "each ") {
		if desc == t.String(root) {
			desc += " (" + c.Name + ")"
		} else {
			desc += ", a submodule of " + c.Name
		}
	}
	return desc, ex, true
}

// mhExportOf returns the first export call after byte offset at in the same scope whose
// model is name (or name.eval(), name.to(...)).
func mhExportOf(f *analysis.File, exports []esExport, scope *analysis.Function, name string, at int) (esExport, bool) {
	t := f.Tree
	for _, ex := range exports {
		if ex.scope != scope || t.Start(ex.call) < at {
			continue
		}
		m := t.Unparen(ex.model)
		for depth := 0; depth < 4 && t.Kind(m) == syntax.KindCall; depth++ {
			m = t.Unparen(t.Field(t.Unparen(t.Field(m, syntax.FieldFunction)), syntax.FieldObject)) // model.eval()
		}
		if t.Kind(m) == syntax.KindIdentifier && t.TextIs(m, name) {
			return ex, true
		}
	}
	return esExport{}, false
}

// mhExportAfter returns the first export call after call in the same scope.
func mhExportAfter(f *analysis.File, exports []esExport, scope *analysis.Function, call analysis.NodeID) (esExport, bool) {
	for _, ex := range exports {
		if ex.scope == scope && f.Tree.Start(ex.call) > f.Tree.Start(call) {
			return ex, true
		}
	}
	return esExport{}, false
}

// mhRemovedBefore reports whether the handle a registration returns is bound to a name
// whose .remove() is called in the same scope before byte offset until.
func mhRemovedBefore(pass *analysis.Pass, scope *analysis.Function, call analysis.NodeID, until int) bool {
	f := pass.File
	t := f.Tree
	a := t.Parent(call)
	if t.Kind(a) != syntax.KindAssignment || t.FieldOf(call) != syntax.FieldRight {
		return false
	}
	handle := t.Field(a, syntax.FieldLeft)
	if t.Kind(handle) != syntax.KindIdentifier {
		return false
	}
	var calls []analysis.NodeID
	if scope != nil {
		calls = f.OwnNodes(scope, syntax.KindCall)
	} else {
		calls = pass.CallsNamed("remove")
	}
	for _, c := range calls {
		if s := t.Start(c); s <= t.Start(call) || s >= until || scope == nil && f.Owner(c) != nil {
			continue
		}
		callee := t.Unparen(t.Field(c, syntax.FieldFunction))
		if t.Kind(callee) == syntax.KindAttribute && esLastName(t, callee) == "remove" && t.TextIs(t.Unparen(t.Field(callee, syntax.FieldObject)), t.String(handle)) {
			return true
		}
	}
	return false
}
