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
TSTree *ts_parser_parse_string(TSParser *self, const TSTree *old_tree, const char *string, uint32_t length);
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
	size_t cancel; // tree-sitter's cancellation flag for the parse in progress
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

static void *exdb_malloc(size_t n) {
	exdb_arena *a = exdb_current;
	return a ? exdb_arena_alloc(a, n) : malloc(n);
}

static void *exdb_calloc(size_t n, size_t size) {
	exdb_arena *a = exdb_current;
	if (a == NULL) return calloc(n, size);
	if (size != 0 && n > SIZE_MAX / size) {
		fprintf(stderr, "exportdb: tree-sitter failed to allocate %zu x %zu bytes\n", n, size);
		abort();
	}
	void *p = exdb_arena_alloc(a, n * size);
	memset(p, 0, n * size);
	return p;
}

static void *exdb_realloc(void *p, size_t n) {
	exdb_arena *a = exdb_current;
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

// exdb_arena_parse parses src with a parser made for this call, everything allocated in a.
// The tree stays valid until exdb_arena_reset(a); NULL means cancelled.
// src is read only during the call.
static TSTree *exdb_arena_parse(exdb_arena *a, const char *src, uint32_t len) {
	exdb_current = a;
	TSParser *p = ts_parser_new();
	ts_parser_set_language(p, tree_sitter_python());
	ts_parser_set_cancellation_flag(p, &a->cancel);
	TSTree *t = ts_parser_parse_string(p, NULL, src, len);
	ts_parser_delete(p); // runs the external scanner's destructor (it uses plain malloc)
	exdb_current = NULL;
	return t;
}

static void exdb_arena_cancel(exdb_arena *a, size_t v) { __atomic_store_n(&a->cancel, v, __ATOMIC_RELAXED); }
*/
import "C"

import (
	"context"
	"errors"
	"sync"
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

// errParseFailed is returned when tree-sitter returns no tree without being cancelled
// (it does so only for a parser without a language, which ParseTree never has).
var errParseFailed = errors.New("parse failed")

// ParseTree parses src from scratch into a Tree without keeping tree-sitter's tree, so the
// result cannot be reparsed incrementally: the batch path (check, workspace scans). Every
// allocation of the parse comes from the parser's arena and is freed in one step, which
// makes it about a sixth faster than Parse. src is retained by the Tree.
func (p *Parser) ParseTree(ctx context.Context, src []byte) (*Tree, error) {
	if len(src) > MaxSourceSize {
		return nil, ErrTooLarge
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a := p.arena.c
	C.exdb_arena_cancel(a, 0)
	if ctx.Done() != nil {
		// the callback may run after the parse (stop does not wait for it): done keeps it
		// from cancelling a later parse of this parser
		var mu sync.Mutex
		done := false
		stop := context.AfterFunc(ctx, func() {
			mu.Lock()
			if !done {
				C.exdb_arena_cancel(a, 1)
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
	t := C.exdb_arena_parse(a, text, C.uint32_t(len(src)))
	defer C.exdb_arena_reset(a)
	if t == nil {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return nil, errParseFailed
	}
	return &Tree{src: src, nodes: flattenC(t, p.takeSpare(len(src)/3+16))}, nil
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

// takeSpare returns the reused storage if it holds n nodes, else a new slice.
func (p *Parser) takeSpare(n int) []node {
	if cap(p.spare) >= n {
		b := p.spare
		p.spare = nil
		return b
	}
	return make([]node, 0, n)
}
