package fix

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// Statement returns the statement holding n: n or its ancestor whose parent is a block or
// the module.
func Statement(t *syntax.Tree, n analysis.NodeID) analysis.NodeID {
	for n != analysis.NoNode {
		p := t.Parent(n)
		if p == analysis.NoNode || t.Kind(p) == syntax.KindBlock || t.Kind(p) == syntax.KindModule {
			return n
		}
		n = p
	}
	return n
}

// StartsLine reports whether st begins its line after indentation only.
func StartsLine(f *analysis.File, st analysis.NodeID) bool {
	start := f.Tree.Start(st)
	return f.LineStart(f.Line(start))+len(f.Indent(start)) == start
}

// StatementLine returns the start of the line of statement st, and whether st has that
// line to itself: it begins the line (after indentation) and ends on it.
func StatementLine(f *analysis.File, st analysis.NodeID) (lineStart int, alone bool) {
	t := f.Tree
	start, end := t.Start(st), t.End(st)
	ls := f.LineStart(f.Line(start))
	if strings.TrimSpace(string(f.Src[ls:start])) != "" || f.Line(end) != f.Line(start) {
		return ls, false
	}
	return ls, true
}

// LineEnd returns the end of the line holding offset at (before its line break): where a
// statement can be inserted after that line. ok is false when the line continues with a
// backslash.
func LineEnd(f *analysis.File, at int) (end int, ok bool) {
	for at < len(f.Src) && f.Src[at] != '\n' {
		at++
	}
	if at > 0 && f.Src[at-1] == '\r' {
		at--
	}
	return at, !(at > 0 && f.Src[at-1] == '\\')
}

// DeleteStatement returns an edit deleting a simple statement: its whole line when the
// statement is alone on it, else just its text.
func DeleteStatement(f *analysis.File, st analysis.NodeID) analysis.Edit {
	t := f.Tree
	start, end := t.Start(st), t.End(st)
	ls := f.LineStart(f.Line(start))
	if strings.TrimSpace(string(f.Src[ls:start])) != "" {
		return analysis.Edit{Start: start, End: end}
	}
	e := end
	for e < len(f.Src) && (f.Src[e] == ' ' || f.Src[e] == '\t' || f.Src[e] == '\r') {
		e++
	}
	if e < len(f.Src) && f.Src[e] != '\n' {
		return analysis.Edit{Start: start, End: end}
	}
	if e < len(f.Src) {
		e++
	}
	return analysis.Edit{Start: ls, End: e}
}

// BodyEnd returns where a statement can be appended to the body of def fn (the end of the
// body's last line) and the body's indentation. ok is false for a body on the def's own
// line.
func BodyEnd(f *analysis.File, fn *analysis.Function) (at int, indent string, ok bool) {
	t := f.Tree
	stmts := t.NamedChildren(fn.Body, nil)
	if len(stmts) == 0 || f.Line(t.Start(stmts[0])) == f.Line(t.Start(fn.Node)) {
		return 0, "", false
	}
	at = t.End(stmts[len(stmts)-1])
	for at < len(f.Src) && f.Src[at] != '\n' {
		at++
	}
	return at, f.Indent(t.Start(stmts[0])), true
}

// IndentUnit is one level of indentation in code indented with indent: a tab when it
// holds one, four spaces otherwise.
func IndentUnit(indent string) string {
	if strings.Contains(indent, "\t") {
		return "\t"
	}
	return "    "
}

// NameUsed reports whether name is taken inside fn: an identifier of fn (nested functions
// included; attribute names and keyword-argument names aside) spells it, or a function
// visible from fn has it. A fix that introduces a local name picks one that is not.
func NameUsed(f *analysis.File, fn *analysis.Function, name string) bool {
	t := f.Tree
	for _, id := range f.NodesIn(fn, syntax.KindIdentifier) {
		if fo := t.FieldOf(id); fo == syntax.FieldAttribute || (fo == syntax.FieldName && t.Kind(t.Parent(id)) == syntax.KindKeywordArgument) {
			continue
		}
		if t.TextIs(id, name) {
			return true
		}
	}
	return f.LookupFunc(fn, name) != nil
}

// DeleteElement returns an edit deleting el, an element of a dict, list or call's
// arguments (not of a tuple, which it could leave without the comma that makes one of a
// single element), with its separating comma: the comma after it and the space up to what follows
// (the next element, or a comment, which stays), or, for the last element, the comma before
// it.
func DeleteElement(f *analysis.File, el analysis.NodeID) analysis.Edit {
	t := f.Tree
	prevEnd, after := -1, -1 // the end of the element before el; where what follows el's comma starts
	seen, comma := false, false
	t.Children(t.Parent(el), func(c analysis.NodeID) bool {
		switch {
		case c == el:
			seen = true
		case !seen:
			if t.IsNamed(c) && !t.IsComment(c) {
				prevEnd = t.End(c)
			}
		case !comma && t.TextIs(c, ","):
			comma = true
		case comma && t.IsNamed(c):
			after = t.Start(c)
			return false
		default:
			return false // the closing bracket
		}
		return true
	})
	switch {
	case after >= 0:
		return analysis.Edit{Start: t.Start(el), End: after}
	case prevEnd >= 0:
		return analysis.Edit{Start: prevEnd, End: t.End(el)}
	}
	return analysis.Edit{Start: t.Start(el), End: t.End(el)}
}
