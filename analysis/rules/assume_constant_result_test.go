package rules

import (
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// groupcSeed analyses the catalog example of case name with rule r at target v.
func groupcSeed(t *testing.T, name string, r *analysis.Rule, v catalog.Version) (*analysis.File, []analysis.Finding) {
	t.Helper()
	k, ok := catalog.Default().Lookup(name)
	if !ok {
		t.Fatalf("no catalog case %s", name)
	}
	f, res := analyzeFile(t, []byte(k.Example), []*analysis.Rule{r}, analysis.Options{Target: v})
	return f, res.Findings
}

// The seed examples of the Python features export inlines (and of the escape hatches)
// keep their severity at every target, the seed's 2.2 and the newest alike: the escape
// hatches warn, the rest are hover only.
func TestInlinedFeatureSeedSeverities(t *testing.T) {
	for _, tc := range []struct {
		name string
		rule *analysis.Rule
		want analysis.Severity
	}{
		{"assume_constant_result", AssumeConstantResult, analysis.Warning},
		{"autograd_function", AutogradFunction, analysis.Warning},
		{"class_method", ClassMethod, analysis.Off},
		{"decorator", Decorator, analysis.Off},
		{"dictionary", Dictionary, analysis.Off},
		{"fn_with_kwargs", FnWithKwargs, analysis.Off},
		{"list_unpack", ListUnpack, analysis.Off},
		{"null_context_manager", NullContextManager, analysis.Off},
		{"pytree_flatten", PytreeFlatten, analysis.Off},
	} {
		for _, v := range []catalog.Version{catalog.BaseVersion, catalog.Default().LatestVersion()} {
			_, fds := groupcSeed(t, tc.name, tc.rule, v)
			if len(fds) == 0 {
				t.Errorf("%s at %s: seed example not recognised", tc.name, v)
			}
			for _, fd := range fds {
				if fd.Severity != tc.want {
					t.Errorf("%s at %s: severity %s, want %s (%s)", tc.name, v, fd.Severity, tc.want, fd.Message)
				}
			}
		}
	}
}

func TestAssumeConstantResultRelated(t *testing.T) {
	f, fds := groupcSeed(t, "assume_constant_result", AssumeConstantResult, catalog.BaseVersion)
	if len(fds) != 1 {
		t.Fatalf("got %d findings, want 1: %v", len(fds), fds)
	}
	fd := fds[0]
	if got := string(f.Src[fd.Start:fd.End]); got != "self.get_item(y)" {
		t.Errorf("finding spans %q, want the call self.get_item(y)", got)
	}
	if len(fd.Related) != 1 || string(f.Src[fd.Related[0].Start:fd.Related[0].End]) != "torchdynamo.assume_constant_result" {
		t.Errorf("related = %+v, want the decorator", fd.Related)
	}
}

// A module-level function rebound to its assume_constant_result wrapper is not traced, so
// no rule reports inside its body; the call in forward is still reported.
func TestAssumeConstantResultRebound(t *testing.T) {
	src := `import torch


def get_len(y):
    return y.int().item()


get_len = torch._dynamo.assume_constant_result(get_len)


class M(torch.nn.Module):
    def forward(self, x, y):
        return x[: get_len(y)]
`
	f, res := analyzeFile(t, []byte(src), []*analysis.Rule{AssumeConstantResult}, analysis.Options{})
	for _, fn := range f.Funcs {
		if fn.Name == "get_len" && f.Traced(fn) {
			t.Errorf("get_len is traced (%s), but calls run its assume_constant_result wrapper", f.TracedFrom(fn))
		}
	}
	if len(res.Findings) != 1 || res.Findings[0].Severity != analysis.Warning {
		t.Fatalf("findings = %+v, want one warning at the call", res.Findings)
	}
}
