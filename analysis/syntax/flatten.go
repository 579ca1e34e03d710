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
bool ts_node_has_error(TSNode self);
TSTreeCursor ts_tree_cursor_new(TSNode node);
void ts_tree_cursor_delete(TSTreeCursor *self);
TSNode ts_tree_cursor_current_node(const TSTreeCursor *self);
uint16_t ts_tree_cursor_current_field_id(const TSTreeCursor *self);
bool ts_tree_cursor_goto_parent(TSTreeCursor *self);
bool ts_tree_cursor_goto_next_sibling(TSTreeCursor *self);
bool ts_tree_cursor_goto_first_child(TSTreeCursor *self);
typedef struct { TSPoint start_point, end_point; uint32_t start_byte, end_byte; } TSRange;
TSRange *ts_tree_get_changed_ranges(const TSTree *old_tree, const TSTree *new_tree, uint32_t *length);

// exdb_node mirrors the Go type node (same field order and sizes).
typedef struct {
	uint16_t kind;
	uint8_t field;
	uint8_t flags;
	uint32_t start, end;
	int32_t parent;
	int32_t after;
} exdb_node;

enum { EXDB_NAMED = 1, EXDB_ERROR = 2, EXDB_MISSING = 4, EXDB_HAS_ERROR = 8 };

// The kinds table holds a Kind, with EXDB_KIND_NAMED set for named symbols (a table
// lookup instead of a call per node).
enum { EXDB_KIND_NAMED = 0x8000, EXDB_KIND_MASK = 0x7fff };

// exdb_depth reports the nesting of a walked subtree: max is the number of nodes on its
// longest path from the walk's first node down, total the sum of every node's depth
// (counting the walk's first node as depth 1), and deep_at the start byte of the first node
// (in pre-order) that lies deeper than the limit the walk was given, or -1.
typedef struct { int64_t max; int64_t total; int64_t deep_at; } exdb_depth;

// exdb_walk writes the tree in pre-order into out (capacity cap) and returns the node
// count; when the count exceeds cap it keeps counting without writing, so the caller can
// grow the buffer and call again. kinds maps a grammar symbol to a Kind, fields a field id
// to a Field. It measures the nesting into *dp: once a node lies more than limit levels
// below the walk's first node it stops writing (the tree will be refused) and only
// measures. One pass, no allocation besides the cursor's stack.
static int64_t exdb_walk(TSTreeCursor *cp, exdb_node *out, int64_t cap, int64_t base, int32_t parent,
		const uint16_t *kinds, uint32_t nkinds, const uint8_t *fields, uint32_t nfields,
		uint16_t error_kind, int64_t limit, exdb_depth *dp) {
	TSTreeCursor *c = cp;
	int64_t n = 0;
	int64_t depth0 = 0;
	int32_t outer_parent = parent;
	// stack of open nodes, to fill in "after" when a subtree closes
	int32_t *stack = NULL;
	int64_t depth = 0, stack_cap = 0;
	dp->max = 0;
	dp->total = 0;
	dp->deep_at = -1;
	for (;;) {
		TSNode node = ts_tree_cursor_current_node(c);
		dp->total += depth + 1;
		if (depth + 1 > dp->max) {
			dp->max = depth + 1;
			if (dp->max > limit && dp->deep_at < 0) {
				dp->deep_at = ts_node_start_byte(node);
				cap = 0;
			}
		}
		if (n < cap) {
			uint16_t sym = ts_node_symbol(node);
			uint16_t fid = ts_tree_cursor_current_field_id(c);
			exdb_node *e = &out[n];
			uint16_t k = sym < nkinds ? kinds[sym] : 0;
			e->kind = k & EXDB_KIND_MASK;
			e->field = fid < nfields ? fields[fid] : 0;
			e->flags = ((k & EXDB_KIND_NAMED) ? EXDB_NAMED : 0) | (ts_node_is_missing(node) ? EXDB_MISSING : 0) |
				(ts_node_has_error(node) ? EXDB_HAS_ERROR : 0);
			if (sym == 65535) {
				e->kind = error_kind;
				e->flags |= EXDB_ERROR | EXDB_NAMED;
			}
			e->start = ts_node_start_byte(node);
			e->end = ts_node_end_byte(node);
			e->parent = parent;
			e->after = (int32_t)(base + n + 1);
		}
		if (ts_tree_cursor_goto_first_child(c)) {
			if (depth == stack_cap) {
				stack_cap = stack_cap ? stack_cap * 2 : 64;
				stack = (int32_t *)realloc(stack, stack_cap * sizeof(int32_t));
			}
			stack[depth++] = (int32_t)n;
			parent = (int32_t)(base + n);
			n++;
			continue;
		}
		n++;
		// climb until a next sibling exists inside the walked subtree
		for (;;) {
			if (depth == depth0) {
				free(stack);
				return n;
			}
			if (ts_tree_cursor_goto_next_sibling(c)) break;
			ts_tree_cursor_goto_parent(c);
			int32_t closed = stack[--depth];
			if (closed < cap) out[closed].after = (int32_t)(base + n);
			parent = depth > 0 ? (int32_t)(base + stack[depth - 1]) : outer_parent;
		}
	}
}

// exdb_flatten flattens the whole tree.
static int64_t exdb_flatten(const TSTree *tree, exdb_node *out, int64_t cap,
		const uint16_t *kinds, uint32_t nkinds, const uint8_t *fields, uint32_t nfields, uint16_t error_kind,
		int64_t limit, exdb_depth *dp) {
	TSTreeCursor c = ts_tree_cursor_new(ts_tree_root_node(tree));
	int64_t n = exdb_walk(&c, out, cap, 0, -1, kinds, nkinds, fields, nfields, error_kind, limit, dp);
	ts_tree_cursor_delete(&c);
	return n;
}

// exdb_root_children writes the byte ranges and kinds of the root's children (up to cap)
// and returns their count.
static int64_t exdb_root_children(const TSTree *tree, uint32_t *starts, uint32_t *ends, int64_t cap, exdb_node *root,
		const uint16_t *kinds, uint32_t nkinds, uint16_t error_kind) {
	TSNode r = ts_tree_root_node(tree);
	uint16_t sym = ts_node_symbol(r);
	root->kind = sym == 65535 ? error_kind : (sym < nkinds ? kinds[sym] & EXDB_KIND_MASK : 0);
	root->start = ts_node_start_byte(r);
	root->end = ts_node_end_byte(r);
	root->flags = (ts_node_is_named(r) ? EXDB_NAMED : 0) | (ts_node_has_error(r) ? EXDB_HAS_ERROR : 0) |
		(sym == 65535 ? EXDB_ERROR : 0) | (ts_node_is_missing(r) ? EXDB_MISSING : 0);
	root->parent = -1;
	TSTreeCursor c = ts_tree_cursor_new(r);
	int64_t n = 0;
	if (ts_tree_cursor_goto_first_child(&c)) {
		do {
			if (n < cap) {
				TSNode node = ts_tree_cursor_current_node(&c);
				starts[n] = ts_node_start_byte(node);
				ends[n] = ts_node_end_byte(node);
			}
			n++;
		} while (ts_tree_cursor_goto_next_sibling(&c));
	}
	ts_tree_cursor_delete(&c);
	return n;
}

// exdb_flatten_child flattens the subtree of the root's child number idx, numbering its
// nodes from base, with parent as the parent index of the child.
static int64_t exdb_flatten_child(const TSTree *tree, int64_t idx, exdb_node *out, int64_t cap, int64_t base,
		const uint16_t *kinds, uint32_t nkinds, const uint8_t *fields, uint32_t nfields, uint16_t error_kind,
		int64_t limit, exdb_depth *dp) {
	TSTreeCursor c = ts_tree_cursor_new(ts_tree_root_node(tree));
	int64_t n = 0;
	dp->max = 0;
	dp->total = 0;
	dp->deep_at = -1;
	if (ts_tree_cursor_goto_first_child(&c)) {
		for (int64_t i = 0; i < idx; i++) ts_tree_cursor_goto_next_sibling(&c);
		n = exdb_walk(&c, out, cap, base, 0, kinds, nkinds, fields, nfields, error_kind, limit, dp);
	}
	ts_tree_cursor_delete(&c);
	return n;
}

// exdb_changed_ranges returns the ranges whose syntax changed between two trees, as
// start/end byte pairs in out (up to cap pairs), and their count.
static int64_t exdb_changed_ranges(const TSTree *old_tree, const TSTree *new_tree, uint32_t *out, int64_t cap) {
	uint32_t len = 0;
	TSRange *r = ts_tree_get_changed_ranges(old_tree, new_tree, &len);
	for (uint32_t i = 0; i < len && i < cap; i++) {
		out[2 * i] = r[i].start_byte;
		out[2 * i + 1] = r[i].end_byte;
	}
	free(r);
	return len;
}

static void exdb_edit(TSTree *tree, uint32_t start, uint32_t old_end, uint32_t new_end,
		uint32_t sr, uint32_t sc, uint32_t or, uint32_t oc, uint32_t nr, uint32_t nc) {
	TSInputEdit e = {start, old_end, new_end, {sr, sc}, {or, oc}, {nr, nc}};
	ts_tree_edit(tree, &e);
}
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// flatten copies t into nodes (reusing its capacity) in one C pass. It returns a
// *DepthError, and no nodes, for a tree nested deeper than MaxDepth.
func flatten(t *tsTree, nodes []node) ([]node, int, error) {
	// t's finalizer frees the C tree: keep t reachable until the C calls are done
	defer runtime.KeepAlive(t)
	return flattenC(t.c, nodes)
}

// flattenC copies the C tree ct into nodes (reusing its capacity) and returns them with
// the tree's depth, or a *DepthError.
func flattenC(ct *C.TSTree, nodes []node) ([]node, int, error) {
	tables := languageTables()
	for {
		var ptr *C.exdb_node
		if cap(nodes) > 0 {
			ptr = (*C.exdb_node)(unsafe.Pointer(&nodes[:1][0]))
		}
		var d C.exdb_depth
		n := int(C.exdb_flatten(ct, ptr, C.int64_t(cap(nodes)),
			(*C.uint16_t)(unsafe.Pointer(&tables.kinds[0])), C.uint32_t(len(tables.kinds)),
			(*C.uint8_t)(unsafe.Pointer(&tables.fields[0])), C.uint32_t(len(tables.fields)),
			C.uint16_t(KindError), C.int64_t(MaxDepth), &d))
		if d.deep_at >= 0 {
			return nil, 0, &DepthError{Depth: int(d.max), Offset: int(d.deep_at)}
		}
		if err := checkTotalDepth(int64(d.total), n); err != nil {
			return nil, 0, err
		}
		if n <= cap(nodes) {
			return nodes[:n], int(d.max), nil
		}
		nodes = make([]node, 0, n+n/4)
	}
}

// spliceFlatten flattens the reparsed tree ts reusing old's nodes for the root's children
// that the single edit e left unchanged (outside every range tree-sitter reports as changed
// between the edited old tree and ts). An edit inside one class re-walks only that class:
// walking a whole 5,000-line file costs milliseconds, more than the editor's budget.
func spliceFlatten(ts, editedOld *tsTree, old *Tree, e Edit) ([]node, int, error) {
	// both trees' finalizers free their C trees: keep them reachable until the C calls are done
	defer runtime.KeepAlive(ts)
	defer runtime.KeepAlive(editedOld)
	tables := languageTables()
	ct := ts.c
	var changed [64]C.uint32_t
	nch := int(C.exdb_changed_ranges(editedOld.c, ct, &changed[0], 32))
	if nch > 32 {
		return flatten(ts, make([]node, 0, len(old.nodes)+64))
	}
	depth := 1 // the root; each child's subtree adds its own depth below it
	total := int64(1)
	var open []NodeID
	var root node
	kinds := (*C.uint16_t)(unsafe.Pointer(&tables.kinds[0]))
	nkinds := C.uint32_t(len(tables.kinds))
	nkids := int(C.exdb_root_children(ct, nil, nil, 0, (*C.exdb_node)(unsafe.Pointer(&root)), kinds, nkinds, C.uint16_t(KindError)))
	starts := make([]uint32, nkids+1)
	ends := make([]uint32, nkids+1)
	C.exdb_root_children(ct, (*C.uint32_t)(unsafe.Pointer(&starts[0])), (*C.uint32_t)(unsafe.Pointer(&ends[0])), C.int64_t(nkids), (*C.exdb_node)(unsafe.Pointer(&root)), kinds, nkinds, C.uint16_t(KindError))
	out := make([]node, 1, len(old.nodes)+64)
	// the old root's children, by start offset
	var oldKids []NodeID
	if len(old.nodes) > 0 {
		old.Children(0, func(c NodeID) bool { oldKids = append(oldKids, c); return true })
	}
	delta := e.NewEnd - e.OldEnd
	for i := 0; i < nkids; i++ {
		s, en := int(starts[i]), int(ends[i])
		reuse := !(en >= e.Start && s <= e.NewEnd)
		for j := 0; reuse && j < nch; j++ {
			if en >= int(changed[2*j]) && s <= int(changed[2*j+1]) {
				reuse = false
			}
		}
		oldID := NoNode
		if reuse {
			os, oe := s, en
			if s >= e.NewEnd {
				os, oe = s-delta, en-delta
			}
			k := sortSearch(len(oldKids), func(k int) bool { return int(old.nodes[oldKids[k]].start) >= os })
			if k < len(oldKids) && int(old.nodes[oldKids[k]].start) == os && int(old.nodes[oldKids[k]].end) == oe {
				oldID = oldKids[k]
			}
		}
		if oldID != NoNode {
			shift := NodeID(len(out)) - oldID
			var d uint32
			if s >= e.NewEnd {
				d = uint32(delta)
			}
			// the reused subtree's depth, measured as it is copied: open holds the ends of
			// the nodes enclosing the one copied
			open = open[:0]
			for j, nd := range old.nodes[oldID:old.nodes[oldID].after] {
				for len(open) > 0 && oldID+NodeID(j) >= open[len(open)-1] {
					open = open[:len(open)-1]
				}
				open = append(open, nd.after)
				depth = max(depth, 1+len(open))
				total += int64(1 + len(open))
				if nd.parent > 0 {
					nd.parent += shift
				} else {
					nd.parent = 0
				}
				nd.after += shift
				nd.start += d
				nd.end += d
				out = append(out, nd)
			}
			continue
		}
		base := len(out)
		for {
			var ptr *C.exdb_node
			if cap(out) > base {
				ptr = (*C.exdb_node)(unsafe.Pointer(&out[:base+1][base]))
			}
			var d C.exdb_depth
			n := int(C.exdb_flatten_child(ct, C.int64_t(i), ptr, C.int64_t(cap(out)-base), C.int64_t(base),
				(*C.uint16_t)(unsafe.Pointer(&tables.kinds[0])), C.uint32_t(len(tables.kinds)),
				(*C.uint8_t)(unsafe.Pointer(&tables.fields[0])), C.uint32_t(len(tables.fields)),
				C.uint16_t(KindError), C.int64_t(MaxDepth-1), &d))
			if d.deep_at >= 0 {
				return nil, 0, &DepthError{Depth: 1 + int(d.max), Offset: int(d.deep_at)}
			}
			depth = max(depth, 1+int(d.max))
			if base+n <= cap(out) {
				total += int64(d.total) + int64(n) // one level below the root
				out = out[:base+n]
				break
			}
			grown := make([]node, base, (base+n)*5/4+64)
			copy(grown, out)
			out = grown
		}
	}
	if err := checkTotalDepth(total, len(out)); err != nil {
		return nil, 0, err
	}
	root.after = NodeID(len(out))
	out[0] = root
	return out, depth, nil
}

func sortSearch(n int, f func(int) bool) int {
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if !f(m) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// editTree tells t about an edit, with rows and byte columns computed by the caller.
// go-tree-sitter's Tree.Edit passes the old end point as the new end point, so it is not used.
func editTree(t *tsTree, e Edit) {
	defer runtime.KeepAlive(t)
	C.exdb_edit(t.c, C.uint32_t(e.Start), C.uint32_t(e.OldEnd), C.uint32_t(e.NewEnd),
		C.uint32_t(e.startPt.row), C.uint32_t(e.startPt.col),
		C.uint32_t(e.oldEndPt.row), C.uint32_t(e.oldEndPt.col),
		C.uint32_t(e.newEndPt.row), C.uint32_t(e.newEndPt.col))
}
