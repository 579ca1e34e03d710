package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/rules"
	"github.com/exportdb-lsp/exportdb-lsp/config"
)

// writeFile replaces path's content at once (a temporary file renamed over it), as most
// editors save: the server, which may read the file at any moment, never sees half of it.
func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestConfigFileChange(t *testing.T) {
	dir := t.TempDir()
	py := filepath.Join(dir, "pyproject.toml")
	writeFile(t, py, "[project]\nname = \"m\"\n\n[tool.exportdb]\nignore = [\"dynamic_shape_round\"]\n")
	file := filepath.Join(dir, "pkg", "model.py")
	text, _ := fixture(t, roundModel)
	writeFile(t, file, text)

	c := newTestClient(t)
	caps := capsNeovim07()
	caps.Workspace.DidChangeWatchedFiles.DynamicRegistration = true
	c.initialize(initParams{Capabilities: caps, WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(pathToURI(dir)), Name: "w"}}})
	c.waitFor("watcher registration", func() bool {
		for _, r := range c.registers {
			for _, reg := range r.Registrations {
				if reg.Method == "workspace/didChangeWatchedFiles" && strings.Contains(string(mustJSON(reg.RegisterOptions)), "pyproject.toml") {
					return true
				}
			}
		}
		return false
	})
	uri := pathToURI(file)
	c.open(uri, text)
	if got := c.diagsFor(uri, 1); len(got.Diagnostics) != 0 {
		t.Fatalf("ignored by pyproject.toml, yet %+v", got.Diagnostics)
	}

	// the project stops ignoring the case: re-published with the finding
	writeFile(t, py, "[project]\nname = \"m\"\n\n[tool.exportdb]\nseverity = { dynamic_shape_round = \"warning\" }\n")
	before := c.publishes(uri)
	c.notify("workspace/didChangeWatchedFiles", protocol.DidChangeWatchedFilesParams{Changes: []*protocol.FileEvent{{URI: pathToURI(py), Type: protocol.FileChangeTypeChanged}}})
	c.waitFor("re-publish", func() bool { return len(c.diags[uri]) > before })
	got := c.diagsFor(uri, 1)
	if len(got.Diagnostics) != 1 || got.Diagnostics[0].Severity != protocol.DiagnosticSeverityWarning {
		t.Fatalf("after the config change: %+v, want one warning", got.Diagnostics)
	}

	// an invalid configuration: a message and a diagnostic on the file at the line
	writeFile(t, py, "[project]\nname = \"m\"\n\n[tool.exportdb]\ntorch-version = \"banana\"\n")
	pyURI := pathToURI(py)
	// the valid change above may have published (empty) diagnostics for the file: wait
	// for the publish this change sets off, not that one
	pyBefore := c.publishes(pyURI)
	c.notify("workspace/didChangeWatchedFiles", protocol.DidChangeWatchedFilesParams{Changes: []*protocol.FileEvent{{URI: pathToURI(py), Type: protocol.FileChangeTypeChanged}}})
	c.waitFor("config diagnostics", func() bool { return len(c.diags[pyURI]) > pyBefore })
	cfgDiag := c.diagsFor(pyURI, -1)
	if len(cfgDiag.Diagnostics) != 1 {
		t.Fatalf("config diagnostics %+v", cfgDiag.Diagnostics)
	}
	d := cfgDiag.Diagnostics[0]
	if d.Range.Start.Line != 4 || d.Severity != protocol.DiagnosticSeverityError || !strings.Contains(d.Message, "torch-version") {
		t.Errorf("config diagnostic %+v, want an error on line 5 (torch-version)", d)
	}
	c.waitFor("an error message", func() bool {
		for _, m := range c.messages {
			if m.Type == protocol.MessageTypeError && strings.Contains(m.Message, "pyproject.toml") && strings.Contains(m.Message, "torch-version") {
				return true
			}
		}
		return false
	})
	// the document is still analysed (with defaults): never silence
	c.waitFor("re-publish with defaults", func() bool {
		l := c.diags[uri]
		return len(l[len(l)-1].Diagnostics) == 1 && l[len(l)-1].Diagnostics[0].Severity == protocol.DiagnosticSeverityError
	})

	// fixed again (saved from the editor): the config diagnostic is cleared
	writeFile(t, py, "[project]\nname = \"m\"\n\n[tool.exportdb]\ntorch-version = \"2.5\"\n")
	c.notify("textDocument/didSave", protocol.DidSaveTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: pyURI}})
	c.waitFor("cleared config diagnostic", func() bool {
		l := c.diags[pyURI]
		return len(l[len(l)-1].Diagnostics) == 0
	})
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// TestEditorAgreesWithCheck: the same file with the same configuration (project file plus
// editor settings, which `exportdb check` takes as flags) gives the same findings through
// the server as through config.Discover/With/Options and analysis.
func TestEditorAgreesWithCheck(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "exportdb.toml"), `torch-version = "2.5"
ignore = ["static_for_loop"]

[severity]
assume_constant_result = "error"

[per-file-ignores]
"tests/**" = ["ALL"]
`)
	src := `import torch
import torch._dynamo


@torch._dynamo.assume_constant_result
def get_len(x):
    return x.shape[0]


class M(torch.nn.Module):
    def forward(self, x):
        n = get_len(x)
        for i in range(3):
            x = x + i
        y = x + 1  # exportdb: ignore[static_if]
        return x[: round(x.shape[0] / 2)] + torch.sym_min(n, 3)
`
	settings := json.RawMessage(`{"exportdb":{"severity":{"dynamic_shape_round":"warning"},"extendIgnore":["python.closure"]}}`)
	overrides := config.Overrides{Severity: map[string]string{"dynamic_shape_round": "warning"}, ExtendIgnore: []string{"python.closure"}}
	for _, rel := range []string{"src/model.py", "tests/test_model.py"} {
		t.Run(rel, func(t *testing.T) {
			file := filepath.Join(dir, rel)
			writeFile(t, file, src)

			// what exportdb check computes
			cfg, err := config.Discover(file)
			if err != nil {
				t.Fatal(err)
			}
			if cfg, err = cfg.With(overrides); err != nil {
				t.Fatal(err)
			}
			p := syntaxParser(t)
			f, err := analysis.Parse(context.Background(), p, []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			opts := cfg.Options(file)
			opts.MinSeverity = analysis.Hint // check's default --min-severity
			res := analysis.Analyze(context.Background(), f, rules.All(), opts)
			lines := newLineIndex([]byte(src))
			var want []string
			for _, fd := range res.Findings {
				if sev, ok := lspSeverity(fd.Severity); ok {
					want = append(want, diagKey(fd.Case, sev, lines.rangeOf(fd.Start, fd.End, encUTF16)))
				}
			}

			c := newTestClient(t)
			c.initialize(initParams{Capabilities: capsNeovim07(), InitializationOptions: settings})
			uri := pathToURI(file)
			c.open(uri, src)
			var got []string
			for _, d := range c.diagsFor(uri, 1).Diagnostics {
				got = append(got, diagKey(fmt.Sprint(d.Code), d.Severity, d.Range))
			}
			sort.Strings(want)
			sort.Strings(got)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("editor:\n%s\ncheck:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if rel == "src/model.py" && len(got) == 0 {
				t.Fatal("no findings at all: the comparison proves nothing")
			}
			t.Logf("%d findings agree", len(got))
		})
	}
}

func diagKey(code string, sev protocol.DiagnosticSeverity, r protocol.Range) string {
	b, _ := json.Marshal(struct {
		C string
		S protocol.DiagnosticSeverity
		R protocol.Range
	}{code, sev, r})
	return string(b)
}

func TestSettingsParsing(t *testing.T) {
	for _, tc := range []struct {
		in      string
		version string
		scan    bool
		err     bool
	}{
		{``, "", false, false},
		{`null`, "", false, false},
		{`{"exportdb":{"torchVersion":"2.5","scanWorkspaceOnStartup":true}}`, "2.5", true, false},
		{`{"torchVersion":"2.7"}`, "2.7", false, false},
		{`{"exportdb":null}`, "", false, false},
		{`{"exportdb":{"torchVersion":2.10}}`, "", false, true},
		{`[1]`, "", false, true},
	} {
		s, err := parseSettings(json.RawMessage(tc.in))
		if (err != nil) != tc.err || s.TorchVersion != tc.version || s.ScanWorkspaceOnStartup != tc.scan {
			t.Errorf("parseSettings(%s) = %+v, %v", tc.in, s, err)
		}
	}
}

func TestConfigurationPulled(t *testing.T) {
	c := newTestClient(t, withRules(rulesWithSymMin()))
	c.configSection = json.RawMessage(`{"torchVersion":"2.5"}`)
	c.start()
	src := "import torch\n\n\nclass M(torch.nn.Module):\n    def forward(self, x):\n        return torch.sym_min(x.size(0), 100)\n"
	uri := protocol.DocumentURI("file:///work/pulled.py")
	c.open(uri, src)
	c.waitFor("an error at torch 2.5 from workspace/configuration", func() bool {
		l := c.diags[uri]
		if len(l) == 0 {
			return false
		}
		for _, d := range l[len(l)-1].Diagnostics {
			if d.Code == "torch_sym_min" && d.Severity == protocol.DiagnosticSeverityError {
				return true
			}
		}
		return false
	})
}
