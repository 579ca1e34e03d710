package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// ClassMethod recognises calls of classmethods of this file in traced code.
var ClassMethod = &analysis.Rule{
	Name:      "class_method",
	HoverOnly: true,
	Doc: `## What it does
Recognises calls of a ` + "`@classmethod`" + ` in code that torch.export traces, through ` + "`self.method`" + `,
` + "`self.__class__.method`" + `, ` + "`type(self).method`" + `, ` + "`cls.method`" + ` or ` + "`ClassName.method`" + `. It is shown on
hover only: the pattern exports as written.

## Why is this bad
It is not. Export inlines the classmethod: its body is traced like the caller's own code and
only the tensor operations it performs reach the graph. The class object itself is never a
graph input, so anything the method reads from the class (class attributes, other
classmethods) is read once, at export time, and the values it computes from them are
constants in the exported program.

## Example
` + "```python" + `
class M(torch.nn.Module):
    @classmethod
    def method(cls, x):
        return x + 1

    def forward(self, x):
        return self.method(x) * self.__class__.method(x) * type(self).method(x)
` + "```" + `

## Use instead
Nothing to change. Keep values that must vary between calls in inputs, parameters or
buffers rather than in class attributes.

## Fix safety
No fix is offered.

## References
- [ExportDB: class_method](https://pytorch.org/docs/main/generated/exportdb/index.html#class-method)
`,
	Run: runClassMethod,
}

func runClassMethod(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	has := false
	for _, fn := range f.Funcs {
		if fn.ClassMethod {
			has = true
			break
		}
	}
	if !has {
		return
	}
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		callee := t.Unparen(t.Field(call, syntax.FieldFunction))
		if callee == analysis.NoNode || t.Kind(callee) != syntax.KindAttribute {
			return
		}
		g := f.CalleeFunc(fn, callee)
		if g == nil || !g.ClassMethod || g.Class == nil {
			return
		}
		pass.Reportf(call, analysis.Recognized, "classmethod %s is inlined: export traces its body as part of %s",
			g.QualName(), fn.QualName())
	})
}
