package lsp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/exportdb-lsp/exportdb-lsp/internal/testfs"
)

// dimsSession is a server on a project written to disk from a txtar fixture, with the
// model document open.
type dimsSession struct {
	t     *testing.T
	c     *testClient
	p     *dimsProject
	dir   string
	model protocol.DocumentURI
	text  string
}

func startDimsSession(t *testing.T, fixture string, caps testCaps) *dimsSession {
	t.Helper()
	p := loadDimsProject(t, fixture)
	dir := testfs.WriteTree(t, p.files)
	c := newTestClient(t)
	c.initialize(initParams{Capabilities: caps, WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(pathToURI(dir)), Name: "ws"}}})
	c.waitIndexed()
	ds := &dimsSession{t: t, c: c, p: p, dir: dir, model: pathToURI(filepath.Join(dir, "vit", "model.py")), text: p.files["vit/model.py"]}
	c.open(ds.model, ds.text)
	c.diagsFor(ds.model, 1)
	return ds
}

func (ds *dimsSession) mark(name string) int { return ds.p.marks[name].off }

func (ds *dimsSession) lenses() []protocol.CodeLens {
	var lenses []protocol.CodeLens
	ds.c.mustCall("textDocument/codeLens", protocol.CodeLensParams{TextDocument: protocol.TextDocumentIdentifier{URI: ds.model}}, &lenses)
	return lenses
}

// dimsLensAt returns the lens at the forward marker.
func (ds *dimsSession) dimsLensAt() *protocol.CodeLens {
	want := rangeAt(ds.text, ds.mark("fwd"), ds.p.ends["vit/model.py"]["fwd"], ds.c.enc)
	for _, l := range ds.lenses() {
		if l.Range == want {
			return &l
		}
	}
	return nil
}

func (ds *dimsSession) declare(args map[string]any) (declareDimsResult, error) {
	var res declareDimsResult
	err := ds.c.call("workspace/executeCommand", protocol.ExecuteCommandParams{Command: cmdDeclareDims, Arguments: []any{args}}, &res)
	return res, err
}

// lastEdit returns the last workspace/applyEdit as sent.
func (ds *dimsSession) lastEdit() map[string]any {
	ds.c.mu.Lock()
	defer ds.c.mu.Unlock()
	if len(ds.c.appliedRaw) == 0 {
		ds.t.Fatal("no workspace/applyEdit")
	}
	var m map[string]any
	if err := json.Unmarshal(ds.c.appliedRaw[len(ds.c.appliedRaw)-1], &m); err != nil {
		ds.t.Fatal(err)
	}
	return m
}

// saveEdit applies the last edit's changes of path to the file on disk, as a client saving
// the edited buffer does, and tells the server the file changed.
func (ds *dimsSession) saveEdit(path string) string {
	ds.t.Helper()
	ds.c.mu.Lock()
	we := ds.c.applied[len(ds.c.applied)-1].Edit
	ds.c.mu.Unlock()
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		ds.t.Fatal(err)
	}
	uri := pathToURI(path)
	edits := we.Changes[uri]
	if len(edits) == 0 {
		ds.t.Fatalf("the edit %+v does not change %s", we, path)
	}
	text := applyEdits(ds.t, string(old), edits, ds.c.enc)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		ds.t.Fatal(err)
	}
	before := ds.c.publishes(ds.model)
	ds.c.notify("workspace/didChangeWatchedFiles", protocol.DidChangeWatchedFilesParams{Changes: []*protocol.FileEvent{{URI: uri, Type: protocol.FileChangeTypeChanged}}})
	ds.c.waitFor("the model re-diagnosed after the configuration changed", func() bool { return len(ds.c.diags[ds.model]) > before })
	return text
}

func (ds *dimsSession) hoverText(at int) string {
	h := hoverAt(ds.t, ds.c, ds.model, ds.text, at)
	if h == nil {
		return ""
	}
	return h.Contents.Value
}

// TestDeclareDims: the lens above the model's forward offers the command; exportdb/dimsInfo
// tells a client what to ask; the command's edit of pyproject.toml (sent through
// workspace/applyEdit) adds the entry after [tool.exportdb] and keeps the rest byte for byte;
// saving it reloads the configuration, which re-analyses the model: the hover and the lens
// then show the declared dims, and a second command adds an axis to the same entry.
func TestDeclareDims(t *testing.T) {
	ds := startDimsSession(t, "declare.txtar", capsNeovim07())
	c := ds.c
	pyproject := filepath.Join(ds.dir, "pyproject.toml")

	lens := ds.dimsLensAt()
	if lens == nil || lens.Command == nil || lens.Command.Title != "Declare dynamic dims…" || lens.Command.Command != cmdDeclareDims {
		t.Fatalf("lens above forward: %+v", lens)
	}
	for _, l := range ds.lenses() {
		if l.Command != nil && l.Command.Command == cmdDeclareDims && l.Range != lens.Range {
			t.Errorf("a second dims lens %+v: PatchEmbed is a submodule", l)
		}
	}

	var info dimsInfo
	pos := posAt(ds.text, ds.mark("H"), c.enc)
	c.mustCall("exportdb/dimsInfo", dimsInfoParams{TextDocument: protocol.TextDocumentIdentifier{URI: ds.model}, Position: &pos}, &info)
	if info.ConfigFile != pyproject || !info.ConfigExists || info.Class != "vit.model.Model" || len(info.Classes) != 1 {
		t.Fatalf("dimsInfo %+v", info)
	}
	m := info.Classes[0]
	if m.Name != "Model" || m.Forward != "Model.forward" || len(m.Params) != 2 || len(m.Declared) != 0 ||
		m.Range != rangeAt(ds.text, ds.mark("cls"), ds.mark("cls")+len("Model"), c.enc) {
		t.Fatalf("Model: %+v", m)
	}
	if x := m.Params[0]; x.Name != "x" || !x.Tensor || x.Rank != 4 || x.RankFrom != "B, C, H, W = x.shape at line 13" {
		t.Errorf("x: %+v", x)
	}
	if s := m.Params[1]; s.Name != "scale" || s.Tensor || s.Kind != "a float" {
		t.Errorf("scale: %+v", s)
	}

	if h := ds.hoverText(ds.mark("H")); !strings.Contains(h, "no export call or configuration declares the dims of `Model`") ||
		!strings.Contains(h, `[tool.exportdb.dynamic-shapes."vit.model.Model"]`) || !strings.Contains(h, "in pyproject.toml") {
		t.Errorf("hover before:\n%s", h)
	}

	// the lens's arguments, completed as a client asks for them
	args := lens.Command.Arguments[0].(map[string]any)
	args["parameter"] = "x"
	args["axes"] = map[string]any{"0": "batch", "-2": map[string]any{"dim": "h", "min": 32, "max": 1024}}
	res, err := ds.declare(args)
	if err != nil {
		t.Fatal(err)
	}
	if res.File != pyproject || res.URI != pathToURI(pyproject) || res.Created {
		t.Errorf("result %+v", res)
	}
	edit := ds.lastEdit()
	if edit["label"] != "exportdb: declare dims of Model.x" {
		t.Errorf("label %v", edit["label"])
	}
	if _, ok := edit["edit"].(map[string]any)["documentChanges"]; ok {
		t.Errorf("documentChanges to a client without them: %v", edit)
	}
	got := ds.saveEdit(pyproject)
	want := `[project]
name = "vit"  # the package
version = "0.1.0"

[tool.exportdb]
# judged for the torch we ship with
torch-version = "2.5"

[tool.exportdb.dynamic-shapes."vit.model.Model"]
x = { 0 = "batch", 2 = { dim = "h", min = 32, max = 1024 } }

# formatting
[tool.ruff]
line-length = 100
`
	if got != want {
		t.Errorf("pyproject.toml after the edit:\n%s\nwant:\n%s", got, want)
	}

	// the reloaded configuration declares the dims: hover and lens say so
	if h := ds.hoverText(ds.mark("H")); !strings.Contains(h, "`H`: dynamic \"h\" 32..1024, declared in pyproject.toml") {
		t.Errorf("hover after:\n%s", h)
	}
	lens = ds.dimsLensAt()
	if lens == nil || lens.Command == nil || lens.Command.Title != "dims: x[0]=batch, x[2]=h (pyproject.toml)" || lens.Command.Command != cmdDeclareDims {
		t.Errorf("lens after: %+v", lens.Command)
	}

	// a second axis joins the entry
	if _, err := ds.declare(map[string]any{"uri": string(ds.model), "class": "Model", "parameter": "x", "axes": map[string]any{"3": "w"}}); err != nil {
		t.Fatal(err)
	}
	got = ds.saveEdit(pyproject)
	if !strings.Contains(got, `x = { 0 = "batch", 2 = { dim = "h", min = 32, max = 1024 }, 3 = "w" }`+"\n\n# formatting\n") {
		t.Errorf("after the second axis:\n%s", got)
	}
	if lens := ds.dimsLensAt(); lens == nil || lens.Command.Title != "dims: x[0]=batch, x[2]=h, x[3]=w (pyproject.toml)" {
		t.Errorf("lens after the second axis: %+v", lens)
	}
}

// TestDeclareDimsErrors: every bad call gets a clear error, the file is not touched, and
// the server goes on answering.
func TestDeclareDimsErrors(t *testing.T) {
	ds := startDimsSession(t, "declare.txtar", capsNeovim07())
	c := ds.c
	uri := string(ds.model)
	for _, tc := range []struct {
		name string
		args any
		want string
	}{
		{"no argument", nil, "want one argument"},
		{"not an object", "Model", `want {"uri", "class", "parameter", "axes"}`},
		{"the lens's arguments only", map[string]any{"uri": uri, "class": "Model"}, `which dims of Model? Give "parameter"`},
		{"document not open", map[string]any{"uri": "file:///nope.py", "class": "M", "parameter": "x", "axes": map[string]any{"0": "b"}}, "document is not open"},
		{"class not found", map[string]any{"uri": uri, "class": "Nope", "parameter": "x", "axes": map[string]any{"0": "b"}},
			"class Nope is not defined in model.py (its nn.Module classes: Model)"},
		{"no such input", map[string]any{"uri": uri, "class": "Model", "parameter": "y", "axes": map[string]any{"0": "b"}},
			"Model.forward has no input y (its inputs: x, scale)"},
		{"not a tensor", map[string]any{"uri": uri, "class": "vit.model.Model", "parameter": "scale", "axes": map[string]any{"0": "b"}},
			"input scale of Model.forward is a float, not a tensor"},
		{"axis out of range", map[string]any{"uri": uri, "class": "Model", "parameter": "x", "axes": map[string]any{"4": "b"}},
			"axis 4 is out of range: x has 4 dims (B, C, H, W = x.shape at line 13)"},
		{"negative axis out of range", map[string]any{"uri": uri, "class": "Model", "parameter": "x", "axes": map[string]any{"-5": "b"}},
			"axis -5 is out of range"},
		{"not an axis", map[string]any{"uri": uri, "class": "Model", "parameter": "x", "axes": map[string]any{"h": "b"}},
			`axis "h": want a dimension index`},
		{"bad dim name", map[string]any{"uri": uri, "class": "Model", "parameter": "x", "axes": map[string]any{"2": "my h"}},
			`axis 2: "my h" is not a dim name`},
		{"min above max", map[string]any{"uri": uri, "class": "Model", "parameter": "x", "axes": map[string]any{"2": map[string]any{"dim": "h", "min": 9, "max": 3}}},
			"axis 2: min 9 is above max 3"},
		{"unknown key", map[string]any{"uri": uri, "class": "Model", "parameter": "x", "axes": map[string]any{"2": map[string]any{"dim": "h", "low": 9}}},
			`unknown field "low"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var args []any
			if tc.args != nil {
				args = []any{tc.args}
			}
			err := c.call("workspace/executeCommand", protocol.ExecuteCommandParams{Command: cmdDeclareDims, Arguments: args}, nil)
			if rpcCode(err) != -32602 || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want InvalidParams saying %q", err, tc.want)
			}
		})
	}
	c.mu.Lock()
	n := len(c.applied)
	c.mu.Unlock()
	if n != 0 {
		t.Errorf("%d edits sent for bad calls", n)
	}

	// an invalid configuration is the user's to fix first: no edit, the file untouched
	pyproject := filepath.Join(ds.dir, "pyproject.toml")
	bad := "[tool.exportdb]\ntorch-version = \"2.5\"\nselect = []\n"
	writeFile(t, pyproject, bad)
	c.notify("workspace/didChangeWatchedFiles", protocol.DidChangeWatchedFilesParams{Changes: []*protocol.FileEvent{{URI: pathToURI(pyproject), Type: protocol.FileChangeTypeChanged}}})
	_, err := ds.declare(map[string]any{"uri": uri, "class": "Model", "parameter": "x", "axes": map[string]any{"0": "batch"}})
	if rpcCode(err) != -32602 || !strings.Contains(err.Error(), "the configuration cannot take the entry") || !strings.Contains(err.Error(), "pyproject.toml:3: tool.exportdb.select") {
		t.Errorf("invalid configuration: %v", err)
	}
	var info dimsInfo
	c.mustCall("exportdb/dimsInfo", dimsInfoParams{TextDocument: protocol.TextDocumentIdentifier{URI: ds.model}}, &info)
	if info.ConfigFile != "" || !strings.Contains(info.ConfigError, "select") || len(info.Classes) != 1 {
		t.Errorf("dimsInfo with an invalid configuration: %+v", info)
	}

	// an editor that refuses the edit: the command says so
	writeFile(t, pyproject, "[project]\nname = \"vit\"\n")
	c.notify("workspace/didChangeWatchedFiles", protocol.DidChangeWatchedFilesParams{Changes: []*protocol.FileEvent{{URI: pathToURI(pyproject), Type: protocol.FileChangeTypeChanged}}})
	c.mu.Lock()
	c.applyRefusal = "the file is read-only"
	c.mu.Unlock()
	_, err = ds.declare(map[string]any{"uri": uri, "class": "Model", "parameter": "x", "axes": map[string]any{"0": "batch"}})
	if err == nil || !strings.Contains(err.Error(), "the editor did not apply the edit of "+pyproject+" (the file is read-only)") {
		t.Errorf("refused edit: %v", err)
	}
	if got, _ := os.ReadFile(pyproject); string(got) != "[project]\nname = \"vit\"\n" {
		t.Errorf("pyproject.toml changed: %q", got)
	}
	if h := ds.hoverText(ds.mark("H")); !strings.Contains(h, "### exportdb: dims") {
		t.Errorf("the server stopped answering hovers: %q", h)
	}
}

// TestDeclareDimsNewFile: a project without configuration gets a new exportdb.toml: created
// by documentChanges (a CreateFile, then the text) for a client that supports them, by a
// plain edit of the new file's URI for one that does not (Neovim 0.7).
func TestDeclareDimsNewFile(t *testing.T) {
	withCreate := capsNeovim07()
	withCreate.Workspace.WorkspaceEdit = &protocol.WorkspaceClientCapabilitiesWorkspaceEdit{DocumentChanges: true, ResourceOperations: []string{"create", "rename", "delete"}}
	for _, tc := range []struct {
		name string
		caps testCaps
	}{{"documentChanges", withCreate}, {"changes", capsNeovim07()}} {
		t.Run(tc.name, func(t *testing.T) {
			ds := startDimsSession(t, "declare.txtar", tc.caps)
			if err := os.Remove(filepath.Join(ds.dir, "pyproject.toml")); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(ds.dir, "requirements.txt"), "torch==2.5.1\n")
			ds.c.notify("workspace/didChangeWatchedFiles", protocol.DidChangeWatchedFilesParams{Changes: []*protocol.FileEvent{{URI: pathToURI(filepath.Join(ds.dir, "pyproject.toml")), Type: protocol.FileChangeTypeDeleted}}})
			res, err := ds.declare(map[string]any{"uri": string(ds.model), "class": "Model", "parameter": "x", "axes": map[string]any{"0": "batch"}})
			if err != nil {
				t.Fatal(err)
			}
			toml := filepath.Join(ds.dir, "exportdb.toml")
			if res.File != toml || !res.Created {
				t.Errorf("result %+v", res)
			}
			edit := ds.lastEdit()["edit"].(map[string]any)
			text := "[dynamic-shapes.\"vit.model.Model\"]\nx = { 0 = \"batch\" }\n"
			zero := map[string]any{"line": 0.0, "character": 0.0}
			wantEdit := []any{map[string]any{"range": map[string]any{"start": zero, "end": zero}, "newText": text}}
			if tc.name == "documentChanges" {
				dc, _ := edit["documentChanges"].([]any)
				want := []any{
					map[string]any{"kind": "create", "uri": string(pathToURI(toml)), "options": map[string]any{"ignoreIfExists": true}},
					map[string]any{"textDocument": map[string]any{"uri": string(pathToURI(toml)), "version": nil}, "edits": wantEdit},
				}
				if !jsonEqual(dc, want) {
					t.Errorf("documentChanges %v, want %v", dc, want)
				}
				return
			}
			if ch, _ := edit["changes"].(map[string]any); !jsonEqual(ch[string(pathToURI(toml))], wantEdit) {
				t.Errorf("changes %v", edit)
			}
			if got := ds.saveEdit(toml); got != text {
				t.Errorf("exportdb.toml: %q", got)
			}
			if h := ds.hoverText(ds.mark("H")); !strings.Contains(h, "`H`: static (`x.shape[2]` is not in the dynamic-shapes in exportdb.toml)") {
				t.Errorf("hover after:\n%s", h)
			}
		})
	}
}

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
