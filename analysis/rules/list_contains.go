package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// ListContains recognises membership tests of a tensor size in a literal list.
var ListContains = &analysis.Rule{
	Name:      "list_contains",
	HoverOnly: true,
	Doc: `## What it does
Recognises ` + "`in` / `not in`" + ` tests of a tensor's dimension size against a literal list, tuple or set
(` + "`x.size(-1) in [6, 2]`, `x.shape[0] not in (4, 5, 6)`" + `), usually in an ` + "`assert`" + `, in code that
torch.export traces.

## Why is this bad
It is not: this is the supported pattern, shown on hover only. Export evaluates the membership test
on the size while tracing, element by element, the same way it evaluates ` + "`==`" + ` on a size. With static
shapes the test is decided for the example input and leaves nothing in the graph. For a dimension
declared dynamic, each comparison is a condition on the symbolic size: a test that can only hold for
particular values pins the dimension to them, which export reports as a constraint violation.
Membership tests on constants (` + "`\"monkey\" not in [\"cow\", \"pig\"]`" + `) are plain Python and are not reported.

## Example
` + "```python" + `
def forward(self, x):
    assert x.size(-1) in [6, 2]
    assert x.size(0) not in [4, 5, 6]
    return x + x
` + "```" + `

## Use instead
Nothing to change for static dimensions. For a dynamic dimension prefer range conditions
(` + "`torch._check(x.size(0) >= 7)`" + `) or declare the range on the ` + "`torch.export.Dim`" + `.

## Fix safety
There is no fix.

## References
- [ExportDB: list_contains](https://pytorch.org/docs/main/generated/exportdb/index.html#list-contains)
- [torch.export: expressing dynamism](https://pytorch.org/docs/main/export.html)
`,
	Local:        true,
	Declarations: true,
	Run:          runListContains,
}

func runListContains(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	pass.Traced(syntax.KindComparisonOperator, func(cmp analysis.NodeID, fn *analysis.Function) {
		if !sizeInList(f, fn, cmp) {
			return
		}
		pass.Reportf(cmp, analysis.Recognized,
			"membership test of tensor size %s in a constant list is decided while tracing", fix.Snippet(t, t.NamedChild(cmp, 0)))
	})
}
