package lsp

import (
	"context"
	"encoding/json"
	"path/filepath"
	"time"

	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// Text synchronisation runs inline on the read loop, so changes apply in wire order. It
// only edits text (one copy of the document per change) and schedules the analysis
// worker; parsing happens there. The text and line index of a document are written only
// here, on the read loop, so they can be read without the lock on this path.

func (s *Server) didOpen(_ context.Context, params json.RawMessage) (any, error) {
	var p protocol.DidOpenTextDocumentParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	td := p.TextDocument
	if !isPython(string(td.LanguageID), td.URI) {
		return nil, nil
	}
	text := []byte(td.Text)
	lines := newLineIndex(text)
	s.mu.Lock()
	if nb := s.cells[td.URI]; nb != nil {
		s.mu.Unlock()
		// a client that also syncs a notebook's cells as text documents: the notebook has it
		s.log.Debug("didOpen of a notebook cell synced with its notebook; ignored", zap.String("uri", string(td.URI)))
		return nil, nil
	}
	d := s.openLocked(td.URI, td.Version, text, lines)
	clearScan := s.client.pull && s.scanned[td.URI]
	delete(s.scanned, td.URI)
	s.invalidateLocked(d)
	s.mu.Unlock()
	if clearScan {
		// A pull client shows pushed and pulled diagnostics side by side: drop the
		// scan's pushed ones now that the document is pulled.
		s.notify("textDocument/publishDiagnostics", publishDiagnosticsParams{URI: td.URI, Diagnostics: []protocol.Diagnostic{}})
	}
	return nil, nil
}

func (s *Server) didChange(_ context.Context, params json.RawMessage) (any, error) {
	var p didChangeTextDocumentParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	uri := p.TextDocument.URI
	s.mu.Lock()
	d := s.docs[uri]
	var (
		text    []byte
		lines   *lineIndex
		version int32
	)
	if d != nil {
		text, lines, version = d.text, d.lines, d.version
	}
	enc := s.client.encoding
	s.mu.Unlock()
	if d == nil {
		s.log.Warn("didChange for a document that is not open", zap.String("uri", string(uri)))
		return nil, nil
	}
	if p.TextDocument.Version < version {
		s.log.Warn("didChange with an older version; ignored", zap.String("uri", string(uri)),
			zap.Int32("version", p.TextDocument.Version), zap.Int32("current", version))
		return nil, nil
	}

	newText, newLines, edits, resync := s.applyChanges(uri, text, lines, p.ContentChanges, enc)

	s.mu.Lock()
	defer s.mu.Unlock()
	if d.closed {
		return nil, nil
	}
	s.pauses.changed(time.Now(), s.analysingLocked())
	s.commitChangeLocked(d, p.TextDocument.Version, newText, newLines, edits, resync)
	s.invalidateLocked(d)
	return nil, nil
}

// commitChangeLocked installs the outcome of applyChanges in d: the new text, and the
// edits for the next incremental reparse (or none: a full reparse, after a resync).
func (s *Server) commitChangeLocked(d *document, version int32, text []byte, lines *lineIndex, edits []pendingEdit, resync bool) {
	s.edited.Store(true) // typing has started: the idle collector touches the heap (pretouch.go)
	d.version = version
	d.text, d.lines = text, lines
	d.kept = nil
	s.touchLocked(d)
	if resync {
		s.dropPendingLocked(d)
		return
	}
	for _, e := range edits {
		s.addPendingLocked(d, e)
	}
}

// applyChanges applies content changes in order. A change without a range replaces the
// whole text; it is turned into the smallest edit (common prefix and suffix kept) so the
// reparse stays incremental for clients that always send the full text (ALE). A range
// that lies outside the text is logged, clamped, and forces a full reparse (resync).
func (s *Server) applyChanges(uri protocol.DocumentURI, text []byte, lines *lineIndex, changes []textDocumentContentChangeEvent, enc encoding) ([]byte, *lineIndex, []pendingEdit, bool) {
	var edits []pendingEdit
	resync := false
	for _, ch := range changes {
		var start, end int
		if ch.Range == nil {
			start, end = diffBounds(text, ch.Text)
		} else {
			var ok1, ok2 bool
			start, ok1 = lines.offset(ch.Range.Start, enc)
			end, ok2 = lines.offset(ch.Range.End, enc)
			if !ok1 || !ok2 || end < start {
				s.log.Warn("didChange range outside the document; clamped, full reparse",
					zap.String("uri", string(uri)), zap.Any("range", ch.Range), zap.Int("lines", lines.lineCount()))
				resync = true
				if end < start {
					start, end = end, start
				}
			}
		}
		newText := ch.Text
		if ch.Range == nil {
			newText = ch.Text[start : len(ch.Text)-(len(text)-end)]
		}
		next := make([]byte, 0, len(text)-(end-start)+len(newText))
		next = append(next, text[:start]...)
		next = append(next, newText...)
		next = append(next, text[end:]...)
		edits = append(edits, pendingEdit{edit: syntax.Edit{Start: start, OldEnd: end, NewEnd: start + len(newText)}, before: text})
		lines = lines.edited(next, start, end, start+len(newText))
		text = next
	}
	return text, lines, edits, resync
}

// diffBounds returns the byte range [start, end) of old that differs from new, keeping the
// longest common prefix and then the longest common suffix of the rest. The replacement
// text is new[start : len(new)-(len(old)-end)].
func diffBounds(old []byte, new string) (start, end int) {
	n := min(len(old), len(new))
	for start < n && old[start] == new[start] {
		start++
	}
	// back off to a character boundary so edits never split a UTF-8 sequence
	for start > 0 && start < len(old) && old[start]&0xC0 == 0x80 {
		start--
	}
	i, j := len(old), len(new)
	for i > start && j > start && old[i-1] == new[j-1] {
		i--
		j--
	}
	for i < len(old) && old[i]&0xC0 == 0x80 {
		i++
		j++
	}
	return start, i
}

func (s *Server) didClose(_ context.Context, params json.RawMessage) (any, error) {
	var p protocol.DidCloseTextDocumentParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	s.mu.Lock()
	d := s.docs[p.TextDocument.URI]
	if d != nil {
		s.closeLocked(d)
	}
	s.mu.Unlock()
	if d == nil {
		return nil, nil
	}
	d.pubMu.Lock()
	defer d.pubMu.Unlock()
	s.notify("textDocument/publishDiagnostics", publishDiagnosticsParams{URI: d.uri, Diagnostics: []protocol.Diagnostic{}})
	return nil, nil
}

func (s *Server) didSave(_ context.Context, params json.RawMessage) (any, error) {
	var p protocol.DidSaveTextDocumentParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	if isConfigFile(filepath.Base(uriToPath(p.TextDocument.URI))) {
		s.configFilesChanged()
	}
	s.mu.Lock()
	proj := s.project
	s.mu.Unlock()
	if proj != nil {
		proj.forgetMissing() // a module saved for the first time exists from now on
	}
	return nil, nil
}
