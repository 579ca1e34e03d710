package syntax

/*
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct TSTree TSTree;
typedef struct TSParser TSParser;
typedef struct TSLanguage TSLanguage;
TSParser *ts_parser_new(void);
void ts_parser_delete(TSParser *self);
bool ts_parser_set_language(TSParser *self, const TSLanguage *language);
void ts_parser_set_cancellation_flag(TSParser *self, const size_t *flag);
typedef struct { uint32_t row; uint32_t column; } TSPoint;
typedef enum { TSInputEncodingUTF8, TSInputEncodingUTF16 } TSInputEncoding;
typedef struct {
	void *payload;
	const char *(*read)(void *payload, uint32_t byte_index, TSPoint position, uint32_t *bytes_read);
	TSInputEncoding encoding;
} TSInput;
TSTree *ts_parser_parse(TSParser *self, const TSTree *old_tree, TSInput input);
void ts_parser_reset(TSParser *self);
void ts_tree_delete(TSTree *self);
TSTree *ts_tree_copy(const TSTree *self);
const TSLanguage *tree_sitter_python(void);
void ts_set_allocator(void *(*new_malloc)(size_t), void *(*new_calloc)(size_t, size_t),
		void *(*new_realloc)(void *, size_t), void (*new_free)(void *));

// An arena takes every allocation tree-sitter makes during one parse (parser, stacks,
// subtrees, the tree) from large chunks, and frees them all at once afterwards: no
// malloc/free per subtree, and no walk over the tree to release it. Allocations carry a
// 16-byte header holding their size, for realloc.
typedef struct exdb_chunk {
	struct exdb_chunk *next;
	size_t cap, used, last; // last: offset of the newest allocation, for realloc in place
} exdb_chunk;

typedef struct {
	exdb_chunk *head;
} exdb_arena;

enum { EXDB_HDR = 16, EXDB_MIN_CHUNK = 1 << 20, EXDB_KEEP_CHUNK = 8 << 20 };

// The arena of the parse running on this thread, or NULL: tree-sitter's allocator is
// process-wide, and outside an arena parse (the editor's incremental trees) it is malloc.
static __thread exdb_arena *exdb_current;

static void *exdb_arena_alloc(exdb_arena *a, size_t n) {
	size_t need = (n + EXDB_HDR + 15) & ~(size_t)15;
	exdb_chunk *c = a->head;
	if (c == NULL || c->used + need > c->cap) {
		size_t cap = c ? c->cap * 2 : EXDB_MIN_CHUNK;
		while (cap < need) cap *= 2;
		exdb_chunk *nc = malloc(sizeof(exdb_chunk) + cap);
		if (nc == NULL) { // as tree-sitter's own allocator does: it cannot recover
			fprintf(stderr, "exportdb: tree-sitter failed to allocate %zu bytes\n", cap);
			abort();
		}
		nc->next = c;
		nc->cap = cap;
		nc->used = 0;
		nc->last = (size_t)-1;
		a->head = c = nc;
	}
	char *p = (char *)(c + 1) + c->used;
	c->last = c->used;
	c->used += need;
	*(size_t *)p = n;
	return p + EXDB_HDR;
}

// A budget bounds what one parse may allocate, on the thread running it: past the limit it
// raises the parser's cancellation flag, tree-sitter stops at its next check and returns no
// tree. Every allocation counts (a realloc counts its new size; frees are not subtracted),
// so used is at least the parse's peak memory.
typedef struct {
	size_t used, limit;
	size_t *flag;
	bool tripped;
} exdb_budget;

static __thread exdb_budget *exdb_cur_budget;

static inline void exdb_charge(size_t n) {
	exdb_budget *b = exdb_cur_budget;
	if (b == NULL) return;
	b->used += n;
	if (b->used > b->limit && !b->tripped) {
		b->tripped = true;
		__atomic_store_n(b->flag, 1, __ATOMIC_RELAXED);
	}
}

// exdb_cost is what an allocation of n bytes takes: in the arena, its header and rounding.
static inline size_t exdb_cost(exdb_arena *a, size_t n) { return a ? (n + EXDB_HDR + 15) & ~(size_t)15 : n; }

static void *exdb_malloc(size_t n) {
	exdb_arena *a = exdb_current;
	exdb_charge(exdb_cost(a, n));
	return a ? exdb_arena_alloc(a, n) : malloc(n);
}

static void *exdb_calloc(size_t n, size_t size) {
	exdb_arena *a = exdb_current;
	if (size != 0 && n > SIZE_MAX / size) {
		fprintf(stderr, "exportdb: tree-sitter failed to allocate %zu x %zu bytes\n", n, size);
		abort();
	}
	exdb_charge(exdb_cost(a, n * size));
	if (a == NULL) return calloc(n, size);
	void *p = exdb_arena_alloc(a, n * size);
	memset(p, 0, n * size);
	return p;
}

static void *exdb_realloc(void *p, size_t n) {
	exdb_arena *a = exdb_current;
	exdb_charge(exdb_cost(a, n));
	if (a == NULL) return realloc(p, n);
	if (p == NULL) return exdb_arena_alloc(a, n);
	char *hdr = (char *)p - EXDB_HDR;
	size_t old = *(size_t *)hdr;
	if (n <= old) return p;
	exdb_chunk *c = a->head;
	if (hdr == (char *)(c + 1) + c->last) { // the newest allocation grows in place
		size_t need = (n + EXDB_HDR + 15) & ~(size_t)15;
		if (c->last + need <= c->cap) {
			c->used = c->last + need;
			*(size_t *)hdr = n;
			return p;
		}
	}
	void *q = exdb_arena_alloc(a, n);
	memcpy(q, p, old);
	return q;
}

static void exdb_free(void *p) {
	if (exdb_current == NULL) free(p);
}

static void exdb_install_allocator(void) {
	ts_set_allocator(exdb_malloc, exdb_calloc, exdb_realloc, exdb_free);
}

static exdb_arena *exdb_arena_new(void) { return calloc(1, sizeof(exdb_arena)); }

// exdb_arena_reset frees every allocation; it keeps the newest chunk (the largest) for the
// next parse unless it is very large.
static void exdb_arena_reset(exdb_arena *a) {
	exdb_chunk *c = a->head;
	if (c == NULL) return;
	exdb_chunk *rest = c->next;
	if (c->cap > EXDB_KEEP_CHUNK) {
		rest = c;
		a->head = NULL;
	} else {
		c->next = NULL;
		c->used = 0;
		c->last = (size_t)-1;
	}
	while (rest) {
		exdb_chunk *next = rest->next;
		free(rest);
		rest = next;
	}
}

static void exdb_arena_delete(exdb_arena *a) {
	exdb_arena_reset(a);
	free(a->head);
	free(a);
}

// exdb_input serves the source to tree-sitter's lexer in chunks and counts what it
// serves: the lexer asks again for text it goes back to, so the count measures lexing work.
// Some inputs make tree-sitter's lexer rescan long stretches again and again (a run of
// backslash-newline line continuations, which the Python scanner skips in one go each time
// it is asked): the count bounds that work.
typedef struct {
	const char *src;
	uint32_t len;
	uint64_t served, limit;
	size_t *flag;
	bool tripped;
} exdb_input;

enum { EXDB_INPUT_CHUNK = 4096 };

static const char *exdb_read(void *payload, uint32_t byte, TSPoint pt, uint32_t *n) {
	exdb_input *in = payload;
	(void)pt;
	if (byte >= in->len) {
		*n = 0;
		return "";
	}
	uint32_t k = in->len - byte;
	if (k > EXDB_INPUT_CHUNK) k = EXDB_INPUT_CHUNK;
	in->served += k;
	if (in->served > in->limit && !in->tripped) {
		in->tripped = true;
		__atomic_store_n(in->flag, 1, __ATOMIC_RELAXED);
	}
	*n = k;
	return in->src + byte;
}

// exdb_stats says how a parse went: what it allocated and read, and whether a limit
// stopped it.
typedef struct {
	uint64_t allocated, read;
	bool over_memory, over_reads;
} exdb_stats;

// exdb_parse parses src with p, reusing old (NULL for none), with flag as p's cancellation
// flag, allocating at most alloc_limit bytes and serving at most read_limit bytes of input.
// With a not NULL, every allocation comes from the arena a and p is made and deleted for
// this call (its own allocations live in the arena too); the tree then stays valid until
// exdb_arena_reset(a). NULL means stopped: cancelled, or a limit (st says which). src is
// read only during the call.
static TSTree *exdb_parse(TSParser *p, exdb_arena *a, const TSTree *old, const char *src, uint32_t len,
		size_t *flag, size_t alloc_limit, uint64_t read_limit, exdb_stats *st) {
	exdb_budget b = {0, alloc_limit, flag, false};
	exdb_input in = {src, len, 0, read_limit, flag, false};
	exdb_cur_budget = &b;
	exdb_current = a;
	if (a != NULL) {
		p = ts_parser_new();
		ts_parser_set_language(p, tree_sitter_python());
	}
	ts_parser_set_cancellation_flag(p, flag);
	TSInput input = {&in, exdb_read, TSInputEncodingUTF8};
	TSTree *t = ts_parser_parse(p, old, input);
	if (a != NULL) {
		ts_parser_delete(p); // runs the external scanner's destructor (it uses plain malloc)
	} else if (t == NULL) {
		ts_parser_reset(p); // or the next parse would resume this one, whatever its text
	}
	exdb_current = NULL;
	exdb_cur_budget = NULL;
	st->allocated = b.used;
	st->read = in.served;
	st->over_memory = b.tripped;
	st->over_reads = in.tripped;
	if ((b.tripped || in.tripped) && t != NULL) { // a limit came after tree-sitter's last check
		if (a == NULL) ts_tree_delete(t);
		t = NULL;
	}
	return t;
}

static TSParser *exdb_parser_new(void) {
	TSParser *p = ts_parser_new();
	ts_parser_set_language(p, tree_sitter_python());
	return p;
}

static size_t *exdb_flag_new(void) { return calloc(1, sizeof(size_t)); }
static void exdb_flag_set(size_t *f, size_t v) { __atomic_store_n(f, v, __ATOMIC_RELAXED); }
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

var allocatorOnce sync.Once

// installAllocator routes tree-sitter's allocations through the arena hooks. It runs
// before the first parser is made; outside an arena parse the hooks are malloc and free.
func installAllocator() { allocatorOnce.Do(func() { C.exdb_install_allocator() }) }

// arena is the C arena of one Parser.
type arena struct{ c *C.exdb_arena }

func newArena() *arena { return &arena{c: C.exdb_arena_new()} }

func (a *arena) close() {
	if a != nil && a.c != nil {
		C.exdb_arena_delete(a.c)
		a.c = nil
	}
}

func newCParser() *C.TSParser { return C.exdb_parser_new() }
func newFlag() *C.size_t      { return C.exdb_flag_new() }
func freeFlag(f *C.size_t)    { C.free(unsafe.Pointer(f)) }

// tsTree owns a tree-sitter tree in malloc memory (an editor document's, kept for
// incremental reparsing). close frees it now; a finalizer frees one never closed.
type tsTree struct{ c *C.TSTree }

func newTSTree(c *C.TSTree) *tsTree {
	t := &tsTree{c: c}
	runtime.SetFinalizer(t, (*tsTree).close)
	return t
}

func (t *tsTree) close() {
	if t.c != nil {
		C.ts_tree_delete(t.c)
		t.c = nil
	}
}

// copy returns an independent tree sharing t's nodes (tree-sitter counts references).
func (t *tsTree) copy() *tsTree {
	defer runtime.KeepAlive(t)
	return newTSTree(C.ts_tree_copy(t.c))
}

// parseTS parses src in malloc memory with the Parser's own C parser, reusing old (nil for
// none), within the limits.
func (p *Parser) parseTS(ctx context.Context, old *tsTree, src []byte) (*tsTree, error) {
	var oc *C.TSTree
	if old != nil {
		oc = old.c
		defer runtime.KeepAlive(old)
	}
	ct, err := p.cparse(ctx, nil, oc, src)
	if err != nil {
		return nil, err
	}
	return newTSTree(ct), nil
}

// parseLimits says how much one parse of n bytes may allocate and read: MaxTreeMemory at
// most, and for a small source less, so that a short file cannot take long either.
func parseLimits(n int) (alloc, read int64) {
	return min(treeMemoryBase+treeMemoryPerByte*int64(n), MaxTreeMemory), readBase + readPerByte*int64(n)
}

// Budgets of one parse (see parseLimits). Ordinary code allocates 25 to 40 bytes per byte
// of source and its text is served to the lexer less than twice; the densest code (a
// list of a million names) allocates about 360 bytes per byte and is refused beyond a few
// hundred kilobytes. A run of line continuations makes the lexer rescan the rest of the run
// for each one (quadratic); some garbled code makes tree-sitter's error recovery allocate
// quadratically: both stop at these limits, long before they take minutes.
const (
	treeMemoryBase    = 32 << 20
	treeMemoryPerByte = 128
	readBase          = 1 << 20
	readPerByte       = 8
)

// cparse parses src: in the arena (a not nil) or in malloc memory with the Parser's own
// C parser, reusing old (nil for none), within the limits. The returned tree is nil with
// an error: ctx's, ErrTooComplex, or errParseFailed.
func (p *Parser) cparse(ctx context.Context, a *C.exdb_arena, old *C.TSTree, src []byte) (*C.TSTree, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	flag := p.flag
	C.exdb_flag_set(flag, 0)
	if ctx.Done() != nil {
		// the callback may run after the parse (stop does not wait for it): done keeps it
		// from cancelling a later parse of this parser
		var mu sync.Mutex
		done := false
		stop := context.AfterFunc(ctx, func() {
			mu.Lock()
			if !done {
				C.exdb_flag_set(flag, 1)
			}
			mu.Unlock()
		})
		defer func() {
			mu.Lock()
			done = true
			mu.Unlock()
			stop()
		}()
	}
	var text *C.char
	if len(src) > 0 {
		text = (*C.char)(unsafe.Pointer(&src[0]))
	}
	alloc, read := parseLimits(len(src))
	var st C.exdb_stats
	t := C.exdb_parse(p.c, a, old, text, C.uint32_t(len(src)), flag, C.size_t(alloc), C.uint64_t(read), &st)
	lastParse.Store(&ParseStats{Allocated: int64(st.allocated), Read: int64(st.read)})
	switch {
	case bool(st.over_memory):
		return nil, fmt.Errorf("%w: parsing it takes more than %d MiB, the budget for a file of its size", ErrTooComplex, alloc>>20)
	case bool(st.over_reads):
		return nil, fmt.Errorf("%w: the parser would read it more than %d times over (a long run of line continuations?)", ErrTooComplex, readPerByte)
	case t == nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case t == nil:
		return nil, errParseFailed
	}
	return t, nil
}

// ParseStats describes the latest parse of the process, for tests and benchmarks.
type ParseStats struct {
	Allocated int64 // bytes tree-sitter allocated (frees not subtracted)
	Read      int64 // bytes of source served to its lexer
}

var lastParse atomic.Pointer[ParseStats]

// errParseFailed is returned when tree-sitter returns no tree without being cancelled or
// stopped by a limit (it does so only for a parser without a language, which never
// happens here).
var errParseFailed = errors.New("parse failed")

// ParseTree parses src from scratch into a Tree without keeping tree-sitter's tree, so the
// result cannot be reparsed incrementally: the batch path (check, workspace scans). Every
// allocation of the parse comes from the parser's arena and is freed in one step, which
// makes it about a sixth faster than Parse. src is retained by the Tree.
func (p *Parser) ParseTree(ctx context.Context, src []byte) (*Tree, error) {
	if len(src) > MaxSourceSize {
		return nil, ErrTooLarge
	}
	src, nl, normalized := prepare(src)
	a := p.arena.c
	t, err := p.cparse(ctx, a, nil, src)
	defer C.exdb_arena_reset(a)
	if err != nil {
		return nil, err
	}
	buf, spare := p.takeSpare(len(src)/3 + 16)
	nodes, depth, err := flattenC(t, buf)
	if err != nil {
		return nil, err
	}
	if !spare {
		// a caller that gives trees back (Reuse) does not keep them; others may
		nodes = fitNodes(nodes)
	}
	return newTree(&Tree{src: src, nodes: nodes, depth: depth, newline: nl, normalized: normalized}), nil
}

// Reuse gives t's node storage to p for a later ParseTree, saving the allocation and the
// garbage collection of the largest object a parse makes. t is left empty and must not be
// used afterwards. A batch caller that is done with each file's tree calls it.
func (p *Parser) Reuse(t *Tree) {
	if t == nil {
		return
	}
	if c := cap(t.nodes); c > cap(p.spare) && c <= maxSpareNodes {
		p.spare = t.nodes[:0]
	}
	t.nodes = nil
}

// maxSpareNodes bounds the storage a Parser keeps for reuse (20 MiB).
const maxSpareNodes = 1 << 20

// takeSpare returns the reused storage if it holds n nodes (spare true), else a new slice.
func (p *Parser) takeSpare(n int) (nodes []node, spare bool) {
	if cap(p.spare) >= n {
		b := p.spare
		p.spare = nil
		return b, true
	}
	return make([]node, 0, n), false
}
