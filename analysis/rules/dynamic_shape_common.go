package rules

// The family file of the shape rules (dynamic_shape_*, list_contains, scalar_output,
// static_for_loop, static_if): what they call a size derived from an input's shape.

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// shapeSize reports whether expression n (inside fn) is a size export keeps symbolic when
// the dimension is dynamic: the model says it may be a dimension of a traced input (not a
// rank, not the size of the module's own state, not a value read out of tensor data), and
// it neither divides nor rounds (round(x.shape[0] / 2) is dynamic_shape_round's case).
func shapeSize(f *analysis.File, fn *analysis.Function, n analysis.NodeID) bool {
	v := f.Value(fn, n)
	return v.May(torchsem.Size|torchsem.SizeSeq) && !v.May(torchsem.Data) && !rounds(f.Tree, n)
}

// rounds reports whether expression n contains a true division or a call of round(): such a
// value is not an integer size export can keep symbolic.
func rounds(t *syntax.Tree, n analysis.NodeID) bool {
	for id, end := n, t.SubtreeEnd(n); id < end; id++ {
		switch t.Kind(id) {
		case syntax.KindBinaryOperator:
			if t.Operator(id) == "/" {
				return true
			}
		case syntax.KindCall:
			if c := t.Field(id, syntax.FieldFunction); c != analysis.NoNode && t.TextIs(c, "round") {
				return true
			}
		}
	}
	return false
}

// sizeInList reports whether n is `size in <literal>` or `size not in <literal>` with a size
// of a traced input on the left.
func sizeInList(f *analysis.File, fn *analysis.Function, n analysis.NodeID) bool {
	t := f.Tree
	n = t.Unparen(n)
	if n == analysis.NoNode || t.Kind(n) != syntax.KindComparisonOperator || t.NamedChildCount(n) != 2 {
		return false
	}
	// "not in" is one token whose text may hold any whitespace between the words
	if op := []byte(t.Operator(n)); !bytes.Equal(op, []byte("in")) && !(bytes.HasPrefix(op, []byte("not")) && bytes.HasSuffix(op, []byte("in"))) {
		return false
	}
	switch t.Kind(t.Unparen(t.NamedChild(n, 1))) {
	case syntax.KindList, syntax.KindTuple, syntax.KindSet:
	default:
		return false
	}
	return shapeSize(f, fn, t.NamedChild(n, 0))
}

// declaredDims judges the input dimensions value v reads against the project's dynamic-shape
// declarations (export calls, configuration): dynamic (and which), static, or unknown.
func declaredDims(f *analysis.File, v torchsem.Value) (torchsem.DimVerdict, []torchsem.DimHit) {
	return f.Dims(v)
}

// symbolicWords says, for the hover of a supported size (a constructor's size, a view's
// shape, a slice bound), what the declarations make of the dims size reads: "symbolic: it
// reads dim "b" (...)", "static at every export: a constant of the graph", or the general
// rule when nothing declares them.
func symbolicWords(f *analysis.File, fn *analysis.Function, size analysis.NodeID, plural bool) string {
	switch verdict, hits := declaredDims(f, f.Value(fn, size)); verdict {
	case torchsem.DimsDynamic:
		return "symbolic in the exported program: it reads " + dimsPhrase(hits)
	case torchsem.DimsStatic:
		return "static at every export that declares the model: a constant of the graph"
	}
	if plural {
		return "symbolic for dynamic dims, baked in for static ones"
	}
	return "symbolic for a dynamic dim, baked in for a static one"
}

// dimsPhrase names the declared dims a finding is about: `dim "h" (x.shape[2], 16 * Dim("hp",
// min=2, max=64), declared at export.py:15)`.
func dimsPhrase(hits []torchsem.DimHit) string {
	var parts []string
	seen := map[string]bool{}
	for _, h := range hits {
		name := h.Decl.Name
		if name == "" {
			name = h.Param() + ".shape[" + strconv.Itoa(h.Axis) + "]"
		}
		s := fmt.Sprintf("dim %q (%s.shape[%d], %s, declared at %s)", name, h.Param(), h.Axis, h.Decl, h.Export.Where())
		if !seen[s] {
			seen[s] = true
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " and ")
}

// dimsRelated points at the declarations of the dims: the Dim expression in the export call's
// file (or the configuration file, which has no position to point at).
func dimsRelated(f *analysis.File, hits []torchsem.DimHit) []analysis.Related {
	var out []analysis.Related
	// by file and node: two export scripts written alike declare their dims at the same
	// node index
	type place struct {
		f *analysis.File
		n analysis.NodeID
	}
	seen := map[place]bool{}
	for _, h := range hits {
		d := h.Decl
		if d.File == nil || d.Node == analysis.NoNode || seen[place{d.File, d.Node}] {
			continue
		}
		seen[place{d.File, d.Node}] = true
		t := d.File.Tree
		r := analysis.Related{Start: t.Start(d.Node), End: t.End(d.Node),
			Message: fmt.Sprintf("%s.shape[%d] is declared dynamic here (%s)", h.Param(), h.Axis, d)}
		if d.File.File != f.File {
			r.Path, r.Src = d.File.Path, d.File.Src
		}
		out = append(out, r)
	}
	return out
}

// sizeBound is what a comparison of one declared-dynamic dim with an integer literal lets
// the dim be while tracing continues past it: lo <= dim <= hi (hi < 0: no upper bound), or
// every value but not.
type sizeBound struct {
	hit    torchsem.DimHit
	lo, hi int
	not    int  // for !=: the one value excluded
	isNot  bool // the comparison is !=
}

// boundOf reads test as `dim OP k` or `k OP dim`, dim a size that reads exactly one dim
// declared dynamic (a name or shape expression, not arithmetic on it) and k an integer
// literal; held is whether the code goes on when test is true (an assert) or false (an
// `if test: raise`).
func boundOf(f *analysis.File, fn *analysis.Function, test analysis.NodeID, held bool) (sizeBound, bool) {
	bs, ok := boundsOf(f, fn, test, held)
	if !ok || len(bs) != 1 {
		return sizeBound{}, false
	}
	return bs[0], true
}

// boundsOf is boundOf for a size whose dim several export calls declare: one bound per
// declaration, in the order of f.Dims.
func boundsOf(f *analysis.File, fn *analysis.Function, test analysis.NodeID, held bool) ([]sizeBound, bool) {
	t := f.Tree
	test = t.Unparen(test)
	if t.Kind(test) == syntax.KindNotOperator {
		return boundsOf(f, fn, t.Field(test, syntax.FieldArgument), !held)
	}
	if t.Kind(test) != syntax.KindComparisonOperator || t.NamedChildCount(test) != 2 {
		return nil, false
	}
	op := t.Operator(test)
	l, r := t.Unparen(t.NamedChild(test, 0)), t.Unparen(t.NamedChild(test, 1))
	k, ok := pysem.IntLiteral(t, r)
	side := l
	if !ok {
		if k, ok = pysem.IntLiteral(t, l); !ok {
			return nil, false
		}
		side = r
		op = map[string]string{"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}[op]
	}
	hits, ok := dynamicSize(f, fn, side)
	if !ok {
		return nil, false
	}
	if !held {
		op = map[string]string{"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}[op]
	}
	b := sizeBound{lo: 0, hi: -1}
	switch op {
	case "<":
		b.hi = int(k) - 1
	case "<=":
		b.hi = int(k)
	case ">":
		b.lo = int(k) + 1
	case ">=":
		b.lo = int(k)
	case "==":
		b.lo, b.hi = int(k), int(k)
	case "!=":
		b.isNot, b.not = true, int(k)
	default:
		return nil, false
	}
	bs := make([]sizeBound, len(hits))
	for i, h := range hits {
		bs[i] = b
		bs[i].hit = h
	}
	return bs, true
}

// declaredRange is the range export lets a dynamic dim take: its declared min (at least 2:
// export specialises sizes 0 and 1) and max (-1: unbounded), through a derived dim's
// factor and offset.
func declaredRange(d torchsem.DimDecl) (lo, hi int) {
	lo, hi = d.Min, d.Max
	if lo < 2 {
		lo = 2
	}
	if d.Kind == torchsem.DimDerived {
		lo = d.Mult*lo + d.Add
		if hi >= 0 {
			hi = d.Mult*hi + d.Add
		}
	}
	return lo, hi
}

// narrows reports whether the bound leaves out sizes the declaration allows: export then
// fails ("Not all values of h in the specified range satisfy the generated guard"), and the
// range that would hold.
func (b sizeBound) narrows() (bool, int, int) {
	lo, hi := declaredRange(b.hit.Decl)
	if b.isNot {
		return b.not >= lo && (hi < 0 || b.not <= hi), lo, hi
	}
	nlo, nhi := max(lo, b.lo), hi
	if b.hi >= 0 && (hi < 0 || b.hi < hi) {
		nhi = b.hi
	}
	return nlo != lo || nhi != hi, nlo, nhi
}

// narrowDimFix rewrites the Dim(...) the bound's dim is declared with to the range the code
// holds it to; false for a derived dim, a configuration entry or an empty range.
func narrowDimFix(f *analysis.File, b sizeBound, lo, hi int) (analysis.Fix, bool) {
	d := b.hit.Decl
	if d.Kind != torchsem.DimNamed || d.File == nil || d.Node == analysis.NoNode || (hi >= 0 && hi < lo) {
		return analysis.Fix{}, false
	}
	t := d.File.Tree
	call := d.Node
	if t.Kind(call) != syntax.KindCall {
		return analysis.Fix{}, false
	}
	pos, _ := d.File.Args(call)
	if len(pos) != 1 {
		return analysis.Fix{}, false
	}
	text := t.String(t.Field(call, syntax.FieldFunction)) + "(" + t.String(pos[0]) + ", min=" + strconv.Itoa(lo)
	if hi >= 0 {
		text += ", max=" + strconv.Itoa(hi)
	}
	text += ")"
	fx := analysis.Fix{
		Title:  fmt.Sprintf("declare %s as %s at %s (the range this code supports)", d.String(), text, b.hit.Export.Where()),
		Safety: analysis.Unsafe,
		Edits:  []analysis.Edit{{Start: t.Start(call), End: t.End(call), NewText: text}},
	}
	if d.File.File != f.File {
		fx.Path, fx.Src = d.File.Path, d.File.Src
	}
	return fx, true
}

// rangeWords writes a range of dim name: "64 <= h <= 512", "h >= 64".
func rangeWords(name string, lo, hi int) string {
	if name == "" {
		name = "the dim"
	}
	if hi < 0 {
		return fmt.Sprintf("%s >= %d", name, lo)
	}
	return fmt.Sprintf("%d <= %s <= %d", lo, name, hi)
}

// sizePinned reports whether a check's test holds for one size only: op compares a size
// with a value that is not a size of an input (assert H == 224, or if H != 224: raise), on
// its own or joined to other tests by conj ("and" for ==, "or" for !=). Two sizes compared
// tie the dims together instead.
func sizePinned(f *analysis.File, fn *analysis.Function, test analysis.NodeID, op, conj string) bool {
	t := f.Tree
	test = t.Unparen(test)
	switch t.Kind(test) {
	case syntax.KindComparisonOperator:
		if t.Operator(test) != op || t.NamedChildCount(test) != 2 {
			return false
		}
		l, r := f.Value(fn, t.NamedChild(test, 0)), f.Value(fn, t.NamedChild(test, 1))
		return l.May(torchsem.Size) != r.May(torchsem.Size)
	case syntax.KindBooleanOperator:
		return t.Operator(test) == conj && (sizePinned(f, fn, t.Field(test, syntax.FieldLeft), op, conj) || sizePinned(f, fn, t.Field(test, syntax.FieldRight), op, conj))
	}
	return false
}

// removeCheckFix removes stmt, a check that pins a declared-dynamic dim, when it is not the
// only statement of its block (NoNode: none).
func removeCheckFix(f *analysis.File, stmt analysis.NodeID) (analysis.Fix, bool) {
	t := f.Tree
	if stmt == analysis.NoNode {
		return analysis.Fix{}, false
	}
	if blk := t.Parent(stmt); t.Kind(blk) != syntax.KindBlock || t.NamedChildCount(blk) < 2 {
		return analysis.Fix{}, false
	}
	return analysis.Fix{
		Title:  "remove the check (the exported program then accepts every size in the declared range)",
		Safety: analysis.Unsafe,
		Edits:  []analysis.Edit{fix.DeleteStatement(f, stmt)},
	}, true
}

// remainder is a test of a declared-dynamic dim's remainder: dim % k == r (eq) or != r.
type remainder struct {
	hits  []torchsem.DimHit // the dim's declarations
	k     int               // the divisor, an integer literal; 0 for another value (self.patch_size[0])
	kText string            // the divisor as written
	r     int
	eq    bool
}

// remainderTest reads test as `dim % k == r` or `dim % k != r` (either side), dim a size that
// reads one dim declared dynamic, r an integer literal and k an integer literal above 1 or
// a value that is not a size (a module's configured patch size).
func remainderTest(f *analysis.File, fn *analysis.Function, test analysis.NodeID) (remainder, bool) {
	t := f.Tree
	test = t.Unparen(test)
	if t.Kind(test) != syntax.KindComparisonOperator || t.NamedChildCount(test) != 2 {
		return remainder{}, false
	}
	op := t.Operator(test)
	if op != "==" && op != "!=" {
		return remainder{}, false
	}
	mod, lit := t.Unparen(t.NamedChild(test, 0)), t.Unparen(t.NamedChild(test, 1))
	rem, isLit := pysem.IntLiteral(t, lit)
	if !isLit {
		mod, lit = lit, mod
		if rem, isLit = pysem.IntLiteral(t, lit); !isLit {
			return remainder{}, false
		}
	}
	if t.Kind(mod) != syntax.KindBinaryOperator || t.Operator(mod) != "%" {
		return remainder{}, false
	}
	side, div := t.Unparen(t.Field(mod, syntax.FieldLeft)), t.Unparen(t.Field(mod, syntax.FieldRight))
	rm := remainder{kText: fix.Snippet(t, div), r: int(rem), eq: op == "=="}
	k, ok := pysem.IntLiteral(t, div)
	if ok {
		if k < 2 {
			return remainder{}, false
		}
		rm.k = int(k)
	} else if v := f.Value(fn, div); v.May(torchsem.Size|torchsem.UnbackedSize|torchsem.Data) || v.IsTensor() {
		return remainder{}, false // a size against a size ties the dims together
	}
	if rm.hits, ok = dynamicSize(f, fn, side); !ok {
		return remainder{}, false
	}
	return rm, true
}

// dynamicSize returns the declarations of the one dim that side reads, when side is a size
// as written (a name, x.shape[2], x.size(2)), not arithmetic on one, of a dim some export
// call declares dynamic.
func dynamicSize(f *analysis.File, fn *analysis.Function, side analysis.NodeID) ([]torchsem.DimHit, bool) {
	switch f.Tree.Kind(side) {
	case syntax.KindIdentifier, syntax.KindSubscript, syntax.KindCall, syntax.KindAttribute:
	default:
		return nil, false // arithmetic on the dim: its bound is not the dim's
	}
	verdict, hits := f.Dims(f.Value(fn, side))
	if verdict != torchsem.DimsDynamic || len(hits) == 0 || !shapeSize(f, fn, side) {
		return nil, false
	}
	return hits, true
}

// settled reports how h's declaration settles the test: decided, with rem the remainder of
// every size (a derived dim whose factor the literal divisor divides), or unknown (a derived
// dim against a divisor exportdb cannot read: the test holds when it divides the factor, as
// timm's patch embeddings declared with 16 * Dim(...) rely on).
func (rm remainder) settled(h torchsem.DimHit) (rem int, decided, unknown bool) {
	d := h.Decl
	switch {
	case d.Kind != torchsem.DimDerived:
		return 0, false, false
	case rm.k == 0:
		return 0, false, true
	case d.Mult%rm.k != 0:
		return 0, false, false
	}
	return ((d.Add % rm.k) + rm.k) % rm.k, true, false
}

// markedName is the name torch's messages give the first dim of hits ("You marked h as
// dynamic"): the name a Dim declares, else the size as written (x.shape[2], for Dim.AUTO,
// Dim.DYNAMIC or a configuration's "dynamic").
func markedName(hits []torchsem.DimHit) string {
	for _, h := range hits {
		if h.Decl.Name != "" {
			return h.Decl.Name
		}
	}
	if len(hits) == 0 {
		return "the dim"
	}
	return hits[0].Param() + ".shape[" + strconv.Itoa(hits[0].Axis) + "]"
}

// autoOnly reports whether every declaration of hits is Dim.AUTO, which lets export
// specialise or narrow the dim where the code guards it, without an error.
func autoOnly(hits []torchsem.DimHit) bool {
	for _, h := range hits {
		if h.Decl.Kind != torchsem.DimAuto {
			return false
		}
	}
	return len(hits) > 0
}

// youMarked is torch's message for a dynamic dim that code pins to one value, quoted.
func youMarked(hits []torchsem.DimHit) string {
	return fmt.Sprintf("\"You marked %s as dynamic but your code specialized it\"", markedName(hits))
}

// notAllValues is torch's message for a dynamic dim's range that code narrows, quoted.
func notAllValues(hits []torchsem.DimHit) string {
	return fmt.Sprintf("\"Not all values of %s in the specified range satisfy the generated guard\"", markedName(hits))
}

// pinned is outcome for a line that pins the dims of hits to one value.
func pinned(hits []torchsem.DimHit) (analysis.Effect, string) {
	return outcome(hits, " ("+youMarked(hits)+"): export fails", false)
}

// outcome is the effect and the end of the message of a line that guards the dims of hits
// where their declarations do not hold (narrow: to a range or a remainder; else to one
// value): failTail, as export fails, or, when every declaration is Dim.AUTO, which accepts
// the guard, what the exported program then keeps.
func outcome(hits []torchsem.DimHit, failTail string, narrow bool) (analysis.Effect, string) {
	switch {
	case !autoOnly(hits):
		return analysis.Fails, failTail
	case narrow:
		return analysis.Changes, ": with Dim.AUTO export narrows the dim silently, and the exported program accepts only the sizes this line lets through"
	}
	return analysis.Changes, ": with Dim.AUTO export makes the dim static silently, and the exported program accepts the example input's size only"
}
