package lsp

import (
	"path/filepath"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/exportdb-lsp/exportdb-lsp/internal/testfs"
)

// A package whose model calls helpers of another module (which never mentions torch).
var projectTree = map[string]string{
	"vit/__init__.py": "",
	"vit/helpers.py": `import math


def scaled(h):
    return round(h / 2)


def get_h(x):
    return x.shape[2]
`,
	"vit/model.py": `import torch
from torch import nn
from .helpers import scaled, get_h


class Model(nn.Module):
    def forward(self, x):
        n = scaled(x.shape[0])
        m = round(get_h(x) / 2)
        return x[:n, :m]
`,
}

func findingLines(p publishDiagnosticsParams, code string) []int {
	var out []int
	for _, d := range p.Diagnostics {
		if d.Code == code {
			out = append(out, int(d.Range.Start.Line)+1)
		}
	}
	return out
}

// TestProjectHelperFinding: the helper module, open in the editor, gets the finding that
// the model on disk causes by calling it with a size, with the call in the model as
// related information.
func TestProjectHelperFinding(t *testing.T) {
	dir := testfs.WriteTree(t, projectTree)
	c := newTestClient(t)
	c.initialize(initParams{Capabilities: capsNeovim07(), WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(pathToURI(dir)), Name: "ws"}}})
	helpers := pathToURI(filepath.Join(dir, "vit", "helpers.py"))
	c.open(helpers, projectTree["vit/helpers.py"])
	var got publishDiagnosticsParams
	c.waitFor("the helper's finding", func() bool {
		list := c.diags[helpers]
		if len(list) == 0 {
			return false
		}
		got = list[len(list)-1]
		return len(findingLines(got, "dynamic_shape_round")) == 1
	})
	if lines := findingLines(got, "dynamic_shape_round"); lines[0] != 5 {
		t.Errorf("finding on line %d, want 5 (round in scaled)", lines[0])
	}
	rel := got.Diagnostics[0].RelatedInformation
	if len(rel) != 1 || rel[0].Location.URI != pathToURI(filepath.Join(dir, "vit", "model.py")) ||
		rel[0].Location.Range.Start.Line != 7 || !strings.Contains(rel[0].Message, "Model.forward calls scaled") {
		t.Errorf("related information: %+v", rel)
	}
}

// TestProjectDependentRediagnosed: the model's finding depends on what a helper of another
// module returns (a size); editing the open helper to return a constant re-diagnoses the
// model, whose text did not change.
func TestProjectDependentRediagnosed(t *testing.T) {
	dir := testfs.WriteTree(t, projectTree)
	c := newTestClient(t)
	c.initialize(initParams{Capabilities: capsNeovim07(), WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(pathToURI(dir)), Name: "ws"}}})
	model := pathToURI(filepath.Join(dir, "vit", "model.py"))
	helpers := pathToURI(filepath.Join(dir, "vit", "helpers.py"))
	c.open(model, projectTree["vit/model.py"])
	c.waitFor("the model's finding", func() bool {
		list := c.diags[model]
		return len(list) > 0 && len(findingLines(list[len(list)-1], "dynamic_shape_round")) == 1
	})
	c.open(helpers, projectTree["vit/helpers.py"])
	c.diagsFor(helpers, 1)
	before := c.publishes(model)
	text := projectTree["vit/helpers.py"]
	i := strings.Index(text, "x.shape[2]")
	r := rangeAt(text, i, i+len("x.shape[2]"), c.enc)
	c.change(helpers, 2, textDocumentContentChangeEvent{Range: &r, Text: "4"})
	c.diagsFor(helpers, 2)
	c.waitFor("the model re-diagnosed", func() bool {
		list := c.diags[model]
		if len(list) > before {
			t.Logf("model publish %d: %v", len(list), findingLines(list[len(list)-1], "dynamic_shape_round"))
		}
		return len(list) > before && len(findingLines(list[len(list)-1], "dynamic_shape_round")) == 0
	})
}
