package rules

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// ModelAttrMutation finds assignments to attributes of an nn.Module in code export traces.
var ModelAttrMutation = &analysis.Rule{
	Name: "model_attr_mutation",
	Doc: `## What it does
Finds assignments to an attribute of the module (` + "`self.attr = ...`" + `) in ` + "`forward`" + ` and in
the methods and helpers ` + "`forward`" + ` reaches. Assignments in ` + "`__init__`" + `, in methods export
never traces, and of plain Python constants (` + "`self.step = 0`" + `, ` + "`self.flag = True`" + `) are not
reported.

## Why is this bad
An exported program is a graph of tensor operations; it does not run ` + "`forward`" + `'s Python
side effects. Up to torch 2.9, strict export refuses to trace them and fails with
` + "`AssertionError: Mutating module attribute attr_list during export.`" + ` From 2.10 the export
succeeds with a warning, but the exported program never performs the assignment: state kept
in an ordinary attribute silently stops changing. Tensor state that must survive between
calls belongs in a registered buffer updated in place, which export records as a buffer
mutation.

## Example
` + "```python" + `
class Counter(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.total = torch.zeros(4)

    def forward(self, x):
        self.total = self.total + x
        return self.total
` + "```" + `

## Use instead
Register the state as a buffer and update it in place:
` + "```python" + `
class Counter(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("total", torch.zeros(4), persistent=False)

    def forward(self, x):
        self.total.copy_(self.total + x)
        return self.total
` + "```" + `
When the attribute is only a scratch value read later in the same call, use a local
variable instead.

## Fix safety
Replacing ` + "`self.attr`" + ` by a local variable is offered only when every use of the attribute in
the file is in that one function, after the assignment; it is then safe. Registering a buffer
and updating it with ` + "`copy_`" + ` is unsafe: the buffer's shape and dtype are fixed by its value in
` + "`__init__`" + `, so a value of another shape fails at run time, and the buffer now appears in
` + "`named_buffers()`" + `.

## References
- [ExportDB: model_attr_mutation](https://pytorch.org/docs/main/generated/exportdb/index.html#model-attr-mutation)
- [torch.nn.Module.register_buffer](https://pytorch.org/docs/main/generated/torch.nn.Module.html#torch.nn.Module.register_buffer)
- [torch.export: mutations of buffers](https://pytorch.org/docs/main/export.html)
`,
	Local:        true,
	Declarations: true,
	Run:          runModelAttrMutation,
}

// mamMutation is one assignment to a module attribute in traced code.
type mamMutation struct {
	fn     *analysis.Function
	class  *analysis.Class // the nn.Module class self belongs to
	self   string          // the name of self in fn
	attr   string
	node   analysis.NodeID // reported: the assignment, or the target inside a destructuring
	target analysis.NodeID // the self.attr attribute node
	value  analysis.NodeID // the assigned value, or NoNode when unknown
	plain  bool            // `self.attr = value`, a statement of its own
	aug    bool            // `self.attr += value`: in place on a tensor, then stored back
}

func runModelAttrMutation(pass *analysis.Pass) {
	f := pass.File
	// a local variable's fix reads the whole file: whether another unit names the
	// attribute, and the module-level functions its name must not shadow. Each unit's
	// summary lists the attributes it may offer the fix for; the kept findings hold while
	// what the file says of those is the same.
	read := map[analysis.NodeID][]mamMutation{}
	cands := map[string]bool{}
	sums := pass.PerUnit(func(unit analysis.NodeID) any {
		var s mamUnitSum
		muts := mamMutations(pass, read)
		for i := range muts {
			if mamLocalCandidate(f, &muts[i]) {
				s.attrs = append(s.attrs, muts[i].attr)
			}
		}
		if unit != analysis.NoNode {
			s.names = mamUnitNames(f, unit)
		}
		return s
	})
	for _, s := range sums {
		for _, attr := range s.(mamUnitSum).attrs {
			cands[attr] = true
		}
	}
	mentions := &mamMentions{f: f}
	if len(sums) == len(f.Units()) && len(sums) > 1 {
		mentions.sums = sums // each unit's names, kept with it
	}
	pass.KeepWhile(mamFingerprint(f, cands, mentions))
	muts := mamMutations(pass, read)
	if len(muts) == 0 {
		return
	}
	since := "2.10"
	if pass.Case != nil {
		if v, ok := pass.Case.SupportedFrom(); ok {
			since = v.String()
		}
	}
	for i := range muts {
		pass.Within(muts[i].node, func() { mamReport(pass, muts, i, since, mentions) })
	}
}

// mamReport reports mutation i of muts (those of its unit, at least).
func mamReport(pass *analysis.Pass, muts []mamMutation, i int, since string, mentions *mamMentions) {
	f := pass.File
	m := &muts[i]
	buffer := f.Attr(m.class, m.attr).Kind == torchsem.AttrBuffer
	tensor := buffer || mamTensorAttr(f, m.class, m.attr) || (m.value != analysis.NoNode && mamTensorish(f, m.fn, m.value))
	var fd *analysis.Finding
	switch {
	case pass.NotSupportedAt(m.node):
		eff := analysis.Caveat
		if tensor && !buffer {
			eff = analysis.Changes
		}
		fd = pass.Reportf(m.node, eff, "module attribute self.%s is reassigned in %s; torch.export before %s fails on attribute mutation", m.attr, m.fn.Name, since)
	case m.aug && buffer:
		fd = pass.Reportf(m.node, analysis.Recognized, "buffer self.%s is updated in place in %s; export records a buffer mutation", m.attr, m.fn.Name)
	case m.aug && tensor:
		fd = pass.Reportf(m.node, analysis.Changes, "tensor attribute self.%s is updated in place in %s but is not a registered buffer; the exported program keeps no such state", m.attr, m.fn.Name)
	case buffer:
		fd = pass.Reportf(m.node, analysis.Caveat, "buffer self.%s is reassigned in %s; update it in place so export records a buffer mutation", m.attr, m.fn.Name)
	case tensor:
		fd = pass.Reportf(m.node, analysis.Changes, "module attribute self.%s is reassigned with a tensor in %s; the exported program keeps no such state unless it is a registered buffer updated in place", m.attr, m.fn.Name)
	default:
		fd = pass.Reportf(m.node, analysis.Caveat, "module attribute self.%s is reassigned in %s; the exported program does not replay the assignment", m.attr, m.fn.Name)
	}
	if tensor && !buffer {
		if rel, ok := mamRelated(f, m); ok {
			fd.Related = append(fd.Related, rel)
		}
	}
	if fx, ok := mamLocalFix(f, m, mentions); ok {
		fd.Fixes = append(fd.Fixes, fx)
	}
	if tensor {
		if fx, ok := mamBufferFix(f, muts, i, buffer); ok {
			fd.Fixes = append(fd.Fixes, fx)
		}
	}
}

// mamMutations returns the assignments to module attributes in the traced code the pass
// visits that run while exporting: those of plain assignments, then those of augmented
// ones, in source order. All of a class's lie in the unit of the class. read keeps what
// each statement assigns, for the pass's next call.
func mamMutations(pass *analysis.Pass, read map[analysis.NodeID][]mamMutation) []mamMutation {
	f := pass.File
	var muts []mamMutation
	visit := func(find func(*analysis.File, analysis.NodeID, *analysis.Function) []mamMutation) func(analysis.NodeID, *analysis.Function) {
		return func(a analysis.NodeID, fn *analysis.Function) {
			found, ok := read[a]
			if !ok {
				for _, m := range find(f, a, fn) {
					if f.RunsWhileExporting(m.node) {
						found = append(found, m)
					}
				}
				read[a] = found
			}
			muts = append(muts, found...)
		}
	}
	pass.Traced(syntax.KindAssignment, visit(mamAssigned))
	pass.Traced(syntax.KindAugmentedAssignment, visit(mamAugmented))
	return muts
}

// mamAssigned returns the module attributes assignment a in fn assigns.
func mamAssigned(f *analysis.File, a analysis.NodeID, fn *analysis.Function) []mamMutation {
	t := f.Tree
	var out []mamMutation
	left, right := t.Field(a, syntax.FieldLeft), t.Field(a, syntax.FieldRight)
	if left == analysis.NoNode || right == analysis.NoNode {
		return nil // a bare annotation
	}
	cls, self := f.ModuleSelf(fn)
	if cls == nil {
		return nil
	}
	value := right
	for value != analysis.NoNode && t.Kind(value) == syntax.KindAssignment {
		value = t.Field(value, syntax.FieldRight)
	}
	if value == analysis.NoNode {
		return nil
	}
	switch t.Kind(left) {
	case syntax.KindAttribute:
		attr := pysem.SelfAttrOf(t, left, self)
		if attr == "" || mamConstant(f, fn, value) {
			return nil
		}
		stmt := t.Parent(a)
		plain := value == right && stmt != analysis.NoNode && t.Kind(stmt) == syntax.KindExpressionStatement
		out = append(out, mamMutation{fn: fn, class: cls, self: self, attr: attr, node: a, target: left, value: value, plain: plain})
	case syntax.KindPatternList, syntax.KindTuplePattern, syntax.KindListPattern, syntax.KindTuple, syntax.KindList:
		targets := t.NamedChildren(left, nil)
		var values []analysis.NodeID
		if k := t.Kind(value); k == syntax.KindExpressionList || k == syntax.KindTuple || k == syntax.KindList {
			values = t.NamedChildren(value, nil)
		}
		for i, c := range targets {
			attr := pysem.SelfAttrOf(t, c, self)
			if attr == "" {
				continue
			}
			v := analysis.NoNode
			if len(values) == len(targets) {
				v = values[i]
				if mamConstant(f, fn, v) {
					continue
				}
			}
			out = append(out, mamMutation{fn: fn, class: cls, self: self, attr: attr, node: c, target: c, value: v})
		}
	}
	return out
}

// mamAugmented returns the module attribute augmented assignment a in fn updates.
func mamAugmented(f *analysis.File, a analysis.NodeID, fn *analysis.Function) []mamMutation {
	t := f.Tree
	cls, self := f.ModuleSelf(fn)
	if cls == nil {
		return nil
	}
	left := t.Field(a, syntax.FieldLeft)
	attr := pysem.SelfAttrOf(t, left, self)
	if attr == "" {
		return nil
	}
	// `self.count += 1` on a Python number stores a constant, which dynamo lets through;
	// on a tensor the in-place result is stored back into the attribute.
	if !mamTensorAttr(f, cls, attr) && !mamTensorish(f, fn, t.Field(a, syntax.FieldRight)) {
		return nil
	}
	return []mamMutation{{fn: fn, class: cls, self: self, attr: attr, node: a, target: left, value: analysis.NoNode, aug: true}}
}

// mamConstant reports whether v is a plain Python value (a number, a string without
// interpolation, None, a bool, a setting): dynamo stores those on the module without
// complaint, so they are not this case.
func mamConstant(f *analysis.File, fn *analysis.Function, v analysis.NodeID) bool {
	t := f.Tree
	if v = t.Unparen(v); t.Kind(v) == syntax.KindString {
		return !pysem.HasInterpolation(t, v)
	}
	x := f.Value(fn, v)
	return x.May(torchsem.Const|torchsem.Float|torchsem.NoneValue) && x.Is(torchsem.Const|torchsem.Float|torchsem.NoneValue|torchsem.Other)
}

// mamTensorish reports whether v is (probably) one tensor: the model says it may be one,
// and not a size or a value read out of tensor data.
func mamTensorish(f *analysis.File, fn *analysis.Function, v analysis.NodeID) bool {
	x := f.Value(fn, v)
	return x.May(torchsem.Tensor) && !x.May(torchsem.Sizes|torchsem.Data)
}

// mamTensorAttr reports whether self.attr of class c holds a tensor: a parameter, a buffer,
// or a tensor assigned in __init__.
func mamTensorAttr(f *analysis.File, c *analysis.Class, attr string) bool {
	switch f.Attr(c, attr).Kind {
	case torchsem.AttrParameter, torchsem.AttrBuffer, torchsem.AttrTensor:
		return true
	}
	return false
}

// mamRelated points at the place the buffer belongs: the __init__ assignment, __init__, or
// the class.
func mamRelated(f *analysis.File, m *mamMutation) (analysis.Related, bool) {
	t := f.Tree
	if v, _ := f.InitAssignment(m.class, m.attr); v != analysis.NoNode {
		if a := t.Parent(v); a != analysis.NoNode && t.Kind(a) == syntax.KindAssignment {
			return analysis.Related{Start: t.Start(a), End: t.End(a), Message: "self." + m.attr + " is set here; register it as a buffer instead"}, true
		}
	}
	if init := m.class.Methods["__init__"]; init != nil {
		if n := t.Field(init.Node, syntax.FieldName); n != analysis.NoNode {
			return analysis.Related{Start: t.Start(n), End: t.End(n), Message: "register self." + m.attr + " as a buffer in this __init__"}, true
		}
	}
	if n := t.Field(m.class.Node, syntax.FieldName); n != analysis.NoNode {
		return analysis.Related{Start: t.Start(n), End: t.End(n), Message: "register self." + m.attr + " as a buffer in " + m.class.Name + ".__init__"}, true
	}
	return analysis.Related{}, false
}

// mamMentions tells whether units of the file other than a mutation's name its attribute:
// as `<expr>.name`, or as a string literal "name" (getattr, register_buffer). Where the
// pass keeps the units' summaries, their names are read from there (an edit reads again
// only the units it reaches); else each unit's names are read once, when counted.
type mamMentions struct {
	f     *analysis.File
	sums  []any          // per unit: its mamUnitSum, when the pass keeps them per unit; else nil
	units map[string]int // per name counted: how many units mention it
}

// mamUnitSum is the rule's summary of one unit (Pass.PerUnit): the attributes its
// mutations may offer the local variable's fix for, and the names the unit mentions
// (mamUnitNames; nil for the summary of a whole file).
type mamUnitSum struct {
	attrs, names []string
}

// count counts the units that mention each of names. mamFingerprint asks for every
// attribute the fix may be offered for, so that elsewhere never counts again.
func (ms *mamMentions) count(names map[string]bool) {
	if ms.units == nil {
		ms.units = map[string]int{}
	}
	for name := range names {
		ms.units[name] = 0
	}
	f := ms.f
	asked := slices.Sorted(maps.Keys(names))
	for i, u := range f.Units() {
		// a unit's names are sorted: each asked name is looked up, not each name compared
		var mentioned []string
		if ms.sums != nil {
			mentioned = ms.sums[i].(mamUnitSum).names
		} else {
			mentioned = mamUnitNames(f, u)
		}
		for _, name := range asked {
			if _, ok := slices.BinarySearch(mentioned, name); ok {
				ms.units[name]++
			}
		}
	}
}

// elsewhere reports whether more than one unit mentions attr: one besides the unit of a
// mutation of it, whose target mentions it.
func (ms *mamMentions) elsewhere(attr string) bool {
	n, ok := ms.units[attr]
	if !ok {
		ms.count(map[string]bool{attr: true})
		n = ms.units[attr]
	}
	return n > 1
}

// mamUnitNames returns the names unit u mentions, sorted: the attribute of every
// `<expr>.name` in it, and each string literal that may be a name.
func mamUnitNames(f *analysis.File, u analysis.NodeID) []string {
	t := f.Tree
	var names []string
	for _, n := range mamNodesIn(f, syntax.KindAttribute, u) {
		if a := t.Field(n, syntax.FieldAttribute); a != analysis.NoNode {
			names = append(names, t.String(a))
		}
	}
	for _, s := range mamNodesIn(f, syntax.KindString, u) {
		if name, ok := mamStringName(t, s); ok && !bytes.ContainsFunc(name, func(r rune) bool {
			// what no identifier holds
			return r < 0x80 && !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
		}) {
			names = append(names, string(name))
		}
	}
	slices.Sort(names)
	return slices.Clip(slices.Compact(names))
}

// mamStringName returns the text inside a plain quoted string literal ("name", 'name').
func mamStringName(t *syntax.Tree, s analysis.NodeID) ([]byte, bool) {
	txt := t.Text(s)
	if len(txt) < 3 || (txt[0] != '"' && txt[0] != '\'') || txt[len(txt)-1] != txt[0] {
		return nil, false
	}
	return txt[1 : len(txt)-1], true
}

// mamNodesIn returns the named nodes of kind k in the subtree of n.
func mamNodesIn(f *analysis.File, k syntax.Kind, n analysis.NodeID) []analysis.NodeID {
	all := f.Nodes(k)
	lo, _ := slices.BinarySearch(all, n)
	hi, _ := slices.BinarySearch(all, f.Tree.SubtreeEnd(n))
	return all[lo:hi]
}

// mamUnitOf returns the unit (module-level node) holding n.
func mamUnitOf(f *analysis.File, n analysis.NodeID) analysis.NodeID {
	units := f.Units()
	i, found := slices.BinarySearch(units, n)
	if !found {
		i--
	}
	return units[i]
}

// mamLocalCandidate reports whether m may be offered mamLocalFix, as far as its function
// alone says: a plain assignment at the top level of a def's body.
func mamLocalCandidate(f *analysis.File, m *mamMutation) bool {
	t := f.Tree
	return m.plain && t.Kind(m.fn.Node) == syntax.KindFunctionDefinition && t.Parent(t.Parent(m.node)) == m.fn.Body
}

// mamFingerprint hashes what the file says of the attributes cands that the local
// variable's fix reads outside the unit of a mutation: whether another unit names the
// attribute, and the module-level functions named as the variable may be. The rest it
// reads lies in the mutation's unit: the class, its methods and every use the fix edits.
func mamFingerprint(f *analysis.File, cands map[string]bool, mentions *mamMentions) uint64 {
	if len(cands) == 0 {
		return 0
	}
	attrs := slices.Sorted(maps.Keys(cands))
	mentions.count(cands)
	h := fnv.New64a()
	bases := map[string]bool{}
	for _, attr := range attrs {
		fmt.Fprintf(h, "%s\x00%t\x00", attr, mentions.elsewhere(attr))
		bases[mamLocalBase(attr)] = true
	}
	var funcs []string
	for _, fn := range f.Funcs {
		if f.TopFunc(fn.Name) != fn {
			continue
		}
		// the name itself, or it with a number after "_"
		if bases[fn.Name] || strings.Contains(fn.Name, "_") && bases[fn.Name[:strings.LastIndexByte(fn.Name, '_')]] {
			funcs = append(funcs, fn.Name)
		}
	}
	slices.Sort(funcs)
	for _, name := range funcs {
		fmt.Fprintf(h, "%s\x00", name)
	}
	return h.Sum64()
}

// mamLocalFix replaces self.attr by a local variable in m's function when the assignment is
// the first use there, at the function's top level, and no other code of the file touches
// the attribute (its __init__ assignment aside).
func mamLocalFix(f *analysis.File, m *mamMutation, mentions *mamMentions) (analysis.Fix, bool) {
	t := f.Tree
	fn := m.fn
	if !mamLocalCandidate(f, m) || mentions.elsewhere(m.attr) {
		// another unit names the attribute: code outside m's class
		return analysis.Fix{}, false
	}
	unit := mamUnitOf(f, m.node)
	for _, s := range mamNodesIn(f, syntax.KindString, unit) {
		if name, ok := mamStringName(t, s); ok && string(name) == m.attr {
			return analysis.Fix{}, false // getattr(self, "attr"), register_buffer("attr", ...)
		}
	}
	init := m.class.Methods["__init__"]
	var uses []analysis.NodeID
	for _, n := range mamNodesIn(f, syntax.KindAttribute, unit) {
		if a := t.Field(n, syntax.FieldAttribute); a == analysis.NoNode || !t.TextIs(a, m.attr) {
			continue
		}
		obj := t.Field(n, syntax.FieldObject)
		switch owner := f.Owner(n); {
		case owner == fn && obj != analysis.NoNode && t.TextIs(obj, m.self):
			uses = append(uses, n)
		case owner == init && init != nil && obj != analysis.NoNode && t.TextIs(obj, init.SelfName()) &&
			t.FieldOf(n) == syntax.FieldLeft && t.Kind(t.Parent(n)) == syntax.KindAssignment:
			// __init__ setting the initial value: left as it is
		default:
			return analysis.Fix{}, false
		}
	}
	// the assignment comes first, and the value is read again later in the call
	if len(uses) < 2 || uses[0] != m.target {
		return analysis.Fix{}, false
	}
	for _, u := range uses[1:] {
		if t.Contains(m.value, u) {
			return analysis.Fix{}, false // read while computing the value
		}
	}
	name := mamLocalName(f, fn, m.attr)
	fx := analysis.Fix{Title: "replace self." + m.attr + " with a local variable in " + fn.Name, Safety: analysis.Safe}
	for _, u := range uses {
		fx.Edits = append(fx.Edits, analysis.Edit{Start: t.Start(u), End: t.End(u), NewText: name})
	}
	return fx, true
}

// mamLocalName picks a local variable name for attr that no identifier of fn uses.
func mamLocalName(f *analysis.File, fn *analysis.Function, attr string) string {
	base := mamLocalBase(attr)
	name := base
	for i := 2; fix.NameUsed(f, fn, name); i++ {
		name = base + "_" + strconv.Itoa(i)
	}
	return name
}

// mamLocalBase returns the name mamLocalName starts from for attr.
func mamLocalBase(attr string) string {
	if base := strings.TrimLeft(attr, "_"); base != "" {
		return base
	}
	return "value"
}

// mamBufferFix registers the attribute as a buffer in __init__ and turns every traced
// assignment of it into copy_. It is offered on the first such assignment only, when all of
// them assign one tensor.
func mamBufferFix(f *analysis.File, muts []mamMutation, i int, buffer bool) (analysis.Fix, bool) {
	t := f.Tree
	m := &muts[i]
	var group []*mamMutation
	for j := range muts {
		o := &muts[j]
		if o.class != m.class || o.attr != m.attr {
			continue
		}
		if o.node < m.node || !o.plain || !mamTensorish(f, o.fn, o.value) {
			return analysis.Fix{}, false
		}
		group = append(group, o)
	}
	var fx analysis.Fix
	if buffer {
		fx.Title = "update buffer self." + m.attr + " in place with copy_ (its shape and dtype must not change)"
	} else {
		init := m.class.Methods["__init__"]
		if init == nil || t.Kind(init.Node) != syntax.KindFunctionDefinition {
			return analysis.Fix{}, false
		}
		self := init.SelfName()
		register := func(value string) string {
			return self + ".register_buffer(" + strconv.Quote(m.attr) + ", " + value + ", persistent=False)"
		}
		v, owner := f.InitAssignment(m.class, m.attr)
		switch {
		case v != analysis.NoNode:
			a := t.Parent(v)
			if owner != m.class || t.Kind(a) != syntax.KindAssignment || t.Kind(t.Parent(a)) != syntax.KindExpressionStatement ||
				!f.Value(init, v).IsTensor() {
				return analysis.Fix{}, false
			}
			fx.Edits = append(fx.Edits, analysis.Edit{Start: t.Start(a), End: t.End(a), NewText: register(t.String(v))})
		case mamSelfContained(f, m.value):
			at, indent, ok := fix.BodyEnd(f, init)
			if !ok {
				return analysis.Fix{}, false
			}
			fx.Edits = append(fx.Edits, analysis.Edit{Start: at, End: at, NewText: "\n" + indent + register(t.String(m.value))})
		default:
			return analysis.Fix{}, false
		}
		fx.Title = "register self." + m.attr + " as a buffer in __init__ and update it in place (shape and dtype fixed by __init__)"
	}
	fx.Safety = analysis.Unsafe
	for _, o := range group {
		fx.Edits = append(fx.Edits, analysis.Edit{Start: t.Start(o.node), End: t.End(o.node),
			NewText: o.self + "." + o.attr + ".copy_(" + t.String(o.value) + ")"})
	}
	return fx, true
}

// mamSelfContained reports whether v refers to nothing but imported names, so that it can
// be evaluated in __init__ as well.
func mamSelfContained(f *analysis.File, v analysis.NodeID) bool {
	t := f.Tree
	if v == analysis.NoNode {
		return false
	}
	ok := true
	for n := v; n < t.SubtreeEnd(v) && ok; n++ {
		if t.Kind(n) != syntax.KindIdentifier {
			continue
		}
		if fo := t.FieldOf(n); fo == syntax.FieldAttribute || (fo == syntax.FieldName && t.Kind(t.Parent(n)) == syntax.KindKeywordArgument) {
			continue
		}
		if !f.IsImported(n) {
			ok = false
		}
	}
	return ok
}
