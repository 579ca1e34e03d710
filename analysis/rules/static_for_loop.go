package rules

import (
	"strconv"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// StaticForLoop finds loops over range() that export unrolls.
var StaticForLoop = &analysis.Rule{
	Name: "static_for_loop",
	Doc: `## What it does
Finds ` + "`for`" + ` loops and comprehensions over ` + "`range(...)`" + ` in code that torch.export traces:
- with a constant count (literals, a module-level integer constant, ` + "`self.n`" + ` set from an integer in
  ` + "`__init__`" + `, or the rank ` + "`x.dim()`" + `): a hint that the loop is unrolled;
- with a count derived from an input's dimension size (` + "`range(x.shape[0])`" + `, ` + "`range(len(x))`" + ` for a tensor
  ` + "`x`" + `): information that the loop is unrolled at the traced size, which specialises that dimension.
  The sizes of the module's own parameters and buffers are static: such loops get the hint.

Loops over other iterables (a ` + "`ModuleList`" + `, a tensor, a list) and over the length of a list
(` + "`range(len(feats))`" + ` with ` + "`feats: List[Tensor]`" + `) are not reported.

## Why is this bad
Export traces Python loops by running them: the exported graph contains one copy of the body per
iteration (ExportDB's example exports ten ` + "`add`" + ` nodes for ` + "`range(10)`" + `). That is correct for a constant
count, but the graph grows with it. When the count is a dimension size, iterating needs a concrete
integer, so export specialises that dimension to the size of the example input: the program is only
valid for that size, and if the dimension was declared dynamic export fails with a constraint
violation.

## Example
` + "```python" + `
def forward(self, x):
    ret = []
    for i in range(10):  # unrolled: 10 adds in the graph
        ret.append(i + x)
    for row in range(x.shape[0]):  # unrolled at the traced batch size
        ...
` + "```" + `

## Use instead
Keep constant loops small, or express them with tensor operations. Replace loops over a dimension
with vectorised operations over that dimension (` + "`x + torch.arange(10).view(-1, 1, 1)`" + `, ` + "`torch.vmap`" + `, a
batched matmul) so the dimension can stay dynamic.

## Fix safety
There is no fix: vectorising a loop is a redesign.

## References
- [ExportDB: static_for_loop](https://pytorch.org/docs/main/generated/exportdb/index.html#static-for-loop)
- [torch.export: control flow](https://pytorch.org/docs/main/export.html)
`,
	Local:        true,
	Declarations: true,
	Run:          runStaticForLoop,
}

func runStaticForLoop(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	check := func(loop, iter analysis.NodeID, fn *analysis.Function) {
		iter = t.Unparen(iter)
		if iter == analysis.NoNode || t.Kind(iter) != syntax.KindCall {
			return
		}
		callee := t.Unparen(t.Field(iter, syntax.FieldFunction))
		if callee == analysis.NoNode || t.Kind(callee) != syntax.KindIdentifier || !t.TextIs(callee, "range") || f.IsImported(callee) {
			return
		}
		pos, kws := f.Args(iter)
		if len(pos) == 0 || len(pos) > 3 || len(kws) > 0 {
			return
		}
		for _, a := range pos {
			if t.Kind(a) == syntax.KindListSplat {
				return
			}
			v := f.Value(fn, a)
			if v.May(torchsem.UnbackedSize | torchsem.Data) {
				return // a data-dependent length: unchecked_data_dependent_value's case
			}
			if v.May(torchsem.Size) && !rounds(t, a) {
				fd := analysis.Finding{
					Start: t.Start(loop), End: t.End(iter), Effect: analysis.Caveat,
					Message: "loop over " + fix.Snippet(t, iter) + " is unrolled at the traced size of " + fix.Snippet(t, a) +
						", which specialises that dim (export fails if it is declared dynamic)",
				}
				switch verdict, hits := declaredDims(f, v); verdict {
				case torchsem.DimsStatic:
					return // every export declares the dim static: unrolling at its size is what it should do
				case torchsem.DimsDynamic:
					fd.Effect = analysis.Fails
					fd.Message = "loop over " + fix.Snippet(t, iter) + " is unrolled at the traced size of " + dimsPhrase(hits) +
						", which pins it to the example input's value: export fails"
					fd.Related = dimsRelated(f, hits)
				}
				pass.Report(fd)
				return
			}
		}
		for _, a := range pos {
			// literal arithmetic, a module-level constant, a setting from __init__, a rank, the
			// size of the module's own parameter: known before tracing
			if !f.Value(fn, a).Is(torchsem.Const | torchsem.StaticInt) {
				return
			}
		}
		times := "once per iteration"
		if len(pos) == 1 && t.Kind(t.Unparen(pos[0])) == syntax.KindInteger {
			if n, err := strconv.Atoi(t.String(t.Unparen(pos[0]))); err == nil {
				times = strconv.Itoa(n) + " times"
			}
		}
		pass.Report(analysis.Finding{
			Start: t.Start(loop), End: t.End(iter), Effect: analysis.Note,
			Message: "loop over " + fix.Snippet(t, iter) + " is unrolled: the exported graph repeats its body " + times,
		})
	}
	pass.Traced(syntax.KindForStatement, func(n analysis.NodeID, fn *analysis.Function) {
		check(n, t.Field(n, syntax.FieldRight), fn)
	})
	pass.Traced(syntax.KindForInClause, func(n analysis.NodeID, fn *analysis.Function) {
		check(n, t.Field(n, syntax.FieldRight), fn)
	})
}
