package torchsem

import "sync"

// programMemo holds values computed once per program for the rules (Program.Memo).
type programMemo struct {
	mu      sync.Mutex
	entries map[any]*programMemoEntry
}

type programMemoEntry struct {
	once sync.Once
	v    any
}

// Memo returns the value kept in p under key, computing it with compute on first use: once
// per program, also when the rules of several files ask at the same time. A program does
// not change once linked (an edit makes a new one, Replace), so a value that depends only
// on the program (a walk from every export declaration through the files it reaches) is
// computed once for all the files analysed against it, not once per file. key is a
// comparable value private to the caller, as for pysem's File.Memo.
func (p *Program) Memo(key any, compute func() any) any {
	p.memo.mu.Lock()
	if p.memo.entries == nil {
		p.memo.entries = map[any]*programMemoEntry{}
	}
	e := p.memo.entries[key]
	if e == nil {
		e = &programMemoEntry{}
		p.memo.entries[key] = e
	}
	p.memo.mu.Unlock()
	e.once.Do(func() { e.v = compute() })
	return e.v
}
