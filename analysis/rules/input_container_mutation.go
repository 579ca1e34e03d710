package rules

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// InputContainerMutation finds forward changing a dict, list or set its caller passed in.
var InputContainerMutation = &analysis.Rule{
	Name: "input_container_mutation",
	Doc: `## What it does
Finds, in the ` + "`forward`" + ` of a module that can be exported (one no other module class of the file
uses as a submodule), changes to a dict, list or set the caller passed in: item assignment and
deletion (` + "`inputs[\"mask\"] = m`" + `, ` + "`del inputs[\"aux\"]`" + `, ` + "`cache[i] += 1`" + `), container methods
(` + "`cache.append(k)`" + `, ` + "`inputs.update(...)`" + `, ` + "`.pop()`" + `, ` + "`.setdefault()`" + `, ` + "`.clear()`" + `, ` + "`.sort()`" + `), and
` + "`+=`" + ` on a list, also on a container nested in the input (` + "`inputs[\"cache\"].append(k)`" + `) and in
helpers and methods ` + "`forward`" + ` passes the input to in the file.

A parameter counts as a container when its annotation says so (` + "`dict[str, Tensor]`" + `,
` + "`Optional[List[Tensor]]`" + `), its default is ` + "`{}`" + ` or ` + "`[]`" + `, forward indexes it with a string
literal, or calls a method on it that tensors do not have (` + "`.items()`" + `, ` + "`.append()`" + `).

Not reported: ` + "`**kwargs`" + ` (a dict Python builds for each call) and ` + "`*args`" + `, a parameter
annotated with classes none of which is a container (` + "`past_key_values: Optional[Cache]`" + `: its
` + "`.update()`" + ` is the class's own), a name rebound
before the change (` + "`inputs = dict(inputs)`" + `), containers forward creates, and in-place tensor
operations on elements (` + "`inputs[\"x\"].add_(1)`" + `: export records those as user-input mutations).
The boundary with user_input_mutation: item writes on a parameter that is a container by the
evidence above are this rule's; every other in-place write to a forward input is
user_input_mutation's, so one statement gets one finding.

## Why is this bad
torch.export flattens inputs with pytree: the structure of a list, tuple or dict (its length,
its keys) is fixed when the model is exported, and only the tensors inside become inputs of the
graph. Strict export fails on a forward that changes an input container. Non-strict export
traces it on a copy it rebuilt from the flattened inputs, so the exported program never changes
the caller's dict or list: code that relied on forward adding a key or appending a cache entry
breaks silently.

## Example
` + "```python" + `
class Decoder(nn.Module):
    def forward(self, x, cache: list):
        k = self.proj(x)
        cache.append(k)
        return torch.cat(cache, dim=1)
` + "```" + `

## Use instead
Return what changes, and let the caller keep it:
` + "```python" + `
class Decoder(nn.Module):
    def forward(self, x, cache: list):
        k = self.proj(x)
        cache = [*cache, k]
        return torch.cat(cache, dim=1), cache
` + "```" + `

## Fix safety
The fix copies the input at the start of ` + "`forward`" + ` (` + "`cache = list(cache)`" + `,
` + "`inputs = dict(inputs)`" + `), so that forward changes its own copy. It is unsafe: a caller that relied on the
change no longer sees it, in eager mode as well.

## References
- [torch.export programming model: standard containers have a static structure](https://pytorch.org/docs/main/export.programming_model.html)
- [PyTree: how export flattens inputs](https://pytorch.org/docs/main/export.programming_model.html#custom-input-types-pytree)
- [pytorch/pytorch#147213: export input dict mutation in strict mode](https://github.com/pytorch/pytorch/issues/147213)
`,
	Local:        true,
	Declarations: true,
	Run:          runInputContainerMutation,
}

// icmMethods change a dict, list or set in place.
var icmMethods = map[string]bool{
	"append": true, "extend": true, "insert": true, "remove": true, "pop": true, "clear": true, "sort": true,
	"reverse": true, "update": true, "setdefault": true, "popitem": true, "add": true, "discard": true,
}

// icmChange is one change to a container rooted at a parameter of fn.
type icmChange struct {
	fn    *analysis.Function
	node  analysis.NodeID // reported
	root  analysis.NodeID // the parameter's identifier
	how   string          // "item assignment", ".append()", ...
	typed bool            // the change itself shows a container (a method no tensor has, del)
}

func runInputContainerMutation(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	// which module classes run only as submodules of another, and which classes are
	// containers (an annotation may name one in a string), are read from the whole file:
	// the kept findings hold while they are the same
	inner := esInnerModules(pass)
	pass.KeepWhile(icmFingerprint(f, inner))
	var changes []icmChange
	var traced []esCallSite // the calls in the traced code the pass visits (icmCallers)
	collect := func(fn *analysis.Function, node, target analysis.NodeID, how string, typed bool) {
		root := esSubscriptRoot(t, target)
		if root == analysis.NoNode || fn.Param(t.String(root)) == nil {
			return
		}
		changes = append(changes, icmChange{fn: fn, node: node, root: root, how: how, typed: typed})
	}
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		traced = append(traced, esCallSite{call: call, caller: fn})
		callee := t.Unparen(t.Field(call, syntax.FieldFunction))
		if t.Kind(callee) != syntax.KindAttribute {
			return
		}
		if !icmMethods[string(esLast(t, callee))] {
			return
		}
		m := esLastName(t, callee)
		recv := t.Field(callee, syntax.FieldObject)
		// pop, remove, add, update and sort are also names of tensor or module methods when
		// called with other arguments: only the list, dict and set ones that no tensor has
		// show the container by themselves.
		collect(fn, call, recv, "."+m+"()", esDictMethods[m] || esListMethods[m] || m == "popitem" || m == "setdefault")
	})
	pass.Traced(syntax.KindAssignment, func(a analysis.NodeID, fn *analysis.Function) {
		if left := t.Unparen(t.Field(a, syntax.FieldLeft)); t.Kind(left) == syntax.KindSubscript {
			collect(fn, a, t.Field(left, syntax.FieldValue), "item assignment", false)
		}
	})
	pass.Traced(syntax.KindAugmentedAssignment, func(a analysis.NodeID, fn *analysis.Function) {
		left := t.Unparen(t.Field(a, syntax.FieldLeft))
		switch t.Kind(left) {
		case syntax.KindSubscript:
			collect(fn, a, t.Field(left, syntax.FieldValue), "item "+t.Operator(a), false)
		case syntax.KindIdentifier:
			if op := t.Operator(a); op == "+=" || op == "|=" {
				collect(fn, a, left, op, false)
			}
		}
	})
	pass.Traced(syntax.KindDeleteStatement, func(d analysis.NodeID, fn *analysis.Function) {
		t.Children(d, func(c analysis.NodeID) bool {
			if c = t.Unparen(c); t.Kind(c) == syntax.KindSubscript {
				collect(fn, d, t.Field(c, syntax.FieldValue), "del", true)
			}
			return true
		})
	})
	if len(changes) == 0 {
		return
	}
	callers := &icmCallers{pass: pass, traced: traced}
	for _, ch := range changes {
		pass.Within(ch.node, func() { icmReport(pass, callers, inner, ch) })
	}
}

// icmReport reports change ch when it changes a container a forward input holds.
func icmReport(pass *analysis.Pass, callers *icmCallers, inner map[*analysis.Class]bool, ch icmChange) {
	f := pass.File
	t := f.Tree
	name := t.String(ch.root)
	fwd, param, via, ok := icmInputOrigin(f, callers, inner, ch.fn, name, t.Start(ch.node), 0)
	if !ok {
		return
	}
	if p := fwd.Param(param); p.Kind == analysis.VarPositional || p.Kind == analysis.VarKeyword {
		return // *args is a tuple and **kwargs a dict Python builds for the call
	}
	if icmAnnotatedOther(f, fwd, param) || ch.fn != fwd && icmAnnotatedOther(f, ch.fn, name) {
		return // a Cache's .update(k, v, layer) is not dict.update
	}
	kind := esContainerParam(f, fwd, param)
	if ch.fn != fwd && kind == "" {
		kind = esContainerParam(f, ch.fn, name) // the helper's own annotation or use
	}
	if kind == "" {
		if !ch.typed {
			return // x[i] = v, x += v: a tensor input is user_input_mutation's
		}
		kind = "container"
	}
	what := "forward input " + param
	if len(via) > 0 {
		what += " (passed on to " + strings.Join(via, ", then ") + ")"
	}
	msg := "%s changes %s, a %s the caller passed: the exported program receives only the tensors inside and never changes the caller's %s"
	if pass.StrictAt(ch.node) {
		msg = "%s changes %s, a %s the caller passed: strict export fails on it, and an exported program never changes the caller's %s"
	}
	fd := pass.Reportf(ch.node, analysis.Fails, msg, ch.how, what, kind, kind)
	if fx, ok := icmCopyFix(f, fwd, param, kind); ok {
		fd.Fixes = append(fd.Fixes, fx)
	}
}

// icmFingerprint hashes what the findings read of the whole file besides their component:
// the module classes that run as submodules (esInnerModules: a class's forward is an
// exported one when none does; a method may build one through a local name, which joins no
// units), and the classes with a container base that an annotation may name
// (icmContainerClass: a string annotation joins no units either). Classes are told by name:
// a class's unit names it, so that it is joined with every other unit defining the name.
func icmFingerprint(f *analysis.File, inner map[*analysis.Class]bool) uint64 {
	var names []string
	for c := range inner {
		names = append(names, c.Name)
	}
	slices.Sort(names)
	h := fnv.New64a()
	for _, name := range names {
		fmt.Fprintf(h, "%s\x00", name)
	}
	h.Write([]byte{0})
	names = names[:0]
	for _, c := range f.Classes {
		if f.ClassNamed(c.Name) == c && icmContainerClass(f, c.Name) {
			names = append(names, c.Name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		fmt.Fprintf(h, "%s\x00", name)
	}
	return h.Sum64()
}

// icmCallers finds, once per function and only when asked, the traced call sites of a
// function of the file, among the traced calls a Local pass visits: the call sites of a
// function resolve to it only from its units' component (linking joins them), all of whose
// units the pass visits together. The calls of a forward, any of which may run it through a
// submodule's attribute (self.block(x)), are the traced calls the pass visited; the others
// are read from the pass's index by name.
type icmCallers struct {
	pass   *analysis.Pass
	traced []esCallSite
	index  map[*analysis.Function][]esCallSite
}

// of returns the traced call sites of g. A call names its callee, except a submodule's
// forward called through the attribute that holds the submodule (self.block(x)).
func (c *icmCallers) of(g *analysis.Function) []esCallSite {
	if sites, ok := c.index[g]; ok {
		return sites
	}
	if c.index == nil {
		c.index = map[*analysis.Function][]esCallSite{}
	}
	f := c.pass.File
	t := f.Tree
	candidates := c.traced
	if g.Name != "forward" {
		candidates = nil
		for _, call := range esCallsNamed(c.pass, g.Name) {
			if caller := f.Owner(call); caller != nil && f.Traced(caller) {
				candidates = append(candidates, esCallSite{call: call, caller: caller})
			}
		}
	}
	var sites []esCallSite
	for _, site := range candidates {
		callee := t.Unparen(t.Field(site.call, syntax.FieldFunction))
		named := string(esLast(t, callee)) == g.Name
		if !named && (g.Name != "forward" || t.Kind(callee) != syntax.KindAttribute) {
			continue
		}
		if site.caller == g {
			continue
		}
		if !named && !esSelfChain(t, callee, site.caller.SelfName()) {
			continue // not self.block(x): a method of something else
		}
		if f.CalleeFunc(site.caller, callee) == g {
			sites = append(sites, site)
		}
	}
	c.index[g] = sites
	return sites
}

// icmInputOrigin follows parameter name of traced function g back through same-file call
// sites (icmCallers) to a parameter of an exported forward: a root is the forward esRootForward
// returns for its class.
func icmInputOrigin(f *analysis.File, callers *icmCallers, inner map[*analysis.Class]bool, g *analysis.Function, name string, at, depth int) (*analysis.Function, string, []string, bool) {
	if g.Class != nil && esRootForward(f, g.Class, inner) == g {
		if g.Param(name) != nil && !esReboundBefore(f, g, name, at) {
			return g, name, nil, true
		}
		return nil, "", nil, false
	}
	if depth > 3 || g.Param(name) == nil || esReboundBefore(f, g, name, at) {
		return nil, "", nil, false
	}
	t := f.Tree
	for _, site := range callers.of(g) {
		arg := esArgFor(f, site, g, name)
		root := esSubscriptRoot(t, arg)
		if root == analysis.NoNode {
			continue
		}
		fwd, param, via, ok := icmInputOrigin(f, callers, inner, site.caller, t.String(root), t.Start(site.call), depth+1)
		if ok {
			return fwd, param, append([]string{g.QualName() + "(" + name + ")"}, via...), true
		}
	}
	return nil, "", nil, false
}

// icmCopyFix inserts `name = dict(name)` (list, set) as the first statement of forward's
// body, after its docstring; not for an input that may be None.
func icmCopyFix(f *analysis.File, fwd *analysis.Function, name, kind string) (analysis.Fix, bool) {
	t := f.Tree
	if kind != "dict" && kind != "list" && kind != "set" || t.Kind(fwd.Body) != syntax.KindBlock {
		return analysis.Fix{}, false
	}
	if p := fwd.Param(name); p == nil || t.Kind(t.Unparen(p.Default)) == syntax.KindNone || p.Type != analysis.NoNode && (strings.Contains(t.String(p.Type), "Optional") || strings.Contains(t.String(p.Type), "None")) {
		return analysis.Fix{}, false // dict(None) would raise
	}
	first := t.NamedChild(fwd.Body, 0)
	if first == analysis.NoNode || f.Line(t.Start(first)) == f.Line(t.Start(fwd.Node)) {
		return analysis.Fix{}, false // def forward(self, x): return x  -- a one-line body
	}
	at := first
	if t.Kind(first) == syntax.KindExpressionStatement && t.Kind(t.NamedChild(first, 0)) == syntax.KindString {
		next := t.NamedChild(fwd.Body, 1)
		if next == analysis.NoNode {
			return analysis.Fix{}, false
		}
		at = next
	}
	start := f.LineStart(f.Line(t.Start(at)))
	return analysis.Fix{
		Title:  "copy " + name + " at the start of forward (the caller's " + kind + " no longer changes, in eager mode too)",
		Safety: analysis.Unsafe,
		Edits:  []analysis.Edit{{Start: start, End: start, NewText: f.Indent(t.Start(at)) + name + " = " + kind + "(" + name + ")\n"}},
	}, true
}

// icmAnnotatedOther reports whether fn's parameter name is annotated with classes none of
// which is a container (Optional[Cache], "KVCache | None", Tensor): a method call on it is
// that class's method, whatever its name. A class of the file based on a container, Any,
// object and unparsed annotations do not count.
func icmAnnotatedOther(f *analysis.File, fn *analysis.Function, name string) bool {
	p := fn.Param(name)
	if p == nil || p.Type == analysis.NoNode {
		return false
	}
	ty := strings.Trim(strings.ReplaceAll(f.Tree.String(p.Type), " ", ""), `"'`)
	for _, wrap := range []string{"Optional[", "Union["} {
		if inner, ok := strings.CutPrefix(ty, wrap); ok {
			ty = strings.TrimSuffix(inner, "]")
		}
	}
	other := false
	for _, part := range strings.FieldsFunc(ty, func(r rune) bool { return r == '|' || r == ',' }) {
		head, _, _ := strings.Cut(strings.Trim(part, `"'`), "[")
		head = head[strings.LastIndexByte(head, '.')+1:]
		switch {
		case head == "None":
		case head == "" || icmOpenTypes[head] || esContainerKinds[head] != "":
			return false
		case icmContainerClass(f, head):
			return false
		default:
			other = true
		}
	}
	return other
}

// icmOpenTypes are annotations that may name a mutable container.
var icmOpenTypes = map[string]bool{
	"Any": true, "object": true, "Mapping": true, "Sequence": true, "Iterable": true, "Collection": true,
	"Container": true, "TypedDict": true,
}

// icmContainerClass reports whether the file defines class name with a container base
// (class Batch(TypedDict), class Cache(dict)).
func icmContainerClass(f *analysis.File, name string) bool {
	c := f.ClassNamed(name)
	if c == nil {
		return false
	}
	for _, b := range c.Bases {
		b = b[strings.LastIndexByte(b, '.')+1:]
		if esContainerKinds[b] != "" || b == "TypedDict" || b == "UserDict" || b == "UserList" {
			return true
		}
	}
	return false
}
