package lsp

import (
	"path/filepath"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/exportdb-lsp/exportdb-lsp/internal/testfs"
)

// TestSurfaceWithoutDependents: a module no open document links has its surface neither
// computed nor kept while it is edited; once the model that imports it opens, the next edit
// of the helper that changes what the model sees still re-diagnoses the model.
func TestSurfaceWithoutDependents(t *testing.T) {
	dir := testfs.WriteTree(t, projectTree)
	c := newTestClient(t)
	c.initialize(initParams{Capabilities: capsNeovim07(), WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(pathToURI(dir)), Name: "ws"}}})
	c.waitIndexed()
	model := pathToURI(filepath.Join(dir, "vit", "model.py"))
	helpers := pathToURI(filepath.Join(dir, "vit", "helpers.py"))
	text := projectTree["vit/helpers.py"]
	c.open(helpers, text)
	c.diagsFor(helpers, 1)
	i := strings.Index(text, "h / 2")
	c.change(helpers, 2, textDocumentContentChangeEvent{Range: &protocol.Range{Start: posAt(text, i, c.enc), End: posAt(text, i+1, c.enc)}, Text: "hh"})
	text = text[:i] + "hh" + text[i+1:]
	c.diagsFor(helpers, 2)
	surfaceKnown := func() (set, computed bool) {
		s := c.server
		s.mu.Lock()
		defer s.mu.Unlock()
		d := s.docs[helpers]
		return d.surfaceSet, d.result != nil && d.result.structure != 0
	}
	if set, computed := surfaceKnown(); set || computed {
		t.Fatalf("the helper, linked by no open document: surface kept %v, computed %v; want neither", set, computed)
	}

	c.open(model, projectTree["vit/model.py"])
	c.waitFor("the model's finding", func() bool {
		list := c.diags[model]
		return len(list) > 0 && len(findingLines(list[len(list)-1], "dynamic_shape_round")) == 1
	})
	before := c.publishes(model)
	i = strings.Index(text, "x.shape[2]")
	r := rangeAt(text, i, i+len("x.shape[2]"), c.enc)
	c.change(helpers, 3, textDocumentContentChangeEvent{Range: &r, Text: "4"})
	c.diagsFor(helpers, 3)
	c.waitFor("the model re-diagnosed", func() bool {
		list := c.diags[model]
		return len(list) > before && len(findingLines(list[len(list)-1], "dynamic_shape_round")) == 0
	})
	if set, _ := surfaceKnown(); !set {
		t.Error("the helper's surface is not kept while the model links it")
	}
}
