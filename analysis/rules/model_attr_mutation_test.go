package rules

import (
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

const mamVersionSrc = `import torch
from torch import nn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.attr_list = [torch.randn(3, 2), torch.randn(3, 2)]
        self.state = torch.zeros(3, 2)

    def forward(self, x):
        self.attr_list = [x, x]
        self.state = self.state + x
        return x.sum() + self.attr_list[0].sum() + self.state
`

// TestModelAttrMutationVersions: an error up to 2.9 (export fails), then a warning for a
// tensor attribute that should be a buffer and information for other attributes.
func TestModelAttrMutationVersions(t *testing.T) {
	type want struct {
		sev     analysis.Severity
		msg     string
		fixes   []string
		related bool
	}
	for _, tc := range []struct {
		target string
		list   want
		state  want
	}{
		{"2.2",
			want{analysis.Error, "before 2.10 fails", []string{"replace self.attr_list with a local variable in forward"}, false},
			want{analysis.Error, "before 2.10 fails", []string{"register self.state as a buffer"}, true}},
		{"2.9",
			want{analysis.Error, "before 2.10 fails", []string{"replace self.attr_list with a local variable in forward"}, false},
			want{analysis.Error, "before 2.10 fails", []string{"register self.state as a buffer"}, true}},
		{"2.10",
			want{analysis.Information, "does not replay", []string{"replace self.attr_list with a local variable in forward"}, false},
			want{analysis.Warning, "registered buffer", []string{"register self.state as a buffer"}, true}},
		{"2.13",
			want{analysis.Information, "does not replay", []string{"replace self.attr_list with a local variable in forward"}, false},
			want{analysis.Warning, "registered buffer", []string{"register self.state as a buffer"}, true}},
	} {
		_, res := analyzeFile(t, []byte(mamVersionSrc), []*analysis.Rule{ModelAttrMutation}, analysis.Options{Target: catalog.MustParseVersion(tc.target)})
		got := map[string]analysis.Finding{}
		for _, fd := range res.Findings {
			switch {
			case strings.Contains(fd.Message, "self.attr_list"):
				got["list"] = fd
			case strings.Contains(fd.Message, "self.state"):
				got["state"] = fd
			default:
				t.Errorf("%s: unexpected finding %q", tc.target, fd.Message)
			}
		}
		for name, w := range map[string]want{"list": tc.list, "state": tc.state} {
			fd, ok := got[name]
			if !ok {
				t.Errorf("%s: no finding for %s", tc.target, name)
				continue
			}
			if fd.Severity != w.sev || !strings.Contains(fd.Message, w.msg) {
				t.Errorf("%s %s: got %s %q, want %s containing %q", tc.target, name, fd.Severity, fd.Message, w.sev, w.msg)
			}
			if len(fd.Fixes) != len(w.fixes) {
				t.Errorf("%s %s: %d fixes, want %d", tc.target, name, len(fd.Fixes), len(w.fixes))
			}
			for i := range w.fixes {
				if i < len(fd.Fixes) && !strings.HasPrefix(fd.Fixes[i].Title, w.fixes[i]) {
					t.Errorf("%s %s: fix %q, want %q", tc.target, name, fd.Fixes[i].Title, w.fixes[i])
				}
			}
			if (len(fd.Related) > 0) != w.related {
				t.Errorf("%s %s: related %v, want %v", tc.target, name, fd.Related, w.related)
			}
		}
		if s := got["state"]; len(s.Fixes) == 1 && s.Fixes[0].Safety != analysis.Unsafe {
			t.Errorf("%s: buffer fix must be unsafe", tc.target)
		}
		if l := got["list"]; len(l.Fixes) == 1 && l.Fixes[0].Safety != analysis.Safe {
			t.Errorf("%s: local-variable fix must be safe", tc.target)
		}
		if s := got["state"]; len(s.Related) == 1 && !strings.Contains(mamVersionSrc[s.Related[0].Start:s.Related[0].End], "self.state = torch.zeros") {
			t.Errorf("%s: related at %q, want the __init__ assignment", tc.target, mamVersionSrc[s.Related[0].Start:s.Related[0].End])
		}
	}
}

// TestModelAttrMutationInPlaceBuffer: `self.buf += x` on a registered buffer fails up to 2.9
// (the store back into the attribute) and is only recognised (off) from 2.10.
func TestModelAttrMutationInPlaceBuffer(t *testing.T) {
	src := []byte(`import torch


class M(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("buf", torch.zeros(3))

    def forward(self, x):
        self.buf += x
        return self.buf
`)
	for target, want := range map[string]analysis.Severity{"2.2": analysis.Error, "2.9": analysis.Error, "2.10": analysis.Off, "2.13": analysis.Off} {
		_, res := analyzeFile(t, src, []*analysis.Rule{ModelAttrMutation}, analysis.Options{Target: catalog.MustParseVersion(target)})
		if len(res.Findings) != 1 || res.Findings[0].Severity != want || len(res.Findings[0].Fixes) != 0 {
			t.Errorf("%s: got %v, want one %s finding without fixes", target, res.Findings, want)
		}
	}
}

// checkSeedSeverities analyses the catalog example of rule's case at each target and checks that
// every finding of the case has the wanted severity (and that there is at least one).
func checkSeedSeverities(t *testing.T, rule *analysis.Rule, want map[string]analysis.Severity) {
	t.Helper()
	k, ok := catalog.Default().Lookup(rule.Name)
	if !ok {
		t.Fatalf("no catalog case %s", rule.Name)
	}
	for target, sev := range want {
		_, res := analyzeFile(t, []byte(k.Example), []*analysis.Rule{rule}, analysis.Options{Target: catalog.MustParseVersion(target)})
		if len(res.Findings) == 0 {
			t.Errorf("%s at %s: seed example not recognised", rule.Name, target)
		}
		for _, fd := range res.Findings {
			if fd.Severity != sev {
				t.Errorf("%s at %s: %s %q, want %s", rule.Name, target, fd.Severity, fd.Message, sev)
			}
		}
	}
}

func TestModelAttrMutationSeed(t *testing.T) {
	checkSeedSeverities(t, ModelAttrMutation, map[string]analysis.Severity{
		"2.2": analysis.Error, "2.9": analysis.Error, "2.10": analysis.Information, "2.13": analysis.Information,
	})
}
