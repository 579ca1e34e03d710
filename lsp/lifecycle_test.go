package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.uber.org/zap/zaptest"
)

func TestCapabilities(t *testing.T) {
	t.Run("vscode-like", func(t *testing.T) {
		c := newTestClient(t)
		caps := capsNeovim07()
		caps.PositionEncodings = []string{"utf-16", "utf-8"}
		caps.Diagnostic = &diagnosticClientCapabilities{}
		caps.DiagnosticsRefresh = true
		var raw json.RawMessage
		c.mustCall("initialize", initParams{Capabilities: caps}, &raw)
		var res struct {
			Capabilities struct {
				PositionEncoding string `json:"positionEncoding"`
				TextDocumentSync struct {
					OpenClose bool `json:"openClose"`
					Change    int  `json:"change"`
				} `json:"textDocumentSync"`
				HoverProvider      bool `json:"hoverProvider"`
				CodeActionProvider struct {
					CodeActionKinds []string `json:"codeActionKinds"`
				} `json:"codeActionProvider"`
				CodeLensProvider       *json.RawMessage `json:"codeLensProvider"`
				ExecuteCommandProvider struct {
					Commands []string `json:"commands"`
				} `json:"executeCommandProvider"`
				DiagnosticProvider *struct {
					Identifier string `json:"identifier"`
				} `json:"diagnosticProvider"`
			} `json:"capabilities"`
			ServerInfo protocol.ServerInfo `json:"serverInfo"`
		}
		if err := json.Unmarshal(raw, &res); err != nil {
			t.Fatal(err)
		}
		cp := res.Capabilities
		if cp.PositionEncoding != "utf-8" {
			t.Errorf("positionEncoding = %q, want utf-8 (offered)", cp.PositionEncoding)
		}
		if !cp.TextDocumentSync.OpenClose || cp.TextDocumentSync.Change != 2 {
			t.Errorf("textDocumentSync = %+v, want openClose and incremental (2)", cp.TextDocumentSync)
		}
		if !cp.HoverProvider || cp.CodeLensProvider == nil {
			t.Errorf("hover %v, codeLens %v", cp.HoverProvider, cp.CodeLensProvider)
		}
		if strings.Join(cp.CodeActionProvider.CodeActionKinds, ",") != "quickfix,source.fixAll.exportdb" {
			t.Errorf("codeActionKinds = %v", cp.CodeActionProvider.CodeActionKinds)
		}
		want := "exportdb.applyAllFixes,exportdb.showCase,exportdb.debugInfo,exportdb.scanWorkspace,exportdb.declareDims"
		if got := strings.Join(cp.ExecuteCommandProvider.Commands, ","); got != want {
			t.Errorf("commands = %s, want %s", got, want)
		}
		if cp.DiagnosticProvider == nil || cp.DiagnosticProvider.Identifier != "exportdb" {
			t.Errorf("diagnosticProvider = %+v, want one for a pull client", cp.DiagnosticProvider)
		}
		if res.ServerInfo.Name != "exportdb" || res.ServerInfo.Version != "test" {
			t.Errorf("serverInfo = %+v", res.ServerInfo)
		}
	})
	t.Run("neovim-0.7", func(t *testing.T) {
		c := newTestClient(t)
		var raw json.RawMessage
		c.mustCall("initialize", initParams{Capabilities: capsNeovim07()}, &raw)
		var res struct {
			Capabilities map[string]json.RawMessage `json:"capabilities"`
		}
		if err := json.Unmarshal(raw, &res); err != nil {
			t.Fatal(err)
		}
		if got := string(res.Capabilities["positionEncoding"]); got != `"utf-16"` {
			t.Errorf("positionEncoding = %s, want utf-16 when none is offered", got)
		}
		if _, ok := res.Capabilities["diagnosticProvider"]; ok {
			t.Errorf("diagnosticProvider offered to a client without pull diagnostics")
		}
	})
	t.Run("a capability of an unexpected type", func(t *testing.T) {
		c := newTestClient(t)
		var res initializeResult
		c.mustCall("initialize", json.RawMessage(`{"processId":null,"capabilities":{"workspace":{"applyEdit":"yes"},`+
			`"textDocument":{"publishDiagnostics":{"tagSupport":{"valueSet":["deprecated"]}}},"general":{"positionEncodings":["utf-8"]}}}`), &res)
		if res.Capabilities.PositionEncoding != "utf-8" {
			t.Errorf("positionEncoding = %q, want utf-8: the rest of the capabilities still count", res.Capabilities.PositionEncoding)
		}
	})
	t.Run("negotiation", func(t *testing.T) {
		for _, tc := range []struct {
			offered []string
			want    encoding
		}{
			{nil, encUTF16},
			{[]string{"utf-16"}, encUTF16},
			{[]string{"utf-32", "utf-16"}, encUTF16},
			{[]string{"utf-32", "utf-8"}, encUTF8},
			{[]string{"utf-32"}, encUTF32},
		} {
			if got := negotiateEncoding(tc.offered); got != tc.want {
				t.Errorf("negotiateEncoding(%v) = %s, want %s", tc.offered, got, tc.want)
			}
		}
	})
}

func TestRequestsBeforeInitialize(t *testing.T) {
	c := newTestClient(t)
	err := c.call("textDocument/hover", protocol.TextDocumentPositionParams{TextDocument: protocol.TextDocumentIdentifier{URI: "file:///x.py"}}, nil)
	if rpcCode(err) != jsonrpc2.ServerNotInitialized {
		t.Fatalf("hover before initialize: err = %v, want ServerNotInitialized (-32002)", err)
	}
	// notifications before initialize are dropped, not fatal
	c.open("file:///x.py", "x = 1\n")
	c.start()
	if err := c.call("initialize", initParams{}, nil); rpcCode(err) != jsonrpc2.InvalidRequest {
		t.Errorf("second initialize: err = %v, want InvalidRequest", err)
	}
}

func TestUnknownMethod(t *testing.T) {
	c := newTestClient(t)
	c.start()
	err := c.call("exportdb/noSuchMethod", map[string]int{"x": 1}, nil)
	if rpcCode(err) != jsonrpc2.MethodNotFound {
		t.Fatalf("unknown method: err = %v, want MethodNotFound", err)
	}
	c.notify("$/noSuchNotification", nil) // ignored
	// still alive
	c.mustCall("workspace/executeCommand", protocol.ExecuteCommandParams{Command: cmdDebugInfo}, nil)
}

func TestMalformedParams(t *testing.T) {
	c := newTestClient(t)
	c.start()
	uri := protocol.DocumentURI("file:///m.py")
	err := c.call("textDocument/hover", json.RawMessage(`{"textDocument": 5, "position": "x"}`), nil)
	if rpcCode(err) != jsonrpc2.InvalidParams {
		t.Errorf("hover with bad params: err = %v, want InvalidParams", err)
	}
	if err := c.call("textDocument/codeAction", nil, nil); rpcCode(err) != jsonrpc2.InvalidParams {
		t.Errorf("codeAction without params: err = %v, want InvalidParams", err)
	}
	// a malformed notification is logged and dropped
	c.notify("textDocument/didChange", json.RawMessage(`{"textDocument": {"uri": 7}, "contentChanges": "no"}`))
	c.notify("textDocument/didOpen", json.RawMessage(`[1, 2, 3]`))
	// a didChange for a document that is not open
	c.change("file:///never-opened.py", 3, textDocumentContentChangeEvent{Text: "x = 1\n"})
	// the server is alive and serves the next document
	c.open(uri, "import torch\n")
	if got := c.diagsFor(uri, 1); len(got.Diagnostics) != 0 {
		t.Errorf("diagnostics = %+v, want none", got.Diagnostics)
	}
}

// TestMalformedFrames writes garbage on the wire: the server answers what it can and keeps
// serving.
func TestMalformedFrames(t *testing.T) {
	a, b := net.Pipe()
	s := newServer(context.Background(), a, Options{Logger: zaptest.NewLogger(t)})
	done := make(chan error, 1)
	go func() { done <- s.run(context.Background()) }()
	defer func() {
		b.Close()
		<-done
	}()
	read := make(chan string, 16)
	go func() {
		buf := make([]byte, 1<<16)
		for {
			n, err := b.Read(buf)
			if err != nil {
				close(read)
				return
			}
			read <- string(buf[:n])
		}
	}()
	write := func(s string) {
		if _, err := b.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	frame := func(body string) string {
		return "Content-Length: " + itoa(len(body)) + "\r\n\r\n" + body
	}
	expect := func(want string) {
		t.Helper()
		deadline := time.After(waitTimeout)
		got := ""
		for !strings.Contains(got, want) {
			select {
			case s, ok := <-read:
				if !ok {
					t.Fatalf("connection closed; got %q, want %q", got, want)
				}
				got += s
			case <-deadline:
				t.Fatalf("got %q, want %q", got, want)
			}
		}
	}
	write(frame(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}`))
	expect(`"id":1,"result"`)
	write(frame(`{not json`))
	expect(`"id":null,"error":{"code":-32700`)
	// ids: a string is echoed as a string; one jsonrpc2 cannot hold (past int32) is
	// answered InvalidRequest with the id as sent
	write(frame(`{"jsonrpc":"2.0","id":"s-1","method":"workspace/executeCommand","params":{"command":"exportdb.debugInfo"}}`))
	expect(`"id":"s-1","result":"exportdb`)
	write(frame(`{"jsonrpc":"2.0","id":1099511627776,"method":"shutdown"}`))
	expect(`"id":1099511627776,"error":{"code":-32600`)
	write(frame(`[1, 2]`))
	expect(`"id":null,"error":{"code":-32600`)
	write("Content-Length: banana\r\n\r\n")
	write("\x00\x01\x02 garbage line\r\n\r\n")
	write(frame(`{"jsonrpc":"2.0","id":2,"result":{"method":1}}`)) // a stray response
	write(frame(`{"jsonrpc":"1.0","id":3,"method":"shutdown"}`))
	expect(`"id":3,"error":{"code":-32600`)
	write(frame(`{"jsonrpc":"2.0","id":4,"method":"shutdown"}`))
	expect(`"id":4,"result":null`)
	write(frame(`{"jsonrpc":"2.0","method":"exit"}`))
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve = %v, want nil after shutdown and exit", err)
		}
		done <- nil
	case <-time.After(waitTimeout):
		t.Fatal("server did not exit")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestPanicRecovery(t *testing.T) {
	c := newTestClient(t, func(s *Server) {
		s.testHook = func(method string) {
			if method == "textDocument/codeLens" {
				panic("injected")
			}
		}
	})
	c.start()
	err := c.call("textDocument/codeLens", protocol.CodeLensParams{TextDocument: protocol.TextDocumentIdentifier{URI: "file:///p.py"}}, nil)
	if rpcCode(err) != jsonrpc2.InternalError || !strings.Contains(err.Error(), "injected") {
		t.Fatalf("panicking handler: err = %v, want InternalError naming the panic", err)
	}
	// the server keeps running
	c.open("file:///p.py", "x = 1\n")
	c.diagsFor("file:///p.py", 1)
	var info string
	c.mustCall("workspace/executeCommand", protocol.ExecuteCommandParams{Command: cmdDebugInfo}, &info)
}

func TestShutdownExit(t *testing.T) {
	t.Run("shutdown then exit", func(t *testing.T) {
		c := newTestClient(t)
		c.start()
		c.open("file:///a.py", "x = 1\n")
		c.diagsFor("file:///a.py", 1)
		c.mustCall("shutdown", nil, nil)
		if err := c.call("textDocument/hover", protocol.TextDocumentPositionParams{TextDocument: protocol.TextDocumentIdentifier{URI: "file:///a.py"}}, nil); rpcCode(err) != jsonrpc2.InvalidRequest {
			t.Errorf("request after shutdown: err = %v, want InvalidRequest", err)
		}
		c.notify("exit", nil)
		select {
		case err := <-c.done:
			if err != nil {
				t.Errorf("Serve = %v, want nil", err)
			}
			c.done <- err
		case <-time.After(waitTimeout):
			t.Fatal("no exit")
		}
	})
	t.Run("exit without shutdown", func(t *testing.T) {
		c := newTestClient(t)
		c.start()
		c.notify("exit", nil)
		select {
		case err := <-c.done:
			if !errors.Is(err, ErrExitWithoutShutdown) {
				t.Errorf("Serve = %v, want ErrExitWithoutShutdown", err)
			}
			c.done <- err
		case <-time.After(waitTimeout):
			t.Fatal("no exit")
		}
	})
	t.Run("input closed", func(t *testing.T) {
		c := newTestClient(t)
		c.start()
		c.open("file:///a.py", "x = 1\n")
		_ = c.conn.Close()
		select {
		case err := <-c.done:
			if err != nil {
				t.Errorf("Serve = %v, want nil when the input ends", err)
			}
			c.done <- err
		case <-time.After(waitTimeout):
			t.Fatal("server did not stop when its input closed")
		}
	})
}

// TestNoGoroutineLeft runs a busy session and checks that every goroutine the server
// started is gone once Serve returns.
func TestNoGoroutineLeft(t *testing.T) {
	runtime.GC()
	before := runtime.NumGoroutine()
	func() {
		c := newTestClient(t)
		c.start()
		text, _ := fixture(t, roundModel)
		for i := 0; i < 5; i++ {
			uri := protocol.DocumentURI("file:///leak" + itoa(i) + ".py")
			c.open(uri, text)
			for v := int32(2); v < 20; v++ {
				c.change(uri, v, textDocumentContentChangeEvent{Text: text + strings.Repeat("#", int(v)) + "\n"})
			}
		}
		var h json.RawMessage
		c.mustCall("textDocument/hover", protocol.TextDocumentPositionParams{TextDocument: protocol.TextDocumentIdentifier{URI: "file:///leak0.py"}}, &h)
		if err := c.shutdown(); err != nil {
			t.Fatal(err)
		}
		_ = c.conn.Close()
		<-c.conn.Done()
	}()
	if after := goroutines(before); after > before {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Fatalf("%d goroutines before the session, %d after:\n%s", before, after, buf[:n])
	}
}

// TestCancelRequest: $/cancelRequest cancels a running request, which answers
// RequestCancelled (-32800).
func TestCancelRequest(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	c := newTestClient(t, func(s *Server) {
		s.testHook = func(method string) {
			if method == "textDocument/codeLens" {
				close(entered)
				<-release
			}
		}
	})
	c.start()
	errc := make(chan error, 1)
	go func() {
		errc <- c.call("textDocument/codeLens", protocol.CodeLensParams{TextDocument: protocol.TextDocumentIdentifier{URI: "file:///c.py"}}, nil)
	}()
	<-entered
	s := c.server
	s.reqMu.Lock()
	var id jsonrpc2.ID
	for k := range s.inflight {
		id = k
	}
	s.reqMu.Unlock()
	n, err := strconv.Atoi(fmt.Sprint(id)) // the test client's ids are numbers
	if err != nil {
		t.Fatalf("in-flight id %v", id)
	}
	c.notify("$/cancelRequest", protocol.CancelParams{ID: n})
	// the read loop handles notifications in order: once this answers, the cancel is in
	c.mustCall("workspace/executeCommand", protocol.ExecuteCommandParams{Command: cmdDebugInfo}, nil)
	close(release)
	if err := <-errc; rpcCode(err) != -32800 {
		t.Fatalf("cancelled request: err = %v, want RequestCancelled (-32800)", err)
	}
}
