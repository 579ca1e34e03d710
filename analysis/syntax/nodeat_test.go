package syntax

import (
	"context"
	"testing"
)

// nodeAtSlow is NodeAt's definition, walked from the root: descend into the named child
// that contains off while there is one.
func nodeAtSlow(t *Tree, off int) NodeID {
	n := NodeID(0)
	for {
		found := NoNode
		t.Children(n, func(c NodeID) bool {
			if t.Start(c) <= off && off < t.End(c) && t.IsNamed(c) {
				found = c
				return false
			}
			return true
		})
		if found == NoNode {
			return n
		}
		n = found
	}
}

func TestNodeAtMatchesDescent(t *testing.T) {
	p := NewParser()
	defer p.Close()
	for _, src := range []string{
		"import torch\n\nclass M(torch.nn.Module):\n    def forward(self, x):\n        return x[: round(x.shape[0] / 2)]  # c\n",
		"def f(:\n    return (a +\n  b)\n\n\n",
		"x = '''a\nb'''; y = f(1, *a, **k)[0].b\n",
		"",
		"é = 'π' + \"😀\"\n",
	} {
		d, err := p.Parse(context.Background(), []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		tree := d.Tree()
		for off := 0; off <= len(src)+1; off++ {
			if got, want := tree.NodeAt(off), nodeAtSlow(tree, off); got != want {
				t.Errorf("%q at %d: NodeAt = %d (%s), want %d (%s)", src, off, got, tree.Kind(got), want, tree.Kind(want))
			}
		}
		d.Close()
	}
}
