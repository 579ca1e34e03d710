package lsp

import (
	"strings"
	"sync/atomic"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// TestNoParseWhereNoRuleCanReport: a document that mentions none of torch, LightningModule
// and exportdb gets empty diagnostics without a parse, hover answers (nothing), and once an
// edit brings torch in, the document is parsed and its findings published.
func TestNoParseWhereNoRuleCanReport(t *testing.T) {
	var made atomic.Int32
	c := newTestClient(t, func(s *Server) {
		s.testTree = func(ev string, _ *syntax.Document) {
			if ev == "new" {
				made.Add(1)
			}
		}
	})
	c.start()
	uri := protocol.DocumentURI("file:///work/util.py")
	plain := "import os\n\n\ndef data_dir(root):\n    print(root)\n    return os.path.join(root, 'data')\n"
	c.open(uri, plain)
	if d := c.diagsFor(uri, 1); len(d.Diagnostics) != 0 {
		t.Fatalf("diagnostics in a file without torch: %+v", d.Diagnostics)
	}
	if h := hoverAt(t, c, uri, plain, strings.Index(plain, "print")); h != nil {
		t.Errorf("hover in a file without torch: %+v", h)
	}
	if n := made.Load(); n != 0 {
		t.Fatalf("%d trees made for a file no rule can report in", n)
	}
	model := "import torch\n\n\nclass M(torch.nn.Module):\n    def forward(self, x):\n        print(x)\n        return x\n"
	c.change(uri, 2, textDocumentContentChangeEvent{Text: model})
	d := c.diagsFor(uri, 2)
	if len(d.Diagnostics) == 0 {
		t.Fatal("no diagnostics once the file defines a module that prints in forward")
	}
	if made.Load() == 0 {
		t.Fatal("the torch file was not parsed")
	}
}
