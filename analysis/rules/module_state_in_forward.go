package rules

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// ModuleStateInForward finds module state that forward creates, moves or updates in ways
// export mishandles, and submodules kept in plain Python containers.
var ModuleStateInForward = &analysis.Rule{
	Name: "module_state_in_forward",
	Doc: `## What it does
Finds module state handled in ways torch.export does not model:
- **a parameter updated in place** in code export traces: an in-place method
  (` + "`self.weight.add_(d)`" + `, ` + "`self.w.copy_(v)`" + ` under ` + "`torch.no_grad()`" + `, ` + "`self.w[0].zero_()`" + `), item
  assignment (` + "`self.w[i] = v`" + `) or an in-place torch function (` + "`torch.nn.init.zeros_(self.w)`" + `) on a
  parameter assigned as ` + "`nn.Parameter`" + ` in ` + "`__init__`" + ` (or registered with ` + "`register_parameter`" + `, or
  the ` + "`weight`" + `/` + "`bias`" + ` of a layer such as ` + "`nn.Linear`" + `) (warning);
- **updates through ` + "`.data`" + `**: ` + "`self.w.data.mul_(s)`" + `, ` + "`self.w.data = v`" + `, ` + "`self.w.data[0] = 0`" + ` on a
  parameter (error) or a buffer (warning), and reads of ` + "`self.w.data`" + ` (hint);
- **a layer with weights created in traced code** (` + "`nn.Linear(4, 4)(x)`" + `, ` + "`conv = nn.Conv2d(...)`" + ` in
  ` + "`forward`" + `), including a module class of the file that has parameters, buffers or such layers
  (warning). Layers without state (` + "`nn.ReLU()`" + `, ` + "`nn.Flatten()`" + `, ` + "`nn.Dropout(p)`" + `) are not reported;
- **the module or a submodule moved or cast in traced code**: ` + "`self.to(x.device)`" + `, ` + "`self.head.cuda()`" + `,
  ` + "`self.blocks[0].half()`" + ` (warning). ` + "`.to()`" + ` on a tensor, a parameter or a buffer returns a new tensor and
  is not reported;
- **modules kept in a plain ` + "`list`" + `, ` + "`tuple`" + ` or ` + "`dict`" + `** assigned in ` + "`__init__`" + `
  (` + "`self.blocks = [nn.Linear(d, d) for _ in range(n)]`" + `, or an empty list filled with ` + "`append`" + `), reported
  at that assignment when code export traces uses the attribute (warning).

Assignments to ` + "`self.attr`" + ` in ` + "`forward`" + ` (` + "`self.weight = ...`" + `, ` + "`self.weight += d`" + `,
` + "`self.sub = self.sub.to(d)`" + `) belong to model_attr_mutation and are not reported here, nor is
a layer built as the argument of ` + "`self.add_module(...)`" + ` or ` + "`self.register_module(...)`" + ` in forward
(parameter_in_forward reports the registration); buffers updated directly in place are
supported and not reported either.

## Why is this bad
Export reads a module's state from what the module registers: parameters, buffers and
submodules. Its programming model lets forward read that state and update buffers, but not
update parameters; a tensor that is neither a parameter nor a buffer ends up as a constant of
the exported program, and device and dtype are fixed when the model is exported.
- A parameter update is outside that model: depending on the release, export rejects it or
  records a mutation of the program's parameters that runtimes do not expect.
- ` + "`.data`" + ` bypasses the tracking export uses to record mutations: a parameter updated through it
  makes export fail, and an update of a buffer through it is not recorded as a buffer mutation.
- A layer built inside forward is not a submodule: its freshly initialised weights are not
  parameters of the exported program, which keeps them as constants (strict mode may reject the
  construction instead), and in eager mode it draws new random weights on every call.
- Moving or casting modules in forward changes parameters while tracing; move the model before
  exporting it.
- ` + "`nn.Module`" + ` registers submodules assigned directly as attributes, or held in ` + "`nn.ModuleList`" + `,
  ` + "`nn.ModuleDict`" + ` and ` + "`nn.Sequential`" + `; modules in a plain container are invisible to
  ` + "`parameters()`" + `, ` + "`state_dict()`" + `, ` + "`.to()`" + ` and the optimizer, and export keeps their weights as constants.

## Example
` + "```python" + `
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = [nn.Linear(8, 8) for _ in range(2)]
        self.scale = nn.Parameter(torch.ones(8))

    def forward(self, x):
        self.scale.data.clamp_(min=0)
        self.to(x.device)
        for block in self.blocks:
            x = block(x)
        return nn.Linear(8, 4)(x * self.scale)
` + "```" + `

## Use instead
` + "```python" + `
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Linear(8, 8) for _ in range(2)])
        self.scale = nn.Parameter(torch.ones(8))
        self.head = nn.Linear(8, 4)

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.head(x * self.scale.clamp(min=0))

model = Net().to(device)  # move before exporting
` + "```" + `

## Fix safety
- Wrapping a plain list or tuple in ` + "`nn.ModuleList(...)`" + ` (a dict in ` + "`nn.ModuleDict(...)`" + `, when its keys
  are plain strings that ` + "`ModuleDict`" + ` accepts) is unsafe: it is the point of the fix that the
  submodules become registered, but that changes behaviour outside export: ` + "`state_dict()`" + ` gains
  their keys (an old checkpoint loaded with ` + "`strict=True`" + ` fails on the missing keys),
  ` + "`parameters()`" + ` and the optimizer now include them, and ` + "`.to()`" + ` moves them.
- Replacing a read of ` + "`self.w.data`" + ` with ` + "`self.w.detach()`" + ` is safe: both give the parameter's values
  without autograd history.
- Updating a buffer directly instead of through ` + "`.data`" + ` (` + "`self.buf.data.copy_(v)`" + ` ->
  ` + "`self.buf.copy_(v)`" + `) is unsafe: autograd now sees the update, so a value that requires grad makes
  the buffer part of the graph.
- Parameter updates, layers created in forward and moves have no automatic fix: where the state
  belongs (a buffer, ` + "`__init__`" + `, the code that calls export) is the author's decision.

## References
- [torch.export programming model: module state, reads and updates](https://pytorch.org/docs/main/export.programming_model.html)
- [torch.nn.ModuleList](https://pytorch.org/docs/main/generated/torch.nn.ModuleList.html)
- [torch.nn.Module.register_buffer](https://pytorch.org/docs/main/generated/torch.nn.Module.html#torch.nn.Module.register_buffer)
`,
	Local: true,
	Run:   runModuleStateInForward,
}

// msfConstructs says whether call (inside fn) constructs a module, whether that module owns
// state, and how the code names its class.
func msfConstructs(f *analysis.File, fn *analysis.Function, call analysis.NodeID) (label string, module, stateful bool) {
	t := f.Tree
	call = t.Unparen(call)
	if t.Kind(call) != syntax.KindCall {
		return "", false, false
	}
	callee := t.Unparen(t.Field(call, syntax.FieldFunction))
	last := callee
	if t.Kind(callee) == syntax.KindAttribute {
		last = t.Field(callee, syntax.FieldAttribute)
	}
	if txt := t.Text(last); t.Kind(last) != syntax.KindIdentifier || len(txt) == 0 || txt[0] < 'A' || txt[0] > 'Z' {
		return "", false, false // classes are capitalised: most calls stop at this byte test
	}
	c := f.Callee(fn, call)
	switch {
	case torchsem.IsLayer(c.API):
		return fix.Snippet(t, callee), true, f.ConstructsState(fn, call)
	case c.Class != nil && c.ClassFile.IsModule(c.Class):
		return c.Class.Name, true, c.ClassFile.HasState(c.Class)
	}
	return "", false, false
}

// msfInsideCtor reports whether call is an argument (at any depth) of another module
// constructor, as nn.Linear is in nn.Sequential(nn.Linear(4, 4)): the outer call is reported.
func msfInsideCtor(f *analysis.File, fn *analysis.Function, call analysis.NodeID) bool {
	t := f.Tree
	for p := t.Parent(call); p != analysis.NoNode; p = t.Parent(p) {
		switch t.Kind(p) {
		case syntax.KindCall:
			if _, mod, _ := msfConstructs(f, fn, p); mod {
				return true
			}
		case syntax.KindBlock, syntax.KindModule, syntax.KindLambda, syntax.KindFunctionDefinition:
			return false
		}
	}
	return false
}

// msfSubmodule says what self.attr of class c holds when it is a module: whether it owns
// state, and whether it is a torch.nn container (Sequential, ModuleList, ModuleDict).
func msfSubmodule(f *analysis.File, c *analysis.Class, attr string) (ok, stateful, container bool) {
	a := f.Attr(c, attr)
	if a.Kind != torchsem.AttrSubmodule {
		return false, false, false
	}
	switch {
	case a.Class != nil:
		stateful = a.ClassFile.HasState(a.Class)
	case a.Layer != "":
		stateful = a.File.ConstructsState(a.File.Owner(a.Node), a.Node)
	}
	return true, stateful, torchsem.IsLayerContainer(a.Layer)
}

// msfStateRef describes n when it names module state: self.P (a parameter or buffer of the
// class) or self.S.weight / self.S.bias of a torch.nn layer S that owns state.
func msfStateRef(f *analysis.File, cls *analysis.Class, self string, n analysis.NodeID) (text, kind string) {
	t := f.Tree
	n = t.Unparen(n)
	if t.Kind(n) != syntax.KindAttribute {
		return "", ""
	}
	if attr := pysem.SelfAttrOf(t, n, self); attr != "" {
		switch f.Attr(cls, attr).Kind {
		case torchsem.AttrParameter:
			return "self." + attr, "parameter"
		case torchsem.AttrBuffer:
			return "self." + attr, "buffer"
		}
		return "", ""
	}
	name := t.String(t.Field(n, syntax.FieldAttribute))
	if sub := pysem.SelfAttrOf(t, t.Unparen(t.Field(n, syntax.FieldObject)), self); sub != "" && (name == "weight" || name == "bias") {
		if a := f.Attr(cls, sub); a.Kind == torchsem.AttrSubmodule && torchsem.LayerOwnsState(a.Layer) {
			return "self." + sub + "." + name, "parameter"
		}
	}
	return "", ""
}

// msfStateRoot walks from a mutated expression down through item access and view methods to
// the attribute it changes, noting whether the path goes through .data.
func msfStateRoot(t *syntax.Tree, n analysis.NodeID) (root analysis.NodeID, throughData bool) {
	for depth := 0; depth < 16; depth++ {
		n = t.Unparen(n)
		switch t.Kind(n) {
		case syntax.KindSubscript:
			n = t.Field(n, syntax.FieldValue)
		case syntax.KindCall:
			callee := t.Unparen(t.Field(n, syntax.FieldFunction))
			if t.Kind(callee) != syntax.KindAttribute || !torchsem.IsViewMethod(t.String(t.Field(callee, syntax.FieldAttribute))) {
				return analysis.NoNode, false
			}
			n = t.Field(callee, syntax.FieldObject)
		case syntax.KindAttribute:
			if t.TextIs(t.Field(n, syntax.FieldAttribute), "data") {
				throughData = true
				n = t.Field(n, syntax.FieldObject)
				continue
			}
			return n, throughData
		default:
			return analysis.NoNode, false
		}
	}
	return analysis.NoNode, false
}

// msfOwnedByAttrMutation reports whether n is the value assigned to self.attr (possibly
// through a chain of assignments): model_attr_mutation reports that statement.
func msfOwnedByAttrMutation(t *syntax.Tree, n analysis.NodeID, self string) bool {
	for {
		p := t.Parent(n)
		switch t.Kind(p) {
		case syntax.KindParenthesizedExpression:
			n = p
			continue
		case syntax.KindAssignment:
			if t.FieldOf(n) != syntax.FieldRight {
				return false
			}
			if pysem.SelfAttrOf(t, t.Field(p, syntax.FieldLeft), self) != "" {
				return true
			}
			n = p
			continue
		}
		return false
	}
}

func runModuleStateInForward(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		cls, self := f.ModuleSelf(fn)
		if label, mod, st := msfConstructs(f, fn, call); mod && st && (self == "" || !msfOwnedByAttrMutation(t, call, self) && !esRegisteredArg(t, call, self)) && !msfInsideCtor(f, fn, call) {
			pass.Reportf(call, analysis.Changes, "%s is created inside %s: its weights are not parameters of the exported model and are traced as constants; create it once in __init__", label, fn.Name)
			return
		}
		if cls == nil {
			return
		}
		callee := t.Unparen(t.Field(call, syntax.FieldFunction))
		if f.IsImported(callee) {
			// torch.nn.init.zeros_(self.w), torch.clamp_(self.w, ...)
			q := f.Resolve(callee)
			op := q[strings.LastIndexByte(q, '.')+1:]
			if pos, _ := f.Args(call); strings.HasPrefix(q, "torch.") && torchsem.IsInPlace(op) && len(pos) > 0 {
				if root, data := msfStateRoot(t, pos[0]); root != analysis.NoNode && !data {
					if text, kind := msfStateRef(f, cls, self, root); kind == "parameter" {
						pass.Reportf(call, analysis.Changes, "parameter %s is updated in place by %s in %s: export treats parameters as read-only state; keep state that changes in a buffer", text, op, fn.Name)
					}
				}
			}
			return
		}
		if t.Kind(callee) != syntax.KindAttribute {
			return
		}
		method := t.String(t.Field(callee, syntax.FieldAttribute))
		recv := t.Unparen(t.Field(callee, syntax.FieldObject))
		switch {
		case torchsem.IsModuleMove(method):
			msfMove(pass, cls, self, fn, call, recv, method)
		case torchsem.IsInPlace(method):
			root, data := msfStateRoot(t, recv)
			if root == analysis.NoNode || data {
				return // updates through .data are reported with the .data access
			}
			if text, kind := msfStateRef(f, cls, self, root); kind == "parameter" {
				pass.Reportf(call, analysis.Changes, "parameter %s is updated in place with %s() in %s: export treats parameters as read-only state; keep state that changes in a buffer", text, method, fn.Name)
			}
		}
	})
	pass.Traced(syntax.KindAttribute, func(n analysis.NodeID, fn *analysis.Function) {
		if !t.TextIs(t.Field(n, syntax.FieldAttribute), "data") {
			return
		}
		cls, self := f.ModuleSelf(fn)
		if cls == nil {
			return
		}
		if text, kind := msfStateRef(f, cls, self, t.Field(n, syntax.FieldObject)); kind != "" {
			msfData(pass, n, fn, text, kind)
		}
	})
	for _, k := range [...]syntax.Kind{syntax.KindAssignment, syntax.KindAugmentedAssignment} {
		pass.Traced(k, func(a analysis.NodeID, fn *analysis.Function) {
			cls, self := f.ModuleSelf(fn)
			left := t.Unparen(t.Field(a, syntax.FieldLeft))
			if cls == nil || t.Kind(left) != syntax.KindSubscript {
				return // self.w = ... and self.w += ... are model_attr_mutation's
			}
			root, data := msfStateRoot(t, left)
			if root == analysis.NoNode || data {
				return
			}
			if text, kind := msfStateRef(f, cls, self, root); kind == "parameter" {
				pass.Reportf(a, analysis.Changes, "parameter %s is updated in place by item assignment in %s: export treats parameters as read-only state; keep state that changes in a buffer", text, fn.Name)
			}
		})
	}
	for _, c := range f.Classes {
		if f.IsModule(c) {
			msfContainersOf(pass, c)
		}
	}
}

// msfMove reports the module or a submodule moved or cast in traced code.
func msfMove(pass *analysis.Pass, cls *analysis.Class, self string, fn *analysis.Function, call, recv analysis.NodeID, method string) {
	f := pass.File
	t := f.Tree
	if msfOwnedByAttrMutation(t, call, self) {
		return
	}
	var what string
	switch {
	case t.Kind(recv) == syntax.KindIdentifier && t.TextIs(recv, self):
		if !f.HasState(cls) {
			return
		}
		what = "the module"
	case t.Kind(recv) == syntax.KindAttribute:
		attr := pysem.SelfAttrOf(t, recv, self)
		if attr == "" {
			return
		}
		if ok, st, container := msfSubmodule(f, cls, attr); !ok || !st && !container {
			return
		}
		what = "submodule self." + attr
	case t.Kind(recv) == syntax.KindSubscript:
		attr := pysem.SelfAttrOf(t, t.Unparen(t.Field(recv, syntax.FieldValue)), self)
		if attr == "" {
			return
		}
		if ok, _, container := msfSubmodule(f, cls, attr); !ok || !container {
			return
		}
		what = "submodule " + fix.Snippet(t, recv)
	default:
		return
	}
	pass.Reportf(call, analysis.Changes, "%s is moved with .%s() in %s: device and dtype are fixed when the model is exported; move the model before calling torch.export.export", what, method, fn.Name)
}

// msfData reports an access to module state through .data: an update (error for a
// parameter, warning for a buffer) or a read (hint).
func msfData(pass *analysis.Pass, n analysis.NodeID, fn *analysis.Function, text, kind string) {
	f := pass.File
	t := f.Tree
	obj := t.Field(n, syntax.FieldObject)
	how, direct := "", false // direct: a method call or item update right on .data, fixable by dropping it
	cur := n
	for depth := 0; depth < 16 && how == ""; depth++ {
		p := t.Parent(cur)
		if p == analysis.NoNode {
			break
		}
		switch {
		case t.Kind(p) == syntax.KindParenthesizedExpression:
			cur = p
			continue
		case t.Kind(p) == syntax.KindSubscript && t.FieldOf(cur) == syntax.FieldValue:
			cur = p
			continue
		case (t.Kind(p) == syntax.KindAssignment || t.Kind(p) == syntax.KindAugmentedAssignment) && t.FieldOf(cur) == syntax.FieldLeft:
			how = "assignment"
			if t.Kind(p) == syntax.KindAugmentedAssignment {
				how = t.Operator(p)
			}
			direct = cur != n
		case t.Kind(p) == syntax.KindAttribute && t.FieldOf(cur) == syntax.FieldObject:
			g := t.Parent(p)
			m := t.String(t.Field(p, syntax.FieldAttribute))
			if torchsem.IsMetadata(m) {
				return // self.w.data.shape reads metadata only
			}
			if g == analysis.NoNode || t.Kind(g) != syntax.KindCall || t.FieldOf(p) != syntax.FieldFunction {
				depth = 16
				break
			}
			if torchsem.IsViewMethod(m) {
				cur = g
				continue
			}
			if torchsem.IsInPlace(m) {
				how, direct = m+"()", cur == n
			}
			depth = 16
		case t.Kind(p) == syntax.KindArgumentList:
			g := t.Parent(p)
			callee := t.Unparen(t.Field(g, syntax.FieldFunction))
			if pos, _ := f.Args(g); len(pos) > 0 && pos[0] == cur && callee != analysis.NoNode && f.IsImported(callee) {
				if q := f.Resolve(callee); strings.HasPrefix(q, "torch.") && torchsem.IsInPlace(q[strings.LastIndexByte(q, '.')+1:]) {
					how = q[strings.LastIndexByte(q, '.')+1:] + "()"
				}
			}
			depth = 16
		default:
			depth = 16
		}
	}
	dataEdit := analysis.Edit{Start: t.End(obj), End: t.End(n)}
	switch {
	case how == "":
		fd := pass.Reportf(n, analysis.Note, "%s.data in %s reads the %s outside export's tracking; read it with %s.detach()", text, fn.Name, kind, text)
		dataEdit.NewText = ".detach()"
		fd.Fixes = append(fd.Fixes, analysis.Fix{Title: "replace .data with .detach()", Safety: analysis.Safe, Edits: []analysis.Edit{dataEdit}})
	case kind == "parameter":
		pass.Reportf(n, analysis.Fails, "parameter %s is updated through .data (%s) in %s: export does not track .data updates, and an exported program cannot update parameters", text, how, fn.Name)
	default:
		fd := pass.Reportf(n, analysis.Changes, "buffer %s is updated through .data (%s) in %s: export does not record updates made through .data; update the buffer itself", text, how, fn.Name)
		if direct {
			fd.Fixes = append(fd.Fixes, analysis.Fix{Title: "update " + text + " directly, not through .data (autograd records the update)", Safety: analysis.Unsafe, Edits: []analysis.Edit{dataEdit}})
		}
	}
}

// msfContainer is a plain Python container of modules assigned to self.attr in __init__.
type msfContainer struct {
	attr   string
	assign analysis.NodeID
	value  analysis.NodeID // the list, tuple or dict (or comprehension)
	kind   string          // "list", "tuple", "dict"
}

// msfContainersOf reports plain lists, tuples and dicts of modules assigned in c.__init__
// and used by code export traces.
func msfContainersOf(pass *analysis.Pass, c *analysis.Class) {
	f := pass.File
	t := f.Tree
	init := c.Methods["__init__"]
	if init == nil {
		return
	}
	self := init.SelfName()
	if self == "" {
		return
	}
	own := f.OwnNodes(init, syntax.KindAssignment)
	for _, a := range own {
		switch t.Kind(t.Unparen(t.Field(a, syntax.FieldRight))) {
		case syntax.KindList, syntax.KindTuple, syntax.KindListComprehension, syntax.KindDictionary, syntax.KindDictionaryComprehension:
		default:
			continue
		}
		left := t.Field(a, syntax.FieldLeft)
		attr := pysem.SelfAttrOf(t, left, self)
		if attr == "" {
			continue
		}
		n := 0 // assignments to self.attr in __init__: a container replaced later is not this case
		for _, b := range own {
			if l := t.Field(b, syntax.FieldLeft); l != analysis.NoNode && t.Kind(l) == syntax.KindAttribute && t.TextIs(l, t.String(left)) {
				n++
			}
		}
		if n != 1 {
			continue
		}
		ct, ok := msfPlainContainer(f, init, self, attr, a)
		if !ok {
			continue
		}
		use := msfTracedUse(f, c, attr)
		if use == analysis.NoNode {
			continue
		}
		fd := pass.Reportf(ct.assign, analysis.Changes, "self.%s keeps modules in a plain %s: nn.Module does not register them, so export traces their weights as constants and state_dict() misses them; use nn.Module%s",
			attr, ct.kind, map[string]string{"list": "List", "tuple": "List", "dict": "Dict"}[ct.kind])
		fd.Related = append(fd.Related, analysis.Related{Start: t.Start(use), End: t.End(use), Message: "self." + attr + " is used here, in code export traces"})
		if fx, ok := msfWrapFix(f, ct); ok {
			fd.Fixes = append(fd.Fixes, fx)
		}
	}
}

// msfPlainContainer recognises self.attr = [modules...] (a list, tuple, dict or
// comprehension of module constructors, at least one with state), or an empty list or dict
// filled with modules in __init__, when __init__ uses the attribute for nothing else.
func msfPlainContainer(f *analysis.File, init *analysis.Function, self, attr string, a analysis.NodeID) (msfContainer, bool) {
	t := f.Tree
	v := t.Unparen(t.Field(a, syntax.FieldRight))
	if v == analysis.NoNode {
		return msfContainer{}, false
	}
	ct := msfContainer{attr: attr, assign: a, value: v}
	var items []analysis.NodeID // the module expressions the container holds
	switch t.Kind(v) {
	case syntax.KindList, syntax.KindTuple:
		ct.kind = map[syntax.Kind]string{syntax.KindList: "list", syntax.KindTuple: "tuple"}[t.Kind(v)]
		items = t.NamedChildren(v, nil)
	case syntax.KindListComprehension:
		ct.kind = "list"
		items = append(items, t.Field(v, syntax.FieldBody))
	case syntax.KindDictionary:
		ct.kind = "dict"
		t.Children(v, func(p analysis.NodeID) bool {
			switch {
			case t.Kind(p) == syntax.KindPair:
				items = append(items, t.Field(p, syntax.FieldValue))
			case t.IsNamed(p) && !t.IsComment(p):
				items = append(items, analysis.NoNode) // **splat: unknown
			}
			return true
		})
	case syntax.KindDictionaryComprehension:
		ct.kind = "dict"
		if body := t.Field(v, syntax.FieldBody); body != analysis.NoNode && t.Kind(body) == syntax.KindPair {
			items = append(items, t.Field(body, syntax.FieldValue))
		}
	default:
		return msfContainer{}, false
	}
	// every other use of self.attr in __init__ must fill the container with modules
	for _, n := range f.NodesIn(init, syntax.KindAttribute) {
		if pysem.SelfAttrOf(t, n, self) != attr || t.Contains(a, n) {
			continue
		}
		p := t.Parent(n)
		switch {
		case t.Kind(p) == syntax.KindAttribute && t.FieldOf(n) == syntax.FieldObject:
			m := t.String(t.Field(p, syntax.FieldAttribute))
			g := t.Parent(p)
			if (m != "append" && m != "extend" && m != "insert") || g == analysis.NoNode || t.Kind(g) != syntax.KindCall {
				return msfContainer{}, false
			}
			pos, kws := f.Args(g)
			if len(kws) != 0 || len(pos) == 0 {
				return msfContainer{}, false
			}
			arg := pos[len(pos)-1]
			if m == "extend" {
				arg = t.Unparen(arg)
				switch t.Kind(arg) {
				case syntax.KindList, syntax.KindTuple:
					items = append(items, t.NamedChildren(arg, nil)...)
				case syntax.KindListComprehension, syntax.KindGeneratorExpression:
					items = append(items, t.Field(arg, syntax.FieldBody))
				default:
					return msfContainer{}, false
				}
			} else {
				items = append(items, arg)
			}
		case t.Kind(p) == syntax.KindSubscript && t.FieldOf(n) == syntax.FieldValue:
			g := t.Parent(p)
			if g == analysis.NoNode || t.Kind(g) != syntax.KindAssignment || t.FieldOf(p) != syntax.FieldLeft {
				return msfContainer{}, false
			}
			items = append(items, t.Field(g, syntax.FieldRight))
		default:
			return msfContainer{}, false
		}
	}
	stateful := false
	for _, it := range items {
		_, mod, st := msfConstructs(f, init, it)
		if !mod {
			return msfContainer{}, false
		}
		stateful = stateful || st
	}
	return ct, stateful
}

// msfTracedUse returns the first use of self.attr in code export traces for c (its methods
// or those of subclasses in the file), or NoNode.
func msfTracedUse(f *analysis.File, c *analysis.Class, attr string) analysis.NodeID {
	t := f.Tree
	for _, fn := range f.Funcs {
		if !f.Traced(fn) {
			continue
		}
		cls, self := f.ModuleSelf(fn)
		if cls == nil {
			continue
		}
		related := false
		f.Lineage(cls, func(k *analysis.Class) bool {
			related = k == c
			return !related
		})
		if !related {
			continue
		}
		for _, n := range f.OwnNodes(fn, syntax.KindAttribute) {
			if pysem.SelfAttrOf(t, n, self) == attr {
				return n
			}
		}
	}
	return analysis.NoNode
}

// msfWrapFix wraps the container in nn.ModuleList / nn.ModuleDict.
func msfWrapFix(f *analysis.File, ct msfContainer) (analysis.Fix, bool) {
	t := f.Tree
	v := ct.value
	body := t.String(v)
	if strings.Contains(body, "\\\n") {
		return analysis.Fix{}, false
	}
	var wrapper, arg string
	switch t.Kind(v) {
	case syntax.KindList, syntax.KindListComprehension:
		wrapper = "ModuleList"
		arg = body
		if t.NamedChildCount(v) == 0 && t.Kind(v) == syntax.KindList {
			arg = ""
		}
	case syntax.KindTuple:
		wrapper = "ModuleList"
		arg = "[" + body[1:len(body)-1] + "]"
	case syntax.KindDictionary:
		wrapper = "ModuleDict"
		arg = body
		ok := true
		t.Children(v, func(p analysis.NodeID) bool {
			if t.Kind(p) == syntax.KindPair {
				k, isStr := pysem.StringLiteral(t, t.Field(p, syntax.FieldKey))
				if !isStr || k == "" || strings.Contains(k, ".") || torchsem.ModuleDictReserved(k) {
					ok = false
				}
			}
			return ok
		})
		if !ok {
			return analysis.Fix{}, false
		}
		if t.NamedChildCount(v) == 0 {
			arg = ""
		}
	default:
		return analysis.Fix{}, false
	}
	nn, imp := fix.NewImporter(f).NN()
	fx := analysis.Fix{
		Title:  "wrap self." + ct.attr + " in nn." + wrapper + " (registers its modules: state_dict() gains their keys)",
		Safety: analysis.Unsafe,
		Edits:  []analysis.Edit{{Start: t.Start(v), End: t.End(v), NewText: nn + "." + wrapper + "(" + arg + ")"}},
	}
	if imp != nil {
		fx.Edits = append(fx.Edits, *imp)
	}
	return fx, true
}
