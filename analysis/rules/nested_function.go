package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// NestedFunction recognises closures in traced code: nested functions that read or rebind
// (nonlocal) variables of the function around them.
var NestedFunction = &analysis.Rule{
	Name:      "nested_function",
	HoverOnly: true,
	Doc: `## What it does
Recognises a function defined inside traced code (for example inside ` + "`forward`" + `) that reads
variables of the function around it, or rebinds them with ` + "`nonlocal`" + `. This is supported;
the finding is shown on hover only. Functions passed to torch.cond or map are left to the
cond and map cases.

## Why is this bad
It is not: export traces through nested functions and closures, inlining each call into the
graph, and a ` + "`nonlocal`" + ` update of an enclosing variable (` + "`nonlocal x; x += 1`" + `) is traced
like any other assignment. Only the values computed on this call are captured; what export
does not support are side effects on global state from traced code (a ` + "`global`" + ` write),
which the closure does not have.

## Example
` + "```python" + `
def forward(self, a, b):
    x = a + b
    z = a - b

    def closure(y):
        nonlocal x
        x += 1
        return x * y + z

    return closure(x)
` + "```" + `

## Use instead
Nothing to change.

## Fix safety
No fix is offered: there is nothing to fix.

## References
- [ExportDB: nested_function](https://pytorch.org/docs/main/generated/exportdb/index.html#nested-function)
- [torch.export](https://pytorch.org/docs/main/export.html)
`,
	Local: true,
	Run:   runNestedFunction,
}

func runNestedFunction(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	var branches map[*analysis.Function]bool
	pass.Traced(syntax.KindFunctionDefinition, func(n analysis.NodeID, owner *analysis.Function) {
		g := f.FuncAt(n)
		if g == nil || g.Parent == nil || g.Class != nil {
			return
		}
		if branches == nil {
			branches = condBranchUsers(pass)
		}
		if branches[g] {
			return
		}
		name := t.Field(n, syntax.FieldName)
		if name == analysis.NoNode {
			return
		}
		var rebinds []string
		for _, st := range f.OwnNodes(g, syntax.KindNonlocalStatement) {
			t.Children(st, func(c analysis.NodeID) bool {
				if t.Kind(c) == syntax.KindIdentifier {
					rebinds = append(rebinds, t.String(c))
				}
				return true
			})
		}
		if len(rebinds) > 0 {
			pass.Reportf(name, analysis.Recognized, "nested function %s rebinds %s of %s through nonlocal; export traces the update", g.Name, fix.List(rebinds), owner.QualName())
			return
		}
		var reads []pysem.FreeVar
		for _, v := range f.FreeVars(g) {
			if v.Name != v.Scope.SelfName() {
				reads = append(reads, v)
			}
		}
		if len(reads) > 0 {
			pass.Reportf(name, analysis.Recognized, "nested function %s closes over %s; export inlines each call", g.Name, condVarsPhrase(reads))
		}
	})
}
