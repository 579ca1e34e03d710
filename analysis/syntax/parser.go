package syntax

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	sitter "github.com/smacker/go-tree-sitter"
)

// MaxSourceSize is the largest file analysed. tree-sitter handles larger inputs, but a
// Python module of more than 16 MiB is generated data, not a model definition.
const MaxSourceSize = 16 << 20

// ErrTooLarge is returned for sources above MaxSourceSize.
var ErrTooLarge = errors.New("file is larger than 16 MiB")

// Parser parses Python source. A Parser is not safe for concurrent use: use one per
// goroutine (tree-sitter parsers hold mutable state).
type Parser struct {
	p     *sitter.Parser
	arena *arena // for ParseTree
	spare []node // node storage given back by Reuse
}

// NewParser returns a Parser for Python.
func NewParser() *Parser {
	languageTables()
	installAllocator()
	p := sitter.NewParser()
	p.SetLanguage(language)
	return &Parser{p: p, arena: newArena()}
}

// Close frees the parser's C memory.
func (p *Parser) Close() {
	p.p.Close()
	p.arena.close()
}

// Document is a parsed source that can be edited and reparsed incrementally. It keeps the
// tree-sitter tree for reuse; Tree is the flat copy that analysis reads.
type Document struct {
	ts   *sitter.Tree
	tree *Tree
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
	d.ts.Close()
	d.ts = nil
}

// Parse parses src from scratch. src is retained and must not be modified afterwards.
func (p *Parser) Parse(ctx context.Context, src []byte) (*Document, error) {
	return p.parse(ctx, nil, src)
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
	if old == nil || old.ts == nil || len(edits) == 0 || len(oldSrcs) != len(edits) {
		return p.Parse(ctx, newSrc)
	}
	ts := old.ts.Copy()
	// the edited copy is needed only until the new tree is parsed and flattened (the new
	// tree keeps what it shares with it by reference count)
	defer ts.Close()
	for i, e := range edits {
		before := oldSrcs[i]
		var after []byte
		if i+1 < len(oldSrcs) {
			after = oldSrcs[i+1]
		} else {
			after = newSrc
		}
		if e.Start < 0 || e.Start > e.OldEnd || e.OldEnd > len(before) || e.Start > e.NewEnd || e.NewEnd > len(after) {
			return p.Parse(ctx, newSrc)
		}
		e.startPt = pointAt(before, e.Start)
		e.oldEndPt = pointAt(before, e.OldEnd)
		e.newEndPt = pointAt(after, e.NewEnd)
		editTree(ts, e)
	}
	if len(newSrc) > MaxSourceSize {
		return nil, ErrTooLarge
	}
	nts, err := p.p.ParseCtx(ctx, ts, newSrc)
	if err != nil {
		return nil, err
	}
	var nodes []node
	if len(edits) == 1 {
		nodes = spliceFlatten(nts, ts, old.tree, edits[0])
	} else {
		nodes = flatten(nts, make([]node, 0, len(old.tree.nodes)+64))
	}
	return &Document{ts: nts, tree: &Tree{src: newSrc, nodes: nodes}}, nil
}

func pointAt(src []byte, off int) point {
	row := bytes.Count(src[:off], []byte{'\n'})
	col := off - (bytes.LastIndexByte(src[:off], '\n') + 1)
	return point{uint32(row), uint32(col)}
}

func (p *Parser) parse(ctx context.Context, old *sitter.Tree, src []byte) (*Document, error) {
	if len(src) > MaxSourceSize {
		return nil, ErrTooLarge
	}
	ts, err := p.p.ParseCtx(ctx, old, src)
	if err != nil {
		return nil, err
	}
	if ts == nil {
		return nil, fmt.Errorf("parse failed")
	}
	return &Document{ts: ts, tree: &Tree{src: src, nodes: flatten(ts, make([]node, 0, len(src)/3+16))}}, nil
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
