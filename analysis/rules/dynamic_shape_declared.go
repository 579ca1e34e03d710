package rules

// The family file of the rules that judge a line against the range an export call declares
// for a dimension (dynamic_shape_divisible, dynamic_shape_min_size): how a message names the
// declared Dim, where the declaration is, and the edits of the export call's dynamic_shapes
// that fix it.

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// rangeChecked reports whether export holds the dimension to its declared range and fails
// when the code narrows it: a named Dim or one derived from it. Dim.AUTO and Dim.DYNAMIC let
// export infer the range and the relations between dims (Dim.DYNAMIC fails only when the dim
// becomes a constant), and the old dynamic_dim constraints are read as Dim.DYNAMIC.
func rangeChecked(d torchsem.DimDecl) bool {
	return d.Kind == torchsem.DimNamed || d.Kind == torchsem.DimDerived
}

// lowerBound is the smallest size the declaration lets the dimension take.
func lowerBound(d torchsem.DimDecl) int {
	lo, _ := declaredRange(d)
	return lo
}

// dimLabel names a declared dim for messages: its Dim's name, "x.shape[2]" without one.
func dimLabel(h torchsem.DimHit) string {
	if h.Decl.Kind == torchsem.DimNamed && h.Decl.Name != "" {
		return h.Decl.Name
	}
	return fmt.Sprintf("%s.shape[%d]", h.Param(), h.Axis)
}

// declaredAs says where and how a dim is declared: `x.shape[2], Dim("h", min=32, max=1024),
// declared at export.py:15`.
func declaredAs(h torchsem.DimHit) string {
	return fmt.Sprintf("%s.shape[%d], %s, declared at %s", h.Param(), h.Axis, h.Decl, h.Export.Where())
}

// declRelated points at a dim's declaration (the Dim expression of the export call), in its
// own file when that is not f; false for a declaration from the configuration.
func declRelated(f *analysis.File, h torchsem.DimHit, msg string) (analysis.Related, bool) {
	d := h.Decl
	if d.File == nil || d.Node == analysis.NoNode {
		return analysis.Related{}, false
	}
	t := d.File.Tree
	r := analysis.Related{Start: t.Start(d.Node), End: t.End(d.Node), Message: msg}
	if d.File != f {
		r.Path, r.Src = d.File.Path, d.File.Src
	}
	return r, true
}

// exportRelated points at the export call that declares a dim, when it is in another file
// than f (in f, the declaration's own place is near enough).
func exportRelated(f *analysis.File, h torchsem.DimHit) (analysis.Related, bool) {
	x := h.Export
	if x == nil || x.Site == nil || x.File == f {
		return analysis.Related{}, false
	}
	t := x.File.Tree
	return analysis.Related{Start: t.Start(x.Site.Call), End: t.End(x.Site.Call), Path: x.File.Path, Src: x.File.Src,
		Message: "the export call whose dynamic_shapes declare the dim"}, true
}

// addRelated appends r to the finding's related places unless it is there already.
func addRelated(fd *analysis.Finding, r analysis.Related) {
	for _, o := range fd.Related {
		if o.Path == r.Path && o.Start == r.Start && o.End == r.End && o.Message == r.Message {
			return
		}
	}
	fd.Related = append(fd.Related, r)
}

// dimCall returns the Dim(...) call a declaration names (the base's, for a derived dim) in
// the declaration's file, following names bound once; NoNode when there is none to edit
// (dims(...), a configuration entry).
func dimCall(d torchsem.DimDecl, scope *analysis.Function) analysis.NodeID {
	f := d.File
	if f == nil || d.Node == analysis.NoNode {
		return analysis.NoNode
	}
	t := f.Tree
	n := d.Node
	for depth := 0; depth < 8; depth++ {
		n = t.Unparen(n)
		switch t.Kind(n) {
		case syntax.KindCall:
			if ok, many := torchsem.IsDimAPI(f.Resolve(t.Field(n, syntax.FieldFunction))); ok && !many {
				return n
			}
			return analysis.NoNode
		case syntax.KindIdentifier:
			fn := scope
			if o := f.Owner(n); o != nil {
				fn = o
			}
			v := f.BoundValue(fn, n)
			if v == n {
				return analysis.NoNode
			}
			n = v
		case syntax.KindBinaryOperator:
			l, r := t.Field(n, syntax.FieldLeft), t.Field(n, syntax.FieldRight)
			if _, ok := pysem.IntLiteral(t, l); ok {
				n = r
			} else {
				n = l
			}
		default:
			return analysis.NoNode
		}
	}
	return analysis.NoNode
}

// fixAt returns a fix of the declaration of hit: in f, or in the export call's file (the
// editor applies such a fix; check shows it). False for a configuration entry.
func fixAt(f *analysis.File, h torchsem.DimHit, title string, edits ...analysis.Edit) (analysis.Fix, bool) {
	if h.Decl.File == nil || h.Export == nil || h.Export.Site == nil || len(edits) == 0 {
		return analysis.Fix{}, false
	}
	fx := analysis.Fix{Title: title, Safety: analysis.Unsafe, Edits: edits}
	if h.Decl.File.File != f.File {
		fx.Path, fx.Src = h.Decl.File.Path, h.Decl.File.Src
	}
	return fx, true
}

// setKeyword returns the edit that sets keyword argument name=value in call (of f): replacing the
// value when the call passes it, appending it after the last argument otherwise.
func setKeyword(f *analysis.File, call analysis.NodeID, name string, value int) (analysis.Edit, bool) {
	t := f.Tree
	if v := f.KwArg(call, name); v != analysis.NoNode {
		return analysis.Edit{Start: t.Start(v), End: t.End(v), NewText: strconv.Itoa(value)}, true
	}
	if name == "min" {
		if mx := f.KwArg(call, "max"); mx != analysis.NoNode {
			at := t.Start(t.Parent(mx)) // min= before max=, as Dim's signature has them
			return analysis.Edit{Start: at, End: at, NewText: "min=" + strconv.Itoa(value) + ", "}, true
		}
	}
	args := t.Field(call, syntax.FieldArguments)
	if args == analysis.NoNode || t.Kind(args) != syntax.KindArgumentList {
		return analysis.Edit{}, false
	}
	last := analysis.NoNode
	t.Children(args, func(c analysis.NodeID) bool {
		if t.IsNamed(c) && !t.IsComment(c) {
			last = c
		}
		return true
	})
	if last == analysis.NoNode {
		return analysis.Edit{}, false // Dim() without a name is not a Dim export accepts
	}
	return analysis.Edit{Start: t.End(last), End: t.End(last), NewText: ", " + name + "=" + strconv.Itoa(value)}, true
}

// ceilDiv is a / b rounded up, for b > 0.
func ceilDiv(a, b int) int {
	if a >= 0 {
		return (a + b - 1) / b
	}
	return -((-a) / b)
}

// floorDiv is a / b rounded down, for b > 0.
func floorDiv(a, b int) int {
	if a >= 0 {
		return a / b
	}
	return -((-a + b - 1) / b)
}

// maxListed bounds the dims a message lists; a layer that many exports share (a patch
// embedding) names the first few and counts the rest.
const maxListed = 4

// joinCapped is joinWords over the first maxListed phrases, the rest counted: "a, b, c, d and
// 3 more".
func joinCapped(parts []string) string {
	if len(parts) <= maxListed {
		return joinWords(parts)
	}
	return strings.Join(parts[:maxListed], ", ") + fmt.Sprintf(" and %d more", len(parts)-maxListed)
}

// joinWords joins phrases with commas and a final "and".
func joinWords(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// multipleOf reports whether every size the declaration allows is a multiple of k.
func multipleOf(d torchsem.DimDecl, k int) bool {
	switch d.Kind {
	case torchsem.DimDerived:
		return d.Mult%k == 0 && d.Add%k == 0
	case torchsem.DimNamed:
		return d.Min >= 0 && d.Min == d.Max && d.Min%k == 0
	}
	return false
}

// derivedSpec is the derived dim that declares a named dim's multiples of k within its
// range: `16 * Dim("h_16", min=2, max=64)` for Dim("h", min=32, max=1024).
func derivedSpec(h torchsem.DimHit, k int) (string, bool) {
	d := h.Decl
	if k < 2 || d.Kind != torchsem.DimNamed || d.Name == "" {
		return "", false
	}
	var args []string
	lo := 1
	if d.Min >= 0 {
		lo = max(ceilDiv(d.Min, k), 1)
		args = append(args, fmt.Sprintf("min=%d", lo))
	}
	if d.Max >= 0 {
		hi := floorDiv(d.Max, k)
		if hi < lo || hi < 1 {
			return "", false // no multiple of k in the declared range
		}
		args = append(args, fmt.Sprintf("max=%d", hi))
	}
	name := fmt.Sprintf("%s_%d", d.Name, k)
	s := fmt.Sprintf("%d * Dim(%q", k, name)
	if len(args) > 0 {
		s += ", " + strings.Join(args, ", ")
	}
	return s + ")", true
}

// multipleFix declares the dim of h as its derivedSpec for k at the export call that
// declares it (Dim's name as that call's file spells it); false when there is none (k not
// a literal: 0).
func multipleFix(f *analysis.File, h torchsem.DimHit, k int) (analysis.Fix, bool) {
	spec, ok := derivedSpec(h, k)
	if !ok || h.Export == nil || h.Export.Site == nil {
		return analysis.Fix{}, false
	}
	call := dimCall(h.Decl, h.Export.Site.Func)
	if call == analysis.NoNode {
		return analysis.Fix{}, false
	}
	dt := h.Decl.File.Tree
	text := strings.Replace(spec, "Dim(", dt.String(dt.Field(call, syntax.FieldFunction))+"(", 1)
	title := fmt.Sprintf("declare %q as %s at the export call (%s): only multiples of %d are accepted", dimLabel(h), spec, h.Export.Where(), k)
	return fixAt(f, h, title, analysis.Edit{Start: dt.Start(call), End: dt.End(call), NewText: text})
}
