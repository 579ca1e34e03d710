package lsp

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/notebook"
)

// Jupyter notebooks (LSP 3.17 notebook document sync). The client sends a notebook's
// Python cells with notebookDocument/didOpen, didChange, didSave and didClose; the server
// keeps them in a notebookDoc and analyses their virtual module (package notebook: the
// code cells in order, IPython magics blanked) as one hidden document of the document
// store, keyed by notebookKey. So the notebook is one module (a name cell 1 defines is
// known in cell 3), and the analysis worker, incremental reparse and cancellation of text
// documents serve notebooks unchanged: each change of cells becomes one edit of the
// module's text. A result is split by cell (cellLayout, splitCells): diagnostics are
// published per cell document URI, in the cell's own positions (its lineIndex,
// position.go), and only for cells whose diagnostics changed or whose text did; hover,
// code actions and code lens answer on cell URIs through a docView (views.go).
//
// Cell diagnostics are pushed (textDocument/publishDiagnostics) also to clients that pull
// diagnostics, and a pull for a cell answers an empty report: vscode-languageclient 9
// pulls only for documents of editor tabs, which cells are not, so pulled diagnostics of
// cells would never be asked for (and a change in cell 1 that changes cell 3's findings
// could not reach cell 3). Pushed ones reach every client.
//
// A client without notebook support that opens an .ipynb file as text gets nothing: the
// file is JSON, not Python (isPython).

// notebookSelectors are the notebooks the server asks to be synced: the Python cells of
// Jupyter notebooks, on disk or not.
var notebookSelectors = []notebookSelector{{
	Notebook: &notebookDocumentFilter{NotebookType: "jupyter-notebook"},
	Cells:    []notebookCellSelector{{Language: "python"}},
}}

// notebookDoc is one open notebook. Every field is guarded by Server.mu.
type notebookDoc struct {
	uri          protocol.DocumentURI
	notebookType string
	version      int32
	cells        []*nbCell // the synced cells, in notebook order
	doc          *document // the module's document (its text is the module of cells)
	// published holds, per cell URI, the diagnostics last published.
	published map[protocol.DocumentURI]cellReport
}

// cellReport is the diagnostics a cell was last given: their id (a hash of them) for the
// cell's text version.
type cellReport struct {
	id      string
	version int32
}

// nbCell is one synced cell.
type nbCell struct {
	uri        protocol.DocumentURI
	kind       int
	languageID string
	version    int32
	text       []byte // never modified in place
	lines      *lineIndex
	part       notebook.Part // the cell's neutralised code (Part.ID unset)
}

// python reports whether the cell is Python code, part of the module.
func (c *nbCell) python() bool {
	return c.kind == cellKindCode && strings.HasPrefix(strings.ToLower(c.languageID), "python")
}

func (c *nbCell) setText(text []byte) {
	c.text = text
	c.lines = newLineIndex(text)
	c.part = notebook.NewPart(0, text)
}

// cellLayout says which cell each part of a notebook module's text is. It is immutable:
// a result keeps the layout of the text it analysed.
type cellLayout struct {
	notebook protocol.DocumentURI
	mod      *notebook.Module
	cells    []layoutCell // by part of mod
}

type layoutCell struct {
	uri     protocol.DocumentURI
	version int32
	lines   *lineIndex // of the cell's text (mod.Parts[i].Source)
}

// index returns the part of a cell URI, or -1.
func (l *cellLayout) index(uri protocol.DocumentURI) int {
	for i, c := range l.cells {
		if c.uri == uri {
			return i
		}
	}
	return -1
}

// location places a byte range of the module in the cell that holds its start; a range
// past the cell's end is cut there.
func (l *cellLayout) location(start, end int, enc encoding) (int, protocol.Location, bool) {
	i, local := l.mod.Locate(start)
	if i < 0 {
		return -1, protocol.Location{}, false
	}
	e := min(max(end, start), l.mod.End(i)) - l.mod.Starts[i]
	return i, protocol.Location{URI: l.cells[i].uri, Range: l.cells[i].lines.rangeOf(local, e, enc)}, true
}

// notebookKey is the key of a notebook's module document in Server.docs: a URI no client
// uses, so that text synchronisation of the notebook file itself never reaches it.
func notebookKey(uri protocol.DocumentURI) protocol.DocumentURI {
	return protocol.DocumentURI("exportdb-notebook:" + string(uri))
}

// layout assembles the module of the notebook's Python cells.
func (nb *notebookDoc) layout() *cellLayout {
	l := &cellLayout{notebook: nb.uri}
	var parts []notebook.Part
	for i, c := range nb.cells {
		if !c.python() {
			continue
		}
		p := c.part
		p.ID = i // the cell's index in the client's list, markdown cells counted, as check counts
		parts = append(parts, p)
		l.cells = append(l.cells, layoutCell{uri: c.uri, version: c.version, lines: c.lines})
	}
	l.mod = notebook.Assemble(parts)
	return l
}

func (nb *notebookDoc) cell(uri protocol.DocumentURI) *nbCell {
	for _, c := range nb.cells {
		if c.uri == uri {
			return c
		}
	}
	return nil
}

// newCellLocked makes a synced cell, with its text from texts when the client sent it.
// The notebook claims the cell's URI: a text document open under it is closed.
func (s *Server) newCellLocked(nb *notebookDoc, c notebookCell, texts map[protocol.DocumentURI]protocol.TextDocumentItem) *nbCell {
	cell := &nbCell{uri: c.Document, kind: c.Kind}
	if td, ok := texts[c.Document]; ok {
		cell.languageID, cell.version = string(td.LanguageID), td.Version
		cell.setText([]byte(td.Text))
	} else {
		cell.setText(nil)
	}
	if other := s.cells[c.Document]; other != nil && other != nb {
		s.log.Warn("a cell document moved to another notebook", zap.String("cell", string(c.Document)),
			zap.String("from", string(other.uri)), zap.String("to", string(nb.uri)))
	}
	s.cells[c.Document] = nb
	if d := s.docs[c.Document]; d != nil {
		s.closeLocked(d) // opened as a text document before the notebook: the notebook has it now
	}
	return cell
}

// dropCellLocked forgets a cell URI the notebook no longer has.
func (s *Server) dropCellLocked(nb *notebookDoc, uri protocol.DocumentURI) {
	if s.cells[uri] == nb && nb.cell(uri) == nil {
		delete(s.cells, uri)
	}
}

func (s *Server) didOpenNotebook(_ context.Context, params json.RawMessage) (any, error) {
	var p didOpenNotebookDocumentParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	nd := p.NotebookDocument
	if nd.URI == "" {
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, "notebookDocument/didOpen: notebookDocument.uri is empty")
	}
	texts := map[protocol.DocumentURI]protocol.TextDocumentItem{}
	for _, td := range p.CellTextDocuments {
		texts[td.URI] = td
	}
	s.mu.Lock()
	var cleared []protocol.DocumentURI
	if old := s.notebooks[nd.URI]; old != nil {
		s.log.Warn("notebookDocument/didOpen for an open notebook; reopened", zap.String("uri", string(nd.URI)))
		cleared = s.closeNotebookLocked(old)
	}
	nb := &notebookDoc{uri: nd.URI, notebookType: nd.NotebookType, version: nd.Version,
		published: map[protocol.DocumentURI]cellReport{}}
	for _, c := range nd.Cells {
		nb.cells = append(nb.cells, s.newCellLocked(nb, c, texts))
	}
	l := nb.layout()
	d := s.openLocked(notebookKey(nd.URI), nd.Version, l.mod.Text, newLineIndex(l.mod.Text))
	d.path = uriToPath(nd.URI) // before anyone sees d: the notebook's configuration applies
	d.notebook, d.cells = nb, l
	nb.doc = d
	s.notebooks[nd.URI] = nb
	s.invalidateLocked(d)
	s.mu.Unlock()
	s.clearCells(cleared)
	return nil, nil
}

func (s *Server) didChangeNotebook(_ context.Context, params json.RawMessage) (any, error) {
	var p didChangeNotebookDocumentParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	uri := p.NotebookDocument.URI
	s.mu.Lock()
	nb := s.notebooks[uri]
	if nb == nil {
		s.mu.Unlock()
		s.log.Warn("notebookDocument/didChange for a notebook that is not open", zap.String("uri", string(uri)))
		return nil, nil
	}
	if p.NotebookDocument.Version < nb.version {
		s.mu.Unlock()
		s.log.Warn("notebookDocument/didChange with an older version; ignored", zap.String("uri", string(uri)),
			zap.Int32("version", p.NotebookDocument.Version), zap.Int32("current", nb.version))
		return nil, nil
	}
	s.pauses.changed(time.Now(), s.analysingLocked())
	enc := s.client.encoding
	var removed []protocol.DocumentURI
	if ch := p.Change.Cells; ch != nil {
		if st := ch.Structure; st != nil {
			texts := map[protocol.DocumentURI]protocol.TextDocumentItem{}
			for _, td := range st.DidOpen {
				texts[td.URI] = td
			}
			start, del := int(st.Array.Start), int(st.Array.DeleteCount)
			if start > len(nb.cells) || del > len(nb.cells)-start {
				s.log.Warn("notebookDocument/didChange: cell array change outside the notebook; clamped", zap.String("uri", string(uri)),
					zap.Uint32("start", st.Array.Start), zap.Uint32("deleteCount", st.Array.DeleteCount), zap.Int("cells", len(nb.cells)))
				start = min(start, len(nb.cells))
				del = min(del, len(nb.cells)-start)
			}
			old := nb.cells[start : start+del]
			var added []*nbCell
			for _, c := range st.Array.Cells {
				if prev := nb.cell(c.Document); prev != nil && texts[c.Document].URI == "" {
					added = append(added, prev) // moved: the same cell document
					continue
				}
				added = append(added, s.newCellLocked(nb, c, texts))
			}
			cells := append(append(append([]*nbCell{}, nb.cells[:start]...), added...), nb.cells[start+del:]...)
			nb.cells = cells
			for _, c := range old {
				if nb.cell(c.uri) == nil {
					s.dropCellLocked(nb, c.uri)
					removed = append(removed, c.uri)
				}
			}
		}
		for _, data := range ch.Data {
			if c := nb.cell(data.Document); c != nil {
				c.kind = data.Kind
			}
		}
		for _, tc := range ch.TextContent {
			c := nb.cell(tc.Document.URI)
			if c == nil {
				s.log.Warn("notebookDocument/didChange: text of a cell the notebook does not have; ignored",
					zap.String("uri", string(uri)), zap.String("cell", string(tc.Document.URI)))
				continue
			}
			if tc.Document.Version < c.version {
				s.log.Warn("notebookDocument/didChange: an older version of a cell; ignored", zap.String("cell", string(c.uri)),
					zap.Int32("version", tc.Document.Version), zap.Int32("current", c.version))
				continue
			}
			text, _, _, _ := s.applyChanges(c.uri, c.text, c.lines, tc.Changes, enc)
			c.setText(text)
			c.version = tc.Document.Version
		}
	}
	nb.version = p.NotebookDocument.Version
	s.commitNotebookLocked(nb)
	var cleared []protocol.DocumentURI
	for _, u := range removed {
		if _, ok := nb.published[u]; ok {
			cleared = append(cleared, u)
		}
		delete(nb.published, u)
	}
	s.mu.Unlock()
	s.clearCells(cleared)
	return nil, nil
}

// commitNotebookLocked makes the notebook's current cells its module document's text: one
// edit (the differing middle of the old and new module), so the reparse is incremental,
// and a new analysis.
func (s *Server) commitNotebookLocked(nb *notebookDoc) {
	d := nb.doc
	l := nb.layout()
	old, text := d.text, l.mod.Text
	start, end := diffBounds(old, string(text))
	var edits []pendingEdit
	if newEnd := len(text) - (len(old) - end); start != end || newEnd != start {
		edits = []pendingEdit{{edit: syntax.Edit{Start: start, OldEnd: end, NewEnd: newEnd}, before: old}}
	}
	s.commitChangeLocked(d, nb.version, text, newLineIndex(text), edits, false)
	d.cells = l
	s.invalidateLocked(d)
}

func (s *Server) didSaveNotebook(_ context.Context, params json.RawMessage) (any, error) {
	var p didSaveNotebookDocumentParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	// nothing to do: the cells are analysed as they change, and a notebook is not a
	// configuration file
	s.log.Debug("notebook saved", zap.String("uri", string(p.NotebookDocument.URI)))
	return nil, nil
}

func (s *Server) didCloseNotebook(_ context.Context, params json.RawMessage) (any, error) {
	var p didCloseNotebookDocumentParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	s.mu.Lock()
	nb := s.notebooks[p.NotebookDocument.URI]
	var cleared []protocol.DocumentURI
	if nb != nil {
		cleared = s.closeNotebookLocked(nb)
	}
	s.mu.Unlock()
	if nb == nil {
		s.log.Warn("notebookDocument/didClose for a notebook that is not open", zap.String("uri", string(p.NotebookDocument.URI)))
		return nil, nil
	}
	s.clearCells(cleared)
	return nil, nil
}

// closeNotebookLocked closes a notebook and returns the cells that have diagnostics to
// clear.
func (s *Server) closeNotebookLocked(nb *notebookDoc) []protocol.DocumentURI {
	delete(s.notebooks, nb.uri)
	var cleared []protocol.DocumentURI
	for _, c := range nb.cells {
		if s.cells[c.uri] == nb {
			delete(s.cells, c.uri)
		}
		if _, ok := nb.published[c.uri]; ok {
			cleared = append(cleared, c.uri)
		}
	}
	for u := range nb.published {
		if nb.cell(u) == nil {
			cleared = append(cleared, u)
		}
	}
	s.closeLocked(nb.doc)
	return cleared
}

// clearCells publishes empty diagnostics for cells that left a notebook or whose notebook
// closed.
func (s *Server) clearCells(uris []protocol.DocumentURI) {
	for _, u := range uris {
		s.notify("textDocument/publishDiagnostics", publishDiagnosticsParams{URI: u, Diagnostics: []protocol.Diagnostic{}})
	}
}

// splitCells converts a notebook module's result into diagnostics per cell.
func (s *Server) splitCells(res *docResult, l *cellLayout, enc encoding, related bool) {
	res.cells = l
	res.cellDiags = make([][]protocol.Diagnostic, len(l.cells))
	res.cellShown = make([][]int, len(l.cells))
	for i := range res.cellDiags {
		res.cellDiags[i] = []protocol.Diagnostic{}
	}
	if res.fileErr != nil {
		// the reason the module was not analysed goes on the cell where it is
		dg := fileErrorDiagnostic(res.lines, res.fileErr, enc)
		off, _ := res.lines.offset(dg.Range.Start, enc)
		if i, loc, ok := l.location(off, off, enc); ok {
			dg.Range = loc.Range
			res.cellDiags[i] = []protocol.Diagnostic{dg}
		}
		return
	}
	for fi := range res.findings {
		f := &res.findings[fi]
		part, _ := l.mod.Locate(f.Start)
		if part < 0 {
			continue
		}
		dg, ok := diagnosticOf(f, related, enc, func(start, end int) (protocol.Location, bool) {
			_, loc, ok := l.location(start, end, enc)
			return loc, ok
		})
		if !ok {
			continue
		}
		res.cellDiags[part] = append(res.cellDiags[part], dg)
		res.cellShown[part] = append(res.cellShown[part], fi)
	}
}

// reportID identifies a list of diagnostics, to publish only what changed.
func reportID(diags []protocol.Diagnostic) string {
	b, _ := json.Marshal(diags)
	h := fnv.New64a()
	h.Write(b)
	return "c" + strconv.FormatUint(h.Sum64(), 36)
}

// publishCells pushes the diagnostics of a notebook result's cells: those of each cell
// whose diagnostics changed, or whose text did (a change is always answered), unless the
// notebook moved on or closed meanwhile.
func (s *Server) publishCells(d *document, res *docResult) {
	d.pubMu.Lock()
	defer d.pubMu.Unlock()
	s.mu.Lock()
	nb := d.notebook
	ok := !d.closed && d.epoch == res.epoch && d.published != res.epoch+1
	var out []publishDiagnosticsParams
	if ok {
		d.published = res.epoch + 1
		for i, c := range res.cells.cells {
			id := reportID(res.cellDiags[i])
			if last, seen := nb.published[c.uri]; seen && last.id == id && last.version == c.version {
				continue
			}
			nb.published[c.uri] = cellReport{id: id, version: c.version}
			v := c.version
			out = append(out, publishDiagnosticsParams{URI: c.uri, Version: &v, Diagnostics: res.cellDiags[i]})
		}
		// cells still in the notebook but no longer in the module (turned markdown or
		// another language) keep nothing
		for u := range nb.published {
			if res.cells.index(u) < 0 {
				delete(nb.published, u)
				out = append(out, publishDiagnosticsParams{URI: u, Diagnostics: []protocol.Diagnostic{}})
			}
		}
	}
	s.mu.Unlock()
	for _, p := range out {
		s.notify("textDocument/publishDiagnostics", p)
	}
}

// fixAllCells applies, in rounds as fixAll does, every safe fix of a notebook result
// whose edits lie in its cells (in part only, when only >= 0), and returns the module
// after them and how many it applied.
func (s *Server) fixAllCells(ctx context.Context, res *docResult, only int) (*notebook.Module, int, error) {
	mod := res.cells.mod
	findings := res.findings
	opts := keystrokeOptions(res.cfg.options(res.path))
	applied := 0
	for round := 0; round < 10; round++ {
		var chosen []analysis.Edit
		taken := 0
		for i := range findings {
			f := &findings[i]
			if _, shown := lspSeverity(f.Severity); !shown {
				continue
			}
			for _, fx := range f.Fixes {
				if fx.Safety != analysis.Safe || fx.Elsewhere() || overlapsAny(chosen, fx.Edits) {
					continue
				}
				parts, err := mod.Split(fx.Edits)
				if err != nil || only >= 0 && (len(parts) != 1 || parts[only] == nil) {
					continue
				}
				chosen = append(chosen, fx.Edits...)
				taken++
				break
			}
		}
		if taken == 0 {
			break
		}
		next, err := mod.Apply(chosen)
		if err != nil {
			break
		}
		mod = next
		applied += taken
		p, err := s.parser(ctx)
		if err != nil {
			return nil, 0, err
		}
		file, err := analysis.Parse(ctx, p, mod.Text)
		s.release(p)
		if err != nil {
			break
		}
		findings = analysis.Analyze(ctx, file, s.rules, opts).Findings
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
	}
	return mod, applied, nil
}

// cellsEdit is the workspace edit that turns the cells of l into those of fixed: one
// edit (the differing middle) per changed cell, on the cell's document.
func cellsEdit(l *cellLayout, fixed *notebook.Module, c clientState) *protocol.WorkspaceEdit {
	we := &protocol.WorkspaceEdit{}
	for i, p := range fixed.Parts {
		old := l.mod.Parts[i].Source
		if string(old) == string(p.Source) {
			continue
		}
		e := wholeEdit(old, p.Source)
		te := protocol.TextEdit{Range: l.cells[i].lines.rangeOf(e.Start, e.End, c.encoding), NewText: e.NewText}
		addEdit(we, c, l.cells[i].uri, l.cells[i].version, []protocol.TextEdit{te})
	}
	return we
}

// addEdit adds text edits of one document to a workspace edit: versioned
// documentChanges when the client supports them, else changes.
func addEdit(we *protocol.WorkspaceEdit, c clientState, uri protocol.DocumentURI, version int32, tes []protocol.TextEdit) {
	if c.docChanges {
		v := version
		we.DocumentChanges = append(we.DocumentChanges, protocol.TextDocumentEdit{
			TextDocument: protocol.OptionalVersionedTextDocumentIdentifier{
				TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: uri}, Version: &v},
			Edits: tes})
		return
	}
	if we.Changes == nil {
		we.Changes = map[protocol.DocumentURI][]protocol.TextEdit{}
	}
	we.Changes[uri] = append(we.Changes[uri], tes...)
}
