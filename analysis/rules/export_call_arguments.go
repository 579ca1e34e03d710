package rules

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
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
  when only ` + "`max`" + ` is given);
- a ` + "`dynamic_shapes`" + ` that does not fit the inputs: a dict key naming a parameter the call does not
  pass (export matches the keys against the inputs the call passes, not every parameter of
  ` + "`forward`" + `), a tuple or list with another number of entries than example inputs; for an
  input whose example is a tensor, a single ` + "`Dim`" + ` for the whole tensor,
  an axis mapped to a dict, tuple or list (nested one level too deep), an axis keyed by a string
  (` + "`{\"0\": batch}`" + `), an axis the example does not have (` + "`{2: b}`" + ` for ` + "`torch.randn(4, 16)`" + `), or a tuple
  spec with another number of axes than the example's rank.

It also notes (information, whatever the target version) what it cannot read and therefore judges
without: a model whose class it cannot resolve (a parameter, a call of a library factory), a
` + "`dynamic_shapes`" + ` built by a call or keyed by names that are not literals, and an axis declared by
something other than a ` + "`Dim`" + `, ` + "`Dim.AUTO`" + `, ` + "`Dim.DYNAMIC`" + `, ` + "`None`" + ` or a name bound once to one (a
parameter of the exporting function). Shape findings on those dims keep the level they have when
nothing is declared.

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
- Removing a ` + "`None`" + ` entry for a parameter the call does not pass is safe: it declares nothing. An
  entry with dims has no fix: the call may be missing that input.
- Inconsistent bounds have no fix: which bound is wrong is domain knowledge.
- Keying an axis by the int a digit string spells (` + "`\"0\"`" + ` -> ` + "`0`" + `) is safe. Declaring a single Dim given
  for a whole tensor for axis 0 is unsafe: the intended axis is a guess.

## References
- [torch.export: export() and dynamic shapes](https://pytorch.org/docs/main/export.html)
- [torch.export API reference: export, Dim](https://pytorch.org/docs/main/export/api_reference.html)
`,
	Local:        true,
	Declarations: true,
	Run:          runExportCallArguments,
}

func runExportCallArguments(pass *analysis.Pass) {
	f := pass.File
	for _, s := range f.ExportSites() {
		if s.API.TakesExampleArgs() && s.API != torchsem.LegacyExport {
			_, fwd := s.Forward()
			if _, ok := torchsem.InputsOf(fwd); !ok {
				fwd = nil // a signature export does not read as written
			}
			ecaCheckArgs(pass, &s, fwd)
			ecaCheckKeys(pass, &s, fwd)
			ecaCheckSpec(pass, &s, fwd)
		}
	}
	for _, q := range []string{"torch.export.Dim", "torch.export.dynamic_shapes.Dim", "torch.export.dims", "torch.export.dynamic_shapes.dims"} {
		_, many := torchsem.IsDimAPI(q)
		pass.AllCalls(q, func(call analysis.NodeID, _ *analysis.Function) {
			ecaCheckDim(pass, call, many)
		})
	}
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
func ecaClassifyArgs(f *analysis.File, fn *analysis.Function, e analysis.NodeID) (ecaArgsKind, analysis.NodeID) {
	t := f.Tree
	v := f.BoundValue(fn, e)
	switch t.Kind(v) {
	case syntax.KindTuple:
		return ecaTuple, v
	case syntax.KindList:
		return ecaList, v
	case syntax.KindListComprehension:
		return ecaListComp, v
	case syntax.KindDictionary, syntax.KindInteger, syntax.KindFloat, syntax.KindString, syntax.KindConcatenatedString, syntax.KindTrue, syntax.KindFalse:
		return ecaSingle, v
	case syntax.KindCall:
		if f.Value(fn, e).IsTensor() {
			return ecaSingle, v
		}
		if f.CallName(v) == "tuple" && !f.IsImported(t.Unparen(t.Field(v, syntax.FieldFunction))) {
			return ecaTuple, v
		}
	}
	return ecaUnknown, analysis.NoNode
}

func ecaCheckArgs(pass *analysis.Pass, ec *torchsem.ExportSite, fwd *analysis.Function) {
	t := pass.File.Tree
	if ec.Args == analysis.NoNode {
		return
	}
	kind, lit := ecaClassifyArgs(pass.File, ec.Func, ec.Args)
	inner := t.Unparen(ec.Args)
	snippet := fix.Snippet(t, ec.Args)
	var fd *analysis.Finding
	switch kind {
	case ecaSingle:
		fd = pass.Reportf(ec.Args, analysis.Fails, "example args %s is not a tuple: torch.export.export takes the positional inputs as a tuple, (x,) for one input", snippet)
		if t.Kind(lit) != syntax.KindDictionary { // a dict may be meant as kwargs: no guess
			fd.Fixes = append(fd.Fixes, analysis.Fix{Title: "wrap the example input in a one-element tuple", Safety: analysis.Safe,
				Edits: []analysis.Edit{{Start: t.Start(ec.Args), End: t.End(ec.Args), NewText: "(" + t.String(inner) + ",)"}}})
		}
	case ecaList, ecaListComp:
		what := "a list"
		if inner != lit {
			what = "bound to a list"
		}
		fd = pass.Reportf(ec.Args, analysis.Fails, "example args %s is %s, not a tuple: torch.export.export takes the positional inputs as a tuple", snippet, what)
		if fx, ok := ecaListFix(pass.File, ec, fwd, kind, lit); ok {
			fd.Fixes = append(fd.Fixes, fx...)
		}
	}
}

// ecaListFix offers the fixes of a list given as example args: a tuple of its elements, or
// the list wrapped as the one input of a single-input forward.
func ecaListFix(f *analysis.File, ec *torchsem.ExportSite, fwd *analysis.Function, kind ecaArgsKind, lit analysis.NodeID) ([]analysis.Fix, bool) {
	t := f.Tree
	inner := t.Unparen(ec.Args)
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
		Edits: []analysis.Edit{{Start: t.Start(ec.Args), End: t.End(ec.Args), NewText: asTuple}}}
	if fwd == nil {
		tupleFix.Title += " (each element becomes one positional input)"
		return []analysis.Fix{tupleFix}, true
	}
	in, _ := torchsem.InputsOf(fwd)
	switch {
	case in.Variadic || (n >= 0 && n >= in.Required && n <= in.Positional):
		tupleFix.Safety = analysis.Safe
		return []analysis.Fix{tupleFix}, true
	case in.Positional == 1 && n != 1:
		return []analysis.Fix{{Title: "pass the list as the single example input", Safety: analysis.Safe,
			Edits: []analysis.Edit{{Start: t.Start(ec.Args), End: t.End(ec.Args), NewText: "(" + t.String(inner) + ",)"}}}}, true
	}
	tupleFix.Title += " (each element becomes one positional input)"
	return []analysis.Fix{tupleFix}, true
}

func ecaCheckKeys(pass *analysis.Pass, ec *torchsem.ExportSite, fwd *analysis.Function) {
	f := pass.File
	t := f.Tree
	if fwd == nil || ec.DynamicShapes == analysis.NoNode {
		return
	}
	in, _ := torchsem.InputsOf(fwd)
	if in.Variadic {
		return
	}
	names := in.Names
	d := ecaLiteral(f, ec.Func, ec.DynamicShapes, syntax.KindDictionary)
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
		if s, ok := pysem.StringLiteral(t, k); ok {
			keys = append(keys, key{k, s})
			have[s] = true
			if !known[s] {
				unknown = append(unknown, key{k, s})
			}
		}
		return true
	})
	// the parameters the example inputs bind, when args and kwargs are literals; passed
	// holds them when that is all of them (no *splat among the args), else it is nil
	expected := names
	var passed map[string]bool
	if args := ecaLiteral(f, ec.Func, ec.Args, syntax.KindTuple); args != analysis.NoNode {
		elems := t.NamedChildren(args, nil)
		n := len(elems)
		splat := slices.ContainsFunc(elems, func(a analysis.NodeID) bool {
			return t.Kind(a) == syntax.KindListSplat || t.Kind(a) == syntax.KindDictionarySplat
		})
		bound := map[string]bool{}
		if n <= len(names) {
			for _, p := range names[:n] {
				bound[p] = true
			}
		}
		kwOK := true
		if ec.Kwargs != analysis.NoNode {
			kw := ecaLiteral(f, ec.Func, ec.Kwargs, syntax.KindDictionary)
			kwOK = kw != analysis.NoNode
			if kwOK {
				t.Children(kw, func(p analysis.NodeID) bool {
					if t.Kind(p) == syntax.KindPair {
						if s, ok := pysem.StringLiteral(t, t.Field(p, syntax.FieldKey)); ok {
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
			if !splat {
				passed = bound
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
	if passed != nil {
		// a key naming a parameter the call leaves to its default: export matches the dict
		// against the inputs the call passes and rejects it ("found top-level keys ... that
		// weren't present in the arg names of inputs"; older releases: "its top-level keys
		// must be the arg names")
		for _, k := range keys {
			if !known[k.name] || passed[k.name] {
				continue
			}
			fd := pass.Reportf(k.node, analysis.Fails, "dynamic_shapes key %q names a parameter of %s that the call does not pass (it passes %s): export matches the dict's keys against the inputs the call passes and rejects the others",
				k.name, who, ecaNames(expected))
			if pair := t.Parent(k.node); t.Kind(t.Unparen(t.Field(pair, syntax.FieldValue))) == syntax.KindNone {
				fd.Fixes = append(fd.Fixes, analysis.Fix{Title: "remove the entry " + strconv.Quote(k.name) + " (the call does not pass that input)", Safety: analysis.Safe,
					Edits: []analysis.Edit{fix.DeleteElement(f, pair)}})
			}
		}
	}
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
func ecaLiteral(f *analysis.File, fn *analysis.Function, e analysis.NodeID, k syntax.Kind) analysis.NodeID {
	if v := f.BoundValue(fn, e); f.Tree.Kind(v) == k {
		return v
	}
	return analysis.NoNode
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

// ecaCheckDim checks the names and bounds of a Dim(name, min=, max=) or dims(*names, min=,
// max=) call.
func ecaCheckDim(pass *analysis.Pass, call analysis.NodeID, many bool) {
	f := pass.File
	t := f.Tree
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
		s, ok := pysem.StringLiteral(t, n)
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
	max, ok := pysem.IntLiteral(t, hi)
	if !ok {
		return
	}
	if lo == analysis.NoNode {
		if max <= 0 {
			pass.Reportf(hi, analysis.Fails, "%s has max=%d: max must be greater than min, which defaults to 0", label, max)
		}
		return
	}
	min, ok := pysem.IntLiteral(t, lo)
	switch {
	case !ok:
	case max < min:
		pass.Reportf(call, analysis.Fails, "%s has min=%d greater than max=%d: torch.export.Dim requires max > min", label, min, max)
	case max == min:
		pass.Reportf(call, analysis.Fails, "%s has min=%d equal to max=%d: torch.export.Dim requires max > min; a dimension of one size is static, give it None", label, min, max)
	}
}

// ecaInput pairs one input's entry of dynamic_shapes with its example input (NoNode when
// the call does not show it) and a name for messages.
type ecaInput struct {
	name          string
	spec, example analysis.NodeID
}

// ecaCheckSpec checks what dynamic_shapes says of each input against the call: a model
// whose class exportdb cannot resolve (information: the declaration applies to no code it
// judges), a spec or axis it cannot read (information: those dims count as undeclared), a
// tuple spec with another number of entries than inputs, a tensor's spec nested wrongly (a
// Dim for the whole tensor, an axis mapped to a dict or tuple), axis keys that are not
// integers, and axes the example input does not have.
func ecaCheckSpec(pass *analysis.Pass, ec *torchsem.ExportSite, fwd *analysis.Function) {
	f := pass.File
	t := f.Tree
	if ec.DynamicShapes == analysis.NoNode {
		return
	}
	spec := f.BoundValue(ec.Func, ec.DynamicShapes)
	if t.Kind(spec) == syntax.KindNone {
		return
	}
	if ec.Class == nil {
		pass.Reportf(ec.Model, analysis.Unread, "exportdb cannot tell which nn.Module class %s is (%s): the dims this call declares dynamic are not applied to any model's code",
			fix.Snippet(t, ec.Model), ecaWhyUnresolved(f, ec))
	}
	if ecaCheckInputs(pass, ec, fwd, spec) || ec.Class == nil {
		return // a malformed spec: the error says what to change
	}
	if d := f.DeclAt(ec.Call); d != nil && d.Forward != nil {
		if !d.Readable {
			pass.Reportf(ec.DynamicShapes, analysis.Unread, "exportdb cannot read dynamic_shapes=%s (it is not written out as literal dicts, tuples and Dims): shape findings in %s's code are judged as if no dims were declared",
				fix.Snippet(t, ec.DynamicShapes), ec.Class.Name)
		} else {
			ecaUnreadableAxes(pass, d)
		}
	}
}

// ecaCheckInputs pairs the entries of a literal dynamic_shapes with the example inputs and
// checks each; true when it reported an error.
func ecaCheckInputs(pass *analysis.Pass, ec *torchsem.ExportSite, fwd *analysis.Function, spec analysis.NodeID) bool {
	f := pass.File
	t := f.Tree
	var in torchsem.Inputs
	if fwd != nil {
		in, _ = torchsem.InputsOf(fwd)
	}
	args := ecaLiteral(f, ec.Func, ec.Args, syntax.KindTuple)
	var examples []analysis.NodeID
	if args != analysis.NoNode {
		examples = t.NamedChildren(args, nil)
		for _, e := range examples {
			if k := t.Kind(e); k == syntax.KindListSplat || k == syntax.KindDictionarySplat {
				examples = nil // splatted: which example is which is not known
				break
			}
		}
	}
	kwargs := analysis.NoNode
	if ec.Kwargs != analysis.NoNode {
		kwargs = ecaLiteral(f, ec.Func, ec.Kwargs, syntax.KindDictionary)
	}
	exampleOf := func(name string) analysis.NodeID {
		for i, n := range in.Names {
			if n == name && i < in.Positional && i < len(examples) {
				return examples[i]
			}
		}
		if kwargs != analysis.NoNode {
			for _, p := range t.NamedChildren(kwargs, nil) {
				if t.Kind(p) == syntax.KindPair {
					if s, ok := pysem.StringLiteral(t, t.Field(p, syntax.FieldKey)); ok && s == name {
						return t.Field(p, syntax.FieldValue)
					}
				}
			}
		}
		return analysis.NoNode
	}
	var inputs []ecaInput
	switch t.Kind(spec) {
	case syntax.KindDictionary:
		for _, p := range t.NamedChildren(spec, nil) {
			if t.Kind(p) != syntax.KindPair {
				continue
			}
			if s, ok := pysem.StringLiteral(t, t.Field(p, syntax.FieldKey)); ok {
				inputs = append(inputs, ecaInput{name: s, spec: t.Field(p, syntax.FieldValue), example: exampleOf(s)})
			}
		}
	case syntax.KindTuple, syntax.KindList:
		entries := t.NamedChildren(spec, nil)
		for _, e := range entries {
			if t.Kind(e) == syntax.KindListSplat {
				return false
			}
		}
		if examples != nil && (ec.Kwargs == analysis.NoNode || kwargs != analysis.NoNode) && (fwd == nil || !in.Variadic) {
			n := len(examples)
			if kwargs != analysis.NoNode {
				n += len(t.NamedChildren(kwargs, nil))
			}
			if len(entries) != n {
				pass.Reportf(spec, analysis.Fails, "dynamic_shapes has %d entries but the call passes %d example inputs: a tuple or list of dynamic shapes has one entry per input, in order",
					len(entries), n)
				return true
			}
		}
		for i, e := range entries {
			x := ecaInput{name: "input " + strconv.Itoa(i), spec: e, example: analysis.NoNode}
			if i < len(examples) {
				x.example = examples[i]
			}
			if i < len(in.Names) {
				x.name = in.Names[i]
			}
			inputs = append(inputs, x)
		}
	default:
		return false
	}
	reported := false
	for _, x := range inputs {
		reported = ecaCheckInputSpec(pass, ec, x) || reported
	}
	return reported
}

// ecaWhyUnresolved says why an export call's model has no known class.
func ecaWhyUnresolved(f *analysis.File, ec *torchsem.ExportSite) string {
	t := f.Tree
	m := t.Unparen(ec.Model)
	if t.Kind(m) == syntax.KindIdentifier && ec.Func != nil {
		for _, p := range ec.Func.Params {
			if p.Name == t.String(m) {
				return "a parameter of " + ec.Func.Name
			}
		}
	}
	if t.Kind(m) == syntax.KindCall {
		return "built by a call exportdb cannot follow to a class of the project"
	}
	return "not bound to a class of the project"
}

// ecaUnreadableAxes notes each axis whose declaration exportdb cannot read.
func ecaUnreadableAxes(pass *analysis.Pass, d *torchsem.ExportDecl) {
	t := pass.File.Tree
	params := make([]int, 0, len(d.Inputs))
	for p := range d.Inputs {
		params = append(params, p)
	}
	sort.Ints(params)
	for _, p := range params {
		in := d.Inputs[p]
		axes := make([]int, 0, len(in.Axes))
		for a := range in.Axes {
			axes = append(axes, a)
		}
		sort.Ints(axes)
		for _, a := range axes {
			dd := in.Axes[a]
			if dd.Kind != torchsem.DimUnknown || dd.File != d.File || dd.Node == analysis.NoNode {
				continue
			}
			name := "input"
			if p < len(d.Forward.Params) {
				name = d.Forward.Params[p].Name
			}
			pass.Reportf(dd.Node, analysis.Unread, "exportdb cannot read what %s declares of %s.shape[%d] (not a Dim, Dim.AUTO, Dim.DYNAMIC, None or a name bound once to one): findings on that dim keep the level they have when nothing is declared",
				fix.Snippet(t, dd.Node), name, a)
		}
	}
}

// ecaCheckInputSpec checks one input's entry of dynamic_shapes. A tensor's entry maps axes
// to declarations ({0: batch}) or lists one per axis ((batch, None)); nesting is only
// checked when the example input is a tensor, since a list or dict input nests specs.
func ecaCheckInputSpec(pass *analysis.Pass, ec *torchsem.ExportSite, x ecaInput) bool {
	reported := false
	f := pass.File
	t := f.Tree
	spec := f.BoundValue(ec.Func, x.spec)
	tensor := x.example != analysis.NoNode && f.Value(ec.Func, x.example).IsTensor()
	rank := -1
	if x.example != analysis.NoNode {
		rank = f.ExampleRank(ec.Func, x.example)
	}
	nested := func(v analysis.NodeID) bool {
		switch t.Kind(f.BoundValue(ec.Func, v)) {
		case syntax.KindDictionary, syntax.KindTuple, syntax.KindList:
			return true
		}
		return false
	}
	switch t.Kind(spec) {
	case syntax.KindDictionary:
		for _, p := range t.NamedChildren(spec, nil) {
			if t.Kind(p) != syntax.KindPair {
				continue
			}
			k, v := t.Field(p, syntax.FieldKey), t.Field(p, syntax.FieldValue)
			if s, ok := pysem.StringLiteral(t, k); ok && tensor {
				reported = true
				fd := pass.Reportf(k, analysis.Fails, "axis key %s of %s's dynamic shape is a string: a tensor's axes are keyed by int", fix.Snippet(t, k), x.name)
				if n, err := strconv.Atoi(s); err == nil {
					fd.Fixes = append(fd.Fixes, analysis.Fix{Title: "key the axis by the int " + strconv.Itoa(n), Safety: analysis.Safe,
						Edits: []analysis.Edit{{Start: t.Start(k), End: t.End(k), NewText: strconv.Itoa(n)}}})
				}
				continue
			}
			if a, ok := pysem.IntLiteral(t, k); ok && rank >= 0 && (a >= int64(rank) || a < -int64(rank)) {
				reported = true
				pass.Reportf(k, analysis.Fails, "axis %d of %s's dynamic shape does not exist: the example input %s has %d dims",
					a, x.name, fix.Snippet(t, x.example), rank)
				continue
			}
			if tensor && nested(v) {
				reported = true
				pass.Reportf(v, analysis.Fails, "%s's dynamic shape nests %s under an axis: a tensor's axis takes one Dim (or None), not a %s",
					x.name, fix.Snippet(t, v), ecaKindWord(t, f.BoundValue(ec.Func, v)))
			}
		}
	case syntax.KindTuple, syntax.KindList:
		entries := t.NamedChildren(spec, nil)
		if tensor && rank >= 0 && len(entries) != rank {
			pass.Reportf(x.spec, analysis.Fails, "%s's dynamic shape lists %d axes but the example input %s has %d dims: a tuple spec has one entry per axis",
				x.name, len(entries), fix.Snippet(t, x.example), rank)
			return true
		}
		if tensor {
			for _, e := range entries {
				if nested(e) {
					reported = true
					pass.Reportf(e, analysis.Fails, "%s's dynamic shape nests %s in an axis: a tensor's axis takes one Dim (or None), not a %s",
						x.name, fix.Snippet(t, e), ecaKindWord(t, f.BoundValue(ec.Func, e)))
				}
			}
		}
	case syntax.KindCall:
		if ok, many := torchsem.IsDimAPI(f.Resolve(t.Field(spec, syntax.FieldFunction))); ok && !many && tensor {
			reported = true
			fd := pass.Reportf(x.spec, analysis.Fails, "%s's dynamic shape is a single Dim: a tensor's dynamic shape maps axes to Dims ({0: %s}) or lists one per axis",
				x.name, fix.Snippet(t, x.spec))
			if rank >= 1 {
				fd.Fixes = append(fd.Fixes, analysis.Fix{Title: "declare it for axis 0", Safety: analysis.Unsafe,
					Edits: []analysis.Edit{{Start: t.Start(x.spec), End: t.End(x.spec), NewText: "{0: " + t.String(x.spec) + "}"}}})
			}
		}
	}
	return reported
}

// ecaKindWord names a literal's kind for messages.
func ecaKindWord(t *syntax.Tree, n analysis.NodeID) string {
	switch t.Kind(n) {
	case syntax.KindDictionary:
		return "dict"
	case syntax.KindTuple:
		return "tuple"
	}
	return "list"
}

// ecaNames lists the inputs a call passes for a message: "x, mask", or "nothing".
func ecaNames(names []string) string {
	if len(names) == 0 {
		return "nothing"
	}
	return strings.Join(names, ", ")
}
