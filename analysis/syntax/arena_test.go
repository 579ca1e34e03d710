package syntax

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

// fixtureSources returns every Python fixture and catalog example, and a few texts that
// stress tree-sitter's error recovery and the arena's chunk growth.
func fixtureSources(t testing.TB) [][]byte {
	var paths []string
	for _, pat := range []string{"../rules/testdata/*.py", "../rules/testdata/clean/*.py", "../../catalog/cases/*/example.py"} {
		m, _ := filepath.Glob(pat)
		paths = append(paths, m...)
	}
	if len(paths) < 50 {
		t.Fatalf("only %d fixtures found", len(paths))
	}
	var out [][]byte
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, src)
	}
	big := bytes.Repeat(out[0], 2000/bytes.Count(out[0], []byte{'\n'})+1) // a chunk of several MiB
	out = append(out, big, nil, []byte("def f(:\n  x = (1,\n"), bytes.Repeat([]byte("("), 5000), []byte("é = '😀'\n"))
	return out
}

// parseBothWays parses src with ParseTree and with Parse on p and requires the same tree,
// node for node; it returns the ParseTree result.
func parseBothWays(t *testing.T, p *Parser, src []byte) *Tree {
	t.Helper()
	got, err := p.ParseTree(context.Background(), src)
	doc, err2 := p.Parse(context.Background(), src)
	if err != nil || err2 != nil {
		// a refusal (too deep, over a budget) must be the same both ways
		if err == nil || err2 == nil || err.Error() != err2.Error() {
			t.Fatalf("ParseTree: %v; Parse: %v", err, err2)
		}
		return nil
	}
	defer doc.Close()
	sameTree(t, got, doc.Tree())
	return got
}

// TestParseTreeMatchesParse: the arena path gives, node for node, the tree the malloc
// path gives, on the same Parser, in either order and repeatedly (the arena is reused).
func TestParseTreeMatchesParse(t *testing.T) {
	p := NewParser()
	defer p.Close()
	for round := 0; round < 2; round++ {
		for _, src := range fixtureSources(t) {
			parseBothWays(t, p, src)
		}
	}
}

// TestParseTreeConcurrentWithIncremental runs arena parses and malloc-backed parses and
// incremental reparses on several goroutines at once: tree-sitter's allocator is
// process-wide, and each thread must keep to its own kind of memory (a mix-up crashes in
// free or corrupts a tree). scripts/test.sh also runs it under the race detector.
func TestParseTreeConcurrentWithIncremental(t *testing.T) {
	srcs := fixtureSources(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			p := NewParser()
			defer p.Close()
			for i, src := range srcs {
				want, err := p.Parse(context.Background(), src)
				if err != nil {
					errs <- err
					return
				}
				if (i+g)%2 == 0 && len(src) > 10 {
					next := append(append([]byte{}, src[:5]...), src[6:]...)
					nd, err := p.Reparse(context.Background(), want, [][]byte{src}, []Edit{{Start: 5, OldEnd: 6, NewEnd: 5}}, next)
					if err != nil {
						errs <- err
						return
					}
					nd.Close()
				}
				got, err := p.ParseTree(context.Background(), src)
				if err != nil {
					errs <- err
					return
				}
				if !slices.Equal(got.nodes, want.Tree().nodes) {
					errs <- errors.New("arena and malloc trees differ")
				}
				want.Close()
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestParseTreeCancel: a cancelled context stops the parse with its error, and the next
// parse of the same Parser, under a live context, is unaffected.
func TestParseTreeCancel(t *testing.T) {
	p := NewParser()
	defer p.Close()
	src := bytes.Repeat([]byte("def f(x):\n    return [x for x in range(10) if x % 2]\n"), 200000) // ~10 MiB
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.ParseTree(ctx, src); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled before the parse: err = %v", err)
	}
	// a context that is live when ParseTree looks and done from then on: the cancellation
	// reaches tree-sitter through the flag while it parses (about a second for 10 MiB)
	if _, err := p.ParseTree(&endsAfterFirstLook{Context: context.Background()}, src); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled during the parse: err = %v", err)
	}
	small := []byte("x = 1\n")
	for i := 0; i < 3; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		tr, err := p.ParseTree(ctx, small)
		cancel()
		if err != nil || tr.Len() == 0 {
			t.Fatalf("parse after a cancelled one: %v", err)
		}
	}
	if _, err := p.ParseTree(context.Background(), make([]byte, MaxSourceSize+1)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized source: err = %v", err)
	}
}

// endsAfterFirstLook is a context whose first Err call reports it live and which is done
// from the start otherwise.
type endsAfterFirstLook struct {
	context.Context
	looked atomic.Bool
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (c *endsAfterFirstLook) Done() <-chan struct{} { return closedChan }

func (c *endsAfterFirstLook) Err() error {
	if c.looked.Swap(true) {
		return context.Canceled
	}
	return nil
}

// FuzzParseTree: on any bytes the arena parse equals the malloc parse.
func FuzzParseTree(f *testing.F) {
	f.Add([]byte("class M(nn.Module):\n    def forward(self, x):\n        return x\n"))
	f.Add([]byte("def f(:\n"))
	f.Add([]byte("\xff\x00é"))
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 1<<16 {
			return
		}
		p := NewParser()
		defer p.Close()
		parseBothWays(t, p, src)
	})
}

// TestReuse: a tree parsed into reused storage equals a fresh parse, and the tree given
// back is left empty rather than sharing storage with the new one.
func TestReuse(t *testing.T) {
	p := NewParser()
	defer p.Close()
	srcs := fixtureSources(t)
	var prev *Tree
	for _, src := range srcs {
		got := parseBothWays(t, p, src)
		if prev != nil && prev.Len() != 0 {
			t.Fatal("a reused tree still has nodes")
		}
		p.Reuse(got)
		prev = got
	}
	p.Reuse(nil)
	// a small file after a large one lands in the large one's storage
	big, _ := p.ParseTree(context.Background(), srcs[len(srcs)-5])
	p.Reuse(big)
	storage := &p.spare[:1][0] // big's, or a storage as large given back before
	small, _ := p.ParseTree(context.Background(), srcs[0])
	if &small.nodes[0] != storage {
		t.Error("ParseTree did not use the storage given back by Reuse")
	}
}

// TestTreesFitTheirNodes: a tree keeps no more node storage than its nodes and a little
// (fitNodes), though a parse guesses its node count from the source's length: the
// language server keeps hundreds of parsed files. Only a tree parsed into storage given
// back by Reuse keeps that storage whole (TestReuse): its caller gives it back too.
func TestTreesFitTheirNodes(t *testing.T) {
	p := NewParser()
	defer p.Close()
	ctx := context.Background()
	fits := func(tr *Tree) bool { return cap(tr.nodes)-tr.Len() <= tr.Len()/8+64 }
	loose := 0
	for _, src := range fixtureSources(t) {
		tree, err := p.ParseTree(ctx, src)
		if err != nil {
			continue
		}
		if len(src)/3+16-tree.Len() > tree.Len()/8+64 {
			loose++ // the guess alone would not fit
		}
		doc, err := p.Parse(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range []*Tree{tree, doc.Tree()} {
			if !fits(tr) {
				t.Errorf("%d nodes kept in an array of %d", tr.Len(), cap(tr.nodes))
			}
		}
		doc.Close()
	}
	if loose == 0 {
		t.Fatal("no fixture whose guessed node count is loose: the test checks nothing")
	}
}
