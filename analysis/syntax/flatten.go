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
int64_t ts_tree_cursor_goto_first_child_for_byte(TSTreeCursor *self, uint32_t goal_byte);

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

// exdb_kid is one child of the root: its node, the subtree it holds and its byte range. A
// node's id points at the slot holding its subtree (tree-sitter's node.c); the subtree, a
// pointer to an immutable shared subtree or a small leaf stored inline, is what a reparsed
// tree holds in the same place when tree-sitter reused that child as it was.
typedef struct { TSNode node; uint64_t subtree; uint32_t start, end; uint16_t field, symbol; } exdb_kid;

// exdb_kids writes the root node of tree into *root (its after left 0) and its children
// into out (up to cap), each with the field it fills and its symbol (both given by the
// root's production: a grammar field id, an alias), and returns their count.
static int64_t exdb_kids(const TSTree *tree, exdb_kid *out, int64_t cap, exdb_node *root,
		const uint16_t *kinds, uint32_t nkinds, uint16_t error_kind) {
	TSNode r = ts_tree_root_node(tree);
	uint16_t sym = ts_node_symbol(r);
	root->kind = sym == 65535 ? error_kind : (sym < nkinds ? kinds[sym] & EXDB_KIND_MASK : 0);
	root->field = 0;
	root->start = ts_node_start_byte(r);
	root->end = ts_node_end_byte(r);
	root->flags = (ts_node_is_named(r) ? EXDB_NAMED : 0) | (ts_node_has_error(r) ? EXDB_HAS_ERROR : 0) |
		(sym == 65535 ? EXDB_ERROR : 0) | (ts_node_is_missing(r) ? EXDB_MISSING : 0);
	root->parent = -1;
	root->after = 0;
	TSTreeCursor c = ts_tree_cursor_new(r);
	int64_t n = 0;
	if (ts_tree_cursor_goto_first_child(&c)) {
		do {
			if (n < cap) {
				TSNode node = ts_tree_cursor_current_node(&c);
				exdb_kid *k = &out[n];
				k->node = node;
				k->subtree = *(const uint64_t *)node.id;
				k->start = ts_node_start_byte(node);
				k->end = ts_node_end_byte(node);
				k->field = ts_tree_cursor_current_field_id(&c);
				k->symbol = ts_node_symbol(node);
			}
			n++;
		} while (ts_tree_cursor_goto_next_sibling(&c));
	}
	ts_tree_cursor_delete(&c);
	return n;
}

// exdb_goto_kid moves the cursor c, at the root, down to the root's child k, number index:
// by its start byte (the root's children lie in a tree of hidden nodes, and stepping from
// sibling to sibling to a child near the end of a large file costs milliseconds), checked
// by its subtree, else by counting.
static void exdb_goto_kid(TSTreeCursor *c, const exdb_kid *k, int64_t index) {
	if (ts_tree_cursor_goto_first_child_for_byte(c, k->start) >= 0) {
		for (int i = 0; i < 16; i++) {
			TSNode n = ts_tree_cursor_current_node(c);
			if (*(const uint64_t *)n.id == k->subtree && ts_node_start_byte(n) == k->start) return;
			if (ts_node_start_byte(n) > k->start || !ts_tree_cursor_goto_next_sibling(c)) break;
		}
		ts_tree_cursor_goto_parent(c);
	}
	ts_tree_cursor_goto_first_child(c);
	for (int64_t i = 0; i < index; i++) ts_tree_cursor_goto_next_sibling(c);
}

// exdb_flatten_kid flattens the subtree of child number kid of tree's root, numbering its
// nodes from base with the root (0) as the parent of the child. The cursor comes down from
// the root: one made at the child would know neither the field it fills nor an alias the
// root gives it, and, inside error recovery, names some nodes below it differently from a
// walk of the whole tree.
static int64_t exdb_flatten_kid(const TSTree *tree, const exdb_kid *k, int64_t kid, exdb_node *out, int64_t cap, int64_t base,
		const uint16_t *kinds, uint32_t nkinds, const uint8_t *fields, uint32_t nfields, uint16_t error_kind,
		int64_t limit, exdb_depth *dp) {
	TSTreeCursor c = ts_tree_cursor_new(ts_tree_root_node(tree));
	exdb_goto_kid(&c, k, kid);
	int64_t n = exdb_walk(&c, out, cap, base, 0, kinds, nkinds, fields, nfields, error_kind, limit, dp);
	ts_tree_cursor_delete(&c);
	return n;
}

// exdb_sctx is the state of exdb_flatten_kid_from and exdb_same_kid: the output (nodes
// numbered from base, n counted on past cap so that the caller can grow the buffer and
// call again; none for exdb_same_kid), the old flat subtree the kid replaces
// (old[j - old_base] is old node j), delta (how far the old nodes after the edit moved),
// the tables, and the nesting measured.
typedef struct {
	exdb_node *out;
	int64_t cap, n, base;
	const exdb_node *old;
	int64_t old_base, old_len, delta;
	const uint16_t *kinds;
	uint32_t nkinds;
	const uint8_t *fields;
	uint32_t nfields;
	uint16_t error_kind;
	int64_t limit;
	exdb_depth d;
	int32_t *stack;
	int64_t stack_cap;
} exdb_sctx;

// exdb_child is one child of a node: its subtree, range and symbol, and for an old child
// its flat node.
typedef struct { uint64_t subtree; uint32_t start, end; uint16_t symbol; int64_t flat; } exdb_child;

static void sx_measure(exdb_sctx *x, int64_t depth, uint32_t start) {
	x->d.total += depth;
	if (depth > x->d.max) {
		x->d.max = depth;
		if (depth > x->limit && x->d.deep_at < 0) {
			x->d.deep_at = start;
			x->cap = 0;
		}
	}
}

// sx_top sets the kind, field and named and error flags of out node e from the node the
// cursor c is at (a cursor come down from the root: it knows the field the node fills and
// an alias its parent gives it).
static void sx_top(exdb_sctx *x, exdb_node *e, TSTreeCursor *c) {
	uint16_t sym = ts_node_symbol(ts_tree_cursor_current_node(c));
	uint16_t fid = ts_tree_cursor_current_field_id(c);
	uint16_t kind = sym < x->nkinds ? x->kinds[sym] : 0;
	e->field = fid < x->nfields ? x->fields[fid] : 0;
	e->kind = kind & EXDB_KIND_MASK;
	e->flags = (e->flags & ~(EXDB_NAMED | EXDB_ERROR)) | ((kind & EXDB_KIND_NAMED) ? EXDB_NAMED : 0);
	if (sym == 65535) {
		e->kind = x->error_kind;
		e->flags |= EXDB_ERROR | EXDB_NAMED;
	}
}

// sx_node fills e with the node the cursor c is at, as exdb_walk writes it (but parent and
// after).
static void sx_node(exdb_sctx *x, exdb_node *e, TSTreeCursor *c) {
	TSNode node = ts_tree_cursor_current_node(c);
	e->flags = (ts_node_is_missing(node) ? EXDB_MISSING : 0) | (ts_node_has_error(node) ? EXDB_HAS_ERROR : 0);
	sx_top(x, e, c);
	e->start = ts_node_start_byte(node);
	e->end = ts_node_end_byte(node);
}

// sx_children lists the children of the node cursor c is at into a malloc'd array (*out,
// freed by the caller), numbering their flat nodes from flat+1 along the old flat tree
// when flat >= 0. The cursor ends where it started.
static int64_t sx_children(exdb_sctx *x, TSTreeCursor *c, int64_t flat, exdb_child **out) {
	int64_t n = 0, cap = 0;
	exdb_child *list = NULL;
	int64_t next = flat + 1;
	if (ts_tree_cursor_goto_first_child(c)) {
		do {
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				list = (exdb_child *)realloc(list, cap * sizeof(exdb_child));
			}
			exdb_child *k = &list[n++];
			TSNode node = ts_tree_cursor_current_node(c);
			k->subtree = *(const uint64_t *)node.id;
			k->start = ts_node_start_byte(node);
			k->end = ts_node_end_byte(node);
			k->symbol = ts_node_symbol(node);
			k->flat = -1;
			if (flat >= 0 && next - x->old_base < x->old_len) {
				// (the old flat tree is the flatten of the old C tree: it has as many children)
				k->flat = next;
				next = x->old[next - x->old_base].after;
			}
		} while (ts_tree_cursor_goto_next_sibling(c));
		ts_tree_cursor_goto_parent(c);
	}
	*out = list;
	return n;
}

// sx_copy appends old node j's subtree, its bytes moved by shift, under parent, at depth,
// for the node the cursor c is at: a subtree tree-sitter reused as it was.
static void sx_copy(exdb_sctx *x, TSTreeCursor *c, int64_t j, int64_t shift, int32_t parent, int64_t depth) {
	const exdb_node *o = &x->old[j - x->old_base];
	int64_t size = o->after - j;
	int64_t at = x->n, open = 0;
	int32_t id0 = (int32_t)(x->base + at);
	for (int64_t t = 0; t < size; t++) {
		const exdb_node *src = &o[t];
		// the nesting: the subtrees still open above this node
		while (open > 0 && j + t >= x->stack[open - 1]) open--;
		sx_measure(x, depth + open, src->start + (uint32_t)shift);
		if (open == x->stack_cap) {
			x->stack_cap = x->stack_cap ? x->stack_cap * 2 : 64;
			x->stack = (int32_t *)realloc(x->stack, x->stack_cap * sizeof(int32_t));
		}
		x->stack[open++] = src->after;
		if (at + t < x->cap) {
			exdb_node *e = &x->out[at + t];
			*e = *src;
			e->start += (uint32_t)shift;
			e->end += (uint32_t)shift;
			e->parent = t == 0 ? parent : (int32_t)(src->parent - j + id0);
			e->after = (int32_t)(src->after - j + id0);
		}
	}
	if (at < x->cap) sx_top(x, &x->out[at], c);
	x->n += size;
}

// sx_walk appends the subtree of the node the cursor c is at in full, under parent, at
// depth. The cursor ends where it started.
static void sx_walk(exdb_sctx *x, TSTreeCursor *c, int32_t parent, int64_t depth) {
	int64_t room = x->cap - x->n;
	if (room < 0) room = 0;
	exdb_depth d;
	int64_t at = x->n;
	int64_t n = exdb_walk(c, room > 0 ? x->out + at : x->out, room, x->base + at, parent, x->kinds, x->nkinds,
		x->fields, x->nfields, x->error_kind, x->limit - (depth - 1), &d);
	x->d.total += d.total + (depth - 1) * n;
	if (depth - 1 + d.max > x->d.max) x->d.max = depth - 1 + d.max;
	if (d.deep_at >= 0 && x->d.deep_at < 0) {
		x->d.deep_at = d.deep_at;
		x->cap = 0;
	}
	x->n += n;
}

// sx_splice appends the node the cursor c is at, which replaces the old node the cursor oc
// is at (the same symbol, flat node ofl): its children that tree-sitter reused as they were
// are copied from the old flat tree, a lone changed child that replaces one old child of
// its symbol is spliced the same way, and the other changed children are walked. Both
// cursors come down from their tree's root and end where they started.
static void sx_splice(exdb_sctx *x, TSTreeCursor *c, TSTreeCursor *oc, int64_t ofl, int32_t parent, int64_t depth) {
	TSNode node = ts_tree_cursor_current_node(c);
	int64_t me = x->n;
	sx_measure(x, depth, ts_node_start_byte(node));
	if (me < x->cap) {
		sx_node(x, &x->out[me], c);
		x->out[me].parent = parent;
	}
	x->n++;
	int32_t id = (int32_t)(x->base + me);
	exdb_child *nks, *oks;
	int64_t nn = sx_children(x, c, -1, &nks);
	int64_t on = sx_children(x, oc, ofl, &oks);
	for (int64_t i = 0; i < on; i++) {
		if (oks[i].flat < 0) on = 0; // never expected: copy nothing, walk every child
	}
	int64_t lo = 0;
	while (lo < nn && lo < on && nks[lo].subtree == oks[lo].subtree && nks[lo].start == oks[lo].start && nks[lo].end == oks[lo].end) lo++;
	int64_t hn = nn, ho = on;
	while (hn > lo && ho > lo && nks[hn - 1].subtree == oks[ho - 1].subtree &&
			(int64_t)nks[hn - 1].start == (int64_t)oks[ho - 1].start + x->delta && (int64_t)nks[hn - 1].end == (int64_t)oks[ho - 1].end + x->delta) {
		hn--;
		ho--;
	}
	bool deeper = hn - lo == 1 && ho - lo == 1 && nks[lo].symbol == oks[lo].symbol;
	if (nn > 0 && ts_tree_cursor_goto_first_child(c)) {
		for (int64_t i = 0; i < nn; i++) {
			if (i > 0) ts_tree_cursor_goto_next_sibling(c);
			if (i < lo) {
				sx_copy(x, c, oks[i].flat, 0, id, depth + 1);
			} else if (i >= hn) {
				sx_copy(x, c, oks[ho + (i - hn)].flat, x->delta, id, depth + 1);
			} else if (deeper) {
				// the old cursor down to the old child lo
				ts_tree_cursor_goto_first_child(oc);
				for (int64_t k = 0; k < lo; k++) ts_tree_cursor_goto_next_sibling(oc);
				sx_splice(x, c, oc, oks[lo].flat, id, depth + 1);
				ts_tree_cursor_goto_parent(oc);
			} else {
				sx_walk(x, c, id, depth + 1);
			}
		}
		ts_tree_cursor_goto_parent(c);
	}
	free(nks);
	free(oks);
	if (me < x->cap) x->out[me].after = (int32_t)(x->base + x->n);
}

// exdb_flatten_kid_from is exdb_flatten_kid for child number kid of tree's root, which
// replaces child number old_kid of old_tree's root (the same symbol), whose flat subtree
// is old (its first node numbered old_base): what tree-sitter reused of that subtree as it
// was is copied from old (moved by delta bytes after the edit) instead of walked through
// the C tree again.
static int64_t exdb_flatten_kid_from(const TSTree *tree, const exdb_kid *k, int64_t kid, const TSTree *old_tree, const exdb_kid *ok, int64_t old_kid,
		const exdb_node *old, int64_t old_base, int64_t old_len, int64_t delta, exdb_node *out, int64_t cap, int64_t base,
		const uint16_t *kinds, uint32_t nkinds, const uint8_t *fields, uint32_t nfields, uint16_t error_kind,
		int64_t limit, exdb_depth *dp) {
	exdb_sctx x = {out, cap, 0, base, old, old_base, old_len, delta, kinds, nkinds, fields, nfields, error_kind, limit,
		{0, 0, -1}, NULL, 0};
	TSTreeCursor c = ts_tree_cursor_new(ts_tree_root_node(tree));
	TSTreeCursor oc = ts_tree_cursor_new(ts_tree_root_node(old_tree));
	exdb_goto_kid(&c, k, kid);
	exdb_goto_kid(&oc, ok, old_kid);
	sx_splice(&x, &c, &oc, old_base, 0, 1);
	ts_tree_cursor_delete(&c);
	ts_tree_cursor_delete(&oc);
	free(x.stack);
	*dp = x.d;
	return x.n;
}

// sx_same reports whether the subtree of the node the cursor c is at flattens to the old
// flat nodes from j on moved by shift bytes, where the cursor oc is at old node j. Equal
// subtrees at the same place are not walked: only what tree-sitter built again is. Both
// cursors end where they started.
static bool sx_same(exdb_sctx *x, TSTreeCursor *c, TSTreeCursor *oc, int64_t j, int64_t shift) {
	TSNode node = ts_tree_cursor_current_node(c);
	const exdb_node *o = &x->old[j - x->old_base];
	exdb_node e;
	sx_node(x, &e, c);
	if (e.kind != o->kind || e.field != o->field || e.flags != o->flags ||
			(int64_t)e.start != (int64_t)o->start + shift || (int64_t)e.end != (int64_t)o->end + shift) {
		return false;
	}
	if (*(const uint64_t *)node.id == *(const uint64_t *)ts_tree_cursor_current_node(oc).id) {
		return true; // the same subtree at the same place
	}
	bool down = ts_tree_cursor_goto_first_child(c);
	bool odown = ts_tree_cursor_goto_first_child(oc);
	bool same = down == odown;
	int64_t next = j + 1;
	if (same && down) {
		for (;;) {
			if (next >= o->after || !sx_same(x, c, oc, next, shift)) {
				same = false;
				break;
			}
			next = x->old[next - x->old_base].after;
			bool more = ts_tree_cursor_goto_next_sibling(c);
			if (more != ts_tree_cursor_goto_next_sibling(oc)) {
				same = false;
				break;
			}
			if (!more) break;
		}
	}
	if (same && next != o->after) same = false;
	if (down) ts_tree_cursor_goto_parent(c);
	if (odown) ts_tree_cursor_goto_parent(oc);
	return same;
}

// exdb_same_kid reports whether child number kid of tree's root flattens to the old flat
// nodes old (the subtree of child number old_kid of old_tree's root, its first node
// numbered old_base) moved by shift bytes.
static bool exdb_same_kid(const TSTree *tree, const exdb_kid *k, int64_t kid, const TSTree *old_tree, const exdb_kid *ok, int64_t old_kid,
		const exdb_node *old, int64_t old_base, int64_t old_len, int64_t shift,
		const uint16_t *kinds, uint32_t nkinds, const uint8_t *fields, uint32_t nfields, uint16_t error_kind) {
	exdb_sctx x = {NULL, 0, 0, 0, old, old_base, old_len, 0, kinds, nkinds, fields, nfields, error_kind, 0, {0, 0, -1}, NULL, 0};
	TSTreeCursor c = ts_tree_cursor_new(ts_tree_root_node(tree));
	TSTreeCursor oc = ts_tree_cursor_new(ts_tree_root_node(old_tree));
	exdb_goto_kid(&c, k, kid);
	exdb_goto_kid(&oc, ok, old_kid);
	bool same = sx_same(&x, &c, &oc, old_base, shift);
	ts_tree_cursor_delete(&c);
	ts_tree_cursor_delete(&oc);
	return same;
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
			tables.cKinds(), tables.cNKinds(), tables.cFields(), tables.cNFields(),
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
		nodes = make([]node, 0, n)
	}
}

// fitNodes returns nodes in an array of their length when theirs holds over an eighth
// more. A parse guesses its node count from the source's length (a third of its bytes,
// about 14% too many in the 2,000-file workspace), and the parsed trees a language server
// keeps (a model's neighbourhood: hundreds of files, 36 MB of nodes) held the rest for
// nothing: room the heap no longer had to allocate in between collections. The copy
// costs a fraction of the parse.
func fitNodes(nodes []node) []node {
	if cap(nodes)-len(nodes) <= len(nodes)/8+64 {
		return nodes
	}
	return append(make([]node, 0, len(nodes)), nodes...)
}

// kid is one child of a tree-sitter tree's root (exdb_kid).
type kid = C.exdb_kid

// kidArgs holds copies of the kids a C call reads. A kid holds tree-sitter's pointers, so
// cgo checks a pointer to one by walking every pointer of the Go object around it: a
// pointer into the slice of the root's children walked all of them on each call (about
// 1.5 ms a keystroke in a 5,700-line file).
type kidArgs struct{ k, old kid }

// rootKids returns ts's root node (its after left 0) and the root's children, reusing buf.
func rootKids(ts *tsTree, buf []kid) (root node, kids []kid) {
	defer runtime.KeepAlive(ts)
	tables := languageTables()
	kinds := (*C.uint16_t)(unsafe.Pointer(&tables.kinds[0]))
	nkinds := C.uint32_t(len(tables.kinds))
	rp := (*C.exdb_node)(unsafe.Pointer(&root))
	for {
		var ptr *C.exdb_kid
		if cap(buf) > 0 {
			ptr = &buf[:1][0]
		}
		n := int(C.exdb_kids(ts.c, ptr, C.int64_t(cap(buf)), rp, kinds, nkinds, C.uint16_t(KindError)))
		if n <= cap(buf) {
			return root, buf[:n]
		}
		buf = make([]kid, 0, n+n/8+16)
	}
}

// flattenKid appends the subtree of child number kid of ts's root to out, numbered from id
// with the root as parent, and returns it with the subtree's depth (the child counting 1)
// and the sum of its nodes' depths counted the same way. A subtree nested more than
// MaxDepth-1 levels gives a *DepthError.
func flattenKid(ts *tsTree, k kid, index int, out []node, id NodeID) ([]node, int, int64, error) {
	defer runtime.KeepAlive(ts)
	a := &kidArgs{k: k}
	return appendFlat(out, func(t *tables, ptr *C.exdb_node, room C.int64_t, d *C.exdb_depth) C.int64_t {
		return C.exdb_flatten_kid(ts.c, &a.k, C.int64_t(index), ptr, room, C.int64_t(id),
			t.cKinds(), t.cNKinds(), t.cFields(), t.cNFields(), C.uint16_t(KindError), C.int64_t(MaxDepth-1), d)
	})
}

// flattenKidFrom is flattenKid for the root's child number kid, which replaces child number
// oldKid of oldTS's root (of the same symbol), whose flat subtree is old (its first node
// numbered oldID): the parts of that subtree tree-sitter reused as they were (the same
// subtree, at the same offset before the edit or moved by delta bytes after it) are copied
// from old, and only the path down to the edit is walked through the C tree. A keystroke
// in a class of a thousand lines walks a few dozen nodes instead of the class.
func flattenKidFrom(ts, oldTS *tsTree, k, ok kid, index, oldIndex int, old []node, oldID NodeID, delta int, out []node, id NodeID) ([]node, int, int64, error) {
	defer runtime.KeepAlive(ts)
	defer runtime.KeepAlive(oldTS)
	a := &kidArgs{k: k, old: ok}
	return appendFlat(out, func(t *tables, ptr *C.exdb_node, room C.int64_t, d *C.exdb_depth) C.int64_t {
		return C.exdb_flatten_kid_from(ts.c, &a.k, C.int64_t(index), oldTS.c, &a.old, C.int64_t(oldIndex),
			(*C.exdb_node)(unsafe.Pointer(&old[0])), C.int64_t(oldID), C.int64_t(len(old)), C.int64_t(delta),
			ptr, room, C.int64_t(id),
			t.cKinds(), t.cNKinds(), t.cFields(), t.cNFields(), C.uint16_t(KindError), C.int64_t(MaxDepth-1), d)
	})
}

// The tables as the C functions take them.
func (t *tables) cKinds() *C.uint16_t  { return (*C.uint16_t)(unsafe.Pointer(&t.kinds[0])) }
func (t *tables) cNKinds() C.uint32_t  { return C.uint32_t(len(t.kinds)) }
func (t *tables) cFields() *C.uint8_t  { return (*C.uint8_t)(unsafe.Pointer(&t.fields[0])) }
func (t *tables) cNFields() C.uint32_t { return C.uint32_t(len(t.fields)) }

// appendFlat appends to out what flat writes: flat gets room for that many nodes at ptr
// and returns how many it has, writing none past room; out grows until they fit. It
// returns the nodes with the depth and depth sum flat measured, or a *DepthError.
func appendFlat(out []node, flat func(t *tables, ptr *C.exdb_node, room C.int64_t, d *C.exdb_depth) C.int64_t) ([]node, int, int64, error) {
	tables := languageTables()
	base := len(out)
	for {
		var ptr *C.exdb_node
		if cap(out) > base {
			ptr = (*C.exdb_node)(unsafe.Pointer(&out[:base+1][base]))
		}
		var d C.exdb_depth
		n := int(flat(tables, ptr, C.int64_t(cap(out)-base), &d))
		if d.deep_at >= 0 {
			return nil, 0, 0, &DepthError{Depth: 1 + int(d.max), Offset: int(d.deep_at)}
		}
		if base+n <= cap(out) {
			return out[:base+n], int(d.max), int64(d.total), nil
		}
		grown := make([]node, base, (base+n)*5/4+64)
		copy(grown, out)
		out = grown
	}
}

// sameKid reports whether child number kid of ts's root flattens to old (the flat subtree of
// child number oldKid of oldTS's root, its first node numbered oldID) moved by shift
// bytes, walking only the parts tree-sitter built again.
func sameKid(ts, oldTS *tsTree, k, ok kid, index, oldIndex int, old []node, oldID NodeID, shift int) bool {
	defer runtime.KeepAlive(ts)
	defer runtime.KeepAlive(oldTS)
	t := languageTables()
	a := &kidArgs{k: k, old: ok}
	return bool(C.exdb_same_kid(ts.c, &a.k, C.int64_t(index), oldTS.c, &a.old, C.int64_t(oldIndex),
		(*C.exdb_node)(unsafe.Pointer(&old[0])), C.int64_t(oldID), C.int64_t(len(old)), C.int64_t(shift),
		t.cKinds(), t.cNKinds(), t.cFields(), t.cNFields(), C.uint16_t(KindError)))
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
