package rules

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// ConstrainAsSizeExample recognises bounds on values read out of tensors and used as sizes.
var ConstrainAsSizeExample = &analysis.Rule{
	Name: "constrain_as_size_example",
	Doc: `## What it does
Looks at values read out of a tensor with ` + "`.item()`" + ` (or ` + "`int(t)`" + `) and then used as a size: an argument of
a tensor constructor (` + "`torch.zeros`, `ones`, `empty`, `full`, `arange`, `randn`" + `, ...), of ` + "`view`/`reshape`/`narrow`" + `
or ` + "`new_*`" + `, or a slice bound, in code that torch.export traces. It reports:
- such a value with no ` + "`torch._check`" + ` bound in the function, with a fix: an error when it is a
  size of ` + "`view`/`reshape`/`narrow`/`expand`/`repeat`" + ` or a slice bound (export fails there, as it does
  for the values unchecked_data_dependent_value follows), information when it sizes a tensor
  constructor, which takes its arguments as sizes;
- the deprecated ` + "`torch._constrain_as_size(a, min=m, max=n)`" + ` (hint, deprecated, with a fix);
- ` + "`torch._check_is_size(a)`" + `, deprecated from torch 2.11 (hint, deprecated, with a fix); before 2.11 it
  is the supported form and is shown on hover only;
- ` + "`torch._check(...)`" + ` on such a value: the supported form, shown on hover only.

Values used in conditions rather than sizes are constrain_as_value_example. This rule owns names bound
straight from such a read (` + "`a = x.item()`" + `); values unpacked from ` + "`.tolist()`" + `, names computed from
them, inline reads and the lengths of ` + "`nonzero()`/`unique()`" + ` results are unchecked_data_dependent_value's,
so one use is never reported twice.

## Why is this bad
While export traces, ` + "`a = x.item()`" + ` is an unbacked symbolic integer: export knows nothing of its value.
Building a tensor of size ` + "`a`" + ` makes export ask questions such as "is ` + "`a`" + ` negative?" or "is it 0 or 1?"
that it cannot answer, and it fails with a data-dependent error (GuardOnDataDependentSymNode), or keeps
a runtime assertion it could have proved. Bounds stated with ` + "`torch._check`" + ` answer those questions and
are recorded as range constraints of the exported program.

The older spellings still work where they exist but are deprecated: ` + "`torch._constrain_as_size`" + ` is
superseded by ` + "`torch._check`" + `, and from 2.11 ` + "`torch._check_is_size(a)`" + ` warns and asks for
` + "`torch._check(a >= 0)`" + `.

## Example
` + "```python" + `
def forward(self, x):
    a = x.item()
    torch._constrain_as_size(a, min=0, max=5)
    return torch.zeros((a, 5))
` + "```" + `

## Use instead
` + "```python" + `
def forward(self, x):
    a = x.item()
    torch._check(a >= 0)
    torch._check(a <= 5)
    return torch.zeros((a, 5))
` + "```" + `
(for targets before 2.11, ` + "`torch._check_is_size(a)`" + ` in place of ` + "`torch._check(a >= 0)`" + `).

## Fix safety
- Replacing ` + "`torch._constrain_as_size(a, min=m, max=n)`" + ` with ` + "`torch._check(a >= m)`" + ` and ` + "`torch._check(a <= n)`" + `
  on separate lines is safe: the same bounds are checked at run time and known to export. For targets
  before 2.11 the lower bound is written ` + "`torch._check_is_size(a)`" + `, which also keeps the value
  size-like for the export of those versions.
- Replacing ` + "`torch._check_is_size(a)`" + ` with ` + "`torch._check(a >= 0)`" + ` (2.11 on) is safe: it is the
  replacement PyTorch's deprecation warning names.
- Inserting a lower bound after an unchecked ` + "`.item()`" + ` (` + "`torch._check(a >= 0)`" + ` from 2.11,
  ` + "`torch._check_is_size(a)`" + ` before; every version the catalog covers, from 2.2, has both, so
  ` + "`torch._constrain_as_size`" + ` is never proposed) is safe when the value sizes a constructor in the
  same block (a negative size raises there anyway); otherwise (a slice bound, ` + "`view`" + `, a size used
  under a condition) it is unsafe, since a negative value that used to be accepted now raises. Upper
  bounds are domain knowledge: add them by hand.

## References
- [ExportDB: constrain_as_size_example](https://pytorch.org/docs/main/generated/exportdb/index.html#constrain-as-size-example)
- [torch.export: data-dependent values](https://pytorch.org/docs/main/export.html)
- [torch.export programming model](https://pytorch.org/docs/main/export.programming_model.html)
`,
	Run: runConstrainAsSizeExample,
}

// Qualified names of the constraint APIs.
const (
	constrainCheck       = "torch._check"
	constrainCheckIsSize = "torch._check_is_size"
	constrainAsSize      = "torch._constrain_as_size"
	constrainAsValue     = "torch._constrain_as_value"
)

func runConstrainAsSizeExample(pass *analysis.Pass) {
	f, t := pass.File, pass.Tree
	modern := !pass.TargetBefore(2, 11) // torch._check_is_size is deprecated from 2.11
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		switch constrainAPI(f, call) {
		case constrainAsSize:
			fd := pass.Reportf(call, analysis.Note,
				"torch._constrain_as_size is deprecated: state the bounds of %s with torch._check", constrainSubject(f, call))
			fd.Deprecated = true
			title := "replace torch._constrain_as_size with torch._check bounds"
			if !modern {
				title = "replace torch._constrain_as_size with torch._check_is_size and torch._check bounds"
			}
			if fx, ok := constrainBoundsFix(f, call, constrainAsSize, modern, title); ok {
				fd.Fixes = append(fd.Fixes, fx)
			}
		case constrainCheckIsSize:
			if !modern {
				pass.Reportf(call, analysis.Recognized,
					"torch._check_is_size tells export that %s is a size", constrainSubject(f, call))
				return
			}
			fd := pass.Reportf(call, analysis.Note,
				"torch._check_is_size is deprecated from torch 2.11: check %s >= 0 with torch._check", constrainSubject(f, call))
			fd.Deprecated = true
			if fx, ok := constrainBoundsFix(f, call, constrainCheckIsSize, modern, "replace torch._check_is_size(a) with torch._check(a >= 0)"); ok {
				fd.Fixes = append(fd.Fixes, fx)
			}
		}
	})
	seen := map[analysis.NodeID]bool{}
	pass.Traced(syntax.KindAssignment, func(a analysis.NodeID, fn *analysis.Function) {
		it, ok := constrainItemOf(f, fn, a)
		if !ok || it.sizeUse == analysis.NoNode {
			return
		}
		if len(it.checks) == 0 && !it.asserted {
			// a constructor takes its arguments as sizes; view, reshape, narrow, expand,
			// repeat and slicing ask questions export cannot answer (the same class of
			// failure as unchecked_data_dependent_value's, and the same severity)
			effect, outcome := analysis.Fails, "fails on a data-dependent guard (GuardOnDataDependentSymNode)"
			if it.sizeCtor {
				effect, outcome = analysis.Caveat, "may fail on a data-dependent guard"
			}
			fd := pass.Reportf(it.sizeUse, effect,
				"value %s = %s is used as a size without a torch._check bound: export %s",
				it.name, fix.Snippet(t, t.Field(a, syntax.FieldRight)), outcome)
			fd.Related = append(fd.Related, analysis.Related{Start: t.Start(a), End: t.End(a), Message: it.name + " is read here"})
			if fx, ok := constrainInsertFix(f, it, modern); ok {
				fd.Fixes = append(fd.Fixes, fx)
			}
			return
		}
		constrainRecognizeChecks(pass, it, seen, "torch._check bounds %s, read out of tensor data and used as a size, so export can reason about it")
	})
}

// constrainRecognizeChecks reports, once each (seen), the torch._check calls bounding it:
// the supported form, shown on hover.
func constrainRecognizeChecks(pass *analysis.Pass, it constrainItem, seen map[analysis.NodeID]bool, format string) {
	for _, c := range it.checks {
		if constrainAPI(pass.File, c) != constrainCheck || seen[c] {
			continue
		}
		seen[c] = true
		pass.Reportf(c, analysis.Recognized, format, it.name)
	}
}

// constrainAPI returns the qualified name of call's callee when it is one of the constraint
// APIs (torch._check, torch._check_is_size, torch._constrain_as_size,
// torch._constrain_as_value), else "".
func constrainAPI(f *analysis.File, call analysis.NodeID) string {
	t := f.Tree
	callee := t.Unparen(t.Field(call, syntax.FieldFunction))
	if callee == analysis.NoNode {
		return ""
	}
	last := callee
	if t.Kind(callee) == syntax.KindAttribute {
		last = t.Field(callee, syntax.FieldAttribute)
	}
	if last == analysis.NoNode || t.Kind(last) != syntax.KindIdentifier {
		return ""
	}
	switch string(t.Text(last)) {
	case "_check", "_check_is_size", "_constrain_as_size", "_constrain_as_value":
	default:
		return ""
	}
	if !f.IsImported(callee) {
		return ""
	}
	switch q := f.Resolve(callee); q {
	case constrainCheck, constrainCheckIsSize, constrainAsSize, constrainAsValue:
		return q
	}
	return ""
}

// constrainSubject is the text of a constraint call's first argument, for messages.
func constrainSubject(f *analysis.File, call analysis.NodeID) string {
	pos, _ := f.Args(call)
	if len(pos) == 0 {
		return "the value"
	}
	return fix.Snippet(f.Tree, pos[0])
}

// constrainItem is a name bound to a value read out of tensor data, and how the function
// uses it.
type constrainItem struct {
	name     string
	assign   analysis.NodeID   // the assignment
	stmt     analysis.NodeID   // the statement holding the assignment
	sizeUse  analysis.NodeID   // first use as a size, or NoNode
	sizeCtor bool              // that use sizes a tensor constructor
	sizeSafe bool              // that use sizes a constructor in the assignment's block
	condUse  analysis.NodeID   // first use in a branch condition, or NoNode
	checks   []analysis.NodeID // constraint calls mentioning the name
	asserted bool              // an assert mentions the name
}

// constrainItemOf describes the assignment a when it binds a plain name to a value read
// directly out of tensor data (a = x.item(), n = int(t.max())), not through another such name.
func constrainItemOf(f *analysis.File, fn *analysis.Function, a analysis.NodeID) (constrainItem, bool) {
	t := f.Tree
	it := constrainItem{assign: a, sizeUse: analysis.NoNode, condUse: analysis.NoNode}
	left, right := t.Field(a, syntax.FieldLeft), t.Field(a, syntax.FieldRight)
	if left == analysis.NoNode || right == analysis.NoNode || t.Kind(left) != syntax.KindIdentifier {
		return it, false
	}
	// cheap syntactic filter before the facts: the value must come from .item() or int(...)
	reads := false
	for id, end := right, t.SubtreeEnd(right); id < end && !reads; id++ {
		if t.Kind(id) == syntax.KindIdentifier {
			reads = t.FieldOf(id) == syntax.FieldAttribute && t.TextIs(id, "item") ||
				t.FieldOf(id) == syntax.FieldFunction && t.TextIs(id, "int")
		}
	}
	if !reads {
		return it, false
	}
	if v := f.Value(fn, right); !v.May(torchsem.Data) || v.IsTensor() {
		return it, false
	}
	// primary: no name in the right-hand side already carries data
	for id, end := right, t.SubtreeEnd(right); id < end; id++ {
		if t.Kind(id) == syntax.KindIdentifier && t.FieldOf(id) != syntax.FieldAttribute && t.FieldOf(id) != syntax.FieldName &&
			f.Value(fn, id).May(torchsem.Data) {
			return it, false
		}
	}
	it.name = string(t.Text(left))
	it.stmt = fix.Statement(t, a)
	for _, u := range f.NodesIn(fn, syntax.KindIdentifier) {
		if u <= left || !t.TextIs(u, it.name) {
			continue
		}
		fld := t.FieldOf(u)
		if fld == syntax.FieldAttribute || fld == syntax.FieldName {
			continue
		}
		if fld == syntax.FieldLeft {
			if p := t.Parent(u); p != analysis.NoNode {
				switch t.Kind(p) {
				case syntax.KindAssignment, syntax.KindAugmentedAssignment, syntax.KindForStatement:
					return it, true // rebound: later uses see another value
				}
			}
		}
		constrainClassify(f, fn, &it, u)
	}
	return it, true
}

// constrainClassify walks up from a use u of it.name to its statement and records whether
// it sizes a tensor, decides a branch, or is checked.
func constrainClassify(f *analysis.File, fn *analysis.Function, it *constrainItem, u analysis.NodeID) {
	t := f.Tree
	for n := u; ; {
		p := t.Parent(n)
		if p == analysis.NoNode {
			return
		}
		switch t.Kind(p) {
		case syntax.KindCall:
			if t.FieldOf(n) != syntax.FieldArguments {
				break
			}
			if constrainAPI(f, p) != "" {
				it.checks = append(it.checks, p)
				return
			}
			if sc, ok := f.SizeCall(fn, p); ok {
				for _, a := range sc.Sizes {
					if it.sizeUse == analysis.NoNode && t.Contains(a, u) {
						it.sizeUse = u
						it.sizeCtor = sc.Constructor // a negative size makes every constructor raise
						it.sizeSafe = sc.Constructor && t.Parent(fix.Statement(t, p)) == t.Parent(it.stmt)
					}
				}
				return
			}
		case syntax.KindSlice:
			if sub := t.Parent(p); sub != analysis.NoNode && t.Kind(sub) == syntax.KindSubscript && f.Value(fn, t.Field(sub, syntax.FieldValue)).May(torchsem.Tensor) {
				if it.sizeUse == analysis.NoNode {
					it.sizeUse = u
				}
			}
			return
		case syntax.KindIfStatement, syntax.KindElifClause, syntax.KindWhileStatement:
			if t.FieldOf(n) == syntax.FieldCondition && it.condUse == analysis.NoNode {
				it.condUse = u
			}
			return
		case syntax.KindConditionalExpression:
			if t.NamedChild(p, 1) == n && it.condUse == analysis.NoNode {
				it.condUse = u
				return
			}
		case syntax.KindAssertStatement:
			it.asserted = true
			return
		case syntax.KindBlock, syntax.KindModule, syntax.KindFunctionDefinition, syntax.KindLambda, syntax.KindClassDefinition:
			return
		}
		n = p
	}
}

// constrainBoundsFix rewrites a statement-level call of a deprecated constraint API into
// torch._check bounds, one per line at the call's indentation.
func constrainBoundsFix(f *analysis.File, call analysis.NodeID, api string, modern bool, title string) (analysis.Fix, bool) {
	t := f.Tree
	st := t.Parent(call)
	if st == analysis.NoNode || t.Kind(st) != syntax.KindExpressionStatement || t.Start(st) != t.Start(call) ||
		t.End(st) != t.End(call) || !fix.StartsLine(f, st) {
		return analysis.Fix{}, false
	}
	callee := t.Unparen(t.Field(call, syntax.FieldFunction))
	prefix := ""
	if t.Kind(callee) == syntax.KindAttribute {
		prefix = t.String(t.Field(callee, syntax.FieldObject))
	} else {
		prefix = fix.NewImporter(f).Bound("torch")
	}
	if prefix == "" {
		return analysis.Fix{}, false
	}
	pos, kws := f.Args(call)
	if len(pos) == 0 || len(pos) > 3 || t.Kind(pos[0]) == syntax.KindListSplat {
		return analysis.Fix{}, false
	}
	lo, hi := analysis.NoNode, analysis.NoNode
	if api == constrainCheckIsSize {
		if len(pos) > 1 {
			return analysis.Fix{}, false // a message argument has no place in torch._check(a >= 0)
		}
	} else {
		if len(pos) > 1 {
			lo = pos[1]
		}
		if len(pos) > 2 {
			hi = pos[2]
		}
	}
	for _, k := range kws {
		name, val := t.Field(k, syntax.FieldName), t.Field(k, syntax.FieldValue)
		switch {
		case name == analysis.NoNode || val == analysis.NoNode:
			return analysis.Fix{}, false
		case t.TextIs(name, "min") && api != constrainCheckIsSize:
			lo = val
		case t.TextIs(name, "max"):
			hi = val
		default:
			return analysis.Fix{}, false
		}
	}
	if lo != analysis.NoNode && t.Kind(t.Unparen(lo)) == syntax.KindNone {
		lo = analysis.NoNode
	}
	if hi != analysis.NoNode && t.Kind(t.Unparen(hi)) == syntax.KindNone {
		hi = analysis.NoNode
	}
	a := fix.Operand(t, pos[0])
	var lines []string
	switch api {
	case constrainAsSize, constrainCheckIsSize:
		switch {
		case !modern:
			lines = append(lines, prefix+"._check_is_size("+t.String(pos[0])+")")
			if lo != analysis.NoNode && !t.TextIs(t.Unparen(lo), "0") {
				lines = append(lines, prefix+"._check("+a+" >= "+fix.Operand(t, lo)+")")
			}
		case lo != analysis.NoNode:
			lines = append(lines, prefix+"._check("+a+" >= "+fix.Operand(t, lo)+")")
		default:
			lines = append(lines, prefix+"._check("+a+" >= 0)")
		}
	case constrainAsValue:
		if lo != analysis.NoNode {
			lines = append(lines, prefix+"._check("+a+" >= "+fix.Operand(t, lo)+")")
		}
	}
	if hi != analysis.NoNode {
		lines = append(lines, prefix+"._check("+a+" <= "+fix.Operand(t, hi)+")")
	}
	if len(lines) == 0 {
		return analysis.Fix{}, false
	}
	return analysis.Fix{
		Title:  title,
		Safety: analysis.Safe,
		Edits:  []analysis.Edit{{Start: t.Start(st), End: t.End(st), NewText: strings.Join(lines, "\n"+f.Indent(t.Start(st)))}},
	}, true
}

// constrainInsertFix inserts a lower bound for an unchecked size on the line after its
// assignment: torch._check(a >= 0) from 2.11, torch._check_is_size(a) before.
func constrainInsertFix(f *analysis.File, it constrainItem, modern bool) (analysis.Fix, bool) {
	t := f.Tree
	st := it.stmt
	if st == analysis.NoNode || t.Kind(st) != syntax.KindExpressionStatement || !fix.StartsLine(f, st) {
		return analysis.Fix{}, false
	}
	torch := fix.NewImporter(f).Bound("torch")
	if torch == "" {
		return analysis.Fix{}, false
	}
	check := torch + "._check(" + it.name + " >= 0)"
	if !modern {
		check = torch + "._check_is_size(" + it.name + ")"
	}
	// after the statement's last line, so a trailing comment stays where it is
	at := t.End(st)
	for at < len(f.Src) && (f.Src[at] == ' ' || f.Src[at] == '\t') {
		at++
	}
	if at < len(f.Src) && f.Src[at] != '\n' && f.Src[at] != '\r' && f.Src[at] != '#' {
		return analysis.Fix{}, false // another statement follows on the line (a = x.item(); ...)
	}
	at, ok := fix.LineEnd(f, at)
	if !ok {
		return analysis.Fix{}, false
	}
	fx := analysis.Fix{
		Title:  "insert " + check + " after the assignment of " + it.name,
		Safety: analysis.Safe,
		Edits:  []analysis.Edit{{Start: at, End: at, NewText: "\n" + f.Indent(t.Start(st)) + check}},
	}
	if !it.sizeSafe {
		fx.Title += " (raises if the value is negative)"
		fx.Safety = analysis.Unsafe
	}
	return fx, true
}
