package pysem

import "sync"

// memo holds values computed once per file for the rules (File.Memo).
type memo struct {
	mu      sync.Mutex
	entries map[any]*memoEntry
}

type memoEntry struct {
	once sync.Once
	v    any
}

// Memo returns the value kept in f under key, computing it with compute on first use:
// once per file, also when rules running in parallel ask at the same time. It lets a rule
// helper replace a walk it would repeat for every node (up to the enclosing statement, over
// a function's statements) with one pass over the file. key is a comparable value private
// to the caller (the address of a package-level variable, or a value of an unexported type).
func (f *File) Memo(key any, compute func() any) any {
	f.memo.mu.Lock()
	if f.memo.entries == nil {
		f.memo.entries = map[any]*memoEntry{}
	}
	e := f.memo.entries[key]
	if e == nil {
		e = &memoEntry{}
		f.memo.entries[key] = e
	}
	f.memo.mu.Unlock()
	e.once.Do(func() { e.v = compute() })
	return e.v
}
