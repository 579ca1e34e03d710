// Package lsp is exportdb's language server: diagnostics while typing, hover cards from
// the ExportDB catalog, quick fixes, code lens and a workspace scan, over the Language
// Server Protocol: go.lsp.dev/protocol v0.12 types on a go.lsp.dev/jsonrpc2 v0.10 connection.
//
// Start with Serve (this file), then one file per feature: lifecycle.go, text_sync.go,
// notebook_sync.go (Jupyter notebooks), documents.go (the document store), diagnostics.go
// (the per-document analysis worker), views.go (a document's view of a result: a file, or
// a notebook cell), hover.go, code_action.go, commands.go, code_lens.go, config.go,
// workspace_scan.go.
// position.go is the only place byte offsets become LSP positions; protocol.go declares
// the few LSP types go.lsp.dev/protocol v0.12 lacks (3.17) or gets wrong (see there), and
// stream.go the transport.
//
// Concurrency. The jsonrpc2 connection reads messages on one goroutine and runs handlers
// inline, in wire order; text synchronisation is handled there, so edits apply in order
// and cheaply (no parsing on the read loop). Every change schedules the document's
// analysis worker (diagnostics.go): one goroutine per document at a time, which reparses
// incrementally and analyses, and whose context a newer change cancels. Requests that
// wait for an analysis (hover, code action, code lens, pull diagnostics, commands) run
// on a goroutine of their own (Server.handle), so the read loop moves on. Every goroutine
// the server starts is counted in Server.wg and ends when Server.ctx is cancelled
// (shutdown, exit, end of input), so nothing is left running when Serve returns.
package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/rules"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// Options configure a server.
type Options struct {
	// Logger receives the server's log; nil discards it. Never stdout: that is the protocol.
	Logger *zap.Logger
	// Level, when set, is changed by the editor's logLevel setting.
	Level *zap.AtomicLevel
	// Version is reported in serverInfo and debugInfo.
	Version string
	// IdleCollect runs the garbage collector in the pauses between keystrokes, not during
	// analyses (idle_gc.go); `exportdb lsp` sets it.
	IdleCollect bool
}

var arenasOnce sync.Once

// ErrExitWithoutShutdown is returned by Serve when the client sent exit before shutdown;
// the protocol asks for exit status 1 then.
var ErrExitWithoutShutdown = errors.New("exit without shutdown")

// lifecycle is the server's protocol state.
type lifecycle int

const (
	stateUninitialized lifecycle = iota // before the initialize request
	stateInitialized                    // after initialize answered
	stateShutdown                       // after shutdown: only exit is accepted
)

// Server is one language-server session on one connection.
type Server struct {
	log     *zap.Logger
	level   *zap.AtomicLevel
	version string
	rules   []*analysis.Rule
	// builtinRules: rules is rules.All(), so rules.MayReport may skip a file
	builtinRules bool
	conn         jsonrpc2.Conn
	stream       *stream

	// ctx ends every goroutine the server starts: workers, scans, waits, calls to the
	// client. It is cancelled at exit, at the end of the input, or when Serve's ctx ends.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // goroutines started by the server (goSafe)
	wgMu   sync.Mutex     // guards stopped; a leaf lock, taken after mu if both
	// stopped is set by stop before it waits on wg; goSafe starts nothing afterwards.
	stopped bool

	parsers chan *syntax.Parser // free tree-sitter parsers; cap bounds parallel parses
	memory  chan struct{}       // documents went cold: the janitor returns memory (cap 1)
	nParser int                 // parsers created; guarded by mu

	exit     chan struct{} // closed by the exit notification
	exitOnce sync.Once

	// inflight maps the ids of running async requests to their cancel functions
	// ($/cancelRequest); see handle for why not jsonrpc2.CancelHandler.
	reqMu    sync.Mutex
	inflight map[jsonrpc2.ID]context.CancelFunc // guarded by reqMu

	// testHook, when set (tests only), runs before every handler with the method name.
	testHook func(method string)
	// testScanHook, when set (tests only), runs before the workspace scan reads each file.
	testScanHook func(path string)
	// testAnalyzeHook, when set (tests only), runs before each analysis of a document.
	testAnalyzeHook func(uri protocol.DocumentURI, version int32)
	// testTree, when set (tests only), is told of each tree an analysis worker makes
	// ("new", or "settled" for one brought up to date by settle), reparses from ("reparse",
	// "reparsed" when done) and closes ("close").
	testTree func(event string, doc *syntax.Document)
	// testStage, when set (tests only), is told when an analysis run of a document version
	// starts a stage ("parse", "model", "rules") and when it stops because a newer change
	// superseded it ("superseded"), with the run's context.
	testStage func(ctx context.Context, version int32, stage string)
	// testLink, when set (tests only), is told how link linked a document: "relink" (its
	// base as it was), "update" (the base with changed neighbours replaced), "alone" or
	// "full" (a new program of the whole neighbourhood); "kept" when ReplaceFrom kept units
	// of the previous text, and "carried" when the rules ran with that text still there to
	// carry results from (torchsem.Program.Carried).
	testLink func(path, how string)

	// mu guards the fields below and every document's mutable fields (documents.go). It is
	// never held across I/O, parsing or analysis. Lock order: document.pubMu, then mu, then
	// wgMu; reqMu and the stream's locks are leaves.
	mu       sync.Mutex
	state    lifecycle
	shutdown bool // shutdown request received (exit then returns nil)
	client   clientState
	docs     map[protocol.DocumentURI]*document
	// telling counts the analyses committed whose dependents surfaceChanged has not yet
	// compared with them (tests wait for it to be 0 before calling the documents settled)
	telling int
	// indexing: the workspace index is being built, or the re-analyses it sets off are not
	// yet all scheduled (tests wait for it before calling the documents settled)
	indexing bool
	// idleKick wakes the idle collector (nil: Options.IdleCollect is off); garbageDue and
	// collect are its test and its cycle (tests replace them)
	idleKick   chan struct{}
	idleDelay  time.Duration
	garbageDue func() bool
	collect    func()
	// pauses are the last pauses between analyses and keystrokes, and cycle how long the
	// idle collector's cycles take (pauses.go)
	pauses pauseLog
	cycle  cycleClock
	// edited is set by the first change of a document: from then on the idle collector
	// also touches the heap typing will grow into (pretouch.go)
	edited   atomic.Bool
	touch    func()
	settings settings
	configs  map[string]*configEntry       // by directory (config.go)
	cfgGen   int                           // bumped whenever configs is cleared
	cfgDiags map[protocol.DocumentURI]bool // config-file URIs that have a published diagnostic
	// cfgReported holds the configuration problems already shown since the last change
	// of configuration files or settings.
	cfgReported map[string]bool
	folders     []protocol.WorkspaceFolder
	project     *project                      // the workspace as one project (project.go); set by initialize
	scans       map[string]context.CancelFunc // running workspace scans by progress token
	scanned     map[protocol.DocumentURI]bool // URIs published by workspace scans
	nextTok     int
	tick        int64 // use counter for documents' lastUse

	// notebooks are the open notebooks by URI, and cells the notebook of each synced cell
	// document (notebook_sync.go); a notebook's module is a document in docs.
	notebooks map[protocol.DocumentURI]*notebookDoc
	cells     map[protocol.DocumentURI]*notebookDoc
}

// clientState is what initialize told us about the client; written once by initialize.
type clientState struct {
	name             string
	encoding         encoding
	pull             bool // diagnostics are pulled (textDocument/diagnostic), not pushed
	canPull          bool // the client supports pull diagnostics (it may still get push)
	relatedInfo      bool
	docChanges       bool // WorkspaceEdit.documentChanges
	createFiles      bool // WorkspaceEdit.resourceOperations holds "create"
	applyEdit        bool
	showDocument     bool
	workDoneProgress bool
	watchDynamic     bool // didChangeWatchedFiles dynamic registration
	configuration    bool // workspace/configuration
	diagRefresh      bool // workspace/diagnostic/refresh
	codeLensRefresh  bool
	literalActions   bool // codeActionLiteralSupport
}

// Serve runs a server on rwc until the client sends exit, the input ends or ctx is done.
// It returns nil after shutdown+exit or at the end of the input, ErrExitWithoutShutdown
// when exit came first, and ctx's error when ctx ended.
func Serve(ctx context.Context, rwc io.ReadWriteCloser, opts Options) error {
	s := newServer(ctx, rwc, opts)
	return s.run(ctx)
}

func newServer(ctx context.Context, rwc io.ReadWriteCloser, opts Options) *Server {
	arenasOnce.Do(limitMallocArenas)
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	n := runtime.GOMAXPROCS(0)
	if n < 2 {
		n = 2
	}
	s := &Server{
		log:     log,
		level:   opts.Level,
		version: opts.Version,
		rules:   rules.All(),
		// the registry: texts rules.MayReport rules out are not parsed (open or scanned)
		builtinRules: true,
		parsers:      make(chan *syntax.Parser, n),
		memory:       make(chan struct{}, 1),
		exit:         make(chan struct{}),
		docs:         map[protocol.DocumentURI]*document{},
		notebooks:    map[protocol.DocumentURI]*notebookDoc{},
		cells:        map[protocol.DocumentURI]*notebookDoc{},
		configs:      map[string]*configEntry{},
		cfgDiags:     map[protocol.DocumentURI]bool{},
		scans:        map[string]context.CancelFunc{},
		scanned:      map[protocol.DocumentURI]bool{},
		inflight:     map[jsonrpc2.ID]context.CancelFunc{},
	}
	if s.version == "" {
		s.version = "dev"
	}
	s.garbageDue, s.collect, s.idleDelay = garbageDue, collectGarbage, idleDelay
	s.touch = func() {
		if n := touchDue(); n >= minTouch {
			touchHeap(n, s.analysing)
		}
	}
	if opts.IdleCollect {
		s.idleKick = make(chan struct{}, 1)
	}
	s.ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	s.stream = newStream(rwc, log)
	s.conn = jsonrpc2.NewConn(s.stream)
	return s
}

func (s *Server) run(ctx context.Context) error {
	s.conn.Go(s.ctx, s.handle)
	s.goSafe("memory janitor", s.janitor)
	if s.idleKick != nil {
		s.goSafe("idle collector", s.idleCollector)
	}

	var err error
	select {
	case <-s.exit:
		s.mu.Lock()
		if !s.shutdown {
			err = ErrExitWithoutShutdown
		}
		s.mu.Unlock()
	case <-s.stream.eof:
		s.log.Info("input closed; exiting")
	case <-s.conn.Done():
		if cerr := s.conn.Err(); cerr != nil {
			s.log.Warn("connection failed", zap.Error(cerr))
		}
	case <-ctx.Done():
		err = ctx.Err()
	}
	s.stop()
	return err
}

// stop ends the session: it cancels all work, closes the connection and waits for every
// goroutine the server started.
func (s *Server) stop() {
	s.cancel()
	// Close the stream (flushing what is queued) and wait for the connection's read loop;
	// a reader blocked on a stdin that never closes cannot be interrupted, so do not wait
	// on it for ever: the process is about to exit anyway. In-flight handlers end with
	// s.ctx and are waited for below (wg).
	closed := make(chan struct{})
	go func() {
		_ = s.conn.Close()
		<-s.conn.Done()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(2 * time.Second):
		s.log.Warn("connection did not close in time")
	}
	s.wgMu.Lock()
	s.stopped = true
	s.wgMu.Unlock()
	s.wg.Wait()
	// no worker runs any more: free the documents' trees
	s.mu.Lock()
	for _, d := range s.docs {
		s.dropPendingLocked(d)
	}
	s.mu.Unlock()
	for {
		select {
		case p := <-s.parsers:
			p.Close()
			continue
		default:
		}
		break
	}
}

// janitor returns the memory of documents that went cold or closed (documents.go,
// returnMemory) to the system, at most every few seconds: the Go heap shrinks only after a
// garbage collection, and glibc keeps the C memory of closed tree-sitter trees (and of
// trees dropped elsewhere, freed by finalizers) unless trimmed.
func (s *Server) janitor() {
	wait := func(d time.Duration) bool {
		select {
		case <-s.ctx.Done():
			return false
		case <-time.After(d):
			return true
		}
	}
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.memory:
		}
		if !wait(2 * time.Second) {
			return
		}
		runtime.GC() // queues the finalizers of dropped trees
		if !wait(100 * time.Millisecond) {
			return
		}
		debug.FreeOSMemory()
		releaseCMemory()
	}
}

// goSafe runs fn on a goroutine counted in wg, recovering a panic. It reports false (and
// runs nothing) once the server has stopped.
func (s *Server) goSafe(name string, fn func()) bool {
	s.wgMu.Lock()
	if s.stopped {
		s.wgMu.Unlock()
		return false
	}
	s.wg.Add(1)
	s.wgMu.Unlock()
	go func() {
		defer s.wg.Done()
		defer s.recoverPanic(name)
		fn()
	}()
	return true
}

func (s *Server) recoverPanic(where string) {
	if r := recover(); r != nil {
		s.log.Error("panic recovered", zap.String("in", where), zap.Any("panic", r), zap.ByteString("stack", debug.Stack()))
	}
}

// parser takes a free parser (or makes one while fewer than cap(parsers) exist); put it
// back with release. Parsers are never used by two goroutines at once.
func (s *Server) parser(ctx context.Context) (*syntax.Parser, error) {
	select {
	case p := <-s.parsers:
		return p, nil
	default:
	}
	s.mu.Lock()
	if s.nParser < cap(s.parsers) {
		s.nParser++
		s.mu.Unlock()
		return syntax.NewParser(), nil
	}
	s.mu.Unlock()
	select {
	case p := <-s.parsers:
		return p, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *Server) release(p *syntax.Parser) { s.parsers <- p }

// ---- dispatch ----

// method is one handler: fn decodes params and returns the result to encode. async
// handlers release the read loop before running (they wait for analysis or call the
// client); the others run inline, in wire order.
type method struct {
	fn    func(s *Server, ctx context.Context, params json.RawMessage) (any, error)
	async bool
}

// methods is the dispatch table. Anything not listed is answered with MethodNotFound
// (requests) or ignored (notifications): the table plays the part of gopls's embedded
// "unimplemented" server.
var methods = map[string]method{
	"initialize":                          {fn: (*Server).initialize},
	"initialized":                         {fn: (*Server).initialized},
	"shutdown":                            {fn: (*Server).shutdownRequest},
	"exit":                                {fn: (*Server).exitNotification},
	"$/cancelRequest":                     {fn: (*Server).cancelRequestNotification},
	"$/setTrace":                          {fn: ignore},
	"textDocument/didOpen":                {fn: (*Server).didOpen},
	"textDocument/didChange":              {fn: (*Server).didChange},
	"textDocument/didClose":               {fn: (*Server).didClose},
	"textDocument/didSave":                {fn: (*Server).didSave},
	"notebookDocument/didOpen":            {fn: (*Server).didOpenNotebook},
	"notebookDocument/didChange":          {fn: (*Server).didChangeNotebook},
	"notebookDocument/didSave":            {fn: (*Server).didSaveNotebook},
	"notebookDocument/didClose":           {fn: (*Server).didCloseNotebook},
	"textDocument/diagnostic":             {fn: (*Server).pullDiagnostics, async: true},
	"textDocument/hover":                  {fn: (*Server).hover, async: true},
	"textDocument/codeAction":             {fn: (*Server).codeAction, async: true},
	"textDocument/codeLens":               {fn: (*Server).codeLens, async: true},
	"workspace/executeCommand":            {fn: (*Server).executeCommand, async: true},
	"workspace/didChangeConfiguration":    {fn: (*Server).didChangeConfiguration},
	"workspace/didChangeWatchedFiles":     {fn: (*Server).didChangeWatchedFiles},
	"workspace/didChangeWorkspaceFolders": {fn: (*Server).didChangeWorkspaceFolders},
	"window/workDoneProgress/cancel":      {fn: (*Server).workDoneProgressCancel},
	"exportdb/documentStatus":             {fn: (*Server).documentStatus, async: true},
	"exportdb/dimsInfo":                   {fn: (*Server).dimsInfo, async: true},
}

func ignore(*Server, context.Context, json.RawMessage) (any, error) { return nil, nil }

// handle is the jsonrpc2 handler (v0.10: it replies through reply, exactly once for a call,
// and must return nil: an error ends the connection). It checks the lifecycle, dispatches,
// and runs the method inline on the read loop or, for async methods, on a goroutine of its
// own, registered for $/cancelRequest before the read loop moves on.
func (s *Server) handle(_ context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	name := req.Method()
	call, isCall := req.(*jsonrpc2.Call)
	fail := func(err *jsonrpc2.Error) error {
		if isCall {
			s.reply(name, reply, nil, err)
		}
		return nil
	}

	m, known := methods[name]
	s.mu.Lock()
	state := s.state
	s.mu.Unlock()
	switch {
	case name == "exit":
	case name == "initialize":
		if state != stateUninitialized {
			return fail(jsonrpc2.NewError(jsonrpc2.InvalidRequest, "initialize: server already initialized"))
		}
	case state == stateUninitialized:
		return fail(jsonrpc2.NewError(jsonrpc2.ServerNotInitialized, name+": server not initialized"))
	case state == stateShutdown:
		return fail(jsonrpc2.NewError(jsonrpc2.InvalidRequest, name+": server is shutting down"))
	}
	if !known {
		return fail(jsonrpc2.NewError(jsonrpc2.MethodNotFound, "method not found: "+name))
	}
	params := json.RawMessage(req.Params())
	if !m.async {
		s.serve(s.ctx, name, isCall, params, m, reply)
		return nil
	}
	// An async method runs under a context of its own that $/cancelRequest (for calls)
	// and the end of the session cancel. jsonrpc2.CancelHandler is not used: it registers
	// every call, also those answered inline, and its canceller would still have to be
	// called from our $/cancelRequest method. Here only async calls are registered, on the
	// read loop, so a cancel that follows its request on the wire always finds it.
	ctx, cancel := context.WithCancel(s.ctx)
	var id jsonrpc2.ID
	if isCall {
		id = call.ID()
		s.reqMu.Lock()
		s.inflight[id] = cancel
		s.reqMu.Unlock()
	}
	done := func() {
		cancel()
		if isCall {
			s.reqMu.Lock()
			delete(s.inflight, id)
			s.reqMu.Unlock()
		}
	}
	if !s.goSafe(name, func() {
		defer done()
		s.serve(ctx, name, isCall, params, m, reply)
	}) {
		done()
		return fail(jsonrpc2.NewError(jsonrpc2.InvalidRequest, name+": server is shutting down"))
	}
	return nil
}

// serve runs one method, recovering a panic (InternalError), and replies to a call.
func (s *Server) serve(ctx context.Context, name string, isCall bool, params json.RawMessage, m method, reply jsonrpc2.Replier) {
	start := time.Now()
	var (
		result any
		err    error
	)
	func() {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("panic in handler", zap.String("method", name), zap.Any("panic", r),
					zap.ByteString("stack", debug.Stack()))
				result, err = nil, jsonrpc2.Errorf(jsonrpc2.InternalError, "internal error in %s: %v", name, r)
			}
		}()
		if s.testHook != nil {
			s.testHook(name)
		}
		if ctx.Err() != nil {
			err = s.wireError(ctx, name, ctx.Err()) // cancelled before it started
			return
		}
		res, ferr := m.fn(s, ctx, params)
		if ferr != nil {
			err = s.wireError(ctx, name, ferr)
			return
		}
		if isCall {
			result, err = encodeResult(res)
		}
	}()
	s.log.Debug("handled", zap.String("method", name), zap.Bool("call", isCall),
		zap.Duration("took", time.Since(start)), zap.Error(err))
	if !isCall {
		if err != nil {
			s.log.Warn("notification failed", zap.String("method", name), zap.Error(err))
		}
		return
	}
	s.reply(name, reply, result, err)
}

// reply answers a call; a failure to write means the connection is going away.
func (s *Server) reply(name string, reply jsonrpc2.Replier, result any, err error) {
	if rerr := reply(context.Background(), result, err); rerr != nil {
		s.log.Debug("reply not sent", zap.String("method", name), zap.Error(rerr))
	}
}

// errRequestCancelled answers a request cancelled by the client (LSP RequestCancelled).
var errRequestCancelled = jsonrpc2.NewError(-32800, "request cancelled")

func (s *Server) wireError(ctx context.Context, name string, err error) *jsonrpc2.Error {
	var werr *jsonrpc2.Error
	switch {
	case errors.As(err, &werr):
		return werr
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		if s.ctx.Err() != nil {
			return jsonrpc2.NewError(jsonrpc2.InvalidRequest, name+": server is shutting down")
		}
		if ctx.Err() != nil {
			return errRequestCancelled
		}
	}
	s.log.Warn("request failed", zap.String("method", name), zap.Error(err))
	return jsonrpc2.NewError(jsonrpc2.InternalError, name+": "+err.Error())
}

// encodeResult encodes a handler's result with encoding/json (a pull diagnostics report
// by hand: diagnostic_json.go); jsonrpc2's codec passes a json.RawMessage through as is.
func encodeResult(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	var b []byte
	var err error
	if r, ok := v.(fullDocumentDiagnosticReport); ok {
		b, err = encodeFullReport(&r)
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		return nil, jsonrpc2.Errorf(jsonrpc2.InternalError, "encoding result: %v", err)
	}
	return json.RawMessage(b), nil
}

// decodeParams decodes params into v; a failure is InvalidParams.
func decodeParams(params json.RawMessage, v any) error {
	if len(params) == 0 || string(params) == "null" {
		return jsonrpc2.NewError(jsonrpc2.InvalidParams, "missing params")
	}
	if err := json.Unmarshal(params, v); err != nil {
		return jsonrpc2.Errorf(jsonrpc2.InvalidParams, "invalid params: %v", err)
	}
	return nil
}

// notify sends a notification to the client. Diagnostics, the bulk of what the server
// sends while someone types, are encoded by hand, once, straight into their frame
// (diagnostic_json.go, notificationFrame); everything else goes through jsonrpc2.
func (s *Server) notify(method string, params any) {
	if p, ok := params.(publishDiagnosticsParams); ok && method == "textDocument/publishDiagnostics" {
		size := publishSize(&p)
		frame, err := notificationFrame(s.stream.frameStorage(size), method, size, func(b []byte) ([]byte, error) {
			return appendPublishDiagnostics(b, &p)
		})
		if err != nil {
			s.log.Error("encoding notification", zap.String("method", method), zap.Error(err))
			return
		}
		if _, err := s.stream.queueFrame(frame); err != nil {
			s.log.Debug("notification not sent", zap.String("method", method), zap.Error(err))
		}
		return
	}
	b, err := json.Marshal(params)
	if err != nil {
		s.log.Error("encoding notification", zap.String("method", method), zap.Error(err))
		return
	}
	if err := s.conn.Notify(context.Background(), method, json.RawMessage(b)); err != nil {
		s.log.Debug("notification not sent", zap.String("method", method), zap.Error(err))
	}
}

// call sends a request to the client and decodes its result into result (may be nil).
// It must not run on the read loop (the answer is read there): callers are async handlers
// or goroutines.
func (s *Server) call(ctx context.Context, method string, params, result any) error {
	b, err := json.Marshal(params)
	if err != nil {
		return err
	}
	var raw json.RawMessage
	if _, err := s.conn.Call(ctx, method, json.RawMessage(b), &raw); err != nil {
		return err
	}
	if result != nil && len(raw) > 0 && string(raw) != "null" {
		return json.Unmarshal(raw, result)
	}
	return nil
}

// clientCallTimeout bounds the server's own requests that no user is waiting on
// (registration, configuration, progress creation): a client that never answers must not
// stall them for ever.
const clientCallTimeout = 10 * time.Second

// callBounded is call under s.ctx with clientCallTimeout.
func (s *Server) callBounded(method string, params, result any) error {
	ctx, cancel := context.WithTimeout(s.ctx, clientCallTimeout)
	defer cancel()
	return s.call(ctx, method, params, result)
}

// showMessage shows a message to the user.
func (s *Server) showMessage(t protocol.MessageType, format string, args ...any) {
	s.notify("window/showMessage", protocol.ShowMessageParams{Type: t, Message: fmt.Sprintf(format, args...)})
}
