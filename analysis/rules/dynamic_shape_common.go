package rules

// The family file of the shape rules (dynamic_shape_*, list_contains, scalar_output,
// static_for_loop, static_if): what they call a size derived from an input's shape.

import (
	"bytes"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
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
