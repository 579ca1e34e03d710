package lsp

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/protocol"
)

// TestSupersededAnalysisStops: a change cancels the analysis of the text it replaces, and
// that run stops at once, whichever stage it is in (tree-sitter's parse, the model, the
// rules): it starts no later stage, publishes nothing, and the new text's diagnostics
// follow. The document is a 500 KB forward (issue 16: replacing such a document by two
// lines waited 9 to 11 s for its diagnostics). Each case cancels the run at the start of
// one stage (the parse, the model, the link, the rules), from the stage hook, and waits
// until the run's context is done before letting it go on; analysis/TestCancelInsideLoops
// shows the stages stop inside their loops too.
func TestSupersededAnalysisStops(t *testing.T) {
	big := "import torch\nclass M(torch.nn.Module):\n    def forward(self, x):\n" +
		strings.Repeat("        b = x.shape[0]\n        y = x.view(b, -1)\n", 10000) + "        return y\n"
	small := "import torch\nx = 1\n"
	// the stages a run goes through, in order; a run cancelled at one of them (all but the
	// last, convert, which only formats what the rules found) starts no later one
	stages := []string{"parse", "model", "link", "rules", "convert"}
	for _, at := range stages[:len(stages)-1] {
		t.Run(at, func(t *testing.T) {
			var mu sync.Mutex
			var events []string
			var c *testClient
			uri := protocol.DocumentURI("file:///tmp/exportdb-cancel/model.py")
			c = newTestClient(t, func(s *Server) {
				s.testStage = func(ctx context.Context, version int32, stage string) {
					mu.Lock()
					events = append(events, fmt.Sprintf("v%d %s", version, stage))
					mu.Unlock()
					if version != 1 || stage != at {
						return
					}
					c.change(uri, 2, textDocumentContentChangeEvent{Text: small})
					select {
					case <-ctx.Done():
					case <-time.After(waitTimeout):
						t.Errorf("the change did not cancel the run at %s", at)
					}
				}
			})
			c.start()
			c.open(uri, big)
			got := c.diagsFor(uri, 2)
			if len(got.Diagnostics) != 0 {
				t.Errorf("diagnostics of the two lines: %v", got.Diagnostics)
			}
			c.mu.Lock()
			for _, p := range c.diags[uri] {
				if p.Version != nil && *p.Version == 1 {
					t.Errorf("the superseded version was published")
				}
			}
			c.mu.Unlock()
			mu.Lock()
			defer mu.Unlock()
			var v1 []string
			for _, e := range events {
				if strings.HasPrefix(e, "v1 ") {
					v1 = append(v1, strings.TrimPrefix(e, "v1 "))
				}
			}
			want := []string{}
			for _, s := range stages {
				want = append(want, s)
				if s == at {
					break
				}
			}
			want = append(want, "superseded")
			if strings.Join(v1, ",") != strings.Join(want, ",") {
				t.Errorf("version 1's run: %v, want %v (no stage after the cancellation)", v1, want)
			}
			last := events[len(events)-1]
			if want := "v2 " + stages[len(stages)-1]; last != want {
				t.Errorf("events %v: the last should be %q", events, want)
			}
		})
	}
}

// BenchmarkSupersede measures what issue 16 timed: a 2 MB document replaced by two lines
// right after it is opened, until the two lines' diagnostics arrive (9 to 11 s before the
// analysis was cancelled inside its stages).
func BenchmarkSupersede(b *testing.B) {
	big := "import torch\nclass M(torch.nn.Module):\n    def forward(self, x):\n" +
		strings.Repeat("        b = x.shape[0]\n        y = x.view(b, -1)\n", 40000) + "        return y\n"
	c := newTestClient(b)
	c.start()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		uri := protocol.DocumentURI(fmt.Sprintf("file:///tmp/exportdb-bench/m%d.py", i))
		c.open(uri, big)
		c.change(uri, 2, textDocumentContentChangeEvent{Text: "import torch\nx = 1\n"})
		c.diagsFor(uri, 2)
	}
}
