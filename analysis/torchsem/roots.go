package torchsem

// rootChunk is how many roots a chunk of a rootTable holds.
const rootChunk = 256

// rootTable is a program's roots (Ref.Root indexes it), in chunks: a Replace shares its
// base's chunks and copies one only when it writes to it, so that re-linking one file of
// a program with tens of thousands of roots copies a few kilobytes, not all of them.
type rootTable struct {
	chunks [][]funcRef
	// owned[i]: chunks[i] is this table's own to write; nil: none is (a shared copy)
	owned []bool
	n     int
}

// shared returns a table with t's roots that writes none of t's chunks: t stays as it
// is, and may be read (not written) concurrently with the copy.
func (t *rootTable) shared() rootTable {
	return rootTable{chunks: append([][]funcRef(nil), t.chunks...), n: t.n}
}

func (t *rootTable) len() int { return t.n }

func (t *rootTable) at(id int32) funcRef { return t.chunks[id/rootChunk][id%rootChunk] }

// own makes chunk c this table's own, copying it when it is shared (a new chunk is nil).
func (t *rootTable) own(c int) {
	if len(t.owned) < len(t.chunks) {
		t.owned = append(t.owned, make([]bool, len(t.chunks)-len(t.owned))...)
	}
	if !t.owned[c] {
		t.chunks[c] = append(make([]funcRef, 0, rootChunk), t.chunks[c]...)
		t.owned[c] = true
	}
}

func (t *rootTable) set(id int32, r funcRef) {
	c := int(id) / rootChunk
	t.own(c)
	t.chunks[c][int(id)%rootChunk] = r
}

// add appends r and returns its index.
func (t *rootTable) add(r funcRef) int32 {
	c := t.n / rootChunk
	if c == len(t.chunks) {
		t.chunks = append(t.chunks, nil)
	}
	t.own(c)
	t.chunks[c] = append(t.chunks[c], r)
	t.n++
	return int32(t.n - 1)
}
