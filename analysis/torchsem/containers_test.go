package torchsem

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
)

// TestReplaceKeepsContainerValues: re-linking an edited layers file against the frozen
// model file (the editor's keystroke path) keeps what the model's containers pass to the
// layers' forwards.
func TestReplaceKeepsContainerValues(t *testing.T) {
	p := loadProgram(t, filepath.Join("testdata", "values", "containers.txtar"))
	old := p.File("net.layers")
	nf := p.Replace(edited(t, old, "return x.view(N, C * 16, H // 4, W // 4)", "return x.view(N, C * 16, H // 4, W // 4) * 1"))
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

// TestReplaceFromMapsContainers: the containers ReplaceFrom carries over with a kept
// class's attribute table and a kept call's callee are the new text's (its file, its
// classes), not the previous text's, and calls through them give what a full re-link gives.
func TestReplaceFromMapsContainers(t *testing.T) {
	const src = `import torch
import torch.nn as nn


def helper():
    return 1


class Block(nn.Module):
    def forward(self, x):
        return x * 2


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(Block(), nn.ReLU())
        self.blocks = nn.ModuleList([Block() for _ in range(2)])

    def forward(self, x):
        x = self.body(x)
        for blk in self.blocks:
            x = blk(x)
        return self.blocks[0](x)
`
	parse := func(text string) *pysem.File { return parsed(t, text, pysem.Module{Name: "m"}) }
	base := NewProgram(nil)
	prev := base.ReplaceFrom(nil, parse(src))
	edited := strings.Replace(src, "    return 1\n", "    y = 2\n    return y\n", 1)
	nf := base.ReplaceFrom(prev, parse(edited))
	full := base.Replace(parse(edited))
	if nf.Kept() == 0 {
		t.Fatal("the edit of helper kept no function: the incremental path did not run")
	}
	nf.mu.Lock()
	attrs := 0
	for c, tab := range nf.attrs {
		for _, na := range tab {
			name, a := na.name, na.a
			if a.cont == nil {
				continue
			}
			attrs++
			if a.cont.file != nf {
				t.Errorf("%s.%s: its container is read from another text of the file", c.Name, name)
			}
		}
	}
	nf.mu.Unlock()
	if attrs == 0 {
		t.Error("no container attribute was carried over")
	}
	calls := 0
	for n, c := range nf.callees {
		if c.c.mods == nil {
			continue
		}
		calls++
		for _, m := range c.c.mods.mods {
			if (m.file != nil && m.file != nf) || (m.cont != nil && m.cont.file != nf) {
				t.Errorf("the callee of %s names a module of another text of the file", nf.Tree.String(n))
			}
		}
	}
	if calls == 0 {
		t.Error("no call through a container was carried over")
	}
	for _, expr := range []string{"self.body(x)", "blk(x)", "self.blocks[0](x)"} {
		n, m := nodeAt(t, nf, "def forward(self, x):\n        x = self.body", expr), nodeAt(t, full, "def forward(self, x):\n        x = self.body", expr)
		if got, want := describe(nf.Program(), nf.Value(nf.Owner(n), n)), describe(full.Program(), full.Value(full.Owner(m), m)); got != want {
			t.Errorf("%s is %s after ReplaceFrom, %s after Replace", expr, got, want)
		}
	}
	fwd := nf.Classes[0].Methods["forward"]
	for _, c := range nf.Classes {
		if c.Name == "Block" {
			fwd = c.Methods["forward"]
		}
	}
	if got, want := nf.TracedFrom(fwd), full.TracedFrom(full.FuncAt(fwd.Node)); got != want {
		t.Errorf("Block.forward is traced %q after ReplaceFrom, %q after Replace", got, want)
	}
}
