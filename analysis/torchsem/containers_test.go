package torchsem

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// TestReplaceKeepsContainerValues: re-linking an edited layers file against the frozen
// model file (the editor's keystroke path) keeps what the model's containers pass to the
// layers' forwards.
func TestReplaceKeepsContainerValues(t *testing.T) {
	p := loadProgram(t, filepath.Join("testdata", "values", "containers.txtar"))
	old := p.File("net.layers")
	src := strings.Replace(string(old.Src), "return x.view(N, C * 16, H // 4, W // 4)", "return x.view(N, C * 16, H // 4, W // 4) * 1", 1)
	pp := syntax.NewParser()
	defer pp.Close()
	tree, err := pp.ParseTree(context.Background(), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	nf := p.Replace(pysem.NewFile(tree, old.Module))
	for _, tc := range []struct{ marker, expr, want string }{
		{"class SpaceToDepth", "H // 4", "Size [SpaceToDepth.forward:x.2 Stem.forward:x.2]"},
		{"class Pair", "x.shape[1]", "Size [Misc.forward:x.1 Pair.forward:x.1]"},
		{"class Looped", "x.shape[1]", "Size [Looped.forward:x.1 Misc.forward:x.1]"},
	} {
		n := nodeAt(t, nf, tc.marker, tc.expr)
		if got := describe(nf.Program(), nf.Value(nf.Owner(n), n)); got != tc.want {
			t.Errorf("after the edit, %s (%s) is %s, want %s", nf.Tree.String(n), tc.marker, got, tc.want)
		}
	}
}
