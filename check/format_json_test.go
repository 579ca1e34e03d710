package check

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/internal/testfs"
)

// TestJSONReportIsTheEncodersOutput: the report assembled from findings rendered by the
// workers is byte for byte what encoding/json makes of the same report, on real findings
// (fixes, related ranges, non-ASCII text, characters HTML would escape), file errors and an
// empty findings list.
func TestJSONReportIsTheEncodersOutput(t *testing.T) {
	examples, _ := filepath.Glob("../examples/*.py")
	fixtures, _ := filepath.Glob("../analysis/rules/testdata/*.py")
	files := map[string]string{
		"odd.py":  "import torch\n\nclass M(torch.nn.Module):\n    def forward(self, x):\n        s = \"<é & 😀>\"\n        return x[: round(x.shape[0] / 2)]\n",
		"bad.py":  "x = '\xff'\n",
		"none.py": "x = 1\n",
	}
	for _, p := range append(examples, fixtures...) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files["src/"+filepath.Base(p)] = string(b)
	}
	dir := testfs.WriteTree(t, files)
	for _, paths := range [][]string{nil, {"none.py"}} {
		r := run(t, dir, Options{Format: FormatJSON, Paths: paths})
		var rep jsonReport
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("%v\n%s", err, r.stdout)
		}
		if paths == nil && (len(rep.Findings) < 50 || len(rep.Errors) == 0) {
			t.Fatalf("%d findings, %d errors: the test needs both", len(rep.Findings), len(rep.Errors))
		}
		var want bytes.Buffer
		if err := encodeJSON(&want, rep); err != nil {
			t.Fatal(err)
		}
		if r.stdout != want.String() {
			t.Errorf("paths %v: assembled report differs from the encoder's:\n%s", paths, firstDiff(r.stdout, want.String()))
		}
	}
}

// firstDiff shows where two texts part.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-80)
	return "got:  ..." + a[lo:min(len(a), i+80)] + "\nwant: ..." + b[lo:min(len(b), i+80)]
}

// TestJSONFindingEncoding: appendJSONFinding writes what encoding/json writes for the same
// finding, indented as the report indents findings, whatever is empty or set.
func TestJSONFindingEncoding(t *testing.T) {
	odd := "q\"b\\s/<&>\x00\x01\x1f\x7f\b\f\n\r\t é😀 \u2028\u2029 \xff\xc3 end"
	findings := []jsonFinding{
		{Tags: []string{}, Fixes: []jsonFix{}, Related: []jsonRelated{}},
		{
			Path: "pkg/m.py", Case: "dynamic_shape_round", Severity: "error", Effect: "fails", Message: odd,
			URL: "https://x/#a", Tags: []string{"python.builtin", odd}, TorchVersion: "2.11", Deprecated: true,
			Start: position{Line: 3, Column: 7, Offset: 40}, End: position{Cell: 4, Line: 3, Column: 9, Offset: 42},
			Fixes: []jsonFix{
				{Title: odd, Safety: "unsafe", Edits: []jsonEdit{}},
				{Title: "t", Safety: "safe", Edits: []jsonEdit{{Start: position{Line: 1, Column: 1}, End: position{Line: 1, Column: 2, Offset: 1}, NewText: odd}, {NewText: ""}}},
			},
			Related: []jsonRelated{{Message: "m"}, {Path: odd, Start: position{Cell: 1, Line: 2}, Message: odd}},
		},
	}
	for i := range findings {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("    ", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(&findings[i]); err != nil {
			t.Fatal(err)
		}
		got := string(appendJSONFinding(nil, &findings[i])) + "\n"
		if got != want.String() {
			t.Errorf("finding %d:\n%s", i, firstDiff(got, want.String()))
		}
	}
}

// FuzzJSONString: appendJSONString quotes every string as encoding/json does without HTML
// escaping.
func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "\"\\", "\x00\x1f\x7f", "\b\f\n\r\t", "é😀", "\u2028\u2029", "\xff", "\xe2\x80", "<&>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		if got := string(appendJSONString(nil, s)) + "\n"; got != want.String() {
			t.Errorf("%q: got %s want %s", s, got, want.String())
		}
	})
}
