package pysem

import (
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

func TestConditions(t *testing.T) {
	f := parseFile(t, `def f(x, ys):
    if x > 0:
        y = 1
    elif x < -1:
        y = 2
    while x:
        x -= 1
    assert x == 0, "msg"
    z = 1 if ys else 2
    w = [v for v in ys if v]

    def g(a):
        if a:
            return a
    return g
`)
	fn := f.Funcs[0]
	var got []string
	f.Conditions(fn, func(c Condition) {
		got = append(got, c.What(f.Tree)+":"+f.Tree.String(c.Test))
		if b := c.Body(f.Tree); b != NoNode && f.Tree.Kind(b) != syntax.KindBlock {
			t.Errorf("%s: body is a %v", c.What(f.Tree), f.Tree.Kind(b))
		}
	})
	want := "if:x > 0 elif:x < -1 while:x assert:x == 0 conditional expression:ys comprehension if:v"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("Conditions:\n%s\nwant\n%s", g, want)
	}
	for marker, want := range map[string]string{
		"x > |0":    "if",
		"y = |1":    "", // a body
		`, |"msg"`:  "", // an assert's message
		"if |ys":    "conditional expression",
		"x < -|1":   "elif",
		"z = |1 if": "", // an arm
		"ys if |v]": "comprehension if",
	} {
		before, _, _ := strings.Cut(marker, "|")
		n := f.Tree.NodeAt(strings.Index(string(f.Src), strings.ReplaceAll(marker, "|", "")) + len(before))
		got := ""
		if c, ok := ConditionOf(f.Tree, n); ok {
			got = c.What(f.Tree)
		}
		if got != want {
			t.Errorf("ConditionOf(%s) = %q, want %q", marker, got, want)
		}
	}
}
