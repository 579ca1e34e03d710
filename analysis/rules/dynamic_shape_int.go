package rules

import (
	"slices"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// DynamicShapeInt finds int() and the math functions that need a concrete number applied to
// a size in traced code.
var DynamicShapeInt = &analysis.Rule{
	Name: "dynamic_shape_int",
	Doc: `## What it does
Finds calls of the builtin ` + "`int()`" + ` on a size of a traced input, or on arithmetic of sizes
(` + "`int(x.shape[-2] / 2)`, `int(h * scale)`" + `), in code that torch.export traces; and calls of the
functions of Python's ` + "`math`" + ` module that turn their argument into a concrete float or int
(` + "`math.sqrt(L)`, `math.log2(H)`, `math.gcd(W, 8)`" + `, every one but ` + "`math.floor`, `math.ceil`, `math.trunc`" + `
and ` + "`math.prod`" + `). ` + "`int(math.sqrt(L))`" + ` is reported once, at the math function.

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

The math functions read their argument through ` + "`__float__`" + ` or ` + "`__index__`" + `, which a symbolic size
can only answer by specialising in the same way. ` + "`math.floor`, `math.ceil`" + ` and ` + "`math.trunc`" + ` are
implemented by the symbolic numbers themselves and stay symbolic; ` + "`math.prod`" + ` only multiplies.
(That the other math functions specialise in strict mode too is inferred from how they read
their argument, not measured.)

## Use instead
Integer arithmetic on sizes stays symbolic: ` + "`x.shape[-2] // 2`" + `, or ` + "`math.trunc(h * scale)`" + `,
which export keeps as a symbolic truncation, and ` + "`math.ceil(L / 16)`" + `. For a square token grid,
take the side from the configuration (` + "`self.grid_size`" + `) instead of ` + "`int(math.sqrt(L))`" + `, or declare the
height and width as separate inputs' dims.

## Fix safety
Replacing ` + "`int(a / k)`" + ` with ` + "`a // k`" + ` (a size, k a positive integer literal) is safe: sizes are
never negative, so truncation and floor division agree. Removing ` + "`int()`" + ` around a size that is
already an integer is safe.

## References
- [torch.export: dynamic shapes](https://pytorch.org/docs/main/export.html)
- [pytorch/pytorch#138853](https://github.com/pytorch/pytorch/issues/138853)
`,
	Local:        true,
	Declarations: true,
	Run:          runDynamicShapeInt,
}

func runDynamicShapeInt(pass *analysis.Pass) {
	f := pass.File
	pass.Calls("int", func(call analysis.NodeID, fn *analysis.Function) {
		pos, kw := f.Args(call)
		if len(pos) != 1 || len(kw) > 0 || f.Tree.Kind(pos[0]) == syntax.KindListSplat {
			return
		}
		if dsiHasMath(f, fn, pos[0]) {
			return // the math function already specialises the dim: reported there
		}
		if fd := dsiReport(pass, fn, call, pos[0], "int"); fd != nil {
			if fx, ok := dsiFix(f, fn, call, pos[0]); ok {
				fd.Fixes = append(fd.Fixes, fx)
			}
		}
	})
	for _, q := range dsiMathFuncs {
		pass.Calls(q, func(call analysis.NodeID, fn *analysis.Function) {
			pos, _ := f.Args(call)
			if len(pos) == 0 {
				return
			}
			for _, a := range pos {
				if dsiHasMath(f, fn, a) {
					return // an inner math function already specialises the dim
				}
			}
			for _, a := range pos {
				if t := f.Tree.Kind(a); t == syntax.KindListSplat || t == syntax.KindDictionarySplat {
					return
				}
				if dsiReport(pass, fn, call, a, q) != nil {
					return
				}
			}
		})
	}
}

// dsiMathFuncs are the functions of Python's math module that turn their argument into a
// concrete float or int (through __float__ or __index__): all but math.floor, math.ceil
// and math.trunc, which a symbolic size implements, and math.prod, which multiplies.
var dsiMathFuncs = []string{
	"math.sqrt", "math.isqrt", "math.cbrt", "math.exp", "math.exp2", "math.expm1", "math.log", "math.log2",
	"math.log10", "math.log1p", "math.pow", "math.fabs", "math.fmod", "math.remainder", "math.copysign",
	"math.hypot", "math.dist", "math.fsum", "math.gcd", "math.lcm", "math.comb", "math.perm", "math.factorial",
	"math.sin", "math.cos", "math.tan", "math.asin", "math.acos", "math.atan", "math.atan2", "math.sinh",
	"math.cosh", "math.tanh", "math.asinh", "math.acosh", "math.atanh", "math.degrees", "math.radians",
	"math.erf", "math.erfc", "math.gamma", "math.lgamma", "math.ldexp", "math.frexp", "math.modf",
	"math.isclose", "math.isfinite", "math.isinf", "math.isnan",
}

// dsiHasMath reports whether expression n contains a call of a math function that
// specialises a size (a size is its argument).
func dsiHasMath(f *analysis.File, fn *analysis.Function, n analysis.NodeID) bool {
	t := f.Tree
	for id, end := n, t.SubtreeEnd(n); id < end; id++ {
		if t.Kind(id) != syntax.KindCall || !slices.Contains(dsiMathFuncs, f.CallName(id)) {
			continue
		}
		pos, _ := f.Args(id)
		for _, a := range pos {
			if v := f.Value(fn, a); v.May(torchsem.Size) && !v.May(torchsem.Data|torchsem.UnbackedSize) && !v.IsTensor() {
				return true
			}
		}
	}
	return false
}

// dsiReport reports call (int() or a math function, named what) when arg is a size: its
// level follows what the export calls declare of the dims it reads. Nil when it reports
// nothing (not a size, or every dim it reads is declared static).
func dsiReport(pass *analysis.Pass, fn *analysis.Function, call, arg analysis.NodeID, what string) *analysis.Finding {
	f := pass.File
	t := f.Tree
	v := f.Value(fn, arg)
	if !v.May(torchsem.Size) || v.May(torchsem.Data|torchsem.UnbackedSize) || v.IsTensor() {
		return nil // a tensor's value is host_round_trip's; data read out of one, the constrain cases'
	}
	text := what + "(" + fix.Snippet(t, arg) + ")"
	how := "specialises"
	if what != "int" {
		text = fix.Snippet(t, call)
		how = "turns the size into a Python number: it specialises"
	}
	var fd *analysis.Finding
	switch verdict, hits := declaredDims(f, v); verdict {
	case torchsem.DimsStatic:
		return nil // every export declares the dims it reads static: plain ints
	case torchsem.DimsDynamic:
		if autoOnly(hits) {
			fd = pass.Reportf(call, analysis.Changes, "%s %s %s to the example input's value: the exported program accepts that size only", text, how, dimsPhrase(hits))
		} else {
			fd = pass.Reportf(call, analysis.Fails, "%s %s %s to the example input's value (\"You marked %s as dynamic but your code specialized it to be a constant\"): export fails",
				text, how, dimsPhrase(hits), markedName(hits))
		}
		fd.Related = append(fd.Related, dimsRelated(f, hits)...)
	default:
		if what == "int" {
			fd = pass.Reportf(call, analysis.Caveat, "%s turns a size into a concrete number: it specialises that dim once it is declared dynamic", text)
		} else {
			fd = pass.Reportf(call, analysis.Caveat, "%s turns a size into a Python number: it specialises that dim once it is declared dynamic", text)
		}
	}
	return fd
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
