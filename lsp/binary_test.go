package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// TestBinaryOverStdio builds cmd/exportdb and talks to `exportdb lsp` over its stdin and
// stdout: a seed example's diagnostic (code, link), its hover card, its quick fix (which
// leaves valid Python without the finding), shutdown and exit with status 0.
func TestBinaryOverStdio(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "exportdb")
	build := exec.Command("go", "build", "-o", bin, "../cmd/exportdb")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	logFile := filepath.Join(t.TempDir(), "lsp.log")
	cmd := exec.Command(bin, "lsp", "--stdio", "--log-level", "debug", "--log-file", logFile)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn := jsonrpc2.NewConn(jsonrpc2.NewStream(pipeRWC{stdout, stdin}))
	var diagsMsg = make(chan publishDiagnosticsParams, 16)
	conn.Go(ctx, func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		if req.Method() == "textDocument/publishDiagnostics" {
			var p publishDiagnosticsParams
			if err := json.Unmarshal(req.Params(), &p); err == nil {
				diagsMsg <- p
			}
		}
		return reply(ctx, nil, nil) // workspace/configuration and the like: null
	})
	call := func(method string, params, result any) {
		t.Helper()
		b, _ := json.Marshal(params)
		var raw json.RawMessage
		if _, err := conn.Call(ctx, method, json.RawMessage(b), &raw); err != nil {
			t.Fatalf("%s: %v\nstderr: %s", method, err, stderr.String())
		}
		if result != nil {
			if err := json.Unmarshal(raw, result); err != nil {
				t.Fatalf("%s: %v: %s", method, err, raw)
			}
		}
	}
	notify := func(method string, params any) {
		t.Helper()
		b, _ := json.Marshal(params)
		if err := conn.Notify(ctx, method, json.RawMessage(b)); err != nil {
			t.Fatalf("%s: %v", method, err)
		}
	}
	nextDiags := func(version int32) publishDiagnosticsParams {
		t.Helper()
		for {
			select {
			case p := <-diagsMsg:
				if p.Version != nil && *p.Version == version {
					return p
				}
			case <-ctx.Done():
				t.Fatalf("no diagnostics for version %d", version)
			}
		}
	}

	var init initializeResult
	call("initialize", initParams{Capabilities: capsNeovim07()}, &init)
	if init.Capabilities.PositionEncoding != "utf-16" || init.ServerInfo.Name != "exportdb" {
		t.Fatalf("initialize: %+v", init)
	}
	notify("initialized", struct{}{})

	k, _ := catalog.Default().Lookup("dynamic_shape_round")
	text := k.Example
	uri := protocol.DocumentURI("file:///seed/dynamic_shape_round.py")
	notify("textDocument/didOpen", protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: uri, LanguageID: "python", Version: 1, Text: text}})
	pd := nextDiags(1)
	var d *protocol.Diagnostic
	for i := range pd.Diagnostics {
		if pd.Diagnostics[i].Code == "dynamic_shape_round" {
			d = &pd.Diagnostics[i]
		}
	}
	if d == nil || d.CodeDescription == nil || string(d.CodeDescription.Href) != k.URL("") || d.Severity != protocol.DiagnosticSeverityError {
		t.Fatalf("diagnostics %+v, want dynamic_shape_round with its link", pd.Diagnostics)
	}
	start := strings.Index(text, "round(")
	if want := rangeAt(text, start, start+len("round(x.shape[0] / 2)"), encUTF16); d.Range != want {
		t.Errorf("range %+v, want %+v", d.Range, want)
	}

	var h protocol.Hover
	call("textDocument/hover", protocol.TextDocumentPositionParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri}, Position: d.Range.Start}, &h)
	if !strings.Contains(h.Contents.Value, "`dynamic_shape_round`") || !strings.Contains(h.Contents.Value, k.URL("")) {
		t.Errorf("hover:\n%s", h.Contents.Value)
	}

	var acts []protocol.CodeAction
	call("textDocument/codeAction", protocol.CodeActionParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri}, Range: d.Range,
		Context: protocol.CodeActionContext{Diagnostics: []protocol.Diagnostic{*d}}}, &acts)
	if len(acts) == 0 || acts[0].Edit == nil {
		t.Fatalf("code actions %+v", acts)
	}
	fixed := applyEdits(t, text, acts[0].Edit.Changes[uri], encUTF16)
	assertParses(t, fixed)
	notify("textDocument/didChange", didChangeTextDocumentParams{TextDocument: protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: uri}, Version: 2},
		ContentChanges: []textDocumentContentChangeEvent{{Text: fixed}}})
	for _, d := range nextDiags(2).Diagnostics {
		if d.Code == "dynamic_shape_round" {
			t.Errorf("still reported after the fix: %+v", d)
		}
	}

	call("shutdown", nil, nil)
	notify("exit", nil)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit: %v\nstderr: %s", err, stderr.String())
		}
		exited <- nil
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not exit")
	}
	_ = conn.Close()
	if stderr.Len() != 0 {
		t.Errorf("stderr should be empty with --log-file: %s", stderr.String())
	}
}

type pipeRWC struct {
	r io.ReadCloser
	w io.WriteCloser
}

func (p pipeRWC) Read(b []byte) (int, error)  { return p.r.Read(b) }
func (p pipeRWC) Write(b []byte) (int, error) { return p.w.Write(b) }
func (p pipeRWC) Close() error {
	p.w.Close()
	return p.r.Close()
}
