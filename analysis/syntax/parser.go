package syntax

/*
#include <stddef.h>
typedef struct TSParser TSParser;
typedef struct TSTree TSTree;
void ts_parser_delete(TSParser *self);
*/
import "C"

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"unicode/utf8"
)

// MaxSourceSize is the largest file analysed. tree-sitter handles larger inputs, but a
// Python module of more than 16 MiB is generated data, not a model definition.
const MaxSourceSize = 16 << 20

// ErrTooLarge is returned for sources above MaxSourceSize.
var ErrTooLarge = errors.New("file is larger than 16 MiB")

// MaxDepth is the deepest syntax tree analysed: the number of nodes on the longest path
// from the module down. Every walk of a tree, recursive or not, is then bounded, and no
// input can exhaust a goroutine's stack (a fatal error in Go, not a panic). CPython itself
// refuses far shallower code: the compiler stops at 3 x sys.getrecursionlimit() = 3,000
// nested expressions ("RecursionError: maximum recursion depth exceeded during
// compilation"; 2,992 nested unary minuses compile under CPython 3.11, 2,993 do not), its
// parser at 200 nested brackets and 100 indentation levels. The deepest tree of code
// CPython compiles (bench/cpython-depth.py measures it) stays below this limit.
const MaxDepth = 4000

// MaxTreeMemory bounds what tree-sitter may allocate to parse one source (every
// allocation counted, frees not subtracted: in the batch parse's arena that is its peak
// memory, and it bounds the parse's work); a smaller source gets a smaller share (see
// parseLimits). A source that needs more, or that makes tree-sitter's lexer read it over
// and over, is refused with an error wrapping ErrTooComplex.
const MaxTreeMemory = 512 << 20

// ErrTooComplex is wrapped by the error for a source whose parse exceeds its budget.
var ErrTooComplex = errors.New("file is too complex to analyse")

// MaxAverageDepth and DeepAllowance bound the sum of the depths of a tree's nodes (equal
// to the sum of the sizes of its subtrees) to MaxAverageDepth per node plus DeepAllowance.
// That sum is what every analysis that walks up from each node, or down each node's
// subtree, costs; bounding it keeps such walks linear in the file's size. Real code is
// about 9 levels deep on average (CPython 3.11's standard library: 8.7, no file above 13);
// the allowance admits a few expressions nested as deep as CPython compiles (one such
// chain sums to about 17 million), not a file nested thousands deep throughout.
const (
	MaxAverageDepth = 64
	DeepAllowance   = 32 << 20
)

// DepthError is returned for a source whose syntax tree is deeper than MaxDepth, or whose
// nodes lie too deep in total (see MaxAverageDepth).
type DepthError struct {
	Depth  int   // the tree's depth; 0 when the total is over its bound
	Offset int   // byte offset of the first node below MaxDepth, or -1
	Total  int64 // the sum of the nodes' depths, when that is over its bound
	Nodes  int   // the number of nodes, when Total is set
}

func (e *DepthError) Error() string {
	if e.Total > 0 {
		return fmt.Sprintf("too deeply nested: %d nodes at an average depth of %d (deep nesting is accepted in a few expressions, not throughout a file)",
			e.Nodes, e.Total/int64(max(e.Nodes, 1)))
	}
	return fmt.Sprintf("too deeply nested: depth %d, limit %d", e.Depth, MaxDepth)
}

// checkTotalDepth returns a *DepthError when the depths of n nodes sum to more than their
// bound.
func checkTotalDepth(total int64, n int) error {
	if total > MaxAverageDepth*int64(n)+DeepAllowance {
		return &DepthError{Offset: -1, Total: total, Nodes: n}
	}
	return nil
}

// Parser parses Python source. A Parser is not safe for concurrent use: use one per
// goroutine (tree-sitter parsers hold mutable state).
type Parser struct {
	c     *C.TSParser // Parse and Reparse (trees in malloc memory)
	flag  *C.size_t   // the cancellation flag of every parse (C memory: tree-sitter reads it)
	arena *arena      // for ParseTree
	spare []node      // node storage given back by Reuse
}

// NewParser returns a Parser for Python.
func NewParser() *Parser {
	languageTables()
	installAllocator()
	return &Parser{c: newCParser(), flag: newFlag(), arena: newArena()}
}

// Close frees the parser's C memory.
func (p *Parser) Close() {
	if p.c != nil {
		C.ts_parser_delete(p.c)
		p.c = nil
	}
	freeFlag(p.flag)
	p.flag = nil
	p.arena.close()
}

// Document is a parsed source that can be edited and reparsed incrementally. It keeps the
// tree-sitter tree for reuse; Tree is the flat copy that analysis reads.
type Document struct {
	ts   *tsTree
	tree *Tree
	kids []kid // the root's children of ts, when known (a reparse compares them with its own)
	// for a document whose last edits were reparsed in a piece: ts (and kids) are the
	// tree-sitter tree of an earlier text, base's, and sinceBase the one edit covering what
	// changed since; piece is the changed child's tree
	base      *Tree
	sinceBase Edit
	piece     *piece
}

// Tree returns the document's current syntax tree.
func (d *Document) Tree() *Tree { return d.tree }

// Close frees the tree-sitter tree now rather than when the garbage collector finds it.
// Tree stays valid: it is a Go copy and never reads the C tree. Only Reparse reads the C
// tree, so Close must not run while a Reparse from d is in progress; afterwards a Reparse
// from d parses from scratch. Close is idempotent.
func (d *Document) Close() {
	if d == nil || d.ts == nil {
		return
	}
	d.ts.close()
	d.ts = nil
	if d.piece != nil {
		d.piece.ts.close()
	}
}

// Parse parses src from scratch. src is retained and must not be modified afterwards.
func (p *Parser) Parse(ctx context.Context, src []byte) (*Document, error) {
	return p.parse(ctx, src)
}

// Edit describes one text change in bytes: the range [Start, OldEnd) of the old text was
// replaced by the range [Start, NewEnd) of the new text.
type Edit struct {
	Start, OldEnd, NewEnd int

	startPt, oldEndPt, newEndPt point
}

type point struct{ row, col uint32 }

// Reparse applies edits (in the order they were made) to the old document and parses
// newSrc reusing old's tree. old is left unchanged and may still be read. Edits must
// describe exactly how old's text became newSrc; each is validated.
func (p *Parser) Reparse(ctx context.Context, old *Document, oldSrcs [][]byte, edits []Edit, newSrc []byte) (*Document, error) {
	if old == nil || old.ts == nil || len(edits) == 0 || len(oldSrcs) != len(edits) || old.tree.normalized {
		return p.Parse(ctx, newSrc)
	}
	nl, lone := lineEnding(newSrc)
	if lone {
		return p.Parse(ctx, newSrc) // parsed as a copy (newline.go): nothing to reuse
	}
	for i, e := range edits {
		if e.Start < 0 || e.Start > e.OldEnd || e.OldEnd > len(oldSrcs[i]) || e.Start > e.NewEnd || e.NewEnd > len(srcAfter(oldSrcs, i, newSrc)) {
			return p.Parse(ctx, newSrc)
		}
	}
	if len(newSrc) > MaxSourceSize {
		return nil, ErrTooLarge
	}
	if len(edits) == 1 {
		nd, err := p.reparsePiece(ctx, old, oldSrcs[0], edits[0], newSrc)
		if err != nil {
			return nil, err
		}
		if nd != nil {
			nd.tree.src, nd.tree.newline = newSrc, nl
			return nd, nil
		}
	}
	if old.base != nil {
		// the file's tree-sitter tree is an earlier text's
		if len(edits) == 1 {
			if nd, err := p.reparseFromBase(ctx, old, edits[0], newSrc); nd != nil || err != nil {
				return nd, err
			}
		}
		if old.pieceBroken() {
			return p.Parse(ctx, newSrc) // several edits: see reparseFromBase
		}
		// bring it up to old's text first
		cur, err := p.catchUp(ctx, old)
		if err != nil {
			return nil, err
		}
		defer cur.ts.close()
		old = cur
	}
	ts := old.ts.copy()
	// the edited copy is needed only until the new tree is parsed and flattened (the new
	// tree keeps what it shares with it by reference count)
	defer ts.close()
	for i, e := range edits {
		before, after := oldSrcs[i], srcAfter(oldSrcs, i, newSrc)
		e.startPt = pointAt(before, e.Start)
		e.oldEndPt = pointAt(before, e.OldEnd)
		e.newEndPt = pointAt(after, e.NewEnd)
		editTree(ts, e)
	}
	ct, err := p.cparse(ctx, nil, ts.c, newSrc)
	if err != nil {
		return nil, err
	}
	nts := newTSTree(ct)
	var tree *Tree
	var kids []kid
	if len(edits) == 1 {
		tree, kids, err = spliceFlatten(nts, old, edits[0])
	} else {
		var nodes []node
		var depth int
		nodes, depth, err = flatten(nts, make([]node, 0, len(old.tree.nodes)+64))
		tree = &Tree{nodes: nodes, depth: depth}
		if err == nil {
			tree.kids = kidStats(tree)
			_, kids = rootKids(nts, nil)
		}
	}
	if err != nil {
		nts.close()
		return nil, err
	}
	tree.src, tree.newline = newSrc, nl
	return &Document{ts: nts, tree: newTree(tree), kids: kids}, nil
}

// srcAfter is the text after edit number i of a Reparse.
func srcAfter(oldSrcs [][]byte, i int, newSrc []byte) []byte {
	if i+1 < len(oldSrcs) {
		return oldSrcs[i+1]
	}
	return newSrc
}

func pointAt(src []byte, off int) point {
	row := bytes.Count(src[:off], []byte{'\n'})
	col := off - (bytes.LastIndexByte(src[:off], '\n') + 1)
	return point{uint32(row), uint32(col)}
}

func (p *Parser) parse(ctx context.Context, src []byte) (*Document, error) {
	if len(src) > MaxSourceSize {
		return nil, ErrTooLarge
	}
	src, nl, normalized := prepare(src)
	ct, err := p.cparse(ctx, nil, nil, src)
	if err != nil {
		return nil, err
	}
	ts := newTSTree(ct)
	nodes, depth, err := flatten(ts, make([]node, 0, len(src)/3+16))
	if err != nil {
		ts.close()
		return nil, err
	}
	nodes = fitNodes(nodes)
	tree := &Tree{src: src, nodes: nodes, depth: depth, newline: nl, normalized: normalized}
	var kids []kid
	if !normalized { // a normalized text is parsed again whole, never reparsed
		tree.kids = kidStats(tree)
		_, kids = rootKids(ts, nil)
	}
	return &Document{ts: ts, tree: newTree(tree), kids: kids}, nil
}

// ValidUTF8 reports whether src is valid UTF-8 and, if not, the offset of the first bad byte.
func ValidUTF8(src []byte) (bool, int) {
	if utf8.Valid(src) {
		return true, -1
	}
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && size == 1 {
			return false, i
		}
		i += size
	}
	return false, -1
}
