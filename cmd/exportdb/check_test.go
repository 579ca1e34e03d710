package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/check"
)

// End-to-end tests of `exportdb check`: TestMain builds the binary once; each test writes a
// temporary tree and runs the binary in it. dynamic_shape_round is the subject: round(a / b)
// on a size is an error with an unsafe fix (a // b).

var checkBin string // the built binary

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "exportdb-check-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	checkBin = filepath.Join(dir, "exportdb")
	if runtime.GOOS == "windows" {
		checkBin += ".exe"
	}
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		goTool = "go"
	}
	build := exec.Command(goTool, "build", "-o", checkBin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building exportdb: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const roundModel = `import torch
from torch import nn


class Pool(nn.Module):
    def forward(self, x):
        n = x.shape[0]
        return x[: round(n / 2)]
`

// the finding in roundModel
const (
	roundLine    = 8
	roundCol     = 20
	roundEndCol  = 32 // exclusive: just past "round(n / 2)"
	roundMessage = "round() on a size derived from a tensor shape cannot be exported"
)

const cleanModel = `import torch
from torch import nn


class Pool(nn.Module):
    def forward(self, x):
        n = x.shape[0]
        return x[: n // 2]
`

type cmdResult struct {
	stdout, stderr string
	code           int
}

// exportdbCheck runs `exportdb check args...` in dir.
func exportdbCheck(t *testing.T, dir string, args ...string) cmdResult {
	t.Helper()
	cmd := exec.Command(checkBin, append([]string{"check"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return cmdResult{out.String(), errb.String(), code}
}

func (r cmdResult) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// checkTree creates files (path -> content) in a new temporary directory.
func checkTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCheckTextFormat(t *testing.T) {
	dir := checkTree(t, map[string]string{"pkg/model.py": roundModel, "pkg/clean.py": cleanModel})
	r := exportdbCheck(t, dir)
	want := fmt.Sprintf("pkg/model.py:%d:%d: error dynamic_shape_round: %s\n", roundLine, roundCol, roundMessage) +
		"  |\n" +
		"8 |         return x[: round(n / 2)]\n" +
		"  |                    ^^^^^^^^^^^^\n" +
		"  |\n" +
		"  = [unsafe fix available]: replace round(a / b) with floor division a // b (rounds down)\n" +
		"  = see: https://pytorch.org/docs/main/generated/exportdb/index.html#dynamic-shape-round\n" +
		"\n" +
		"Found 1 finding: 1 error.\n" +
		"1 more fixable with --fix --unsafe-fixes (these fixes may change behaviour).\n"
	if r.stdout != want || r.code != 1 || r.stderr != "" {
		t.Errorf("got %v\nwant stdout\n%s", r, want)
	}
	// concise, and --quiet drops the summary
	r = exportdbCheck(t, dir, "--format", "concise", "--quiet", "pkg")
	want = fmt.Sprintf("pkg/model.py:%d:%d: error dynamic_shape_round: %s [unsafe fix]\n", roundLine, roundCol, roundMessage)
	if r.stdout != want || r.code != 1 {
		t.Errorf("concise: %v", r)
	}
}

func TestCheckJSONFormat(t *testing.T) {
	dir := checkTree(t, map[string]string{"pkg/model.py": roundModel, "pkg/clean.py": cleanModel})
	r := exportdbCheck(t, dir, "--format", "json")
	if r.code != 1 {
		t.Fatalf("%v", r)
	}
	var rep struct {
		Version  int
		Tool     struct{ Name, Version string }
		Findings []struct {
			Path, Case, Severity, Effect, Message, URL string
			Tags                                       []string
			TorchVersion                               string `json:"torch_version"`
			Deprecated                                 *bool
			Start, End                                 struct{ Line, Column, Offset int }
			Fixes                                      []struct {
				Title, Safety string
				Edits         []struct {
					Start, End struct{ Line, Column, Offset int }
					NewText    string `json:"new_text"`
				}
			}
			Related []any
		}
		Errors  []any
		Summary struct {
			Files, Findings, Fixed, Errors int
			BySeverity                     map[string]int `json:"by_severity"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if rep.Version != 1 || rep.Tool.Name != "exportdb" || len(rep.Findings) != 1 || rep.Errors == nil || len(rep.Errors) != 0 {
		t.Fatalf("report: %+v", rep)
	}
	f := rep.Findings[0]
	offset := strings.Index(roundModel, "round(")
	if f.Path != "pkg/model.py" || f.Case != "dynamic_shape_round" || f.Severity != "error" || f.Effect != "fails" ||
		f.Message != roundMessage || !strings.HasPrefix(f.URL, "https://") || len(f.Tags) == 0 || f.TorchVersion == "" || f.Deprecated == nil || f.Related == nil {
		t.Errorf("finding: %+v", f)
	}
	if f.Start.Line != roundLine || f.Start.Column != roundCol || f.Start.Offset != offset || f.End.Line != roundLine || f.End.Column != roundEndCol {
		t.Errorf("range: %+v %+v", f.Start, f.End)
	}
	if len(f.Fixes) != 1 || f.Fixes[0].Safety != "unsafe" || f.Fixes[0].Title == "" || len(f.Fixes[0].Edits) != 1 ||
		f.Fixes[0].Edits[0].NewText != "(n // 2)" || f.Fixes[0].Edits[0].Start.Column != roundCol {
		t.Errorf("fixes: %+v", f.Fixes)
	}
	if rep.Summary.Files != 2 || rep.Summary.Findings != 1 || rep.Summary.BySeverity["error"] != 1 {
		t.Errorf("summary: %+v", rep.Summary)
	}
}

func TestCheckGitHubFormat(t *testing.T) {
	dir := checkTree(t, map[string]string{"pkg/model.py": roundModel, "hint.py": "x = 1  # exportdb: ignore[dynamic_shape_round]\n"})
	r := exportdbCheck(t, dir, "--format=github")
	want := "::notice file=hint.py,line=1,col=8,endLine=1,endColumn=47,title=exportdb unused_suppression::unused_suppression: suppression of dynamic_shape_round suppresses nothing [*]\n" +
		fmt.Sprintf("::error file=pkg/model.py,line=%d,col=%d,endLine=%d,endColumn=%d,title=exportdb dynamic_shape_round::dynamic_shape_round: %s [unsafe fix]\n", roundLine, roundCol, roundLine, roundEndCol, roundMessage)
	if r.stdout != want || r.code != 1 {
		t.Errorf("got %v\nwant\n%s", r, want)
	}
}

// TestCheckSARIF checks the SARIF log structurally: the fields SARIF 2.1.0 requires and
// GitHub code scanning reads, their types, levels and locations, and that each ruleIndex
// points at the rule named by ruleId.
func TestCheckSARIF(t *testing.T) {
	dir := checkTree(t, map[string]string{
		"pkg/model.py": roundModel,
		"hint.py":      "x = 1  # exportdb: ignore[dynamic_shape_round]\n",
		"bad.py":       "x = 1\n\xff\n",
	})
	r := exportdbCheck(t, dir, "--format", "sarif")
	if r.code != 2 { // bad.py
		t.Fatalf("%v", r)
	}
	var log map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &log); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	str := func(v any, what string) string {
		t.Helper()
		s, ok := v.(string)
		if !ok || s == "" {
			t.Fatalf("%s = %#v; want a non-empty string", what, v)
		}
		return s
	}
	obj := func(v any, what string) map[string]any {
		t.Helper()
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s = %#v; want an object", what, v)
		}
		return m
	}
	arr := func(v any, what string) []any {
		t.Helper()
		a, ok := v.([]any)
		if !ok {
			t.Fatalf("%s = %#v; want an array", what, v)
		}
		return a
	}
	num := func(v any, what string) int {
		t.Helper()
		f, ok := v.(float64)
		if !ok || f != float64(int(f)) {
			t.Fatalf("%s = %#v; want an integer", what, v)
		}
		return int(f)
	}
	if log["version"] != "2.1.0" || !strings.Contains(str(log["$schema"], "$schema"), "sarif") {
		t.Errorf("version %v schema %v", log["version"], log["$schema"])
	}
	runs := arr(log["runs"], "runs")
	if len(runs) != 1 {
		t.Fatalf("%d runs", len(runs))
	}
	run := obj(runs[0], "run")
	if run["columnKind"] != "unicodeCodePoints" {
		t.Errorf("columnKind %v", run["columnKind"])
	}
	base := obj(obj(run["originalUriBaseIds"], "originalUriBaseIds")["%SRCROOT%"], "%SRCROOT%")
	if u := str(base["uri"], "%SRCROOT%.uri"); !strings.HasPrefix(u, "file:///") || !strings.HasSuffix(u, "/") {
		t.Errorf("%%SRCROOT%% uri %q", u)
	}
	driver := obj(obj(run["tool"], "tool")["driver"], "driver")
	if str(driver["name"], "driver.name") != "exportdb" {
		t.Errorf("driver name %v", driver["name"])
	}
	str(driver["version"], "driver.version")
	if !strings.HasPrefix(str(driver["informationUri"], "informationUri"), "https://") {
		t.Errorf("informationUri %v", driver["informationUri"])
	}
	rules := arr(driver["rules"], "rules")
	ids := map[string]int{}
	for i, rv := range rules {
		rule := obj(rv, "rule")
		id := str(rule["id"], "rule.id")
		if _, dup := ids[id]; dup {
			t.Errorf("rule %s listed twice", id)
		}
		ids[id] = i
		str(obj(rule["shortDescription"], id+".shortDescription")["text"], id+".shortDescription.text")
		str(obj(rule["fullDescription"], id+".fullDescription")["text"], id+".fullDescription.text")
		str(obj(rule["help"], id+".help")["text"], id+".help.text")
		arr(obj(rule["properties"], id+".properties")["tags"], id+".properties.tags")
		if id != "unused_suppression" && !strings.HasPrefix(str(rule["helpUri"], id+".helpUri"), "https://pytorch.org/") {
			t.Errorf("%s helpUri %v", id, rule["helpUri"])
		}
	}
	dsr := obj(rules[ids["dynamic_shape_round"]], "dynamic_shape_round rule")
	if !strings.HasSuffix(dsr["helpUri"].(string), "#dynamic-shape-round") || !strings.Contains(str(obj(dsr["help"], "help")["markdown"], "help.markdown"), "## What it does") {
		t.Errorf("dynamic_shape_round rule: %v", dsr)
	}
	if tags := arr(obj(dsr["properties"], "properties")["tags"], "tags"); len(tags) == 0 {
		t.Errorf("dynamic_shape_round has no tags")
	}

	results := arr(run["results"], "results")
	levels := map[string]string{}
	for _, rv := range results {
		res := obj(rv, "result")
		id := str(res["ruleId"], "ruleId")
		idx := num(res["ruleIndex"], "ruleIndex")
		if idx < 0 || idx >= len(rules) || obj(rules[idx], "rule")["id"] != id {
			t.Errorf("ruleIndex %d does not point at %s", idx, id)
		}
		level := str(res["level"], "level")
		if level != "error" && level != "warning" && level != "note" && level != "none" {
			t.Errorf("level %q", level)
		}
		levels[id] = level
		str(obj(res["message"], "message")["text"], "message.text")
		locs := arr(res["locations"], "locations")
		if len(locs) != 1 {
			t.Fatalf("%d locations", len(locs))
		}
		phys := obj(obj(locs[0], "location")["physicalLocation"], "physicalLocation")
		art := obj(phys["artifactLocation"], "artifactLocation")
		if art["uriBaseId"] != "%SRCROOT%" || strings.HasPrefix(str(art["uri"], "uri"), "/") {
			t.Errorf("artifactLocation %v", art)
		}
		reg := obj(phys["region"], "region")
		for _, k := range []string{"startLine", "startColumn", "endLine", "endColumn"} {
			if num(reg[k], k) < 1 {
				t.Errorf("%s = %v", k, reg[k])
			}
		}
		if id != "dynamic_shape_round" {
			continue
		}
		if art["uri"] != "pkg/model.py" || num(reg["startLine"], "") != roundLine || num(reg["startColumn"], "") != roundCol ||
			num(reg["endLine"], "") != roundLine || num(reg["endColumn"], "") != roundEndCol {
			t.Errorf("location %v %v", art, reg)
		}
		fixes := arr(res["fixes"], "fixes")
		if len(fixes) != 1 {
			t.Fatalf("%d fixes", len(fixes))
		}
		fix := obj(fixes[0], "fix")
		str(obj(fix["description"], "fix.description")["text"], "fix.description.text")
		ch := obj(arr(fix["artifactChanges"], "artifactChanges")[0], "artifactChange")
		if obj(ch["artifactLocation"], "artifactLocation")["uri"] != "pkg/model.py" {
			t.Errorf("artifactChange location %v", ch["artifactLocation"])
		}
		rep := obj(arr(ch["replacements"], "replacements")[0], "replacement")
		del := obj(rep["deletedRegion"], "deletedRegion")
		if num(del["startColumn"], "") != roundCol || num(del["endColumn"], "") != roundEndCol {
			t.Errorf("deletedRegion %v", del)
		}
		if obj(rep["insertedContent"], "insertedContent")["text"] != "(n // 2)" {
			t.Errorf("insertedContent %v", rep["insertedContent"])
		}
	}
	if levels["dynamic_shape_round"] != "error" || levels["unused_suppression"] != "note" || len(levels) != 2 {
		t.Errorf("levels %v", levels)
	}
	inv := obj(arr(run["invocations"], "invocations")[0], "invocation")
	if inv["executionSuccessful"] != false {
		t.Errorf("executionSuccessful = %v with an unreadable file", inv["executionSuccessful"])
	}
	notes := arr(inv["toolExecutionNotifications"], "toolExecutionNotifications")
	if len(notes) != 1 {
		t.Fatalf("notifications %v", notes)
	}
	note := obj(notes[0], "notification")
	if note["level"] != "error" || !strings.Contains(str(obj(note["message"], "message")["text"], "text"), "not valid UTF-8") {
		t.Errorf("notification %v", note)
	}
	loc := obj(obj(arr(note["locations"], "locations")[0], "location")["physicalLocation"], "physicalLocation")
	if obj(loc["artifactLocation"], "")["uri"] != "bad.py" || num(obj(loc["region"], "region")["startLine"], "") != 2 {
		t.Errorf("notification location %v", loc)
	}
}

func TestCheckExitStatus(t *testing.T) {
	dirty := checkTree(t, map[string]string{"model.py": roundModel, "hint.py": "x = 1  # exportdb: ignore[dynamic_shape_round]\n"})
	clean := checkTree(t, map[string]string{"model.py": cleanModel})
	hintOnly := checkTree(t, map[string]string{"hint.py": "x = 1  # exportdb: ignore[dynamic_shape_round]\n"})
	tests := []struct {
		name string
		dir  string
		args []string
		code int
		out  string // a substring of stdout+stderr
	}{
		{"clean", clean, nil, 0, "All checks passed!"},
		{"error finding", dirty, nil, 1, "Found 2 findings: 1 error, 1 hint."},
		{"exit zero", dirty, []string{"--exit-zero"}, 0, "dynamic_shape_round"},
		{"hint below the default fail level", hintOnly, nil, 0, "unused_suppression"},
		{"fail level hint", hintOnly, []string{"--fail-level", "hint"}, 1, "unused_suppression"},
		{"severity override below the fail level", dirty, []string{"--severity", "dynamic_shape_round=warning"}, 0, "warning dynamic_shape_round"},
		{"fail level warning", dirty, []string{"--severity", "dynamic_shape_round=warning", "--fail-level", "warning"}, 1, "warning dynamic_shape_round"},
		{"hidden findings never fail", hintOnly, []string{"--min-severity", "warning", "--fail-level", "hint"}, 0, "All checks passed!"},
		{"ignored case", dirty, []string{"--ignore", "dynamic_shape_round,unused_suppression"}, 0, "All checks passed!"},
		{"selected tag", dirty, []string{"--select", "torch.cond"}, 0, "All checks passed!"},
		{"flags after paths", dirty, []string{".", "--exit-zero"}, 0, ""},
		{"unknown flag", clean, []string{"--bogus"}, 2, "unknown flag --bogus"},
		{"bad format", clean, []string{"--format", "xml"}, 2, `--format: unknown format "xml"`},
		{"bad min severity", clean, []string{"--min-severity", "loud"}, 2, "--min-severity"},
		{"fail level off", clean, []string{"--fail-level", "off"}, 2, "--fail-level"},
		{"unsafe fixes alone", clean, []string{"--unsafe-fixes"}, 2, "--unsafe-fixes needs --fix or --diff"},
		{"strict and non-strict", clean, []string{"--strict", "--non-strict"}, 2, "cannot be combined"},
		{"diff with json", clean, []string{"--diff", "--format", "json"}, 2, "--diff prints a unified diff"},
		{"bad select", clean, []string{"--select", "dynamic_shape_rond"}, 2, `exportdb check: --select: unknown case or tag "dynamic_shape_rond" (did you mean dynamic_shape_round`},
		{"bad torch version", clean, []string{"--torch-version", "two"}, 2, `exportdb check: --torch-version: invalid torch version "two"`},
		{"bad severity flag", clean, []string{"--severity", "static_if=loud"}, 2, "--severity static_if: invalid severity"},
		{"missing path", clean, []string{"nope.py"}, 2, "nope.py: error: cannot check: no such file or directory"},
		{"help", clean, []string{"-h"}, 0, "usage: exportdb check"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := exportdbCheck(t, tt.dir, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stdout+r.stderr, tt.out) {
				t.Errorf("want exit %d and %q; got %v", tt.code, tt.out, r)
			}
		})
	}
}

func TestCheckFixAndDiff(t *testing.T) {
	twoRounds := roundModel + "\n\nclass Head(nn.Module):\n    def forward(self, x):\n        return x[: round(x.size(1) * 0.5)]\n"
	dir := checkTree(t, map[string]string{"model.py": roundModel, "two.py": twoRounds})
	model := filepath.Join(dir, "model.py")
	if err := os.Chmod(model, 0o600); err != nil {
		t.Fatal(err)
	}

	// the fix is unsafe: --fix alone leaves the file
	r := exportdbCheck(t, dir, "--fix", "model.py")
	if readText(t, model) != roundModel || r.code != 1 || !strings.Contains(r.stdout, "1 more fixable with --fix --unsafe-fixes") {
		t.Errorf("--fix applied an unsafe fix: %v", r)
	}
	// --diff without --unsafe-fixes has nothing to show
	r = exportdbCheck(t, dir, "--diff", "model.py")
	if r.stdout != "" || r.code != 0 || !strings.Contains(r.stderr, "no fixes to apply") {
		t.Errorf("--diff: %v", r)
	}
	// --diff --unsafe-fixes prints the change and writes nothing
	r = exportdbCheck(t, dir, "--diff", "--unsafe-fixes", "model.py")
	wantDiff := "--- model.py\n+++ model.py\n@@ -5,4 +5,4 @@\n" +
		" class Pool(nn.Module):\n     def forward(self, x):\n         n = x.shape[0]\n" +
		"-        return x[: round(n / 2)]\n+        return x[: (n // 2)]\n"
	if r.stdout != wantDiff || r.code != 1 || readText(t, model) != roundModel {
		t.Errorf("--diff --unsafe-fixes: %v\nwant\n%s", r, wantDiff)
	}
	if !strings.Contains(r.stderr, "would fix 1 finding in 1 file") {
		t.Errorf("diff summary: %q", r.stderr)
	}
	// --fix --unsafe-fixes writes, keeps the mode, leaves no temporary file
	r = exportdbCheck(t, dir, "--fix", "--unsafe-fixes", "model.py")
	want := strings.Replace(roundModel, "round(n / 2)", "(n // 2)", 1)
	if got := readText(t, model); got != want || r.code != 0 {
		t.Errorf("--fix --unsafe-fixes: %v\nfile:\n%s", r, got)
	}
	if !strings.Contains(r.stdout, "Found 1 finding (1 fixed, 0 remaining).") {
		t.Errorf("fix summary:\n%s", r.stdout)
	}
	if fi, _ := os.Stat(model); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v; want 0600", fi.Mode().Perm())
	}
	// what has no fix remains, reported at its position in the fixed text
	r = exportdbCheck(t, dir, "--fix", "--unsafe-fixes", "--format", "concise", "two.py")
	if r.code != 1 || !strings.Contains(r.stdout, "two.py:13:20: error dynamic_shape_round") || strings.Contains(r.stdout, "two.py:8:") {
		t.Errorf("remaining after fix: %v", r)
	}
	if got := readText(t, filepath.Join(dir, "two.py")); !strings.Contains(got, "x[: (n // 2)]") || !strings.Contains(got, "round(x.size(1) * 0.5)") {
		t.Errorf("two.py after fix:\n%s", got)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		if e.Name() != check.DefaultCacheDirName { // the result cache, not a file --fix left
			names = append(names, e.Name())
		}
	}
	if strings.Join(names, " ") != "model.py two.py" {
		t.Errorf("files left in the tree: %v", names)
	}
}

func TestCheckConfigDiscovery(t *testing.T) {
	dir := checkTree(t, map[string]string{
		"pyproject.toml":      "[project]\nname = \"m\"\n\n[tool.exportdb]\nignore = [\"dynamic_shape_round\"]\n",
		"pkg/model.py":        roundModel,
		"other/exportdb.toml": "torch-version = \"2.5\"\n[severity]\ndynamic_shape_round = \"warning\"\n",
		"other/model.py":      roundModel,
		"tests/test_m.py":     roundModel,
	})
	// the pyproject.toml of a parent directory applies when checking from a subdirectory
	r := exportdbCheck(t, filepath.Join(dir, "pkg"))
	if r.code != 0 || !strings.Contains(r.stdout, "All checks passed!") {
		t.Errorf("parent pyproject not applied: %v", r)
	}
	// a nearer exportdb.toml governs its directory
	r = exportdbCheck(t, dir, "--format", "concise", "--quiet")
	if r.code != 0 || r.stdout != fmt.Sprintf("other/model.py:%d:%d: warning dynamic_shape_round: %s [unsafe fix]\n", roundLine, roundCol, roundMessage) {
		t.Errorf("nested exportdb.toml: %v", r)
	}
	// flags override the file; --no-config ignores it; --config replaces discovery
	if r = exportdbCheck(t, filepath.Join(dir, "pkg"), "--ignore="); r.code != 1 {
		t.Errorf("--ignore= did not clear the configured ignore: %v", r)
	}
	if r = exportdbCheck(t, dir, "--no-config", "pkg"); r.code != 1 {
		t.Errorf("--no-config: %v", r)
	}
	if r = exportdbCheck(t, dir, "--config", "other/exportdb.toml", "--format", "concise", "pkg", "tests"); r.code != 0 || strings.Count(r.stdout, "warning dynamic_shape_round") != 2 {
		t.Errorf("--config: %v", r)
	}
	// exportdb.toml wins over pyproject.toml in the same directory
	os.WriteFile(filepath.Join(dir, "exportdb.toml"), []byte("[per-file-ignores]\n\"tests/\" = [\"ALL\"]\n"), 0o644)
	r = exportdbCheck(t, dir, "--format", "concise", "--quiet", "pkg", "tests")
	if r.code != 1 || r.stdout != fmt.Sprintf("pkg/model.py:%d:%d: error dynamic_shape_round: %s [unsafe fix]\n", roundLine, roundCol, roundMessage) {
		t.Errorf("exportdb.toml precedence / per-file-ignores: %v", r)
	}
}

func TestCheckConfigErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		args  []string
		want  string
	}{
		{"bad torch version in pyproject", map[string]string{
			"pyproject.toml": "[project]\nname = \"m\"\n\n[tool.exportdb]\nstrict = true\ntorch-version = \"abc\"\n",
			"model.py":       cleanModel,
		}, nil, `exportdb check: pyproject.toml:6: tool.exportdb.torch-version: invalid torch version "abc": want MAJOR.MINOR`},
		{"unknown key in a nested exportdb.toml", map[string]string{
			"sub/exportdb.toml": "# settings\nstrcit = true\n",
			"sub/model.py":      cleanModel,
		}, nil, "exportdb check: sub/exportdb.toml:2: strcit: unknown key (did you mean strict?)"},
		{"unknown case in a multi-line array", map[string]string{
			"exportdb.toml": "select = [\n  \"torch.cond\",\n  \"dynamic_shape_rond\",\n]\n",
			"model.py":      cleanModel,
		}, nil, `exportdb check: exportdb.toml:3: select: unknown case or tag "dynamic_shape_rond"`},
		{"TOML syntax error", map[string]string{
			"exportdb.toml": "strict = true\nexclude = [\"a\"\n",
			"model.py":      cleanModel,
		}, nil, "exportdb check: exportdb.toml:2: invalid TOML"},
		{"bad severity", map[string]string{
			"pyproject.toml": "[tool.exportdb.severity]\ndynamic_shape_round = \"fatal\"\n",
			"model.py":       cleanModel,
		}, nil, `exportdb check: pyproject.toml:2: tool.exportdb.severity.dynamic_shape_round: invalid severity "fatal"`},
		{"auto without a pin", map[string]string{
			"exportdb.toml": "torch-version = \"auto\"\n",
			"model.py":      cleanModel,
		}, nil, `exportdb check: exportdb.toml:1: torch-version: "auto": no torch requirement found`},
		{"missing --config", map[string]string{"model.py": cleanModel}, []string{"--config", "none.toml"}, "exportdb check: none.toml: cannot read: no such file or directory"},
		{"--config with --no-config", map[string]string{"model.py": cleanModel}, []string{"--config", "x.toml", "--no-config"}, "cannot be combined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := checkTree(t, tt.files)
			r := exportdbCheck(t, dir, tt.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
				t.Errorf("want exit 2, no report and %q; got %v", tt.want, r)
			}
		})
	}
	// auto resolved from the project's pin
	dir := checkTree(t, map[string]string{
		"pyproject.toml": "[project]\ndependencies = [\"torch>=2.4,<2.6\"]\n\n[tool.exportdb]\ntorch-version = \"auto\"\n",
		"model.py":       roundModel,
	})
	r := exportdbCheck(t, dir, "--format", "json")
	if !strings.Contains(r.stdout, `"torch_version": "2.4"`) {
		t.Errorf("auto: %v", r)
	}
}

func TestCheckGitignore(t *testing.T) {
	dir := checkTree(t, map[string]string{
		".gitignore":          "generated/\n*_pb2.py\n!keep_pb2.py\n",
		"generated/model.py":  roundModel,
		"x_pb2.py":            roundModel,
		"keep_pb2.py":         roundModel,
		"src/.gitignore":      "/local.py\n",
		"src/local.py":        roundModel,
		"src/deep/local.py":   roundModel,
		".venv/lib/site.py":   roundModel, // hidden, not ignored: checked
		".git/objects/x/m.py": roundModel, // never
		"pyproject.toml":      "[tool.exportdb]\nexclude = [\".venv/\"]\n",
	})
	r := exportdbCheck(t, dir, "--format", "concise", "--quiet")
	got := regexp.MustCompile(`(?m)^([^:]+):`).FindAllStringSubmatch(r.stdout, -1)
	var files []string
	for _, m := range got {
		files = append(files, m[1])
	}
	if strings.Join(files, " ") != "keep_pb2.py src/deep/local.py" {
		t.Errorf("files reported: %v\n%v", files, r)
	}
}

// TestCheckBrokenFiles puts files that cannot be read or analysed among good ones: every
// good file is still reported, each bad one is an error on stderr (and in json and SARIF),
// and the exit status is 2 even with --exit-zero.
func TestCheckBrokenFiles(t *testing.T) {
	syntaxErrors := roundModel + "\n\ndef broken(:\n    pass\n\nclass (:\n"
	dir := checkTree(t, map[string]string{
		"a_good.py":       roundModel,
		"b_syntax.py":     syntaxErrors,
		"c_utf8.py":       "x = 1\ny = '\xff\xfe'\n",
		"d_nul.py":        "x = 1\x00\n",
		"dir.py/inner.py": roundModel, // a directory named like a Python file is walked
		"z_good.py":       roundModel,
		"unreadable.py":   roundModel,
	})
	if err := os.Symlink(filepath.Join(dir, "missing.py"), filepath.Join(dir, "e_dangling.py")); err != nil {
		t.Fatal(err)
	}
	unreadable := os.Getuid() != 0 // root reads anything: the dangling link is the unreadable file then
	if unreadable {
		os.Chmod(filepath.Join(dir, "unreadable.py"), 0)
	} else {
		os.Remove(filepath.Join(dir, "unreadable.py"))
	}

	for _, args := range [][]string{nil, {"--exit-zero"}} {
		r := exportdbCheck(t, dir, append([]string{"--format", "concise"}, args...)...)
		if r.code != 2 {
			t.Errorf("%v: exit %d; want 2", args, r.code)
		}
		for _, f := range []string{"a_good.py", "b_syntax.py", "dir.py/inner.py", "z_good.py"} {
			if !strings.Contains(r.stdout, fmt.Sprintf("%s:%d:%d: error dynamic_shape_round", f, roundLine, roundCol)) {
				t.Errorf("%s not reported:\n%v", f, r)
			}
		}
		wantErrs := []string{
			"c_utf8.py:2:6: error: file is not valid UTF-8",
			"d_nul.py:1:6: error: file contains a NUL byte",
			"e_dangling.py: error: broken symbolic link",
		}
		if unreadable {
			wantErrs = append(wantErrs, "unreadable.py: error: cannot read: permission denied")
		}
		for _, e := range wantErrs {
			if !strings.Contains(r.stderr, e) {
				t.Errorf("stderr lacks %q:\n%s", e, r.stderr)
			}
		}
		if !strings.Contains(r.stdout, "could not be checked") {
			t.Errorf("summary does not mention the errors:\n%s", r.stdout)
		}
	}

	r := exportdbCheck(t, dir, "--format", "json")
	var rep struct {
		Findings []struct{ Path string }
		Errors   []struct {
			Path, Kind, Message string
			Start               *struct{ Line, Column int }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if len(rep.Findings) != 4 {
		t.Errorf("%d findings; want 4", len(rep.Findings))
	}
	kinds := map[string]string{}
	for _, e := range rep.Errors {
		kinds[e.Path] = e.Kind
	}
	if kinds["c_utf8.py"] != "source" || kinds["d_nul.py"] != "source" || kinds["e_dangling.py"] != "io" || (unreadable && kinds["unreadable.py"] != "io") {
		t.Errorf("errors: %+v", rep.Errors)
	}
	for _, e := range rep.Errors {
		if e.Path == "c_utf8.py" && (e.Start == nil || e.Start.Line != 2) {
			t.Errorf("c_utf8.py error position: %+v", e.Start)
		}
	}
}

func TestCheckOutputFileAndStatistics(t *testing.T) {
	dir := checkTree(t, map[string]string{"a.py": roundModel, "b.py": roundModel, "hint.py": "x = 1  # exportdb: ignore[dynamic_shape_round]\n"})
	r := exportdbCheck(t, dir, "--format", "json", "--output-file", "out/report.json")
	if r.code != 2 || !strings.Contains(r.stderr, "--output-file") {
		t.Errorf("output file in a missing directory: %v", r)
	}
	os.Mkdir(filepath.Join(dir, "out"), 0o755)
	r = exportdbCheck(t, dir, "--format", "json", "--output-file", "out/report.json")
	if r.code != 1 || r.stdout != "" {
		t.Errorf("--output-file: %v", r)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(readText(t, filepath.Join(dir, "out", "report.json"))), &rep); err != nil {
		t.Errorf("report: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "out")); len(entries) != 1 {
		t.Errorf("out/ holds %v", entries)
	}
	r = exportdbCheck(t, dir, "--statistics")
	want := "2  dynamic_shape_round  error  [unsafe fix]\n1  unused_suppression   hint   [*]\nFound 3 findings.\n"
	if r.stdout != want || r.code != 1 {
		t.Errorf("--statistics: %v\nwant\n%s", r, want)
	}
}

// TestCheckExamples runs the README's command on examples/: its configuration loads (torch
// "auto" from the pin), the round() in the encoder is reported, and the reference model
// stays clean. Other findings depend on rules still being written and are not pinned here.
func TestCheckExamples(t *testing.T) {
	examples, err := filepath.Abs(filepath.Join("..", "..", "examples"))
	if err != nil {
		t.Fatal(err)
	}
	r := exportdbCheck(t, examples, "--format", "json", "--min-severity", "information")
	if r.code != 1 {
		t.Fatalf("%v", r)
	}
	var rep struct {
		Findings []struct {
			Path, Case, Severity string
			TorchVersion         string `json:"torch_version"`
			Start                struct{ Line int }
		}
		Errors []any
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	round := false
	for _, f := range rep.Findings {
		if f.TorchVersion != "2.5" {
			t.Errorf("%s judged for %s; want 2.5 from the pin torch>=2.5,<2.11", f.Path, f.TorchVersion)
		}
		if f.Path == "resnet_block.py" {
			t.Errorf("the clean example has a finding: %+v", f)
		}
		if f.Path == "encoder.py" && f.Case == "dynamic_shape_round" && f.Severity == "error" && f.Start.Line == 44 {
			round = true
		}
	}
	if !round || len(rep.Errors) != 0 {
		t.Errorf("encoder.py round() not reported, or errors: %v", r)
	}
}
