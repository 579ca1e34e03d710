package rules

import (
	"fmt"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// DynamicShapeAssert recognises assert statements on tensor sizes.
var DynamicShapeAssert = &analysis.Rule{
	Name: "dynamic_shape_assert",
	Doc: `## What it does
Recognises ` + "`assert`" + ` statements whose condition tests a tensor's dimension sizes
(` + "`assert x.shape[0] > 2, \"...\"`" + `) in code that torch.export traces. Membership tests
(` + "`assert x.size(0) in [4, 5]`" + `) are list_contains; asserts on tensor values and on the rank alone are not
reported.

## Why is this bad
Usually it is not: this is the supported pattern, shown on hover only. It is an error when the
project declares the dimension dynamic (an export call's ` + "`dynamic_shapes`" + `, or the
configuration's ` + "`dynamic-shapes`" + `) and the assert holds for part of the declared range only:
an equality with a constant or the configured image size pins the dimension ("You marked h as
dynamic but your code specialized it"), and a bound narrower than the declared min/max fails
with "Not all values of h in the specified range satisfy the generated guard". Export evaluates the assertion while
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
Both fixes are unsafe. Narrowing the ` + "`Dim`" + ` at the export call (in another file when the
call is there: the editor applies it, ` + "`check --fix`" + ` does not) makes the exported program
reject the sizes the assert rejected. Removing a pinning assert makes it accept sizes the
model was never checked with.

## References
- [ExportDB: dynamic_shape_assert](https://pytorch.org/docs/main/generated/exportdb/index.html#dynamic-shape-assert)
- [torch.export: expressing dynamism](https://pytorch.org/docs/main/export.html)
`,
	Local:        true,
	Declarations: true,
	Run:          runDynamicShapeAssert,
}

func runDynamicShapeAssert(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	pass.Conditions(func(c analysis.Condition, fn *analysis.Function) {
		if t.Kind(c.Stmt) != syntax.KindAssertStatement || assertsFirstParam(f, fn) && t.Kind(t.Unparen(c.Test)) == syntax.KindIdentifier {
			return // a check helper's own assert of its argument: judged at its calls
		}
		judgeSizeCheck(pass, fn, c.Stmt, c.Test, "assert", c.Stmt)
	})
	// a project helper that asserts its first argument (timm's _assert falls back to one
	// when torch has no _assert): judged at each traced call, with the caller's condition
	helpers := map[*analysis.Function]bool{}
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		c := f.Callee(fn, call)
		if c.Func == nil || c.Class != nil || c.Bound != 0 {
			return
		}
		is, ok := helpers[c.Func]
		if !ok {
			is = assertsFirstParam(c.File, c.Func)
			helpers[c.Func] = is
		}
		if !is {
			return
		}
		pos, _ := f.Args(call)
		if len(pos) == 0 || t.Kind(pos[0]) == syntax.KindListSplat {
			return
		}
		stmt := analysis.NoNode
		if p := t.Parent(call); t.Kind(p) == syntax.KindExpressionStatement && t.NamedChildCount(p) == 1 {
			stmt = p
		}
		judgeSizeCheck(pass, fn, call, pos[0], fix.Snippet(t, t.Field(call, syntax.FieldFunction)), stmt)
	})
	// torch._assert(cond, msg) (timm's _assert imports it) and torch._check(cond): the same
	// check as a call
	for _, q := range []string{"torch._assert", "torch._check"} {
		pass.Calls(q, func(call analysis.NodeID, fn *analysis.Function) {
			pos, _ := f.Args(call)
			if len(pos) == 0 || t.Kind(pos[0]) == syntax.KindListSplat {
				return
			}
			stmt := analysis.NoNode
			if p := t.Parent(call); t.Kind(p) == syntax.KindExpressionStatement && t.NamedChildCount(p) == 1 {
				stmt = p
			}
			judgeSizeCheck(pass, fn, call, pos[0], fix.Snippet(t, t.Field(call, syntax.FieldFunction)), stmt)
		})
	}
}

// judgeSizeCheck judges a check of sizes that must hold for tracing to go on (an assert, a
// torch._assert call) at node at, with test its condition, kind what messages call it
// ("assert", "torch._assert") and stmt the statement a fix may remove (NoNode: none).
func judgeSizeCheck(pass *analysis.Pass, fn *analysis.Function, at, test analysis.NodeID, kind string, stmt analysis.NodeID) {
	f := pass.File
	t := f.Tree
	what := kind + " " + fix.Snippet(t, test)
	if kind != "assert" {
		what = kind + "(" + fix.Snippet(t, test) + ")"
	}
	if sizeInList(f, fn, test) {
		return // a membership test is list_contains's
	}
	if f.Value(fn, test).IsTensor() || !shapeSize(f, fn, test) {
		return
	}
	if rm, ok := remainderTest(f, fn, test); ok {
		judgeRemainderCheck(pass, at, what, rm, stmt)
		return
	}
	if b, ok := boundOf(f, fn, test, true); ok {
		narrowed, lo, hi := b.narrows()
		if !narrowed {
			pass.Reportf(at, analysis.Recognized, "%s holds for every size %s declares: export keeps the dim dynamic",
				what, dimsPhrase([]torchsem.DimHit{b.hit}))
			return
		}
		hit := []torchsem.DimHit{b.hit}
		name := markedName(hit)
		effect, end := outcome(hit, ": export fails ("+notAllValues(hit)+")", true)
		if b.isNot {
			fd := pass.Reportf(at, effect, "%s excludes %d from %s, which declares %s%s",
				what, b.not, dimsPhrase(hit), rangeWords(name, lo, hi), end)
			fd.Related = append(fd.Related, dimsRelated(f, hit)...)
			return
		}
		if lo != hi {
			dlo, dhi := declaredRange(b.hit.Decl)
			fd := pass.Reportf(at, effect, "%s holds only for %s, but %s allows %s%s",
				what, rangeWords(name, lo, hi), dimsPhrase(hit), rangeWords(name, dlo, dhi), end)
			fd.Related = append(fd.Related, dimsRelated(f, hit)...)
			if fx, ok := narrowDimFix(f, b, lo, hi); ok {
				fd.Fixes = append(fd.Fixes, fx)
			}
			return
		}
	}
	verdict, hits := declaredDims(f, f.Value(fn, test))
	if verdict == torchsem.DimsStatic {
		return // a plain check of sizes every export declares static
	}
	if verdict == torchsem.DimsDynamic && sizePinned(f, fn, test, "==", "and") {
		effect, end := pinned(hits)
		fd := pass.Reportf(at, effect, "%s pins %s to one value%s", what, dimsPhrase(hits), end)
		fd.Related = append(fd.Related, dimsRelated(f, hits)...)
		// a helper's call inside an expression (stmt NoNode) has no statement of its own to remove
		if fx, ok := removeCheckFix(f, stmt); ok {
			fd.Fixes = append(fd.Fixes, fx)
		}
		return
	}
	pass.Reportf(at, analysis.Recognized,
		"%s on tensor size %s is checked while tracing: for a dynamic dim it constrains that dim's range", kind, fix.Snippet(t, test))
}

// assertsFirstParam reports whether fn of file f is a check helper: a function whose body
// asserts its first parameter (assert condition, message) or passes it to torch._assert.
func assertsFirstParam(f *torchsem.File, fn *analysis.Function) bool {
	if len(fn.Params) == 0 {
		return false
	}
	t := f.Tree
	name := fn.Params[0].Name
	for _, st := range f.OwnNodes(fn, syntax.KindAssertStatement) {
		if test := t.Unparen(t.NamedChild(st, 0)); t.Kind(test) == syntax.KindIdentifier && t.TextIs(test, name) {
			return true
		}
	}
	return false
}

// judgeRemainderCheck judges a check that a declared-dynamic dim leaves remainder rm.r mod
// rm.k, or does not (assert H % 16 == 0): export guards that remainder, which not every size
// of a declared range has ("Not all values of h in the specified range satisfy the
// generated guard"), unless the declaration settles it (a derived dim whose factor the
// divisor divides: the check holds or fails for every size; against a divisor exportdb
// cannot read, such as timm's self.patch_size[0], a derived dim is taken to be declared
// for it). A check for multiples of a literal gets a fix declaring only multiples.
func judgeRemainderCheck(pass *analysis.Pass, at analysis.NodeID, what string, rm remainder, stmt analysis.NodeID) {
	f := pass.File
	// the declarations that leave the remainder open; that settle it false; that may settle it
	var open, never, maybe []torchsem.DimHit
	for _, h := range rm.hits {
		switch rem, decided, unknown := rm.settled(h); {
		case unknown:
			maybe = append(maybe, h)
		case !decided:
			open = append(open, h)
		case (rem == rm.r) != rm.eq:
			never = append(never, h)
		}
	}
	switch {
	case len(open) == 0 && len(never) == 0 && len(maybe) > 0:
		pass.Reportf(at, analysis.Recognized, "%s holds for every size %s declares if %s divides its factor: export then keeps the dim dynamic", what, dimsPhrase(maybe), rm.kText)
		return
	case len(open) == 0 && len(never) == 0:
		pass.Reportf(at, analysis.Recognized, "%s holds for every size %s declares: export keeps the dim dynamic", what, dimsPhrase(rm.hits))
		return
	case len(open) == 0:
		fd := pass.Reportf(at, analysis.Fails, "%s fails for every size %s declares: export fails", what, dimsPhrase(never))
		fd.Related = append(fd.Related, dimsRelated(f, never)...)
		return
	}
	name := dimLabel(open[0])
	need := fmt.Sprintf("%q to leave remainder %d mod %s", name, rm.r, rm.kText)
	switch {
	case rm.eq && rm.r == 0:
		need = fmt.Sprintf("%q to be a multiple of %s", name, rm.kText)
	case !rm.eq:
		need = fmt.Sprintf("%q not to leave remainder %d mod %s", name, rm.r, rm.kText)
	}
	effect, end := outcome(open, ": export fails ("+notAllValues(open)+")", true)
	fd := pass.Reportf(at, effect, "%s requires %s, but %s allows other sizes%s", what, need, dimsPhrase(open), end)
	fd.Related = append(fd.Related, dimsRelated(f, open)...)
	if rm.eq && rm.r == 0 {
		for _, h := range open {
			if fx, ok := multipleFix(f, h, rm.k); ok {
				fd.Fixes = append(fd.Fixes, fx)
			}
		}
	}
	if fx, ok := removeCheckFix(f, stmt); ok {
		fd.Fixes = append(fd.Fixes, fx)
	}
}
