package torchsem

import (
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
)

// TestRootTableShared: a shared copy reads its source's roots, and its writes and appends
// (within a chunk, across one, into a partly filled last chunk) leave the source as it was,
// as do those of a second copy made from the same source.
func TestRootTableShared(t *testing.T) {
	fns := make([]*pysem.Function, 3*rootChunk)
	for i := range fns {
		fns[i] = &pysem.Function{}
	}
	var src rootTable
	n := 2*rootChunk + 10 // a partly filled last chunk
	for i := 0; i < n; i++ {
		if id := src.add(funcRef{fn: fns[i]}); int(id) != i {
			t.Fatalf("add %d returned %d", i, id)
		}
	}
	a, b := src.shared(), src.shared()
	a.set(5, funcRef{fn: fns[n]})
	if ida := a.add(funcRef{fn: fns[n+1]}); int(ida) != n {
		t.Fatalf("the copy's add returned %d, want %d", ida, n)
	}
	b.add(funcRef{fn: fns[n+2]})
	b.set(rootChunk+1, funcRef{fn: fns[n+3]})
	for i := 0; i < n; i++ {
		if got := src.at(int32(i)).fn; got != fns[i] {
			t.Fatalf("source root %d changed by a copy's write", i)
		}
	}
	if src.len() != n || a.len() != n+1 || b.len() != n+1 {
		t.Fatalf("lengths %d, %d, %d; want %d, %d, %d", src.len(), a.len(), b.len(), n, n+1, n+1)
	}
	if a.at(5).fn != fns[n] || a.at(int32(n)).fn != fns[n+1] || a.at(rootChunk+1).fn != fns[rootChunk+1] {
		t.Errorf("copy a does not read its own writes and the shared roots")
	}
	if b.at(int32(n)).fn != fns[n+2] || b.at(rootChunk+1).fn != fns[n+3] || b.at(5).fn != fns[5] {
		t.Errorf("copy b sees copy a's writes, or not its own")
	}
	// a chunk already copied is written in place
	a.set(6, funcRef{fn: fns[n+4]})
	if a.at(5).fn != fns[n] || a.at(6).fn != fns[n+4] || src.at(6).fn != fns[6] {
		t.Errorf("a second write into the copied chunk")
	}
}
