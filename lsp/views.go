package lsp

import (
	"bytes"
	"context"
	"sort"

	"go.lsp.dev/protocol"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/internal/safefile"
)

// docView is what a request about one document (hover, code action, code lens, pull
// diagnostics) sees of an analysis result: the whole result for a text document; for a
// notebook cell, the cell's part of its notebook's module. Offsets are the result's
// (byte offsets of res.text); positions are the document's, converted by its lineIndex.
type docView struct {
	res     *docResult
	uri     protocol.DocumentURI
	version int32
	base    int        // offset in res.text where the document's text starts
	end     int        // offset in res.text where it ends
	text    []byte     // the document's text: res.text[base:end] as written
	lines   *lineIndex // of text
	diags   []protocol.Diagnostic
	shown   []int // shown[i] indexes res.findings for diags[i]
	part    int   // the cell's part of res.cells; -1 for a text document
}

// view waits for the analysis of a document's current text, as result does, and returns
// the document's view of it. A cell of an open notebook is answered from its notebook; a
// cell that is not part of the module (markdown) gets errNoDocument, as a document that is
// not open does.
func (s *Server) view(ctx context.Context, uri protocol.DocumentURI) (*docView, error) {
	s.mu.Lock()
	nb := s.cells[uri]
	var key protocol.DocumentURI
	if nb != nil {
		key = nb.doc.uri
	}
	s.mu.Unlock()
	if nb == nil {
		res, err := s.result(ctx, uri)
		if err != nil {
			return nil, err
		}
		return &docView{res: res, uri: uri, version: res.version, end: len(res.text), text: res.text, lines: res.lines,
			diags: res.diags, shown: res.shown, part: -1}, nil
	}
	res, err := s.result(ctx, key)
	if err != nil {
		return nil, err
	}
	i := res.cells.index(uri)
	if i < 0 {
		return nil, errNoDocument
	}
	l := res.cells
	return &docView{res: res, uri: uri, version: l.cells[i].version, base: l.mod.Starts[i], end: l.mod.End(i),
		text: l.mod.Parts[i].Source, lines: l.cells[i].lines, diags: res.cellDiags[i], shown: res.cellShown[i], part: i}, nil
}

// offset converts a position of the document to an offset of the result.
func (v *docView) offset(p protocol.Position, enc encoding) int {
	off, _ := v.lines.offset(p, enc)
	return v.base + off
}

// rangeOf converts a range of the result to the document's positions; the parts outside
// the document clamp to its ends.
func (v *docView) rangeOf(start, end int, enc encoding) protocol.Range {
	clamp := func(o int) int { return min(max(o, v.base), v.end) - v.base }
	return v.lines.rangeOf(clamp(start), clamp(end), enc)
}

// holds reports whether an offset of the result lies in the document.
func (v *docView) holds(off int) bool { return v.base <= off && off <= v.end }

// edit turns edits of the result's text into a WorkspaceEdit: for a text document, of it;
// for a cell, of the cells the edits fall in (a fix may edit another cell, say an import
// at the top of the notebook). It returns nil when an edit lies in no one cell.
func (s *Server) edit(v *docView, c clientState, edits []analysis.Edit) *protocol.WorkspaceEdit {
	sorted := append([]analysis.Edit(nil), edits...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
	we := &protocol.WorkspaceEdit{}
	if v.part < 0 {
		tes := make([]protocol.TextEdit, len(sorted))
		for i, e := range sorted {
			tes[i] = protocol.TextEdit{Range: v.lines.rangeOf(e.Start, e.End, c.encoding), NewText: e.NewText}
		}
		addEdit(we, c, v.uri, v.version, tes)
		return we
	}
	l := v.res.cells
	byPart, err := l.mod.Split(sorted)
	if err != nil {
		return nil
	}
	for i := range l.cells {
		es := byPart[i]
		if len(es) == 0 {
			continue
		}
		tes := make([]protocol.TextEdit, len(es))
		for k, e := range es {
			tes[k] = protocol.TextEdit{Range: l.cells[i].lines.rangeOf(e.Start, e.End, c.encoding), NewText: e.NewText}
		}
		addEdit(we, c, l.cells[i].uri, l.cells[i].version, tes)
	}
	return we
}

// fixAllOf is the edit that applies the safe fixes of a document: a text document, a
// notebook cell, or a whole notebook (by its URI, or its module's key in Server.docs).
func (s *Server) fixAllOf(ctx context.Context, uri protocol.DocumentURI, c clientState) (*protocol.WorkspaceEdit, int, error) {
	s.mu.Lock()
	var key protocol.DocumentURI
	if nb := s.notebooks[uri]; nb != nil {
		key = nb.doc.uri
	} else if d := s.docs[uri]; d != nil && d.notebook != nil {
		key = uri
	}
	s.mu.Unlock()
	if key != "" {
		res, err := s.result(ctx, key)
		if err != nil || res.file == nil {
			return nil, 0, err
		}
		fixed, n, err := s.fixAllCells(ctx, res, -1)
		if err != nil || n == 0 {
			return nil, n, err
		}
		return cellsEdit(res.cells, fixed, c), n, nil
	}
	v, err := s.view(ctx, uri)
	if err != nil || v.res.file == nil {
		return nil, 0, err
	}
	return s.fixAllEdit(ctx, v, c)
}

// fixAllEdit is the edit that applies the safe fixes of a view's document (fixAll): of a
// cell, the fixes that edit that cell alone. n is how many fixes it applies.
func (s *Server) fixAllEdit(ctx context.Context, v *docView, c clientState) (*protocol.WorkspaceEdit, int, error) {
	if v.part >= 0 {
		fixed, n, err := s.fixAllCells(ctx, v.res, v.part)
		if err != nil || n == 0 {
			return nil, n, err
		}
		return cellsEdit(v.res.cells, fixed, c), n, nil
	}
	fixed, n, err := s.fixAll(ctx, v.res)
	if err != nil || n == 0 {
		return nil, n, err
	}
	return s.edit(v, c, []analysis.Edit{wholeEdit(v.res.text, fixed)}), n, nil
}

// editElsewhere is the edit of a fix whose edits lie in another file (the dynamic_shapes of
// an export call): the open document's version when the editor has the file open, the
// file on disk otherwise; nil when that text is no longer the one the fix was made for.
func (s *Server) editElsewhere(c clientState, fx analysis.Fix) *protocol.WorkspaceEdit {
	uri := pathToURI(fx.Path)
	s.mu.Lock()
	var version *int32
	d := s.docs[uri]
	if d != nil && !d.closed {
		if !bytes.Equal(d.text, fx.Src) {
			s.mu.Unlock()
			return nil
		}
		v := d.version
		version = &v
	}
	s.mu.Unlock()
	if version == nil {
		disk, err := safefile.Read(fx.Path, maxEditorSource)
		if err != nil || !bytes.Equal(disk, fx.Src) {
			return nil
		}
	}
	lines := newLineIndex(fx.Src)
	tes := make([]protocol.TextEdit, len(fx.Edits))
	for i, e := range fx.Edits {
		tes[i] = protocol.TextEdit{Range: lines.rangeOf(e.Start, e.End, c.encoding), NewText: e.NewText}
	}
	we := &protocol.WorkspaceEdit{}
	if c.docChanges {
		we.DocumentChanges = []protocol.TextDocumentEdit{{
			TextDocument: protocol.OptionalVersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: uri}, Version: version},
			Edits:        tes,
		}}
		return we
	}
	we.Changes = map[protocol.DocumentURI][]protocol.TextEdit{uri: tes}
	return we
}
