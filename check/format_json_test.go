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
