package rules

import (
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
	Local: true,
	Run:   runConstrainAsSizeExample,
}

func runConstrainAsSizeExample(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	modern := !pass.TargetBefore(2, 11) // torch._check_is_size is deprecated from 2.11
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		switch constrainAPI(pass, call) {
		case torchsem.ConstrainAsSizeAPI:
			fd := pass.Reportf(call, analysis.Note,
				"torch._constrain_as_size is deprecated: state the bounds of %s with torch._check", constrainSubject(f, call))
			fd.Deprecated = true
			title := "replace torch._constrain_as_size with torch._check bounds"
			if !modern {
				title = "replace torch._constrain_as_size with torch._check_is_size and torch._check bounds"
			}
			if fx, ok := constrainBoundsFix(f, call, torchsem.ConstrainAsSizeAPI, modern, title); ok {
				fd.Fixes = append(fd.Fixes, fx)
			}
		case torchsem.CheckIsSizeAPI:
			if !modern {
				pass.Reportf(call, analysis.Recognized,
					"torch._check_is_size tells export that %s is a size", constrainSubject(f, call))
				return
			}
			fd := pass.Reportf(call, analysis.Note,
				"torch._check_is_size is deprecated from torch 2.11: check %s >= 0 with torch._check", constrainSubject(f, call))
			fd.Deprecated = true
			if fx, ok := constrainBoundsFix(f, call, torchsem.CheckIsSizeAPI, modern, "replace torch._check_is_size(a) with torch._check(a >= 0)"); ok {
				fd.Fixes = append(fd.Fixes, fx)
			}
		}
	})
	seen := map[analysis.NodeID]bool{}
	pass.Traced(syntax.KindAssignment, func(a analysis.NodeID, fn *analysis.Function) {
		it, ok := constrainItemOf(pass, fn, a)
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
