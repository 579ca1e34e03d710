package syntax

import (
	"bytes"
	"context"
	"sort"
)

// Reparsing one statement alone.
//
// tree-sitter's incremental reparse of a file costs time in proportion to the root's
// children, whatever the edit: about 1.2 ms for a keystroke in a 5,700-line model of 734
// top-level statements, against 0.02 ms for the same keystroke in the 31-line class it
// falls in, reparsed as a file of its own. So while someone types inside one top-level
// statement, the document keeps a tree-sitter tree of that statement's text alone (a
// piece) and reparses only it; the flat tree is spliced as before, the new statement's
// nodes moved to where the statement starts. The first keystroke in a statement parses the
// statement alone from scratch (up to maxPieceStart) when the file's tree-sitter tree is up
// to date (the server settles it once a keystroke's diagnostics are out), and reparses the
// file otherwise; the next ones reparse that piece. The whole file's tree-sitter tree stays
// as it was (the base): an edit the piece cannot take (one that breaks the statement's
// first line) reparses the base after one edit covering all the piece's, and an edit
// elsewhere first brings the base up to the text before it (catchUp), so that its splice
// names that text as its origin.
//
// A statement parses alone as it does in its file when the statement starts a line at
// column 0 and ends one (the next top-level statement starts a line too), and the text
// around it is free of syntax errors: Python's top-level statements are separated by
// newlines at indentation 0, where the tokenizer's state is the same as at the start of a
// file. Anything less certain falls back to reparsing the file: an error outside the
// statement, a piece that parses as more or less than one statement, or with anything but
// whitespace after it (a comment, a line continuation), an edit touching the statement's
// first byte or the next statement. TestPieceMatchesFreshParse compares every piece tree of
// a text free of errors with a fresh parse of the whole text.
//
// The statement itself may hold an error while it is typed (x + before the 1): the piece
// is then the statement's own error recovery, which the file's might not be (it could run
// into the next statement). Such a piece is parsed again from scratch at each keystroke (a
// reparse of a broken tree may settle otherwise than a fresh parse), and never catches up:
// see reparseFromBase.

// piece is the tree-sitter tree of one root child's text alone.
type piece struct {
	ts    *tsTree
	kid   int // which of the root's children
	start int // the child's first byte in the document's text
}

// maxPieceStart bounds the statement the first keystroke in it parses alone from scratch
// (about 0.3 ms a kilobyte, against 2 ms or so for the file's incremental reparse and the
// flat copy of what it changed): a larger one stays with the file's reparse.
const maxPieceStart = 8 << 10

// kidAt returns the root child of t whose text [start, end) holds the edit e strictly
// (neither its first byte nor the next child's is touched), with both starting a line;
// false when there is none. end is the next child's start or the text's end.
func (t *Tree) kidAt(e Edit) (i, start, end int, ok bool) {
	ids := t.kidIDs()
	if len(ids) == 0 {
		return 0, 0, 0, false
	}
	// the last child starting before the edit
	i = sort.Search(len(ids), func(k int) bool { return int(t.nodes[ids[k]].start) >= e.Start }) - 1
	if i < 0 {
		return 0, 0, 0, false
	}
	start, end = int(t.nodes[ids[i]].start), len(t.src)
	if i+1 < len(ids) {
		end = int(t.nodes[ids[i+1]].start)
		if end == 0 || t.src[end-1] != '\n' {
			return 0, 0, 0, false
		}
	}
	if e.OldEnd >= end && i+1 < len(ids) || e.OldEnd > end {
		return 0, 0, 0, false
	}
	if start > 0 && t.src[start-1] != '\n' {
		return 0, 0, 0, false
	}
	return i, start, end, true
}

// reparsePiece reparses the root child of old that the single edit e falls in, alone: from
// old's piece of it, or from scratch when that piece is broken or old's file-level tree is
// its text's (old has no base). It returns nil (and no error) when the edit or the result
// is not one it can take: the caller reparses the file.
func (p *Parser) reparsePiece(ctx context.Context, old *Document, oldSrc []byte, e Edit, newSrc []byte) (*Document, error) {
	ot := old.tree
	if len(ot.nodes) < 2 || len(ot.src) != len(oldSrc) {
		return nil, nil
	}
	i, start, end, ok := ot.kidAt(e)
	if !ok {
		return nil, nil
	}
	inPiece := old.piece != nil && old.piece.kid == i && old.piece.start == start
	// old's text may hold a syntax error only where its piece is: in the statement, when
	// the piece's base (the file's last parse) held none (an error at the root's level, a
	// newline missing between two statements, marks no child, so only the base can say)
	broken := ot.HasError(0)
	if broken && !(inPiece && old.base != nil && !old.base.HasError(0)) {
		return nil, nil
	}
	delta := e.NewEnd - e.OldEnd
	text := newSrc[start : end+delta]
	var from *tsTree // the piece reparsed, or nil to parse the child's text from scratch
	switch {
	case inPiece && !broken:
		from = old.piece.ts.copy()
		defer from.close()
		pe := Edit{Start: e.Start - start, OldEnd: e.OldEnd - start, NewEnd: e.NewEnd - start}
		pe.startPt = pointAt(oldSrc[start:end], pe.Start)
		pe.oldEndPt = pointAt(oldSrc[start:end], pe.OldEnd)
		pe.newEndPt = pointAt(text, pe.NewEnd)
		editTree(from, pe)
	case (inPiece || old.base == nil) && end-start <= maxPieceStart:
		// from scratch: a broken statement (a reparse of a tree with errors may settle
		// otherwise than a fresh parse, even of a text without any), or the first keystroke
		// in a statement of a document whose file's tree-sitter tree is its text's (just
		// reparsed, or settled)
	default:
		return nil, nil
	}
	pts, err := p.parseTS(ctx, from, text)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, nil // over a piece's parse budget: the file's has its own
	}
	tree := spliceKid(pts, ot, i, start, e, text)
	if tree == nil {
		pts.close()
		return nil, nil
	}
	nd := &Document{tree: newTree(tree), piece: &piece{ts: pts, kid: i, start: start}}
	// the file's tree-sitter tree stays the one of the base text, with what changed since
	// in one edit of this child
	nd.ts, nd.kids = old.ts.copy(), old.kids
	if old.base != nil {
		nd.base, nd.sinceBase = old.base, old.sinceBase
		nd.sinceBase.NewEnd += delta
	} else {
		nd.base, nd.sinceBase = ot, Edit{Start: start, OldEnd: end, NewEnd: end + delta}
	}
	return nd, nil
}

// spliceKid returns old's flat tree with root child i, which starts at byte start, replaced
// by the one statement of pts, the tree-sitter tree of its new text alone, after the edit
// e; nil when pts is not that: more or less than one statement, text after it other than
// whitespace (a comment or a line continuation, which its file might place otherwise), or
// a statement with a syntax error that is not of the kind it was (a class whose header is
// broken). A statement holding an error (the "x + " before the 1 is typed) is one the
// piece's error recovery settled within it, where the file's might have run into the next
// statement.
func spliceKid(pts *tsTree, ot *Tree, i, start int, e Edit, text []byte) *Tree {
	proot, pkids := rootKids(pts, nil)
	if len(pkids) != 1 || pkids[0].start != 0 || pkids[0].field != 0 {
		return nil
	}
	if len(bytes.TrimLeft(text[pkids[0].end:], " \t\r\n\f")) > 0 {
		return nil
	}
	ids := ot.kidIDs()
	lo, oldHi := ids[i], NodeID(len(ot.nodes))
	if i+1 < len(ids) {
		oldHi = ids[i+1]
	}
	hull, depth, sum, err := flattenKid(pts, pkids[0], 0, make([]node, 0, int(oldHi-lo)+64), lo)
	if err != nil {
		return nil // too deep: the file's reparse says where
	}
	// an error must be the statement's (not one at the piece root's level), and leave it of
	// the kind it was
	broken := proot.flags&flagHasError != 0
	if broken && (len(hull) == 0 || hull[0].kind != ot.nodes[lo].kind || hull[0].flags&(flagHasError|flagError|flagMissing) == 0) {
		return nil
	}
	for k := range hull {
		hull[k].start += uint32(start)
		hull[k].end += uint32(start)
	}
	root := ot.nodes[0]
	// the other children hold no error (reparsePiece): the root has one if this one has
	root.flags &^= flagHasError
	if broken {
		root.flags |= flagHasError
	}
	if i+1 < len(ids) {
		root.end = uint32(int(root.end) + e.NewEnd - e.OldEnd)
	} else {
		root.end = uint32(start) + proot.end
	}
	oldStats := kidStats(ot)
	stats := append(append(make([]kidStat, 0, len(oldStats)), oldStats[:i]...), kidStat{depth: 1 + int32(depth), sum: sum + int64(len(hull))})
	kidNodes := append(make([]NodeID, 0, len(ids)), ids[:i+1]...)
	t, err := joinSplice(ot, root, lo, oldHi, hull, e, stats, kidNodes, oldStats[i+1:], ids[i+1:])
	if err != nil {
		return nil // too deep: the file's reparse says where
	}
	return t
}

// reparseFromBase reparses old's file after the edit e inside old's piece (one the piece
// could not take: it broke the statement's first line, say), or anywhere when the piece
// holds a syntax error, in one reparse of the base's tree-sitter tree, after one edit
// covering the piece's changes and e, and names old as the splice's origin. It returns nil
// (and no error) when e lies outside an unbroken piece, or the base's splice does not
// cover the piece's child (the caller catches up instead; a broken piece's document is
// parsed from scratch).
//
// A broken piece's flat tree is the statement's own error recovery, not the file's, so
// its document never catches up (Settle leaves it): a reparse from its file's tree-sitter
// tree would copy what that tree reused as the flat tree has it, which it does not.
func (p *Parser) reparseFromBase(ctx context.Context, old *Document, e Edit, newSrc []byte) (*Document, error) {
	since := old.sinceBase
	if old.piece == nil {
		return nil, nil
	}
	inside := e.Start > since.Start && e.OldEnd < since.NewEnd
	broken := old.pieceBroken()
	if !inside && !broken {
		return nil, nil
	}
	// one edit of the base's text covering the piece's changes and e (in old's text, the
	// bytes from s to end)
	s, hi := min(since.Start, e.Start), max(since.NewEnd, e.OldEnd)
	both := tight(Edit{Start: s, OldEnd: hi - (since.NewEnd - since.OldEnd), NewEnd: hi + e.NewEnd - e.OldEnd}, old.base.src, newSrc)
	base := &Document{ts: old.ts, tree: old.base, kids: old.kids}
	nd, err := p.Reparse(ctx, base, [][]byte{old.base.src}, []Edit{both}, newSrc)
	if err != nil || nd == nil {
		return nd, err
	}
	sp := nd.tree.splice
	ids := old.base.kidIDs()
	i := old.piece.kid
	end := NodeID(len(old.base.nodes))
	if i+1 < len(ids) {
		end = ids[i+1]
	}
	if sp == nil || !sp.From(old.base) || sp.Lo > ids[i] || sp.OldHi < end {
		nd.Close()
		if broken {
			// old's flat tree is not its file's parse there: nothing to splice from
			return p.Parse(ctx, newSrc)
		}
		return nil, nil
	}
	// old differs from the base inside the piece's child only: the splice from the base
	// covers it, and what follows it in old is the base's, moved
	nd.tree.splice = &Splice{Lo: sp.Lo, OldHi: sp.OldHi + NodeID(len(old.tree.nodes)-len(old.base.nodes)), NewHi: sp.NewHi,
		Edit: e, from: old.tree.id}
	return nd, nil
}

// pieceBroken reports whether d's piece holds a syntax error (the only one its text can
// hold: see reparsePiece).
func (d *Document) pieceBroken() bool { return d.piece != nil && d.tree.HasError(0) }

// Lags reports whether d's edits were reparsed in a piece that Settle can bring its file's
// tree-sitter tree up to: the tree is an earlier text's, which an edit in another statement
// otherwise first brings up to date. A piece holding a syntax error does not settle (see
// reparseFromBase).
func (d *Document) Lags() bool { return d != nil && d.ts != nil && d.base != nil && !d.pieceBroken() }

// Settle returns d with its file's tree-sitter tree brought up to d's text when it lags
// (one reparse of the file, which the editor can spend while nobody types), or d itself.
// The piece stays: the next edit in its statement still reparses only the statement. d is
// left as it was.
func (p *Parser) Settle(ctx context.Context, d *Document) (*Document, error) {
	if !d.Lags() {
		return d, nil
	}
	nd, err := p.catchUp(ctx, d)
	if err != nil {
		return nil, err
	}
	if d.piece != nil {
		nd.piece = &piece{ts: d.piece.ts.copy(), kid: d.piece.kid, start: d.piece.start}
	}
	return nd, nil
}

// catchUp returns old with a tree-sitter tree of its own text: its base's, reparsed after
// one edit covering what the pieces changed since. old's flat tree is the new tree's
// flatten (what a piece free of errors splices is what the file parses to; a broken piece
// never catches up).
func (p *Parser) catchUp(ctx context.Context, old *Document) (*Document, error) {
	bsrc, src := old.base.src, old.tree.src
	e := tight(old.sinceBase, bsrc, src)
	e.startPt, e.oldEndPt, e.newEndPt = pointAt(bsrc, e.Start), pointAt(bsrc, e.OldEnd), pointAt(src, e.NewEnd)
	ts := old.ts.copy()
	defer ts.close()
	editTree(ts, e)
	nts, err := p.parseTS(ctx, ts, src)
	if err != nil {
		return nil, err
	}
	_, kids := rootKids(nts, make([]kid, 0, len(old.kids)+16))
	return &Document{ts: nts, tree: old.tree, kids: kids}, nil
}

// commonAffixes returns the lengths of the longest common prefix of a and b and of their
// longest common suffix not overlapping it.
func commonAffixes(a, b []byte) (pre, suf int) {
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	return pre, suf
}

// tight returns e, an edit of the text from into the text to, narrowed to where they differ.
func tight(e Edit, from, to []byte) Edit {
	pre, suf := commonAffixes(from[e.Start:e.OldEnd], to[e.Start:e.NewEnd])
	return Edit{Start: e.Start + pre, OldEnd: e.OldEnd - suf, NewEnd: e.NewEnd - suf}
}
