package lsp

import (
	"context"
	"errors"
	"net/url"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"go.lsp.dev/protocol"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// Limits on the edits kept for an incremental reparse. Each pending edit keeps the text
// before it (an immutable snapshot, shared, not copied); past these limits the next parse
// is a full one, which bounds memory under a burst of edits to a huge document.
const (
	maxPendingEdits = 64
	maxPendingBytes = 64 << 20
)

// maxWarm is how many documents keep their syntax tree and analysis result between
// changes. A 2,000-line file's tree-sitter tree and module model take a few megabytes, so
// with hundreds of open files only the most recently used stay warm; the others keep their
// text and are re-analysed when next edited or asked about (hover, code action, ...).
const maxWarm = 8

// document is one open text document. uri and path never change; every other field is
// guarded by Server.mu, except pubMu.
type document struct {
	uri  protocol.DocumentURI
	path string // file-system path of a file: URI, or ""

	version int32
	text    []byte // current text; never modified in place (each change makes a new slice)
	lines   *lineIndex

	// Incremental parse state: parsed is the tree of an earlier text, and pending the
	// edits made since, in order, each with the text before it. gen is bumped whenever
	// pending is dropped (the next parse is then a full one).
	//
	// Tree-sitter trees live in C memory, closed as soon as no goroutine can reach them
	// (syntax.Document.Close) instead of at some later garbage collection. Only a Reparse
	// reads a Document's C tree (analysis reads its Go copy, Tree), and only the
	// document's analysis worker reparses, from the parsed tree of its snapshot. So a tree
	// dropped from parsed is closed at once when no worker runs; while one runs it goes to
	// retired, and the worker closes it when its run is over (retireLocked). A tree the
	// worker replaces in parsed, or parses but does not keep, it closes itself (parse).
	parsed       *syntax.Document
	pending      []pendingEdit
	pendingBytes int
	gen          int
	retired      []*syntax.Document
	// model is the module model of parsed's tree, from which the next reparse's model is
	// built (pysem.NewFileFrom); nil when there is none. It holds one File, never a chain.
	model *pysem.File

	// epoch is bumped by every change of text or configuration. An analysis result is
	// committed only for the epoch it started in; ready is closed when the result of the
	// current epoch is in (or the document closes).
	epoch  int
	result *docResult
	// kept is the result the last invalidation dropped: when the text stayed the same (a
	// neighbour changed), its analysis may be kept (Server.redeclared) or read by the
	// neighbours (Server.neighbourFile). A change of text clears it, but the invalidation
	// that follows keeps the result of the text before: readers compare its text. Nil once
	// the document goes cold.
	kept      *docResult
	ready     chan struct{}
	running   bool               // an analysis worker is running for this document
	cancelRun context.CancelFunc // cancels the running analysis; nil when none
	closed    bool
	lastUse   int64 // Server.tick at the last change or request: the least recent go cold
	failed    int   // epoch+1 of an analysis that panicked (not retried for that epoch)
	published int   // epoch+1 of the last diagnostics published

	// The document in the project (project.go): its module, its linked neighbourhood, its
	// text parsed for neighbours while it has no current analysis, and the surface of its
	// last analysis.
	module string
	deps   map[string]bool // the modules its last analysis linked (read or being read)
	// unsettled holds the open neighbours whose text the last analysis read before their own
	// analysis committed it: the surface it saw of them is unknown, so their next committed
	// analysis re-analyses this document even when their surface did not change.
	unsettled  map[string]bool
	base       *base
	neighbour  *parsedText
	surface    uint64 // the structure part of its last committed analysis's surface (torchsem.File.Surfaces)
	declared   uint64 // the declarations part
	surfaceSet bool

	// pubMu serialises publishDiagnostics for this URI and is held across the write, so
	// a superseded result can never be published after the current one.
	pubMu sync.Mutex

	// A notebook's module (notebook_sync.go): notebook is set at open and never changes;
	// cells is the layout of text, replaced with it. Both nil for a text document.
	notebook *notebookDoc
	cells    *cellLayout
}

// pendingEdit is one edit since the parsed tree, with the text it was applied to.
type pendingEdit struct {
	edit   syntax.Edit
	before []byte
}

// docResult is one completed analysis of one text. It is immutable once committed.
type docResult struct {
	epoch    int
	version  int32
	path     string // the document's path ("" when not a file)
	text     []byte
	lines    *lineIndex
	file     *analysis.File // nil when the text could not be analysed
	findings []analysis.Finding
	fileErr  error // why the text was not analysed
	cfg      *projectConfig
	// base is the neighbourhood file was linked with (nil: none, or linked on its own); a
	// result that kept an earlier one's file (Server.redeclared) has that one's base
	base *base
	// structure and declared are the analysis's surface (torchsem.File.Surfaces; the text's
	// hash for a document that was not parsed), computed on first use (surfaces): after the
	// diagnostics are published, and never for a document no neighbour reads.
	surfaceOnce         sync.Once
	structure, declared uint64
	// diags are the findings shown as diagnostics; shown[i] indexes findings for diags[i].
	diags    []protocol.Diagnostic
	shown    []int
	resultID string
	// cells is the layout of a notebook module's text; cellDiags and cellShown are diags
	// and shown per cell (splitCells). nil for a text document.
	cells     *cellLayout
	cellDiags [][]protocol.Diagnostic
	cellShown [][]int
	// hoverFindings are findings plus the hover-only recognitions, computed on the first
	// hover (see Server.recognitions).
	hoverOnce     sync.Once
	hoverFindings []analysis.Finding
	// stages records the run's stage times for the debug log (nil when it is off)
	stages *stageTimes
}

var errNoDocument = errors.New("document is not open")

// openLocked adds a document; the caller holds s.mu.
func (s *Server) openLocked(uri protocol.DocumentURI, version int32, text []byte, lines *lineIndex) *document {
	if old := s.docs[uri]; old != nil {
		s.closeLocked(old)
	}
	d := &document{uri: uri, path: uriToPath(uri), version: version, text: text, lines: lines, ready: make(chan struct{})}
	if s.project != nil {
		d.module = s.project.module(d.path).Name
	}
	s.docs[uri] = d
	s.touchLocked(d)
	return d
}

// closeLocked marks d closed: its worker stops, waiters wake, nothing more is published.
func (s *Server) closeLocked(d *document) {
	d.closed = true
	if d.cancelRun != nil {
		d.cancelRun()
	}
	s.dropPendingLocked(d)
	closeReady(d)
	s.returnMemory()
	if s.docs[d.uri] == d {
		delete(s.docs, d.uri)
	}
}

func closeReady(d *document) {
	select {
	case <-d.ready:
	default:
		close(d.ready)
	}
}

// touchLocked records a use of d.
func (s *Server) touchLocked(d *document) {
	s.tick++
	d.lastUse = s.tick
}

// trimLocked lets the least recently used documents beyond maxWarm go cold: their tree
// (closed: its C memory is freed) and result are dropped.
func (s *Server) trimLocked() {
	var warm []*document
	for _, d := range s.docs {
		if !d.running && (d.parsed != nil || d.result != nil) {
			warm = append(warm, d)
		}
	}
	if len(warm) <= maxWarm {
		return
	}
	sort.Slice(warm, func(i, j int) bool { return warm[i].lastUse < warm[j].lastUse })
	for _, d := range warm[:len(warm)-maxWarm] {
		s.dropPendingLocked(d)
		d.result, d.kept = nil, nil // ready stays closed: result() re-analyses on demand
		// and the analysis its linked neighbourhood keeps for the next edit's ReplaceFrom
		// (base.last): the next analysis replaces the document in that program whole. The
		// program stays, so that a neighbour's change re-analyses a cold dependent by
		// re-linking what changed (rebase), not its whole neighbourhood
		if d.base != nil {
			d.base.last = nil
		}
		d.neighbour = nil
	}
	s.returnMemory()
}

// returnMemory asks the janitor (server.go) to give freed memory back to the system.
func (s *Server) returnMemory() {
	select {
	case s.memory <- struct{}{}:
	default:
	}
}

// invalidateLocked starts a new epoch for d (its text or configuration changed) and
// schedules its analysis.
func (s *Server) invalidateLocked(d *document) {
	d.epoch++
	if d.result != nil {
		d.kept = d.result
	}
	d.result = nil
	select {
	case <-d.ready:
		d.ready = make(chan struct{})
	default:
	}
	s.scheduleLocked(d)
}

// dropPendingLocked forgets the incremental parse state: the next parse is a full one.
func (s *Server) dropPendingLocked(d *document) {
	s.retireLocked(d, d.parsed)
	d.parsed = nil
	d.model = nil
	d.pending = nil
	d.pendingBytes = 0
	d.gen++
}

// retireLocked closes the C tree of doc, dropped from d.parsed, or leaves it to d's
// running worker (see document.parsed).
func (s *Server) retireLocked(d *document, doc *syntax.Document) {
	switch {
	case doc == nil:
	case d.running:
		d.retired = append(d.retired, doc)
	default:
		s.closeTree(doc)
	}
}

// closeRetiredLocked closes the trees retired while d's worker ran; the worker calls it
// when its run is over.
func (s *Server) closeRetiredLocked(d *document) {
	for _, doc := range d.retired {
		s.closeTree(doc)
	}
	d.retired = nil
}

// closeTree frees doc's C tree (syntax.Document.Close).
func (s *Server) closeTree(doc *syntax.Document) {
	if doc == nil {
		return
	}
	if s.testTree != nil {
		s.testTree("close", doc)
	}
	doc.Close()
}

// addPendingLocked records an edit for the next incremental reparse.
func (s *Server) addPendingLocked(d *document, e pendingEdit) {
	d.pending = append(d.pending, e)
	d.pendingBytes += len(e.before)
	if len(d.pending) > maxPendingEdits || d.pendingBytes > maxPendingBytes {
		s.dropPendingLocked(d)
	}
}

// result waits for the analysis of the document's current text and returns it. It
// returns errNoDocument when the document is not open (or closes while waiting).
func (s *Server) result(ctx context.Context, uri protocol.DocumentURI) (*docResult, error) {
	for {
		s.mu.Lock()
		d := s.docs[uri]
		if d == nil {
			s.mu.Unlock()
			return nil, errNoDocument
		}
		s.touchLocked(d)
		if d.result != nil && d.result.epoch == d.epoch {
			r := d.result
			s.mu.Unlock()
			return r, nil
		}
		select {
		case <-d.ready:
			// no result for this epoch and no worker on it: the document went cold, or its
			// analysis panicked
			if d.failed == d.epoch+1 {
				s.mu.Unlock()
				return nil, errors.New("analysis of this document failed; see the server log")
			}
			d.ready = make(chan struct{})
			s.scheduleLocked(d)
			if !d.running {
				closeReady(d)
				s.mu.Unlock()
				return nil, errors.New("server is shutting down")
			}
		default:
		}
		ready := d.ready
		s.mu.Unlock()
		select {
		case <-ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-s.ctx.Done():
			return nil, s.ctx.Err()
		}
	}
}

// uriToPath returns the file-system path of a file: URI, or "". go.lsp.dev/uri's
// URI.Filename is not used: it panics on any other scheme (untitled:, vscode-notebook-cell:)
// and drops the host of a UNC URI (file://server/share/a.py).
func uriToPath(uri protocol.DocumentURI) string {
	return uriToPathOS(uri, filepath.Separator == '\\')
}

func uriToPathOS(uri protocol.DocumentURI, windows bool) string {
	u, err := url.Parse(string(uri))
	if err != nil || !strings.EqualFold(u.Scheme, "file") {
		return ""
	}
	p := u.Path // percent-decoded: VS Code writes file:///c%3A/My%20Models/a.py
	if p == "" {
		p = u.Opaque
	}
	p = path.Clean(p)
	if !windows {
		return p
	}
	if len(p) >= 3 && p[0] == '/' && isDriveLetter(p[1]) && p[2] == ':' {
		p = p[1:] // /c:/x -> c:/x
	} else if u.Host != "" && !strings.EqualFold(u.Host, "localhost") {
		p = "//" + u.Host + p // UNC
	}
	return strings.ReplaceAll(p, "/", `\`)
}

func isDriveLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// pathToURI returns the file: URI of a path (made absolute), percent-encoded.
func pathToURI(p string) protocol.DocumentURI {
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return pathToURIOS(p, filepath.Separator == '\\')
}

func pathToURIOS(p string, windows bool) protocol.DocumentURI {
	u := url.URL{Scheme: "file"}
	if windows {
		p = strings.ReplaceAll(p, `\`, "/")
		switch {
		case strings.HasPrefix(p, "//"): // UNC: //server/share/x
			rest := p[2:]
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				u.Host, p = rest[:i], rest[i:]
			} else {
				u.Host, p = rest, "/"
			}
		case len(p) >= 2 && isDriveLetter(p[0]) && p[1] == ':':
			p = "/" + p
		}
	}
	u.Path = p
	return protocol.DocumentURI(u.String())
}

// isPython reports whether an opened document is analysed. A notebook file opened as
// text is not: it is JSON (its cells come through notebook sync).
func isPython(languageID string, uri protocol.DocumentURI) bool {
	u := strings.ToLower(string(uri))
	if strings.HasSuffix(u, ".ipynb") {
		return false
	}
	if strings.HasPrefix(languageID, "python") {
		return true
	}
	return strings.HasSuffix(u, ".py") || strings.HasSuffix(u, ".pyi")
}
