package check

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/rules"
	"github.com/exportdb-lsp/exportdb-lsp/internal/testfs"
)

// A model package whose helper lives in a module that never mentions torch: the helper's
// round() on a size is reported on the helper's line, with the call chain from forward as
// related places in the other file; the same helper called only from untraced code, and a
// file not given on the command line, stay quiet.
var projectFiles = map[string]string{
	"pyproject.toml":         "[tool.exportdb]\ntorch-version = \"2.11\"\n",
	"vit/__init__.py":        "",
	"vit/layers/__init__.py": "from .helpers import scaled_hw\n",
	"vit/layers/helpers.py": `import math


def scaled_hw(h, w, s):
    return round(h * s), round(w * s)


def unused(n):
    return round(n / 2)
`,
	"vit/model.py": `import torch
from torch import nn
from .layers import scaled_hw


class Resize(nn.Module):
    def forward(self, img):
        h, w = img.shape[-2:]
        nh, nw = scaled_hw(h, w, 0.5)
        return img[..., :nh, :nw]
`,
	"scripts/train.py": `from vit.layers.helpers import unused

unused(4)
`,
}

func TestProjectAcrossFiles(t *testing.T) {
	dir := testfs.WriteTree(t, projectFiles)
	res := run(t, dir, Options{Format: FormatJSON, Rules: rules.All(), Paths: []string{"vit", "scripts"}})
	var report struct {
		Findings []struct {
			Path    string `json:"path"`
			Case    string `json:"case"`
			Start   struct{ Line int }
			Related []struct {
				Path    string
				Start   struct{ Line int }
				Message string
			} `json:"related"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &report); err != nil {
		t.Fatalf("%v\n%s\n%s", err, res.stdout, res.stderr)
	}
	var got []string
	for _, fd := range report.Findings {
		if fd.Case != "dynamic_shape_round" {
			continue
		}
		s := fd.Path + ":" + strconv.Itoa(fd.Start.Line)
		for _, r := range fd.Related {
			s += " <- " + r.Path + ":" + strconv.Itoa(r.Start.Line) + " " + r.Message
		}
		got = append(got, s)
	}
	want := []string{
		"vit/layers/helpers.py:5 <- vit/model.py:9 Resize.forward calls scaled_hw",
		"vit/layers/helpers.py:5 <- vit/model.py:9 Resize.forward calls scaled_hw",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("dynamic_shape_round findings:\n%s\nwant\n%s\n(stderr %s)", strings.Join(got, "\n"), strings.Join(want, "\n"), res.stderr)
	}

	// checking the model alone still links the helper it imports (read as context, never
	// reported): the finding is in a file not given, so none is shown
	res = run(t, dir, Options{Format: FormatJSON, Rules: rules.All(), Paths: []string{"vit/model.py"}})
	if strings.Contains(res.stdout, "dynamic_shape_round") {
		t.Errorf("a finding in a file not given was reported:\n%s", res.stdout)
	}
}

// TestProjectSrcKey: with `src = ["lib"]` a namespace package under lib/ (no __init__.py)
// resolves absolute imports, so the helper's finding is found through the model's call.
func TestProjectSrcKey(t *testing.T) {
	dir := testfs.WriteTree(t, map[string]string{
		"pyproject.toml":        "[tool.exportdb]\ntorch-version = \"2.11\"\nsrc = [\"lib\"]\n",
		"lib/vitpkg/helpers.py": "def scaled(h):\n    return round(h / 2)\n",
		"lib/vitpkg/model.py":   "import torch\nfrom vitpkg.helpers import scaled\n\n\nclass M(torch.nn.Module):\n    def forward(self, x):\n        return x[: scaled(x.shape[0])]\n",
	})
	res := run(t, dir, Options{Format: FormatConcise, Rules: rules.All(), Paths: []string{"lib"}})
	if !strings.Contains(res.stdout, filepath.Join("lib", "vitpkg", "helpers.py")+":2:12: error dynamic_shape_round") {
		t.Errorf("no finding in the helper:\n%s%s", res.stdout, res.stderr)
	}
	// without the src key the project root is the source root: the files are modules
	// lib.vitpkg.*, the import of vitpkg.helpers names no file, and the helper is not reached
	if err := os.WriteFile(filepath.Join(dir, "pyproject.toml"), []byte("[tool.exportdb]\ntorch-version = \"2.11\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res = run(t, dir, Options{Format: FormatConcise, Rules: rules.All(), Paths: []string{"lib"}})
	if strings.Contains(res.stdout, "dynamic_shape_round") {
		t.Errorf("found without the src key:\n%s", res.stdout)
	}
}

// TestProjectDynamicShapes: what the export calls and the configuration declare dynamic
// decides a shape finding's severity across files, whatever order the files are analysed
// in (an export script sorting first was analysed and released before the model's files
// read its declarations: the finding fell back to the hedged warning).
func TestProjectDynamicShapes(t *testing.T) {
	files := map[string]string{
		"pyproject.toml":  "[tool.exportdb]\ntorch-version = \"2.11\"\n\n[tool.exportdb.dynamic-shapes.\"vit.model.Elsewhere\"]\nx = { 0 = \"batch\" }\n\n[tool.exportdb.dims]\nbatch = { min = 1, max = 64 }\n",
		"a_export.py":     "import torch\nfrom torch.export import Dim\n\nfrom vit.model import ViT\n\nh = Dim(\"h\", min=32, max=512)\nep = torch.export.export(ViT(), (torch.randn(1, 3, 224, 224),), dynamic_shapes={\"x\": {2: h}})\n",
		"vit/__init__.py": "",
		"vit/patch.py":    "from torch import nn\n\n\nclass PatchEmbed(nn.Module):\n    def __init__(self, img_size=224):\n        super().__init__()\n        self.img_size = img_size\n\n    def forward(self, x):\n        B, C, H, W = x.shape\n        if H != self.img_size:\n            x = x[:, :, : self.img_size]\n        if W != self.img_size:\n            x = x[:, :, :, : self.img_size]\n        return x\n",
		"vit/model.py":    "from torch import nn\nfrom .patch import PatchEmbed\n\n\nclass ViT(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.patch_embed = PatchEmbed()\n\n    def forward(self, x):\n        return self.patch_embed(x)\n\n\nclass Elsewhere(nn.Module):\n    def forward(self, x):\n        if x.shape[0] > 4:\n            return x * 2\n        return x\n",
	}
	dir := testfs.WriteTree(t, files)
	want := []string{
		`vit/model.py:16:12: error dynamic_shape_if_guard: if on x.shape[0] narrows dim "batch" (x.shape[0], Dim("batch", min=1, max=64), declared at pyproject.toml)`,
		`vit/patch.py:11:12: error dynamic_shape_if_guard: if on H specialises dim "h" (x.shape[2], Dim("h", min=32, max=512), declared at a_export.py:7)`,
	}
	for _, jobs := range []int{1, 4} {
		res := run(t, dir, Options{Format: FormatConcise, Rules: rules.All(), Paths: []string{"."}, Jobs: jobs})
		var got []string
		for _, l := range strings.Split(res.stdout, "\n") {
			if strings.Contains(l, "dynamic_shape_if_guard") {
				got = append(got, filepath.ToSlash(l))
			}
		}
		if len(got) != len(want) {
			t.Fatalf("-j %d: findings\n%s\nwant %d (stderr %s)", jobs, strings.Join(got, "\n"), len(want), res.stderr)
		}
		for i := range want {
			if !strings.HasPrefix(got[i], want[i]) {
				t.Errorf("-j %d:\n got %s\nwant %s...", jobs, got[i], want[i])
			}
		}
	}
}
