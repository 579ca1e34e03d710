package lsp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/rules"
)

// The test client: a real jsonrpc2 connection over net.Pipe to an in-process server, with
// typed helpers. Positions in fixtures are written as markers ⟨name⟩ (stripped before the
// text is sent) and converted to LSP positions by the test's own code, independent of
// position.go.

const waitTimeout = 20 * time.Second

type testClient struct {
	t      testing.TB
	conn   jsonrpc2.Conn
	server *Server
	done   chan error // Serve's result
	enc    encoding   // the negotiated encoding, for marker conversion

	mu      sync.Mutex
	changed *sync.Cond
	diags   map[protocol.DocumentURI][]publishDiagnosticsParams // every publish, by URI, in order
	// lean (benchmarks) keeps only the last publish's diagnostics of each URI: a thousand
	// publishes of 300 diagnostics would otherwise grow the heap the server is measured in
	lean     bool
	messages []protocol.ShowMessageParams
	logs     []protocol.ShowMessageParams
	progress []progressParams
	created  []string // progress tokens created
	received []string // server-to-client methods, in order
	applied  []protocol.ApplyWorkspaceEditParams
	// appliedRaw holds the same edits as sent (documentChanges may hold resource
	// operations, which ApplyWorkspaceEditParams does not decode).
	appliedRaw []json.RawMessage
	// applyRefusal, when set, refuses workspace/applyEdit with this reason.
	applyRefusal string
	shown        []protocol.ShowDocumentParams
	registers    []protocol.RegistrationParams
	refreshes    int
	// configSection answers workspace/configuration (nil: null).
	configSection json.RawMessage
	// showDocumentOK is the answer to window/showDocument.
	showDocumentOK bool
	// publishArrived, when set (benchmarks), is called on the client's read loop for each
	// publishDiagnostics as soon as its version is read, before the message is decoded
	// (encoding/json's reflection takes longer over hundreds of diagnostics than the
	// server takes to send them).
	publishArrived func(uri protocol.DocumentURI, version *int32)
}

type serverOpt func(*Server)

// newTestClient starts a server on one end of a pipe and a client on the other. It does
// not initialize.
func newTestClient(t testing.TB, opts ...serverOpt) *testClient {
	t.Helper()
	a, b := net.Pipe()
	ctx := context.Background()
	log := zaptest.NewLogger(t)
	_, bench := t.(*testing.B)
	if bench {
		log = zap.NewNop()
	}
	// benchmarks run the server as `exportdb lsp` does: collecting garbage between
	// keystrokes, unless EXPORTDB_BENCH_IDLEGC=off
	idle := bench && os.Getenv("EXPORTDB_BENCH_IDLEGC") != "off"
	s := newServer(ctx, a, Options{Logger: log, Version: "test", IdleCollect: idle})
	for _, o := range opts {
		o(s)
	}
	c := &testClient{t: t, server: s, done: make(chan error, 1), diags: map[protocol.DocumentURI][]publishDiagnosticsParams{}, showDocumentOK: true}
	c.changed = sync.NewCond(&c.mu)
	go func() { c.done <- s.run(ctx) }()
	c.conn = jsonrpc2.NewConn(&clientStream{Stream: jsonrpc2.NewStream(b), in: bufio.NewReader(b), publish: c.takePublish})
	c.conn.Go(ctx, c.handle)
	t.Cleanup(func() {
		_ = c.conn.Close()
		select {
		case <-c.done:
		case <-time.After(waitTimeout):
			t.Errorf("server did not stop after the client closed the connection")
		}
	})
	return c
}

// handle is the client's jsonrpc2 handler: it runs on the client's read loop.
func (c *testClient) handle(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	_, isCall := req.(*jsonrpc2.Call)
	if !isCall && req.Method() == "textDocument/publishDiagnostics" && !c.arrived(req.Params()) {
		return nil
	}
	res, err := c.answer(req.Method(), req.Params(), isCall)
	if isCall {
		return reply(ctx, res, err)
	}
	return nil
}

// clientStream is the test client's transport: jsonrpc2's stream, except that it hands
// the server's publishDiagnostics notifications to publish (on the client's read loop, in
// wire order, as the handler would get them) without jsonrpc2's decoding of the message:
// the benchmarks time a publish from its arrival, and jsonrpc2's decoder (segmentio's)
// takes about a millisecond over 300 diagnostics before the handler sees them. The
// message is still decoded and checked whole, with encoding/json (takePublish).
type clientStream struct {
	jsonrpc2.Stream // writes, and Close
	in              *bufio.Reader
	publish         func(body []byte, params int)
}

// Read returns the next message that is not a publishDiagnostics notification. Its
// errors are wrapped, as jsonrpc2's stream wraps its own: the connection keeps the first
// error of a failure in an atomic.Value, which panics on a second of another type.
func (s *clientStream) Read(context.Context) (jsonrpc2.Message, int64, error) {
	for {
		body, n, err := readFrame(s.in)
		if err != nil {
			return nil, n, fmt.Errorf("reading a message: %w", err)
		}
		if at, ok := publishParamsAt(body); ok {
			s.publish(body, at)
			continue
		}
		msg, err := jsonrpc2.DecodeMessage(body)
		if err != nil {
			return nil, n, fmt.Errorf("decoding a message: %w", err)
		}
		return msg, n, nil
	}
}

// readFrame reads one message of the base protocol: headers, a blank line, the body.
func readFrame(in *bufio.Reader) ([]byte, int64, error) {
	var n int64
	length := -1
	for {
		line, err := in.ReadString('\n')
		n += int64(len(line))
		if err != nil {
			return nil, n, err
		}
		line = strings.TrimSpace(line)
		if line == "" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Content-Length:"); ok {
			if length, err = strconv.Atoi(strings.TrimSpace(v)); err != nil {
				return nil, n, fmt.Errorf("bad header %q", line)
			}
		}
	}
	if length < 0 {
		return nil, n, errors.New("no Content-Length")
	}
	body := make([]byte, length)
	_, err := io.ReadFull(in, body)
	return body, n + int64(length), err
}

// publishParamsAt reports whether body is a publishDiagnostics notification and where its
// params start, reading the members before them only ("jsonrpc", "method": the server
// writes them first). Anything else, or an order it does not expect, is left to jsonrpc2.
func publishParamsAt(body []byte) (int, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return 0, false
	}
	var version, method string
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return 0, false
		}
		switch key {
		case "jsonrpc":
			err = dec.Decode(&version)
		case "method":
			err = dec.Decode(&method)
		case "params":
			if version != "2.0" || method != "textDocument/publishDiagnostics" {
				return 0, false
			}
			at := int(dec.InputOffset())
			for at < len(body) && (body[at] == ':' || body[at] == ' ' || body[at] == '\t' || body[at] == '\r' || body[at] == '\n') {
				at++
			}
			return at, true
		default:
			return 0, false // an id (a call), or a member jsonrpc2 should judge
		}
		if err != nil {
			return 0, false
		}
	}
	return 0, false
}

// takePublish records a publishDiagnostics notification taken off the stream (body, its
// params from the offset params on): it is decoded and checked whole, in one pass of
// encoding/json, then recorded as the handler records it.
func (c *testClient) takePublish(body []byte, params int) {
	if !c.arrived(body[params:]) {
		return
	}
	var m struct {
		JSONRPC string                    `json:"jsonrpc"`
		Method  string                    `json:"method"`
		ID      *json.RawMessage          `json:"id"`
		Params  *publishDiagnosticsParams `json:"params"`
	}
	err := json.Unmarshal(body, &m)
	c.mu.Lock()
	defer func() {
		c.changed.Broadcast()
		c.mu.Unlock()
	}()
	c.received = append(c.received, m.Method)
	if err != nil || m.JSONRPC != "2.0" || m.ID != nil || m.Params == nil {
		c.t.Errorf("bad publishDiagnostics message (%v): %.200s", err, body)
		return
	}
	c.recordPublishLocked(*m.Params)
}

// recordPublishLocked records a publish; the caller holds c.mu.
func (c *testClient) recordPublishLocked(p publishDiagnosticsParams) {
	if p.Diagnostics == nil {
		c.t.Errorf("publishDiagnostics for %s has null diagnostics, want a list", p.URI)
	}
	list := c.diags[p.URI]
	if c.lean && len(list) > 0 {
		list[len(list)-1].Diagnostics = nil // counted, but not kept
	}
	c.diags[p.URI] = append(list, p)
}

// arrived tells publishArrived, if set, of a publish whose params begin params. It
// reports false when they cannot be read.
func (c *testClient) arrived(params []byte) bool {
	if c.publishArrived == nil {
		return true
	}
	uri, v, err := peekPublish(params)
	if err != nil {
		c.t.Errorf("bad publishDiagnostics: %v", err)
		return false
	}
	c.publishArrived(uri, v)
	return true
}

// answer answers the server's requests and records its notifications.
func (c *testClient) answer(method string, params json.RawMessage, isCall bool) (any, error) {
	c.mu.Lock()
	defer func() {
		c.changed.Broadcast()
		c.mu.Unlock()
	}()
	c.received = append(c.received, method)
	switch method {
	case "textDocument/publishDiagnostics":
		var p publishDiagnosticsParams
		if err := json.Unmarshal(params, &p); err != nil {
			c.t.Errorf("bad publishDiagnostics: %v", err)
			return nil, nil
		}
		c.recordPublishLocked(p)
	case "window/showMessage":
		var p protocol.ShowMessageParams
		_ = json.Unmarshal(params, &p)
		c.messages = append(c.messages, p)
	case "window/logMessage":
		var p protocol.ShowMessageParams
		_ = json.Unmarshal(params, &p)
		c.logs = append(c.logs, p)
	case "$/progress":
		var p progressParams
		_ = json.Unmarshal(params, &p)
		c.progress = append(c.progress, p)
	case "window/workDoneProgress/create":
		var p workDoneProgressCreateParams
		_ = json.Unmarshal(params, &p)
		c.created = append(c.created, p.Token)
		return nil, nil
	case "client/registerCapability":
		var p protocol.RegistrationParams
		_ = json.Unmarshal(params, &p)
		c.registers = append(c.registers, p)
		return nil, nil
	case "window/showDocument":
		var p protocol.ShowDocumentParams
		_ = json.Unmarshal(params, &p)
		c.shown = append(c.shown, p)
		return json.RawMessage(fmt.Sprintf(`{"success":%v}`, c.showDocumentOK)), nil
	case "workspace/applyEdit":
		var p protocol.ApplyWorkspaceEditParams
		_ = json.Unmarshal(params, &p)
		c.applied = append(c.applied, p)
		c.appliedRaw = append(c.appliedRaw, append(json.RawMessage(nil), params...))
		if c.applyRefusal != "" {
			return map[string]any{"applied": false, "failureReason": c.applyRefusal}, nil
		}
		return json.RawMessage(`{"applied":true}`), nil
	case "workspace/configuration":
		sec := c.configSection
		if sec == nil {
			sec = json.RawMessage("null")
		}
		return json.RawMessage("[" + string(sec) + "]"), nil
	case "workspace/diagnostic/refresh":
		c.refreshes++
		return nil, nil
	}
	if isCall {
		return nil, jsonrpc2.ErrMethodNotFound
	}
	return nil, nil
}

// peekPublish reads the uri and version of publishDiagnostics params, in whatever order
// they come, without decoding further than it must (the server writes them before the
// diagnostics).
func peekPublish(params json.RawMessage) (protocol.DocumentURI, *int32, error) {
	dec := json.NewDecoder(bytes.NewReader(params))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", nil, fmt.Errorf("params are not an object: %v %v", t, err)
	}
	var uri *protocol.DocumentURI
	var version *int32
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return "", nil, err
		}
		switch t {
		case "uri":
			err = dec.Decode(&uri)
		case "version":
			err = dec.Decode(&version)
		default:
			if uri != nil && version != nil {
				return *uri, version, nil
			}
			err = dec.Decode(new(json.RawMessage))
		}
		if err != nil {
			return "", nil, err
		}
	}
	if uri == nil {
		return "", nil, errors.New("no uri")
	}
	return *uri, version, nil
}

// call sends a request and decodes its result with encoding/json.
func (c *testClient) call(method string, params, result any) error {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	b, err := json.Marshal(params)
	if err != nil {
		c.t.Fatal(err)
	}
	var raw json.RawMessage
	if _, err := c.conn.Call(ctx, method, json.RawMessage(b), &raw); err != nil {
		return err
	}
	if len(raw) == 0 {
		raw = json.RawMessage("null") // jsonrpc2 v0.10 hands a null result over as empty
	}
	if result != nil {
		if err := json.Unmarshal(raw, result); err != nil {
			c.t.Fatalf("%s: decoding %s: %v", method, raw, err)
		}
	}
	return nil
}

func (c *testClient) mustCall(method string, params, result any) {
	c.t.Helper()
	if err := c.call(method, params, result); err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
}

func (c *testClient) notify(method string, params any) {
	c.t.Helper()
	b, err := json.Marshal(params)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := c.conn.Notify(context.Background(), method, json.RawMessage(b)); err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
}

// testCaps is what a test client advertises: v0.12's ClientCapabilities plus the 3.17
// capabilities the server reads, merged into one object on the wire.
type testCaps struct {
	protocol.ClientCapabilities
	PositionEncodings  []string                      // general.positionEncodings
	Diagnostic         *diagnosticClientCapabilities // textDocument.diagnostic (pull)
	DiagnosticsRefresh bool                          // workspace.diagnostics.refreshSupport
}

func (c testCaps) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(c.ClientCapabilities)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	sub := func(k string) map[string]any {
		v, _ := m[k].(map[string]any)
		if v == nil {
			v = map[string]any{}
			m[k] = v
		}
		return v
	}
	if c.PositionEncodings != nil {
		sub("general")["positionEncodings"] = c.PositionEncodings
	}
	if c.Diagnostic != nil {
		sub("textDocument")["diagnostic"] = c.Diagnostic
	}
	if c.DiagnosticsRefresh {
		sub("workspace")["diagnostics"] = map[string]any{"refreshSupport": true}
	}
	return json.Marshal(m)
}

// initParams is the test client's initialize request: the fields of v0.12's
// InitializeParams the tests use, with testCaps.
type initParams struct {
	ProcessID             *int32                     `json:"processId"`
	ClientInfo            *protocol.ClientInfo       `json:"clientInfo,omitempty"`
	RootURI               protocol.DocumentURI       `json:"rootUri,omitempty"`
	InitializationOptions any                        `json:"initializationOptions,omitempty"`
	Capabilities          testCaps                   `json:"capabilities"`
	WorkspaceFolders      []protocol.WorkspaceFolder `json:"workspaceFolders,omitempty"`
}

// capsNeovim07 is what Neovim 0.7 advertises, as far as the server cares: no position
// encodings, no pull diagnostics, no documentChanges.
func capsNeovim07() testCaps {
	return testCaps{ClientCapabilities: protocol.ClientCapabilities{
		TextDocument: &protocol.TextDocumentClientCapabilities{
			PublishDiagnostics: &protocol.PublishDiagnosticsClientCapabilities{
				RelatedInformation: true,
				TagSupport: &protocol.PublishDiagnosticsClientCapabilitiesTagSupport{
					ValueSet: []protocol.DiagnosticTag{protocol.DiagnosticTagUnnecessary, protocol.DiagnosticTagDeprecated},
				},
			},
			CodeAction: &protocol.CodeActionClientCapabilities{
				CodeActionLiteralSupport: &protocol.CodeActionClientCapabilitiesLiteralSupport{
					CodeActionKind: &protocol.CodeActionClientCapabilitiesKind{},
				},
			},
			Hover: &protocol.HoverTextDocumentClientCapabilities{ContentFormat: []protocol.MarkupKind{protocol.Markdown, protocol.PlainText}},
		},
		Workspace: &protocol.WorkspaceClientCapabilities{
			ApplyEdit:             true,
			Configuration:         true,
			WorkspaceEdit:         &protocol.WorkspaceClientCapabilitiesWorkspaceEdit{},
			DidChangeWatchedFiles: &protocol.DidChangeWatchedFilesWorkspaceClientCapabilities{},
		},
		Window: &protocol.WindowClientCapabilities{
			WorkDoneProgress: true,
			ShowDocument:     &protocol.ShowDocumentClientCapabilities{Support: true},
		},
	}}
}

// initialize sends initialize and initialized.
func (c *testClient) initialize(p initParams) initializeResult {
	c.t.Helper()
	var res initializeResult
	c.mustCall("initialize", p, &res)
	c.enc = negotiateEncodingName(res.Capabilities.PositionEncoding)
	c.notify("initialized", struct{}{})
	return res
}

func negotiateEncodingName(s string) encoding {
	switch s {
	case "utf-8":
		return encUTF8
	case "utf-32":
		return encUTF32
	}
	return encUTF16
}

// start initializes a push-diagnostics client (Neovim 0.7's capabilities) with the given
// position encodings offered.
func (c *testClient) start(encodings ...string) initializeResult {
	caps := capsNeovim07()
	caps.PositionEncodings = encodings
	return c.initialize(initParams{Capabilities: caps, ClientInfo: &protocol.ClientInfo{Name: "test"}})
}

func (c *testClient) open(uri protocol.DocumentURI, text string) {
	c.t.Helper()
	c.notify("textDocument/didOpen", protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: uri, LanguageID: "python", Version: 1, Text: text}})
}

func (c *testClient) change(uri protocol.DocumentURI, version int32, changes ...textDocumentContentChangeEvent) {
	c.t.Helper()
	c.notify("textDocument/didChange", didChangeTextDocumentParams{
		TextDocument: protocol.VersionedTextDocumentIdentifier{
			TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: uri}, Version: version},
		ContentChanges: changes,
	})
}

// waitFor waits until cond (called with c.mu held) holds. cond is asked again at each
// message from the server and every few milliseconds: a condition on the server's state
// (docsSettled) may become true without a message.
func (c *testClient) waitFor(what string, cond func() bool) {
	c.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	poll := time.NewTicker(2 * time.Millisecond)
	done := make(chan struct{})
	defer func() {
		poll.Stop()
		close(done)
	}()
	go func() {
		for {
			select {
			case <-done:
				return
			case <-poll.C:
				c.mu.Lock()
				c.changed.Broadcast()
				c.mu.Unlock()
			}
		}
	}()
	c.mu.Lock()
	defer c.mu.Unlock()
	for !cond() {
		if time.Now().After(deadline) {
			for uri, list := range c.diags {
				if len(list) > 0 {
					c.t.Logf("last diagnostics of %s (%d publishes): %+v", uri, len(list), list[len(list)-1].Diagnostics)
				}
			}
			c.t.Fatalf("timed out waiting for %s", what)
		}
		c.changed.Wait()
	}
}

// diagsFor waits for a publish of uri at version (or any version when version < 0) and
// returns the latest one.
func (c *testClient) diagsFor(uri protocol.DocumentURI, version int32) publishDiagnosticsParams {
	c.t.Helper()
	var got publishDiagnosticsParams
	c.waitFor(fmt.Sprintf("diagnostics of %s v%d", uri, version), func() bool {
		list := c.diags[uri]
		if len(list) == 0 {
			return false
		}
		last := list[len(list)-1]
		if version >= 0 && (last.Version == nil || *last.Version != version) {
			return false
		}
		got = last
		return true
	})
	return got
}

// publishes returns how many publishes uri has had.
func (c *testClient) publishes(uri protocol.DocumentURI) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.diags[uri])
}

// quiet waits until the server has published nothing for uris during d (at most
// waitTimeout): the analyses that opening documents set off have settled.
func (c *testClient) quiet(d time.Duration, uris ...protocol.DocumentURI) {
	c.t.Helper()
	count := func() int {
		n := 0
		for _, u := range uris {
			n += c.publishes(u)
		}
		return n
	}
	deadline := time.Now().Add(waitTimeout)
	last, since := count(), time.Now()
	for time.Since(since) < d {
		if time.Now().After(deadline) {
			c.t.Fatalf("the server kept publishing for %v", waitTimeout)
		}
		time.Sleep(d / 10)
		if n := count(); n != last {
			last, since = n, time.Now()
		}
	}
}

// shutdown sends shutdown and exit and waits for Serve to return.
func (c *testClient) shutdown() error {
	c.t.Helper()
	c.mustCall("shutdown", nil, nil)
	c.notify("exit", nil)
	select {
	case err := <-c.done:
		c.done <- err // for the cleanup
		return err
	case <-time.After(waitTimeout):
		c.t.Fatal("server did not exit")
	}
	return nil
}

// ---- markers ----

var markerRE = regexp.MustCompile(`⟨(/?[\w.-]+)⟩`)

// fixture strips ⟨name⟩ markers from src and returns the text and each marker's byte
// offset in it. ⟨/name⟩ marks the end of the range that ⟨name⟩ starts.
func fixture(t *testing.T, src string) (string, map[string]int) {
	t.Helper()
	marks := map[string]int{}
	var b strings.Builder
	last := 0
	for _, m := range markerRE.FindAllStringSubmatchIndex(src, -1) {
		b.WriteString(src[last:m[0]])
		name := src[m[2]:m[3]]
		if _, dup := marks[name]; dup {
			t.Fatalf("marker %s twice", name)
		}
		marks[name] = b.Len()
		last = m[1]
	}
	b.WriteString(src[last:])
	return b.String(), marks
}

// posAt converts a byte offset of text to a position in enc: the test's own converter.
func posAt(text string, off int, enc encoding) protocol.Position {
	line, start := 0, 0
	for i := 0; i < off; i++ {
		switch text[i] {
		case '\n':
			line, start = line+1, i+1
		case '\r':
			if i+1 < len(text) && text[i+1] == '\n' {
				continue
			}
			line, start = line+1, i+1
		}
	}
	seg := text[start:off]
	var n int
	switch enc {
	case encUTF8:
		n = len(seg)
	case encUTF32:
		n = utf8.RuneCountInString(seg)
	default:
		n = len(utf16.Encode([]rune(seg)))
	}
	return protocol.Position{Line: uint32(line), Character: uint32(n)}
}

func rangeAt(text string, start, end int, enc encoding) protocol.Range {
	return protocol.Range{Start: posAt(text, start, enc), End: posAt(text, end, enc)}
}

// offsetAt converts a position back to a byte offset (test side).
func offsetAt(t *testing.T, text string, p protocol.Position, enc encoding) int {
	t.Helper()
	for off := 0; off <= len(text); off++ {
		if off < len(text) && off > 0 && !utf8.RuneStart(text[off]) {
			continue
		}
		if posAt(text, off, enc) == p {
			return off
		}
	}
	t.Fatalf("position %+v not in text", p)
	return -1
}

// applyEdits applies LSP text edits to text (test side).
func applyEdits(t *testing.T, text string, edits []protocol.TextEdit, enc encoding) string {
	t.Helper()
	type span struct {
		s, e int
		txt  string
	}
	var spans []span
	for _, e := range edits {
		spans = append(spans, span{offsetAt(t, text, e.Range.Start, enc), offsetAt(t, text, e.Range.End, enc), e.NewText})
	}
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].s < spans[j].s })
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		if sp.s < last {
			t.Fatalf("overlapping edits %+v", edits)
		}
		b.WriteString(text[last:sp.s])
		b.WriteString(sp.txt)
		last = sp.e
	}
	b.WriteString(text[last:])
	return b.String()
}

// editsFor returns the edits a WorkspaceEdit makes to uri (changes or documentChanges).
func editsFor(t *testing.T, we *protocol.WorkspaceEdit, uri protocol.DocumentURI) []protocol.TextEdit {
	t.Helper()
	if we == nil {
		t.Fatal("code action has no edit")
	}
	if len(we.DocumentChanges) > 0 {
		var out []protocol.TextEdit
		for _, dc := range we.DocumentChanges {
			if dc.TextDocument.URI == uri {
				out = append(out, dc.Edits...)
			}
		}
		return out
	}
	return we.Changes[uri]
}

// rpcCode returns the JSON-RPC error code of err, or 0.
func rpcCode(err error) jsonrpc2.Code {
	var e *jsonrpc2.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// withRules replaces the server's rules (tests that need a rule not written yet).
func withRules(r []*analysis.Rule) serverOpt {
	return func(s *Server) { s.rules, s.builtinRules = r, false }
}

// roundOnly runs dynamic_shape_round alone: tests of protocol mechanics that count
// diagnostics or fixes stay independent of the other rules, which are being written.
var roundOnly = withRules([]*analysis.Rule{rules.DynamicShapeRound})

// goroutines waits until the number of goroutines is at most n, and returns it.
func goroutines(n int) int {
	deadline := time.Now().Add(5 * time.Second)
	for {
		g := runtime.NumGoroutine()
		if g <= n || time.Now().After(deadline) {
			return g
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitIndexed waits until the workspace index is built (the end of its $/progress), so
// that a document opened afterwards is linked with its importers.
func (c *testClient) waitIndexed() {
	c.t.Helper()
	c.waitFor("the workspace index", func() bool {
		for _, p := range c.progress {
			if v, ok := p.Value.(map[string]any); ok && p.Token == "exportdb-index" && v["kind"] == "end" {
				return true
			}
		}
		return false
	})
}
