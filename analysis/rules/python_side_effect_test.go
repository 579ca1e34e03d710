package rules

import (
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

const pseSample = `import torch
from torch import nn


class M(nn.Module):
    def forward(self, x):
        print("shape", x.shape)
        return x.relu()
`

// The print finding depends on the export mode, and its guard on the target version:
// is_exporting() from 2.7, is_compiling() for 2.3 to 2.6, none before.
func TestPythonSideEffectModesAndVersions(t *testing.T) {
	tests := []struct {
		target    string
		nonStrict bool
		severity  analysis.Severity
		guard     string // "" for no fix
	}{
		{"2.13", false, analysis.Error, "torch.compiler.is_exporting()"},
		{"2.13", true, analysis.Warning, "torch.compiler.is_exporting()"},
		{"2.7", false, analysis.Error, "torch.compiler.is_exporting()"},
		{"2.6", false, analysis.Error, "torch.compiler.is_compiling()"},
		{"2.3", true, analysis.Warning, "torch.compiler.is_compiling()"},
		{"2.2", false, analysis.Error, ""},
	}
	for _, tt := range tests {
		opts := analysis.Options{Target: catalog.MustParseVersion(tt.target), NonStrict: tt.nonStrict}
		_, res := analyzeFile(t, []byte(pseSample), []*analysis.Rule{PythonSideEffect}, opts)
		if len(res.Findings) != 1 {
			t.Fatalf("%s strict=%v: %d findings", tt.target, !tt.nonStrict, len(res.Findings))
		}
		fd := res.Findings[0]
		if fd.Severity != tt.severity {
			t.Errorf("%s strict=%v: severity %s, want %s (%s)", tt.target, !tt.nonStrict, fd.Severity, tt.severity, fd.Message)
		}
		switch {
		case tt.guard == "" && len(fd.Fixes) != 0:
			t.Errorf("%s: a fix where the target has no export guard: %q", tt.target, fd.Fixes[0].Title)
		case tt.guard != "" && (len(fd.Fixes) != 1 || !strings.Contains(fd.Fixes[0].Edits[0].NewText, "if not "+tt.guard+":")):
			t.Errorf("%s: fixes %+v, want a guard with %s", tt.target, fd.Fixes, tt.guard)
		case tt.guard != "" && fd.Fixes[0].Safety != analysis.Safe:
			t.Errorf("%s: the guard fix is not safe", tt.target)
		}
	}
}

// Data-dependent branching and host round trips fail in both modes.
func TestDataValueRulesFailInBothModes(t *testing.T) {
	src := []byte(`import torch
from torch import nn


class M(nn.Module):
    def forward(self, x, shape):
        rows, cols = shape.tolist()
        y = x.view(rows, cols)
        if y.sum() > 0:
            y = y * 2
        return y, x.numpy()
`)
	rules := []*analysis.Rule{DataDependentBranch, UncheckedDataDependentValue, HostRoundTrip}
	for _, nonStrict := range []bool{false, true} {
		_, res := analyzeFile(t, src, rules, analysis.Options{NonStrict: nonStrict})
		got := map[string]analysis.Severity{}
		for _, fd := range res.Findings {
			got[fd.Case] = fd.Severity
		}
		for _, r := range rules {
			if got[r.Name] != analysis.Error {
				t.Errorf("strict=%v: %s gives %v, want error (%v)", !nonStrict, r.Name, got[r.Name], got)
			}
		}
	}
}
