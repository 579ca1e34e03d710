package pysem

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// parsedImports is what a parse says f imports, as ScanImports lists it.
func parsedImports(f *File) map[string]bool {
	out := map[string]bool{}
	for _, im := range f.ImportList {
		out[im.Qual] = true
	}
	for _, m := range f.ImportedModules {
		out[m] = true
	}
	for _, m := range f.StarImports {
		out[m] = true
	}
	return out
}

// TestScanImportsCoversParse: on every Python fixture of the repository, the scan lists
// every name the parse finds imported (it may list more).
func TestScanImportsCoversParse(t *testing.T) {
	var paths []string
	for _, pattern := range []string{"../rules/testdata/*.py", "../rules/testdata/clean/*.py", "../../catalog/cases/*/*.py", "../torchsem/testdata/values/*.py"} {
		m, _ := filepath.Glob(pattern)
		paths = append(paths, m...)
	}
	if len(paths) < 50 {
		t.Fatalf("only %d fixtures", len(paths))
	}
	p := syntax.NewParser()
	defer p.Close()
	mod := Module{Name: "pkg.sub.mod"}
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		tree, err := p.ParseTree(context.Background(), src)
		if err != nil {
			t.Fatal(err)
		}
		scanned := map[string]bool{}
		for _, q := range ScanImports(src, mod) {
			scanned[q] = true
		}
		for q := range parsedImports(NewFile(tree, mod)) {
			if !scanned[q] {
				t.Errorf("%s: the scan misses %q", path, q)
			}
		}
	}
}

func TestScanImports(t *testing.T) {
	src := `"""import notamodule"""
import torch, numpy as np  # import fake
import torch.nn.functional as F; from .layers import (PatchEmbed,
    Block as B)  # a comment )
from ..utils import *
x = "from hidden import thing"
if TYPE_CHECKING:
    from typing_extensions import \
        Self
from . import sibling
def f():
    import math
try: import yaml
except ImportError: yaml = None
x: int = 3
`
	got := strings.Join(ScanImports([]byte(src), Module{Name: "vit.models.model"}), " ")
	want := "torch numpy torch.nn.functional vit.models.layers vit.models.layers.PatchEmbed vit.models.layers.Block vit.utils typing_extensions typing_extensions.Self vit.models vit.models.sibling math yaml"
	if got != want {
		t.Errorf("ScanImports:\n got  %s\n want %s", got, want)
	}
}
