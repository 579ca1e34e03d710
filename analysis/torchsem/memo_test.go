package torchsem

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
)

// memoFile parses src into its Python model.
func memoFile(t *testing.T, src string) *pysem.File {
	return parseFile(t, src).File
}

// TestProgramMemo: a value is computed once per program and key, also when many goroutines
// ask at once; another key, or another program (Replace makes one), computes its own.
func TestProgramMemo(t *testing.T) {
	p := NewProgram([]*pysem.File{memoFile(t, "x = 1\n")})
	type key struct{}
	var calls atomic.Int32
	compute := func() any { calls.Add(1); return "v" }
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v := p.Memo(key{}, compute); v != "v" {
				t.Errorf("Memo = %v", v)
			}
		}()
	}
	wg.Wait()
	if calls.Load() != 1 {
		t.Errorf("computed %d times, want once", calls.Load())
	}
	type other struct{}
	p.Memo(other{}, compute)
	q := p.Replace(memoFile(t, "x = 2\n")).Program()
	q.Memo(key{}, compute)
	if calls.Load() != 3 {
		t.Errorf("computed %d times, want 3 (one per key and program)", calls.Load())
	}
}
