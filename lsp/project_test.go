package lsp

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/config"
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


class Head(nn.Module):
    def forward(self, x):
        return x.flatten(1)
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
// model, whose text did not change, and editing it back brings the finding back. The model
// re-links the helper and what reads it into the program it had (base.rebase), not its
// neighbourhood from scratch, and keeps what its last analysis found in the units that name
// nothing of the helper.
func TestProjectDependentRediagnosed(t *testing.T) {
	dir := testfs.WriteTree(t, projectTree)
	var mu sync.Mutex
	var links []string // how the model was linked, in order
	var srv *Server
	c := newTestClient(t, func(s *Server) {
		srv = s
		s.testLink = func(path, how string) {
			if filepath.Base(path) == "model.py" {
				mu.Lock()
				links = append(links, how)
				mu.Unlock()
			}
		}
	})
	c.initialize(initParams{Capabilities: capsNeovim07(), WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(pathToURI(dir)), Name: "ws"}}})
	c.waitIndexed()
	model := pathToURI(filepath.Join(dir, "vit", "model.py"))
	helpers := pathToURI(filepath.Join(dir, "vit", "helpers.py"))
	c.open(model, projectTree["vit/model.py"])
	c.waitFor("the model's finding", func() bool {
		list := c.diags[model]
		return len(list) > 0 && len(findingLines(list[len(list)-1], "dynamic_shape_round")) == 1
	})
	c.open(helpers, projectTree["vit/helpers.py"])
	c.diagsFor(helpers, 1)
	c.waitFor("both documents settled", func() bool { return docsSettled(srv) })
	mu.Lock()
	links = nil
	mu.Unlock()
	text := projectTree["vit/helpers.py"]
	for i, step := range []struct {
		from, to string
		want     int // round() findings in the model
	}{{"x.shape[2]", "4", 0}, {"4", "x.shape[2]", 1}, {"x.shape[2]", "16", 0}} {
		at := strings.Index(text, "return "+step.from) + len("return ")
		r := rangeAt(text, at, at+len(step.from), c.enc)
		text = text[:at] + step.to + text[at+len(step.from):]
		before := c.publishes(model)
		c.change(helpers, int32(i+2), textDocumentContentChangeEvent{Range: &r, Text: step.to})
		c.diagsFor(helpers, int32(i+2))
		c.waitFor(fmt.Sprintf("edit %d (return %s): the model re-diagnosed", i+1, step.to), func() bool {
			list := c.diags[model]
			return len(list) > before && len(findingLines(list[len(list)-1], "dynamic_shape_round")) == step.want
		})
	}
	c.waitFor("both documents settled", func() bool { return docsSettled(srv) })
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(links, "rebase") || slices.Contains(links, "full") {
		t.Errorf("the model was linked %v after the helper's edits, want rebases and no link from scratch", links)
	}
	// each rebased program replaces the model from its analysis before the edit, keeping
	// Head, which names nothing of the helper
	for i, how := range links {
		if how == "rebase" && (i+1 == len(links) || links[i+1] != "kept") {
			t.Errorf("the model was linked %v: a rebase not followed by a Replace that kept units", links)
			break
		}
	}
}

// A model package exported by a script at the project root with H declared dynamic, and a
// class the configuration declares for an export done elsewhere.
var dimsTree = map[string]string{
	"pyproject.toml":  "[tool.exportdb]\ntorch-version = \"2.11\"\n\n[tool.exportdb.dynamic-shapes.\"vit.model.Elsewhere\"]\nx = { 0 = \"batch\" }\n",
	"export.py":       "import torch\nfrom torch.export import Dim\n\nfrom vit.model import ViT\n\nh = Dim(\"h\", min=32, max=512)\nep = torch.export.export(ViT(), (torch.randn(1, 3, 224, 224),), dynamic_shapes={\"x\": {2: h}})\n",
	"vit/__init__.py": "",
	"vit/patch.py":    "from torch import nn\n\n\nclass PatchEmbed(nn.Module):\n    def __init__(self, img_size=224):\n        super().__init__()\n        self.img_size = img_size\n\n    def forward(self, x):\n        B, C, H, W = x.shape\n        if H != self.img_size:\n            x = x[:, :, : self.img_size]\n        return x\n",
	"vit/model.py":    "from torch import nn\nfrom .patch import PatchEmbed\n\n\nclass ViT(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.patch_embed = PatchEmbed()\n\n    def forward(self, x):\n        return self.patch_embed(x)\n\n\nclass Elsewhere(nn.Module):\n    def forward(self, x):\n        if x.shape[0] > 4:\n            return x * 2\n        return x\n",
}

// TestProjectDynamicShapes: the patch embedding, open in the editor, gets an error naming the
// Dim the export script two files away declares, with the declaration as related
// information (at the Dim), a class the configuration declares gets its error too; and editing the
// export call to declare nothing dynamic re-diagnoses the patch embedding, whose branch
// is then fixed, as it should be: no finding.
func TestProjectDynamicShapes(t *testing.T) {
	dir := testfs.WriteTree(t, dimsTree)
	c := newTestClient(t)
	c.initialize(initParams{Capabilities: capsNeovim07(), WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(pathToURI(dir)), Name: "ws"}}})
	patch := pathToURI(filepath.Join(dir, "vit", "patch.py"))
	exportURI := pathToURI(filepath.Join(dir, "export.py"))
	c.open(patch, dimsTree["vit/patch.py"])
	var got protocol.Diagnostic
	c.waitFor("the patch embedding's error", func() bool {
		list := c.diags[patch]
		if len(list) == 0 {
			return false
		}
		for _, d := range list[len(list)-1].Diagnostics {
			if d.Code == "dynamic_shape_if_guard" && d.Severity == protocol.DiagnosticSeverityError {
				got = d
				return true
			}
		}
		return false
	})
	if got.Range.Start.Line != 10 || !strings.Contains(got.Message, `Dim("h", min=32, max=512), declared at export.py:7`) {
		t.Errorf("diagnostic: line %d, %q", got.Range.Start.Line+1, got.Message)
	}
	found := false
	for _, r := range got.RelatedInformation {
		if r.Location.URI == exportURI && r.Location.Range.Start.Line == 5 && strings.Contains(r.Message, "x.shape[2] is declared dynamic here") {
			found = true
		}
	}
	if !found {
		t.Errorf("no related information at the Dim in export.py: %+v", got.RelatedInformation)
	}

	model := pathToURI(filepath.Join(dir, "vit", "model.py"))
	c.open(model, dimsTree["vit/model.py"])
	c.waitFor("the configured class's error", func() bool {
		list := c.diags[model]
		if len(list) == 0 {
			return false
		}
		for _, d := range list[len(list)-1].Diagnostics {
			if d.Code == "dynamic_shape_if_guard" && d.Severity == protocol.DiagnosticSeverityError &&
				d.Range.Start.Line == 15 && strings.Contains(d.Message, "declared at pyproject.toml") {
				return true
			}
		}
		return false
	})

	// the export call declares nothing dynamic any more: the branch is fixed, no finding
	text := dimsTree["export.py"]
	c.open(exportURI, text)
	c.diagsFor(exportURI, 1)
	before := c.publishes(patch)
	i := strings.Index(text, `, dynamic_shapes={"x": {2: h}}`)
	r := rangeAt(text, i, i+len(`, dynamic_shapes={"x": {2: h}}`), c.enc)
	c.change(exportURI, 2, textDocumentContentChangeEvent{Range: &r, Text: ""})
	c.waitFor("the patch embedding re-diagnosed without the finding", func() bool {
		list := c.diags[patch]
		return len(list) > before && len(findingLines(list[len(list)-1], "dynamic_shape_if_guard")) == 0
	})
}

// TestDimFixInTheExportScript: an assert that holds for part of the declared range gets a
// quick fix whose edit lies in the export script, another file: on disk while the script
// is closed (no version), at the open document's version once it is open, and none once
// the open script's text differs from the one the analysis read.
func TestDimFixInTheExportScript(t *testing.T) {
	tree := map[string]string{
		"export.py":       dimsTree["export.py"],
		"vit/__init__.py": "",
		"vit/model.py":    "from torch import nn\n\n\nclass ViT(nn.Module):\n    def forward(self, x):\n        assert x.shape[2] >= 64\n        return x\n",
	}
	dir := testfs.WriteTree(t, tree)
	c := newTestClient(t)
	caps := capsNeovim07()
	caps.Workspace.WorkspaceEdit.DocumentChanges = true
	c.initialize(initParams{Capabilities: caps, WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(pathToURI(dir)), Name: "ws"}}})
	model := pathToURI(filepath.Join(dir, "vit", "model.py"))
	exportURI := pathToURI(filepath.Join(dir, "export.py"))
	text := tree["vit/model.py"]
	c.open(model, text)
	c.waitFor("the assert's error", func() bool {
		list := c.diags[model]
		return len(list) > 0 && len(findingLines(list[len(list)-1], "dynamic_shape_assert")) == 1
	})
	at := strings.Index(text, "assert")
	dimFix := func() *protocol.CodeAction {
		for _, a := range codeActions(t, c, model, text, at, at+6) {
			if strings.HasPrefix(a.Title, "declare Dim(") {
				return &a
			}
		}
		return nil
	}
	a := dimFix()
	if a == nil || a.Edit == nil || len(a.Edit.DocumentChanges) != 1 {
		t.Fatalf("no fix in the export script: %+v", a)
	}
	dc := a.Edit.DocumentChanges[0]
	if dc.TextDocument.URI != exportURI || dc.TextDocument.Version != nil || len(dc.Edits) != 1 ||
		dc.Edits[0].NewText != `Dim("h", min=64, max=512)` || dc.Edits[0].Range.Start.Line != 5 || dc.Edits[0].Range.Start.Character != 4 {
		t.Errorf("edit %+v", dc)
	}

	// opened unchanged: the same edit, at the document's version
	c.open(exportURI, tree["export.py"])
	c.diagsFor(exportURI, 1)
	c.diagsFor(model, -1)
	if a = dimFix(); a == nil || a.Edit.DocumentChanges[0].TextDocument.Version == nil || *a.Edit.DocumentChanges[0].TextDocument.Version != 1 {
		t.Errorf("with the script open: %+v", a)
	}
}

// farTree is a project whose patch embedding lies four imports below the export script
// (export.py -> vit.model -> vit.stages -> vit.blocks -> vit.patch), farther up than the
// neighbourhood's fixed levels reach, next to a package of unrelated importers.
func farTree(exportScript, pyproject string) map[string]string {
	tree := map[string]string{
		"vit/__init__.py": "",
		"vit/model.py":    "from torch import nn\nfrom .stages import Stage\n\n\nclass ViT(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.stage = Stage()\n\n    def forward(self, x):\n        return self.stage(x)\n",
		"vit/stages.py":   "from torch import nn\nfrom .blocks import Block\n\n\nclass Stage(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.block = Block()\n\n    def forward(self, x):\n        return self.block(x)\n",
		"vit/blocks.py":   "from torch import nn\nfrom .patch import PatchEmbed\n\n\nclass Block(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.patch = PatchEmbed()\n\n    def forward(self, x):\n        return self.patch(x)\n",
		"vit/patch.py":    dimsTree["vit/patch.py"],
	}
	for i := 0; i < 5; i++ {
		tree[fmt.Sprintf("tools/use%d.py", i)] = "from vit.blocks import Block\n\nBLOCK = Block\n"
	}
	if exportScript != "" {
		tree["export.py"] = exportScript
	}
	if pyproject != "" {
		tree["pyproject.toml"] = pyproject
	}
	return tree
}

// TestDimsFromFarUp: a layer four imports below the export script (or below the class the
// configuration declares) gets the declared-dynamic error once the index knows the chain:
// the neighbourhood follows importers up to the modules that declare dims.
func TestDimsFromFarUp(t *testing.T) {
	script := dimsTree["export.py"]
	for _, tc := range []struct {
		name, script, pyproject, want string
	}{
		{"export script", script, "", `declared at export.py:7`},
		{"configuration", "", "[tool.exportdb]\ntorch-version = \"2.11\"\n\n[tool.exportdb.dynamic-shapes.\"vit.model.ViT\"]\nx = { 2 = \"h\" }\n", `declared at pyproject.toml`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tree := farTree(tc.script, tc.pyproject)
			dir := testfs.WriteTree(t, tree)
			c := newTestClient(t)
			c.initialize(initParams{Capabilities: capsNeovim07(), WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(pathToURI(dir)), Name: "ws"}}})
			patch := pathToURI(filepath.Join(dir, "vit", "patch.py"))
			c.open(patch, tree["vit/patch.py"])
			var got protocol.Diagnostic
			c.waitFor("the patch embedding's error", func() bool {
				list := c.diags[patch]
				if len(list) == 0 {
					return false
				}
				for _, d := range list[len(list)-1].Diagnostics {
					if d.Code == "dynamic_shape_if_guard" && d.Severity == protocol.DiagnosticSeverityError {
						got = d
						return true
					}
				}
				return false
			})
			if got.Range.Start.Line != 10 || !strings.Contains(got.Message, tc.want) {
				t.Errorf("diagnostic: line %d, %q", got.Range.Start.Line+1, got.Message)
			}
		})
	}
}

// indexTree records the imports of tree's Python files (written under dir) in p, as the
// workspace index does.
func indexTree(p *project, dir string, tree map[string]string) {
	for path, src := range tree {
		if strings.HasSuffix(path, ".py") {
			full := filepath.Join(dir, filepath.FromSlash(path))
			m := p.module(full)
			p.setImports(m.Name, full, modulesOf(pysem.ScanImports([]byte(src), m)), mentionsExport([]byte(src)))
		}
	}
}

// TestNeighboursFollowDeclarers: the neighbourhood of a module deep in a package holds the
// export script far above it and the chain between, and not the unrelated importers of the
// levels beyond the fixed ones.
func TestNeighboursFollowDeclarers(t *testing.T) {
	dir := testfs.WriteTree(t, farTree(dimsTree["export.py"], ""))
	p := newProject([]string{dir}, func(string) []string { return nil })
	indexTree(p, dir, farTree(dimsTree["export.py"], ""))
	pf := &pysem.File{Module: p.module(filepath.Join(dir, "vit", "patch.py"))}
	got := strings.Join(p.neighbours(pf, nil), " ")
	for _, want := range []string{"export", "vit.model", "vit.stages", "vit.blocks"} {
		if !slices.Contains(strings.Fields(got), want) {
			t.Errorf("neighbours %q lack %s", got, want)
		}
	}
	without := newProject([]string{dir}, func(string) []string { return nil })
	indexTree(without, dir, farTree("", ""))
	if got := without.neighbours(pf, nil); slices.Contains(got, "vit.model") {
		t.Errorf("without a declarer the walk links %v, beyond the fixed levels", got)
	}
}

// TestDependentSeesLastText: the patch embedding links a text of the export script that
// the script's own analysis has not committed (the script's analysis is held back), the
// script then returns to the text its recorded surface came from, and its analysis commits
// with that same surface. The patch embedding is analysed again anyway and ends diagnosed
// for the script's last text (found by BenchmarkWorkspaceExportEdit: the model kept the
// static verdict of a text the script no longer had).
func TestDependentSeesLastText(t *testing.T) {
	dir := testfs.WriteTree(t, dimsTree)
	c := newTestClient(t)
	exportURI := pathToURI(filepath.Join(dir, "export.py"))
	hold, release := make(chan struct{}), make(chan struct{})
	var held sync.Once
	c.server.testAnalyzeHook = func(uri protocol.DocumentURI, version int32) {
		if uri == exportURI && version == 2 {
			// only the first run of that text is held: the patch embedding's edit re-analyses
			// the script, which may run its second text again before the third arrives
			held.Do(func() {
				close(hold)
				<-release
			})
		}
	}
	c.initialize(initParams{Capabilities: capsNeovim07(), WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(pathToURI(dir)), Name: "ws"}}})
	patch := pathToURI(filepath.Join(dir, "vit", "patch.py"))
	c.open(patch, dimsTree["vit/patch.py"])
	c.open(exportURI, dimsTree["export.py"])
	errorIn := func(p publishDiagnosticsParams) bool {
		for _, d := range p.Diagnostics {
			if d.Code == "dynamic_shape_if_guard" && d.Severity == protocol.DiagnosticSeverityError {
				return true
			}
		}
		return false
	}
	last := func() (publishDiagnosticsParams, int) {
		list := c.diags[patch]
		if len(list) == 0 {
			return publishDiagnosticsParams{}, 0
		}
		return list[len(list)-1], len(list)
	}
	c.waitFor("the patch embedding's error", func() bool { p, n := last(); return n > 0 && errorIn(p) })
	c.diagsFor(exportURI, 1)
	text := dimsTree["export.py"]
	edit := func(v int32, from, to string) {
		i := strings.Index(text, from)
		r := rangeAt(text, i, i+len(from), c.enc)
		text = text[:i] + to + text[i+len(from):]
		c.change(exportURI, v, textDocumentContentChangeEvent{Range: &r, Text: to})
	}
	edit(2, "{2: h}", "{2: None}") // the script's analysis of this text is held back
	<-hold
	// an edit of the patch embedding links the script's uncommitted static text
	ptext := dimsTree["vit/patch.py"]
	c.mu.Lock()
	_, before := last()
	c.mu.Unlock()
	end := rangeAt(ptext, len(ptext), len(ptext), c.enc)
	c.change(patch, 2, textDocumentContentChangeEvent{Range: &end, Text: "# edited\n"})
	c.waitFor("the patch embedding diagnosed with the static text", func() bool { p, n := last(); return n > before && !errorIn(p) })
	edit(3, "{2: None}", "{2: h}") // back to the text of the recorded surface
	close(release)
	c.diagsFor(exportURI, 3)
	c.waitFor("the patch embedding's error for the script's last text", func() bool { p, _ := last(); return errorIn(p) })
}

// lastWithCode returns the diagnostic of code in the last publish for uri and its message,
// or "no publish" or "no finding" as the message. The caller holds c.mu (waitFor does).
func lastWithCode(c *testClient, uri protocol.DocumentURI, code string) (protocol.Diagnostic, string) {
	list := c.diags[uri]
	if len(list) == 0 {
		return protocol.Diagnostic{}, "no publish"
	}
	for _, d := range list[len(list)-1].Diagnostics {
		if d.Code == code {
			return d, d.Message
		}
	}
	return protocol.Diagnostic{}, "no finding"
}

// TestKeystrokeKeepsDeclaredDims: keystrokes in the patch embedding (re-linked against its
// base program) and a re-analysis of the model that calls it (replaced in that base) keep
// the error naming the Dim the export script declares: the patch's forward is a root of its
// own and is called by the model's, and what the model passes carries the declared dim.
func TestKeystrokeKeepsDeclaredDims(t *testing.T) {
	dir := testfs.WriteTree(t, dimsTree)
	c := newTestClient(t)
	c.initialize(initParams{Capabilities: capsNeovim07(), WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(pathToURI(dir)), Name: "ws"}}})
	patch := pathToURI(filepath.Join(dir, "vit", "patch.py"))
	model := pathToURI(filepath.Join(dir, "vit", "model.py"))
	c.open(patch, dimsTree["vit/patch.py"])
	c.open(model, dimsTree["vit/model.py"])
	verdict := func() string {
		d, msg := lastWithCode(c, patch, "dynamic_shape_if_guard")
		if d.Severity == protocol.DiagnosticSeverityError && strings.Contains(msg, `Dim("h", min=32, max=512), declared at export.py:7`) {
			return "declared"
		}
		return msg
	}
	c.waitFor("the declared-dim error", func() bool { return verdict() == "declared" })
	ptext, mtext := dimsTree["vit/patch.py"], dimsTree["vit/model.py"]
	for v := int32(2); v < 8; v++ {
		if v%3 == 0 { // a comment in the model: same surface, the model is replaced in the patch's base
			end := rangeAt(mtext, len(mtext), len(mtext), c.enc)
			c.change(model, v, textDocumentContentChangeEvent{Range: &end, Text: "#"})
			mtext += "#"
			c.diagsFor(model, v)
		}
		end := rangeAt(ptext, len(ptext), len(ptext), c.enc)
		c.change(patch, v, textDocumentContentChangeEvent{Range: &end, Text: "#"})
		ptext += "#"
		c.diagsFor(patch, v)
		c.mu.Lock()
		got := verdict()
		c.mu.Unlock()
		if got != "declared" {
			t.Errorf("after keystroke %d the patch embedding's finding is %q", v-1, got)
		}
	}
}

// TestExportEditRedeclares: editing the dynamic_shapes of an export call re-diagnoses the
// open patch embedding two files away without parsing or linking it again (it keeps its
// analysis and reads the declarations again, Server.redeclared), and the verdicts follow
// each edit: the Dim's name and range, static, dynamic again. A keystroke in the patch
// embedding afterwards links it as usual and still sees the last declaration.
func TestExportEditRedeclares(t *testing.T) {
	dir := testfs.WriteTree(t, dimsTree)
	var mu sync.Mutex
	stages := map[string]int{}
	patchPath := filepath.Join(dir, "vit", "patch.py")
	var srv *Server
	c := newTestClient(t, func(s *Server) {
		srv = s
		s.testStage = func(ctx context.Context, version int32, stage string) {
			mu.Lock()
			stages[stage]++
			mu.Unlock()
		}
	})
	c.initialize(initParams{Capabilities: capsNeovim07(), WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(pathToURI(dir)), Name: "ws"}}})
	patch := pathToURI(patchPath)
	exp := pathToURI(filepath.Join(dir, "export.py"))
	c.open(patch, dimsTree["vit/patch.py"])
	c.open(exp, dimsTree["export.py"])
	c.diagsFor(exp, 1)
	verdict := func() string {
		_, msg := lastWithCode(c, patch, "dynamic_shape_if_guard")
		return msg
	}
	c.waitFor("the declared-dim error", func() bool { return strings.Contains(verdict(), `Dim("h", min=32, max=512), declared at export.py:7`) })
	// settled: both documents analysed against each other's committed analyses (an analysis
	// that read the other's text before it committed runs again, linking anew)
	c.waitFor("both documents settled", func() bool { return docsSettled(srv) })
	text := dimsTree["export.py"]
	edits := []struct{ from, to, want string }{
		{`Dim("h", min=32, max=512)`, `Dim("height", min=64, max=256)`, `Dim("height", min=64, max=256), declared at export.py:7`},
		{`{"x": {2: h}}`, `{"x": {2: None}}`, "no finding"},
		{`{"x": {2: None}}`, `{"x": {2: h}}`, `Dim("height", min=64, max=256), declared at export.py:7`},
		// back to the text the patch embedding first linked: its declarations were read from
		// the other texts since, so they are read again
		{`Dim("height", min=64, max=256)`, `Dim("h", min=32, max=512)`, `Dim("h", min=32, max=512), declared at export.py:7`},
	}
	for i, e := range edits {
		at := strings.Index(text, e.from)
		r := rangeAt(text, at, at+len(e.from), c.enc)
		text = text[:at] + e.to + text[at+len(e.from):]
		c.waitFor("both documents settled", func() bool { return docsSettled(srv) })
		mu.Lock()
		before := stages["redeclare"]
		mu.Unlock()
		c.change(exp, int32(i+2), textDocumentContentChangeEvent{Range: &r, Text: e.to})
		c.diagsFor(exp, int32(i+2))
		c.waitFor(fmt.Sprintf("the patch embedding after edit %d (%s)", i+1, e.to), func() bool {
			v := verdict()
			return v == e.want || strings.Contains(v, e.want)
		})
		mu.Lock()
		after := stages["redeclare"]
		mu.Unlock()
		if after <= before {
			t.Errorf("edit %d re-diagnosed the patch embedding by linking it again, not by reading the declarations again", i+1)
		}
	}
	// a keystroke in the patch embedding: linked as usual, with the script's last text
	ptext := dimsTree["vit/patch.py"]
	end := rangeAt(ptext, len(ptext), len(ptext), c.enc)
	c.change(patch, 2, textDocumentContentChangeEvent{Range: &end, Text: "#"})
	c.diagsFor(patch, 2)
	c.mu.Lock()
	got := verdict()
	c.mu.Unlock()
	if text != dimsTree["export.py"] {
		t.Fatalf("the edits did not restore the script's text")
	}
	if !strings.Contains(got, `Dim("h", min=32, max=512), declared at export.py:7`) {
		t.Errorf("after a keystroke in the patch embedding: %q", got)
	}
}

// TestModuleCreatedOnDiskJoins: a module the model imports does not exist yet (the
// neighbourhood remembers it missing, so that keystrokes do not stat the disk for it); once
// it is written and the client reports it, the model's next analysis links it.
func TestModuleCreatedOnDiskJoins(t *testing.T) {
	dir := testfs.WriteTree(t, map[string]string{"vit/__init__.py": "", "vit/model.py": projectTree["vit/model.py"]})
	c := newTestClient(t)
	caps := capsNeovim07()
	caps.Workspace.DidChangeWatchedFiles.DynamicRegistration = true
	c.initialize(initParams{Capabilities: caps, WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(pathToURI(dir)), Name: "ws"}}})
	c.waitFor("the index", func() bool {
		p := c.server.project
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.indexed
	})
	model := pathToURI(filepath.Join(dir, "vit", "model.py"))
	text := projectTree["vit/model.py"]
	c.open(model, text)
	if got := findingLines(c.diagsFor(model, 1), "dynamic_shape_round"); len(got) != 0 {
		t.Fatalf("findings %v before the helpers exist", got)
	}
	// a keystroke: the missing module is not looked for again
	end := rangeAt(text, len(text), len(text), c.enc)
	c.change(model, 2, textDocumentContentChangeEvent{Range: &end, Text: "\n"})
	text += "\n"
	if got := findingLines(c.diagsFor(model, 2), "dynamic_shape_round"); len(got) != 0 {
		t.Fatalf("findings %v before the helpers exist", got)
	}
	helpers := filepath.Join(dir, "vit", "helpers.py")
	if err := os.WriteFile(helpers, []byte(projectTree["vit/helpers.py"]), 0o644); err != nil {
		t.Fatal(err)
	}
	c.notify("workspace/didChangeWatchedFiles", protocol.DidChangeWatchedFilesParams{Changes: []*protocol.FileEvent{{URI: pathToURI(helpers), Type: protocol.FileChangeTypeCreated}}})
	end = rangeAt(text, len(text), len(text), c.enc)
	c.change(model, 3, textDocumentContentChangeEvent{Range: &end, Text: "\n"})
	if got := findingLines(c.diagsFor(model, 3), "dynamic_shape_round"); !slices.Equal(got, []int{9}) {
		t.Errorf("findings on lines %v once the helpers exist, want [9] (round(get_h(x) / 2))", got)
	}
}

// TestNeighbourhoodsFollowTheIndex: a neighbourhood is worked out once per state of the
// index; a change of the index (an export script appears far above, then stops exporting)
// changes the next answer.
func TestNeighbourhoodsFollowTheIndex(t *testing.T) {
	dir := testfs.WriteTree(t, farTree("", ""))
	p := newProject([]string{dir}, func(string) []string { return nil })
	indexTree(p, dir, farTree("", ""))
	index := func(path, src string) { indexTree(p, dir, map[string]string{path: src}) }
	pf := &pysem.File{Module: p.module(filepath.Join(dir, "vit", "patch.py"))}
	before := p.neighbours(pf, nil)
	if slices.Contains(before, "vit.model") {
		t.Fatalf("without a declarer the walk links %v", before)
	}
	gen := p.gen
	if again := p.neighbours(pf, nil); !slices.Equal(again, before) || p.gen != gen || len(p.nbMemo) != 1 {
		t.Errorf("the same question again: %v (gen %d -> %d, %d memos)", again, gen, p.gen, len(p.nbMemo))
	}
	index("export.py", dimsTree["export.py"])
	with := p.neighbours(pf, nil)
	if !slices.Contains(with, "export") || !slices.Contains(with, "vit.model") {
		t.Errorf("after the export script is indexed: %v", with)
	}
	index("export.py", "import vit.model\n")
	if after := p.neighbours(pf, nil); slices.Contains(after, "export") {
		t.Errorf("after the script stops exporting: %v", after)
	}
	if got := p.neighbours(pf, map[string]bool{"vit.model": true}); !slices.Contains(got, "vit.model") {
		t.Errorf("with the configuration declaring dims in vit.model: %v", got)
	}
}

// TestNeighbourhoodIgnoresImportsOutsideTheProject: typing an import of a module the
// project does not hold (`import math, o`, then `os`) asks the disk once per new name and
// leaves the neighbourhood's memo as it was: no walk of the index, no change of its
// generation, the same answer. An import of a project module is a new question.
func TestNeighbourhoodIgnoresImportsOutsideTheProject(t *testing.T) {
	dir := testfs.WriteTree(t, farTree("", ""))
	p := newProject([]string{dir}, func(string) []string { return nil })
	indexTree(p, dir, farTree("", ""))
	mod := p.module(filepath.Join(dir, "vit", "patch.py"))
	pf := func(imports ...string) *pysem.File {
		return &pysem.File{Module: mod, ImportedModules: append([]string{"torch", "torch.nn"}, imports...)}
	}
	before := p.neighbours(pf(), nil)
	gen := p.gen
	for _, typed := range []string{"o", "os", "o", ""} {
		var imports []string
		if typed != "" {
			imports = []string{typed}
		}
		if got := p.neighbours(pf(imports...), nil); !slices.Equal(got, before) || p.gen != gen || len(p.nbMemo) != 1 {
			t.Errorf("importing %q as well: %v, gen %d -> %d, %d memos; want %v, one memo", typed, got, gen, p.gen, len(p.nbMemo), before)
		}
	}
	if _, ok := p.missing["os"]; !ok {
		t.Errorf("os was not recorded missing: %v", p.missing)
	}
	if got := p.neighbours(pf("vit.model"), nil); !slices.Contains(got, "vit.model") || len(p.nbMemo) != 2 {
		t.Errorf("importing a project module: %v, %d memos", got, len(p.nbMemo))
	}
}

// TestOpeningExportScriptLinksEachOnce: opening an export script next to its open model
// links only the script from scratch (its first analysis). The model linked the script's
// text from disk; the same text, now open, is what it linked (base.structureKept), and when
// the script's analysis commits that text the model keeps its program instead of linking
// the neighbourhood again, which made the script link again in turn.
func TestOpeningExportScriptLinksEachOnce(t *testing.T) {
	dir := testfs.WriteTree(t, dimsTree)
	var mu sync.Mutex
	full := map[string]int{}
	var srv *Server
	c := newTestClient(t, func(s *Server) {
		srv = s
		s.testLink = func(path, how string) {
			if how == "full" {
				mu.Lock()
				full[filepath.Base(path)]++
				mu.Unlock()
			}
		}
	})
	c.initialize(initParams{Capabilities: capsNeovim07(), WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(pathToURI(dir)), Name: "ws"}}})
	c.waitIndexed()
	patch := pathToURI(filepath.Join(dir, "vit", "patch.py"))
	exp := pathToURI(filepath.Join(dir, "export.py"))
	settled := func() bool { return docsSettled(srv) }
	c.open(patch, dimsTree["vit/patch.py"])
	c.diagsFor(patch, 1)
	c.waitFor("the model settled", settled)
	mu.Lock()
	clear(full)
	mu.Unlock()
	c.open(exp, dimsTree["export.py"])
	c.diagsFor(exp, 1)
	c.waitFor("the declared-dim error", func() bool {
		_, msg := lastWithCode(c, patch, "dynamic_shape_if_guard")
		return strings.Contains(msg, `declared at export.py:7`)
	})
	c.waitFor("both documents settled", settled)
	c.quiet(300*time.Millisecond, patch, exp)
	mu.Lock()
	defer mu.Unlock()
	if full["patch.py"] != 0 || full["export.py"] > 1 {
		t.Errorf("linked from scratch after the export script opened: %v, want the script once (its first analysis) and the model never", full)
	}
}

// docsSettled reports whether every open document of srv has its analysis committed, none
// running, none read a neighbour's text before that neighbour's analysis committed it, and
// every commit's dependents were told of it (between a commit and surfaceChanged the
// documents look settled, and a dependent is about to be re-analysed), and the workspace
// index is built (its end re-analyses the documents whose neighbourhood grew).
func docsSettled(srv *Server) bool {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.telling > 0 || srv.indexing {
		return false
	}
	for _, d := range srv.docs {
		if d.running || d.result == nil || len(d.unsettled) > 0 {
			return false
		}
	}
	return true
}

// TestMissingModulesRefreshedAway: without file watching, a module believed missing is
// looked for again by refreshMissing, not by keystrokes: finding it changes the index's
// generation (the neighbourhoods that could not find it are worked out again); looking in
// vain leaves the neighbourhoods as they were; a miss not yet due is not looked for.
func TestMissingModulesRefreshedAway(t *testing.T) {
	dir := testfs.WriteTree(t, map[string]string{"vit/__init__.py": "", "vit/model.py": projectTree["vit/model.py"]})
	p := newProject([]string{dir}, func(string) []string { return nil })
	p.missTTL = time.Hour
	pf := &pysem.File{Module: p.module(filepath.Join(dir, "vit", "model.py")), ImportedModules: []string{"vit.helpers", "torch.nn"}}
	p.mu.Lock()
	for _, m := range []string{"vit.helpers", "torch.nn"} {
		if path := p.findLocked(m); path != "" {
			t.Fatalf("%s found at %s before it exists", m, path)
		}
	}
	p.mu.Unlock()
	nb := p.neighbours(pf, nil)
	gen := p.gen
	if err := os.WriteFile(filepath.Join(dir, "vit", "helpers.py"), []byte(projectTree["vit/helpers.py"]), 0o644); err != nil {
		t.Fatal(err)
	}
	// a keystroke's question: still missing, no stat, the same neighbourhood
	p.mu.Lock()
	path := p.findLocked("vit.helpers")
	p.mu.Unlock()
	if again := p.neighbours(pf, nil); path != "" || p.gen != gen || !slices.Equal(again, nb) {
		t.Fatalf("a keystroke looked again: found %q, gen %d -> %d, %v -> %v", path, gen, p.gen, nb, again)
	}
	p.refreshMissing() // nothing due yet
	if p.gen != gen || p.paths["vit.helpers"] != "" {
		t.Fatalf("a refresh before the misses were due looked for them (gen %d -> %d)", gen, p.gen)
	}
	p.mu.Lock()
	for m := range p.missing {
		p.missing[m] = time.Now().Add(-2 * time.Hour)
	}
	p.mu.Unlock()
	p.refreshMissing()
	if p.paths["vit.helpers"] == "" || p.gen == gen {
		t.Fatalf("the refresh did not find the new module (gen %d -> %d)", gen, p.gen)
	}
	if got := p.neighbours(pf, nil); !slices.Contains(got, "vit.helpers") {
		t.Errorf("the neighbourhood after the refresh: %v", got)
	}
	// torch.nn stays missing: a second refresh once it is due again changes nothing
	gen = p.gen
	p.mu.Lock()
	_, stillMissing := p.missing["torch.nn"]
	p.missing["torch.nn"] = time.Now().Add(-2 * time.Hour)
	p.mu.Unlock()
	p.refreshMissing()
	if !stillMissing || p.gen != gen {
		t.Errorf("looking in vain for torch.nn: missing %v, gen %d -> %d", stillMissing, gen, p.gen)
	}
}

// TestBaseSettlesStructure: a base that linked an open neighbour's text before the
// neighbour's analysis committed it records its structure as unknown (0). Once that
// analysis commits the same text, the base made from it records the structure, so that
// the neighbour's next edit of its declarations is read again rather than linked anew
// (Server.redeclared); so does a base an analysis running meanwhile publishes over the one
// surfaceChanged filled in (setBase). A text that differs records nothing.
func TestBaseSettlesStructure(t *testing.T) {
	src := []byte("import torch\n\nep = torch.export.export(M(), (x,))\n")
	linked, committed := &pysem.File{Src: src}, &pysem.File{Src: slices.Clone(src)}
	other := &pysem.File{Src: []byte("import torch\n")}
	cfg := &config.Config{}
	unsettled := func() *base {
		return &base{files: map[string]*pysem.File{"export": linked}, structure: map[string]uint64{"export": 0},
			mods: map[string]bool{"self": true, "export": true}, cfg: cfg}
	}
	b := unsettled()
	nb := b.update("sig", cfg, map[string]neighbour{"export": {file: committed, open: true, settled: true, structure: 42}})
	if nb == nil || nb.structure["export"] != 42 {
		t.Fatalf("update after the neighbour committed the text it linked: %+v", nb)
	}
	if b.structure["export"] != 0 {
		t.Errorf("update wrote into the base it came from")
	}
	for name, n := range map[string]neighbour{
		"still unsettled": {file: committed, open: true, structure: 42},
		"another text":    {file: other, open: true, settled: true, structure: 42},
	} {
		if nb := unsettled().update("sig", cfg, map[string]neighbour{"export": n}); nb != nil && nb.structure["export"] != 0 {
			t.Errorf("%s: the base records structure %d", name, nb.structure["export"])
		}
	}

	// setBase: surfaceChanged filled the structure in on the current base; an analysis that
	// was running meanwhile publishes a base made from the one before
	s := &Server{}
	d := &document{}
	filled := unsettled().withStructure("export", 42)
	s.setBase(d, filled)
	next := unsettled()
	s.setBase(d, next)
	if d.base != next || next.structure["export"] != 42 {
		t.Errorf("the base published over the filled-in one records structure %d", d.base.structure["export"])
	}
	moved := unsettled()
	moved.files = map[string]*pysem.File{"export": other}
	s.setBase(d, moved)
	if moved.structure["export"] != 0 {
		t.Errorf("a base that linked another text took the structure of the one before")
	}
}
