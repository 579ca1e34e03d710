package main

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// End-to-end tests of the check features editors, pre-commit and CI pipelines lean on:
// stdin, --force-exclude, --add-ignore, the removal of unused suppressions, the gitlab and
// junit formats, and the warnings for empty directories and unrecorded torch versions.

// exportdbCheckIn runs `exportdb check args...` in dir with stdin and extra environment.
func exportdbCheckIn(t *testing.T, dir, stdin string, env []string, args ...string) cmdResult {
	t.Helper()
	cmd := exec.Command(checkBin, append([]string{"check"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "NO_COLOR=1"), env...)
	cmd.Stdin = strings.NewReader(stdin)
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

func TestCheckStdin(t *testing.T) {
	dir := checkTree(t, map[string]string{
		"pkg/pyproject.toml": "[tool.exportdb]\nexclude = [\"gen/\"]\n[tool.exportdb.severity]\ndynamic_shape_round = \"warning\"\n",
	})
	fixed := strings.Replace(roundModel, "round(n / 2)", "(n // 2)", 1)
	tests := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stdout string   // exactly, when not ""
		want   []string // substrings of stdout+stderr
		stderr []string // substrings of stderr alone
	}{
		{"named, configured from its directory", roundModel, []string{"-", "--stdin-filename", "pkg/model.py"}, 0, "",
			[]string{"pkg/model.py:8:20: warning dynamic_shape_round:"}, nil},
		{"stdin-filename alone reads stdin", roundModel, []string{"--stdin-filename", "pkg/model.py", "--format", "concise"}, 0, "",
			[]string{"pkg/model.py:8:20: warning dynamic_shape_round"}, nil},
		{"unnamed", roundModel, []string{"-", "--format", "concise"}, 1, "",
			[]string{"-:8:20: error dynamic_shape_round"}, nil},
		{"fix prints the fixed source, the report on stderr", roundModel, []string{"-", "--stdin-filename", "m.py", "--fix", "--unsafe-fixes"}, 0, fixed,
			nil, []string{"Found 1 finding (1 fixed, 0 remaining)."}},
		{"fix without a fix prints the source as read", roundModel, []string{"-", "--stdin-filename", "m.py", "--fix"}, 1, roundModel,
			nil, []string{"m.py:8:20: error dynamic_shape_round"}},
		{"fix with json keeps stdout for the source", roundModel, []string{"-", "--fix", "--unsafe-fixes", "--format", "json"}, 0, fixed,
			nil, []string{`"fixed": 1`}},
		{"force-exclude skips an excluded name", roundModel, []string{"-", "--stdin-filename", "pkg/gen/model.py", "--force-exclude", "--format", "concise"}, 0, "",
			nil, nil},
		{"force-exclude with fix passes the source through", roundModel, []string{"-", "--stdin-filename", "pkg/gen/model.py", "--force-exclude", "--fix", "--unsafe-fixes"}, 0, roundModel,
			nil, nil},
		{"without force-exclude the excluded name is checked", roundModel, []string{"-", "--stdin-filename", "pkg/gen/model.py", "--format", "concise"}, 0, "",
			[]string{"pkg/gen/model.py:8:20: warning dynamic_shape_round"}, nil},
		{"invalid UTF-8 with fix loses nothing", "import torch\nx = '\xff'\n", []string{"-", "--fix"}, 2, "import torch\nx = '\xff'\n",
			nil, []string{"-:2:6: error: file is not valid UTF-8"}},
		{"diff", roundModel, []string{"-", "--stdin-filename", "m.py", "--diff", "--unsafe-fixes"}, 1, "",
			[]string{"--- m.py", "+        return x[: (n // 2)]"}, nil},
		{"stdin and paths", roundModel, []string{"-", "."}, 2, "", []string{"- (stdin) cannot be combined with other paths"}, nil},
		{"stdin-filename with paths", roundModel, []string{".", "--stdin-filename", "m.py"}, 2, "", []string{"give - as the only PATH"}, nil},
		{"add-ignore and stdin", roundModel, []string{"-", "--add-ignore"}, 2, "", []string{"--add-ignore writes files"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := exportdbCheckIn(t, dir, tt.stdin, nil, tt.args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d: %v", r.code, tt.code, r)
			}
			if tt.stdout != "" && r.stdout != tt.stdout {
				t.Errorf("stdout %q, want %q", r.stdout, tt.stdout)
			}
			if tt.stdout == "" && tt.want == nil && r.stdout != "" && !strings.Contains(r.stdout, "No Python files") {
				t.Errorf("stdout %q, want nothing checked", r.stdout)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stdout+r.stderr, w) {
					t.Errorf("output lacks %q: %v", w, r)
				}
			}
			for _, w := range tt.stderr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q: %v", w, r)
				}
			}
		})
	}
}

func TestCheckForceExclude(t *testing.T) {
	dir := checkTree(t, map[string]string{
		"pyproject.toml":           "[tool.exportdb]\nexclude = [\"generated/\", \"*_pb2.py\"]\n",
		"generated/deep/model.py":  roundModel,
		"proto/model_pb2.py":       roundModel,
		"src/model.py":             roundModel,
		"src/generated_not/ok.py":  roundModel,
		"generated/deep/other.txt": "x",
	})
	tests := []struct {
		args  []string
		files []string // the files reported, in order
	}{
		{[]string{"generated/deep/model.py", "proto/model_pb2.py", "src/model.py"}, []string{"generated/deep/model.py", "proto/model_pb2.py", "src/model.py"}},
		{[]string{"--force-exclude", "generated/deep/model.py", "proto/model_pb2.py", "src/model.py"}, []string{"src/model.py"}},
		{[]string{"--force-exclude", "generated", "src"}, []string{"src/generated_not/ok.py", "src/model.py"}},
		{[]string{"--force-exclude", "."}, []string{"src/generated_not/ok.py", "src/model.py"}},
	}
	for _, tt := range tests {
		r := exportdbCheck(t, dir, append([]string{"--format", "concise", "-q"}, tt.args...)...)
		var files []string
		for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			if f, _, ok := strings.Cut(l, ":"); ok {
				files = append(files, f)
			}
		}
		if strings.Join(files, " ") != strings.Join(tt.files, " ") {
			t.Errorf("%v: reported %v, want %v\n%v", tt.args, files, tt.files, r)
		}
	}
	// everything named is excluded: nothing is checked, which is not an error
	r := exportdbCheck(t, dir, "--force-exclude", "generated/deep/model.py")
	if r.code != 0 || !strings.Contains(r.stdout, "No Python files found: nothing was checked.") {
		t.Errorf("all excluded: %v", r)
	}
}

func TestCheckAddIgnore(t *testing.T) {
	const before = "import torch\r\nfrom torch import nn\r\n\r\n\r\n" +
		"class Pool(nn.Module):\r\n" +
		"    def forward(self, x):\r\n" +
		"        n = x.shape[0]\r\n" +
		"        a = round(n / 2)  # noqa: E501\r\n" +
		"        b = round(n / 3)  # exportdb: ignore[cond_operands]\r\n" +
		"        c = round(n / 4) + \\\r\n" +
		"            1\r\n" +
		"        d = round(n / 5); e = round(n / 6)\r\n" +
		"        return x[:a + b + c + d + e]\r\n"
	const after = "import torch\r\nfrom torch import nn\r\n\r\n\r\n" +
		"class Pool(nn.Module):\r\n" +
		"    def forward(self, x):\r\n" +
		"        n = x.shape[0]\r\n" +
		"        a = round(n / 2)  # noqa: E501  # exportdb: ignore[dynamic_shape_round]\r\n" +
		"        b = round(n / 3)  # exportdb: ignore[cond_operands, dynamic_shape_round]\r\n" +
		"        # exportdb: ignore[dynamic_shape_round]\r\n" +
		"        c = round(n / 4) + \\\r\n" +
		"            1\r\n" +
		"        d = round(n / 5); e = round(n / 6)  # exportdb: ignore[dynamic_shape_round]\r\n" +
		"        return x[:a + b + c + d + e]\r\n"
	dir := checkTree(t, map[string]string{"model.py": before, "clean.py": cleanModel})
	path := filepath.Join(dir, "model.py")
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	r := exportdbCheck(t, dir, "--add-ignore")
	// what remains is the suppression of cond_operands, which was already unused
	if r.code != 0 || !strings.Contains(r.stderr, "added 4 suppressions to 1 file") ||
		!strings.Contains(r.stdout, "suppression of cond_operands suppresses nothing") || !strings.Contains(r.stdout, "Found 1 finding: 1 hint.") {
		t.Fatalf("add-ignore: %v", r)
	}
	if got := readText(t, path); got != after {
		t.Errorf("after --add-ignore:\n%q\nwant\n%q", got, after)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640 kept (%v)", fi.Mode(), err)
	}
	if got := readText(t, filepath.Join(dir, "clean.py")); got != cleanModel {
		t.Errorf("clean.py changed:\n%s", got)
	}
	// a second run has nothing to add and changes nothing
	r = exportdbCheck(t, dir, "--add-ignore")
	if r.code != 0 || !strings.Contains(r.stderr, "added 0 suppressions to 0 files") || readText(t, path) != after {
		t.Errorf("second run: %v", r)
	}
	if r := exportdbCheck(t, dir, "--add-ignore", "--fix"); r.code != 2 || !strings.Contains(r.stderr, "cannot be combined") {
		t.Errorf("--add-ignore --fix: %v", r)
	}
}

func TestCheckAddIgnoreInsideStrings(t *testing.T) {
	// the finding's line ends inside a multi-line string: the comment goes above it
	const before = "import torch\n\n\nclass Pool(torch.nn.Module):\n    def forward(self, x):\n        n = x.shape[0]\n        y = round(n / 2), \"\"\"a\nb\"\"\"\n        return x[:y[0]]\n"
	const after = "import torch\n\n\nclass Pool(torch.nn.Module):\n    def forward(self, x):\n        n = x.shape[0]\n        # exportdb: ignore[dynamic_shape_round]\n        y = round(n / 2), \"\"\"a\nb\"\"\"\n        return x[:y[0]]\n"
	dir := checkTree(t, map[string]string{"model.py": before})
	r := exportdbCheck(t, dir, "--add-ignore")
	if got := readText(t, filepath.Join(dir, "model.py")); got != after || r.code != 0 {
		t.Errorf("got %q (%v), want %q", got, r, after)
	}
}

func TestCheckFixRemovesUnusedSuppressions(t *testing.T) {
	tests := []struct{ name, before, after string }{
		{"bare, after code", "import torch\nx = 1  # exportdb: ignore\n", "import torch\nx = 1\n"},
		{"on a line of its own", "import torch\n    # exportdb: ignore[dynamic_shape_round]\nx = 1\n", "import torch\nx = 1\n"},
		{"after another comment", "import torch\nx = 1  # noqa: E501  # exportdb: ignore[dynamic_shape_round]\n", "import torch\nx = 1  # noqa: E501\n"},
		{"before another comment", "import torch\nx = 1  # exportdb: ignore[dynamic_shape_round]  # noqa: E501\n", "import torch\nx = 1  # noqa: E501\n"},
		{"CRLF", "import torch\r\n# exportdb: ignore\r\nx = 1  # exportdb: ignore\r\ny = 2\r\n", "import torch\r\nx = 1\r\ny = 2\r\n"},
		{"file-wide", "# exportdb: ignore-file[dynamic_shape_round]\nimport torch\n", "import torch\n"},
		{"one stale name of two", strings.Replace(roundModel, "round(n / 2)]", "round(n / 2)]  # exportdb: ignore[cond_operands, dynamic_shape_round]", 1),
			strings.Replace(roundModel, "round(n / 2)]", "round(n / 2)]  # exportdb: ignore[dynamic_shape_round]", 1)},
		{"used: kept", strings.Replace(roundModel, "round(n / 2)]", "round(n / 2)]  # exportdb: ignore[dynamic_shape_round]", 1),
			strings.Replace(roundModel, "round(n / 2)]", "round(n / 2)]  # exportdb: ignore[dynamic_shape_round]", 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := checkTree(t, map[string]string{"m.py": tt.before})
			r := exportdbCheck(t, dir, "--fix")
			if got := readText(t, filepath.Join(dir, "m.py")); got != tt.after {
				t.Errorf("after --fix:\n%q\nwant\n%q\n%v", got, tt.after, r)
			}
			if r := exportdbCheck(t, dir); !strings.Contains(r.stdout, "All checks passed!") {
				t.Errorf("after --fix, a finding remains: %v", r)
			}
		})
	}
}

func TestCheckEmptyMissingAndUnknownVersion(t *testing.T) {
	dir := checkTree(t, map[string]string{"empty/README.md": "no Python here\n", "m.py": cleanModel})
	r := exportdbCheck(t, dir, "empty")
	if r.code != 0 || r.stderr != "exportdb check: warning: no Python files to check in empty\n" || r.stdout != "No Python files found: nothing was checked.\n" {
		t.Errorf("empty directory: %v", r)
	}
	r = exportdbCheck(t, dir, "empty", "m.py")
	if r.code != 0 || !strings.Contains(r.stderr, "no Python files to check in empty") || !strings.Contains(r.stdout, "All checks passed!") {
		t.Errorf("empty directory and a file: %v", r)
	}
	if r = exportdbCheck(t, dir, ".", "."); r.code != 0 || r.stderr != "" {
		t.Errorf("a directory named twice: %v", r)
	}
	r = exportdbCheck(t, dir, "missing.py", "m.py")
	if r.code != 2 || !strings.Contains(r.stderr, "missing.py: error: cannot check: no such file or directory") || !strings.Contains(r.stdout, "1 file could not be checked") {
		t.Errorf("missing path: %v", r)
	}
	for _, tt := range []struct{ version, warning string }{
		{"9.9", "exportdb check: warning: torch 9.9 is newer than the newest version exportdb knows"},
		{"1.13", "exportdb check: warning: torch 1.13 is older than the oldest version ExportDB records (2.2)"},
		{"2.5", ""},
	} {
		r = exportdbCheck(t, dir, "--torch-version", tt.version)
		if tt.warning == "" && strings.Contains(r.stderr, "warning") || !strings.Contains(r.stderr, tt.warning) || r.code != 0 {
			t.Errorf("--torch-version %s: %v", tt.version, r)
		}
	}
	// from the configuration too
	cfg := checkTree(t, map[string]string{"pyproject.toml": "[tool.exportdb]\ntorch-version = \"3.1\"\n", "m.py": cleanModel})
	if r := exportdbCheck(t, cfg); !strings.Contains(r.stderr, "torch 3.1 is newer") {
		t.Errorf("configured 3.1: %v", r)
	}
	if _, errb, code := runCmd(t, "cases", "--torch-version", "9.9"); code != 0 || !strings.Contains(errb, "warning: torch 9.9 is newer") {
		t.Errorf("cases --torch-version 9.9: exit %d, %q", code, errb)
	}
}

func TestCheckGitLabFormat(t *testing.T) {
	dir := checkTree(t, map[string]string{"pkg/model.py": roundModel, "hint.py": "x = 1  # exportdb: ignore[dynamic_shape_round]\n", "bad.py": "import torch\n\xff\n"})
	r := exportdbCheckIn(t, dir, "", []string{"CI_PROJECT_DIR=" + dir}, "--format", "gitlab", ".")
	var issues []struct {
		Type, Description, Fingerprint, Severity string
		CheckName                                string `json:"check_name"`
		Location                                 struct {
			Path      string
			Positions struct{ Begin, End struct{ Line, Column int } }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &issues); err != nil || r.code != 2 {
		t.Fatalf("%v\n%v", err, r)
	}
	if len(issues) != 3 {
		t.Fatalf("%d issues, want 3: %s", len(issues), r.stdout)
	}
	bad, hint, round := issues[0], issues[1], issues[2]
	if bad.CheckName != "exportdb/not-checked" || bad.Severity != "blocker" || bad.Location.Path != "bad.py" || bad.Location.Positions.Begin.Line != 2 {
		t.Errorf("bad.py: %+v", bad)
	}
	if hint.Severity != "info" || hint.CheckName != "exportdb/unused_suppression" {
		t.Errorf("hint.py: %+v", hint)
	}
	p := round.Location.Positions
	if round.CheckName != "exportdb/dynamic_shape_round" || round.Severity != "critical" || round.Location.Path != "pkg/model.py" ||
		p.Begin.Line != roundLine || p.Begin.Column != roundCol || p.End.Column != roundEndCol || len(round.Fingerprint) != 32 {
		t.Errorf("model.py: %+v", round)
	}
	// a fingerprint does not change when the code moves down
	if err := os.WriteFile(filepath.Join(dir, "pkg/model.py"), []byte("\n\n"+roundModel), 0o644); err != nil {
		t.Fatal(err)
	}
	r2 := exportdbCheckIn(t, dir, "", []string{"CI_PROJECT_DIR=" + dir}, "--format", "gitlab", "pkg")
	if !strings.Contains(r2.stdout, round.Fingerprint) || !strings.Contains(r2.stdout, `"line": 10`) {
		t.Errorf("moved finding: fingerprint %s not kept:\n%s", round.Fingerprint, r2.stdout)
	}
	if r := exportdbCheck(t, checkTree(t, map[string]string{"m.py": cleanModel}), "--format", "gitlab"); r.stdout != "[]\n" || r.code != 0 {
		t.Errorf("clean: %v", r)
	}
}

func TestCheckJUnitFormat(t *testing.T) {
	dir := checkTree(t, map[string]string{"pkg/model.py": roundModel, "hint.py": "x = 1  # exportdb: ignore[dynamic_shape_round]\n", "bad.py": "import torch\n\x00\n"})
	r := exportdbCheck(t, dir, "--format", "junit")
	type problem struct {
		Type    string `xml:"type,attr"`
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
	var doc struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Errors   int      `xml:"errors,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name      string   `xml:"name,attr"`
				Classname string   `xml:"classname,attr"`
				Failure   *problem `xml:"failure"`
				Error     *problem `xml:"error"`
				SystemOut string   `xml:"system-out"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(r.stdout), &doc); err != nil || r.code != 2 {
		t.Fatalf("%v\n%v", err, r)
	}
	if doc.Tests != 3 || doc.Failures != 1 || doc.Errors != 1 || len(doc.Suites) != 3 {
		t.Fatalf("counts: %+v\n%s", doc, r.stdout)
	}
	if c := doc.Suites[0].Cases[0]; doc.Suites[0].Name != "bad.py" || c.Error == nil || c.Error.Type != "source" {
		t.Errorf("bad.py: %+v", doc.Suites[0])
	}
	if c := doc.Suites[1].Cases[0]; c.Failure != nil || !strings.Contains(c.SystemOut, "unused_suppression") {
		t.Errorf("hint.py (below the fail level): %+v", c)
	}
	c := doc.Suites[2].Cases[0]
	if c.Name != "dynamic_shape_round at 8:20" || c.Classname != "pkg/model.py" || c.Failure == nil || c.Failure.Type != "error" ||
		c.Failure.Message != roundMessage || !strings.Contains(c.Failure.Text, "see: https://pytorch.org/") {
		t.Errorf("model.py: %+v", c)
	}
	// --fail-level hint makes the hint a failure too, as it fails the run
	r = exportdbCheck(t, dir, "--format", "junit", "--fail-level", "hint", "hint.py")
	if !strings.Contains(r.stdout, `<failure type="hint"`) || r.code != 1 {
		t.Errorf("fail level hint: %v", r)
	}
	r = exportdbCheck(t, checkTree(t, map[string]string{"m.py": cleanModel}), "--format", "junit")
	if !strings.Contains(r.stdout, `<testcase name="no findings" classname="exportdb"></testcase>`) || r.code != 0 {
		t.Errorf("clean: %v", r)
	}
}
