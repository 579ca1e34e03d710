package analysis

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

func parseFile(t *testing.T, src string) *File {
	t.Helper()
	p := syntax.NewParser()
	defer p.Close()
	f, err := Parse(context.Background(), p, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestSuppressions(t *testing.T) {
	rule := &Rule{Name: "dynamic_shape_round", Run: func(p *Pass) {
		for _, c := range p.File.Nodes(syntax.KindCall) {
			if p.File.CallName(c) == "round" {
				p.Reportf(c, Fails, "round")
			}
		}
	}}
	src := `a = round(1)  # exportdb: ignore[dynamic_shape_round]
# exportdb: ignore
b = round(2)
c = round(3)  # exportdb: ignore[torch_sym_min]
d = round(4)
e = 1  # exportdb: ignore
`
	f := parseFile(t, src)
	res := Analyze(context.Background(), f, []*Rule{rule}, Options{})
	var got []string
	for _, fd := range res.Findings {
		got = append(got, f.Tree.String(f.Tree.NodeAt(fd.Start))+":"+fd.Case)
	}
	// round(3) and round(4) stay; the torch_sym_min suppression and the bare one on e are unused
	line := func(fd Finding) int { return f.Line(fd.Start) + 1 }
	var summary []string
	for _, fd := range res.Findings {
		summary = append(summary, fd.Case+"@"+string(rune('0'+line(fd))))
	}
	if strings.Join(summary, " ") != "dynamic_shape_round@4 unused_suppression@4 dynamic_shape_round@5 unused_suppression@6" {
		t.Errorf("findings: %v (%v)", summary, got)
	}
	fileLevel := parseFile(t, "# exportdb: ignore-file[dynamic_shape_round]\nx = round(1)\n")
	if res := Analyze(context.Background(), fileLevel, []*Rule{rule}, Options{}); len(res.Findings) != 0 {
		t.Errorf("ignore-file left %v", res.Findings)
	}
}

func TestBadInput(t *testing.T) {
	p := syntax.NewParser()
	defer p.Close()
	for name, src := range map[string][]byte{
		"invalid utf-8": []byte("x = '\xff'\n"),
		"nul":           []byte("x = 1\x00\n"),
		"too large":     make([]byte, syntax.MaxSourceSize+1),
	} {
		if _, err := Parse(context.Background(), p, src); err == nil {
			t.Errorf("%s: no error", name)
		} else if _, ok := err.(*FileError); !ok {
			t.Errorf("%s: error %T is not a *FileError", name, err)
		}
	}
	// nesting deeper than syntax.MaxDepth is a file error at the first node past the limit
	deep := "x = " + strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000) + "\n"
	_, err := Parse(context.Background(), p, []byte(deep))
	if fe, ok := err.(*FileError); !ok || fe.Reason != "too deeply nested: depth 5004, limit 4000" || fe.Offset != 4000 {
		t.Errorf("5,000 nested parentheses: %v", err)
	}
	// nesting up to the limit and syntax errors: no panic, analysis completes
	nested := "x = " + strings.Repeat("(", 3000) + "1" + strings.Repeat(")", 3000) + "\n" + "def f(:\n    return round(x.shape[0] / 2)\n"
	f, err := Parse(context.Background(), p, []byte(nested))
	if err != nil {
		t.Fatal(err)
	}
	Analyze(context.Background(), f, nil, Options{})
}

func TestOptionsEnabled(t *testing.T) {
	cases := []struct {
		opts Options
		name string
		want bool
	}{
		{Options{}, "cond_operands", true},
		{Options{Select: []string{"torch.cond"}}, "cond_operands", true},
		{Options{Select: []string{"torch.cond"}}, "dynamic_shape_round", false},
		{Options{Ignore: []string{"torch.cond"}}, "cond_operands", false},
		{Options{Select: []string{"cond_operands"}, Ignore: []string{"torch.cond"}}, "cond_operands", true},
		{Options{Select: []string{"torch.cond"}, Ignore: []string{"cond_operands"}}, "cond_operands", false},
		{Options{Ignore: []string{"unsupported_operator"}}, "torch_sym_min", false},
	}
	for _, c := range cases {
		if got := c.opts.Enabled(c.name); got != c.want {
			t.Errorf("%+v Enabled(%s) = %v, want %v", c.opts, c.name, got, c.want)
		}
	}
}

// TestSortFindingsIsStable: sortFindings orders findings as a stable sort by start, end
// and case does: on random findings with many equal keys (told apart by their messages),
// on sorted and reversed ones, and on none or one.
func TestSortFindingsIsStable(t *testing.T) {
	stable := func(fs []Finding) {
		slices.SortStableFunc(fs, func(a, b Finding) int {
			if a.Start != b.Start {
				return a.Start - b.Start
			}
			if a.End != b.End {
				return a.End - b.End
			}
			return strings.Compare(a.Case, b.Case)
		})
	}
	rng := rand.New(rand.NewPCG(7, 13))
	cases := []string{"dynamic_shape_round", "cond_predicate", "list_contains"}
	random := func(n, spread int) []Finding {
		fs := make([]Finding, n)
		for i := range fs {
			start := rng.IntN(spread)
			fs[i] = Finding{Case: cases[rng.IntN(len(cases))], Start: start, End: start + rng.IntN(3),
				Message: fmt.Sprintf("finding %d", i), Related: []Related{{Message: fmt.Sprint(i)}}}
		}
		return fs
	}
	inputs := map[string][]Finding{"none": nil, "one": random(1, 5), "two equal": {{Case: "a", Message: "1"}, {Case: "a", Message: "2"}}}
	for _, n := range []int{2, 3, 20, 21, 64, 337, 1000} {
		inputs[fmt.Sprintf("%d random", n)] = random(n, n/4+1)
		inputs[fmt.Sprintf("%d spread", n)] = random(n, 10*n)
	}
	sorted := random(200, 50)
	stable(sorted)
	inputs["sorted"] = sorted
	inputs["reversed"] = slices.Clone(sorted)
	slices.Reverse(inputs["reversed"])
	for name, in := range inputs {
		want := slices.Clone(in)
		stable(want)
		got := slices.Clone(in)
		sortFindings(got)
		for i := range want {
			if got[i].Message != want[i].Message || got[i].Start != want[i].Start || got[i].Case != want[i].Case ||
				!slices.EqualFunc(got[i].Related, want[i].Related, func(a, b Related) bool { return a.Message == b.Message }) {
				t.Errorf("%s: finding %d is %q at %d, want %q at %d", name, i, got[i].Message, got[i].Start, want[i].Message, want[i].Start)
				break
			}
		}
	}
}

// BenchmarkSortFindings sorts 400 findings in the order of a file's rules: each rule's in
// source order, the rules one after another (what Analyze sorts at every keystroke). 34 µs
// against 108 µs for a stable sort of the findings themselves (2 cores, stop 33).
func BenchmarkSortFindings(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	var in []Finding
	for r := range 20 {
		at := 0
		for i := range 20 {
			at += rng.IntN(500)
			in = append(in, Finding{Case: fmt.Sprintf("rule_%d", r), Start: at, End: at + 10, Message: fmt.Sprint(i),
				Fixes: []Fix{{Title: "fix"}}})
		}
	}
	fs := make([]Finding, len(in))
	b.ReportAllocs()
	for b.Loop() {
		copy(fs, in)
		sortFindings(fs)
	}
}
