package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// DynamicShapeInt finds int() applied to a size in traced code.
var DynamicShapeInt = &analysis.Rule{
	Name: "dynamic_shape_int",
	Doc: `## What it does
Finds calls of the builtin ` + "`int()`" + ` on a size of a traced input, or on arithmetic of sizes
(` + "`int(x.shape[-2] / 2)`, `int(h * scale)`" + `), in code that torch.export traces.

## Why is this bad
A dynamic dimension is a symbolic integer while export traces. ` + "`int()`" + ` asks for a concrete
Python number, so export replaces the symbol by the example input's size: the dimension is
specialised. With a named ` + "`Dim`" + ` (or ` + "`Dim.DYNAMIC`" + `) export fails with "You marked h as
dynamic but your code specialized it to be a constant"; with ` + "`Dim.AUTO`" + ` the program silently
accepts the example's size only (pytorch/pytorch#138853 shows ` + "`int(x.shape[-2] / 1)`" + ` doing
this). With static shapes nothing changes, so nothing is reported when every export declares the
dimension static.

## Example
` + "```python" + `
def forward(self, x):
    h = int(x.shape[-2] / 2)
    return x[..., :h, :]
` + "```" + `

## Use instead
Integer arithmetic on sizes stays symbolic: ` + "`x.shape[-2] // 2`" + `, or ` + "`math.trunc(h * scale)`" + `,
which export keeps as a symbolic truncation.

## Fix safety
Replacing ` + "`int(a / k)`" + ` with ` + "`a // k`" + ` (a size, k a positive integer literal) is safe: sizes are
never negative, so truncation and floor division agree. Removing ` + "`int()`" + ` around a size that is
already an integer is safe.

## References
- [torch.export: dynamic shapes](https://pytorch.org/docs/main/export.html)
- [pytorch/pytorch#138853](https://github.com/pytorch/pytorch/issues/138853)
`,
	Run: runDynamicShapeInt,
}

func runDynamicShapeInt(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	pass.Calls("int", func(call analysis.NodeID, fn *analysis.Function) {
		pos, kw := f.Args(call)
		if len(pos) != 1 || len(kw) > 0 || t.Kind(pos[0]) == syntax.KindListSplat {
			return
		}
		v := f.Value(fn, pos[0])
		if !v.May(torchsem.Size) || v.May(torchsem.Data|torchsem.UnbackedSize) || v.IsTensor() {
			return // a tensor's value is host_round_trip's; data read out of one, the constrain cases'
		}
		arg := fix.Snippet(t, pos[0])
		var fd *analysis.Finding
		switch verdict, hits := declaredDims(f, v); verdict {
		case torchsem.DimsStatic:
			return // every export declares the dims it reads static: int() sees plain ints
		case torchsem.DimsDynamic:
			auto := true
			for _, h := range hits {
				auto = auto && h.Decl.Kind == torchsem.DimAuto
			}
			if auto {
				fd = pass.Reportf(call, analysis.Changes, "int(%s) specialises %s to the example input's value: the exported program accepts that size only", arg, dimsPhrase(hits))
			} else {
				fd = pass.Reportf(call, analysis.Fails, "int(%s) specialises %s to the example input's value (\"You marked %s as dynamic but your code specialized it to be a constant\"): export fails",
					arg, dimsPhrase(hits), hits[0].Decl.Name)
			}
			fd.Related = append(fd.Related, dimsRelated(f, hits)...)
		default:
			fd = pass.Reportf(call, analysis.Caveat, "int(%s) turns a size into a concrete number: it specialises that dim once it is declared dynamic", arg)
		}
		if fx, ok := dsiFix(f, fn, call, pos[0]); ok {
			fd.Fixes = append(fd.Fixes, fx)
		}
	})
}

// dsiFix rewrites int(a / k) to a // k (k a positive integer literal), and int(size) to
// the size.
func dsiFix(f *analysis.File, fn *analysis.Function, call, arg analysis.NodeID) (analysis.Fix, bool) {
	t := f.Tree
	a := t.Unparen(arg)
	if t.Kind(a) == syntax.KindBinaryOperator && t.Operator(a) == "/" {
		l, r := t.Field(a, syntax.FieldLeft), t.Field(a, syntax.FieldRight)
		if k, ok := pysem.IntLiteral(t, r); ok && k > 0 && !f.Value(fn, l).May(torchsem.Float) {
			return analysis.Fix{
				Title:  "replace int(a / k) with a // k (sizes are never negative: the same number, kept symbolic)",
				Safety: analysis.Safe,
				Edits:  []analysis.Edit{{Start: t.Start(call), End: t.End(call), NewText: t.String(l) + " // " + t.String(r)}},
			}, true
		}
		return analysis.Fix{}, false
	}
	if v := f.Value(fn, a); v.May(torchsem.Size) && !v.May(torchsem.Float) && t.Kind(a) != syntax.KindBinaryOperator {
		return analysis.Fix{
			Title:  "remove int() around a size that is already an integer",
			Safety: analysis.Safe,
			Edits:  []analysis.Edit{{Start: t.Start(call), End: t.End(call), NewText: t.String(a)}},
		}, true
	}
	return analysis.Fix{}, false
}
