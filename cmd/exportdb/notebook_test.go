package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `exportdb check` on Jupyter notebooks, end to end, against goldens in
// testdata/notebooks: router.ipynb (written by Python's json module as nbformat does) has a
// finding in each of three code cells, magics, markdown and raw cells, outputs and
// metadata. `go test ./cmd/exportdb -run Notebook -update` rewrites the *.golden files;
// router.fixed.ipynb is not rewritten: it is Python's json.dumps of the fixed notebook,
// the oracle the write-back is byte-compared to.

var update = flag.Bool("update", false, "rewrite the notebook .golden files")

const nbDir = "testdata/notebooks"

// golden compares got with testdata/notebooks/name (or writes it with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(nbDir, name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// notebookTree copies fixture notebooks into a new directory.
func notebookTree(t *testing.T, names map[string]string) string {
	t.Helper()
	files := map[string]string{}
	for to, from := range names {
		files[to] = readText(t, filepath.Join(nbDir, from))
	}
	return checkTree(t, files)
}

// indentJSON re-indents part of a report for a readable golden.
func indentJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

func TestNotebookFormats(t *testing.T) {
	dir := notebookTree(t, map[string]string{"router.ipynb": "router.ipynb"})
	for _, tc := range []struct {
		format, golden string
		extract        func(t *testing.T, out string) string
	}{
		{"text", "router.text.golden", nil},
		{"concise", "router.concise.golden", nil},
		{"github", "router.github.golden", nil},
		{"json", "router.json.golden", func(t *testing.T, out string) string {
			var rep struct {
				Findings json.RawMessage `json:"findings"`
				Errors   json.RawMessage `json:"errors"`
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatal(err)
			}
			return indentJSON(t, rep)
		}},
		{"sarif", "router.sarif.golden", func(t *testing.T, out string) string {
			var log struct {
				Runs []struct {
					Results     []map[string]any `json:"results"`
					Invocations json.RawMessage  `json:"invocations"`
				} `json:"runs"`
			}
			if err := json.Unmarshal([]byte(out), &log); err != nil {
				t.Fatal(err)
			}
			for _, res := range log.Runs[0].Results {
				delete(res, "ruleIndex") // moves whenever a rule is added
			}
			return indentJSON(t, log.Runs[0])
		}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			r := exportdbCheck(t, dir, "--format", tc.format)
			if r.code != 1 || r.stderr != "" {
				t.Fatalf("want exit 1 and no errors: %v", r)
			}
			out := r.stdout
			if tc.extract != nil {
				out = tc.extract(t, out)
			}
			golden(t, tc.golden, out)
		})
	}
}

// TestNotebookSARIFFixesApply applies the SARIF fixes of router.ipynb as a SARIF consumer
// would (replace each deleted region of the file by the inserted content) and requires the
// result to be what --fix writes.
func TestNotebookSARIFFixesApply(t *testing.T) {
	dir := notebookTree(t, map[string]string{"router.ipynb": "router.ipynb"})
	r := exportdbCheck(t, dir, "--format", "sarif")
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
				Fixes  []struct {
					Properties struct {
						Safety string `json:"safety"`
					} `json:"properties"`
					ArtifactChanges []struct {
						Replacements []struct {
							DeletedRegion struct {
								StartLine, StartColumn, EndLine, EndColumn int
							} `json:"deletedRegion"`
							InsertedContent struct {
								Text string `json:"text"`
							} `json:"insertedContent"`
						} `json:"replacements"`
					} `json:"artifactChanges"`
				} `json:"fixes"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &log); err != nil {
		t.Fatal(err)
	}
	text := readText(t, filepath.Join(dir, "router.ipynb"))
	// the round fix alone (unsafe; one cell)
	for _, res := range log.Runs[0].Results {
		if res.RuleID != "dynamic_shape_round" {
			continue
		}
		if len(res.Fixes) != 1 || len(res.Fixes[0].ArtifactChanges) != 1 || len(res.Fixes[0].ArtifactChanges[0].Replacements) != 1 {
			t.Fatalf("want one fix with one replacement: %+v", res.Fixes)
		}
		rep := res.Fixes[0].ArtifactChanges[0].Replacements[0]
		lines := strings.SplitAfter(text, "\n")
		offset := func(line, col int) int {
			n := 0
			for _, l := range lines[:line-1] {
				n += len(l)
			}
			return n + len(string([]rune(lines[line-1])[:col-1]))
		}
		d := rep.DeletedRegion
		s, e := offset(d.StartLine, d.StartColumn), offset(d.EndLine, d.EndColumn)
		got := text[:s] + rep.InsertedContent.Text + text[e:]
		fixDir := notebookTree(t, map[string]string{"router.ipynb": "router.ipynb"})
		exportdbCheck(t, fixDir, "--fix", "--unsafe-fixes", "--select", "dynamic_shape_round")
		if want := readText(t, filepath.Join(fixDir, "router.ipynb")); got != want {
			t.Errorf("the SARIF fix applied gives\n%s\nwant what --fix writes\n%s", got, want)
		}
		return
	}
	t.Fatal("no dynamic_shape_round result")
}

func TestNotebookFix(t *testing.T) {
	dir := notebookTree(t, map[string]string{"router.ipynb": "router.ipynb"})
	r := exportdbCheck(t, dir, "--fix", "--format", "concise")
	if r.code != 1 || !strings.Contains(r.stdout, "Found 3 findings (2 fixed, 1 remaining)") {
		t.Fatalf("%v", r)
	}
	got := readText(t, filepath.Join(dir, "router.ipynb"))
	if want := readText(t, filepath.Join(nbDir, "router.fixed.ipynb")); got != want {
		t.Errorf("--fix wrote\n%s\nwant (Python's json.dumps of the fixed notebook)\n%s", got, want)
	}
	// fixed notebooks stay fixed, and report the remaining finding in the file as written
	r = exportdbCheck(t, dir, "--fix", "--format", "concise")
	want := "router.ipynb:cell 4:7:13: error dynamic_shape_round: round() on a size derived from a tensor shape cannot be exported [unsafe fix]\n"
	if !strings.HasPrefix(r.stdout, want) || readText(t, filepath.Join(dir, "router.ipynb")) != got {
		t.Errorf("second --fix: %v", r)
	}

	// --diff: one diff per changed cell, nothing written
	dir = notebookTree(t, map[string]string{"router.ipynb": "router.ipynb"})
	r = exportdbCheck(t, dir, "--diff", "--unsafe-fixes")
	if r.code != 1 || readText(t, filepath.Join(dir, "router.ipynb")) != readText(t, filepath.Join(nbDir, "router.ipynb")) {
		t.Fatalf("--diff: %v", r)
	}
	golden(t, "router.diff.golden", r.stdout)
}

// TestNotebookMalformed: a notebook that cannot be read is an error naming the place, the
// other files are still checked, and --fix loses nothing.
func TestNotebookMalformed(t *testing.T) {
	files := map[string]string{"router.ipynb": "router.ipynb"}
	for _, n := range []string{"broken", "v3", "badsource", "nul", "r"} {
		files[n+".ipynb"] = n + ".ipynb"
	}
	dir := notebookTree(t, files)
	r := exportdbCheck(t, dir, "--fix", "--unsafe-fixes", "--format", "concise")
	if r.code != 2 {
		t.Errorf("exit %d, want 2", r.code)
	}
	golden(t, "malformed.stderr.golden", r.stderr)
	if !strings.Contains(r.stdout, "Found 3 findings (3 fixed, 0 remaining)") {
		t.Errorf("the good notebook was not fixed: %v", r)
	}
	for _, n := range []string{"broken", "v3", "badsource", "nul", "r"} {
		if got, want := readText(t, filepath.Join(dir, n+".ipynb")), readText(t, filepath.Join(nbDir, n+".ipynb")); got != want {
			t.Errorf("%s.ipynb changed", n)
		}
	}
	// json names the kind and the place
	r = exportdbCheck(t, dir, "--format", "json", "nul.ipynb", "broken.ipynb")
	var rep struct {
		Errors []struct {
			Path, Kind, Message string
			Start               *struct{ Cell, Line, Column int }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) != 2 || rep.Errors[0].Path != "broken.ipynb" || rep.Errors[0].Kind != "source" || rep.Errors[0].Start == nil || rep.Errors[0].Start.Cell != 0 ||
		rep.Errors[1].Path != "nul.ipynb" || rep.Errors[1].Start == nil || *rep.Errors[1].Start != (struct{ Cell, Line, Column int }{1, 2, 7}) {
		t.Errorf("json errors: %+v", rep.Errors)
	}
}

// TestNotebookDiscovery: directories are searched for notebooks as for Python files;
// .ipynb_checkpoints is never entered; exclude globs and .gitignore apply.
func TestNotebookDiscovery(t *testing.T) {
	dir := notebookTree(t, map[string]string{
		"nb/router.ipynb": "router.ipynb",
		"nb/.ipynb_checkpoints/router-checkpoint.ipynb": "router.ipynb",
		"ignored/router.ipynb":                          "router.ipynb",
		"excluded/router.ipynb":                         "router.ipynb",
		"Upper.IPYNB":                                   "router.ipynb",
	})
	for name, content := range map[string]string{
		".gitignore":    "ignored/\n",
		"exportdb.toml": "exclude = [\"excluded/*.ipynb\"]\n",
		"nb/.git/keep":  "",
		"nb/sibling.py": roundModel,
		"nb/.ipynb_checkpoints/sibling-checkpoint.py": roundModel,
	} {
		full := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := exportdbCheck(t, dir, "--format", "concise", "--quiet")
	var files []string
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		f, _, _ := strings.Cut(l, ":")
		if len(files) == 0 || files[len(files)-1] != f {
			files = append(files, f)
		}
	}
	if want := []string{"Upper.IPYNB", "nb/router.ipynb", "nb/sibling.py"}; strings.Join(files, " ") != strings.Join(want, " ") {
		t.Errorf("files with findings %q, want %q\n%v", files, want, r)
	}
	// a notebook named on the command line is checked even when excluded, as a Python file is
	r = exportdbCheck(t, dir, "--format", "concise", "--quiet", "excluded/router.ipynb")
	if !strings.HasPrefix(r.stdout, "excluded/router.ipynb:cell 2:4:6:") {
		t.Errorf("named notebook: %v", r)
	}
	// exclude = ["*.ipynb"] turns notebooks off
	if err := os.WriteFile(filepath.Join(dir, "exportdb.toml"), []byte("exclude = [\"*.ipynb\", \"*.IPYNB\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = exportdbCheck(t, dir, "--format", "concise", "--quiet")
	if strings.Contains(r.stdout, "ipynb") || !strings.Contains(r.stdout, "nb/sibling.py") {
		t.Errorf("with notebooks excluded: %v", r)
	}
}

// TestNotebookSuppression: an ignore comment in a cell works as in a file, and
// ignore-file in any cell covers the notebook.
func TestNotebookSuppression(t *testing.T) {
	raw := readText(t, filepath.Join(nbDir, "router.ipynb"))
	one := strings.Replace(raw, `self.stride)  # café\n"`, `self.stride)  # café exportdb: ignore[dynamic_shape_round]\n"`, 1)
	all := strings.Replace(raw, `"import torch\n",`, `"import torch  # exportdb: ignore-file[dynamic_shape_round, cond_operands, deprecated_export_api]\n",`, 1)
	dir := checkTree(t, map[string]string{"one.ipynb": one, "all.ipynb": all})
	r := exportdbCheck(t, dir, "--format", "concise", "--quiet")
	if strings.Contains(r.stdout, "all.ipynb") || strings.Contains(r.stdout, "one.ipynb:cell 4") || !strings.Contains(r.stdout, "one.ipynb:cell 5") {
		t.Errorf("suppressions: %v", r)
	}
	if !bytes.Contains([]byte(one), []byte("ignore[dynamic_shape_round]")) {
		t.Fatal("fixture edit did not apply")
	}
}

// TestNotebookLarge: a notebook larger than a source file may be (its outputs) is checked;
// its code is what the source limit applies to.
func TestNotebookLarge(t *testing.T) {
	raw := readText(t, filepath.Join(nbDir, "router.ipynb"))
	png := strings.Repeat("iVBORw0KGgo", (17<<20)/11) // 17 MiB of "image/png" output
	big := strings.Replace(raw, `"text/plain": [`, `"image/png": "`+png+`",`+"\n"+`     "text/plain": [`, 1)
	if len(big) < 17<<20 {
		t.Fatal("fixture edit did not apply")
	}
	dir := checkTree(t, map[string]string{"big.ipynb": big})
	r := exportdbCheck(t, dir, "--format", "concise", "--quiet")
	if r.code != 1 || !strings.Contains(r.stdout, "big.ipynb:cell 4:7:13: error dynamic_shape_round") {
		t.Errorf("%v", r)
	}
}

// TestNotebookImportsHelper: the notebook's module is linked with the project, as a file
// is: a helper it calls from forward is checked, and the call chain's place in the
// notebook is shown as a cell position (text, json) or in the .ipynb file (SARIF).
func TestNotebookImportsHelper(t *testing.T) {
	nb := `{"cells": [
 {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null, "source": ["import torch\n", "from sizes import half\n"]},
 {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null, "source": [
  "class M(torch.nn.Module):\n",
  "    def forward(self, x):\n",
  "        return x[: half(x.shape[0])]\n"]}
], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
`
	dir := checkTree(t, map[string]string{"nb.ipynb": nb, "sizes.py": "def half(n):\n    return round(n / 2)\n"})
	r := exportdbCheck(t, dir)
	if !strings.Contains(r.stdout, "sizes.py:2:12: error dynamic_shape_round") || !strings.Contains(r.stdout, "= note: nb.ipynb:cell 2:3:20: M.forward calls half") {
		t.Errorf("text: %v", r)
	}
	r = exportdbCheck(t, dir, "--format", "json")
	var rep struct {
		Findings []struct {
			Related []struct {
				Path  string
				Start struct{ Cell, Line, Column int }
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 1 || len(rep.Findings[0].Related) != 1 || rep.Findings[0].Related[0].Path != "nb.ipynb" ||
		rep.Findings[0].Related[0].Start != (struct{ Cell, Line, Column int }{2, 3, 20}) {
		t.Errorf("json: %+v", rep.Findings)
	}
	r = exportdbCheck(t, dir, "--format", "sarif")
	var log struct {
		Runs []struct {
			Results []struct {
				RelatedLocations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &log); err != nil {
		t.Fatal(err)
	}
	line := strings.Split(nb, "\n")
	rl := log.Runs[0].Results[0].RelatedLocations[0].PhysicalLocation
	if rl.ArtifactLocation.URI != "nb.ipynb" || !strings.HasPrefix(line[rl.Region.StartLine-1][rl.Region.StartColumn-1:], "half(x.shape[0])") {
		t.Errorf("sarif related location %+v", rl)
	}
}

// TestNotebookCLIModes: a notebook through stdin (editors' format-on-save pipelines), with
// --add-ignore, in the GitLab and JUnit formats, and in a directory holding only notebooks.
func TestNotebookCLIModes(t *testing.T) {
	raw := readText(t, filepath.Join(nbDir, "router.ipynb"))
	t.Run("stdin", func(t *testing.T) {
		dir := t.TempDir()
		r := exportdbCheckIn(t, dir, raw, nil, "-", "--stdin-filename", "nb/router.ipynb", "--format", "concise", "--quiet")
		if r.code != 1 || !strings.HasPrefix(r.stdout, "nb/router.ipynb:cell 2:4:6: hint deprecated_export_api") {
			t.Errorf("%v", r)
		}
		r = exportdbCheckIn(t, dir, raw, nil, "-", "--stdin-filename", "nb/router.ipynb", "--fix")
		if want := readText(t, filepath.Join(nbDir, "router.fixed.ipynb")); r.stdout != want {
			t.Errorf("--fix from stdin printed\n%s\nwant the fixed notebook\n%s", r.stdout, want)
		}
	})
	t.Run("add-ignore", func(t *testing.T) {
		dir := notebookTree(t, map[string]string{"router.ipynb": "router.ipynb"})
		r := exportdbCheck(t, dir, "--add-ignore")
		if r.code != 0 {
			t.Fatalf("%v", r)
		}
		got := readText(t, filepath.Join(dir, "router.ipynb"))
		var before, after struct {
			Cells []struct {
				Source  []string
				Outputs []any
			}
		}
		if err := json.Unmarshal([]byte(raw), &before); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(got), &after); err != nil {
			t.Fatalf("the notebook is no longer JSON: %v\n%s", err, got)
		}
		model := strings.Join(after.Cells[3].Source, "")
		if !strings.Contains(model, "n = round(x.shape[0] / self.stride)  # café  # exportdb: ignore[dynamic_shape_round]\n") {
			t.Errorf("cell 4 after --add-ignore:\n%s", model)
		}
		for i := range before.Cells {
			if len(after.Cells[i].Outputs) != len(before.Cells[i].Outputs) {
				t.Errorf("cell %d lost its outputs", i+1)
			}
		}
		if r := exportdbCheck(t, dir); r.code != 0 || !strings.Contains(r.stdout, "All checks passed") {
			t.Errorf("after --add-ignore: %v", r)
		}
	})
	t.Run("gitlab and junit", func(t *testing.T) {
		dir := notebookTree(t, map[string]string{"router.ipynb": "router.ipynb"})
		r := exportdbCheckIn(t, dir, "", []string{"CI_PROJECT_DIR=" + dir}, "--format", "gitlab")
		var issues []struct {
			Description string
			Location    struct {
				Path      string
				Positions struct{ Begin struct{ Line, Column int } }
			}
		}
		if err := json.Unmarshal([]byte(r.stdout), &issues); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(raw, "\n")
		found := false
		for _, is := range issues {
			if strings.HasPrefix(is.Description, "cell 4:7:13: dynamic_shape_round: ") {
				b := is.Location.Positions.Begin
				found = is.Location.Path == "router.ipynb" && strings.HasPrefix(string([]rune(lines[b.Line-1])[b.Column-1:]), "round(x.shape[0]")
			}
		}
		if !found {
			t.Errorf("gitlab issues %+v: want the round() one at its line of the .ipynb file", issues)
		}
		r = exportdbCheck(t, dir, "--format", "junit")
		if !strings.Contains(r.stdout, `<testcase name="dynamic_shape_round at cell 4:7:13" classname="router.ipynb">`) {
			t.Errorf("junit:\n%s", r.stdout)
		}
	})
	t.Run("only notebooks", func(t *testing.T) {
		dir := notebookTree(t, map[string]string{"nb/router.ipynb": "router.ipynb"})
		r := exportdbCheck(t, dir, "nb", "--format", "concise")
		if strings.Contains(r.stderr, "no Python files") || !strings.Contains(r.stdout, "nb/router.ipynb:cell 4:7:13") {
			t.Errorf("%v", r)
		}
	})
}

// TestNotebookDeclaredAt: a message naming an export call in a notebook names its cell and
// the line in it, as text output places findings ("nb.ipynb:cell 4:3"), not a line of the
// module the code cells make (line 10 here); markdown cells count.
func TestNotebookDeclaredAt(t *testing.T) {
	nb := `{"cells": [
 {"cell_type": "markdown", "metadata": {}, "source": ["# Export the stem\n"]},
 {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null, "source": ["import torch\n", "from torch.export import Dim, export\n"]},
 {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null, "source": [
  "class Stem(torch.nn.Module):\n",
  "    def forward(self, x):\n",
  "        if x.shape[0] == 4:\n",
  "            return x + 1\n",
  "        return x - 1\n"]},
 {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null, "source": [
  "x = torch.randn(4, 3)\n",
  "model = Stem()\n",
  "ep = export(model, (x,), dynamic_shapes={\"x\": {0: Dim(\"batch\")}})\n"]}
], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
`
	dir := checkTree(t, map[string]string{"nb.ipynb": nb})
	r := exportdbCheck(t, dir, "--torch-version", "2.11")
	if !strings.Contains(r.stdout, "nb.ipynb:cell 3:3:12: error dynamic_shape_if_guard") || !strings.Contains(r.stdout, "declared at nb.ipynb:cell 4:3)") {
		t.Errorf("text: %v", r)
	}
	if strings.Contains(r.stdout, "nb.ipynb:10") {
		t.Errorf("a module line in a message: %v", r)
	}
}
