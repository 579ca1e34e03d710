package syntax

import (
	"context"
	"strings"
	"testing"
)

// dump renders named nodes as an s-expression with fields, the shape tree-sitter prints.
func dump(t *Tree, n NodeID, sb *strings.Builder) {
	if f := t.FieldOf(n); f != FieldNone {
		sb.WriteString(f.String() + ": ")
	}
	sb.WriteString("(" + t.Kind(n).String())
	t.Children(n, func(c NodeID) bool {
		if t.IsNamed(c) {
			sb.WriteString(" ")
			dump(t, c, sb)
		}
		return true
	})
	sb.WriteString(")")
}

func parse(t *testing.T, src string) *Tree {
	t.Helper()
	p := NewParser()
	defer p.Close()
	d, err := p.Parse(context.Background(), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return d.Tree()
}

func TestFlattenShapeAndFields(t *testing.T) {
	tr := parse(t, "x = f(a, b=1)\n")
	var sb strings.Builder
	dump(tr, tr.Root(), &sb)
	want := "(module (expression_statement (assignment left: (identifier) right: (call function: (identifier) arguments: (argument_list (identifier) (keyword_argument name: (identifier) value: (integer)))))))"
	if sb.String() != want {
		t.Fatalf("got  %s\nwant %s", sb.String(), want)
	}
	call := tr.NodeAt(strings.Index("x = f(a, b=1)\n", "f"))
	if tr.Kind(call) != KindIdentifier || tr.Kind(tr.Parent(call)) != KindCall {
		t.Fatalf("NodeAt: %v under %v", tr.Kind(call), tr.Kind(tr.Parent(call)))
	}
	if got := tr.Operator(tr.Field(tr.NamedChild(tr.NamedChild(tr.Root(), 0), 0), FieldRight)); got != "" {
		t.Fatalf("call has no operator token before children, got %q", got)
	}
}

func TestErrorNodesAreFlagged(t *testing.T) {
	tr := parse(t, "def f(:\n    return 1\n")
	if !tr.HasError(tr.Root()) {
		t.Fatal("root of a broken file must report an error")
	}
	n := 0
	for i := NodeID(0); int(i) < tr.Len(); i++ {
		if tr.IsError(i) {
			n++
		}
	}
	if n == 0 {
		t.Fatal("no ERROR or MISSING node found")
	}
}

func TestIncrementalReparseMatchesFresh(t *testing.T) {
	p := NewParser()
	defer p.Close()
	src := []byte("class M:\n    def forward(self, x):\n        return x + 1\n")
	d, err := p.Parse(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	// insert "2" after "1", then replace "x + " with "y * "
	edits := []struct {
		start, oldEnd int
		text          string
	}{{len(src) - 1, len(src) - 1, "2"}, {strings.Index(string(src), "x + "), strings.Index(string(src), "x + ") + 4, "y * "}}
	cur := src
	for _, e := range edits {
		next := []byte(string(cur[:e.start]) + e.text + string(cur[e.oldEnd:]))
		d, err = p.Reparse(context.Background(), d, [][]byte{cur}, []Edit{{Start: e.start, OldEnd: e.oldEnd, NewEnd: e.start + len(e.text)}}, next)
		if err != nil {
			t.Fatal(err)
		}
		cur = next
	}
	fresh := parse(t, string(cur))
	var a, b strings.Builder
	dump(d.Tree(), 0, &a)
	dump(fresh, 0, &b)
	if a.String() != b.String() {
		t.Fatalf("incremental %s\nfresh       %s", a.String(), b.String())
	}
	if got := string(d.Tree().Source()); got != "class M:\n    def forward(self, x):\n        return y * 12\n" {
		t.Fatalf("source %q", got)
	}
	for i := NodeID(0); int(i) < d.Tree().Len(); i++ {
		if d.Tree().Start(i) != fresh.Start(i) || d.Tree().End(i) != fresh.End(i) {
			t.Fatalf("node %d range differs", i)
		}
	}
}

// TestNoNodeAccessors: the accessors rules chain through a missing field answer for NoNode
// instead of panicking (broken code leaves fields out).
func TestNoNodeAccessors(t *testing.T) {
	p := NewParser()
	defer p.Close()
	tr, err := p.ParseTree(context.Background(), []byte("x = (\n"))
	if err != nil {
		t.Fatal(err)
	}
	if k := tr.Kind(NoNode); k != KindOther {
		t.Errorf("Kind(NoNode) = %v", k)
	}
	if f := tr.Field(NoNode, FieldRight); f != NoNode {
		t.Errorf("Field(NoNode) = %v", f)
	}
	if tr.TextIs(NoNode, "") {
		t.Error("TextIs(NoNode) is true")
	}
	if tr.Kind(tr.Unparen(tr.Field(NoNode, FieldRight))) != KindOther {
		t.Error("chained accessors on NoNode")
	}
}
