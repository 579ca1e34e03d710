package pysem

import (
	"strconv"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// IntLiteral returns the value of an integer literal, possibly negated (-3), in
// parentheses or not.
func IntLiteral(t *syntax.Tree, n NodeID) (int64, bool) {
	n = t.Unparen(n)
	neg := false
	if t.Kind(n) == syntax.KindUnaryOperator && t.Operator(n) == "-" {
		neg = true
		n = t.Unparen(t.Field(n, syntax.FieldArgument))
	}
	if t.Kind(n) != syntax.KindInteger {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(t.String(n), "_", ""), 0, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// StringLiteral returns the value of a plain string literal: quoted with ' or ", no
// prefix, no escape sequence, no interpolation, on one line.
func StringLiteral(t *syntax.Tree, n NodeID) (string, bool) {
	n = t.Unparen(n)
	if t.Kind(n) != syntax.KindString {
		return "", false
	}
	s := t.String(n)
	if len(s) < 2 || (s[0] != '"' && s[0] != '\'') || s[len(s)-1] != s[0] || strings.HasPrefix(s, `"""`) || strings.HasPrefix(s, `'''`) {
		return "", false
	}
	v := s[1 : len(s)-1]
	if strings.ContainsAny(v, "\\\n") || strings.ContainsRune(v, rune(s[0])) {
		return "", false
	}
	return v, true
}

// HasInterpolation reports whether string literal n interpolates values (an f-string with
// {...} fields).
func HasInterpolation(t *syntax.Tree, n NodeID) bool {
	has := false
	t.Children(n, func(c NodeID) bool {
		has = t.Kind(c) == syntax.KindInterpolation
		return !has
	})
	return has
}

// BoundValue returns e without its parentheses or, when e is a name that the scope it
// refers to (inside fn) binds once, by a plain assignment before e, the assigned value,
// followed through further such names. A name bound several times is followed through the
// plain assignment that reaches e, when one surely does (ReachingBinding).
func (f *File) BoundValue(fn *Function, e NodeID) NodeID {
	t := f.Tree
	for depth := 0; depth < 8; depth++ {
		e = t.Unparen(e)
		if t.Kind(e) != syntax.KindIdentifier {
			return e
		}
		id, scope := f.ReachingBinding(fn, t.String(e), e)
		v := AssignedValue(t, id)
		if v == NoNode || scope == fn && t.End(t.Parent(id)) > t.Start(e) {
			return e
		}
		e, fn = v, scope
	}
	return e
}

// scalarTypes are the annotations of plain Python scalars.
var scalarTypes = map[string]bool{
	"int": true, "float": true, "bool": true, "str": true, "complex": true,
	"Optional[int]": true, "Optional[float]": true, "Optional[bool]": true, "Optional[str]": true,
	"int | None": true, "float | None": true, "bool | None": true, "str | None": true,
}

// ScalarParam reports whether parameter p holds a plain Python scalar (which nothing can
// change in place): it is annotated int, float, bool, str or complex (Optional or not), or,
// without an annotation, defaults to such a literal.
func (f *File) ScalarParam(p *Param) bool {
	t := f.Tree
	if p.Type != NoNode {
		return scalarTypes[strings.Join(strings.Fields(t.String(p.Type)), " ")]
	}
	if p.Default == NoNode {
		return false
	}
	d := t.Unparen(p.Default)
	if t.Kind(d) == syntax.KindUnaryOperator {
		d = t.Unparen(t.Field(d, syntax.FieldArgument))
	}
	switch t.Kind(d) {
	case syntax.KindInteger, syntax.KindFloat, syntax.KindTrue, syntax.KindFalse, syntax.KindString, syntax.KindConcatenatedString:
		return true
	}
	return false
}
