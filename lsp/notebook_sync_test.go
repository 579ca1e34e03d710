package lsp

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.lsp.dev/protocol"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/rules"
	"github.com/exportdb-lsp/exportdb-lsp/notebook"
)

// Notebook document sync (LSP 3.17) over the test client: a notebook's Python cells are
// one module; diagnostics, hover, code actions and lenses are per cell URI, with positions
// (markers in each cell's text) in the cell's own coordinates.

const nbURI = protocol.DocumentURI("file:///work/model.ipynb")

// cell URIs as VS Code makes them
func cellURI(n int) protocol.DocumentURI {
	return protocol.DocumentURI("vscode-notebook-cell:/work/model.ipynb#W" + string(rune('0'+n)) + "sZmlsZQ%3D%3D")
}

// testCell is one cell of a test notebook; its text may hold ⟨markers⟩.
type testCell struct {
	kind int    // cellKindCode or cellKindMarkup
	lang string // its text document's language
	src  string
}

func code(src string) testCell     { return testCell{cellKindCode, "python", src} }
func markdown(src string) testCell { return testCell{cellKindMarkup, "markdown", src} }

// nbCells is an open test notebook as the client sees it.
type nbCells struct {
	uris  []protocol.DocumentURI
	texts []string
	marks []map[string]int
}

// openNotebook sends notebookDocument/didOpen with every cell's text document.
func (c *testClient) openNotebook(t *testing.T, cells ...testCell) *nbCells {
	t.Helper()
	nb := &nbCells{}
	var p didOpenNotebookDocumentParams
	p.NotebookDocument = notebookDocument{URI: nbURI, NotebookType: "jupyter-notebook", Version: 1,
		Metadata: json.RawMessage(`{"custom":{"metadata":{"kernelspec":{"language":"python"}}}}`)}
	for i, tc := range cells {
		text, m := fixture(t, tc.src)
		u := cellURI(i)
		nb.uris, nb.texts, nb.marks = append(nb.uris, u), append(nb.texts, text), append(nb.marks, m)
		p.NotebookDocument.Cells = append(p.NotebookDocument.Cells, notebookCell{Kind: tc.kind, Document: u})
		p.CellTextDocuments = append(p.CellTextDocuments, protocol.TextDocumentItem{URI: u, LanguageID: protocol.LanguageIdentifier(tc.lang), Version: 1, Text: text})
	}
	c.notify("notebookDocument/didOpen", p)
	return nb
}

// setCell replaces the text of cell i (a whole-text change, at the given versions).
func (c *testClient) setCell(nb *nbCells, i int, nbVersion, version int32, src string) {
	c.t.Helper()
	text, m := fixture(c.t.(*testing.T), src)
	nb.texts[i], nb.marks[i] = text, m
	c.notify("notebookDocument/didChange", didChangeNotebookDocumentParams{
		NotebookDocument: versionedNotebookDocumentIdentifier{Version: nbVersion, URI: nbURI},
		Change: notebookDocumentChangeEvent{Cells: &notebookCellsDiff{TextContent: []notebookCellText{{
			Document: protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: nb.uris[i]}, Version: version},
			Changes:  []textDocumentContentChangeEvent{{Text: text}},
		}}}},
	})
}

// range of a marked span of cell i, in the cell's positions
func (nb *nbCells) rangeOf(c *testClient, i int, name string) protocol.Range {
	return rangeAt(nb.texts[i], nb.marks[i][name], nb.marks[i]["/"+name], c.enc)
}

const (
	nbImports = "import torch\n⟨nn⟩from torch import nn⟨/nn⟩\n%matplotlib inline\n!pip install torch"
	nbModel   = "class ⟨cls⟩Pool⟨/cls⟩(nn.Module):\n    def forward(self, x):\n        s = \"😀\"; n = ⟨round⟩round(x.⟨in⟩shape[0] / 2)⟨/round⟩\n        return x[:n]\n"
	nbRun     = "%%time\nm = Pool()\nfiles = !ls\nm(torch.ones(4))"
	nbBash    = "%%bash\necho round(x.shape[0] / 2)\n"
)

func TestNotebookCapability(t *testing.T) {
	c := newTestClient(t, roundOnly)
	res := c.start()
	got, _ := json.Marshal(res.Capabilities.NotebookDocumentSync)
	if want := `{"notebookSelector":[{"notebook":{"notebookType":"jupyter-notebook"},"cells":[{"language":"python"}]}],"save":true}`; string(got) != want {
		t.Errorf("notebookDocumentSync = %s, want %s", got, want)
	}
}

func TestNotebookDiagnosticsPerCell(t *testing.T) {
	for _, enc := range []string{"utf-16", "utf-8"} {
		t.Run(enc, func(t *testing.T) {
			c := newTestClient(t, roundOnly)
			c.start(enc)
			nb := c.openNotebook(t, code(nbImports), markdown("# round(x.shape[0] / 2)"), code(nbModel), code(nbRun), code(nbBash))
			got := c.diagsFor(nb.uris[2], 1)
			if len(got.Diagnostics) != 1 {
				t.Fatalf("cell 3: %+v, want one diagnostic", got.Diagnostics)
			}
			d := got.Diagnostics[0]
			if want := nb.rangeOf(c, 2, "round"); d.Range != want || d.Code != "dynamic_shape_round" {
				t.Errorf("cell 3 diagnostic %s at %+v, want dynamic_shape_round at %+v", d.Code, d.Range, want)
			}
			// the other code cells get an empty list (magics neither break the module nor
			// produce findings); the markdown cell nothing
			for _, i := range []int{0, 3, 4} {
				if got := c.diagsFor(nb.uris[i], 1); len(got.Diagnostics) != 0 {
					t.Errorf("cell %d: %+v, want none", i+1, got.Diagnostics)
				}
			}
			time.Sleep(50 * time.Millisecond)
			if n := c.publishes(nb.uris[1]); n != 0 {
				t.Errorf("%d publishes for the markdown cell", n)
			}
			if n := c.publishes(nbURI) + c.publishes(notebookKey(nbURI)); n != 0 {
				t.Errorf("%d publishes for the notebook itself, want them per cell", n)
			}
		})
	}
}

// TestNotebookOneModule: cell 3 uses the nn cell 1 imports. Editing cell 1 changes cell
// 3's findings: cell 3 is republished although its text did not change; a cell whose
// diagnostics did not change is not.
func TestNotebookOneModule(t *testing.T) {
	c := newTestClient(t, roundOnly)
	c.start()
	nb := c.openNotebook(t, code(nbImports), code(nbModel), code(nbRun))
	if got := c.diagsFor(nb.uris[1], 1); len(got.Diagnostics) != 1 {
		t.Fatalf("cell 2: %+v", got.Diagnostics)
	}
	c.diagsFor(nb.uris[2], 1)
	before := c.publishes(nb.uris[2])

	// without the import, Pool is not an nn.Module: no finding in cell 2
	c.setCell(nb, 0, 2, 2, "import torch\nnn = None\n")
	if got := c.diagsFor(nb.uris[0], 2); len(got.Diagnostics) != 0 {
		t.Errorf("cell 1 after its edit: %+v", got.Diagnostics)
	}
	c.waitFor("cell 2 republished empty", func() bool {
		l := c.diags[nb.uris[1]]
		return len(l) == 2 && len(l[1].Diagnostics) == 0
	})
	// the import back: the finding is back
	c.setCell(nb, 0, 3, 3, nbImports)
	c.diagsFor(nb.uris[0], 3)
	c.waitFor("cell 2 republished with its finding", func() bool {
		l := c.diags[nb.uris[1]]
		return len(l) == 3 && len(l[2].Diagnostics) == 1
	})
	if n := c.publishes(nb.uris[2]); n != before {
		t.Errorf("cell 3 (unchanged, no findings) published %d more times", n-before)
	}
}

// TestNotebookIncrementalEdit: a cell edit with a range, as VS Code sends keystrokes.
func TestNotebookIncrementalEdit(t *testing.T) {
	c := newTestClient(t, roundOnly)
	c.start()
	nb := c.openNotebook(t, code(nbImports), code(nbModel))
	c.diagsFor(nb.uris[1], 1)
	r := nb.rangeOf(c, 1, "round")
	c.notify("notebookDocument/didChange", didChangeNotebookDocumentParams{
		NotebookDocument: versionedNotebookDocumentIdentifier{Version: 2, URI: nbURI},
		Change: notebookDocumentChangeEvent{Cells: &notebookCellsDiff{TextContent: []notebookCellText{{
			Document: protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: nb.uris[1]}, Version: 2},
			Changes:  []textDocumentContentChangeEvent{{Range: &r, Text: "x.shape[0] // 2"}},
		}}}},
	})
	if got := c.diagsFor(nb.uris[1], 2); len(got.Diagnostics) != 0 {
		t.Errorf("after the edit: %+v", got.Diagnostics)
	}
}

func TestNotebookStructure(t *testing.T) {
	c := newTestClient(t, roundOnly)
	c.start()
	nb := c.openNotebook(t, code(nbImports), code(nbModel))
	c.diagsFor(nb.uris[1], 1)
	// insert a markdown cell and a code cell with a second model at the front of cell 2
	second := "class Other(nn.Module):\n    def forward(self, x):\n        return x[: ⟨r⟩round(x.shape[0] / 3)⟨/r⟩]\n"
	text, m := fixture(t, second)
	newURI := cellURI(7)
	c.notify("notebookDocument/didChange", didChangeNotebookDocumentParams{
		NotebookDocument: versionedNotebookDocumentIdentifier{Version: 2, URI: nbURI},
		Change: notebookDocumentChangeEvent{Cells: &notebookCellsDiff{Structure: &notebookStructureChange{
			Array: notebookCellArrayChange{Start: 1, Cells: []notebookCell{
				{Kind: cellKindMarkup, Document: cellURI(6)}, {Kind: cellKindCode, Document: newURI}}},
			DidOpen: []protocol.TextDocumentItem{
				{URI: cellURI(6), LanguageID: "markdown", Version: 1, Text: "# notes"},
				{URI: newURI, LanguageID: "python", Version: 1, Text: text}},
		}}},
	})
	got := c.diagsFor(newURI, 1)
	if len(got.Diagnostics) != 1 || got.Diagnostics[0].Range != rangeAt(text, m["r"], m["/r"], c.enc) {
		t.Fatalf("new cell: %+v", got.Diagnostics)
	}
	// delete the model cell: its diagnostics are cleared
	c.notify("notebookDocument/didChange", didChangeNotebookDocumentParams{
		NotebookDocument: versionedNotebookDocumentIdentifier{Version: 3, URI: nbURI},
		Change: notebookDocumentChangeEvent{Cells: &notebookCellsDiff{Structure: &notebookStructureChange{
			Array:    notebookCellArrayChange{Start: 3, DeleteCount: 1},
			DidClose: []protocol.TextDocumentIdentifier{{URI: nb.uris[1]}},
		}}},
	})
	c.waitFor("the deleted cell cleared", func() bool {
		l := c.diags[nb.uris[1]]
		return len(l) == 2 && len(l[1].Diagnostics) == 0
	})
	// the notebook still works: an edit of the new cell
	c.notify("notebookDocument/didChange", didChangeNotebookDocumentParams{
		NotebookDocument: versionedNotebookDocumentIdentifier{Version: 4, URI: nbURI},
		Change: notebookDocumentChangeEvent{Cells: &notebookCellsDiff{TextContent: []notebookCellText{{
			Document: protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: newURI}, Version: 2},
			Changes:  []textDocumentContentChangeEvent{{Text: "x = 1\n"}},
		}}}},
	})
	if got := c.diagsFor(newURI, 2); len(got.Diagnostics) != 0 {
		t.Errorf("new cell after its edit: %+v", got.Diagnostics)
	}
	// the code cell turned markdown (cells.data): its diagnostics go
	c.setCell(nb, 0, 5, 2, nbImports) // unchanged text, a new version
	c.diagsFor(nb.uris[0], 2)
	c.notify("notebookDocument/didChange", didChangeNotebookDocumentParams{
		NotebookDocument: versionedNotebookDocumentIdentifier{Version: 6, URI: nbURI},
		Change:           notebookDocumentChangeEvent{Cells: &notebookCellsDiff{Data: []notebookCell{{Kind: cellKindMarkup, Document: newURI}}}},
	})
	// close: every cell that had diagnostics is cleared
	c.setCell(nb, 0, 7, 3, "import torch\nfrom torch import nn\nclass P(nn.Module):\n    def forward(self, x):\n        return round(x.shape[0] / 2)\n")
	c.waitFor("cell 1 finding", func() bool {
		l := c.diags[nb.uris[0]]
		return len(l) > 0 && len(l[len(l)-1].Diagnostics) == 1
	})
	c.notify("notebookDocument/didClose", didCloseNotebookDocumentParams{NotebookDocument: notebookDocumentIdentifier{URI: nbURI},
		CellTextDocuments: []protocol.TextDocumentIdentifier{{URI: nb.uris[0]}, {URI: newURI}}})
	c.waitFor("cell 1 cleared at close", func() bool {
		l := c.diags[nb.uris[0]]
		return len(l[len(l)-1].Diagnostics) == 0
	})
	var h *protocol.Hover
	c.mustCall("textDocument/hover", protocol.TextDocumentPositionParams{TextDocument: protocol.TextDocumentIdentifier{URI: nb.uris[0]}}, &h)
	if h != nil {
		t.Errorf("hover on a cell of a closed notebook: %+v", h)
	}
}

func TestNotebookHoverCodeActionLens(t *testing.T) {
	c := newTestClient(t, roundOnly)
	caps := capsNeovim07()
	caps.Workspace.WorkspaceEdit.DocumentChanges = true
	c.initialize(initParams{Capabilities: caps})
	nb := c.openNotebook(t, code(nbImports), code(nbModel))
	c.diagsFor(nb.uris[1], 1)

	var h protocol.Hover
	c.mustCall("textDocument/hover", protocol.TextDocumentPositionParams{TextDocument: protocol.TextDocumentIdentifier{URI: nb.uris[1]},
		Position: posAt(nb.texts[1], nb.marks[1]["in"], c.enc)}, &h)
	if !strings.Contains(h.Contents.Value, "dynamic_shape_round") || h.Range == nil || *h.Range != nb.rangeOf(c, 1, "round") {
		t.Errorf("hover %+v", h)
	}

	acts := codeActions(t, c, nb.uris[1], nb.texts[1], nb.marks[1]["in"], nb.marks[1]["in"])
	if len(acts) != 2 {
		t.Fatalf("actions %s", titles(acts))
	}
	dc := acts[0].Edit.DocumentChanges
	if len(dc) != 1 || dc[0].TextDocument.URI != nb.uris[1] || *dc[0].TextDocument.Version != 1 {
		t.Fatalf("fix edit %+v: want an edit of cell 2 at its version 1", acts[0].Edit)
	}
	fixed := applyEdits(t, nb.texts[1], dc[0].Edits, c.enc)
	if want := strings.Replace(nb.texts[1], "round(x.shape[0] / 2)", "(x.shape[0] // 2)", 1); fixed != want {
		t.Errorf("after the fix:\n%s\nwant\n%s", fixed, want)
	}
	ign := applyEdits(t, nb.texts[1], editsFor(t, acts[1].Edit, nb.uris[1]), c.enc)
	if !strings.Contains(ign, "return x[:n]") || !strings.Contains(ign, "round(x.shape[0] / 2)  # exportdb: ignore[dynamic_shape_round]\n") {
		t.Errorf("after ignore:\n%s", ign)
	}
	// the ignore comment, sent back as an edit of the cell, silences the finding
	c.setCell(nb, 1, 2, 2, ign)
	if got := c.diagsFor(nb.uris[1], 2); len(got.Diagnostics) != 0 {
		t.Errorf("after the ignore comment: %+v", got.Diagnostics)
	}
	c.setCell(nb, 1, 3, 3, nbModel)
	c.diagsFor(nb.uris[1], 3)

	var lenses []protocol.CodeLens
	c.mustCall("textDocument/codeLens", protocol.CodeLensParams{TextDocument: protocol.TextDocumentIdentifier{URI: nb.uris[1]}}, &lenses)
	if len(lenses) != 1 || lenses[0].Range != nb.rangeOf(c, 1, "cls") || !strings.Contains(lenses[0].Command.Title, "1 blocker") {
		t.Errorf("lenses of cell 2: %+v", lenses)
	}
	c.mustCall("textDocument/codeLens", protocol.CodeLensParams{TextDocument: protocol.TextDocumentIdentifier{URI: nb.uris[0]}}, &lenses)
	if len(lenses) != 0 {
		t.Errorf("lenses of cell 1 (no class): %+v", lenses)
	}
}

// TestNotebookCrossCellFix: the fix of a finding in one cell can edit another (an import
// in cell 1); the code action's edit says so, per cell, and fix-all applies it to the
// notebook.
func TestNotebookCrossCellFix(t *testing.T) {
	c := newTestClient(t, withRules([]*analysis.Rule{rules.CondOperands, rules.DeprecatedExportAPI}))
	caps := capsNeovim07()
	caps.Workspace.WorkspaceEdit.DocumentChanges = true
	c.initialize(initParams{Capabilities: caps})
	imports := "import torch\nfrom functorch.experimental.control_flow import cond\nfrom torch import nn\n"
	model := "class R(nn.Module):\n    def forward(self, x):\n        return ⟨cond⟩cond⟨/cond⟩(x.shape[0] > 2, lambda x: x, lambda x: x, (x,))\n"
	nb := c.openNotebook(t, code(imports), code(model))
	if got := c.diagsFor(nb.uris[0], 1); len(got.Diagnostics) != 1 || got.Diagnostics[0].Code != "deprecated_export_api" {
		t.Fatalf("cell 1: %+v", got.Diagnostics)
	}
	acts := codeActions(t, c, nb.uris[0], nb.texts[0], 20, 20)
	if len(acts) == 0 {
		t.Fatal("no code action on the deprecated import")
	}
	dc := acts[0].Edit.DocumentChanges
	if len(dc) != 2 || dc[0].TextDocument.URI != nb.uris[0] || dc[1].TextDocument.URI != nb.uris[1] {
		t.Fatalf("fix %q edits %+v; want cell 1 and cell 2", acts[0].Title, acts[0].Edit)
	}
	if got := applyEdits(t, nb.texts[1], dc[1].Edits, c.enc); !strings.Contains(got, "return torch.cond(") {
		t.Errorf("cell 2 after the fix:\n%s", got)
	}
	if got := applyEdits(t, nb.texts[0], dc[0].Edits, c.enc); strings.Contains(got, "functorch") {
		t.Errorf("cell 1 after the fix:\n%s", got)
	}
	// applyAllFixes on the notebook: one workspace edit over both cells
	c.mustCall("workspace/executeCommand", protocol.ExecuteCommandParams{Command: cmdApplyAllFixes, Arguments: []any{string(nbURI)}}, nil)
	c.mu.Lock()
	applied := c.applied
	c.mu.Unlock()
	if len(applied) != 1 || len(applied[0].Edit.DocumentChanges) != 2 {
		t.Fatalf("applyEdit %+v: want one edit of two cells", applied)
	}
}

// TestNotebookPullClient: a client that pulls diagnostics (VS Code) gets those of notebook
// cells pushed, also when a change in another cell changes them, and an empty report when
// it pulls a cell (vscode-languageclient 9 never pulls cells: they are not editor tabs).
func TestNotebookPullClient(t *testing.T) {
	c := newTestClient(t, roundOnly)
	caps := capsNeovim07()
	caps.Diagnostic = &diagnosticClientCapabilities{}
	caps.DiagnosticsRefresh = true
	res := c.initialize(initParams{Capabilities: caps})
	if res.Capabilities.DiagnosticProvider == nil {
		t.Fatal("not a pull client")
	}
	nb := c.openNotebook(t, code(nbImports), code(nbModel))
	got := c.diagsFor(nb.uris[1], 1)
	if len(got.Diagnostics) != 1 || got.Diagnostics[0].Range != nb.rangeOf(c, 1, "round") {
		t.Fatalf("cell 2: %+v", got.Diagnostics)
	}
	var rep struct {
		Kind  string                `json:"kind"`
		Items []protocol.Diagnostic `json:"items"`
	}
	c.mustCall("textDocument/diagnostic", documentDiagnosticParams{TextDocument: protocol.TextDocumentIdentifier{URI: nb.uris[1]}}, &rep)
	if rep.Kind != "full" || rep.Items == nil || len(rep.Items) != 0 {
		t.Errorf("pull of a cell: %+v, want a full empty report", rep)
	}
	// an edit of cell 1 that changes cell 2's findings reaches cell 2
	c.setCell(nb, 0, 2, 2, "import torch\nnn = None\n")
	c.waitFor("cell 2 republished empty", func() bool {
		l := c.diags[nb.uris[1]]
		return len(l) == 2 && len(l[1].Diagnostics) == 0
	})
	// and a .py document of the same client is still pulled, not pushed
	text, _ := fixture(t, roundModel)
	c.open("file:///work/m.py", text)
	c.mustCall("textDocument/diagnostic", documentDiagnosticParams{TextDocument: protocol.TextDocumentIdentifier{URI: "file:///work/m.py"}}, &rep)
	if len(rep.Items) != 1 || c.publishes("file:///work/m.py") != 0 {
		t.Errorf("the .py document: pulled %+v, %d publishes", rep.Items, c.publishes("file:///work/m.py"))
	}
}

// TestNotebookFileAsText: a client without notebook support opens the .ipynb as a text
// document (JSON): nothing is analysed or published, requests answer empty, and closing
// that text document leaves the notebook opened through notebook sync alone.
func TestNotebookFileAsText(t *testing.T) {
	c := newTestClient(t, roundOnly)
	c.start()
	raw := `{"cells": [{"cell_type": "code", "source": ["import torch\n", "from torch import nn\n", "class P(nn.Module):\n", "    def forward(self, x):\n", "        return round(x.shape[0] / 2)\n"]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}`
	for _, lang := range []string{"json", "jupyter", "python"} {
		c.notify("textDocument/didOpen", protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: nbURI, LanguageID: protocol.LanguageIdentifier(lang), Version: 1, Text: raw}})
		var h *protocol.Hover
		c.mustCall("textDocument/hover", protocol.TextDocumentPositionParams{TextDocument: protocol.TextDocumentIdentifier{URI: nbURI}, Position: protocol.Position{Line: 0, Character: 3}}, &h)
		if h != nil {
			t.Errorf("%s: hover on the notebook file: %+v", lang, h)
		}
		c.notify("textDocument/didClose", protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: nbURI}})
	}
	// the same file through notebook sync, then opened and closed as text
	nb := c.openNotebook(t, code(nbImports), code(nbModel))
	c.diagsFor(nb.uris[1], 1)
	c.notify("textDocument/didOpen", protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: nbURI, LanguageID: "json", Version: 1, Text: raw}})
	c.notify("textDocument/didClose", protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: nbURI}})
	c.setCell(nb, 1, 2, 2, nbModel+"\n")
	if got := c.diagsFor(nb.uris[1], 2); len(got.Diagnostics) != 1 {
		t.Errorf("the notebook after its file was closed as text: %+v", got.Diagnostics)
	}
	if n := c.publishes(nbURI); n != 0 {
		t.Errorf("%d publishes for the notebook file", n)
	}
}

// TestNotebookBadMessages: notebook notifications out of order or out of range are logged
// and ignored; the server keeps answering and the notebook keeps its state.
func TestNotebookBadMessages(t *testing.T) {
	c := newTestClient(t, roundOnly)
	c.start()
	change := func(version int32, ev notebookDocumentChangeEvent) {
		c.notify("notebookDocument/didChange", didChangeNotebookDocumentParams{NotebookDocument: versionedNotebookDocumentIdentifier{Version: version, URI: nbURI}, Change: ev})
	}
	change(1, notebookDocumentChangeEvent{}) // not open
	c.notify("notebookDocument/didClose", didCloseNotebookDocumentParams{NotebookDocument: notebookDocumentIdentifier{URI: nbURI}})
	c.notify("notebookDocument/didSave", didSaveNotebookDocumentParams{NotebookDocument: notebookDocumentIdentifier{URI: nbURI}})
	if err := c.call("notebookDocument/didOpen", map[string]any{"notebookDocument": 42}, nil); err == nil {
		t.Error("a call of a notification with bad params was not refused") // notifications sent as calls get an error
	}
	c.notify("notebookDocument/didOpen", map[string]any{"notebookDocument": map[string]any{"uri": ""}})

	nb := c.openNotebook(t, code(nbImports), code(nbModel))
	c.diagsFor(nb.uris[1], 1)
	change(0, notebookDocumentChangeEvent{Cells: &notebookCellsDiff{TextContent: []notebookCellText{{ // older notebook version
		Document: protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: nb.uris[1]}, Version: 9},
		Changes:  []textDocumentContentChangeEvent{{Text: "x = 1\n"}}}}}})
	change(2, notebookDocumentChangeEvent{Cells: &notebookCellsDiff{
		Structure: &notebookStructureChange{Array: notebookCellArrayChange{Start: 99, DeleteCount: 7}}, // out of range
		TextContent: []notebookCellText{
			{Document: protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: "vscode-notebook-cell:/nowhere#x"}, Version: 2}},
			{Document: protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: nb.uris[1]}, Version: 0}}, // older cell version
			{Document: protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: nb.uris[0]}, Version: 2},
				Changes: []textDocumentContentChangeEvent{{Range: &protocol.Range{Start: protocol.Position{Line: 40}, End: protocol.Position{Line: 41}}, Text: "y"}}},
		}}})
	// the model cell is as it was; the range past cell 1's end was clamped (appended)
	c.setCell(nb, 1, 3, 3, nbModel)
	if got := c.diagsFor(nb.uris[1], 3); len(got.Diagnostics) != 1 {
		t.Errorf("model cell: %+v", got.Diagnostics)
	}
	// a text document didOpen of a cell the notebook owns is ignored
	c.notify("textDocument/didOpen", protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: nb.uris[1], LanguageID: "python", Version: 9, Text: "x = 1\n"}})
	var lenses []protocol.CodeLens
	c.mustCall("textDocument/codeLens", protocol.CodeLensParams{TextDocument: protocol.TextDocumentIdentifier{URI: nb.uris[1]}}, &lenses)
	if len(lenses) != 1 {
		t.Errorf("lenses of the model cell after a stray didOpen: %+v", lenses)
	}
	if err := c.shutdown(); err != nil {
		t.Fatal(err)
	}
}

// TestNotebookCellOpenedAsTextFirst: a cell that was open as a text document when its
// notebook opens (a client that syncs cells both ways) is the notebook's from then on.
func TestNotebookCellOpenedAsTextFirst(t *testing.T) {
	c := newTestClient(t, roundOnly)
	c.start()
	text, _ := fixture(t, nbModel)
	// alone, Pool's nn is unknown: no finding
	c.notify("textDocument/didOpen", protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: cellURI(1), LanguageID: "python", Version: 1, Text: text}})
	if got := c.diagsFor(cellURI(1), 1); len(got.Diagnostics) != 0 {
		t.Fatalf("cell alone: %+v", got.Diagnostics)
	}
	nb := c.openNotebook(t, code(nbImports), code(nbModel))
	c.waitFor("the cell's diagnostics from its notebook", func() bool {
		l := c.diags[nb.uris[1]]
		return len(l[len(l)-1].Diagnostics) == 1
	})
}

// FuzzNotebookSync applies random cell insertions, deletions and edits to an open notebook
// and requires every cell's diagnostics to equal those of a notebook opened fresh with the
// final cells: the incrementally maintained module is the module.
func FuzzNotebookSync(f *testing.F) {
	f.Add([]byte{0, 0, 1, 0, 2, 1, 3, 2, 1, 0, 0, 0})
	f.Add([]byte{0, 1, 2, 0, 0, 0, 5, 0, 2, 1, 9, 3, 1, 0, 0, 0, 3, 1, 4, 0})
	f.Add([]byte{2, 0, 7, 1, 2, 0, 200, 3, 0, 2, 6, 0, 1, 1, 0, 0})
	pool := []string{
		"import torch\nfrom torch import nn\n",
		"class P(nn.Module):\n    def forward(self, x):\n        return x[: round(x.shape[0] / 2)]\n",
		"%time x = 1\n!ls\n",
		"%%bash\necho round(1 / 2)\n",
		"s = '😀'\r\nt = round(1 / 2)",
		"nn = None\n",
		"    # indented\n(",
		")\n",
	}
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 4*24 {
			t.Skip()
		}
		c := newTestClient(t, roundOnly)
		c.start()
		nb := c.openNotebook(t, code(pool[0]), code(pool[1]))
		versions := []int32{1, 1}
		nbVersion, next := int32(1), 10
		for ; len(ops) >= 4; ops = ops[4:] {
			nbVersion++
			b := ops
			var ev notebookDocumentChangeEvent
			switch n := len(nb.uris); {
			case b[0]%4 == 0 || n == 0: // insert a cell
				at := int(b[1]) % (n + 1)
				u := cellURI(next)
				next++
				text := pool[int(b[2])%len(pool)]
				ev.Cells = &notebookCellsDiff{Structure: &notebookStructureChange{
					Array:   notebookCellArrayChange{Start: uint32(at), Cells: []notebookCell{{Kind: cellKindCode, Document: u}}},
					DidOpen: []protocol.TextDocumentItem{{URI: u, LanguageID: "python", Version: 1, Text: text}}}}
				nb.uris = append(nb.uris[:at], append([]protocol.DocumentURI{u}, nb.uris[at:]...)...)
				nb.texts = append(nb.texts[:at], append([]string{text}, nb.texts[at:]...)...)
				versions = append(versions[:at], append([]int32{1}, versions[at:]...)...)
			case b[0]%4 == 1: // delete one
				at := int(b[1]) % n
				ev.Cells = &notebookCellsDiff{Structure: &notebookStructureChange{
					Array: notebookCellArrayChange{Start: uint32(at), DeleteCount: 1}, DidClose: []protocol.TextDocumentIdentifier{{URI: nb.uris[at]}}}}
				nb.uris = append(nb.uris[:at], nb.uris[at+1:]...)
				nb.texts = append(nb.texts[:at], nb.texts[at+1:]...)
				versions = append(versions[:at], versions[at+1:]...)
			default: // edit one: replace a byte range (on character boundaries) with a pool text
				at := int(b[1]) % n
				old := nb.texts[at]
				s := int(b[2]) % (len(old) + 1)
				e := min(s+int(b[3])%5, len(old))
				for s > 0 && s < len(old) && !utf8.RuneStart(old[s]) {
					s--
				}
				for e < len(old) && !utf8.RuneStart(old[e]) {
					e++
				}
				p := pool[int(b[3])%len(pool)]
				ins := p[:min(int(b[0])%6, len(p))]
				r := rangeAt(old, s, e, c.enc)
				versions[at]++
				ev.Cells = &notebookCellsDiff{TextContent: []notebookCellText{{
					Document: protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: nb.uris[at]}, Version: versions[at]},
					Changes:  []textDocumentContentChangeEvent{{Range: &r, Text: ins}}}}}
				nb.texts[at] = old[:s] + ins + old[e:]
			}
			c.notify("notebookDocument/didChange", didChangeNotebookDocumentParams{
				NotebookDocument: versionedNotebookDocumentIdentifier{Version: nbVersion, URI: nbURI}, Change: ev})
		}
		// each cell's diagnostics in the analysis of the notebook's current text
		diagsOf := func(uris []protocol.DocumentURI) string {
			var b strings.Builder
			for _, u := range uris {
				ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
				v, err := c.server.view(ctx, u)
				cancel()
				if err != nil {
					t.Fatalf("view of %s: %v", u, err)
				}
				out, _ := json.Marshal(v.diags)
				b.Write(out)
				b.WriteByte('\n')
			}
			return b.String()
		}
		// a request is handled after the notifications before it: a barrier
		c.mustCall("textDocument/hover", protocol.TextDocumentPositionParams{TextDocument: protocol.TextDocumentIdentifier{URI: "file:///none.py"}}, nil)
		got := diagsOf(nb.uris)
		// the module is the module of the final cells
		var parts []notebook.Part
		for i, text := range nb.texts {
			parts = append(parts, notebook.NewPart(i, []byte(text)))
		}
		want := notebook.Assemble(parts).Text
		c.server.mu.Lock()
		text := c.server.notebooks[nbURI].doc.text
		c.server.mu.Unlock()
		if string(text) != string(want) {
			t.Fatalf("module text %q, want %q", text, want)
		}
		if full := parseForTest(t, string(want)); full.HasError(full.Root()) {
			return // tree-sitter's error recovery may differ between an incremental and a full parse
		}
		// the same cells, opened fresh as another notebook
		fresh := didOpenNotebookDocumentParams{NotebookDocument: notebookDocument{URI: "file:///work/fresh.ipynb", NotebookType: "jupyter-notebook", Version: 1}}
		var freshURIs []protocol.DocumentURI
		for i, text := range nb.texts {
			u := protocol.DocumentURI("vscode-notebook-cell:/work/fresh.ipynb#" + strconv.Itoa(i))
			freshURIs = append(freshURIs, u)
			fresh.NotebookDocument.Cells = append(fresh.NotebookDocument.Cells, notebookCell{Kind: cellKindCode, Document: u})
			fresh.CellTextDocuments = append(fresh.CellTextDocuments, protocol.TextDocumentItem{URI: u, LanguageID: "python", Version: 1, Text: text})
		}
		c.notify("notebookDocument/didOpen", fresh)
		c.mustCall("textDocument/hover", protocol.TextDocumentPositionParams{TextDocument: protocol.TextDocumentIdentifier{URI: "file:///none.py"}}, nil)
		if want := diagsOf(freshURIs); got != want {
			t.Fatalf("cells %q\nincremental diagnostics:\n%s\nfresh:\n%s", nb.texts, got, want)
		}
	})
}

// TestNotebookDeclaredAt: a diagnostic and a hover that name an export call in another
// cell name that cell and the line in it, as check does ("model.ipynb:cell 4:3"), not a
// line of the module the code cells make; the markdown cell counts.
func TestNotebookDeclaredAt(t *testing.T) {
	c := newTestClient(t)
	c.start()
	nb := c.openNotebook(t, markdown("# Export the stem"),
		code("import torch\nfrom torch.export import Dim, export\n"),
		code("class Stem(torch.nn.Module):\n    def forward(self, x):\n        if ⟨in⟩x.shape[0] == 4:\n            return x + 1\n        return x - 1\n"),
		code("x = torch.randn(4, 3)\nmodel = Stem()\nep = export(model, (x,), dynamic_shapes={\"x\": {0: Dim(\"batch\")}})\n"))
	got := c.diagsFor(nb.uris[2], 1)
	found := false
	for _, d := range got.Diagnostics {
		if d.Code == "dynamic_shape_if_guard" {
			found = true
			if !strings.Contains(d.Message, `Dim("batch"), declared at model.ipynb:cell 4:3)`) {
				t.Errorf("message %q: want the export call's cell and line", d.Message)
			}
		}
	}
	if !found {
		t.Fatalf("cell 3: %+v, want dynamic_shape_if_guard", got.Diagnostics)
	}
	var h protocol.Hover
	c.mustCall("textDocument/hover", protocol.TextDocumentPositionParams{TextDocument: protocol.TextDocumentIdentifier{URI: nb.uris[2]},
		Position: posAt(nb.texts[2], nb.marks[2]["in"], c.enc)}, &h)
	if !strings.Contains(h.Contents.Value, "declared at model.ipynb:cell 4:3") || strings.Contains(h.Contents.Value, "model.ipynb:10") {
		t.Errorf("hover %q: want the export call's cell and line", h.Contents.Value)
	}
}
