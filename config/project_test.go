package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
	"github.com/exportdb-lsp/exportdb-lsp/internal/testfs"
)

func TestProjectKeys(t *testing.T) {
	root := testfs.WriteTree(t, map[string]string{"pyproject.toml": `[project]
name = "vit"

[tool.exportdb]
src = ["src", "."]

[tool.exportdb.dynamic-shapes."vit.model.VisionTransformer"]
x = { 0 = "batch", 2 = "h", 3 = { dim = "w", min = 64 } }
mask = { 1 = "static", 2 = "auto" }

[tool.exportdb.dims]
h = { min = 32, max = 1024 }
w = { max = 2048 }
`})
	c, err := Load(filepath.Join(root, "pyproject.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Src) != 2 || c.Src[0] != filepath.Join(root, "src") || c.Src[1] != root {
		t.Errorf("src: %v", c.Src)
	}
	cds := c.ClassDims()
	if len(cds) != 1 || cds[0].Class != "vit.model.VisionTransformer" {
		t.Fatalf("class dims: %+v", cds)
	}
	x := cds[0].Params["x"]
	want := map[int]string{0: `Dim("batch")`, 2: `Dim("h", min=32, max=1024)`, 3: `Dim("w", min=64, max=2048)`}
	for axis, s := range want {
		if got := x[axis].String(); got != s {
			t.Errorf("x axis %d: %s, want %s", axis, got, s)
		}
	}
	if m := cds[0].Params["mask"]; m[1].Kind != torchsem.DimStatic || m[2].Kind != torchsem.DimAuto {
		t.Errorf("mask: %+v", m)
	}
	if x[0].Config != filepath.Join(root, "pyproject.toml") {
		t.Errorf("the declaration does not name its file: %q", x[0].Config)
	}
}

func TestProjectKeyErrors(t *testing.T) {
	for _, tt := range []struct {
		name, text, key, msg string
	}{
		{"src not a list", "src = \"src\"\n", "src", "write [\"src\"]"},
		{"src empty", "src = []\n", "src", "at least one directory"},
		{"class not a table", "[dynamic-shapes]\nM = 3\n", "dynamic-shapes.M", "want a table of forward parameter"},
		{"axis not an index", "[dynamic-shapes.M]\nx = { h = \"h\" }\n", "dynamic-shapes.M.x.h", "dimension index"},
		{"dim min above max", "[dynamic-shapes.M]\nx = { 2 = { dim = \"h\", min = 64, max = 32 } }\n", "dynamic-shapes.M.x.2", "min 64 is above max 32"},
		{"dim unknown key", "[dynamic-shapes.M]\nx = { 2 = { dim = \"h\", step = 8 } }\n", "dynamic-shapes.M.x.2.step", "unknown key"},
		{"dim not a name", "[dynamic-shapes.M]\nx = { 2 = 3 }\n", "dynamic-shapes.M.x.2", "want a dim name"},
		{"dims range", "[dims]\nh = { min = 10, max = 2 }\n", "dims.h", "min 10 is above max 2"},
		{"dims negative", "[dims]\nh = { min = -1 }\n", "dims.h.min", "non-negative"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := testfs.WriteTree(t, map[string]string{"exportdb.toml": tt.text})
			_, err := Load(filepath.Join(root, "exportdb.toml"))
			var ce *Error
			if !errors.As(err, &ce) || ce.Key != tt.key || !strings.Contains(ce.Msg, tt.msg) {
				t.Errorf("Load = %v; want key %s and %q", err, tt.key, tt.msg)
			}
		})
	}
}
