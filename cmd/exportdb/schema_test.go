package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// Every machine-readable output is validated against its schema by real validators: ajv
// (schemas/validate, installed with npm ci) for the JSON Schemas, the official SARIF
// 2.1.0 schema among them, and xmllint (Debian's libxml2-utils) for JUnit XML against the
// XSD of Jenkins' xUnit plugin. Each schema is also shown a broken document, which must
// fail: a validator that accepted anything would pass the rest.
//
// The validators are not part of Go: without them this test skips, unless
// EXPORTDB_REQUIRE_TOOLS=1 (CI sets it after installing them), where it fails.

func requireTool(t *testing.T, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("EXPORTDB_REQUIRE_TOOLS") == "1" {
		t.Fatalf("%s (EXPORTDB_REQUIRE_TOOLS=1)", what)
	}
	t.Skip(what)
}

func TestReportsMatchTheirSchemas(t *testing.T) {
	schemas, err := filepath.Abs("../../schemas")
	if err != nil {
		t.Fatal(err)
	}
	_, nodeErr := exec.LookPath("node")
	_, ajvErr := os.Stat(filepath.Join(schemas, "validate", "node_modules", "ajv"))
	requireTool(t, nodeErr == nil && ajvErr == nil, "node and schemas/validate/node_modules (npm ci) are needed")
	_, xmllintErr := exec.LookPath("xmllint")
	requireTool(t, xmllintErr == nil, "xmllint (libxml2-utils) is needed")

	// the example models (errors, warnings, information and hints, fixes, related
	// locations, a deprecated API), a file that cannot be read as UTF-8, an unused
	// suppression, names that XML and URIs must escape, and a finding whose related
	// location is in another file
	files := map[string]string{
		"bad.py":            "import torch\nx = '\xff'\n",
		"hint.py":           "x = 1  # exportdb: ignore[dynamic_shape_round]\n",
		"módulo/a&b <c>.py": roundModel,
		// a finding in a helper, with the call from forward in another file as related
		"pkg/__init__.py": "",
		"pkg/helpers.py":  "def half(n):\n    return round(n / 2)\n",
		"pkg/model.py":    "import torch\nfrom torch import nn\nfrom pkg.helpers import half\n\n\nclass Pool(nn.Module):\n    def forward(self, x):\n        return x[: half(x.shape[0])]\n",
	}
	// a notebook (positions with cells; SARIF regions and fixes in the .ipynb file) and one
	// with a NUL byte in a cell (an error at a cell position)
	files["notebooks/router.ipynb"] = readText(t, filepath.Join(nbDir, "router.ipynb"))
	files["notebooks/nul.ipynb"] = readText(t, filepath.Join(nbDir, "nul.ipynb"))
	examples, _ := filepath.Glob("../../examples/*")
	for _, e := range examples {
		if b, err := os.ReadFile(e); err == nil {
			files["examples/"+filepath.Base(e)] = string(b)
		}
	}
	dir := checkTree(t, files)
	empty := t.TempDir()
	out := t.TempDir()
	var docs = map[string][]string{} // schema -> documents
	write := func(schema, name, content string) string {
		p := filepath.Join(out, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		docs[schema] = append(docs[schema], p)
		return p
	}
	report := func(where string, args ...string) string {
		r := exportdbCheckIn(t, where, "", []string{"CI_PROJECT_DIR=" + where}, args...)
		if r.stdout == "" {
			t.Fatalf("%v: no report: %v", args, r)
		}
		return r.stdout
	}
	formats := map[string]string{"json": "exportdb-check.schema.json", "sarif": "third_party/sarif-schema-2.1.0.json", "gitlab": "gitlab-codequality.schema.json", "junit": "junit-10.xsd"}
	for format, schema := range formats {
		for i, variant := range [][]string{{}, {"--min-severity", "off"}, {"--fail-level", "hint"}} {
			write(schema, format+"-"+string(rune('a'+i)), report(dir, append([]string{"--format", format}, variant...)...))
		}
		write(schema, format+"-empty", report(empty, "--format", format))
	}
	if j := readText(t, docs["exportdb-check.schema.json"][0]); !strings.Contains(j, `"path": "pkg/model.py",
          "start"`) {
		t.Errorf("the json report has no related location in another file:\n%s", j)
	}
	if j := readText(t, docs["exportdb-check.schema.json"][0]); !strings.Contains(j, `"cell": 4`) {
		t.Errorf("the json report has no notebook cell position:\n%s", j)
	}
	write("exportdb-statistics.schema.json", "statistics", report(dir, "--statistics", "--format", "json"))
	write("exportdb-statistics.schema.json", "statistics-empty", report(empty, "--statistics", "--format", "json"))
	fixed := checkTree(t, files)
	write("exportdb-check.schema.json", "json-fixed", report(fixed, "--fix", "--unsafe-fixes", "--format", "json"))
	list, _, code := runCmd(t, "cases", "--json", "--origin", "all", "--torch-version", "2.5")
	if code != 0 {
		t.Fatal("cases --json failed")
	}
	write("exportdb-cases.schema.json", "cases", list)
	for _, c := range catalog.Default().Cases() {
		card, _, code := runCmd(t, "cases", c.Name, "--json")
		if code != 0 {
			t.Fatalf("cases %s --json failed", c.Name)
		}
		write("exportdb-cases.schema.json", "case-"+c.Name, card)
	}

	// broken documents: each must be rejected
	broken := map[string]string{}
	breakJSON := func(schema, name string, mutate func(v any) any) {
		var v any
		if err := json.Unmarshal([]byte(readText(t, docs[schema][0])), &v); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(mutate(v))
		p := filepath.Join(out, "broken-"+name)
		os.WriteFile(p, b, 0o644)
		broken[p] = schema
	}
	breakJSON("exportdb-check.schema.json", "json", func(v any) any { delete(v.(map[string]any), "summary"); return v })
	breakJSON("third_party/sarif-schema-2.1.0.json", "sarif", func(v any) any {
		v.(map[string]any)["runs"].([]any)[0].(map[string]any)["results"].([]any)[0].(map[string]any)["level"] = "fatal"
		return v
	})
	breakJSON("gitlab-codequality.schema.json", "gitlab", func(v any) any { v.([]any)[0].(map[string]any)["severity"] = "high"; return v })
	breakJSON("exportdb-statistics.schema.json", "statistics", func(v any) any {
		v.(map[string]any)["statistics"].([]any)[0].(map[string]any)["count"] = 0
		return v
	})
	breakJSON("exportdb-cases.schema.json", "cases", func(v any) any { v.([]any)[0].(map[string]any)["origin"] = "elsewhere"; return v })
	junit := readText(t, docs["junit-10.xsd"][0])
	p := filepath.Join(out, "broken-junit")
	os.WriteFile(p, []byte(strings.Replace(junit, "<testsuite name=", "<testsuite nom=", 1)), 0o644)
	broken[p] = "junit-10.xsd"

	// one validator run per schema, over the reports and the broken copy: the validators
	// say for each document whether it is valid (compiling the SARIF schema takes ajv a
	// second of CPU)
	for p, schema := range broken {
		docs[schema] = append(docs[schema], p)
	}
	for schema, paths := range docs {
		var cmd *exec.Cmd
		if strings.HasSuffix(schema, ".xsd") {
			cmd = exec.Command("xmllint", append([]string{"--noout", "--schema", filepath.Join(schemas, "third_party", schema)}, paths...)...)
		} else {
			cmd = exec.Command("node", append([]string{filepath.Join(schemas, "validate", "validate.mjs"), filepath.Join(schemas, schema)}, paths...)...)
		}
		b, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() == 2) {
			t.Fatalf("%s: %v\n%s", cmd, err, b)
		}
		out := string(b)
		for _, p := range paths {
			// ajv: "PATH: valid against SCHEMA"; xmllint: "PATH validates"
			valid := strings.Contains(out, p+": valid against") || strings.Contains(out, p+" validates")
			invalid := strings.Contains(out, p+": invalid") || strings.Contains(out, p+" fails to validate")
			switch _, isBroken := broken[p]; {
			case valid == invalid:
				t.Errorf("%s: no verdict on %s:\n%s", schema, filepath.Base(p), out)
			case isBroken && valid:
				t.Errorf("%s: a broken document passes %s", filepath.Base(p), schema)
			case !isBroken && invalid:
				t.Errorf("%s: invalid against %s:\n%s", filepath.Base(p), schema, out)
			}
		}
	}
	if len(docs) != 6 {
		t.Errorf("%d schemas used, want 6: %v", len(docs), docs)
	}
}
