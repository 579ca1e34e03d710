package rules

// Family file of autograd_in_forward, module_hook, unregistered_pytree_type,
// custom_op_without_fake, input_container_mutation and parameter_in_forward (and of
// user_input_mutation, which asks esContainerParam where its boundary with
// input_container_mutation lies). What they share is the export surface of a file: the
// receiver of a module method, which module classes are exported whole (not only used as
// submodules of another class of the file), what a forward input is and where it flows in
// same-file helpers, the torch.export.export calls and the names a scope binds before them.
// Snippets, the torch import, statements, self attributes, bindings and roots of attribute
// chains come from fix and pysem; what is left here is the family's own reading of the
// export surface.

import (
	"bytes"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// esReceiver returns the nn.Module class whose method fn is (or is nested in) and the name
// its self parameter has there; nil in static and class methods, and where a nested
// function rebinds the name.
func esReceiver(f *analysis.File, fn *analysis.Function) (*analysis.Class, string) {
	if fn == nil {
		return nil, ""
	}
	m := fn.Method()
	if m == nil || m.Class == nil || !f.IsModule(m.Class) || m.ClassMethod || m.StaticMethod {
		return nil, ""
	}
	self := fn.SelfName()
	if self == "" {
		return nil, ""
	}
	for s := fn; s != nil && s != m; s = s.Parent {
		if s.Param(self) != nil {
			return nil, ""
		}
	}
	return m.Class, self
}

// esLast returns the text of the last name of a dotted callee without copying it: the
// filter rules apply to every call node (index a map with string(esLast(...)), which does not
// allocate).
func esLast(t *syntax.Tree, callee analysis.NodeID) []byte {
	callee = t.Unparen(callee)
	switch t.Kind(callee) {
	case syntax.KindIdentifier:
		return t.Text(callee)
	case syntax.KindAttribute:
		if a := t.Field(callee, syntax.FieldAttribute); a != analysis.NoNode {
			return t.Text(a)
		}
	}
	return nil
}

// esLastName returns the last name of a dotted callee (`torch.autograd.grad` -> "grad",
// `grad` -> "grad"), or "".
func esLastName(t *syntax.Tree, callee analysis.NodeID) string {
	callee = t.Unparen(callee)
	switch t.Kind(callee) {
	case syntax.KindIdentifier:
		return t.String(callee)
	case syntax.KindAttribute:
		if a := t.Field(callee, syntax.FieldAttribute); a != analysis.NoNode {
			return t.String(a)
		}
	}
	return ""
}

// esImported returns the qualified name of a callee whose root name an import binds
// (`grad` after `from torch.autograd import grad` -> "torch.autograd.grad"), or "".
func esImported(f *analysis.File, callee analysis.NodeID) string {
	callee = f.Tree.Unparen(callee)
	if callee == analysis.NoNode || !f.IsImported(callee) {
		return ""
	}
	return f.Resolve(callee)
}

// esString returns the value of a plain string literal (no interpolation, prefix or escape),
// and whether n is one.
func esString(t *syntax.Tree, n analysis.NodeID) (string, bool) {
	n = t.Unparen(n)
	if t.Kind(n) != syntax.KindString {
		return "", false
	}
	s := t.String(n)
	if len(s) < 2 || (s[0] != '"' && s[0] != '\'') || s[len(s)-1] != s[0] || strings.ContainsRune(s, '\\') {
		return "", false
	}
	if strings.HasPrefix(s, `"""`) || strings.HasPrefix(s, `'''`) {
		if len(s) < 6 {
			return "", false
		}
		return s[3 : len(s)-3], true
	}
	return s[1 : len(s)-1], true
}

// esArg returns the argument of call at position i, or its keyword argument name, or NoNode.
func esArg(f *analysis.File, call analysis.NodeID, i int, name string) analysis.NodeID {
	if v := f.KwArg(call, name); v != analysis.NoNode {
		return v
	}
	if pos, _ := f.Args(call); i < len(pos) {
		return pos[i]
	}
	return analysis.NoNode
}

// esRootForward returns c's forward when it is the entry point of an exported program: a
// traced forward defined with def, of a module class no other module class of the file
// instantiates. inner is esInnerModules(f).
func esRootForward(f *analysis.File, c *analysis.Class, inner map[*analysis.Class]bool) *analysis.Function {
	t := f.Tree
	if !f.IsModule(c) || inner[c] {
		return nil
	}
	fwd := c.Methods["forward"]
	if fwd == nil || !f.Traced(fwd) || t.Kind(fwd.Node) != syntax.KindFunctionDefinition {
		return nil
	}
	return fwd
}

// esContainerKinds maps the annotation heads that name mutable containers to "dict" or "list".
var esContainerKinds = map[string]string{
	"dict": "dict", "Dict": "dict", "MutableMapping": "dict", "OrderedDict": "dict", "defaultdict": "dict",
	"list": "list", "List": "list", "MutableSequence": "list", "deque": "list", "set": "set", "Set": "set",
	"MutableSet": "set",
}

// esDictMethods and esListMethods are container methods no tensor has; a call of one on a
// forward parameter shows the parameter is that container.
var (
	esDictMethods = map[string]bool{"items": true, "keys": true, "values": true, "get": true, "update": true, "setdefault": true, "popitem": true}
	esListMethods = map[string]bool{"append": true, "extend": true, "insert": true, "remove": true, "count": true, "index": true}
)

// esContainerParam returns "dict", "list" or "set" when parameter name of fwd holds a
// mutable Python container rather than a tensor, and "" when nothing says so. The evidence:
// an annotation naming the container (`dict[str, Tensor]`, `Optional[List[Tensor]]`), a
// literal `{}` or `[]` default, indexing with a string literal (`inputs["x"]`), or a
// container method no tensor has (`.items()`, `.append(...)`) called on the name in fwd.
// *args (a tuple) and **kwargs (a dict Python builds for the call) are never the caller's
// container.
func esContainerParam(f *analysis.File, fwd *analysis.Function, name string) string {
	p := fwd.Param(name)
	if p == nil || p.Kind == analysis.VarPositional || p.Kind == analysis.VarKeyword {
		return ""
	}
	t := f.Tree
	if p.Type != analysis.NoNode {
		ty := strings.Trim(strings.ReplaceAll(t.String(p.Type), " ", ""), `"'`)
		if inner, ok := strings.CutPrefix(ty, "Optional["); ok {
			ty = strings.TrimSuffix(inner, "]")
		}
		for _, part := range strings.Split(ty, "|") {
			head, _, _ := strings.Cut(part, "[")
			head = head[strings.LastIndexByte(head, '.')+1:]
			if k := esContainerKinds[head]; k != "" {
				return k
			}
		}
		if strings.Contains(ty, "Tensor") {
			return ""
		}
	}
	switch t.Kind(t.Unparen(p.Default)) {
	case syntax.KindDictionary:
		return "dict"
	case syntax.KindList:
		return "list"
	}
	body := t.Start(fwd.Body)
	for _, id := range f.OwnNodes(fwd, syntax.KindIdentifier) {
		if t.Start(id) < body || !t.TextIs(id, name) {
			continue
		}
		par := t.Parent(id)
		switch {
		case t.Kind(par) == syntax.KindSubscript && t.FieldOf(id) == syntax.FieldValue:
			if _, ok := esString(t, t.Field(par, syntax.FieldSubscript)); ok {
				return "dict"
			}
		case t.Kind(par) == syntax.KindAttribute && t.FieldOf(id) == syntax.FieldObject:
			m := esLastName(t, par)
			if g := t.Parent(par); t.Kind(g) != syntax.KindCall || t.FieldOf(par) != syntax.FieldFunction {
				continue
			}
			if esDictMethods[m] {
				return "dict"
			}
			if esListMethods[m] {
				return "list"
			}
		case t.Kind(par) == syntax.KindDictionarySplat:
			return "dict"
		}
	}
	return ""
}

// esReboundBefore reports whether fn's own body binds name before byte offset at (so that,
// there, the name no longer holds what the caller passed).
func esReboundBefore(f *analysis.File, fn *analysis.Function, name string, at int) bool {
	t := f.Tree
	body := t.Start(fn.Body)
	for _, id := range f.OwnNodes(fn, syntax.KindIdentifier) {
		if s := t.Start(id); s >= at {
			break
		} else if s < body {
			continue
		}
		if t.TextIs(id, name) && pysem.IsBinding(t, id) {
			if p := t.Parent(id); t.Kind(p) == syntax.KindAugmentedAssignment {
				continue // x += ... changes x in place for lists and tensors
			}
			return true
		}
	}
	return false
}

// esCallSite is one call of a function of the file from code export traces.
type esCallSite struct {
	call   analysis.NodeID
	caller *analysis.Function
}

// esArgFor returns the argument a call passes for g's parameter name, or NoNode. A method
// called through self, cls or a class of the file binds its first parameter implicitly.
func esArgFor(f *analysis.File, site esCallSite, g *analysis.Function, name string) analysis.NodeID {
	t := f.Tree
	params := g.Params
	callee := t.Unparen(t.Field(site.call, syntax.FieldFunction))
	if g.Class != nil && !g.StaticMethod && len(params) > 0 && t.Kind(callee) == syntax.KindAttribute {
		params = params[1:]
	}
	names := make([]string, 0, len(params))
	for _, p := range params {
		if p.Kind == analysis.VarPositional || p.Kind == analysis.VarKeyword {
			break
		}
		names = append(names, p.Name)
	}
	args, ok := f.BindArgs(site.call, names...)
	if !ok {
		return analysis.NoNode
	}
	for i, n := range names {
		if n == name {
			return args[i]
		}
	}
	return analysis.NoNode
}

// esSubscriptRoot returns the identifier at the root of a chain of item accesses
// (inputs["a"][0] -> inputs), or NoNode.
func esSubscriptRoot(t *syntax.Tree, n analysis.NodeID) analysis.NodeID {
	for depth := 0; depth < 16; depth++ {
		n = t.Unparen(n)
		switch t.Kind(n) {
		case syntax.KindIdentifier:
			return n
		case syntax.KindSubscript:
			n = t.Field(n, syntax.FieldValue)
		default:
			return analysis.NoNode
		}
	}
	return analysis.NoNode
}

// esSelfChain reports whether n is self or an attribute and item chain rooted at self
// (self.blocks[0], self.head.proj).
func esSelfChain(t *syntax.Tree, n analysis.NodeID, self string) bool {
	r := pysem.RootOf(t, n)
	return self != "" && r != analysis.NoNode && t.TextIs(r, self)
}

// esStateRegisters are the nn.Module methods that register state, and what they register.
var esStateRegisters = map[string]string{
	"register_buffer": "buffer", "register_parameter": "parameter", "register_module": "submodule", "add_module": "submodule",
}

// esRegisteredArg reports whether n is an argument, at any depth of parentheses and keyword,
// of a register_buffer, register_parameter, register_module or add_module call on self or a
// submodule (parameter_in_forward reports that call, in code export traces).
func esRegisteredArg(t *syntax.Tree, n analysis.NodeID, self string) bool {
	for depth := 0; depth < 16 && self != ""; depth++ {
		p := t.Parent(n)
		switch t.Kind(p) {
		case syntax.KindParenthesizedExpression, syntax.KindKeywordArgument:
		case syntax.KindArgumentList:
			callee := t.Unparen(t.Field(t.Parent(p), syntax.FieldFunction))
			return t.Kind(callee) == syntax.KindAttribute && esStateRegisters[esLastName(t, callee)] != "" &&
				esSelfChain(t, t.Field(callee, syntax.FieldObject), self)
		default:
			return false
		}
		n = p
	}
	return false
}

// esExport is one torch.export.export call.
type esExport struct {
	call  analysis.NodeID
	scope *analysis.Function // the function making the call; nil at module level
	model analysis.NodeID    // the module argument, or NoNode
	args  analysis.NodeID    // the args argument, or NoNode
	kw    analysis.NodeID    // the kwargs argument, or NoNode
}

// esExportNames are the qualified names of export entry points whose first argument is the
// module and second its positional inputs.
var esExportNames = map[string]bool{
	"torch.export.export": true, "torch.export.export_for_training": true, "torch.export.export_for_inference": true,
	"torch.export._trace._export": true, "torch._export.export": true, "torch.export.draft_export": true,
}

// esAssignments returns the assignments of scope's own body (module level when scope is nil)
// whose target is the plain name, in source order.
func esAssignments(f *analysis.File, scope *analysis.Function, name string) []analysis.NodeID {
	t := f.Tree
	var all []analysis.NodeID
	if scope != nil {
		all = f.OwnNodes(scope, syntax.KindAssignment)
	} else {
		for _, a := range f.Nodes(syntax.KindAssignment) {
			if f.Owner(a) == nil {
				all = append(all, a)
			}
		}
	}
	var out []analysis.NodeID
	for _, a := range all {
		if l := t.Field(a, syntax.FieldLeft); t.Kind(l) == syntax.KindIdentifier && t.TextIs(l, name) {
			out = append(out, a)
		}
	}
	return out
}

// esValueBefore returns the value the last plain assignment to name in scope binds before
// byte offset at, or NoNode.
func esValueBefore(f *analysis.File, scope *analysis.Function, name string, at int) analysis.NodeID {
	v := analysis.NoNode
	for _, a := range esAssignments(f, scope, name) {
		if f.Tree.Start(a) < at {
			v = f.Tree.Field(a, syntax.FieldRight)
		}
	}
	return v
}

// esModuleClass returns the class of the file that expression e (a call `Net(...)`, or a
// name assigned one earlier in scope) constructs, or nil.
func esModuleClass(f *analysis.File, scope *analysis.Function, e analysis.NodeID, at int) *analysis.Class {
	t := f.Tree
	for depth := 0; depth < 4; depth++ {
		e = t.Unparen(e)
		switch t.Kind(e) {
		case syntax.KindCall:
			callee := t.Unparen(t.Field(e, syntax.FieldFunction))
			if t.Kind(callee) == syntax.KindIdentifier {
				return f.ClassNamed(t.String(callee))
			}
			// model.eval(), model.to(device): the same module
			if t.Kind(callee) == syntax.KindAttribute {
				switch esLastName(t, callee) {
				case "eval", "train", "to", "cpu", "cuda", "float", "half", "requires_grad_":
					e = t.Field(callee, syntax.FieldObject)
					continue
				}
			}
			return nil
		case syntax.KindIdentifier:
			e = esValueBefore(f, scope, t.String(e), at)
		default:
			return nil
		}
	}
	return nil
}

// Readings of the export surface from the call index (Pass.CallsNamed), for the Local rules
// of the family: the export calls and the submodule classes, without a loop over every call
// of the file at each keystroke.

// esCallsNamed returns the calls whose callee's last name as written (esLast) may be one of
// names, in source order: CallsNamed's, with the last name of what an import binds to each
// name asked too (CallsNamed files an imported identifier under that one). The caller tests
// esLast, which CallsNamed's answer then holds every match of.
func esCallsNamed(pass *analysis.Pass, names ...string) []analysis.NodeID {
	all := names
	for _, n := range names {
		if q, ok := pass.File.Imports[n]; ok {
			if last := q[strings.LastIndexByte(q, '.')+1:]; last != n {
				all = append(all[:len(all):len(all)], last)
			}
		}
	}
	return pass.CallsNamed(all...)
}

// esExportLastNames are the last names of esExportNames, for CallsNamed.
var esExportLastNames = func() []string {
	var out []string
	seen := map[string]bool{}
	for q := range esExportNames {
		if last := q[strings.LastIndexByte(q, '.')+1:]; !seen[last] {
			seen[last] = true
			out = append(out, last)
		}
	}
	return out
}()

// esExports returns the file's export calls in source order, from the calls named like an
// export entry point. The byte test on the callee's last name keeps the cost per call at a
// comparison. Two rules ask: the answer is computed once per analysis (Pass.Shared) and
// must not be modified.
func esExports(pass *analysis.Pass) []esExport {
	return pass.Shared(esExportsKey{}, func() any { return esExportsOf(pass) }).([]esExport)
}

// esExportsKey keys esExports' answer (Pass.Shared).
type esExportsKey struct{}

// esExportsOf is esExports, computed.
func esExportsOf(pass *analysis.Pass) []esExport {
	f := pass.File
	t := f.Tree
	var out []esExport
	for _, call := range pass.CallsNamed(esExportLastNames...) {
		callee := t.Field(call, syntax.FieldFunction)
		if !bytes.Contains(esLast(t, callee), []byte("export")) || !esExportNames[esImported(f, callee)] {
			continue
		}
		args, ok := f.BindArgs(call, "mod|f|model", "args", "kwargs")
		if !ok {
			continue
		}
		out = append(out, esExport{call: call, scope: f.Owner(call), model: args[0], args: args[1], kw: args[2]})
	}
	return out
}

// esEachExport calls visit, in source order, for each export call of exports (esExports)
// that the pass visits: for a Local rule those in the units it visits (an export call is one
// AllCalls visits under the name it resolves to), with what visit reports kept with the
// call's unit.
func esEachExport(pass *analysis.Pass, exports []esExport, visit func(ex esExport)) {
	if len(exports) == 0 {
		return
	}
	visited := map[analysis.NodeID]bool{}
	for q := range esExportNames {
		pass.AllCalls(q, func(call analysis.NodeID, _ *analysis.Function) { visited[call] = true })
	}
	for _, ex := range exports {
		if visited[ex.call] {
			pass.Within(ex.call, func() { visit(ex) })
		}
	}
}

// esInnerModules returns the module classes of the file that a method of another module
// class of the file instantiates: they run as submodules, on the parent's intermediate
// values, so their forward's inputs and outputs are not those of an exported program. The
// calls are those named like a module class of the file. Three rules ask: the answer is
// computed once per analysis (Pass.Shared) and must not be modified.
func esInnerModules(pass *analysis.Pass) map[*analysis.Class]bool {
	return pass.Shared(esInnerKey{}, func() any { return esInnerModulesOf(pass) }).(map[*analysis.Class]bool)
}

// esInnerKey keys esInnerModules' answer (Pass.Shared).
type esInnerKey struct{}

// esInnerModulesOf is esInnerModules, computed.
func esInnerModulesOf(pass *analysis.Pass) map[*analysis.Class]bool {
	f := pass.File
	t := f.Tree
	mods := make(map[string]*analysis.Class, len(f.Classes))
	var names []string
	for _, c := range f.Classes {
		if f.IsModule(c) && f.ClassNamed(c.Name) == c {
			mods[c.Name] = c
			names = append(names, c.Name)
		}
	}
	if len(mods) == 0 {
		return nil
	}
	var inner map[*analysis.Class]bool
	for _, call := range esCallsNamed(pass, names...) {
		callee := t.Field(call, syntax.FieldFunction)
		if t.Kind(callee) != syntax.KindIdentifier {
			continue
		}
		c := mods[t.String(callee)]
		if c == nil {
			continue
		}
		if m := f.Owner(call); m != nil {
			if m = m.Method(); m != nil && m.Class != nil && f.IsModule(m.Class) && m.Class != c {
				if inner == nil {
					inner = map[*analysis.Class]bool{}
				}
				inner[c] = true
			}
		}
	}
	return inner
}
