package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// NullContextManager recognises `with contextlib.nullcontext()` in traced code.
var NullContextManager = &analysis.Rule{
	Name:      "null_context_manager",
	HoverOnly: true,
	Doc: `## What it does
Recognises a ` + "`with`" + ` statement over ` + "`contextlib.nullcontext()`" + ` in code that torch.export
traces, whether the call is written in the ` + "`with`" + ` statement, chosen by a conditional
expression, or bound to a name first (` + "`ctx = contextlib.nullcontext()`" + ` then ` + "`with ctx:`" + `). It is
shown on hover only: the pattern exports as written.

## Why is this bad
It is not. A null context manager does nothing on entry or exit: export traces the body of the
` + "`with`" + ` statement as if the statement were not there, and the exported graph holds only the
body's tensor operations.

## Example
` + "```python" + `
def forward(self, x):
    ctx = contextlib.nullcontext()
    with ctx:
        return x.sin() + x.cos()
` + "```" + `

## Use instead
Nothing to change. The common idiom
` + "`ctx = torch.autocast(\"cuda\") if use_amp else contextlib.nullcontext()`" + ` is fine too; the choice is
made once, at export time.

## Fix safety
No fix is offered.

## References
- [ExportDB: null_context_manager](https://pytorch.org/docs/main/generated/exportdb/index.html#null-context-manager)
- [contextlib.nullcontext](https://docs.python.org/3/library/contextlib.html#contextlib.nullcontext)
`,
	Local: true,
	Run:   runNullContextManager,
}

// nullContextManagerExpr reports whether e is a contextlib.nullcontext(...) call or a
// conditional expression with one as a branch.
func nullContextManagerExpr(f *analysis.File, e analysis.NodeID) bool {
	t := f.Tree
	e = t.Unparen(e)
	if e == analysis.NoNode {
		return false
	}
	switch t.Kind(e) {
	case syntax.KindCall:
		callee := t.Field(e, syntax.FieldFunction)
		return f.IsImported(callee) && f.Resolve(callee) == "contextlib.nullcontext"
	case syntax.KindConditionalExpression:
		found := false
		t.Children(e, func(c analysis.NodeID) bool {
			// the branches are the first and last named children; the middle one is the test
			if t.IsNamed(c) && !t.IsComment(c) && c != t.NamedChild(e, 1) && nullContextManagerExpr(f, c) {
				found = true
			}
			return !found
		})
		return found
	}
	return false
}

func runNullContextManager(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	pass.Traced(syntax.KindWithItem, func(item analysis.NodeID, fn *analysis.Function) {
		v := t.Field(item, syntax.FieldValue)
		if v != analysis.NoNode && t.Kind(v) == syntax.KindAsPattern {
			v = t.NamedChild(v, 0)
		}
		v = t.Unparen(v)
		if v == analysis.NoNode {
			return
		}
		if nullContextManagerExpr(f, v) {
			pass.Reportf(item, analysis.Recognized,
				"contextlib.nullcontext() does nothing: export traces the body of this with statement as if it were absent")
			return
		}
		if t.Kind(v) != syntax.KindIdentifier {
			return
		}
		// ctx = contextlib.nullcontext(): the last assignment to the name before the with
		name := t.String(v)
		last := analysis.NoNode
		for _, a := range f.OwnNodes(fn, syntax.KindAssignment) {
			if t.Start(a) >= t.Start(item) {
				break
			}
			if l := t.Field(a, syntax.FieldLeft); l != analysis.NoNode && t.Kind(l) == syntax.KindIdentifier && t.TextIs(l, name) {
				last = a
			}
		}
		if last != analysis.NoNode && nullContextManagerExpr(f, t.Field(last, syntax.FieldRight)) {
			pass.Reportf(item, analysis.Recognized,
				"%s is a contextlib.nullcontext(), which does nothing: export traces the body of this with statement as if it were absent", name)
		}
	})
}
