package torchsem

import (
	"path/filepath"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
)

// TestConfigDims: a class exported outside the project is declared by the configuration
// (WithClassDims), by qualified or bare class name; its sizes read the declared dims.
func TestConfigDims(t *testing.T) {
	p := loadProgram(t, filepath.Join("testdata", "values", "dims.txtar"))
	cds := []ClassDims{{Class: "vit.model.Unexported", Params: map[string]map[int]DimDecl{
		"x": {0: {Kind: DimNamed, Name: "batch", Min: 1, Max: -1, Mult: 1}},
	}, Config: "pyproject.toml"}}
	q := NewProgram(pysemFiles(p.Files), WithClassDims(cds))
	f := q.File("vit.model")
	n, fn := exprOnLine(f, 18)
	if n == NoNode {
		t.Fatal("no expression on the line")
	}
	if got := describeDims(f, f.Value(fn, n)); got != `dynamic x.0=Dim("batch", min=1)@pyproject.toml` {
		t.Errorf("%s reads %s", f.Tree.String(n), got)
	}
	if len(q.Declarations()) != 2 {
		t.Errorf("%d declarations, want the export call's and the configuration's", len(q.Declarations()))
	}
}

func pysemFiles(fs []*File) []*pysem.File {
	out := make([]*pysem.File, len(fs))
	for i, f := range fs {
		out[i] = f.File
	}
	return out
}
