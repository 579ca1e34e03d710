package rules

import (
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// TestTorchSymMinTargets checks the version split of torch_sym_min: an error with the
// min() fix before 2.12, hover only and no fix from 2.12.
func TestTorchSymMinTargets(t *testing.T) {
	src := []byte(`import torch as T


class M(T.nn.Module):
    def forward(self, x):
        return x.sum() + T.sym_min(x.size(0), 100)
`)
	for _, tc := range []struct {
		target string
		sev    analysis.Severity
		fixed  string // the fixed line, or "" for no fix
	}{
		{"2.2", analysis.Error, "return x.sum() + min(x.size(0), 100)"},
		{"2.11", analysis.Error, "return x.sum() + min(x.size(0), 100)"},
		{"2.12", analysis.Off, ""},
		{"2.13", analysis.Off, ""},
	} {
		t.Run(tc.target, func(t *testing.T) {
			_, res := analyzeFile(t, src, []*analysis.Rule{TorchSymMin}, analysis.Options{Target: catalog.MustParseVersion(tc.target)})
			if len(res.Findings) != 1 {
				t.Fatalf("got %d findings, want 1: %+v", len(res.Findings), res.Findings)
			}
			fd := res.Findings[0]
			if fd.Severity != tc.sev {
				t.Errorf("severity %s, want %s (%s)", fd.Severity, tc.sev, fd.Message)
			}
			if tc.fixed == "" {
				if len(fd.Fixes) != 0 {
					t.Errorf("got fixes %+v, want none", fd.Fixes)
				}
				return
			}
			if len(fd.Fixes) != 1 || fd.Fixes[0].Safety != analysis.Safe {
				t.Fatalf("got fixes %+v, want one safe fix", fd.Fixes)
			}
			out, err := analysis.ApplyEdits(src, fd.Fixes[0].Edits)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(out), tc.fixed) {
				t.Errorf("fixed source lacks %q:\n%s", tc.fixed, out)
			}
		})
	}
}
