package torchsem

import (
	"sync"
	"sync/atomic"
)

// programMemo holds values computed once per program for the rules (Program.Memo).
type programMemo struct {
	mu      sync.Mutex
	entries map[any]*programMemoEntry
}

type programMemoEntry struct {
	once sync.Once
	v    any
	done atomic.Bool // v is computed
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
	e.once.Do(func() {
		e.v = compute()
		e.done.Store(true)
	})
	return e.v
}

// memoDone returns the value kept under key once computed; ok is false when it is not (yet).
func (p *Program) memoDone(key any) (v any, ok bool) {
	p.memo.mu.Lock()
	e := p.memo.entries[key]
	p.memo.mu.Unlock()
	if e == nil || !e.done.Load() {
		return nil, false
	}
	return e.v, true
}
