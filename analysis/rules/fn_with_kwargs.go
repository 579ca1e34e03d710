package rules

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// FnWithKwargs recognises a module's forward that takes *args, keyword-only arguments or
// **kwargs.
var FnWithKwargs = &analysis.Rule{
	Name:      "fn_with_kwargs",
	HoverOnly: true,
	Doc: `## What it does
Recognises an ` + "`nn.Module`" + `'s ` + "`forward`" + ` whose signature has variadic positional arguments
(` + "`*args`" + `), keyword-only arguments or variadic keyword arguments (` + "`**kwargs`" + `). It is shown on
hover only: the pattern exports as written.

## Why is this bad
It is not. Export binds the example ` + "`args`" + ` and ` + "`kwargs`" + ` given to ` + "`torch.export.export`" + ` to the
signature and flattens everything into positional graph inputs, one per tensor: the
exported graph for ` + "`forward(self, pos0, tuple0, *myargs, mykw0, **mykwargs)`" + ` takes a flat list
of tensors. The number of ` + "`*args`" + `, the names present in ` + "`**kwargs`" + ` and the length of tuple
arguments are fixed at export time; the exported program must be called with the same
structure (same keyword names, same number of positional arguments).

## Example
` + "```python" + `
class M(torch.nn.Module):
    def forward(self, pos0, tuple0, *myargs, mykw0, **mykwargs):
        out = pos0
        for arg in myargs:
            out = out * arg
        return out * mykw0 * mykwargs["input0"]

ep = torch.export.export(M(), (x, (x, x), x, x), {"mykw0": x, "input0": x})
` + "```" + `

## Use instead
Nothing to change. Pass keyword arguments through the ` + "`kwargs`" + ` argument of
` + "`torch.export.export`" + `, and call the exported program with the same argument structure.

## Fix safety
No fix is offered.

## References
- [ExportDB: fn_with_kwargs](https://pytorch.org/docs/main/generated/exportdb/index.html#fn-with-kwargs)
- [torch.export.export](https://pytorch.org/docs/main/export.html)
`,
	Local: true,
	Run:   runFnWithKwargs,
}

func runFnWithKwargs(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	pass.Classes(func(c *analysis.Class) {
		if !f.IsModule(c) {
			return
		}
		fwd := c.Methods["forward"]
		if fwd == nil || !f.Traced(fwd) || fwd.StaticMethod || fwd.ClassMethod {
			return
		}
		var varPos, varKw string
		var kwOnly []string
		first, last := analysis.NoNode, analysis.NoNode
		for i := range fwd.Params {
			p := &fwd.Params[i]
			switch p.Kind {
			case analysis.VarPositional:
				varPos = "*" + p.Name
			case analysis.KeywordOnly:
				kwOnly = append(kwOnly, p.Name)
			case analysis.VarKeyword:
				varKw = "**" + p.Name
			default:
				continue
			}
			if first == analysis.NoNode {
				first = p.Node
			}
			last = p.Node
		}
		if first == analysis.NoNode {
			return
		}
		var parts []string
		if varPos != "" {
			parts = append(parts, varPos)
		}
		switch len(kwOnly) {
		case 0:
		case 1:
			parts = append(parts, "keyword-only argument "+kwOnly[0])
		default:
			parts = append(parts, "keyword-only arguments "+strings.Join(kwOnly, ", "))
		}
		if varKw != "" {
			parts = append(parts, varKw)
		}
		// span from the first special parameter to the last, including a bare "*"
		start := t.Start(first)
		if params := t.Field(fwd.Node, syntax.FieldParameters); params != analysis.NoNode {
			t.Children(params, func(n analysis.NodeID) bool {
				if t.Kind(n) == syntax.KindKeywordSeparator && t.Start(n) < start {
					start = t.Start(n)
				}
				return true
			})
		}
		pass.Report(analysis.Finding{
			Start: start, End: t.End(last), Effect: analysis.Recognized,
			Message: c.Name + ".forward takes " + fix.List(parts) +
				": export flattens them into positional graph inputs, fixed to the structure of the example inputs",
		})
	})
}
