package rules

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
)

// TestModuleStateInForwardLeavesAttrMutation: an assignment to self.attr in forward is
// model_attr_mutation's finding; no line gets a finding of both rules.
func TestModuleStateInForwardLeavesAttrMutation(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "module_state_in_forward.py"))
	if err != nil {
		t.Fatal(err)
	}
	f, res := analyzeFile(t, src, []*analysis.Rule{ModelAttrMutation, ModuleStateInForward}, analysis.Options{})
	lines := map[int]string{}
	mam := 0
	for _, fd := range res.Findings {
		l := f.Line(fd.Start)
		if other, dup := lines[l]; dup && other != fd.Case {
			t.Errorf("line %d: reported by %s and %s", l+1, other, fd.Case)
		}
		lines[l] = fd.Case
		if fd.Case == "model_attr_mutation" {
			mam++
		}
	}
	if mam < 3 {
		t.Errorf("model_attr_mutation reports %d lines of AttrMutationOwned, want 3", mam)
	}
}
