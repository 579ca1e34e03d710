package analysis

import "testing"

// TestApplyEdits covers how a fix's edits combine: in position order whatever their order
// in the fix, an insertion before a replacement that starts where it inserts, identical
// edits applied once, and overlaps refused.
func TestApplyEdits(t *testing.T) {
	src := []byte("from functorch import cond\nx = cond(p, a, b)\n")
	for _, tc := range []struct {
		name  string
		edits []Edit
		want  string
		err   bool
	}{
		{"in position order", []Edit{{Start: 31, End: 35, NewText: "torch.cond"}, {Start: 0, End: 26, NewText: "import torch"}},
			"import torch\nx = torch.cond(p, a, b)\n", false},
		{"insertion at a replacement's start", []Edit{{Start: 0, End: 27, NewText: ""}, {Start: 0, End: 0, NewText: "import torch\n"}, {Start: 31, End: 35, NewText: "torch.cond"}},
			"import torch\nx = torch.cond(p, a, b)\n", false},
		{"two insertions keep their order", []Edit{{Start: 0, End: 0, NewText: "a\n"}, {Start: 0, End: 0, NewText: "b\n"}},
			"a\nb\n" + string(src), false},
		{"identical edits once", []Edit{{Start: 31, End: 35, NewText: "c"}, {Start: 31, End: 35, NewText: "c"}},
			"from functorch import cond\nx = c(p, a, b)\n", false},
		{"overlap", []Edit{{Start: 0, End: 10, NewText: ""}, {Start: 5, End: 12, NewText: ""}}, "", true},
		{"outside", []Edit{{Start: 40, End: 60, NewText: ""}}, "", true},
	} {
		got, err := ApplyEdits(src, tc.edits)
		if tc.err {
			if err == nil {
				t.Errorf("%s: no error; got %q", tc.name, got)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

// TestSortEdits: an insertion sorts before a replacement at the same offset, and edits at
// different offsets sort by offset.
func TestSortEdits(t *testing.T) {
	e := []Edit{{Start: 5, End: 9}, {Start: 0, End: 4}, {Start: 0, End: 0, NewText: "i"}}
	SortEdits(e)
	if e[0] != (Edit{Start: 0, End: 0, NewText: "i"}) || e[1].End != 4 || e[2].Start != 5 {
		t.Errorf("sorted: %+v", e)
	}
}
