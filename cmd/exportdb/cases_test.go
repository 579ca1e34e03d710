package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// runCmd runs exportdb in-process and returns its stdout, stderr and exit status.
func runCmd(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return out.String(), errb.String(), code
}

// listed returns the NAME column of `exportdb cases` output, checking the header.
func listed(t *testing.T, out, version string) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if h := strings.Fields(lines[0]); len(h) != 6 || h[0] != "NAME" || h[3] != version+")" {
		t.Fatalf("header %q, want NAME LEVEL (torch %s) TAGS SUMMARY", lines[0], version)
	}
	var names []string
	for _, l := range lines[1:] {
		if l == "" {
			break // the footer pointing at --origin all follows a blank line
		}
		names = append(names, strings.Fields(l)[0])
	}
	return names
}

// casesOf returns the names of the catalog's cases of one origin ("" for all), sorted.
func casesOf(origin catalog.Origin) []string {
	var out []string
	for _, c := range catalog.Default().Cases() {
		if origin == "" || c.Origin == origin {
			out = append(out, c.Name)
		}
	}
	return out
}

func TestCasesList(t *testing.T) {
	out, errb, code := runCmd(t, "cases")
	if code != 0 || errb != "" {
		t.Fatalf("exit %d, stderr %q", code, errb)
	}
	names := listed(t, out, "2.13")
	if want := casesOf(catalog.FromExportDB); !slices.Equal(names, want) || len(names) != 36 {
		t.Errorf("listed %v, want ExportDB's 36 cases %v", names, want)
	}
	ours := casesOf(catalog.FromExportDBLSP)
	if len(ours) > 0 && !strings.Contains(out, fmt.Sprintf("%d more cases added by exportdb-lsp: exportdb cases --origin all", len(ours))) {
		t.Errorf("the list does not point at the %d cases of ours:\n%s", len(ours), out)
	}
	for origin, want := range map[string][]string{"all": casesOf(""), "exportdb-lsp": ours, "exportdb": casesOf(catalog.FromExportDB)} {
		o, _, code := runCmd(t, "cases", "--origin", origin)
		if got := listed(t, o, "2.13"); code != 0 || !slices.Equal(got, want) {
			t.Errorf("--origin %s: exit %d, listed %v, want %v", origin, code, got, want)
		}
	}
	if _, errb, code := runCmd(t, "cases", "--origin", "pytorch"); code != 2 || !strings.Contains(errb, "invalid origin") {
		t.Errorf("--origin pytorch: exit %d, stderr %q", code, errb)
	}
	// Columns are aligned: every row's level starts where the header's LEVEL does.
	lines := strings.Split(out, "\n")
	col := strings.Index(lines[0], "LEVEL")
	for _, l := range lines[1 : len(names)+1] {
		if rest := l[col:]; !strings.HasPrefix(rest, "SUPPORTED") && !strings.HasPrefix(rest, "NOT_SUPPORTED_YET") {
			t.Errorf("misaligned row %q", l)
		}
	}
	if !strings.Contains(out, "dynamic_shape_round") || !strings.Contains(out, "python.builtin,torch.dynamic-shape") ||
		!strings.Contains(out, "round() on a dynamic size.") {
		t.Errorf("row of dynamic_shape_round lacks its tags or summary:\n%s", out)
	}
}

func TestCasesFilters(t *testing.T) {
	tests := []struct {
		args    []string
		version string
		want    []string
	}{
		{[]string{"--torch-version", "2.13", "--level", "NOT_SUPPORTED_YET"}, "2.13", []string{"dynamic_shape_round"}},
		{[]string{"--level", "NOT_SUPPORTED_YET"}, "2.13", []string{"dynamic_shape_round"}},
		{[]string{"--torch-version", "2.2", "--level", "NOT_SUPPORTED_YET"}, "2.2",
			[]string{"dynamic_shape_round", "model_attr_mutation", "optional_input", "torch_sym_min"}},
		{[]string{"--torch-version", "2.11.0a0", "--level", "not_supported_yet"}, "2.11",
			[]string{"dynamic_shape_round", "torch_sym_min"}},
		{[]string{"--torch-version=2.10", "--tag", "python.object-model"}, "2.10",
			[]string{"model_attr_mutation", "optional_input"}},
		{[]string{"--tag", "torch.operator", "--level", "SUPPORTED", "--torch-version", "v2.12"}, "2.12",
			[]string{"torch_sym_min"}},
	}
	for _, tt := range tests {
		out, errb, code := runCmd(t, append([]string{"cases"}, tt.args...)...)
		if code != 0 || errb != "" {
			t.Errorf("%v: exit %d, stderr %q", tt.args, code, errb)
			continue
		}
		if got := listed(t, out, tt.version); !slices.Equal(got, tt.want) {
			t.Errorf("%v listed %v, want %v", tt.args, got, tt.want)
		}
	}
	// A filter that matches nothing says so on stderr and succeeds.
	out, errb, code := runCmd(t, "cases", "--tag", "torch.map", "--level", "NOT_SUPPORTED_YET")
	if code != 0 || out != "" || !strings.Contains(errb, "no case") {
		t.Errorf("empty result: exit %d, stdout %q, stderr %q", code, out, errb)
	}
}

func TestCasesCard(t *testing.T) {
	out, errb, code := runCmd(t, "cases", "dynamic_shape_round")
	if code != 0 || errb != "" {
		t.Fatalf("exit %d, stderr %q", code, errb)
	}
	for _, want := range []string{
		"dynamic_shape_round", "Calling round on dynamic shapes is not supported.", "python.builtin, torch.dynamic-shape",
		"NOT_SUPPORTED_YET in torch 2.13", "Result in torch 2.13", "Constraints violated (dim0_x)!",
		"AssertionError:", "return x[: round(x.shape[0] / 2)]",
		"https://pytorch.org/docs/main/generated/exportdb/index.html#dynamic-shape-round", "strict mode",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("card lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("card written to a buffer has colour")
	}

	// Old names resolve; flags may follow the name.
	out, _, code = runCmd(t, "cases", "unsupported_operator", "--torch-version", "2.11", "--no-color", "--doc-version", "2.5")
	if code != 0 || !strings.HasPrefix(out, "torch_sym_min") || !strings.Contains(out, "NOT_SUPPORTED_YET in torch 2.11") ||
		!strings.Contains(out, "docs/2.5/") || !strings.Contains(out, "2.2 NOT_SUPPORTED_YET → 2.12 SUPPORTED") {
		t.Errorf("unsupported_operator at 2.11: exit %d\n%s", code, out)
	}

	out, _, _ = runCmd(t, "cases", "type_reflection_method")
	if !strings.Contains(out, "TypeReflectionMethodRewrite") {
		t.Errorf("type_reflection_method card has no rewrite:\n%s", out)
	}
}

func TestCasesErrors(t *testing.T) {
	tests := []struct {
		args []string
		want []string // substrings of stderr
	}{
		{[]string{"torch_sym_mn"}, []string{`unknown case "torch_sym_mn"`, "did you mean", "torch_sym_min"}},
		{[]string{"dynamic_shape_rond"}, []string{"unknown case", "dynamic_shape_round"}},
		{[]string{"--tag", "torch.nope"}, []string{`unknown tag "torch.nope"`, "torch.cond"}},
		{[]string{"--level", "MAYBE"}, []string{"--level", "SUPPORTED or NOT_SUPPORTED_YET"}},
		{[]string{"--torch-version", "two"}, []string{"--torch-version", `"two"`}},
		{[]string{"a", "b"}, []string{"at most one case name"}},
		{[]string{"static_if", "--tag", "torch.cond"}, []string{"do not apply to a case name"}},
		{[]string{"--bogus"}, []string{"unknown flag --bogus"}},
		{[]string{"--torch-versoin", "2.5"}, []string{"unknown flag --torch-versoin; did you mean --torch-version?"}},
		{[]string{"Torch_Sym_Mn"}, []string{"did you mean", "torch_sym_min"}},
	}
	for _, tt := range tests {
		out, errb, code := runCmd(t, append([]string{"cases"}, tt.args...)...)
		if code != 2 || out != "" {
			t.Errorf("%v: exit %d, stdout %q; want exit 2 and no output", tt.args, code, out)
		}
		for _, w := range tt.want {
			if !strings.Contains(errb, w) {
				t.Errorf("%v: stderr %q lacks %q", tt.args, errb, w)
			}
		}
	}
	// At most three suggestions.
	_, errb, _ := runCmd(t, "cases", "cond")
	if n := strings.Count(errb, "cond_"); n == 0 || n > 3 {
		t.Errorf("suggestions for cond: %q", errb)
	}
	if _, _, code := runCmd(t, "cases", "-h"); code != 0 {
		t.Errorf("cases -h: exit %d", code)
	}
}

func TestCasesJSON(t *testing.T) {
	out, errb, code := runCmd(t, "cases", "--json", "--origin", "all", "--torch-version", "2.11")
	if code != 0 || errb != "" {
		t.Fatalf("exit %d, stderr %q", code, errb)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != len(catalog.Default().Cases()) {
		t.Fatalf("%d entries", len(list))
	}
	wantKeys := []string{"aliases", "base_level", "base_version", "history", "level", "name", "name_at_version",
		"notes", "origin", "summary", "supported_from", "tags", "torch_version", "url"}
	for _, e := range list {
		var keys []string
		for k, v := range e {
			keys = append(keys, k)
			if v == nil && k != "supported_from" {
				t.Errorf("%v: %s is null", e["name"], k)
			}
		}
		slices.Sort(keys)
		if !slices.Equal(keys, wantKeys) {
			t.Fatalf("%v: keys %v, want %v", e["name"], keys, wantKeys)
		}
	}
	var sym map[string]any
	for _, e := range list {
		if e["name"] == "torch_sym_min" {
			sym = e
		}
	}
	if sym["level"] != "NOT_SUPPORTED_YET" || sym["name_at_version"] != "unsupported_operator" ||
		sym["supported_from"] != "2.12" || len(sym["history"].([]any)) != 4 ||
		sym["url"] != "https://pytorch.org/docs/main/generated/exportdb/index.html#torch-sym-min" {
		t.Errorf("torch_sym_min: %v", sym)
	}
	// The same filters apply.
	out, _, _ = runCmd(t, "cases", "--json", "--level", "NOT_SUPPORTED_YET")
	list = nil
	err := json.Unmarshal([]byte(out), &list)
	var failing []any
	for _, e := range list {
		if e["origin"] == string(catalog.FromExportDB) {
			failing = append(failing, e["name"])
		}
	}
	if err != nil || len(failing) != 1 || failing[0] != "dynamic_shape_round" {
		t.Errorf("--json --level NOT_SUPPORTED_YET: %v %s", err, out)
	}
	out, _, _ = runCmd(t, "cases", "--json", "--tag", "torch.map", "--level", "NOT_SUPPORTED_YET")
	if strings.TrimSpace(out) != "[]" {
		t.Errorf("empty --json list is %q, want []", out)
	}

	out, _, code = runCmd(t, "cases", "--json", "unsupported_operator")
	var one map[string]any
	if err := json.Unmarshal([]byte(out), &one); err != nil || code != 0 {
		t.Fatalf("cases --json NAME: exit %d, %v", code, err)
	}
	for _, k := range []string{"description", "example", "example_path", "result", "result_at_version", "rewrite", "name", "history"} {
		if _, ok := one[k]; !ok {
			t.Errorf("cases --json NAME lacks %q", k)
		}
	}
	if one["name"] != "torch_sym_min" || !strings.Contains(one["example"].(string), "torch.sym_min") {
		t.Errorf("cases --json unsupported_operator: %v", one)
	}
}

func TestColorWanted(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	t.Setenv("FORCE_COLOR", "")
	colorWanted := func(w io.Writer) bool {
		on, err := colorEnabled("auto", w)
		if err != nil {
			t.Fatal(err)
		}
		return on
	}
	if colorWanted(&bytes.Buffer{}) {
		t.Error("colour for a buffer")
	}
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if colorWanted(f) {
		t.Error("colour for a regular file")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if colorWanted(w) {
		t.Error("colour for a pipe")
	}
}
