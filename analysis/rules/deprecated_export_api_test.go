package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// deaAbsent marks a message that must not be reported at a target.
const deaAbsent = analysis.Severity(-1)

// deaOnly returns the findings of one case.
func deaOnly(res analysis.Result, name string) []analysis.Finding {
	var out []analysis.Finding
	for _, fd := range res.Findings {
		if fd.Case == name {
			out = append(out, fd)
		}
	}
	return out
}

// TestDeprecatedExportAPITargets checks what the fixture (at the newest target) does not:
// severities before the removals, and that every finding is marked deprecated.
func TestDeprecatedExportAPITargets(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "deprecated_export_api.py"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		target string
		want   map[string]analysis.Severity // message substring -> severity; absent: not reported
	}{
		{"2.2", map[string]analysis.Severity{
			"constraints= is deprecated":              analysis.Information,
			"torch.export.dynamic_dim is deprecated":  analysis.Information,
			"torch._constrain_as_value is deprecated": analysis.Hint,
			"torch._constrain_as_size is deprecated":  analysis.Hint,
			"torch._check_is_size":                    deaAbsent,
			"internal API":                            analysis.Information,
		}},
		{"2.3", map[string]analysis.Severity{
			"no longer accepts constraints=":          analysis.Error,
			"torch._constrain_as_value is deprecated": analysis.Hint,
		}},
		{"2.11", map[string]analysis.Severity{
			"was removed in torch 2.4": analysis.Error,
			"torch._check_is_size":     analysis.Hint,
		}},
	} {
		_, res := analyzeFile(t, src, []*analysis.Rule{DeprecatedExportAPI}, analysis.Options{Target: catalog.MustParseVersion(tc.target)})
		found := deaOnly(res, "deprecated_export_api")
		for _, fd := range found {
			if !fd.Deprecated {
				t.Errorf("%s: %q is not marked deprecated", tc.target, fd.Message)
			}
		}
		for sub, sev := range tc.want {
			n := 0
			for _, fd := range found {
				if strings.Contains(fd.Message, sub) {
					n++
					if fd.Severity != sev {
						t.Errorf("%s: %q: severity %s, want %s", tc.target, fd.Message, fd.Severity, sev)
					}
				}
			}
			if (n == 0) != (sev == deaAbsent) {
				t.Errorf("%s: %d findings match %q", tc.target, n, sub)
			}
		}
	}
}

// TestDeprecatedExportAPIOneRulePerCall: the constraint APIs in traced code are the seed
// rules' findings, outside it this rule's; no call gets both.
func TestDeprecatedExportAPIOneRulePerCall(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "deprecated_export_api.py"))
	if err != nil {
		t.Fatal(err)
	}
	rules := []*analysis.Rule{ConstrainAsSizeExample, ConstrainAsValueExample, DeprecatedExportAPI}
	f, res := analyzeFile(t, src, rules, analysis.Options{Target: catalog.MustParseVersion("2.11")})
	byStart := map[int]string{}
	seed := 0
	for _, fd := range res.Findings {
		if !fd.Deprecated {
			continue
		}
		if other, dup := byStart[fd.Start]; dup && other != fd.Case {
			t.Errorf("line %d: reported by %s and %s", f.Line(fd.Start)+1, other, fd.Case)
		}
		byStart[fd.Start] = fd.Case
		if fd.Case != "deprecated_export_api" {
			seed++
		}
	}
	if seed == 0 {
		t.Error("the seed rules report nothing in traced code; the fixture lost its traced call")
	}
}

// TestDeprecatedExportAPIDropsImport: when constraints= holds every use of dynamic_dim, the
// fix also removes it from its import.
func TestDeprecatedExportAPIDropsImport(t *testing.T) {
	const src = `import torch
from torch.export import dynamic_dim, export


class M(torch.nn.Module):
    def forward(self, x):
        return x + 1


def main():
    x = torch.randn(4, 8)
    return export(M(), (x,), constraints=[dynamic_dim(x, 0) <= 16])
`
	const want = `import torch
from torch.export import export


class M(torch.nn.Module):
    def forward(self, x):
        return x + 1


def main():
    x = torch.randn(4, 8)
    return export(M(), (x,), dynamic_shapes={"x": {0: torch.export.Dim("x_dim0", max=16)}})
`
	_, res := analyzeFile(t, []byte(src), []*analysis.Rule{DeprecatedExportAPI}, analysis.Options{})
	found := deaOnly(res, "deprecated_export_api")
	if len(found) != 1 || len(found[0].Fixes) != 1 || found[0].Fixes[0].Safety != analysis.Safe {
		t.Fatalf("findings %+v, want one with one safe fix", found)
	}
	out, err := analysis.ApplyEdits([]byte(src), found[0].Fixes[0].Edits)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != want {
		t.Errorf("fixed:\n%s\nwant:\n%s", out, want)
	}
}
