package rules

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
)

// TestNarrowDimFixEditsTheExportCall: an assert that holds for part of the declared range
// offers a fix in the export script, another file than the finding's: the Dim(...) it
// rewrites is the one the export call declares, and the result narrows its min.
func TestNarrowDimFixEditsTheExportCall(t *testing.T) {
	ms := analyzeArchive(t, filepath.Join("testdata", "dynamic_shape_assert.dims.txtar"), []*analysis.Rule{DynamicShapeAssert})
	var fixes []analysis.Fix
	for _, m := range ms {
		for _, fd := range m.res.Findings {
			if strings.HasPrefix(fd.Message, "assert W >= 64") {
				fixes = fd.Fixes
			}
		}
	}
	if len(fixes) != 1 {
		t.Fatalf("fixes %+v, want one", fixes)
	}
	fx := fixes[0]
	if !fx.Elsewhere() || fx.Path != "export.py" || fx.Safety != analysis.Unsafe {
		t.Fatalf("fix %q in %q (%v), want an unsafe fix of export.py", fx.Title, fx.Path, fx.Safety)
	}
	out, err := analysis.ApplyEdits(fx.Src, fx.Edits)
	if err != nil {
		t.Fatal(err)
	}
	if want := `w = Dim("w", min=64, max=512)`; !strings.Contains(string(out), want) {
		t.Errorf("export.py after the fix:\n%s\nwant a line %s", out, want)
	}
	if !strings.Contains(fx.Title, `declare Dim("w", min=32, max=512) as Dim("w", min=64, max=512) at export.py:8`) {
		t.Errorf("title %q", fx.Title)
	}
}
