package torchsem

import (
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
)

// TestChainAfterRelinkOfTheCaller: a helper traced from a model in another file keeps,
// in what linking recorded, the model's text it was linked against. Once the model alone
// is re-linked (Relink: lines added above the call change no file's linking), the helper's
// chain cites the call in the model's new text, at its new place, not in the replaced one.
func TestChainAfterRelinkOfTheCaller(t *testing.T) {
	helperSrc := "def scale(x):\n    return x * 2\n"
	modelSrc := "from torch import nn\n\nfrom layers.helpers import scale\n\n\nclass Model(nn.Module):\n    def forward(self, x):\n        y = x + 1\n        return scale(y)\n"
	helperMod, modelMod := pysem.Module{Name: "layers.helpers"}, pysem.Module{Name: "models.model"}
	p := NewProgram([]*pysem.File{parsed(t, helperSrc, helperMod), parsed(t, modelSrc, modelMod)})
	before := p.File("models.model")
	moved := parsed(t, strings.Replace(modelSrc, "        y = x + 1\n", "        # a comment\n        # and another\n        y = x + 1\n", 1), modelMod)
	rp, ok := p.Relink(moved, "")
	if !ok {
		t.Fatal("Relink refused an edit of comments")
	}
	if rp.File("models.model") == before {
		t.Fatal("the relinked program holds the model's old text")
	}
	helper := rp.Replace(parsed(t, helperSrc, helperMod))
	var chain []Step
	for _, fn := range helper.Funcs {
		if fn.Name == "scale" {
			chain = helper.Chain(fn)
		}
	}
	if len(chain) != 2 {
		t.Fatalf("chain of scale: %d steps, want Model.forward -> scale", len(chain))
	}
	st := chain[0]
	if st.File != rp.File("models.model") || st.Func.QualName() != "Model.forward" {
		t.Fatalf("the first step is in %p (%s), want the relinked model %p", st.File, st.Func.QualName(), rp.File("models.model"))
	}
	want := strings.Index(string(st.File.Src), "scale(y)")
	if st.Site == NoNode || st.File.Tree.Start(st.Site) != want || st.File.Tree.String(st.Site) != "scale(y)" {
		t.Errorf("the call is cited at %d (%q), want %d in the new text", st.File.Tree.Start(st.Site), st.File.Tree.String(st.Site), want)
	}
}
