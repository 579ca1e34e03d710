package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// DynamicShapeAssert recognises assert statements on tensor sizes.
var DynamicShapeAssert = &analysis.Rule{
	Name:      "dynamic_shape_assert",
	HoverOnly: true,
	Doc: `## What it does
Recognises ` + "`assert`" + ` statements whose condition tests a tensor's dimension sizes
(` + "`assert x.shape[0] > 2, \"...\"`" + `) in code that torch.export traces. Membership tests
(` + "`assert x.size(0) in [4, 5]`" + `) are list_contains; asserts on tensor values and on the rank alone are not
reported.

## Why is this bad
It is not: this is the supported pattern, shown on hover only. Export evaluates the assertion while
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
There is no fix.

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
		pass.Reportf(c.Stmt, analysis.Recognized,
			"assert on tensor size %s is checked while tracing: for a dynamic dim it constrains that dim's range",
			fix.Snippet(t, c.Test))
	})
}
