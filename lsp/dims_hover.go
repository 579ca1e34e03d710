package lsp

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
	"github.com/exportdb-lsp/exportdb-lsp/config"
)

// The dims card: hover on a size expression (a name bound from x.shape or x.size(), a
// .shape[i] expression, a size passed to a helper) says which input dimensions of which
// exported model it reads, and what the project declares of each: dynamic (the Dim, its
// range, the export call or configuration file), static (and why), or nothing (and how to
// declare it). torchsem's values carry the dimensions (Refs); File.Dims is the verdict the
// rules use, and this card explains it per declaration.

// maxLabel bounds the hovered expression's text quoted in the card.
const maxLabel = 40

// sizeExprAt returns the expression at off whose value the dims card describes: the
// identifier, or the .shape / .size() / [i] expression the cursor is in, grown from a
// method or attribute name to the call or subscript it belongs to.
func sizeExprAt(t *syntax.Tree, off int) syntax.NodeID {
	n := t.NodeAt(off)
	if n == syntax.NoNode {
		return n
	}
	p := t.Parent(n)
	switch t.Kind(n) {
	case syntax.KindInteger:
		// the index of x.shape[2], the axis of x.size(2)
		if p != syntax.NoNode && t.Kind(p) == syntax.KindSubscript && t.FieldOf(n) == syntax.FieldSubscript {
			n = p
		} else if p != syntax.NoNode && t.Kind(p) == syntax.KindArgumentList {
			if c := t.Parent(p); c != syntax.NoNode && t.Kind(c) == syntax.KindCall {
				n = c
			}
		} else {
			return syntax.NoNode
		}
	case syntax.KindIdentifier:
		switch {
		case p == syntax.NoNode:
		case t.Kind(p) == syntax.KindAttribute && t.FieldOf(n) == syntax.FieldAttribute:
			n = p
		case t.Kind(p) == syntax.KindKeywordArgument && t.FieldOf(n) == syntax.FieldName,
			t.Kind(p) == syntax.KindFunctionDefinition, t.Kind(p) == syntax.KindClassDefinition,
			t.Kind(p) == syntax.KindDottedName, t.Kind(p) == syntax.KindAliasedImport:
			return syntax.NoNode
		}
	case syntax.KindAttribute, syntax.KindSubscript, syntax.KindCall, syntax.KindBinaryOperator,
		syntax.KindUnaryOperator, syntax.KindParenthesizedExpression:
	default:
		return syntax.NoNode
	}
	// x.shape -> x.shape[2]; x.size -> x.size(2)
	for {
		p := t.Parent(n)
		if p == syntax.NoNode {
			return n
		}
		switch {
		case t.Kind(p) == syntax.KindSubscript && t.FieldOf(n) == syntax.FieldValue && t.Kind(n) == syntax.KindAttribute:
			n = p
		case t.Kind(p) == syntax.KindCall && t.FieldOf(n) == syntax.FieldFunction && t.Kind(n) == syntax.KindAttribute:
			n = p
		default:
			return n
		}
	}
}

// dimRefs returns the input dimensions and shapes v reads.
func dimRefs(v torchsem.Value) []torchsem.Ref {
	var out []torchsem.Ref
	for _, r := range v.Refs() {
		switch r.Of {
		case torchsem.RefDim, torchsem.RefDimAny, torchsem.RefShape:
			out = append(out, r)
		}
	}
	return out
}

// dimsCard renders the dims card of the size expression at off, if the cursor is on one
// whose value reads input dimensions. cfg is the configuration in force (for the snippet
// that shows how to declare dims).
func dimsCard(f *analysis.File, off int, cfg *config.Config) (card string, start, end int, ok bool) {
	if f == nil {
		return "", 0, 0, false
	}
	t := f.Tree
	n := sizeExprAt(t, off)
	if n == syntax.NoNode {
		return "", 0, 0, false
	}
	fn := f.Owner(n)
	if fn == nil {
		return "", 0, 0, false
	}
	v := f.Value(fn, n)
	if !v.May(torchsem.Size | torchsem.SizeSeq) {
		return "", 0, 0, false
	}
	refs := dimRefs(v)
	if len(refs) == 0 {
		return "", 0, 0, false
	}
	prog := f.Program()
	decls := prog.Declarations()
	declsOf := func(r torchsem.Ref) []*torchsem.ExportDecl {
		rf, rfn := prog.Root(r.Root)
		var out []*torchsem.ExportDecl
		for _, d := range decls {
			if d.FwdFile == rf && d.Forward == rfn {
				out = append(out, d)
			}
		}
		return out
	}
	// a submodule's own forward is a root too: when a declared model's dimension is read,
	// the roots no declaration covers are left out (as File.Dims leaves them out); when none
	// is declared, the models that are not some other module's submodule speak
	var declared, top, rest []torchsem.Ref
	for _, r := range refs {
		rf, rfn := prog.Root(r.Root)
		switch {
		case rf == nil || rfn == nil:
		case len(declsOf(r)) > 0:
			declared = append(declared, r)
		case rfn.Class == nil || !rf.UsedAsSubmodule(rfn.Class):
			top = append(top, r)
		default:
			rest = append(rest, r)
		}
	}
	shown := declared
	if len(shown) == 0 {
		shown = top
	}
	if len(shown) == 0 {
		shown = rest
	}
	if len(shown) == 0 {
		return "", 0, 0, false
	}
	label := labelOf(t, n)
	var b strings.Builder
	b.WriteString("### exportdb: dims\n\n")
	if len(shown) == 1 {
		r := shown[0]
		fmt.Fprintf(&b, "`%s`: %s\n\n", label, judgeRef(prog, r, declsOf(r)))
		if ref := refText(prog, r, declsOf(r)); strings.Trim(ref, "`") == label {
			fmt.Fprintf(&b, "An input dimension of `%s`.", rootName(prog, r))
		} else {
			fmt.Fprintf(&b, "`%s` reads %s of `%s`.", label, ref, rootName(prog, r))
		}
	} else {
		fmt.Fprintf(&b, "`%s` reads %d input dims:\n\n", label, len(shown))
		for _, r := range shown {
			fmt.Fprintf(&b, "- %s of `%s`: %s\n", refText(prog, r, declsOf(r)), rootName(prog, r), judgeRef(prog, r, declsOf(r)))
		}
	}
	if undeclared := undeclaredModels(prog, shown, declsOf); len(undeclared) > 0 {
		b.WriteString("\n\n")
		b.WriteString(howToDeclare(prog, shown[0], undeclared, label, cfg))
	}
	return strings.TrimRight(b.String(), "\n"), t.Start(n), t.End(n), true
}

// labelOf is the hovered expression's text for the card: one line, at most maxLabel bytes.
func labelOf(t *syntax.Tree, n syntax.NodeID) string {
	s := t.String(n)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i] + "…"
	}
	if len(s) > maxLabel {
		cut := maxLabel
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut-- // not inside a UTF-8 sequence
		}
		s = s[:cut] + "…"
	}
	return strings.ReplaceAll(s, "`", "'")
}

// rootName names the model a root belongs to: "Model.forward".
func rootName(prog *torchsem.Program, r torchsem.Ref) string {
	_, fn := prog.Root(r.Root)
	return fn.QualName()
}

// paramName is the name of the root's parameter a ref reads.
func paramName(prog *torchsem.Program, r torchsem.Ref) string {
	_, fn := prog.Root(r.Root)
	if int(r.Param) < len(fn.Params) && r.Param >= 0 {
		return fn.Params[r.Param].Name
	}
	return "?"
}

// inputRank is the rank of the ref's input when a declaration tells it, else -1.
func inputRank(r torchsem.Ref, decls []*torchsem.ExportDecl) int {
	for _, d := range decls {
		if in := d.Inputs[int(r.Param)]; in != nil && in.Rank >= 0 {
			return in.Rank
		}
	}
	return -1
}

// refText writes a ref as code: `x.shape[2]`, `x.shape[-1]` (axis 3), `x.shape[-2:]`,
// "a dimension of `x`".
func refText(prog *torchsem.Program, r torchsem.Ref, decls []*torchsem.ExportDecl) string {
	name := paramName(prog, r)
	switch r.Of {
	case torchsem.RefDimAny:
		return fmt.Sprintf("a dimension of `%s` (which one is not known)", name)
	case torchsem.RefShape:
		if r.Axis == 0 {
			return fmt.Sprintf("`%s.shape`", name)
		}
		return fmt.Sprintf("`%s.shape[%d:]`", name, r.Axis)
	}
	s := fmt.Sprintf("`%s.shape[%d]`", name, r.Axis)
	if rank := inputRank(r, decls); r.Axis < 0 && rank > 0 {
		s += fmt.Sprintf(" (axis %d)", int(r.Axis)+rank)
	}
	return s
}

// judgeRef says what the declarations make of one ref, each declaration in turn.
func judgeRef(prog *torchsem.Program, r torchsem.Ref, decls []*torchsem.ExportDecl) string {
	if len(decls) == 0 {
		_, fn := prog.Root(r.Root)
		model := fn.QualName()
		if fn.Class != nil {
			model = fn.Class.Name
		}
		return fmt.Sprintf("not declared: no export call or configuration declares the dims of `%s`", model)
	}
	parts := make([]string, 0, len(decls))
	for _, d := range decls {
		parts = append(parts, judgeDecl(prog, r, d))
	}
	return strings.Join(parts, "; ")
}

// declWhere names a declaration: "at export.py:12" or "in exportdb.toml".
func declWhere(d *torchsem.ExportDecl) string {
	if d.Site == nil {
		return "in " + filepath.Base(d.Config)
	}
	return "at " + d.Where()
}

// judgeDecl explains one declaration's verdict on one ref, as torchsem judges it (decls.go:
// ExportDecl.dim).
func judgeDecl(prog *torchsem.Program, r torchsem.Ref, d *torchsem.ExportDecl) string {
	name := paramName(prog, r)
	specOf := "dynamic_shapes " + declWhere(d)
	if d.Site == nil {
		specOf = "dynamic-shapes " + declWhere(d)
	}
	if !d.Spec {
		return fmt.Sprintf("static (the export call %s passes no dynamic_shapes)", declWhere(d))
	}
	if !d.Readable {
		return fmt.Sprintf("unknown (exportdb cannot read the %s: it is not written out literally)", specOf)
	}
	in := d.Inputs[int(r.Param)]
	if in == nil {
		return fmt.Sprintf("static (`%s` is not in the %s)", name, specOf)
	}
	dynamicAxes := func(from int) []int {
		var out []int
		for a, dd := range in.Axes {
			if a >= from && dd.Dynamic() {
				out = append(out, a)
			}
		}
		slices.Sort(out)
		return out
	}
	axesText := func(axes []int) string {
		parts := make([]string, len(axes))
		for i, a := range axes {
			parts[i] = fmt.Sprintf("`%s.shape[%d]` %s", name, a, declText(in.Axes[a]))
		}
		return strings.Join(parts, ", ")
	}
	switch r.Of {
	case torchsem.RefDimAny:
		if axes := dynamicAxes(0); len(axes) > 0 {
			return fmt.Sprintf("unknown: the %s makes %s", specOf, axesText(axes))
		}
		return fmt.Sprintf("static (the %s makes no axis of `%s` dynamic)", specOf, name)
	case torchsem.RefShape:
		from := int(r.Axis)
		if from < 0 && in.Rank < 0 {
			if axes := dynamicAxes(0); len(axes) > 0 {
				return fmt.Sprintf("the rank of `%s` is not known; the %s makes %s", name, specOf, axesText(axes))
			}
			return fmt.Sprintf("static (the %s makes no axis of `%s` dynamic)", specOf, name)
		}
		if from < 0 {
			from += in.Rank
		}
		if axes := dynamicAxes(from); len(axes) > 0 {
			return fmt.Sprintf("%s, declared %s", axesText(axes), declWhere(d))
		}
		return fmt.Sprintf("static (no axis of `%s` from %d on is dynamic in the %s)", name, from, specOf)
	}
	axis := int(r.Axis)
	if axis < 0 && in.Rank < 0 {
		if axes := dynamicAxes(0); len(axes) > 0 {
			return fmt.Sprintf("unknown: the rank of `%s` is not known, and the %s makes %s", name, specOf, axesText(axes))
		}
		return fmt.Sprintf("static (the %s makes no axis of `%s` dynamic)", specOf, name)
	}
	if axis < 0 {
		axis += in.Rank
	}
	dd, ok := in.Axes[axis]
	switch {
	case !ok:
		return fmt.Sprintf("static (`%s.shape[%d]` is not in the %s)", name, axis, specOf)
	case !dd.Dynamic():
		return fmt.Sprintf("static (declared static %s)", declWhere(d))
	}
	return fmt.Sprintf("%s, declared %s", declText(dd), declWhere(d))
}

// declText writes a dynamic declaration: `dynamic "h" 32..1024`, `dynamic 16 * "hp" (hp
// 2..64)`, `Dim.AUTO (dynamic unless the code specialises it)`.
func declText(dd torchsem.DimDecl) string {
	bounds := func() string {
		switch {
		case dd.Min >= 0 && dd.Max >= 0:
			return fmt.Sprintf("%d..%d", dd.Min, dd.Max)
		case dd.Min >= 0:
			return fmt.Sprintf("%d..", dd.Min)
		case dd.Max >= 0:
			return fmt.Sprintf("..%d", dd.Max)
		}
		return ""
	}
	switch dd.Kind {
	case torchsem.DimStatic:
		return "static"
	case torchsem.DimAuto:
		return "Dim.AUTO (dynamic unless the code specialises it)"
	case torchsem.DimDynamic:
		return "dynamic (Dim.DYNAMIC: export fails if the code specialises it)"
	case torchsem.DimUnknown:
		return "unknown (exportdb cannot read this axis's declaration: it is not written out literally)"
	case torchsem.DimDerived:
		expr := fmt.Sprintf("%q", dd.Name)
		if dd.Mult != 1 {
			expr = fmt.Sprintf("%d * %s", dd.Mult, expr)
		}
		if dd.Add > 0 {
			expr += fmt.Sprintf(" + %d", dd.Add)
		} else if dd.Add < 0 {
			expr += fmt.Sprintf(" - %d", -dd.Add)
		}
		if b := bounds(); b != "" {
			return fmt.Sprintf("dynamic %s (%s %s)", expr, dd.Name, b)
		}
		return "dynamic " + expr
	}
	s := fmt.Sprintf("dynamic %q", dd.Name)
	if b := bounds(); b != "" {
		s += " " + b
	}
	return s
}

// undeclaredModels returns the classes (qualified names) of the refs' roots that no
// declaration covers, in order of first appearance.
func undeclaredModels(prog *torchsem.Program, refs []torchsem.Ref, declsOf func(torchsem.Ref) []*torchsem.ExportDecl) []string {
	var out []string
	for _, r := range refs {
		if len(declsOf(r)) > 0 {
			continue
		}
		rf, fn := prog.Root(r.Root)
		if fn.Class == nil {
			continue
		}
		q := fn.Class.Name
		if rf.Module.Name != "" {
			q = rf.Module.Name + "." + q
		}
		if !slices.Contains(out, q) {
			out = append(out, q)
		}
	}
	return out
}

// howToDeclare says how to declare the dims of undeclared models, with the configuration
// entry for the first ref as an example, in the file the declare command would write.
func howToDeclare(prog *torchsem.Program, r torchsem.Ref, models []string, label string, cfg *config.Config) string {
	file, prefix := config.ExportdbTOML, ""
	if cfg != nil && filepath.Base(cfg.Path) == config.PyprojectTOML {
		file, prefix = config.PyprojectTOML, "tool.exportdb."
	}
	axis := int(r.Axis)
	if r.Of != torchsem.RefDim || axis < 0 {
		axis = 0
	}
	dim := "batch"
	switch {
	case axis == 0:
	case isIdentifier(label):
		dim = strings.ToLower(label) // the name the code gives the size
	default:
		dim = "d" + fmt.Sprint(axis)
	}
	return fmt.Sprintf("Declare which dims are dynamic at a `torch.export.export(..., dynamic_shapes=...)` call in the project, "+
		"or, if you export elsewhere, in %s (the code lens \"Declare dynamic dims…\" above the class writes it):\n\n"+
		"```toml\n[%sdynamic-shapes.%q]\n%s = { %d = %q }\n```", file, prefix, models[0], paramName(prog, r), axis, dim)
}

// isIdentifier reports whether s is an ASCII Python identifier (a dim name the configuration
// and Dim() accept as written).
func isIdentifier(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
