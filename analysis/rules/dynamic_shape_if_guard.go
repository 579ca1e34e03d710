package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// DynamicShapeIfGuard finds Python if statements and conditional expressions on a tensor
// dimension in traced code.
var DynamicShapeIfGuard = &analysis.Rule{
	Name: "dynamic_shape_if_guard",
	Doc: `## What it does
Finds an ` + "`if`" + ` (or ` + "`elif`" + `, or a conditional expression ` + "`a if c else b`" + `) in code that
torch.export traces whose condition depends on the size of a tensor dimension:
` + "`x.shape[0] == 3`" + `, ` + "`x.size(1) > n`" + `, ` + "`x.numel() < 8`" + `, or a name assigned from them.
Rank tests (` + "`x.dim() == 3`" + `, ` + "`x.ndim`" + `, ` + "`len(x.shape)`" + `) are static and left to
static_if; so are tests against 0 or 1 (export assumes dynamic sizes are at least 2),
dimensions of the module's own buffers, and ` + "`if ...: raise`" + ` checks (an assertion).

## Why is this bad
Python control flow is not captured: export evaluates the condition on the example inputs,
keeps the branch it took, and records a guard on that dimension. The exported program
silently handles only that case. When the dimension is declared dynamic
(` + "`dynamic_shapes=`" + ` with ` + "`torch.export.Dim`" + `), the guard contradicts it and export fails
with a constraint violation.

When the export call declares the dim's range, the test is judged against it, as export
judges it before it records a guard:
- a test the range decides (` + "`W > 64`" + ` with ` + "`Dim(\"w\", min=128)`" + `, ` + "`H == 1000`" + ` with ` + "`max=512`" + `)
  takes one branch for every size, without a guard: not reported;
- an inequality that splits the range (` + "`H > 64`" + ` with ` + "`min=32`" + `) narrows the dim to the side
  the example input takes ("Not all values of h in the specified range satisfy the
  generated guard"), with fixes that declare either side's range at the export call;
- a remainder test (` + "`H % 2 == 0`" + `) guards the remainder, which not every size has, unless a
  derived dim's factor decides it (` + "`16 * Dim(\"hp\")`" + ` and ` + "`H % 16`" + `);
- an equality inside the range specialises the dim to the example's value.

## Example
` + "```python" + `
def forward(self, x):
    if x.shape[0] == 3:
        return x.cos()
    return x.sin()
` + "```" + `

## Use instead
Keep both branches in the graph with torch.cond:
` + "```python" + `
def forward(self, x):
    return torch.cond(x.shape[0] == 3, lambda x: x.cos(), lambda x: x.sin(), (x,))
` + "```" + `
or, when the branch only ever depends on a static size, leave the dimension static.

## Fix safety
For an if/else whose two branches each return one expression, the fix rewrites it as
` + "`torch.cond`" + ` with branch functions that take the tensors they use as operands. It is
unsafe: both branches are then traced, so they must return tensors of the same shape and
dtype, and neither may mutate its inputs; code that relied on the untaken branch never
being traced may stop exporting.

## References
- [ExportDB: dynamic_shape_if_guard](https://pytorch.org/docs/main/generated/exportdb/index.html#dynamic-shape-if-guard)
- [torch.export: dynamic shapes and guards](https://pytorch.org/docs/main/export.html)
- [torch.cond](https://pytorch.org/docs/main/generated/torch.cond.html)
`,
	Local:        true,
	Declarations: true,
	Run:          runDynamicShapeIfGuard,
}

func runDynamicShapeIfGuard(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	pass.Conditions(func(c analysis.Condition, fn *analysis.Function) {
		switch t.Kind(c.Stmt) {
		case syntax.KindIfStatement, syntax.KindElifClause, syntax.KindConditionalExpression:
		default:
			return
		}
		if !ifGuardIsTest(t, c.Test) || !f.Value(fn, c.Test).May(torchsem.Sizes) {
			return // if x.numel(): tests != 0, which export decides without a guard; a membership test is list_contains's
		}
		dim := f.SizeTest(fn, c.Test)
		if dim == analysis.NoNode {
			return
		}
		if ifGuardRaises(t, c.Body(t)) {
			// a check that raises is a runtime assert of the opposite; it fails export only
			// when it leaves out sizes the declaration allows: one size (if H != 224: raise,
			// Hugging Face's "Input image size doesn't match model"), or a narrower range
			if sizePinned(f, fn, c.Test, "!=", "or") {
				switch verdict, hits := declaredDims(f, f.Value(fn, c.Test)); verdict {
				case torchsem.DimsDynamic:
					effect, end := pinned(hits)
					fd := pass.Reportf(c.Test, effect, "raising when %s pins %s to one value%s", fix.Snippet(t, c.Test), dimsPhrase(hits), end)
					fd.Related = append(fd.Related, dimsRelated(f, hits)...)
					if t.Kind(c.Stmt) == syntax.KindIfStatement && t.Field(c.Stmt, syntax.FieldAlternative) == analysis.NoNode {
						if fx, ok := removeCheckFix(f, c.Stmt); ok {
							fd.Fixes = append(fd.Fixes, fx)
						}
					}
				case torchsem.DimsUnknown:
					pass.Reportf(c.Test, analysis.Recognized, "raising when %s checks a tensor size while tracing: for a dynamic dim it pins that dim to the example's value", fix.Snippet(t, c.Test))
				}
				return
			}
			if b, ok := boundOf(f, fn, c.Test, false); ok && t.Kind(c.Stmt) == syntax.KindIfStatement {
				if narrowed, lo, hi := b.narrows(); narrowed && !b.isNot && lo != hi {
					dlo, dhi := declaredRange(b.hit.Decl)
					hit := []torchsem.DimHit{b.hit}
					name := markedName(hit)
					effect, end := outcome(hit, ": export fails ("+notAllValues(hit)+")", true)
					fd := pass.Reportf(c.Test, effect, "raising when %s lets only %s through, but %s allows %s%s",
						fix.Snippet(t, c.Test), rangeWords(name, lo, hi), dimsPhrase(hit), rangeWords(name, dlo, dhi), end)
					fd.Related = append(fd.Related, dimsRelated(f, hit)...)
					if fx, ok := narrowDimFix(f, b, lo, hi); ok {
						fd.Fixes = append(fd.Fixes, fx)
					}
				}
			}
			return
		}
		var fd *analysis.Finding
		switch verdict, hits := declaredDims(f, f.Value(fn, c.Test)); verdict {
		case torchsem.DimsStatic:
			return // the dims it tests are declared static: the branch is fixed, as it should be
		case torchsem.DimsDynamic:
			var decided bool
			var about []torchsem.DimHit
			if fd, decided, about = judgeBranchOnRange(pass, fn, c, dim); decided {
				return // the declared range decides the test: no guard, no branch to rewrite
			}
			if about != nil {
				hits = about
			}
			if fd == nil {
				effect, end := pinned(hits)
				fd = pass.Reportf(c.Test, effect, "%s on %s specialises %s to the example input's value%s", c.What(t), fix.Short(t, dim), dimsPhrase(hits), end)
			}
			fd.Related = append(fd.Related, dimsRelated(f, hits)...)
		default:
			fd = pass.Reportf(c.Test, analysis.Changes, "%s on %s specialises the export to the branch the example input takes; it fails once that dimension is dynamic", c.What(t), fix.Short(t, dim))
		}
		if t.Kind(c.Stmt) == syntax.KindIfStatement {
			if fx, ok := fix.IfAsCond(f, fn, c.Stmt); ok {
				fd.Fixes = append(fd.Fixes, fx)
			}
		}
	})
}

// ifGuardRaises reports whether a block only raises: `if x.shape[1] != 3: raise ...` is an
// input check, which dynamic_shape_assert covers.
func ifGuardRaises(t *syntax.Tree, block analysis.NodeID) bool {
	return block != analysis.NoNode && t.NamedChildCount(block) == 1 && t.Kind(t.NamedChild(block, 0)) == syntax.KindRaiseStatement
}

// ifGuardIsTest reports whether a condition compares or combines values (x.shape[0] > 4,
// a and b, not c) rather than testing one value's truth (if x.numel():).
func ifGuardIsTest(t *syntax.Tree, e analysis.NodeID) bool {
	switch t.Kind(t.Unparen(e)) {
	case syntax.KindComparisonOperator, syntax.KindBooleanOperator, syntax.KindNotOperator:
		return true
	}
	return false
}

// judgeBranchOnRange judges a branch on one declared-dynamic dim against an integer literal
// by the range the declaration allows, as export does before it records a guard:
//   - a test that the range decides (if W > 64 with Dim("w", min=128), if H == 8 with
//     min=32) takes the same branch for every size, with no guard: decided, reported as
//     recognised only;
//   - an inequality that holds for part of the range narrows the dim to the side the
//     example input takes ("Not all values of w in the specified range satisfy the
//     generated guard"), with fixes declaring either side's range;
//   - a remainder test (if H % 2 == 0) guards the remainder, which not every size has
//     (a derived dim whose factor the divisor divides decides it).
//
// It returns nil (and decided false) for the other tests, an equality among them: that one
// specialises the dim, as the caller says. about are the declarations the finding (or the
// caller's) is about: those the line breaks, whose range holds the value it is compared
// with (nil: every one).
func judgeBranchOnRange(pass *analysis.Pass, fn *analysis.Function, c analysis.Condition, dim analysis.NodeID) (fd *analysis.Finding, decided bool, about []torchsem.DimHit) {
	f := pass.File
	t := f.Tree
	if rm, ok := remainderTest(f, fn, c.Test); ok {
		var hits []torchsem.DimHit // the declarations that leave the remainder open
		for _, h := range rm.hits {
			if _, decided, unknown := rm.settled(h); !decided && !unknown {
				hits = append(hits, h)
			}
		}
		if len(hits) == 0 {
			pass.Reportf(c.Test, analysis.Recognized, "%s on %s is decided by %s: every size it allows leaves the same remainder mod %s (if that divides a derived dim's factor), so export keeps the dim dynamic",
				c.What(t), fix.Short(t, dim), dimsPhrase(rm.hits), rm.kText)
			return nil, true, nil
		}
		effect, end := outcome(hits, " ("+notAllValues(hits)+"): export fails", true)
		fd = pass.Reportf(c.Test, effect, "%s on %s splits %s by its remainder mod %s: export keeps the branch the example input takes and guards that remainder, which not every size the declaration allows has%s",
			c.What(t), fix.Short(t, dim), dimsPhrase(hits), rm.kText, end)
		if rm.r == 0 {
			// inputs that are always multiples of k take the branch that tests for them
			for _, h := range hits {
				if fx, ok := multipleFix(f, h, rm.k); ok {
					fd.Fixes = append(fd.Fixes, fx)
				}
			}
		}
		return fd, false, hits
	}
	tbs, ok1 := boundsOf(f, fn, c.Test, true)
	fbs, ok2 := boundsOf(f, fn, c.Test, false)
	if !ok1 || !ok2 || len(tbs) != len(fbs) {
		return nil, false, nil
	}
	// each declaration of the dim on its own: the range decides the test, or the test
	// splits the range (an inequality), or it is an equality inside the range
	type side struct {
		b      sizeBound
		lo, hi int
	}
	type split struct{ yes, no side }
	var splits []split
	var pinned []torchsem.DimHit
	empty := func(b sizeBound, lo, hi int) bool { return !b.isNot && hi >= 0 && hi < lo }
	for i := range tbs {
		tb, fb := tbs[i], fbs[i]
		tn, tlo, thi := tb.narrows()
		fnw, flo, fhi := fb.narrows()
		switch {
		case !tn || !fnw || empty(tb, tlo, thi) || empty(fb, flo, fhi):
			// decided for this declaration
		case tb.isNot || fb.isNot || tlo == thi || flo == fhi:
			pinned = append(pinned, tb.hit)
		default:
			splits = append(splits, split{side{tb, tlo, thi}, side{fb, flo, fhi}})
		}
	}
	switch {
	case len(pinned) > 0:
		return nil, false, pinned // it specialises the dim, as the caller says
	case len(splits) == 0:
		var hits []torchsem.DimHit
		var ranges []string
		for _, b := range tbs {
			dlo, dhi := declaredRange(b.hit.Decl)
			hits = append(hits, b.hit)
			ranges = append(ranges, rangeWords(markedName([]torchsem.DimHit{b.hit}), dlo, dhi))
		}
		pass.Reportf(c.Test, analysis.Recognized, "%s on %s is decided by %s (%s): export takes the same branch for every size, without a guard",
			c.What(t), fix.Short(t, dim), dimsPhrase(hits), joinWords(ranges))
		return nil, true, nil
	}
	var hits []torchsem.DimHit
	for _, sp := range splits {
		hits = append(hits, sp.yes.b.hit)
	}
	first := splits[0]
	dlo, dhi := declaredRange(first.yes.b.hit.Decl)
	name := markedName([]torchsem.DimHit{first.yes.b.hit})
	effect, end := outcome(hits, " ("+notAllValues(hits)+"): export fails", true)
	fd = pass.Reportf(c.Test, effect, "%s on %s narrows %s: export keeps the branch the example input takes, which holds only for %s or only for %s, but the declaration allows %s%s",
		c.What(t), fix.Short(t, dim), dimsPhrase(hits), rangeWords(name, first.yes.lo, first.yes.hi), rangeWords(name, first.no.lo, first.no.hi), rangeWords(name, dlo, dhi), end)
	for _, sp := range splits {
		for _, sd := range []side{sp.yes, sp.no} {
			if fx, ok := narrowDimFix(f, sd.b, sd.lo, sd.hi); ok {
				fd.Fixes = append(fd.Fixes, fx)
			}
		}
	}
	return fd, false, hits
}
