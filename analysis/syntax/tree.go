// Package syntax is the Python front end: it parses with tree-sitter and copies the tree,
// in one C pass, into a flat pre-order array that the rest of analysis reads without cgo.
//
// Start with Parser.Parse, then walk the Tree with Root, Children, Field and Text. Byte
// offsets are the only positions here; LSP positions are computed in package lsp.
package syntax

import (
	"sync"

	sitter "github.com/smacker/go-tree-sitter"
	"github.com/smacker/go-tree-sitter/python"
)

// NodeID names a node of one Tree: its index in pre-order. NoNode is -1.
type NodeID int32

// NoNode is the absent node.
const NoNode NodeID = -1

// node is one syntax node. Its layout is shared with exdb_node in flatten.go.
type node struct {
	kind   Kind
	field  Field
	flags  uint8
	start  uint32
	end    uint32
	parent NodeID
	after  NodeID // first index past this node's subtree
}

const (
	flagNamed = 1 << iota
	flagError
	flagMissing
	flagHasError
)

// Tree is an immutable syntax tree of one source text. It is safe for concurrent reads.
type Tree struct {
	src   []byte
	nodes []node
	depth int // nodes on the longest path from the root down; at most MaxDepth
	// newline is the original source's first line ending ("" for "\n"); normalized says src
	// is a copy of it with lone "\r" endings turned into "\n" (newline.go)
	newline    string
	normalized bool
	id         uint64    // unique per tree (treeIDs), named by the splices made from it
	kids       []kidStat // the nesting of each root child, for a tree made by spliceFlatten; else nil
	kidNodes   []NodeID  // the root's children, for a tree made by spliceFlatten; else nil
	splice     *Splice   // how the tree was made from the one it was reparsed from, or nil
}

// newTree returns t numbered with a fresh ID.
func newTree(t *Tree) *Tree {
	t.id = treeIDs.Add(1)
	return t
}

// Source returns the text the tree was parsed from: the source given to the parser or, for
// a source with lone "\r" line endings, a copy with "\n" endings (same length, same
// offsets). Callers must not modify it.
func (t *Tree) Source() []byte { return t.src }

// Depth is the number of nodes on the longest path from the root to a leaf (1 for an
// empty module). It is at most MaxDepth: a deeper source is refused with a *DepthError,
// which bounds every recursive walk of the tree.
func (t *Tree) Depth() int { return t.depth }

// Len is the number of nodes, tokens included.
func (t *Tree) Len() int { return len(t.nodes) }

// Root is the module node.
func (t *Tree) Root() NodeID {
	if len(t.nodes) == 0 {
		return NoNode
	}
	return 0
}

// Kind returns n's kind. The kind of NoNode is KindOther, so that a test such as
// t.Kind(t.Field(n, f)) == KindCall is false, not a panic, when error recovery left the
// field out.
func (t *Tree) Kind(n NodeID) Kind {
	if n < 0 {
		return KindOther
	}
	return t.nodes[n].kind
}

// FieldOf returns the field n fills in its parent.
func (t *Tree) FieldOf(n NodeID) Field { return t.nodes[n].field }

// Start and End are n's byte offsets in Source.
func (t *Tree) Start(n NodeID) int { return int(t.nodes[n].start) }

// End is the byte offset just past n.
func (t *Tree) End(n NodeID) int { return int(t.nodes[n].end) }

// Parent returns n's parent, or NoNode for the root.
func (t *Tree) Parent(n NodeID) NodeID { return t.nodes[n].parent }

// IsNamed reports whether n is a named node (not an anonymous token).
func (t *Tree) IsNamed(n NodeID) bool { return t.nodes[n].flags&flagNamed != 0 }

// IsError reports whether n is an ERROR node or a MISSING token inserted by error recovery.
func (t *Tree) IsError(n NodeID) bool { return t.nodes[n].flags&(flagError|flagMissing) != 0 }

// HasError reports whether n or anything inside it is an ERROR or MISSING node.
func (t *Tree) HasError(n NodeID) bool {
	return t.nodes[n].flags&(flagHasError|flagError|flagMissing) != 0
}

// IsComment reports whether n is a comment (an "extra" node that may appear anywhere).
func (t *Tree) IsComment(n NodeID) bool { return t.nodes[n].kind == KindComment }

// Text returns n's source text. It does not copy.
func (t *Tree) Text(n NodeID) []byte { return t.src[t.nodes[n].start:t.nodes[n].end] }

// TextIs reports whether n's text equals s, without allocating; false for NoNode.
func (t *Tree) TextIs(n NodeID, s string) bool {
	if n < 0 {
		return false
	}
	nd := &t.nodes[n]
	return int(nd.end-nd.start) == len(s) && string(t.src[nd.start:nd.end]) == s
}

// String returns n's source text as a string (allocates).
func (t *Tree) String(n NodeID) string { return string(t.Text(n)) }

// SubtreeEnd is the first NodeID after n's subtree: n's descendants are n+1 .. SubtreeEnd(n)-1.
func (t *Tree) SubtreeEnd(n NodeID) NodeID { return t.nodes[n].after }

// FirstChild returns n's first child (token or named), or NoNode.
func (t *Tree) FirstChild(n NodeID) NodeID {
	if t.nodes[n].after > n+1 {
		return n + 1
	}
	return NoNode
}

// NextSibling returns the node after n under the same parent, or NoNode.
func (t *Tree) NextSibling(n NodeID) NodeID {
	p := t.nodes[n].parent
	next := t.nodes[n].after
	if p == NoNode || next >= t.nodes[p].after {
		return NoNode
	}
	return next
}

// Children calls f for each child of n in order, tokens and comments included, until f
// returns false.
func (t *Tree) Children(n NodeID, f func(NodeID) bool) {
	end := t.nodes[n].after
	for c := n + 1; c < end; c = t.nodes[c].after {
		if !f(c) {
			return
		}
	}
}

// NamedChildren appends n's named, non-comment children to buf and returns it.
func (t *Tree) NamedChildren(n NodeID, buf []NodeID) []NodeID {
	end := t.nodes[n].after
	for c := n + 1; c < end; c = t.nodes[c].after {
		if t.nodes[c].flags&flagNamed != 0 && t.nodes[c].kind != KindComment {
			buf = append(buf, c)
		}
	}
	return buf
}

// NamedChild returns n's i-th named, non-comment child, or NoNode.
func (t *Tree) NamedChild(n NodeID, i int) NodeID {
	end := t.nodes[n].after
	for c := n + 1; c < end; c = t.nodes[c].after {
		if t.nodes[c].flags&flagNamed != 0 && t.nodes[c].kind != KindComment {
			if i == 0 {
				return c
			}
			i--
		}
	}
	return NoNode
}

// NamedChildCount counts n's named, non-comment children.
func (t *Tree) NamedChildCount(n NodeID) int {
	k := 0
	end := t.nodes[n].after
	for c := n + 1; c < end; c = t.nodes[c].after {
		if t.nodes[c].flags&flagNamed != 0 && t.nodes[c].kind != KindComment {
			k++
		}
	}
	return k
}

// Field returns n's first child that fills field f, or NoNode (also for n = NoNode).
func (t *Tree) Field(n NodeID, f Field) NodeID {
	if n < 0 {
		return NoNode
	}
	end := t.nodes[n].after
	for c := n + 1; c < end; c = t.nodes[c].after {
		if t.nodes[c].field == f {
			return c
		}
	}
	return NoNode
}

// Token returns n's first anonymous child whose text is s, or NoNode.
func (t *Tree) Token(n NodeID, s string) NodeID {
	end := t.nodes[n].after
	for c := n + 1; c < end; c = t.nodes[c].after {
		if t.nodes[c].flags&flagNamed == 0 && t.TextIs(c, s) {
			return c
		}
	}
	return NoNode
}

// Operator returns the text of the first anonymous token child of n (the operator of a
// binary, comparison, boolean, unary or augmented assignment node), or "".
func (t *Tree) Operator(n NodeID) string {
	end := t.nodes[n].after
	for c := n + 1; c < end; c = t.nodes[c].after {
		if t.nodes[c].flags&flagNamed == 0 {
			return string(t.Text(c))
		}
	}
	return ""
}

// Ancestor returns the nearest proper ancestor of n with kind k, or NoNode.
func (t *Tree) Ancestor(n NodeID, k Kind) NodeID {
	for p := t.nodes[n].parent; p != NoNode; p = t.nodes[p].parent {
		if t.nodes[p].kind == k {
			return p
		}
	}
	return NoNode
}

// Contains reports whether d is n or inside n's subtree.
func (t *Tree) Contains(n, d NodeID) bool { return d >= n && d < t.nodes[n].after }

// Unparen strips parentheses around an expression.
func (t *Tree) Unparen(n NodeID) NodeID {
	for n != NoNode && t.nodes[n].kind == KindParenthesizedExpression {
		n = t.NamedChild(n, 0)
	}
	return n
}

// NodeAt returns the smallest named node that contains the byte offset off, or the root.
// Nodes are stored in pre-order, so their start offsets never decrease: the last node that
// starts at or before off is the deepest candidate, and the nodes containing off are it or
// its ancestors (O(log n + depth)).
func (t *Tree) NodeAt(off int) NodeID {
	if len(t.nodes) == 0 {
		return NoNode
	}
	lo, hi := 0, len(t.nodes)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if int(t.nodes[m].start) <= off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	n := NodeID(lo - 1)
	if n < 0 {
		return 0
	}
	for n > 0 && (int(t.nodes[n].end) <= off || t.nodes[n].flags&flagNamed == 0) {
		n = t.nodes[n].parent
	}
	if n < 0 {
		return 0
	}
	return n
}

type tables struct {
	kinds  []uint16 // grammar symbol -> Kind, | kindNamedBit for named symbols
	fields []uint8  // grammar field id -> Field
}

var (
	tablesOnce sync.Once
	langTables tables
	language   *sitter.Language
)

// languageTables maps the grammar's symbols and fields to this package's enums, by name,
// so that aliased symbols of the same name share one Kind.
// kindNamedBit marks a named symbol in tables.kinds (EXDB_KIND_NAMED in flatten.go).
const kindNamedBit = 0x8000

func languageTables() *tables {
	tablesOnce.Do(func() {
		language = python.GetLanguage()
		byName := map[string]Kind{}
		for k := KindIdentifier; k < kindCount; k++ {
			byName[kindNames[k]] = k
		}
		n := language.SymbolCount()
		langTables.kinds = make([]uint16, n)
		for s := uint32(0); s < n; s++ {
			name := language.SymbolName(sitter.Symbol(s))
			typ := language.SymbolType(sitter.Symbol(s))
			switch {
			case typ != sitter.SymbolTypeRegular:
				langTables.kinds[s] = uint16(KindToken)
			default:
				langTables.kinds[s] = uint16(byName[name]) | kindNamedBit
			}
		}
		fieldByName := map[string]Field{}
		for f := FieldNone + 1; f < fieldCount; f++ {
			fieldByName[fieldNames[f]] = f
		}
		langTables.fields = make([]uint8, 1, 64)
		for i := 1; ; i++ {
			name := language.FieldName(i)
			if name == "" {
				break
			}
			langTables.fields = append(langTables.fields, uint8(fieldByName[name]))
		}
	})
	return &langTables
}
