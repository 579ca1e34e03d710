package lsp

import (
	"context"
	"fmt"
	"runtime"
	"slices"
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

// TestSupersededTextStillCarries: a keystroke that supersedes the run of the text before
// it links the new text from that one (base.last), whose run never committed, so that
// nothing but the new program holds it. The new run's rules must still find it
// to carry results from (the walks of the model's export call, torchsem.Carry) after
// collections: the hook collects twice as the rules start.
func TestSupersededTextStillCarries(t *testing.T) {
	// the keystrokes change scale, which the model's walk does not read
	text := `import torch
import torch.nn as nn
from torch.export import Dim, export


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = nn.MaxPool2d(5, stride=2)

    def forward(self, x):
        return self.pool(x)


def scale():
    return 1


export(Net(), (torch.randn(1, 3, 64, 64),), dynamic_shapes={"x": {2: Dim("h")}})
`
	uri := protocol.DocumentURI("file:///tmp/exportdb-carry/model.py")
	var mu sync.Mutex
	var carried []int32 // the versions whose rules ran with a previous text to carry from
	var version int32   // the version whose run is at the rules now
	var c *testClient
	edit := func(v int32, from, to string) {
		at := strings.Index(text, from)
		r := rangeAt(text, at, at+len(from), c.enc)
		text = text[:at] + to + text[at+len(from):]
		c.change(uri, v, textDocumentContentChangeEvent{Range: &r, Text: to})
	}
	c = newTestClient(t, func(s *Server) {
		s.testLink = func(_, how string) {
			if how == "carried" {
				mu.Lock()
				carried = append(carried, version)
				mu.Unlock()
			}
		}
		s.testStage = func(ctx context.Context, v int32, stage string) {
			if stage != "rules" {
				return
			}
			mu.Lock()
			version = v
			mu.Unlock()
			switch v {
			case 2: // superseded by version 3 as its rules start
				edit(3, "return 2", "return 3")
				select {
				case <-ctx.Done():
				case <-time.After(waitTimeout):
					t.Error("version 3 did not cancel version 2's run")
				}
			case 3, 4:
				runtime.GC()
				runtime.GC()
			}
		}
	})
	c.start()
	c.open(uri, text)
	want := findingLines(c.diagsFor(uri, 1), "dynamic_shape_min_size")
	if len(want) != 1 {
		t.Fatalf("dynamic_shape_min_size lines %v, want the export call's", want)
	}
	edit(2, "return 1", "return 2")
	if got := findingLines(c.diagsFor(uri, 3), "dynamic_shape_min_size"); !slices.Equal(got, want) {
		t.Errorf("after the superseded keystroke: lines %v, want %v", got, want)
	}
	// and a keystroke after a run that committed (its result holds the text before)
	edit(4, "return 3", "return 4")
	c.diagsFor(uri, 4)
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(carried, []int32{3, 4}) {
		t.Errorf("the runs that carried from the text before: versions %v, want [3 4]", carried)
	}
}
