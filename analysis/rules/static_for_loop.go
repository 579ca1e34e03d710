package rules

import (
	"strconv"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
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
	Run: runStaticForLoop,
}

func runStaticForLoop(pass *analysis.Pass) {
	f, t := pass.File, pass.Tree
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
			if staticForDataLength(f, fn, a) {
				return // a data-dependent length: unchecked_data_dependent_value's case
			}
			if shpSizeExpr(f, fn, a) {
				pass.Report(analysis.Finding{
					Start: t.Start(loop), End: t.End(iter), Effect: analysis.Caveat,
					Message: "loop over " + shpSnippet(t, iter) + " is unrolled at the traced size of " + shpSnippet(t, a) +
						", which specialises that dim (export fails if it is declared dynamic)",
				})
				return
			}
		}
		for _, a := range pos {
			if !staticForConstInt(f, fn, a) {
				return
			}
		}
		times := "once per iteration"
		if len(pos) == 1 && t.Kind(t.Unparen(pos[0])) == syntax.KindInteger {
			if n, err := strconv.Atoi(string(t.Text(t.Unparen(pos[0])))); err == nil {
				times = strconv.Itoa(n) + " times"
			}
		}
		pass.Report(analysis.Finding{
			Start: t.Start(loop), End: t.End(iter), Effect: analysis.Note,
			Message: "loop over " + shpSnippet(t, iter) + " is unrolled: the exported graph repeats its body " + times,
		})
	}
	pass.Traced(syntax.KindForStatement, func(n analysis.NodeID, fn *analysis.Function) {
		check(n, t.Field(n, syntax.FieldRight), fn)
	})
	pass.Traced(syntax.KindForInClause, func(n analysis.NodeID, fn *analysis.Function) {
		check(n, t.Field(n, syntax.FieldRight), fn)
	})
}

// staticForDataLength reports whether n is the length of a tensor whose size depends on
// its data (len(idx) or idx.shape[0] for idx = x.nonzero()): such a loop is not unrolled at
// a traced size, export cannot unroll it at all.
func staticForDataLength(f *analysis.File, fn *analysis.Function, n analysis.NodeID) bool {
	t := f.Tree
	n = t.Unparen(n)
	if n == analysis.NoNode {
		return false
	}
	if _, ok := udvDDSLength(f, fn, n); ok {
		return true
	}
	if t.Kind(n) == syntax.KindCall && f.CallName(n) == "len" {
		if pos, _ := f.Args(n); len(pos) == 1 && udvIsDDS(f, fn, pos[0], 0) {
			return true
		}
	}
	return false
}

// staticForConstInt reports whether n is an integer known before tracing: literal
// arithmetic, the rank of a tensor, a module-level NAME = <int>, or self.attr assigned an
// integer literal (or an int parameter) in __init__.
func staticForConstInt(f *analysis.File, fn *analysis.Function, n analysis.NodeID) bool {
	t := f.Tree
	n = t.Unparen(n)
	if n == analysis.NoNode {
		return false
	}
	fx := f.Facts(fn, n)
	if fx.Has(analysis.FactConst) {
		return true
	}
	if fx.Any(analysis.FactData | analysis.FactTensor | analysis.FactParam) {
		return false
	}
	if fx.Has(analysis.FactShape) {
		return shpStaticOnly(f, fn, n) // x.dim(), self.weight.shape[0]
	}
	switch t.Kind(n) {
	case syntax.KindIdentifier:
		// a module-level constant not rebound in the function
		if fx != 0 || f.IsImported(n) {
			return false
		}
		for s := fn; s != nil; s = s.Parent {
			if s.Param(string(t.Text(n))) != nil {
				return false
			}
		}
		return staticForModuleInt(f, n)
	case syntax.KindAttribute:
		if !shpSelfAttr(f, fn, n) {
			return false
		}
		m := fn.Method()
		if m == nil || m.Class == nil {
			return false
		}
		v, ok := m.Class.InitAttrs[string(t.Text(t.Field(n, syntax.FieldAttribute)))]
		if !ok || v == analysis.NoNode {
			return false
		}
		v = t.Unparen(v)
		switch t.Kind(v) {
		case syntax.KindInteger:
			return true
		case syntax.KindIdentifier:
			init := m.Class.Methods["__init__"]
			if init == nil {
				return false
			}
			p := init.Param(string(t.Text(v)))
			if p == nil {
				return staticForModuleInt(f, v)
			}
			if p.Type != analysis.NoNode {
				return t.TextIs(p.Type, "int")
			}
			return p.Default != analysis.NoNode && t.Kind(t.Unparen(p.Default)) == syntax.KindInteger
		}
	}
	return false
}

// staticForModuleInt reports whether identifier n names a module-level variable assigned
// an integer literal.
func staticForModuleInt(f *analysis.File, n analysis.NodeID) bool {
	t := f.Tree
	for _, a := range f.Nodes(syntax.KindAssignment) {
		if f.Owner(a) != nil {
			continue
		}
		st := t.Parent(a)
		if st == analysis.NoNode || t.Kind(st) != syntax.KindExpressionStatement || t.Parent(st) != t.Root() {
			continue
		}
		left, right := t.Field(a, syntax.FieldLeft), t.Unparen(t.Field(a, syntax.FieldRight))
		if left != analysis.NoNode && t.Kind(left) == syntax.KindIdentifier && string(t.Text(left)) == string(t.Text(n)) {
			return right != analysis.NoNode && t.Kind(right) == syntax.KindInteger
		}
	}
	return false
}
