package syntax

import (
	"sync/atomic"
	"unsafe"
)

// Splice says how a tree made by Parser.Reparse from a single edit relates to the tree it
// was reparsed from (its origin), so that what is built on the origin's nodes can be
// carried over instead of built again (package pysem does so):
//   - nodes 1 .. Lo-1 are the origin's nodes 1 .. Lo-1, unchanged;
//   - nodes Lo .. NewHi-1 are whole children of the root parsed again (they replace the
//     origin's Lo .. OldHi-1);
//   - nodes NewHi .. Len()-1 are the origin's nodes OldHi onwards, with their NodeIDs,
//     subtree ends and parents (but the root, 0) moved by Shift and their byte offsets by
//     Delta;
//   - the root, node 0, is new.
type Splice struct {
	Lo, OldHi, NewHi NodeID
	Edit             Edit // the text change: the text is the origin's before Edit.Start, and from Edit.NewEnd on the origin's from Edit.OldEnd on
	from             uint64
}

// Shift is how many places the NodeIDs of the nodes copied after the changed ones moved.
func (s *Splice) Shift() NodeID { return s.NewHi - s.OldHi }

// Delta is how many bytes the nodes copied after the changed ones moved.
func (s *Splice) Delta() int { return s.Edit.NewEnd - s.Edit.OldEnd }

// From reports whether t is the tree this splice was made from.
func (s *Splice) From(t *Tree) bool { return t != nil && t.id == s.from }

// Spliced returns how t was spliced from the tree it was reparsed from, or nil for a tree
// parsed from scratch (or reparsed after several edits, or refused the splice).
func (t *Tree) Spliced() *Splice { return t.splice }

// treeIDs numbers trees, so that a splice names its origin without keeping it alive (a
// chain of trees each holding the one before would grow with every keystroke).
var treeIDs atomic.Uint64

// kidStat is the nesting of one of the root's children: the depth of its deepest node and
// the sum of its nodes' depths, counting the root as depth 1.
type kidStat struct {
	depth int32
	sum   int64
}

// kidStats measures the nesting of each of t's root children: t.kids when t has them, else
// one pass over its nodes.
func kidStats(t *Tree) []kidStat {
	if t.kids != nil || len(t.nodes) == 0 {
		return t.kids
	}
	depth := make([]int32, len(t.nodes))
	depth[0] = 1
	var stats []kidStat
	for i := 1; i < len(t.nodes); i++ {
		nd := &t.nodes[i]
		d := depth[nd.parent] + 1
		depth[i] = d
		if nd.parent == 0 {
			stats = append(stats, kidStat{})
		}
		k := &stats[len(stats)-1]
		k.depth = max(k.depth, d)
		k.sum += int64(d)
	}
	return stats
}

// spliceFlatten builds the flat tree of ts, reparsed from old's tree-sitter tree after the
// single edit e. The root's children that tree-sitter reused as they were (the same
// subtree, at the same offset or moved by the edit's length) are copied from old's flat
// tree; only the children between the first and the last other one are walked again.
// Walking a whole 5,000-line file through cgo costs milliseconds, more than the editor's
// budget for a keystroke; copying it is a block copy and one tight pass moving the nodes
// after the change. It returns the tree (without a Splice when old's flat tree is empty)
// and the root's children of ts.
func spliceFlatten(ts *tsTree, old *Document, e Edit) (*Tree, []kid, error) {
	ot := old.tree
	oldKids := old.kids
	if oldKids == nil {
		_, oldKids = rootKids(old.ts, nil)
	}
	root, kids := rootKids(ts, make([]kid, 0, len(oldKids)+16))
	if len(ot.nodes) == 0 {
		nodes, depth, err := flatten(ts, nil)
		if err != nil {
			return nil, nil, err
		}
		t := &Tree{nodes: nodes, depth: depth}
		t.kids = kidStats(t)
		return t, kids, nil
	}
	oldStats := kidStats(ot)
	if len(oldStats) != len(oldKids) {
		// old's flat tree does not match its tree-sitter tree's children: never expected
		nodes, depth, err := flatten(ts, nil)
		if err != nil {
			return nil, nil, err
		}
		t := &Tree{nodes: nodes, depth: depth}
		t.kids = kidStats(t)
		return t, kids, nil
	}
	oldIDs := ot.kidIDs()
	delta := e.NewEnd - e.OldEnd
	// same reports whether the new child number i is the old child number j moved by shift
	// bytes: the same subtree, or (tree-sitter builds a few unchanged statements again, the
	// ones its lookahead reaches past) the same nodes, compared by walking what it built
	// again (sameKid). A child whose text the edit touched is not the same, even when it
	// parses to the same nodes (import nn -> import mm).
	same := func(i, j int, shift int) bool {
		k, o := &kids[i], &oldKids[j]
		if int(o.start) < e.OldEnd && e.Start < int(o.end) {
			return false
		}
		if int(o.start)+shift != int(k.start) || int(o.end)+shift != int(k.end) || o.field != k.field || o.symbol != k.symbol {
			return false
		}
		if k.subtree == o.subtree {
			return true
		}
		id := oldIDs[j]
		return sameKid(ts, old.ts, *k, *o, i, j, ot.nodes[id:ot.nodes[id].after], id, shift)
	}
	// the children kept in place before the changed ones, and those moved after them
	lo := 0
	for lo < len(kids) && lo < len(oldKids) && same(lo, lo, 0) {
		lo++
	}
	hiNew, hiOld := len(kids), len(oldKids)
	for hiNew > lo && hiOld > lo && same(hiNew-1, hiOld-1, delta) {
		hiNew--
		hiOld--
	}
	end := NodeID(len(ot.nodes))
	loID, oldHi := end, end
	if lo < len(oldKids) {
		loID = oldIDs[lo]
	}
	if hiOld < len(oldKids) {
		oldHi = oldIDs[hiOld]
	}

	stats := make([]kidStat, 0, len(kids))
	stats = append(stats, oldStats[:lo]...)
	// the changed children, numbered from loID
	var hull []node
	// one statement changed into one of its kind (a keystroke inside a class or function):
	// what tree-sitter reused inside it is copied too, into room for the old one's nodes
	deep := hiNew-lo == 1 && hiOld-lo == 1 && kids[lo].symbol == oldKids[lo].symbol
	if deep {
		hull = make([]node, 0, int(ot.nodes[loID].after-loID)+64)
	}
	kidNodes := make([]NodeID, 0, len(kids))
	kidNodes = append(kidNodes, oldIDs[:lo]...)
	for i := lo; i < hiNew; i++ {
		var err error
		var depth int
		var sum int64
		n := len(hull)
		kidNodes = append(kidNodes, loID+NodeID(n))
		if deep {
			hull, depth, sum, err = flattenKidFrom(ts, old.ts, kids[i], oldKids[lo], i, lo, ot.nodes[loID:ot.nodes[loID].after], loID, delta, hull, loID)
		} else {
			hull, depth, sum, err = flattenKid(ts, kids[i], i, hull, loID+NodeID(n))
		}
		if err != nil {
			return nil, nil, err
		}
		stats = append(stats, kidStat{depth: 1 + int32(depth), sum: sum + int64(len(hull)-n)})
	}
	t, err := joinSplice(ot, root, loID, oldHi, hull, e, stats, kidNodes, oldStats[hiOld:], oldIDs[hiOld:])
	return t, kids, err
}

// joinSplice returns ot's flat tree with its nodes [lo, oldHi), whole children of the root,
// replaced by hull (numbered from lo) after the edit e: the nodes after them are moved, and
// root (its after set here) heads the tree. stats and kidNodes are the nesting and first
// nodes of the new tree's root children up to hull's end, tailStats and tailIDs ot's after
// oldHi (moved here). It returns a *DepthError when the whole nests too deep.
func joinSplice(ot *Tree, root node, lo, oldHi NodeID, hull []node, e Edit, stats []kidStat, kidNodes []NodeID, tailStats []kidStat, tailIDs []NodeID) (*Tree, error) {
	newHi := lo + NodeID(len(hull))
	shift := newHi - oldHi
	tail := ot.nodes[oldHi:]
	out := make([]node, int(newHi)+len(tail))
	copy(out, ot.nodes[:lo])
	copy(out[lo:], hull)
	moveNodes(out[newHi:], tail, shift, e.NewEnd-e.OldEnd)
	stats = append(stats, tailStats...)
	for _, id := range tailIDs {
		kidNodes = append(kidNodes, id+shift)
	}

	depth, total := 1, int64(1)
	for _, k := range stats {
		depth = max(depth, int(k.depth))
		total += k.sum
	}
	if err := checkTotalDepth(total, len(out)); err != nil {
		return nil, err
	}
	root.after = NodeID(len(out))
	out[0] = root
	return &Tree{nodes: out, depth: depth, kids: stats, kidNodes: kidNodes,
		splice: &Splice{Lo: lo, OldHi: oldHi, NewHi: newHi, Edit: e, from: ot.id}}, nil
}

// kidIDs returns the root's children: kept by the splice that made t, or found (a walk
// over the root's children, in a file of thousands of lines a cache miss each).
func (t *Tree) kidIDs() []NodeID {
	if t.kidNodes != nil {
		return t.kidNodes
	}
	var ids []NodeID
	t.Children(0, func(c NodeID) bool { ids = append(ids, c); return true })
	return ids
}

// moveNodes copies src to dst (of the same length), moving the NodeIDs of the subtree ends
// and of the parents but the root by shift, and the byte offsets by delta. It reads a node
// as the five 32-bit words of its layout: a loop over node values compiles to code five
// times slower, and this pass runs over most of the file at each keystroke.
func moveNodes(dst, src []node, shift NodeID, delta int) {
	if shift == 0 && delta == 0 {
		copy(dst, src)
		return
	}
	if len(src) == 0 {
		return
	}
	s := unsafe.Slice((*uint32)(unsafe.Pointer(&src[0])), len(src)*nodeWords)
	d := unsafe.Slice((*uint32)(unsafe.Pointer(&dst[0])), len(dst)*nodeWords)
	by, id := uint32(delta), uint32(shift)
	for i := 0; i+nodeWords <= len(s) && i+nodeWords <= len(d); i += nodeWords {
		from := s[i : i+nodeWords : i+nodeWords]
		to := d[i : i+nodeWords : i+nodeWords]
		to[0] = from[0] // kind, field, flags
		to[1] = from[1] + by
		to[2] = from[2] + by
		p := from[3]
		if int32(p) > 0 {
			p += id
		}
		to[3] = p
		to[4] = from[4] + id
	}
}

// nodeWords is the size of a node in 32-bit words; the layout moveNodes relies on is
// checked at compile time below.
const nodeWords = 5

var (
	_ [unsafe.Sizeof(node{}) - 4*nodeWords]byte
	_ [4*nodeWords - unsafe.Sizeof(node{})]byte
	_ [unsafe.Offsetof(node{}.start) - 4]byte
	_ [4 - unsafe.Offsetof(node{}.start)]byte
	_ [unsafe.Offsetof(node{}.end) - 8]byte
	_ [8 - unsafe.Offsetof(node{}.end)]byte
	_ [unsafe.Offsetof(node{}.parent) - 12]byte
	_ [12 - unsafe.Offsetof(node{}.parent)]byte
	_ [unsafe.Offsetof(node{}.after) - 16]byte
	_ [16 - unsafe.Offsetof(node{}.after)]byte
)
