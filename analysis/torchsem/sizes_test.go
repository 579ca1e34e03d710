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

// TestSizeTest: the part of a condition that tests an input dimension ("# test: CODE", or
// "-" for none).
func TestSizeTest(t *testing.T) {
	src := `import math
import torch


class M(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(4, 4))

    def forward(self, x, xs, n: int):
        h, w = x.shape[-2:]
        k = x.nonzero().shape[0]
        v = x.sum().item()
        if x.shape[0] > 4:  # test: x.shape[0]
            pass
        if x.size(1) == 1:  # test: -
            pass
        if x.shape[1] % 2 == 1:  # test: x.shape[1]
            pass
        if len(x.shape) == 3:  # test: -
            pass
        if x.dim() > 2 and h > 8:  # test: h
            pass
        if self.w.shape[0] > 2:  # test: -
            pass
        if x.numel():  # test: x.numel()
            pass
        if not x.numel() or n > 3:  # test: -
            pass
        if min(h, w) < 16:  # test: min(h, w)
            pass
        if math.ceil(h / 2) > 3:  # test: math.ceil(h / 2)
            pass
        if len(xs) > 2:  # test: -
            pass
        if v > 2:  # test: -
            pass
        if k > 2:  # test: k
            pass
        if (m := x.shape[0]) > 2:  # test: m := x.shape[0]
            pass
        return x
`
	f := parseFile(t, src)
	tr := f.Tree
	checked := 0
	for _, st := range f.Nodes(syntax.KindIfStatement) {
		line := string(f.Src[tr.Start(st):])
		line, _, _ = strings.Cut(line, "\n")
		_, want, ok := strings.Cut(line, "# test: ")
		if !ok {
			continue
		}
		checked++
		got := "-"
		if n := f.SizeTest(f.Owner(st), tr.Field(st, syntax.FieldCondition)); n != NoNode {
			got = tr.String(n)
		}
		if got != want {
			t.Errorf("%s: SizeTest = %q, want %q", line, got, want)
		}
	}
	if checked != 14 {
		t.Errorf("%d conditions checked", checked)
	}
}
