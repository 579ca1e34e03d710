package analysis

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// chainModel reaches one .item() call through a nested function, one through a lambda
// passed to a helper, and one through a decorated helper.
const chainModel = `import torch
from torch import nn


def deco(fn):
    return fn


@deco
def helper(x, f):
    return f(x).item()


class M(nn.Module):
    def forward(self, x):
        def inner(y):
            return y.item()

        return inner(x) + helper(x, lambda z: z + z.item())
`

// TestChainRelated: a finding in a function export reaches from a forward gets one
// related place per step, each spanning the call, the passed function, the decorator or
// the nested def's name that leads on, never the whole file.
func TestChainRelated(t *testing.T) {
	p := syntax.NewParser()
	defer p.Close()
	rule := &Rule{Name: "tensor_to_python", Run: func(pass *Pass) {
		tr := pass.File.Tree
		pass.Traced(syntax.KindCall, func(call NodeID, fn *Function) {
			if strings.HasSuffix(tr.String(tr.Field(call, syntax.FieldFunction)), ".item") {
				pass.Reportf(call, Fails, "item in %s", fn.QualName())
			}
		})
	}}
	f := torchsem.NewProgram(nil).ReplaceFrom(nil, linkText(t, p, chainModel))
	res := Analyze(context.Background(), f, []*Rule{rule}, Options{MinSeverity: Off})
	got := map[string][]string{}
	for _, fd := range res.Findings {
		for _, r := range fd.Related {
			got[fd.Message] = append(got[fd.Message], fmt.Sprintf("%s at %q", r.Message, chainModel[r.Start:r.End]))
		}
	}
	want := map[string][]string{
		"item in M.forward.inner": {`M.forward defines M.forward.inner at "inner"`},
		"item in helper":          {`M.forward calls helper at "helper(x, lambda z: z + z.item())"`},
		"item in M.forward.<lambda>": {
			`M.forward defines M.forward.<lambda> at "lambda z: z + z.item()"`,
		},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("related places:\n%v\nwant\n%v", got, want)
	}
}
