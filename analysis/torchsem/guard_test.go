package torchsem

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

var (
	guardRE = regexp.MustCompile(`#.*\bguard: (outside|while|none)`)
	truthRE = regexp.MustCompile(`#.*\btruth: ([^#]*?)(?:\s{2,}|$)`)
	runsRE  = regexp.MustCompile(`\b(runs|skipped)(?:: ([^#]*?))?(?:\s{2,}|$)`)
)

// TestGuards reads testdata/guards.py: "# guard: outside|while|none" states GuardOf the
// condition on its line, "# truth: CODE" (or "-") its TensorTruth, and "# runs" or
// "# skipped" (optionally ": CODE" for a sub-expression) whether the statement on the line
// runs while export traces.
func TestGuards(t *testing.T) {
	path := filepath.Join("testdata", "guards.py")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f := parseFile(t, string(src))
	tr := f.Tree
	checked := 0
	for i, line := range strings.Split(string(src), "\n") {
		hash := strings.Index(line, "#")
		if hash < 0 {
			continue
		}
		comment := line[hash:]
		stmt := statementOnLine(f, i)
		if m := guardRE.FindStringSubmatch(comment); m != nil {
			checked++
			want := map[string]Guard{"outside": OutsideExport, "while": WhileExporting, "none": NoGuard}[m[1]]
			if got := f.GuardOf(conditionOf(tr, stmt)); got != want {
				t.Errorf("line %d: GuardOf = %d, want %s", i+1, got, m[1])
			}
		}
		if m := truthRE.FindStringSubmatch(comment); m != nil {
			checked++
			got := "-"
			if n := f.TensorTruth(f.Owner(stmt), conditionOf(tr, stmt)); n != NoNode {
				got = tr.String(n)
			}
			if want := strings.TrimSpace(m[1]); got != want {
				t.Errorf("line %d: TensorTruth = %s, want %s", i+1, got, want)
			}
		}
		for _, m := range runsRE.FindAllStringSubmatch(comment, -1) {
			checked++
			n := stmt
			if m[2] != "" {
				n = nodeAt(t, f, line[:hash], strings.TrimSpace(m[2]))
			}
			if got := f.RunsWhileExporting(n); got != (m[1] == "runs") {
				t.Errorf("line %d: %q RunsWhileExporting = %v, want %s", i+1, tr.String(n), got, m[1])
			}
		}
	}
	if checked < 30 {
		t.Errorf("only %d expectations", checked)
	}
}

// statementOnLine returns the first statement starting on 0-based line l.
func statementOnLine(f *File, l int) NodeID {
	t := f.Tree
	for id := NodeID(0); int(id) < t.Len(); id++ {
		if p := t.Parent(id); p != NoNode && (t.Kind(p) == syntax.KindBlock || t.Kind(p) == syntax.KindModule) && f.Line(t.Start(id)) == l {
			return id
		}
	}
	for id := NodeID(0); int(id) < t.Len(); id++ {
		if t.Kind(id) == syntax.KindElifClause && f.Line(t.Start(id)) == l {
			return id
		}
	}
	return NoNode
}

// conditionOf returns the test of an if, elif or while statement.
func conditionOf(t *syntax.Tree, st NodeID) NodeID {
	return t.Field(st, syntax.FieldCondition)
}
