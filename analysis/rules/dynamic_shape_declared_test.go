package rules

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
)

// TestDeclaredDimFixesElsewhere: a finding in a layers package whose Dim is declared by an
// export script in another file carries fixes that edit that script (Path and Src set), and
// applying one gives the declaration the message names.
func TestDeclaredDimFixesElsewhere(t *testing.T) {
	for _, tc := range []struct {
		rule    *analysis.Rule
		archive string
		member  string // the file the finding is in
		want    []string
	}{
		{DynamicShapeDivisible, "dynamic_shape_divisible.project.txtar", "vit/layers/patch.py",
			[]string{`{2: 4 * Dim("h_4", min=8, max=256), 3: Dim("w", min=32, max=1024)}`, `{2: Dim("h", min=32, max=1024), 3: 4 * Dim("w_4", min=8, max=256)}`}},
		{DynamicShapeMinSize, "dynamic_shape_min_size.project.txtar", "net/layers/stem.py",
			[]string{`{2: Dim("h", min=19, max=512), 3: Dim("w", min=4, max=512)}`, `{2: Dim("h", min=4, max=512), 3: Dim("w", min=19, max=512)}`}},
	} {
		t.Run(tc.rule.Name, func(t *testing.T) {
			var got []string
			for _, m := range analyzeArchive(t, filepath.Join("testdata", tc.archive), []*analysis.Rule{tc.rule}) {
				for _, fd := range m.res.Findings {
					for _, fx := range fd.Fixes {
						if m.name != tc.member {
							t.Errorf("%s: unexpected fix %q", m.name, fx.Title)
							continue
						}
						got = append(got, exportLines(t, fx, func(line string) string {
							if i := strings.Index(line, "{2: "); i >= 0 && strings.Contains(line, "ep = export(") {
								return strings.TrimSuffix(line[i:], "})")
							}
							return ""
						})...)
					}
				}
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("fixed declarations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestDimsRelatedEveryScript: the related information of a finding whose dim two export
// scripts declare points at each script's Dim, though both lie at the same node index.
func TestDimsRelatedEveryScript(t *testing.T) {
	var related []string
	for _, m := range analyzeArchive(t, filepath.Join("testdata", "dynamic_shape_assert.two_scripts.txtar"), []*analysis.Rule{DynamicShapeAssert}) {
		for _, fd := range m.res.Findings {
			for _, r := range fd.Related {
				related = append(related, r.Path+": "+r.Message)
			}
		}
	}
	want := []string{
		`export_eval.py: x.shape[2] is declared dynamic here (Dim("h", min=32, max=512))`,
		`export_train.py: x.shape[2] is declared dynamic here (Dim("h", min=32, max=512))`,
	}
	if strings.Join(related, "\n") != strings.Join(want, "\n") {
		t.Errorf("related:\n%s\nwant:\n%s", strings.Join(related, "\n"), strings.Join(want, "\n"))
	}
}

// TestIfGuardNarrowFixes: a branch that splits a declared range offers to declare either
// side at the export call, in the script that declares the dim.
func TestIfGuardNarrowFixes(t *testing.T) {
	var got []string
	for _, m := range analyzeArchive(t, filepath.Join("testdata", "dynamic_shape_if_guard.ranges.txtar"), []*analysis.Rule{DynamicShapeIfGuard}) {
		for _, fd := range m.res.Findings {
			if !strings.Contains(fd.Message, "narrows") {
				continue
			}
			for _, fx := range fd.Fixes {
				got = append(got, exportLines(t, fx, func(line string) string {
					if strings.HasPrefix(line, "h = ") {
						return line
					}
					return ""
				})...)
			}
		}
	}
	want := []string{`h = Dim("h", min=65, max=512)`, `h = Dim("h", min=32, max=64)`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("declarations after the fixes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// exportLines applies fx, which must edit export.py, and returns what pick keeps of the
// lines of the result ("" drops a line).
func exportLines(t *testing.T, fx analysis.Fix, pick func(line string) string) []string {
	t.Helper()
	if fx.Path != "export.py" || len(fx.Src) == 0 || !fx.Elsewhere() {
		t.Errorf("fix %q edits %q, want export.py", fx.Title, fx.Path)
		return nil
	}
	out, err := analysis.ApplyEdits(fx.Src, fx.Edits)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.Split(string(out), "\n") {
		if s := pick(line); s != "" {
			kept = append(kept, s)
		}
	}
	return kept
}
