package rules

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// The catalog examples of the export-surface cases keep their severity at the seed's 2.2
// and the newest target: failing cases are errors, the others warnings.
func TestExportSurfaceSeeds(t *testing.T) {
	all := map[string]analysis.Severity{}
	for _, tc := range []struct {
		rule *analysis.Rule
		sev  analysis.Severity
	}{
		{AutogradInForward, analysis.Error},
		{CustomOpWithoutFake, analysis.Error},
		{InputContainerMutation, analysis.Error},
		{ModuleHook, analysis.Warning},
		{ParameterInForward, analysis.Warning},
		{UnregisteredPytreeType, analysis.Error},
	} {
		for _, v := range []string{"2.2", "2.11", "2.13"} {
			all[v] = tc.sev
		}
		checkSeedSeverities(t, tc.rule, all)
	}
}

// TestExportSurfaceRewrites: the rewrite of each export-surface case is free of its case.
func TestExportSurfaceRewrites(t *testing.T) {
	for _, r := range []*analysis.Rule{AutogradInForward, CustomOpWithoutFake, InputContainerMutation, ModuleHook, ParameterInForward, UnregisteredPytreeType} {
		k, _ := catalog.Default().Lookup(r.Name)
		if k == nil || k.Rewrite == "" {
			t.Errorf("%s has no rewrite", r.Name)
			continue
		}
		_, res := analyzeFile(t, []byte(k.Rewrite), All(), analysis.Options{MinSeverity: analysis.Off})
		for _, fd := range res.Findings {
			if fd.Case == r.Name {
				t.Errorf("%s: the rewrite still reports %q", r.Name, fd.Message)
			}
		}
	}
}

// overlapFamilies are cases that look at the same statements from different angles; their
// rules divide the statements so that one line never gets two of them.
var overlapFamilies = [][]string{
	{"user_input_mutation", "input_container_mutation"},
	{"module_state_in_forward", "parameter_in_forward", "model_attr_mutation"},
}

// TestOneFindingPerLine runs every rule over every fixture, clean fixture and catalog example
// and fails when a line gets findings of two cases of one family.
func TestOneFindingPerLine(t *testing.T) {
	family := map[string]int{}
	for i, fam := range overlapFamilies {
		for _, name := range fam {
			family[name] = i + 1
		}
	}
	var srcs []string
	paths, _ := filepath.Glob("testdata/*.py")
	clean, _ := filepath.Glob("testdata/clean/*.py")
	for _, p := range append(paths, clean...) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, string(b))
	}
	for _, k := range catalog.Default().Cases() {
		srcs = append(srcs, k.Example)
	}
	for _, src := range srcs {
		f, res := analyzeFile(t, []byte(src), All(), analysis.Options{MinSeverity: analysis.Off})
		seen := map[string]string{} // "line/family" -> case
		for _, fd := range res.Findings {
			fam := family[fd.Case]
			if fam == 0 {
				continue
			}
			key := fmt.Sprintf("%d/%d", f.Line(fd.Start), fam)
			if other, ok := seen[key]; ok && other != fd.Case {
				lines := strings.Split(src, "\n")
				t.Errorf("line %q has findings of %s and %s", strings.TrimSpace(lines[f.Line(fd.Start)]), other, fd.Case)
			}
			seen[key] = fd.Case
		}
	}
}

// findingsOf analyses src with one rule and returns its findings.
func findingsOf(t *testing.T, r *analysis.Rule, src string, opts analysis.Options) (*analysis.File, []analysis.Finding) {
	t.Helper()
	f, res := analyzeFile(t, []byte(src), []*analysis.Rule{r}, opts)
	return f, res.Findings
}

// TestAutogradInForwardRelated: the places that switch gradients on before the gradient call
// are its related locations; later ones are not.
func TestAutogradInForwardRelated(t *testing.T) {
	src := `import torch


class M(torch.nn.Module):
    def forward(self, x):
        x = x.detach().requires_grad_()
        with torch.enable_grad():
            y = (x * x).sum()
            g = torch.autograd.grad(y, x)[0]
        x.requires_grad_()
        return g
`
	f, fds := findingsOf(t, AutogradInForward, src, analysis.Options{})
	if len(fds) != 1 {
		t.Fatalf("got %d findings, want 1: %+v", len(fds), fds)
	}
	var rel []string
	for _, r := range fds[0].Related {
		rel = append(rel, string(f.Src[r.Start:r.End])+": "+r.Message)
	}
	want := []string{
		"x.detach().requires_grad_(): gradients are switched on for x.detach() here",
		"torch.enable_grad(): gradients are enabled here",
	}
	if strings.Join(rel, "\n") != strings.Join(want, "\n") {
		t.Errorf("related:\n%s\nwant:\n%s", strings.Join(rel, "\n"), strings.Join(want, "\n"))
	}
	if fds[0].Severity != analysis.Error || !strings.Contains(fds[0].Message, "strict export cannot trace autograd") {
		t.Errorf("strict: %s %q", fds[0].Severity, fds[0].Message)
	}
	_, fds = findingsOf(t, AutogradInForward, src, analysis.Options{NonStrict: true})
	if len(fds) != 1 || !strings.Contains(fds[0].Message, "non-strict export fails unless what it differentiates requires grad") {
		t.Errorf("non-strict: %+v", fds)
	}
}

// TestModuleHookModes: in strict mode a backward hook and a hook on the exported module itself
// fail; in non-strict mode every hook exports without its behaviour. A hook on a submodule
// never fails.
func TestModuleHookModes(t *testing.T) {
	src := `import torch


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.head = torch.nn.Linear(2, 2)
        self.head.register_forward_hook(lambda m, a, o: o)
        self.head.register_full_backward_hook(lambda m, gi, go: gi)
        self.register_forward_pre_hook(lambda m, a: a)

    def forward(self, x):
        return self.head(x)
`
	for _, tc := range []struct {
		nonStrict bool
		want      []analysis.Severity
	}{
		{false, []analysis.Severity{analysis.Warning, analysis.Error, analysis.Error}},
		{true, []analysis.Severity{analysis.Warning, analysis.Warning, analysis.Warning}},
	} {
		_, fds := findingsOf(t, ModuleHook, src, analysis.Options{NonStrict: tc.nonStrict})
		var got []analysis.Severity
		for _, fd := range fds {
			got = append(got, fd.Severity)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("non-strict=%v: severities %v, want %v", tc.nonStrict, got, tc.want)
		}
	}
}

// TestCustomOpBodyIsNotTraced: the kernel of a custom operator copies data to NumPy, which
// export never traces; host_round_trip must not report it in the custom-op fixture, while
// custom_op_without_fake reports the call.
func TestCustomOpBodyIsNotTraced(t *testing.T) {
	src, err := os.ReadFile("testdata/custom_op_without_fake.py")
	if err != nil {
		t.Fatal(err)
	}
	f, res := analyzeFile(t, src, []*analysis.Rule{HostRoundTrip, CustomOpWithoutFake}, analysis.Options{})
	calls := 0
	for _, fd := range res.Findings {
		switch fd.Case {
		case HostRoundTrip.Name:
			t.Errorf("line %d: host_round_trip in a custom op's kernel: %s", f.Line(fd.Start)+1, fd.Message)
		case CustomOpWithoutFake.Name:
			calls++
		}
	}
	if calls == 0 {
		t.Error("custom_op_without_fake reported nothing")
	}
}

// TestContainerParam: when a forward parameter counts as a dict, list or set the caller
// passed, the boundary between user_input_mutation and input_container_mutation.
func TestContainerParam(t *testing.T) {
	src := `import torch
from typing import Dict, List, Optional


class M(torch.nn.Module):
    def forward(self, a: dict, b: Optional[List[torch.Tensor]], c: "dict[str, torch.Tensor] | None", d, e, f, g,
                h: torch.Tensor, i={}, j=[], k=None, *args, **kwargs):
        d["key"] = 1
        e.append(1)
        for k2, v in f.items():
            pass
        g[0] = 1
        h[0] = 1
        return self.call(**a)
`
	p := syntax.NewParser()
	defer p.Close()
	f, err := analysis.Parse(context.Background(), p, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	fwd := f.ClassNamed("M").Methods["forward"]
	for name, want := range map[string]string{
		"a": "dict", "b": "list", "c": "dict", "d": "dict", "e": "list", "f": "dict", "g": "", "h": "",
		"i": "dict", "j": "list", "k": "", "args": "", "kwargs": "", "self": "", "missing": "",
	} {
		if got := esContainerParam(f, fwd, name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}

// TestInputContainerMutationNonStrict: the non-strict message says what changes instead of
// predicting a failure.
func TestInputContainerMutationNonStrict(t *testing.T) {
	k, _ := catalog.Default().Lookup(InputContainerMutation.Name)
	_, fds := findingsOf(t, InputContainerMutation, k.Example, analysis.Options{NonStrict: true})
	if len(fds) != 1 || !strings.Contains(fds[0].Message, "the exported program receives only the tensors inside and never changes the caller's list") {
		t.Errorf("%+v", fds)
	}
}

// TestCustomOpOldTarget: before torch 2.4 the fake is registered with impl_abstract, and the
// register_fake fix is not offered.
func TestCustomOpOldTarget(t *testing.T) {
	k, _ := catalog.Default().Lookup(CustomOpWithoutFake.Name)
	for _, tc := range []struct {
		target, register string
		fixes            int
	}{
		{"2.3", `@torch.library.impl_abstract("mylib::sin")`, 0},
		{"2.4", "@sin.register_fake", 1},
	} {
		_, fds := findingsOf(t, CustomOpWithoutFake, k.Example, analysis.Options{Target: catalog.MustParseVersion(tc.target)})
		if len(fds) != 1 || !strings.HasSuffix(fds[0].Message, tc.register) || len(fds[0].Fixes) != tc.fixes {
			t.Errorf("%s: %+v", tc.target, fds)
		}
	}
}

// TestRegisterDataclassFixTarget: torch.export.register_dataclass is offered for torch 2.4 and
// later targets only.
func TestRegisterDataclassFixTarget(t *testing.T) {
	k, _ := catalog.Default().Lookup(UnregisteredPytreeType.Name)
	for target, fixes := range map[string]int{"2.3": 0, "2.4": 1, "2.13": 1} {
		_, fds := findingsOf(t, UnregisteredPytreeType, k.Example, analysis.Options{Target: catalog.MustParseVersion(target)})
		if len(fds) != 1 || len(fds[0].Fixes) != fixes {
			t.Errorf("%s: %+v, want one finding with %d fixes", target, fds, fixes)
		}
	}
}
