package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/rules"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// The analysis worker. Each change starts a new epoch of its document and schedules the
// document's worker: at most one goroutine per document, which loops while the document
// keeps changing. A run takes a snapshot (text, the old tree and the edits since),
// reparses incrementally with a parser from the pool, builds the module model, analyses,
// and commits the result only if no newer change came meanwhile; a newer change cancels
// the run's context, and every stage looks at it inside its long loops (tree-sitter's
// parse, the model's passes over the nodes, each rule's walk over the traced nodes), so a
// superseded analysis of a huge text stops within milliseconds. A reparse that finishes
// is kept even by a superseded run, so the next run reparses from it. No debounce:
// nothing measured calls for one.

var resultSeq atomic.Int64

// scheduleLocked makes sure a worker will analyse d's current epoch.
func (s *Server) scheduleLocked(d *document) {
	if d.closed || s.state == stateShutdown {
		return
	}
	if d.running {
		if d.cancelRun != nil {
			d.cancelRun()
		}
		return
	}
	d.running = s.goSafe("analysis", func() { s.runDoc(d) })
}

// snapshot is what one run analyses.
type snapshot struct {
	epoch, gen int
	version    int32
	text       []byte
	lines      *lineIndex
	parsed     *syntax.Document
	pending    []pendingEdit
	cells      *cellLayout // a notebook module's layout; nil for a text document
}

func (s *Server) runDoc(d *document) {
	defer func() {
		// a panic in analysis must not leave waiters hanging or the worker marked busy
		if r := recover(); r != nil {
			s.mu.Lock()
			s.closeRetiredLocked(d)
			d.running, d.cancelRun = false, nil
			d.failed = d.epoch + 1
			closeReady(d)
			s.mu.Unlock()
			panic(r) // goSafe logs it
		}
	}()
	for {
		s.mu.Lock()
		if d.closed || s.ctx.Err() != nil || s.state == stateShutdown {
			s.closeRetiredLocked(d)
			d.running, d.cancelRun = false, nil
			closeReady(d) // waiters find no result and give up
			s.mu.Unlock()
			return
		}
		snap := snapshot{epoch: d.epoch, gen: d.gen, version: d.version, text: d.text, lines: d.lines,
			parsed: d.parsed, pending: d.pending[:len(d.pending):len(d.pending)], cells: d.cells}
		ctx, cancel := context.WithCancel(s.ctx)
		d.cancelRun = cancel
		pull := s.client.pull
		s.mu.Unlock()

		if s.testAnalyzeHook != nil {
			s.testAnalyzeHook(d.uri, snap.version)
		}
		res := s.analyzeSnapshot(ctx, d, snap)
		cancel()
		if res != nil && snap.cells != nil {
			s.mu.Lock()
			enc, related := s.client.encoding, s.client.relatedInfo
			s.mu.Unlock()
			s.splitCells(res, snap.cells, enc, related)
		}

		s.mu.Lock()
		s.closeRetiredLocked(d) // this run reads no C tree any more
		d.cancelRun = nil
		committed, tell := false, false // tell: its dependents are told (surfaceChanged)
		if res != nil && !d.closed && d.epoch == snap.epoch {
			d.result, d.kept = res, nil
			closeReady(d)
			committed, tell = true, res.fileErr == nil
			if tell {
				s.telling++
			}
		}
		again := !d.closed && d.epoch != snap.epoch
		// a tree typed into in a piece is settled before the worker lets go (settle)
		settle := !again && !d.closed && d.parsed.Lags()
		idle := false
		if !again && !settle {
			idle = s.endRunLocked(d)
		}
		s.mu.Unlock()

		if committed && (!pull || res.cells != nil) { // notebook cells are always pushed (notebook_sync.go)
			res.stages.mark("publish")
			s.publish(d, res)
			res.stages.log(s.log, string(d.uri), res.version, len(res.diags))
			// let the stream's writer, just woken on this P, send the diagnostics before
			// this goroutine goes on to the surface (a millisecond or two on a large file):
			// on a busy machine the other P's thread may not run for as long
			runtime.Gosched()
		}
		if tell {
			s.surfaceChanged(d, res)
			s.mu.Lock()
			s.telling--
			s.mu.Unlock()
		}
		if settle {
			s.settle(d, snap.epoch)
			s.mu.Lock()
			s.closeRetiredLocked(d)
			again = !d.closed && d.epoch != snap.epoch
			if !again {
				idle = s.endRunLocked(d)
			}
			s.mu.Unlock()
		}
		if idle {
			s.kickIdle() // surfaceChanged may have scheduled a dependent: the collector checks
		}
		if !again {
			return
		}
	}
}

// endRunLocked marks d's worker done and notes the pause starting when no analysis runs;
// it reports whether the idle collector should be told.
func (s *Server) endRunLocked(d *document) (idle bool) {
	d.running = false
	s.trimLocked()
	if s.analysingLocked() {
		return false
	}
	s.pauses.ended(time.Now())
	return s.idleKick != nil
}

// settle brings the file-level tree-sitter tree of d's parsed document up to its text when
// its last edits were reparsed in a piece (syntax.Parser.Settle), right after the result
// of epoch was published: the next edit in another statement then parses that statement
// alone (or reparses the file once, not twice, when the statement is too large). The
// worker still runs, so a change cancels it (scheduleLocked) and the worker goes on to
// analyse it; a settled tree replaces the parsed one only while that is still d's.
func (s *Server) settle(d *document, epoch int) {
	s.mu.Lock()
	old, gen := d.parsed, d.gen
	if d.closed || d.epoch != epoch || !old.Lags() {
		s.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	d.cancelRun = cancel
	s.mu.Unlock()

	var settled *syntax.Document
	p, err := s.parser(ctx)
	if err == nil {
		if s.testTree != nil {
			s.testTree("reparse", old)
		}
		settled, err = p.Settle(ctx, old)
		if s.testTree != nil {
			s.testTree("reparsed", old)
			if err == nil {
				s.testTree("settled", settled)
			}
		}
		s.release(p)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d.cancelRun = nil
	switch {
	case err != nil:
	case !d.closed && d.gen == gen && d.parsed == old:
		// this worker is the only reader of the tree it replaces (see document.parsed)
		s.closeTree(old)
		d.parsed = settled
	default:
		s.closeTree(settled)
	}
}

// maxEditorSource is the largest document the server analyses. tree-sitter's tree costs
// about 60 bytes of memory per byte of source, so a 10 MiB generated file would hold over
// half a gigabyte while someone merely has it open; `exportdb check` analyses up to 16 MiB.
const maxEditorSource = 4 << 20

var errEditorTooLarge = errors.New("file is larger than 4 MiB, the editor's limit (exportdb check analyses files up to 16 MiB)")

// keystrokeOptions tunes analysis for the per-keystroke path: rules that can only produce
// hover-only recognitions are skipped (hover computes them on demand, see recognitions),
// and the rules run on every core.
func keystrokeOptions(o analysis.Options) analysis.Options {
	o.MinSeverity = analysis.Hint
	o.Workers = runtime.GOMAXPROCS(0)
	o.Incremental = true
	return o
}

// recognitions returns the findings of res plus those of the hover-only rules the
// diagnostics run skipped, computing them once per result. They are computed under the
// server's context, not the asking request's: a cancelled hover must not leave a result
// without its recognitions for good.
func (s *Server) recognitions(res *docResult) []analysis.Finding {
	if res.file == nil {
		return res.findings
	}
	res.hoverOnce.Do(func() {
		var hoverOnly []*analysis.Rule
		for _, r := range s.rules {
			if r.HoverOnly {
				hoverOnly = append(hoverOnly, r)
			}
		}
		opts := res.cfg.options(res.path)
		opts.MinSeverity = analysis.Off
		all := append([]analysis.Finding(nil), res.findings...)
		for _, fd := range analysis.Analyze(s.ctx, res.file, hoverOnly, opts).Findings {
			if fd.Case != analysis.UnusedSuppression {
				all = append(all, fd)
			}
		}
		sort.SliceStable(all, func(i, j int) bool { return all[i].Start < all[j].Start })
		res.hoverFindings = all
	})
	return res.hoverFindings
}

// analyzeSnapshot parses and analyses one snapshot. It returns nil when ctx was cancelled
// (the result is superseded).
func (s *Server) analyzeSnapshot(ctx context.Context, d *document, snap snapshot) *docResult {
	cfg := s.configFor(d.path)
	res := &docResult{epoch: snap.epoch, version: snap.version, path: d.path, text: snap.text, lines: snap.lines, cfg: cfg,
		resultID: strconv.FormatInt(resultSeq.Add(1), 10), stages: s.stageTimes()}
	s.mu.Lock()
	enc, related := s.client.encoding, s.client.relatedInfo
	s.mu.Unlock()

	if err := analysis.CheckSource(snap.text); err != nil {
		res.fileErr = err
		res.diags = []protocol.Diagnostic{fileErrorDiagnostic(snap.lines, err, enc)}
		return res
	}
	if len(snap.text) > maxEditorSource {
		res.fileErr = errEditorTooLarge
		res.diags = []protocol.Diagnostic{fileErrorDiagnostic(snap.lines, res.fileErr, enc)}
		return res
	}
	if s.builtinRules && !rules.MayReport(snap.text) && !s.project.imported(d.module) {
		// no rule can report in this text (no torch, LightningModule or exportdb in it, and
		// no module of the project imports it, so no forward reaches it): no parse, no
		// model; hover, lenses and code actions find nothing, as for a file error
		res.diags = []protocol.Diagnostic{}
		return res
	}
	if f, b := s.redeclared(ctx, d, snap, cfg); f != nil {
		// only what an export call declares changed around an unchanged text
		s.stage(ctx, snap, res.stages, "redeclare")
		res.file, res.base = f, b
	} else {
		s.stage(ctx, snap, res.stages, "parse")
		tree, err := s.parse(ctx, d, snap)
		if err != nil {
			if ctx.Err() != nil {
				s.stage(ctx, snap, res.stages, "superseded")
				return nil
			}
			res.fileErr = analysis.SourceError(err)
			res.diags = []protocol.Diagnostic{fileErrorDiagnostic(snap.lines, res.fileErr, enc)}
			return res
		}
		s.stage(ctx, snap, res.stages, "model")
		s.mu.Lock()
		prev := d.model
		s.mu.Unlock()
		mod := s.project.module(d.path)
		var cells []analysis.Cell
		if snap.cells != nil {
			cells = snap.cells.mod.Cells()
		}
		var pf *pysem.File
		if prev != nil && prev.Tree == tree.Tree() && prev.Module == mod && prev.Path == d.path && slices.Equal(prev.Cells, cells) {
			// the text analysed last time (a neighbour changed): its model is read-only
			pf = prev
		} else {
			if pf, err = pysem.NewFileFrom(ctx, prev, tree.Tree(), mod); err != nil {
				s.stage(ctx, snap, res.stages, "superseded")
				return nil
			}
			pf.Path, pf.Cells = d.path, cells
		}
		s.mu.Lock()
		if d.parsed == tree { // the next reparse starts from tree: its model starts from pf
			d.model = pf
		}
		s.mu.Unlock()
		s.stage(ctx, snap, res.stages, "link")
		res.file, res.base = s.link(ctx, d, pf)
		if ctx.Err() != nil {
			s.stage(ctx, snap, res.stages, "superseded")
			return nil
		}
	}
	if cfg.excluded(d.path) {
		res.diags = []protocol.Diagnostic{}
		return res
	}
	s.stage(ctx, snap, res.stages, "rules")
	r := analysis.Analyze(ctx, res.file, s.rules, keystrokeOptions(cfg.options(d.path)))
	if ctx.Err() != nil {
		s.stage(ctx, snap, res.stages, "superseded")
		return nil
	}
	if s.testLink != nil && res.file.Program().Carried() != nil {
		s.testLink(d.path, "carried")
	}
	res.file.Program().DropCarry() // the rules took what they carry: the previous text may go
	s.stage(ctx, snap, res.stages, "convert")
	for _, re := range r.RuleErrors {
		s.log.Error("rule panicked", zap.String("rule", re.Rule), zap.String("panic", re.Panic), zap.String("uri", string(d.uri)))
	}
	res.findings = r.Findings
	res.diags, res.shown = toDiagnostics(d.uri, snap.lines, r.Findings, enc, related)
	return res
}

// stage tells the test hook that the run of snap reached a stage.
func (s *Server) stage(ctx context.Context, snap snapshot, st *stageTimes, name string) {
	st.mark(name)
	if s.testStage != nil {
		s.testStage(ctx, snap.version, name)
	}
}

// parse reparses the snapshot incrementally from the document's last tree (or from
// scratch) and keeps the new tree for the next run when the document allows. It stops
// with ctx's error when ctx is done.
func (s *Server) parse(ctx context.Context, d *document, snap snapshot) (*syntax.Document, error) {
	if snap.parsed != nil && len(snap.pending) == 0 {
		return snap.parsed, nil
	}
	p, err := s.parser(ctx)
	if err != nil {
		return nil, err
	}
	var doc *syntax.Document
	if snap.parsed != nil {
		olds := make([][]byte, len(snap.pending))
		edits := make([]syntax.Edit, len(snap.pending))
		for i, e := range snap.pending {
			olds[i], edits[i] = e.before, e.edit
		}
		if s.testTree != nil {
			s.testTree("reparse", snap.parsed)
		}
		doc, err = p.Reparse(ctx, snap.parsed, olds, edits, snap.text)
		if s.testTree != nil {
			s.testTree("reparsed", snap.parsed)
		}
	} else {
		doc, err = p.Parse(ctx, snap.text)
	}
	s.release(p)
	if err != nil {
		return nil, err
	}
	if s.testTree != nil {
		s.testTree("new", doc)
	}
	s.mu.Lock()
	if !d.closed && d.gen == snap.gen && d.parsed == snap.parsed && len(d.pending) >= len(snap.pending) {
		// this worker is the only reader of the tree it replaces (see document.parsed)
		s.closeTree(snap.parsed)
		d.parsed = doc
		rest := d.pending[len(snap.pending):]
		d.pending = append([]pendingEdit(nil), rest...)
		d.pendingBytes = 0
		for _, e := range d.pending {
			d.pendingBytes += len(e.before)
		}
	} else {
		s.closeTree(doc) // never reparsed from; the analysis reads only its Go copy
	}
	s.mu.Unlock()
	return doc, nil
}

// toDiagnostics converts the findings shown as diagnostics (severity above Off).
func toDiagnostics(uri protocol.DocumentURI, lines *lineIndex, findings []analysis.Finding, enc encoding, related bool) ([]protocol.Diagnostic, []int) {
	diags := make([]protocol.Diagnostic, 0, len(findings))
	var shown []int
	loc := func(start, end int) (protocol.Location, bool) {
		return protocol.Location{URI: uri, Range: lines.rangeOf(start, end, enc)}, true
	}
	for i := range findings {
		if dg, ok := diagnosticOf(&findings[i], related, enc, loc); ok {
			diags = append(diags, dg)
			shown = append(shown, i)
		}
	}
	return diags, shown
}

// diagnosticOf converts one finding shown as a diagnostic (severity above Off); loc places
// a byte range of the analysed text in a document (the finding's, or, for related
// information, another: a notebook's other cell). A related place in another file of the
// project is that file's.
func diagnosticOf(f *analysis.Finding, related bool, enc encoding, loc func(start, end int) (protocol.Location, bool)) (protocol.Diagnostic, bool) {
	sev, ok := lspSeverity(f.Severity)
	if !ok {
		return protocol.Diagnostic{}, false
	}
	at, ok := loc(f.Start, f.End)
	if !ok {
		return protocol.Diagnostic{}, false
	}
	dg := protocol.Diagnostic{
		Range:    at.Range,
		Severity: sev,
		Source:   "exportdb",
		Message:  f.Message,
	}
	if c, ok := catalogCodes()[f.Case]; ok {
		dg.Code, dg.CodeDescription = c.code, c.link
	} else {
		dg.Code = f.Case
	}
	if f.Deprecated {
		dg.Tags = []protocol.DiagnosticTag{protocol.DiagnosticTagDeprecated}
	}
	if related {
		for _, r := range f.Related {
			l, ok := protocol.Location{}, true
			if r.Path != "" {
				l = protocol.Location{URI: pathToURI(r.Path), Range: newLineIndex(r.Src).rangeOf(r.Start, r.End, enc)}
			} else {
				l, ok = loc(r.Start, r.End)
			}
			if ok {
				dg.RelatedInformation = append(dg.RelatedInformation, protocol.DiagnosticRelatedInformation{Location: l, Message: r.Message})
			}
		}
	}
	return dg, true
}

// lspSeverity maps a finding's severity; Off findings are not diagnostics (hover only).
func lspSeverity(s analysis.Severity) (protocol.DiagnosticSeverity, bool) {
	switch s {
	case analysis.Error:
		return protocol.DiagnosticSeverityError, true
	case analysis.Warning:
		return protocol.DiagnosticSeverityWarning, true
	case analysis.Information:
		return protocol.DiagnosticSeverityInformation, true
	case analysis.Hint:
		return protocol.DiagnosticSeverityHint, true
	}
	return 0, false
}

// caseCode is a catalog case's diagnostic code and its ExportDB link, made once and
// shared by every diagnostic of the case (nothing modifies a diagnostic's code or link).
type caseCode struct {
	code any // the case name
	link *protocol.CodeDescription
}

// catalogCodes holds the code of every catalog case by name and alias; an engine code
// (such as unused_suppression) has none and no link.
var catalogCodes = sync.OnceValue(func() map[string]caseCode {
	m := map[string]caseCode{}
	for _, c := range catalog.Default().Cases() {
		link := &protocol.CodeDescription{Href: protocol.URI(c.URL(""))}
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			m[n] = caseCode{code: n, link: link}
		}
	}
	return m
})

// fileErrorDiagnostic says why a document was not analysed at all (NUL byte, invalid
// UTF-8, too large): never silence.
func fileErrorDiagnostic(lines *lineIndex, err error, enc encoding) protocol.Diagnostic {
	off := 0
	var fe *analysis.FileError
	if errors.As(err, &fe) && fe.Offset >= 0 {
		off = fe.Offset
	}
	return protocol.Diagnostic{
		Range:    lines.rangeOf(off, off, enc),
		Severity: protocol.DiagnosticSeverityWarning,
		Code:     "file_error",
		Source:   "exportdb",
		Message:  "file not analysed: " + err.Error(),
	}
}

// publish pushes res's diagnostics unless the document moved on or closed meanwhile.
func (s *Server) publish(d *document, res *docResult) {
	if res.cells != nil {
		s.publishCells(d, res)
		return
	}
	d.pubMu.Lock()
	defer d.pubMu.Unlock()
	s.mu.Lock()
	// a document re-analysed after going cold has nothing new to say
	ok := !d.closed && d.epoch == res.epoch && d.published != res.epoch+1
	if ok {
		d.published = res.epoch + 1
	}
	s.mu.Unlock()
	if !ok {
		return
	}
	v := res.version
	s.notify("textDocument/publishDiagnostics", publishDiagnosticsParams{URI: d.uri, Version: &v, Diagnostics: res.diags})
}

// pullDiagnostics answers textDocument/diagnostic (LSP 3.17), offered to clients that
// advertise textDocument.diagnostic and workspace.diagnostics.refreshSupport (see
// initialize); they get no pushed diagnostics for open documents.
func (s *Server) pullDiagnostics(ctx context.Context, params json.RawMessage) (any, error) {
	var p documentDiagnosticParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	v, err := s.view(ctx, p.TextDocument.URI)
	if errors.Is(err, errNoDocument) {
		return fullDocumentDiagnosticReport{Kind: "full", Items: []protocol.Diagnostic{}}, nil
	}
	if err != nil {
		return nil, err
	}
	if v.part >= 0 {
		// a notebook cell: its diagnostics are pushed, to every client (notebook_sync.go)
		return fullDocumentDiagnosticReport{Kind: "full", Items: []protocol.Diagnostic{}}, nil
	}
	if p.PreviousResultID != "" && p.PreviousResultID == v.res.resultID {
		return unchangedDocumentDiagnosticReport{Kind: "unchanged", ResultID: v.res.resultID}, nil
	}
	items := v.diags
	if items == nil {
		items = []protocol.Diagnostic{}
	}
	return fullDocumentDiagnosticReport{Kind: "full", ResultID: v.res.resultID, Items: items}, nil
}

// refreshDiagnostics re-analyses every open document (configuration changed): a push
// client gets the new diagnostics published, a pull client is asked to pull again.
func (s *Server) refreshDiagnostics() {
	s.mu.Lock()
	for _, d := range s.docs {
		s.invalidateLocked(d)
	}
	pull, lens := s.client.pull, s.client.codeLensRefresh
	s.mu.Unlock()
	if pull || lens {
		s.goSafe("refresh", func() {
			if pull {
				if err := s.callBounded("workspace/diagnostic/refresh", nil, nil); err != nil {
					s.log.Debug("workspace/diagnostic/refresh failed", zap.Error(err))
				}
			}
			if lens {
				if err := s.callBounded("workspace/codeLens/refresh", nil, nil); err != nil {
					s.log.Debug("workspace/codeLens/refresh failed", zap.Error(err))
				}
			}
		})
	}
}
