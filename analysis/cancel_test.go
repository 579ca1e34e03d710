package analysis

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// TestCancelInsideLoops: a cancelled analysis stops inside its long loops, not only between
// rules. A rule that cancels the analysis while Traced walks 30,000 calls sees the walk end
// within pysem.CancelEvery nodes; the rule after it does not run; building the model of a
// cancelled analysis stops with the context's error.
func TestCancelInsideLoops(t *testing.T) {
	src := "import torch\nclass M(torch.nn.Module):\n    def forward(self, x):\n" +
		strings.Repeat("        x = x.relu()\n", 30000) + "        return x\n"
	f := parseFile(t, src)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	visits, later := 0, 0
	walker := &Rule{Name: "walker", Run: func(p *Pass) {
		p.Traced(syntax.KindCall, func(NodeID, *Function) {
			visits++
			if visits == 10 {
				cancel()
			}
		})
	}}
	after := &Rule{Name: "after", Run: func(*Pass) { later++ }}
	res := Analyze(ctx, f, []*Rule{walker, after}, Options{})
	if visits < 10 || visits > 10+pysem.CancelEvery {
		t.Errorf("the walk went on for %d of 30,000 calls after the cancellation", visits-10)
	}
	if later != 0 || len(res.Findings) != 0 {
		t.Errorf("after cancellation: %d more rules ran, %d findings", later, len(res.Findings))
	}

	p := syntax.NewParser()
	defer p.Close()
	tree, err := p.ParseTree(context.Background(), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewFileContext(ctx, tree); !errors.Is(err, context.Canceled) {
		t.Errorf("NewFileContext with a cancelled context: %v", err)
	}
	if _, err := Parse(ctx, p, []byte(src)); !errors.Is(err, context.Canceled) {
		t.Errorf("Parse with a cancelled context: %v", err)
	}
}
