package lsp

import (
	"path/filepath"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/exportdb-lsp/exportdb-lsp/internal/testfs"
)

// TestDocumentStatus: exportdb/documentStatus answers the target torch version of a document
// and where it comes from (the project's configuration file, an editor setting, the
// catalog's newest), its module and the modules its analysis links.
func TestDocumentStatus(t *testing.T) {
	dir := testfs.WriteTree(t, map[string]string{
		"proj/pyproject.toml":  "[tool.exportdb]\ntorch-version = \"2.5\"\n",
		"proj/vit/__init__.py": "",
		"proj/vit/helpers.py":  projectTree["vit/helpers.py"],
		"proj/vit/model.py":    projectTree["vit/model.py"],
		"loose/script.py":      "import torch\n",
	})
	c := newTestClient(t)
	c.initialize(initParams{Capabilities: capsNeovim07(), WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(pathToURI(filepath.Join(dir, "proj"))), Name: "ws"}}})
	model := pathToURI(filepath.Join(dir, "proj", "vit", "model.py"))
	c.open(model, projectTree["vit/model.py"])
	c.diagsFor(model, 1)
	var st documentStatus
	c.mustCall("exportdb/documentStatus", documentStatusParams{TextDocument: protocol.TextDocumentIdentifier{URI: model}}, &st)
	if st.TorchVersion != "2.5" || st.TorchVersionFrom != filepath.Join(dir, "proj", "pyproject.toml") || !st.Strict || st.Mode != "export calls" ||
		st.Module != "vit.model" || len(st.Linked) != 2 || st.Linked[0] != "vit" || st.Linked[1] != "vit.helpers" {
		t.Errorf("model: %+v", st)
	}
	loose := pathToURI(filepath.Join(dir, "loose", "script.py"))
	c.mustCall("exportdb/documentStatus", documentStatusParams{TextDocument: protocol.TextDocumentIdentifier{URI: loose}}, &st)
	if st.TorchVersionFrom != "" || st.ConfigFile != "" || st.TorchVersion == "" || st.TorchVersion == "2.5" {
		t.Errorf("a file under no configuration: %+v", st)
	}
}
