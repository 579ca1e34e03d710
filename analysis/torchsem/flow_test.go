package torchsem

import (
	"strconv"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
)

// flowSource rebinds module names from one export to the next, as scripts, notebooks and
// files of concatenated examples do.
const flowSource = `import torch
from torch.export import export


class A(torch.nn.Module):
    def forward(self, x):
        return x + 1


class B(torch.nn.Module):
    def forward(self, x):
        return x * 2


class C(torch.nn.Module):
    def forward(self, x):
        return x - 1


x = torch.randn(4)
a_in = x
model = A()
ep = export(model, (x,))
x = 3
b_in = x
model = B()
ep = export(model, (x,))
if flag:
    x = 2.5
either = x
if __name__ == "__main__":
    model = C()
    x = torch.ones(2)
    ep = export(model, (x,))
    main_in = x
`

// TestModuleReadsSeeTheirKiller: a module-level read sees the bindings from the last
// statement name = value before it on, in a block around it.
func TestModuleReadsSeeTheirKiller(t *testing.T) {
	f := parseFile(t, flowSource)
	_ = f.Program()
	read := func(marker string) Value {
		t.Helper()
		n := nodeAt(t, f, marker, "x")
		return f.Value(f.Owner(n), n)
	}
	for _, tc := range []struct {
		marker string
		want   Kind
	}{
		{"a_in = ", Tensor},
		{"b_in = ", Const},
		{"either = ", Const | Float}, // a branch may have bound it since
		{"main_in = ", Tensor},       // the main block's own x
	} {
		if v := read(tc.marker); v.Kind&(Tensor|Const|Float) != tc.want {
			t.Errorf("x read at %q: %v, want the kinds %v", tc.marker, v, Value{Kind: tc.want})
		}
	}
}

// TestFlowSplitsComponents: statements that rebind a module name join only the reads
// their binding reaches, so each export block is a component of its own; a read in a
// function, or a name a function declares global, joins every binding again.
func TestFlowSplitsComponents(t *testing.T) {
	mod := pysem.Module{Name: "m"}
	comps := func(src string) (*File, []int32) {
		base := NewProgram(nil)
		f := base.ReplaceFrom(nil, parsed(t, src, mod))
		f = base.ReplaceFrom(f, edited(t, f, "return x + 1", "return x + 2"))
		return f, f.initMemos().comps
	}
	// unit returns the unit holding the first text after marker
	unit := func(f *File, at [2]string) int {
		t.Helper()
		return f.initMemos().units.unitOf(nodeAt(t, f, at[0], at[1]))
	}
	together := func(f *File, comps []int32, a, b [2]string) bool {
		t.Helper()
		return comps[unit(f, a)] == comps[unit(f, b)]
	}
	classA, classB, classC := [2]string{"class A", "A"}, [2]string{"class B", "B"}, [2]string{"class C", "C"}
	f, c := comps(flowSource)
	for _, tc := range []struct {
		a, b   [2]string
		joined bool
	}{
		{classA, [2]string{"model = A()", "ep"}, true},
		{classA, classB, false},
		{[2]string{"", "torch.randn(4)"}, [2]string{"x = 3", "3"}, false},
		{classB, [2]string{"", "B()"}, true},
		{classC, classB, false},
		{classC, [2]string{"", "flag"}, false},
		// the read after the branch takes its x and the x bound before it
		{[2]string{"", "either"}, [2]string{"", "flag"}, true},
		{[2]string{"", "either"}, [2]string{"x = 3", "3"}, true},
		{[2]string{"", "either"}, [2]string{"", "torch.randn(4)"}, false},
	} {
		if got := together(f, c, tc.a, tc.b); got != tc.joined {
			t.Errorf("%q and %q in one component: %v, want %v", tc.a[1], tc.b[1], got, tc.joined)
		}
	}
	for _, open := range []string{
		"\n\ndef later():\n    return model\n",                  // read where any binding may reach
		"\n\ndef reset():\n    global model\n    model = C()\n", // bound by whoever calls reset
		"\n\nif flag:\n    from zoo import model\n",             // bound by an import: reads take every binding
	} {
		f, c := comps(flowSource + open)
		if !together(f, c, classA, classB) {
			t.Errorf("with %q the classes bound to model stay apart", strings.TrimSpace(open))
		}
	}
}

// TestFlowFollowsEdits: an edit that makes a name's reads take every binding (a function
// declaring it global), or no longer, re-links every unit mentioning it: a read kept with its unit holds
// what linking the text whole finds, and the components after each edit join what the
// text's own graph joins.
func TestFlowFollowsEdits(t *testing.T) {
	mod := pysem.Module{Name: "m"}
	base := NewProgram(nil)
	f := base.ReplaceFrom(nil, parsed(t, flowSource+"\n\ndef reset():\n    return 0\n", mod))
	partition := func(f *File) string {
		t.Helper()
		g := newUnitGraph(f.File, nil)
		_, comps := affectedUnits(g, 0, 0, g, 0, 0, nil)
		return canonical(comps)
	}
	for i, e := range []struct{ from, to string }{
		{"return x + 1", "return x + 3"},
		{"    return 0", "    global x\n    x = 0"}, // x's reads now take every binding
		{"return x + 3", "return x + 4"},
		{"    global x\n    x = 0", "    return 0"}, // and no longer
		{"return x + 4", "return x + 5"},
		{"model = B()", "model = B(); model = A()"}, // a statement that kills nothing
		{"model = B(); model = A()", "model = A()"},
	} {
		// what a read of x at module level holds (kept with its unit when the edit keeps
		// it), as linking the text whole finds it
		given := func(f *File) string {
			n := nodeAt(t, f, "a_in = ", "x")
			return f.Value(nil, n).String()
		}
		prev := f
		given(prev)
		f = base.ReplaceFrom(prev, edited(t, prev, e.from, e.to))
		whole := NewProgram(nil).ReplaceFrom(nil, parsed(t, string(f.Src), mod))
		if got, want := given(f), given(whole); got != want {
			t.Errorf("edit %d (%q -> %q): a_in = x reads %s, linked whole %s", i, e.from, e.to, got, want)
		}
		um := f.initMemos()
		if um.comps == nil {
			continue // linked whole
		}
		// the components ReplaceFrom found join at least what the new text's own graph joins
		got, want := um.comps, partition(f)
		if !coarser(got, want) {
			t.Errorf("edit %d (%q -> %q): components %s, finer than the text's own %s", i, e.from, e.to, canonical(got), want)
		}
	}
}

// canonical writes a partition as each unit's first unit of its component.
func canonical(comps []int32) string {
	first := map[int32]int{}
	var b strings.Builder
	for i, c := range comps {
		if _, ok := first[c]; !ok {
			first[c] = i
		}
		b.WriteString(strconv.Itoa(first[c]) + " ")
	}
	return b.String()
}

// coarser reports whether partition got joins every two units that the canonical
// partition want joins.
func coarser(got []int32, want string) bool {
	w := strings.Fields(want)
	for i := range w {
		j, _ := strconv.Atoi(w[i])
		if got[i] != got[j] {
			return false
		}
	}
	return true
}

// TestModuleScopeReadsForNoFunction: the module's names are computed once, inside the
// evaluation of whichever traced function reads one first; the functions the module's
// statements call do not count that function as their reader. It did, joining it to
// units the graph keeps apart, and ReplaceFrom then kept nothing of the file.
func TestModuleScopeReadsForNoFunction(t *testing.T) {
	const src = `import torch
from torch.export import export


class A(torch.nn.Module):
    def forward(self, x):
        return x + SCALE


class B(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.k = 2

    def forward(self, x):
        return x * self.k


SCALE = 2
if __name__ == "__main__":
    m = B()
    print(m)
ep = export(A(), (torch.randn(2),))
`
	mod := pysem.Module{Name: "m"}
	base := NewProgram(nil)
	f := base.ReplaceFrom(nil, parsed(t, src, mod))
	for i, e := range []struct{ from, to string }{
		{"return x + SCALE", "return x + SCALE + 0"},
		{"return x + SCALE + 0", "return x + SCALE"},
	} {
		f = base.ReplaceFrom(f, edited(t, f, e.from, e.to))
		if f.Kept() < 2 {
			t.Errorf("edit %d kept %d functions, want B's two", i, f.Kept())
		}
	}
}
