package rules

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// Generated shapes of code, each repeated n times: deep (nested n levels) or long (n
// statements, elements or definitions). BenchmarkShapes times every rule on each at two
// sizes: a shape whose time per byte grows with n is super-linear. They were found by
// generating inputs like these; each was quadratic or worse before the fix its comment
// names.

const shapeHeader = "import torch\nimport torch.nn as nn\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.lin = nn.Linear(2, 2)\n    def forward(self, x):\n"

func inForward(body string) string { return shapeHeader + body + "        return x\n" }

var shapes = []struct {
	name string
	gen  func(n int) string
}{
	// deep
	{"nested lambdas", func(n int) string { return inForward("        f = " + strings.Repeat("lambda: ", n) + "x\n") }}, // QualName
	{"chained calls", func(n int) string { return inForward("        y = x" + strings.Repeat("()", n) + "\n") }},
	{"conditional chain", func(n int) string {
		return inForward("        y = " + strings.Repeat("x if x.item() else ", n) + "x\n") // tvOutsideExport
	}},
	{"class chain", func(n int) string { // Lineage, resolveModules
		var b strings.Builder
		b.WriteString("import torch\nclass C0(torch.nn.Module):\n    def forward(self, x):\n        return self.lin(x)\n")
		for i := 1; i < n; i++ {
			fmt.Fprintf(&b, "class C%d(C%d):\n    def forward(self, x):\n        self.a = x\n        return self.helper(x)\n", i, i-1)
		}
		return b.String()
	}},
	// long
	{"shape variables", func(n int) string { // condAssignsTo in udvDDSOp
		return inForward(strings.Repeat("        b = x.shape[0]\n        y = x.view(b, -1)\n", n))
	}},
	{"clone and mutate", func(n int) string { // uimBinds
		return inForward(strings.Repeat("        x = x.clone()\n        x.add_(1)\n", n))
	}},
	{"item and branch", func(n int) string { // condAssignsTo in tvNameIsTensor
		return inForward(strings.Repeat("        y = x.item()\n        if y > 0:\n            x = x + 1\n", n))
	}},
	{"item and check", func(n int) string { // NamesIn in constrainItemOf
		return inForward(strings.Repeat("        v = x.item()\n        torch._check(v > 0)\n        y = torch.zeros(v)\n", n))
	}},
	{"attribute writes", func(n int) string { // mamLocalFix, grpDExportGuarded
		return inForward(strings.Repeat("        self.a = x\n", n))
	}},
	{"global writes", func(n int) string { // condLeftMentions in python_side_effect
		return "COUNT = 0\n" + inForward(strings.Repeat("        global COUNT\n        COUNT += 1\n", n))
	}},
	{"cond calls", func(n int) string {
		return inForward(strings.Repeat("        x = torch.cond(x.sum() > 0, lambda y: y + 1, lambda y: y - 1, (x,))\n", n))
	}},
	{"long list", func(n int) string { return inForward("        y = [" + strings.Repeat("x.item(), ", n) + "]\n") }},
}

// BenchmarkShapes parses and runs every rule on each generated shape at n and 4n.
func BenchmarkShapes(b *testing.B) {
	rules := All()
	for _, s := range shapes {
		for _, n := range []int{500, 2000} {
			src := []byte(s.gen(n))
			b.Run(fmt.Sprintf("%s/n=%d", s.name, n), func(b *testing.B) {
				p := syntax.NewParser()
				defer p.Close()
				b.SetBytes(int64(len(src)))
				for i := 0; i < b.N; i++ {
					f, err := analysis.Parse(context.Background(), p, src)
					if err != nil {
						b.Fatal(err)
					}
					analysis.Analyze(context.Background(), f, rules, analysis.Options{MinSeverity: analysis.Off})
				}
			})
		}
	}
}

// TestIssue16Shapes: the shapes of issue 16. 1,600 nested lambdas (valid Python) are
// analysed and every function's qualified name stays short (each was 1,600 names long,
// built in cubic time); 5,000 nested lambdas and 80,000 chained calls (which CPython
// refuses to compile) are file errors, not minutes of analysis.
func TestIssue16Shapes(t *testing.T) {
	p := syntax.NewParser()
	defer p.Close()
	f, err := analysis.Parse(context.Background(), p, []byte(shapes[0].gen(1600)))
	if err != nil {
		t.Fatal(err)
	}
	analysis.Analyze(context.Background(), f, All(), analysis.Options{})
	traced := 0
	for _, fn := range f.Funcs {
		if f.Traced(fn) && fn.Parent != nil {
			traced++
		}
		if q := fn.QualName(); strings.Count(q, ".") > 8 { // 8 names and "…"
			t.Fatalf("QualName of a nested lambda has %d names: %.80s...", strings.Count(q, ".")+1, q)
		}
	}
	if traced != 1600 {
		t.Errorf("%d nested lambdas traced, want all 1600 (export traces what forward defines)", traced)
	}
	for _, src := range []string{shapes[0].gen(5000), shapes[1].gen(80000)} {
		_, err := analysis.Parse(context.Background(), p, []byte(src))
		if fe, ok := err.(*analysis.FileError); !ok || !strings.HasPrefix(fe.Reason, "too deeply nested") {
			t.Errorf("%.40s...: %v, want a too deeply nested file error", src[len(shapeHeader):], err)
		}
	}
}

// FuzzDeepExpressions builds expressions from the fuzzer's choice of wrappers (unary and
// not operators, parentheses, calls, subscripts, attributes, conditional expressions,
// lambdas, sums, lists, comprehensions), nested up to past syntax.MaxDepth and repeated
// into long lists and statement runs, and analyses them with every rule: the file is
// analysed or refused with a *FileError, never a crash, a panic or a tree deeper than the
// limit.
func FuzzDeepExpressions(f *testing.F) {
	f.Add([]byte{0}, uint16(4000), uint16(1))     // ----x (issue 16: 4 million of them crashed)
	f.Add([]byte{8}, uint16(3000), uint16(1))     // x+x+...
	f.Add([]byte{4}, uint16(2000), uint16(1))     // x if x.item() else ...
	f.Add([]byte{6}, uint16(1600), uint16(1))     // nested lambdas
	f.Add([]byte{3, 5}, uint16(1000), uint16(50)) // x()[0]()... repeated
	f.Add([]byte{9, 2, 7}, uint16(300), uint16(300))
	rules := All()
	wrappers := [][2]string{
		{"-", ""}, {"not ", ""}, {"(", ")"}, {"", "()"}, {"x if x.item() else ", ""}, {"", "[0]"},
		{"lambda: ", ""}, {"[", "]"}, {"", "+x"}, {"f(", ")"}, {"", ".a"}, {"[", " for a in b]"},
	}
	f.Fuzz(func(t *testing.T, choice []byte, depth, width uint16) {
		if len(choice) == 0 || depth > syntax.MaxDepth+200 || width > 2000 || int(depth)*int(width) > 1<<20 {
			return
		}
		var pre, post strings.Builder
		for i := 0; i < int(depth); i++ {
			w := wrappers[int(choice[i%len(choice)])%len(wrappers)]
			pre.WriteString(w[0])
			post.WriteString(w[1])
		}
		expr := pre.String() + "x" + post.String()
		src := inForward("        y = [" + strings.Repeat(expr+", ", int(width)) + "]\n")
		p := syntax.NewParser()
		defer p.Close()
		file, err := analysis.Parse(context.Background(), p, []byte(src))
		if err != nil {
			if _, ok := err.(*analysis.FileError); !ok {
				t.Fatalf("error %v is not a FileError", err)
			}
			return
		}
		if file.Tree.Depth() > syntax.MaxDepth {
			t.Fatalf("depth %d accepted", file.Tree.Depth())
		}
		res := analysis.Analyze(context.Background(), file, rules, analysis.Options{MinSeverity: analysis.Off})
		for _, e := range res.RuleErrors {
			t.Fatalf("rule %s panicked: %s\n%s", e.Rule, e.Panic, e.Stack)
		}
	})
}
