package syntax

/*
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>

// The few tree-sitter declarations this file needs. The definitions are compiled into the
// binary by github.com/smacker/go-tree-sitter; the struct layouts match its api.h.
typedef struct TSTree TSTree;
typedef struct { uint32_t row; uint32_t column; } TSPoint;
typedef struct {
	uint32_t start_byte, old_end_byte, new_end_byte;
	TSPoint start_point, old_end_point, new_end_point;
} TSInputEdit;
typedef struct { uint32_t context[4]; const void *id; const TSTree *tree; } TSNode;
typedef struct { const void *tree; const void *id; uint32_t context[3]; } TSTreeCursor;

TSNode ts_tree_root_node(const TSTree *self);
void ts_tree_edit(TSTree *self, const TSInputEdit *edit);
uint16_t ts_node_symbol(TSNode self);
uint32_t ts_node_start_byte(TSNode self);
uint32_t ts_node_end_byte(TSNode self);
bool ts_node_is_named(TSNode self);
bool ts_node_is_missing(TSNode self);
bool ts_node_is_extra(TSNode self);
bool ts_node_has_error(TSNode self);
TSTreeCursor ts_tree_cursor_new(TSNode node);
void ts_tree_cursor_delete(TSTreeCursor *self);
TSNode ts_tree_cursor_current_node(const TSTreeCursor *self);
uint16_t ts_tree_cursor_current_field_id(const TSTreeCursor *self);
bool ts_tree_cursor_goto_parent(TSTreeCursor *self);
bool ts_tree_cursor_goto_next_sibling(TSTreeCursor *self);
bool ts_tree_cursor_goto_first_child(TSTreeCursor *self);

// exdb_node mirrors the Go type node (same field order and sizes).
typedef struct {
	uint16_t kind;
	uint8_t field;
	uint8_t flags;
	uint32_t start, end;
	int32_t parent;
	int32_t after;
} exdb_node;

enum { EXDB_NAMED = 1, EXDB_ERROR = 2, EXDB_MISSING = 4, EXDB_EXTRA = 8, EXDB_HAS_ERROR = 16 };

// exdb_flatten writes the tree in pre-order into out (capacity cap) and returns the node
// count; when the count exceeds cap it keeps counting without writing, so the caller can
// grow the buffer and call again. kinds maps a grammar symbol to a Kind, fields a field id
// to a Field. One pass, no allocation besides the cursor's stack.
static int64_t exdb_flatten(const TSTree *tree, exdb_node *out, int64_t cap,
		const uint16_t *kinds, uint32_t nkinds, const uint8_t *fields, uint32_t nfields,
		uint16_t error_kind) {
	TSTreeCursor c = ts_tree_cursor_new(ts_tree_root_node(tree));
	int64_t n = 0;
	int32_t parent = -1;
	// stack of open nodes, to fill in "after" when a subtree closes
	int32_t *stack = NULL;
	int64_t depth = 0, stack_cap = 0;
	for (;;) {
		TSNode node = ts_tree_cursor_current_node(&c);
		if (n < cap) {
			uint16_t sym = ts_node_symbol(node);
			uint16_t fid = ts_tree_cursor_current_field_id(&c);
			exdb_node *e = &out[n];
			bool named = ts_node_is_named(node);
			e->kind = sym < nkinds ? kinds[sym] : 0;
			if (sym == 65535) e->kind = error_kind;
			e->field = fid < nfields ? fields[fid] : 0;
			e->flags = (named ? EXDB_NAMED : 0) | (ts_node_is_missing(node) ? EXDB_MISSING : 0) |
				(ts_node_is_extra(node) ? EXDB_EXTRA : 0) | (ts_node_has_error(node) ? EXDB_HAS_ERROR : 0);
			if (sym == 65535) e->flags |= EXDB_ERROR;
			e->start = ts_node_start_byte(node);
			e->end = ts_node_end_byte(node);
			e->parent = parent;
			e->after = (int32_t)(n + 1);
		}
		if (ts_tree_cursor_goto_first_child(&c)) {
			if (depth == stack_cap) {
				stack_cap = stack_cap ? stack_cap * 2 : 64;
				stack = (int32_t *)realloc(stack, stack_cap * sizeof(int32_t));
			}
			stack[depth++] = (int32_t)n;
			parent = (int32_t)n;
			n++;
			continue;
		}
		n++;
		while (!ts_tree_cursor_goto_next_sibling(&c)) {
			if (!ts_tree_cursor_goto_parent(&c)) {
				ts_tree_cursor_delete(&c);
				free(stack);
				return n;
			}
			int32_t closed = stack[--depth];
			if (closed < cap) out[closed].after = (int32_t)n;
			parent = depth > 0 ? stack[depth - 1] : -1;
		}
	}
}

static void exdb_edit(TSTree *tree, uint32_t start, uint32_t old_end, uint32_t new_end,
		uint32_t sr, uint32_t sc, uint32_t or, uint32_t oc, uint32_t nr, uint32_t nc) {
	TSInputEdit e = {start, old_end, new_end, {sr, sc}, {or, oc}, {nr, nc}};
	ts_tree_edit(tree, &e);
}
*/
import "C"

import (
	"unsafe"

	sitter "github.com/smacker/go-tree-sitter"
)

// cTree returns the C tree inside a go-tree-sitter Tree. BaseTree's first field is the
// *C.TSTree; go-tree-sitter exposes no accessor, and walking through its Node API costs a
// cgo call and an allocation per node, which the editor's per-keystroke budget cannot pay.
func cTree(t *sitter.Tree) *C.TSTree {
	return *(**C.TSTree)(unsafe.Pointer(t.BaseTree))
}

// flatten copies t into nodes (reusing its capacity) in one C pass.
func flatten(t *sitter.Tree, nodes []node) []node {
	tables := languageTables()
	ct := cTree(t)
	for {
		var ptr *C.exdb_node
		if cap(nodes) > 0 {
			ptr = (*C.exdb_node)(unsafe.Pointer(&nodes[:1][0]))
		}
		n := int(C.exdb_flatten(ct, ptr, C.int64_t(cap(nodes)),
			(*C.uint16_t)(unsafe.Pointer(&tables.kinds[0])), C.uint32_t(len(tables.kinds)),
			(*C.uint8_t)(unsafe.Pointer(&tables.fields[0])), C.uint32_t(len(tables.fields)),
			C.uint16_t(KindError)))
		if n <= cap(nodes) {
			return nodes[:n]
		}
		nodes = make([]node, 0, n+n/4)
	}
}

// editTree tells t about an edit, with rows and byte columns computed by the caller.
// go-tree-sitter's Tree.Edit passes the old end point as the new end point, so it is not used.
func editTree(t *sitter.Tree, e Edit) {
	C.exdb_edit(cTree(t), C.uint32_t(e.Start), C.uint32_t(e.OldEnd), C.uint32_t(e.NewEnd),
		C.uint32_t(e.startPt.row), C.uint32_t(e.startPt.col),
		C.uint32_t(e.oldEndPt.row), C.uint32_t(e.oldEndPt.col),
		C.uint32_t(e.newEndPt.row), C.uint32_t(e.newEndPt.col))
}
