package rules

import (
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

const constrainTargetsSrc = `import torch


class M(torch.nn.Module):
    def forward(self, x, counts):
        a = x.item()
        torch._constrain_as_size(a, min=0, max=5)
        k = counts[0].item()
        torch._check_is_size(k)
        n = counts[1].item()
        level = counts[2].item()
        torch._constrain_as_value(level, min=1, max=9)
        if level > 3:
            x = x * 2
        return torch.zeros((a, 5)), torch.ones(k), torch.empty(n, 2), x
`

// constrainFinding returns the only finding whose message contains substr.
func constrainFinding(t *testing.T, res analysis.Result, substr string) analysis.Finding {
	t.Helper()
	var got []analysis.Finding
	for _, fd := range res.Findings {
		if strings.Contains(fd.Message, substr) {
			got = append(got, fd)
		}
	}
	if len(got) != 1 {
		t.Fatalf("%d findings match %q, want 1: %+v", len(got), substr, res.Findings)
	}
	return got[0]
}

// constrainFixed applies a finding's only fix and returns the result.
func constrainFixed(t *testing.T, fd analysis.Finding, safety analysis.Safety) string {
	t.Helper()
	if len(fd.Fixes) != 1 || fd.Fixes[0].Safety != safety {
		t.Fatalf("%s: got fixes %+v, want one %s fix", fd.Message, fd.Fixes, safety)
	}
	out, err := analysis.ApplyEdits([]byte(constrainTargetsSrc), fd.Fixes[0].Edits)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestConstrainTargets checks the version-dependent findings and fixes of
// constrain_as_size_example and constrain_as_value_example that the fixtures (at the newest
// target) do not cover.
func TestConstrainTargets(t *testing.T) {
	rules := []*analysis.Rule{ConstrainAsSizeExample, ConstrainAsValueExample}
	src := []byte(constrainTargetsSrc)

	t.Run("2.3", func(t *testing.T) {
		_, res := analyzeFile(t, src, rules, analysis.Options{Target: catalog.MustParseVersion("2.3")})
		// before 2.4, torch._constrain_as_value still exists: a deprecated hint
		fd := constrainFinding(t, res, "torch._constrain_as_value is deprecated")
		if fd.Severity != analysis.Hint || !fd.Deprecated {
			t.Errorf("constrain_as_value at 2.3: severity %s deprecated %v, want hint, deprecated", fd.Severity, fd.Deprecated)
		}
		out := constrainFixed(t, fd, analysis.Safe)
		if !strings.Contains(out, "        torch._check(level >= 1)\n        torch._check(level <= 9)\n") {
			t.Errorf("constrain_as_value fix:\n%s", out)
		}
	})

	t.Run("2.10", func(t *testing.T) {
		_, res := analyzeFile(t, src, rules, analysis.Options{Target: catalog.MustParseVersion("2.10")})
		if fd := constrainFinding(t, res, "torch._constrain_as_value was removed"); fd.Severity != analysis.Error {
			t.Errorf("constrain_as_value at 2.10: severity %s, want error", fd.Severity)
		}
		// before 2.11, torch._check_is_size is the supported form: hover only, no fix
		fd := constrainFinding(t, res, "torch._check_is_size tells export that k is a size")
		if fd.Severity != analysis.Off || fd.Deprecated || len(fd.Fixes) != 0 {
			t.Errorf("check_is_size at 2.10: %+v, want off, not deprecated, no fix", fd)
		}
		// the lower bound of a size stays torch._check_is_size for these targets
		fd = constrainFinding(t, res, "torch._constrain_as_size is deprecated")
		out := constrainFixed(t, fd, analysis.Safe)
		if !strings.Contains(out, "        torch._check_is_size(a)\n        torch._check(a <= 5)\n") {
			t.Errorf("constrain_as_size fix at 2.10:\n%s", out)
		}
		fd = constrainFinding(t, res, "value n = counts[1].item() is used as a size")
		if fd.Severity != analysis.Information {
			t.Errorf("unchecked size at 2.10: severity %s, want information", fd.Severity)
		}
		out = constrainFixed(t, fd, analysis.Safe)
		if !strings.Contains(out, "        n = counts[1].item()\n        torch._check_is_size(n)\n") {
			t.Errorf("insert fix at 2.10:\n%s", out)
		}
	})

	t.Run("2.11", func(t *testing.T) {
		_, res := analyzeFile(t, src, rules, analysis.Options{Target: catalog.MustParseVersion("2.11")})
		fd := constrainFinding(t, res, "torch._check_is_size is deprecated from torch 2.11")
		if fd.Severity != analysis.Hint || !fd.Deprecated {
			t.Errorf("check_is_size at 2.11: severity %s deprecated %v, want hint, deprecated", fd.Severity, fd.Deprecated)
		}
		if out := constrainFixed(t, fd, analysis.Safe); !strings.Contains(out, "        torch._check(k >= 0)\n        n =") {
			t.Errorf("check_is_size fix at 2.11:\n%s", out)
		}
		fd = constrainFinding(t, res, "torch._constrain_as_size is deprecated")
		if out := constrainFixed(t, fd, analysis.Safe); !strings.Contains(out, "        torch._check(a >= 0)\n        torch._check(a <= 5)\n") {
			t.Errorf("constrain_as_size fix at 2.11:\n%s", out)
		}
		fd = constrainFinding(t, res, "value n = counts[1].item() is used as a size")
		if out := constrainFixed(t, fd, analysis.Safe); !strings.Contains(out, "        n = counts[1].item()\n        torch._check(n >= 0)\n") {
			t.Errorf("insert fix at 2.11:\n%s", out)
		}
	})
}

// TestConstrainInsertFixPlacement: the inserted bound goes on its own line after the
// assignment, keeps a trailing comment in place, and is not offered when the assignment
// shares its line with other code.
func TestConstrainInsertFixPlacement(t *testing.T) {
	src := []byte(`import torch as T


class M(T.nn.Module):
    def forward(self, x, y):
        n = x.item()  # the row count
        a = y.item(); b = T.zeros(a)
        if n > 0: c = y.item()
        return T.zeros(n, 2), b, T.ones(c)
`)
	_, res := analyzeFile(t, src, []*analysis.Rule{ConstrainAsSizeExample}, analysis.Options{})
	fixes := map[string]int{}
	for _, fd := range res.Findings {
		for _, fx := range fd.Fixes {
			out, err := analysis.ApplyEdits(src, fx.Edits)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(out), "        n = x.item()  # the row count\n        T._check(n >= 0)\n") {
				t.Errorf("%s:\n%s", fx.Title, out)
			}
		}
		fixes[fd.Message[:strings.Index(fd.Message, " is used")]] = len(fd.Fixes)
	}
	want := map[string]int{"value n = x.item()": 1, "value a = y.item()": 0, "value c = y.item()": 0}
	for k, v := range want {
		if got, ok := fixes[k]; !ok || got != v {
			t.Errorf("%s: %d fixes (found %v), want %d", k, got, ok, v)
		}
	}
}
