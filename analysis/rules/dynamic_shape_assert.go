package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// DynamicShapeAssert recognises assert statements on tensor sizes.
var DynamicShapeAssert = &analysis.Rule{
	Name: "dynamic_shape_assert",
	Doc: `## What it does
Recognises ` + "`assert`" + ` statements whose condition tests a tensor's dimension sizes
(` + "`assert x.shape[0] > 2, \"...\"`" + `) in code that torch.export traces. Membership tests
(` + "`assert x.size(0) in [4, 5]`" + `) are list_contains; asserts on tensor values and on the rank alone are not
reported.

## Why is this bad
Usually it is not: this is the supported pattern, shown on hover only. It is an error when the
project declares the dimension dynamic (an export call's ` + "`dynamic_shapes`" + `, or the
configuration's ` + "`dynamic-shapes`" + `) and the assert holds for part of the declared range only:
an equality with a constant or the configured image size pins the dimension ("You marked h as
dynamic but your code specialized it"), and a bound narrower than the declared min/max fails
with "Not all values of h in the specified range satisfy the generated guard". Export evaluates the assertion while
tracing. With static shapes it holds for the example input and leaves nothing in the graph (the
ExportDB example exports a bare identity). For a dimension declared dynamic, the condition on the
symbolic size becomes part of what export knows about that dimension: it narrows the dimension's
range or is kept as a runtime assertion, and an assertion that contradicts the declared range is
reported as a constraint violation at export time.

## Example
` + "```python" + `
def forward(self, x):
    assert x.shape[0] > 2, f"{x.shape[0]} is greater than 2"
    assert x.shape[0] > 1
    return x
` + "```" + `

## Use instead
Nothing to change. To state a bound without Python's assert (which ` + "`python -O`" + ` strips in eager mode),
` + "`torch._check(x.shape[0] > 2)`" + ` does the same under export; declaring the range on the
` + "`torch.export.Dim`" + ` (` + "`Dim(\"n\", min=3)`" + `) documents it at the export call.

## Fix safety
Both fixes are unsafe. Narrowing the ` + "`Dim`" + ` at the export call (in another file when the
call is there: the editor applies it, ` + "`check --fix`" + ` does not) makes the exported program
reject the sizes the assert rejected. Removing a pinning assert makes it accept sizes the
model was never checked with.

## References
- [ExportDB: dynamic_shape_assert](https://pytorch.org/docs/main/generated/exportdb/index.html#dynamic-shape-assert)
- [torch.export: expressing dynamism](https://pytorch.org/docs/main/export.html)
`,
	Run: runDynamicShapeAssert,
}

func runDynamicShapeAssert(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	pass.Conditions(func(c analysis.Condition, fn *analysis.Function) {
		if t.Kind(c.Stmt) != syntax.KindAssertStatement || sizeInList(f, fn, c.Test) {
			return // a membership test is list_contains's
		}
		if f.Value(fn, c.Test).IsTensor() || !shapeSize(f, fn, c.Test) {
			return
		}
		if b, ok := boundOf(f, fn, c.Test, true); ok {
			narrowed, lo, hi := b.narrows()
			if !narrowed {
				pass.Reportf(c.Stmt, analysis.Recognized, "assert %s holds for every size %s declares: export keeps the dim dynamic",
					fix.Snippet(t, c.Test), dimsPhrase([]torchsem.DimHit{b.hit}))
				return
			}
			if b.isNot {
				fd := pass.Reportf(c.Stmt, analysis.Fails, "assert %s excludes %d from %s, which declares %s: export fails (\"Not all values of %s in the specified range satisfy the generated guard\")",
					fix.Snippet(t, c.Test), b.not, dimsPhrase([]torchsem.DimHit{b.hit}), rangeWords(b.hit.Decl.Name, lo, hi), b.hit.Decl.Name)
				fd.Related = append(fd.Related, dimsRelated(f, []torchsem.DimHit{b.hit})...)
				return
			}
			if lo != hi {
				dlo, dhi := declaredRange(b.hit.Decl)
				fd := pass.Reportf(c.Stmt, analysis.Fails, "assert %s holds only for %s, but %s allows %s: export fails (\"Not all values of %s in the specified range satisfy the generated guard\")",
					fix.Snippet(t, c.Test), rangeWords(b.hit.Decl.Name, lo, hi), dimsPhrase([]torchsem.DimHit{b.hit}), rangeWords(b.hit.Decl.Name, dlo, dhi), b.hit.Decl.Name)
				fd.Related = append(fd.Related, dimsRelated(f, []torchsem.DimHit{b.hit})...)
				if fx, ok := narrowDimFix(f, b, lo, hi); ok {
					fd.Fixes = append(fd.Fixes, fx)
				}
				return
			}
		}
		verdict, hits := declaredDims(f, f.Value(fn, c.Test))
		if verdict == torchsem.DimsStatic {
			return // a plain check of sizes every export declares static
		}
		if verdict == torchsem.DimsDynamic && assertPins(t, c.Test) {
			fd := pass.Reportf(c.Stmt, analysis.Fails, "assert %s pins %s to one value (\"You marked %s as dynamic but your code specialized it\"): export fails",
				fix.Snippet(t, c.Test), dimsPhrase(hits), hits[0].Decl.Name)
			fd.Related = append(fd.Related, dimsRelated(f, hits)...)
			if blk := t.Parent(c.Stmt); t.Kind(blk) == syntax.KindBlock && t.NamedChildCount(blk) > 1 {
				fd.Fixes = append(fd.Fixes, analysis.Fix{
					Title:  "remove the assert (the exported program then accepts every size in the declared range)",
					Safety: analysis.Unsafe,
					Edits:  []analysis.Edit{fix.DeleteStatement(f, c.Stmt)},
				})
			}
			return
		}
		pass.Reportf(c.Stmt, analysis.Recognized,
			"assert on tensor size %s is checked while tracing: for a dynamic dim it constrains that dim's range",
			fix.Snippet(t, c.Test))
	})
}

// assertPins reports whether an assert's test is an equality of sizes or with a value
// (H == 224, H == self.img_size[0]) on its own or in an and: it holds for one size only.
func assertPins(t *syntax.Tree, test analysis.NodeID) bool {
	test = t.Unparen(test)
	switch t.Kind(test) {
	case syntax.KindComparisonOperator:
		return t.Operator(test) == "=="
	case syntax.KindBooleanOperator:
		return t.Operator(test) == "and" && (assertPins(t, t.Field(test, syntax.FieldLeft)) || assertPins(t, t.Field(test, syntax.FieldRight)))
	}
	return false
}
