package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
)

// TestLineEndings (issue 16): every rule fixture with "\r\n" and with lone "\r" line
// endings (CPython reads both) gets the findings of its "\n" version on the same lines,
// and every fix writes its new lines with the file's ending: the multi-line fixes of
// optional_input, constrain_as_size_example, constrain_as_value_example and
// unchecked_data_dependent_value inserted "\n" lines into "\r\n" files, and a file of lone
// "\r" endings got no finding at all.
func TestLineEndings(t *testing.T) {
	for _, r := range All() {
		if r.Run == nil {
			continue
		}
		src, err := os.ReadFile(filepath.Join("testdata", r.Name+".py"))
		if err != nil {
			t.Fatal(err)
		}
		lf := strings.ReplaceAll(string(src), "\r\n", "\n")
		opts := fixtureOptions(t, lf)
		base, want := analyzeFile(t, []byte(lf), []*analysis.Rule{r}, opts)
		for _, nl := range []string{"\r\n", "\r"} {
			text := strings.ReplaceAll(lf, "\n", nl)
			f, got := analyzeFile(t, []byte(text), []*analysis.Rule{r}, opts)
			if len(got.Findings) != len(want.Findings) {
				t.Errorf("%s with %q endings: %d findings, want %d", r.Name, nl, len(got.Findings), len(want.Findings))
				continue
			}
			if f.Tree.Newline() != nl {
				t.Errorf("%s: Newline() = %q, want %q", r.Name, f.Tree.Newline(), nl)
			}
			for i, fd := range got.Findings {
				w := want.Findings[i]
				if fd.Case != w.Case || f.Line(fd.Start) != base.Line(w.Start) || fd.Message != w.Message {
					t.Errorf("%s with %q endings: finding %d is %s on line %d, want %s on line %d", r.Name, nl, i, fd.Case, f.Line(fd.Start)+1, w.Case, base.Line(w.Start)+1)
				}
				for _, fx := range fd.Fixes {
					for _, e := range fx.Edits {
						if bad := strings.ReplaceAll(e.NewText, nl, ""); strings.ContainsAny(bad, "\r\n") {
							t.Errorf("%s with %q endings: fix %q writes %q", r.Name, nl, fx.Title, e.NewText)
						}
					}
					out, err := analysis.ApplyEdits([]byte(text), fx.Edits)
					if err != nil {
						t.Fatalf("%s: %v", r.Name, err)
					}
					if mixed := strings.ReplaceAll(string(out), nl, ""); strings.ContainsAny(mixed, "\r\n") && !strings.ContainsAny(strings.ReplaceAll(text, nl, ""), "\r\n") {
						t.Errorf("%s with %q endings: fix %q leaves mixed line endings", r.Name, nl, fx.Title)
					}
				}
			}
		}
	}
}
