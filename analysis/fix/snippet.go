// Package fix builds what rules attach to findings: edits (how a file names torch, torch.nn
// and Dim, importing them when it does not: Importer; statement and line edits) and short
// renderings of code for messages.
//
// Everything here is about text: what a rewrite looks like and where it goes. Whether a
// rewrite is right is the rule's question, answered by the semantic model (pysem, torchsem).
package fix

import (
	"strings"
	"unicode/utf8"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// Snippet returns n's source on one line (runs of white space made one space), cut to 48
// bytes with "..." for a message; "" for NoNode.
func Snippet(t *syntax.Tree, n analysis.NodeID) string { return oneLine(t, n, 48) }

// Short is Snippet cut to 40 bytes: for names of branches, predicates and operands that a
// message quotes beside other code.
func Short(t *syntax.Tree, n analysis.NodeID) string { return oneLine(t, n, 40) }

func oneLine(t *syntax.Tree, n analysis.NodeID, max int) string {
	if n == analysis.NoNode {
		return ""
	}
	return Clip(strings.Join(strings.Fields(t.String(n)), " "), max)
}

// Clip returns s, or its first max-3 bytes and "..." when it is longer than max; it never
// cuts a UTF-8 sequence.
func Clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max - 3
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// List renders names as "x", "x and y" or "x, y and z" ("" for none).
func List(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// Operand returns n's text ready to be the operand of an operator or the receiver of a
// method: as written when it is atomic (a name, a call, an attribute, a subscript, a
// literal number, parenthesised code), in parentheses otherwise.
func Operand(t *syntax.Tree, n analysis.NodeID) string {
	switch t.Kind(n) {
	case syntax.KindIdentifier, syntax.KindInteger, syntax.KindFloat, syntax.KindAttribute, syntax.KindCall,
		syntax.KindSubscript, syntax.KindParenthesizedExpression:
		return t.String(n)
	}
	return "(" + t.String(n) + ")"
}

// QuoteLike writes v as a string literal with the quote character of the string literal
// lit (single or double).
func QuoteLike(t *syntax.Tree, lit analysis.NodeID, v string) string {
	q := "\""
	if txt := t.Text(t.Unparen(lit)); len(txt) > 0 && txt[0] == '\'' {
		q = "'"
	}
	return q + v + q
}
