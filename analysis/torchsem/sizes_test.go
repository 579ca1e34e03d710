package torchsem

import (
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

func TestSizeCall(t *testing.T) {
	f := parseFile(t, `import numpy as np
import torch
import torch as T
from torch import zeros


def ones(*shape):
    return shape


class M(torch.nn.Module):
    def forward(self, x, xs: list, n: int, shape: tuple):
        a = torch.zeros(n, 3)  # torch.zeros: n 3 ctor
        b = T.randn(size=(n, 2))  # torch.randn: (n, 2) ctor
        c = zeros(n)  # torch.zeros: n ctor
        d = x.new_full((2, 3), 1.0)  # torch.Tensor.new_full: (2, 3) ctor
        e = x.view(n, -1)  # torch.Tensor.view: n -1
        g = torch.reshape(x, (n, -1))  # torch.reshape: (n, -1)
        h = x.narrow(0, 1, n)  # torch.Tensor.narrow: 1 n
        i = torch.linspace(0, 1, n)  # torch.linspace: n ctor
        j = x.view(*shape)  # torch.Tensor.view: shape
        k = x.float().expand(n, 4)  # torch.Tensor.expand: n 4
        l = torch.full((n,), 0.5)  # torch.full: (n,) ctor
        m = xs.view(n)  # -
        o = ones(n, 2)  # -
        p = np.zeros(n)  # -
        q = x.reshape(shape=(n, 2))  # torch.Tensor.reshape: (n, 2)
        return a
`)
	tr := f.Tree
	checked := 0
	for _, call := range f.Nodes(syntax.KindCall) {
		if tr.Kind(tr.Parent(call)) != syntax.KindAssignment {
			continue
		}
		line := string(f.Src[f.LineStart(f.Line(tr.Start(call))):])
		line, _, _ = strings.Cut(line, "\n")
		_, want, ok := strings.Cut(line, "# ")
		if !ok {
			continue
		}
		checked++
		got := "-"
		if sc, ok := f.SizeCall(f.Owner(call), call); ok {
			var parts []string
			for _, s := range sc.Sizes {
				parts = append(parts, tr.String(s))
			}
			got = sc.API + ": " + strings.Join(parts, " ")
			if sc.Constructor {
				got += " ctor"
			}
		}
		if got != want {
			t.Errorf("%s: SizeCall = %q, want %q", tr.String(call), got, want)
		}
	}
	if checked != 15 {
		t.Errorf("%d calls checked", checked)
	}
}
