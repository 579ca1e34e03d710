package pysem

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

var (
	scopeRE = regexp.MustCompile(`#.*\bscope: ([^#]*?)(?:\s+free:|$)`)
	freeRE  = regexp.MustCompile(`\bfree: ([^#]*)$`)
)

// TestScopes reads testdata/scopes.py: "# scope:" lists what the def on its line binds
// (the module's on line 3), "# free:" its closure variables as name@binder ("-": none).
func TestScopes(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "scopes.py"))
	if err != nil {
		t.Fatal(err)
	}
	f := parseFile(t, string(src))
	checked := 0
	for i, line := range strings.Split(string(src), "\n") {
		m := scopeRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		var fn *Function
		for _, g := range f.Funcs {
			if f.Line(f.Tree.Start(g.Node)) == i {
				fn = g
			}
		}
		if fn == nil && i != 2 {
			t.Fatalf("line %d: no def", i+1)
		}
		checked++
		want := splitNames(m[1])
		s := f.Scope(fn)
		var got []string
		for name := range s.bindings {
			got = append(got, name)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("line %d: scope binds %v, want %v", i+1, got, want)
		}
		fm := freeRE.FindStringSubmatch(line)
		if fm == nil {
			continue
		}
		var free []string
		for _, v := range f.FreeVars(fn) {
			free = append(free, v.Name+"@"+v.Scope.Name)
			if !f.Tree.TextIs(v.ID, v.Name) || !f.Tree.Contains(fn.Node, v.ID) {
				t.Errorf("line %d: free var %s: ID %q is not a use in the function", i+1, v.Name, f.Tree.String(v.ID))
			}
		}
		slices.Sort(free)
		if wantFree := splitNames(fm[1]); !slices.Equal(free, wantFree) {
			t.Errorf("line %d: free vars %v, want %v", i+1, free, wantFree)
		}
	}
	if checked < 8 {
		t.Errorf("only %d expectations checked", checked)
	}
}

func splitNames(s string) []string {
	var out []string
	for _, n := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		if n != "-" {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

func TestBinder(t *testing.T) {
	f := parseFile(t, `x = 1
y = 2


def outer(a):
    y = 3

    def inner():
        global x
        return x + y + a + len([])
    return inner
`)
	inner := f.Funcs[1]
	for name, want := range map[string]string{"x": "", "y": "outer", "a": "outer", "len": "", "inner": "outer"} {
		got := ""
		if b := f.Binder(inner, name); b != nil {
			got = b.Name
		}
		if got != want {
			t.Errorf("Binder(inner, %s) = %q, want %q", name, got, want)
		}
	}
	if id, s := f.OnlyBinding(inner, "y"); s == nil || s.Name != "outer" || AssignedValue(f.Tree, id) == NoNode || f.Tree.String(AssignedValue(f.Tree, id)) != "3" {
		t.Errorf("OnlyBinding(inner, y) = %v in %v", id, s)
	}
	if id, _ := f.OnlyBinding(inner, "a"); id != NoNode || AssignedValue(f.Tree, id) != NoNode {
		t.Error("OnlyBinding of a parameter")
	}
	if id, s := f.OnlyBinding(nil, "x"); s != nil || f.Tree.String(AssignedValue(f.Tree, id)) != "1" {
		t.Error("OnlyBinding(module, x)")
	}
}

// TestBindingAndRead: every identifier of the source is a binding (B), a read (R), both
// (an augmented assignment's target: X), or neither (-), as the marks below the line say.
func TestBindingAndRead(t *testing.T) {
	for _, tc := range []struct{ src, marks string }{
		{"a = b", "B R"},
		{"a, (b, *c) = d", "B B B R"},
		{"a[i] = b.c", "R R R -"},
		{"a.b = c", "R - R"},
		{"a += b", "X R"},
		{"for i, j in k: pass", "B B R"},
		{"x = [y for y in z if y]", "B R B R R"},
		{"del a, b[i]", "B R R"},
		{"with a as (b, c): pass", "R B B"},
		{"import a.b as c", "- - B"},
		{"import a.b", "B -"},
		{"from a.b import c, d as e", "- - B - B"},
		{"def f(a, b=c, *d, e: T = g, **h): pass", "B B B R B B R R B"},
		{"lambda a, *b: a", "B B R"},
		{"class C(B, metaclass=M): pass", "B R - R"},
		{"f(a, key=b)", "R R - R"},
		{"global g", "-"},
		{"if (n := m): pass", "B R"},
		{"try:\n pass\nexcept E as e:\n pass", "R B"},
	} {
		f := parseFile(t, tc.src)
		var got []string
		for _, id := range f.Nodes(syntax.KindIdentifier) {
			b, r := IsBinding(f.Tree, id), IsRead(f.Tree, id)
			switch {
			case b && r:
				got = append(got, "X")
			case b:
				got = append(got, "B")
			case r:
				got = append(got, "R")
			default:
				got = append(got, "-")
			}
		}
		if g := strings.Join(got, " "); g != tc.marks {
			t.Errorf("%q: %s, want %s", tc.src, g, tc.marks)
		}
	}
}

func TestBindsName(t *testing.T) {
	f := parseFile(t, "a, (b, *c) = d\nx[i] = 1\n")
	assigns := f.Nodes(syntax.KindAssignment)
	left := f.Tree.Field(assigns[0], syntax.FieldLeft)
	for name, want := range map[string]bool{"a": true, "b": true, "c": true, "d": false} {
		if BindsName(f.Tree, left, name) != want {
			t.Errorf("BindsName(%s) != %v", name, want)
		}
	}
	if BindsName(f.Tree, f.Tree.Field(assigns[1], syntax.FieldLeft), "x") {
		t.Error("x[i] = 1 binds x")
	}
}
