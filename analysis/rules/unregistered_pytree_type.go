package rules

import (
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strings"
	"unicode"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// UnregisteredPytreeType finds inputs and outputs of an exported forward whose type torch's
// pytree does not know: dataclasses and plain classes of the file without a registration, and
// the cache object transformers' causal language models return.
var UnregisteredPytreeType = &analysis.Rule{
	Name: "unregistered_pytree_type",
	Doc: `## What it does
Finds values of a class the file defines, a dataclass or a plain class, that cross the boundary
of an exported program without being registered with torch's pytree:
- a parameter of an exported ` + "`forward`" + ` annotated with the class (also inside ` + "`Optional[...]`" + `,
  ` + "`list[...]`" + `, ` + "`dict[...]`" + `);
- ` + "`forward`" + ` returning an instance (` + "`return Output(logits=x)`" + `, inside a tuple or dict, through a
  name assigned once, or built by a helper ` + "`forward`" + ` returns in the file); a return annotation
  when no construction is visible;
- an instance passed in the ` + "`args`" + ` or ` + "`kwargs`" + ` of ` + "`torch.export.export`" + `;
- ` + "`torch.export.export`" + ` of a transformers causal language model (` + "`AutoModelForCausalLM`" + `,
  ` + "`*ForCausalLM`" + `, ` + "`*LMHeadModel`" + `), which returns a ` + "`DynamicCache`" + `, unless the export passes
  ` + "`use_cache=False`" + ` (in ` + "`kwargs`" + `, to ` + "`from_pretrained`" + `, or through ` + "`model.config.use_cache = False`" + `) or
  the file registers the cache class.

A class counts as registered when the file passes it to ` + "`torch.export.register_dataclass`" + `,
` + "`torch.utils._pytree.register_dataclass`" + `, ` + "`register_pytree_node`" + ` or ` + "`register_constant`" + `
(also from a base class's ` + "`__init_subclass__`" + ` with ` + "`cls`" + `). Not reported: ` + "`NamedTuple`" + `s and
` + "`collections.namedtuple`" + `s (pytree knows them), classes with a base from another library (it
may register them, as transformers does for ` + "`ModelOutput`" + `), and modules used only as
submodules of another module of the file (their inputs and outputs never cross the boundary).

## Why is this bad
torch.export flattens the inputs and outputs of the exported program into tensors and Python
constants with pytree. Tensors, primitives, lists, tuples, dicts and namedtuples are known;
any other class must be registered. Without a registration export fails: strict mode with
` + "`It looks like one of the inputs with type ... is not supported or pytree-flattenable`" + `,
non-strict mode with
` + "`Found <class ...> in output, which is not a known type. If this type holds tensors, you need to register a pytree for it.`" + `
Measured at torch 2.11: GPT-2, Llama, Mistral and Qwen2
causal LMs from transformers 5.17 fail this way, because they return a ` + "`DynamicCache`" + `.

## Example
` + "```python" + `
@dataclass
class Detections:
    boxes: torch.Tensor
    scores: torch.Tensor

class Detector(nn.Module):
    def forward(self, x) -> Detections:
        return Detections(boxes=self.box(x), scores=self.cls(x))
` + "```" + `

## Use instead
` + "```python" + `
@dataclass
class Detections:
    boxes: torch.Tensor
    scores: torch.Tensor


torch.export.register_dataclass(Detections)
` + "```" + `
A plain class is registered with
` + "`torch.utils._pytree.register_pytree_node(Cls, flatten_fn, unflatten_fn)`" + `. For a transformers
causal LM, export with ` + "`kwargs={\"use_cache\": False}`" + ` (the model then returns no cache) or
register the cache class.

## Fix safety
For a dataclass, the fix adds ` + "`torch.export.register_dataclass(Cls)`" + ` after the class (torch 2.4
and later targets). It is unsafe: pytree utilities (` + "`tree_map`" + `, ` + "`tree_flatten`" + `) look inside
the class from then on, everywhere in the program. Plain classes and caches have no automatic
fix: how to flatten and rebuild them is the author's knowledge.

## References
- [torch.export programming model: custom input types (PyTree)](https://pytorch.org/docs/main/export.programming_model.html#custom-input-types-pytree)
- [torch.export.register_dataclass](https://pytorch.org/docs/main/export/api_reference.html#torch.export.register_dataclass)
- [torch.export: inputs and outputs of the exported program](https://pytorch.org/docs/main/export.html)
`,
	Local: true,
	Run:   runUnregisteredPytreeType,
}

// uptRegistrars are the last names of the functions that register a class with pytree.
var uptRegistrars = map[string]bool{
	"register_dataclass": true, "register_pytree_node": true, "_register_pytree_node": true, "register_constant": true,
	"register_dataclass_as_pytree_node": true, "_private_register_pytree_node": true,
}

// uptRegistrarNames are the keys of uptRegistrars, for CallsNamed.
var uptRegistrarNames = slices.Collect(maps.Keys(uptRegistrars))

// uptScan holds what one Run knows about the file's classes.
type uptScan struct {
	f          *analysis.File
	kinds      map[*analysis.Class]string // "dataclass" or "class": unregistered classes pytree does not know
	inner      map[*analysis.Class]bool   // esInnerModules, read when kinds has a class
	registered map[string]bool            // names passed to a registration
}

func runUnregisteredPytreeType(pass *analysis.Pass) {
	f := pass.File
	s := &uptScan{f: f, kinds: map[*analysis.Class]string{}}
	s.collect(pass)
	if len(s.kinds) > 0 {
		s.inner = esInnerModules(pass)
	}
	exports := esExports(pass)
	// which classes pytree does not know, which modules are submodules and whether the
	// cache is registered are read from the whole file: the findings kept per unit hold
	// while what the reports read of them is the same
	pass.KeepWhile(s.fingerprint())
	if len(s.kinds) > 0 {
		pass.Classes(func(c *analysis.Class) {
			fwd := esRootForward(f, c, s.inner)
			if fwd == nil {
				return
			}
			s.inputs(pass, fwd)
			s.outputs(pass, fwd)
		})
	}
	esEachExport(pass, exports, func(ex esExport) {
		if len(s.kinds) > 0 {
			s.exportArgs(pass, ex)
		}
		uptCausalLM(pass, s, ex)
	})
}

// fingerprint hashes what the reports read of the whole file: each class pytree does not
// know (its name, its kind, and for a dataclass the fix registers, where the registration
// goes from the end of the class and what precedes it), the module classes other modules
// of the file instantiate, whether the cache classes are registered, and how the file names
// torch. The rest (a forward's parameters and returns, the helpers it returns through, an
// export's arguments and model) a report reaches by name from the unit it reports in.
func (s *uptScan) fingerprint() uint64 {
	f := s.f
	h := fnv.New64a()
	for _, c := range f.Classes {
		if k := s.kinds[c]; k != "" {
			fmt.Fprintf(h, "%s\x00%s\x00", c.Name, k)
			if def, at, text, ok := s.fixPlace(c); ok {
				fmt.Fprintf(h, "%d\x00%s\x00", at-f.Tree.End(def), text)
			}
		}
		if s.inner[c] {
			fmt.Fprintf(h, "inner %s\x00", c.Name)
		}
	}
	torch, imp := fix.NewImporter(f).Torch()
	fmt.Fprintf(h, "%t%t%s%t", s.registered["DynamicCache"], s.registered["Cache"], torch, imp != nil)
	return h.Sum64()
}

// collect finds the dataclasses and plain classes of the file pytree does not know.
func (s *uptScan) collect(pass *analysis.Pass) {
	f, t := s.f, s.f.Tree
	regBases := map[*analysis.Class]bool{}
	for _, call := range esCallsNamed(pass, uptRegistrarNames...) {
		callee := t.Field(call, syntax.FieldFunction)
		if !uptRegistrars[string(esLast(t, callee))] {
			continue
		}
		first := t.Unparen(esArg(f, call, 0, "cls"))
		if first == analysis.NoNode {
			first = t.Unparen(esArg(f, call, 0, "typ"))
		}
		name := esLastName(t, first)
		if name == "" {
			continue
		}
		if s.registered == nil {
			s.registered = map[string]bool{}
		}
		s.registered[name] = true
		if m := f.Owner(call); m != nil && t.TextIs(first, "cls") {
			if m = m.Method(); m != nil && m.Class != nil {
				regBases[m.Class] = true // registers every subclass (__init_subclass__)
			}
		}
	}
	for _, d := range f.Nodes(syntax.KindDecorator) {
		if uptRegistrars[esLastName(t, t.NamedChild(d, 0))] {
			if def := t.Field(t.Parent(d), syntax.FieldDefinition); t.Kind(def) == syntax.KindClassDefinition {
				if s.registered == nil {
					s.registered = map[string]bool{}
				}
				s.registered[t.String(t.Field(def, syntax.FieldName))] = true
			}
		}
	}
	for _, c := range f.Classes {
		if f.ClassNamed(c.Name) != c || f.IsModule(c) || f.IsAutogradFunction(c) || s.registered[c.Name] {
			continue
		}
		if k := s.kindOf(c, regBases, 0); k != "" {
			s.kinds[c] = k
		}
	}
}

// kindOf returns "dataclass" or "class" when c is a class pytree does not know: its bases are
// object or classes of the file that pytree does not know either, and no registration covers
// it.
func (s *uptScan) kindOf(c *analysis.Class, regBases map[*analysis.Class]bool, depth int) string {
	f := s.f
	if depth > 8 || regBases[c] || s.registered[c.Name] {
		return ""
	}
	kind := "class"
	if uptDataclass(f, c) {
		kind = "dataclass"
	}
	for _, b := range c.Bases {
		if b == "object" {
			continue
		}
		bc := f.ClassNamed(b)
		if bc == nil || bc == c || f.IsModule(bc) || s.kindOf(bc, regBases, depth+1) == "" {
			return "" // a base from elsewhere (NamedTuple, Enum, a library class) or a known one
		}
	}
	return kind
}

// uptDataclass reports whether c is decorated with dataclasses.dataclass.
func uptDataclass(f *analysis.File, c *analysis.Class) bool {
	t := f.Tree
	dd := t.Parent(c.Node)
	if t.Kind(dd) != syntax.KindDecoratedDefinition {
		return false
	}
	found := false
	t.Children(dd, func(d analysis.NodeID) bool {
		if t.Kind(d) == syntax.KindDecorator {
			e := t.Unparen(t.NamedChild(d, 0))
			if t.Kind(e) == syntax.KindCall {
				e = t.Field(e, syntax.FieldFunction)
			}
			if q := f.Resolve(e); q == "dataclasses.dataclass" || q == "dataclass" || q == "pydantic.dataclasses.dataclass" {
				found = true
			}
		}
		return !found
	})
	return found
}

// classIn returns the first class of s.kinds an annotation names, with the node naming it.
func (s *uptScan) classIn(ann analysis.NodeID) (*analysis.Class, analysis.NodeID) {
	t := s.f.Tree
	if ann == analysis.NoNode {
		return nil, analysis.NoNode
	}
	for id, end := ann, t.SubtreeEnd(ann); id < end; id++ {
		if t.Kind(id) == syntax.KindString { // a forward reference: "Detections", "Optional[Batch]"
			text, _ := esString(t, id)
			for _, name := range strings.FieldsFunc(text, func(r rune) bool { return r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
				if c := s.f.ClassNamed(name); c != nil && s.kinds[c] != "" {
					return c, id
				}
			}
			continue
		}
		if t.Kind(id) != syntax.KindIdentifier || t.Kind(t.Parent(id)) == syntax.KindAttribute && t.FieldOf(id) == syntax.FieldAttribute {
			continue
		}
		if c := s.f.ClassNamed(t.String(id)); c != nil && s.kinds[c] != "" {
			return c, id
		}
	}
	return nil, analysis.NoNode
}

// inputs reports forward parameters annotated with an unknown class.
func (s *uptScan) inputs(pass *analysis.Pass, fwd *analysis.Function) {
	t := s.f.Tree
	for i, p := range fwd.Params {
		if i == 0 && !fwd.StaticMethod {
			continue // self
		}
		c, at := s.classIn(p.Type)
		if c == nil {
			continue
		}
		fd := pass.Reportf(at, analysis.Fails, "forward input %s is annotated %s: %s is a %s not registered with torch's pytree, so export cannot flatten it into tensors and fails; register it with %s",
			p.Name, fix.Short(t, p.Type), c.Name, s.kinds[c], uptHow(s.kinds[c], c.Name))
		s.fix(pass, fd, c)
	}
}

// outputs reports instances of an unknown class that forward returns.
func (s *uptScan) outputs(pass *analysis.Pass, fwd *analysis.Function) {
	t := s.f.Tree
	found := false
	for _, ret := range s.f.OwnNodes(fwd, syntax.KindReturnStatement) {
		s.returned(fwd, t.NamedChild(ret, 0), nil, 0, func(call analysis.NodeID, c *analysis.Class, via []string) {
			found = true
			through := ""
			if len(via) > 0 {
				through = " (through " + strings.Join(via, ", ") + ")"
			}
			fd := pass.Reportf(call, analysis.Fails, "forward of %s returns %s%s, a %s not registered with torch's pytree: export cannot flatten the output and fails; register it with %s",
				fwd.Class.Name, c.Name, through, s.kinds[c], uptHow(s.kinds[c], c.Name))
			s.fix(pass, fd, c)
		})
	}
	if found {
		return
	}
	if c, at := s.classIn(t.Field(fwd.Node, syntax.FieldReturnType)); c != nil {
		fd := pass.Reportf(at, analysis.Fails, "forward of %s is annotated to return %s, a %s not registered with torch's pytree: export cannot flatten the output and fails; register it with %s",
			fwd.Class.Name, c.Name, s.kinds[c], uptHow(s.kinds[c], c.Name))
		s.fix(pass, fd, c)
	}
}

// returned calls report for each construction of an unknown class that the returned value e
// of fn evaluates to: directly, inside a tuple, list or dict display, through a name fn
// assigns once, or as the return value of a function of the file that fn calls (a helper,
// a method, a submodule's forward).
func (s *uptScan) returned(fn *analysis.Function, e analysis.NodeID, via []string, depth int, report func(analysis.NodeID, *analysis.Class, []string)) {
	f, t := s.f, s.f.Tree
	e = t.Unparen(e)
	if e == analysis.NoNode || depth > 4 {
		return
	}
	switch t.Kind(e) {
	case syntax.KindCall:
		callee := t.Unparen(t.Field(e, syntax.FieldFunction))
		if t.Kind(callee) == syntax.KindIdentifier {
			if c := f.ClassNamed(t.String(callee)); c != nil {
				if s.kinds[c] != "" {
					report(e, c, via)
				}
				return
			}
		}
		// only plain names and self.method / self.submodule can be functions of the file
		if t.Kind(callee) == syntax.KindIdentifier && f.IsImported(callee) || t.Kind(callee) == syntax.KindAttribute && !esSelfChain(t, callee, fn.SelfName()) {
			return
		}
		if g := f.CalleeFunc(fn, callee); g != nil && g != fn {
			for _, ret := range f.OwnNodes(g, syntax.KindReturnStatement) {
				s.returned(g, t.NamedChild(ret, 0), append(via, g.QualName()), depth+1, report)
			}
		}
	case syntax.KindTuple, syntax.KindList, syntax.KindExpressionList:
		for _, c := range t.NamedChildren(e, nil) {
			s.returned(fn, c, via, depth+1, report)
		}
	case syntax.KindDictionary:
		t.Children(e, func(p analysis.NodeID) bool {
			if t.Kind(p) == syntax.KindPair {
				s.returned(fn, t.Field(p, syntax.FieldValue), via, depth+1, report)
			}
			return true
		})
	case syntax.KindIdentifier:
		if fn.Param(t.String(e)) != nil {
			return
		}
		if as := esAssignments(f, fn, t.String(e)); len(as) == 1 {
			s.returned(fn, t.Field(as[0], syntax.FieldRight), via, depth+1, report)
		}
	}
}

// inputClasses returns the classes inputs reports at the parameters of c's forward when c's
// forward is the root of an exported program.
func (s *uptScan) inputClasses(c *analysis.Class) map[*analysis.Class]bool {
	if c == nil {
		return nil
	}
	fwd := esRootForward(s.f, c, s.inner)
	if fwd == nil {
		return nil
	}
	var out map[*analysis.Class]bool
	for i, p := range fwd.Params {
		if i == 0 && !fwd.StaticMethod {
			continue // self
		}
		if in, _ := s.classIn(p.Type); in != nil {
			if out == nil {
				out = map[*analysis.Class]bool{}
			}
			out[in] = true
		}
	}
	return out
}

// exportArgs reports instances of unknown classes passed to torch.export.export.
func (s *uptScan) exportArgs(pass *analysis.Pass, ex esExport) {
	t := s.f.Tree
	seen := s.inputClasses(esModuleClass(s.f, ex.scope, ex.model, t.Start(ex.call))) // reported at the forward's annotation
	var visit func(e analysis.NodeID, depth int)
	visit = func(e analysis.NodeID, depth int) {
		e = t.Unparen(e)
		if depth > 4 {
			return
		}
		switch t.Kind(e) {
		case syntax.KindCall:
			callee := t.Unparen(t.Field(e, syntax.FieldFunction))
			if t.Kind(callee) != syntax.KindIdentifier {
				return
			}
			if c := s.f.ClassNamed(t.String(callee)); c != nil && s.kinds[c] != "" && !seen[c] {
				fd := pass.Reportf(e, analysis.Fails, "torch.export.export receives a %s, a %s not registered with torch's pytree: export cannot flatten the input and fails; register it with %s",
					c.Name, s.kinds[c], uptHow(s.kinds[c], c.Name))
				s.fix(pass, fd, c)
			}
		case syntax.KindTuple, syntax.KindList:
			for _, c := range t.NamedChildren(e, nil) {
				visit(c, depth+1)
			}
		case syntax.KindDictionary:
			t.Children(e, func(p analysis.NodeID) bool {
				if t.Kind(p) == syntax.KindPair {
					visit(t.Field(p, syntax.FieldValue), depth+1)
				}
				return true
			})
		case syntax.KindIdentifier:
			visit(esValueBefore(s.f, ex.scope, t.String(e), t.Start(ex.call)), depth+1)
		}
	}
	visit(ex.args, 0)
	visit(ex.kw, 0)
}

// uptHow names the registration for a kind of class.
func uptHow(kind, name string) string {
	if kind == "dataclass" {
		return "torch.export.register_dataclass(" + name + ")"
	}
	return "torch.utils._pytree.register_pytree_node(" + name + ", flatten_fn, unflatten_fn)"
}

// fix adds, for a module-level dataclass and a target of torch 2.4 or later, the
// registration after the class.
func (s *uptScan) fix(pass *analysis.Pass, fd *analysis.Finding, c *analysis.Class) {
	if pass.TargetBefore(2, 4) {
		return
	}
	_, at, pre, ok := s.fixPlace(c)
	if !ok {
		return
	}
	torch, imp := fix.NewImporter(s.f).Torch()
	text := pre + "\n\n" + torch + ".export.register_dataclass(" + c.Name + ")\n"
	fx := analysis.Fix{
		Title:  "register " + c.Name + " with torch.export.register_dataclass (pytree utilities then look inside it)",
		Safety: analysis.Unsafe,
		Edits:  []analysis.Edit{{Start: at, End: at, NewText: text}},
	}
	if imp != nil {
		fx.Edits = append([]analysis.Edit{*imp}, fx.Edits...)
	}
	fd.Fixes = append(fd.Fixes, fx)
}

// fixPlace returns, for a module-level dataclass of kinds, its decorated definition, where
// fix adds the registration (the line after it) and what goes before the registration's
// blank lines there (a newline at the end of a file without one).
func (s *uptScan) fixPlace(c *analysis.Class) (def analysis.NodeID, at int, pre string, ok bool) {
	f, t := s.f, s.f.Tree
	if s.kinds[c] != "dataclass" {
		return analysis.NoNode, 0, "", false
	}
	def = t.Parent(c.Node)
	if t.Kind(def) != syntax.KindDecoratedDefinition || t.Parent(def) != t.Root() {
		return analysis.NoNode, 0, "", false
	}
	at = f.LineStart(f.Line(t.End(def)) + 1)
	if at == len(f.Src) && (len(f.Src) == 0 || f.Src[len(f.Src)-1] != '\n') {
		pre = "\n"
	}
	return def, at, pre, true
}

// uptCausalLM reports the export of a transformers causal language model that returns its
// key/value cache.
func uptCausalLM(pass *analysis.Pass, s *uptScan, ex esExport) {
	f, t := s.f, s.f.Tree
	model := t.Unparen(ex.model)
	name := ""
	for depth := 0; depth < 4 && t.Kind(model) == syntax.KindCall; depth++ {
		callee := t.Unparen(t.Field(model, syntax.FieldFunction))
		switch esLastName(t, callee) {
		case "eval", "to", "cuda", "cpu", "half", "float", "bfloat16":
			model = t.Unparen(t.Field(callee, syntax.FieldObject))
			continue
		}
		break
	}
	at := t.Start(ex.call)
	if t.Kind(model) == syntax.KindIdentifier {
		name = t.String(model)
		model = t.Unparen(esValueBefore(f, ex.scope, name, at))
		for depth := 0; depth < 4 && t.Kind(model) == syntax.KindCall && esLastName(t, t.Field(model, syntax.FieldFunction)) != "from_pretrained"; depth++ {
			callee := t.Unparen(t.Field(model, syntax.FieldFunction))
			if t.Kind(callee) != syntax.KindAttribute || !uptSameModule[esLastName(t, callee)] {
				break
			}
			model = t.Unparen(t.Field(callee, syntax.FieldObject))
		}
	}
	if t.Kind(model) != syntax.KindCall {
		return
	}
	ctor := t.Unparen(t.Field(model, syntax.FieldFunction))
	if esLastName(t, ctor) == "from_pretrained" || esLastName(t, ctor) == "from_config" {
		ctor = t.Field(ctor, syntax.FieldObject)
	}
	q := esImported(f, ctor)
	cls := q[strings.LastIndexByte(q, '.')+1:]
	if !strings.HasPrefix(q, "transformers.") || !(cls == "AutoModelForCausalLM" || strings.HasSuffix(cls, "ForCausalLM") || strings.HasSuffix(cls, "LMHeadModel")) {
		return
	}
	if uptNoCache(f, model, ex, name) || s.registered["DynamicCache"] || s.registered["Cache"] {
		return
	}
	fd := pass.Reportf(ex.call, analysis.Fails, "%s returns a transformers DynamicCache, which is not registered with torch's pytree: export fails with \"Found <class 'DynamicCache'> in output, which is not a known type\" (measured at torch 2.11 with transformers 5.17); export with use_cache=False or register the cache class", cls)
	fd.Related = append(fd.Related, analysis.Related{Start: t.Start(model), End: t.End(model), Message: "the causal LM is created here"})
}

// uptSameModule are module methods that return the module itself.
var uptSameModule = map[string]bool{"eval": true, "to": true, "cuda": true, "cpu": true, "half": true, "float": true, "bfloat16": true, "train": true, "requires_grad_": true}

// uptNoCache reports whether the export turns the cache off: use_cache=False given to the
// constructor, in the export's kwargs dict, or set on name.config before the export.
func uptNoCache(f *analysis.File, ctor analysis.NodeID, ex esExport, name string) bool {
	t := f.Tree
	if v := f.KwArg(ctor, "use_cache"); t.Kind(t.Unparen(v)) == syntax.KindFalse {
		return true
	}
	kw := t.Unparen(ex.kw)
	if t.Kind(kw) == syntax.KindIdentifier {
		kw = t.Unparen(esValueBefore(f, ex.scope, t.String(kw), t.Start(ex.call)))
	}
	off := false
	switch t.Kind(kw) {
	case syntax.KindDictionary:
		t.Children(kw, func(p analysis.NodeID) bool {
			if k, ok := esString(t, t.Field(p, syntax.FieldKey)); ok && k == "use_cache" && t.Kind(t.Unparen(t.Field(p, syntax.FieldValue))) == syntax.KindFalse {
				off = true
			}
			return !off
		})
	case syntax.KindCall: // dict(use_cache=False)
		if v := f.KwArg(kw, "use_cache"); t.Kind(t.Unparen(v)) == syntax.KindFalse {
			off = true
		}
	}
	if off || name == "" {
		return off
	}
	var as []analysis.NodeID
	if ex.scope != nil {
		as = f.OwnNodes(ex.scope, syntax.KindAssignment)
	} else {
		for _, a := range f.Nodes(syntax.KindAssignment) {
			if f.Owner(a) == nil {
				as = append(as, a)
			}
		}
	}
	for _, a := range as {
		if t.Start(a) < t.Start(ex.call) && t.TextIs(t.Field(a, syntax.FieldLeft), name+".config.use_cache") && t.Kind(t.Unparen(t.Field(a, syntax.FieldRight))) == syntax.KindFalse {
			return true
		}
	}
	return false
}
