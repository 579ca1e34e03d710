package rules

import (
	"context"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

const oiVersionSrc = `import torch


class M(torch.nn.Module):
    def forward(self, x, y=torch.randn(2, 3)):
        """Only a docstring."""


class OneLine(torch.nn.Module):
    def forward(self, x, y=torch.ones(3)): return x + y
`

// TestOptionalInputVersions: an error up to 2.9 (export fails), information from 2.10
// (the default becomes a graph constant); the unsafe None-default fix at every version.
func TestOptionalInputVersions(t *testing.T) {
	for _, tc := range []struct {
		target string
		sev    analysis.Severity
		msg    string
	}{
		{"2.2", analysis.Error, "before 2.10 rejects it"},
		{"2.9", analysis.Error, "before 2.10 rejects it"},
		{"2.10", analysis.Information, "becomes a constant of the exported graph"},
		{"2.13", analysis.Information, "becomes a constant of the exported graph"},
	} {
		f, res := analyzeFile(t, []byte(oiVersionSrc), []*analysis.Rule{OptionalInput}, analysis.Options{Target: catalog.MustParseVersion(tc.target)})
		if len(res.Findings) != 2 {
			t.Fatalf("%s: %d findings, want 2: %v", tc.target, len(res.Findings), res.Findings)
		}
		for i, fd := range res.Findings {
			if fd.Severity != tc.sev || !strings.Contains(fd.Message, tc.msg) {
				t.Errorf("%s: got %s %q, want %s containing %q", tc.target, fd.Severity, fd.Message, tc.sev, tc.msg)
			}
			if i == 1 {
				if len(fd.Fixes) != 0 {
					t.Errorf("%s: a one-line forward got fix %q", tc.target, fd.Fixes[0].Title)
				}
				continue
			}
			if len(fd.Fixes) != 1 || fd.Fixes[0].Safety != analysis.Unsafe {
				t.Fatalf("%s: want one unsafe fix, got %v", tc.target, fd.Fixes)
			}
			out, err := analysis.ApplyEdits(f.Src, fd.Fixes[0].Edits)
			if err != nil {
				t.Fatal(err)
			}
			want := "    def forward(self, x, y=None):\n        \"\"\"Only a docstring.\"\"\"\n        if y is None:\n            y = torch.randn(2, 3)\n"
			if !strings.Contains(string(out), want) {
				t.Errorf("%s: fixed source lacks\n%s\ngot\n%s", tc.target, want, out)
			}
			p := syntax.NewParser()
			d, err := p.Parse(context.Background(), out)
			p.Close()
			if err != nil || d.Tree().HasError(d.Tree().Root()) {
				t.Errorf("%s: fix leaves invalid Python:\n%s", tc.target, out)
			}
		}
	}
}

func TestOptionalInputSeed(t *testing.T) {
	checkSeedSeverities(t, OptionalInput, map[string]analysis.Severity{
		"2.2": analysis.Error, "2.9": analysis.Error, "2.10": analysis.Information, "2.13": analysis.Information,
	})
}
