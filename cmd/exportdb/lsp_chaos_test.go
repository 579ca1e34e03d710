package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Protocol chaos against the real binary (issue 8, point 5). One `exportdb lsp` process
// (the binary TestMain built) is fed malformed and hostile input over its stdin, phase by
// phase. After every phase it must still answer a well-formed request correctly (a hover
// on a known finding), every message it wrote must be a well-formed JSON-RPC 2.0 message
// in valid UTF-8, and its resident memory must stay bounded. TestLSPChaosExit covers the
// ways the process ends.
//
// What "survive" means for input whose end cannot be known: a header block without a
// usable Content-Length, or a Content-Length that does not match its body, costs the bytes
// it covers; the server resynchronises on the next Content-Length header. When the
// garbage and the next header share a line the server finds the header; when a
// Content-Length claims more than the body, the claimed bytes of the next message are
// consumed and that message is lost. Cases that may lose the next message say so
// (mayLoseNext); the request after that must be answered either way.
//
// No timing is asserted: the timeouts below only turn a hung server into a failure
// instead of a hung test. Memory bounds are assertions about behaviour (a leak grows with
// input), chosen generously for a loaded machine.

const (
	chaosTimeout     = 20 * time.Second // hang detection; a healthy server answers in milliseconds
	chaosHugeTimeout = 90 * time.Second // hang detection for the huge documents' analysis
	chaosRSSLimitKB  = 300 << 10        // any phase but the huge documents
	chaosHugeRSSKB   = 600 << 10        // with a 3.5 MiB or 10 MiB document open
	chaosBurstGrowKB = 64 << 10         // a second burst of 1,000 edits may not add more than this
)

// Error codes of JSON-RPC 2.0 and LSP.
const (
	codeParseError           = -32700
	codeInvalidRequest       = -32600
	codeMethodNotFound       = -32601
	codeInvalidParams        = -32602
	codeServerNotInitialized = -32002
	codeRequestCancelled     = -32800
	codeContentModified      = -32801
)

func TestLSPChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the language server binary for several seconds")
	}
	s := startLSP(t)
	dir := t.TempDir()
	uri := func(name string) string { return "file://" + filepath.ToSlash(filepath.Join(dir, name)) }
	probe := uri("probe.py")
	probePos := utf16Pos(roundModel, strings.Index(roundModel, "round("))

	phase := func(name string, fn func(t *testing.T)) {
		if !t.Run(name, fn) {
			s.checkRunning(t)
		}
		limit := chaosRSSLimitKB
		if name == "huge documents" {
			limit = chaosHugeRSSKB
		}
		s.alive(t, name, probe, probePos, limit)
	}

	// The probe document is opened by the first phase; alive() hovers on its finding.
	t.Run("before initialize", func(t *testing.T) {
		// LSP: a request before initialize is answered with ServerNotInitialized; a
		// notification is dropped.
		s.wantError(t, s.call(t, "textDocument/hover", hoverParams(probe, probePos)), codeServerNotInitialized)
		s.wantError(t, s.call(t, "exportdb/noSuchMethod", nil), codeServerNotInitialized)
		early := uri("early.py")
		s.notify(t, "textDocument/didOpen", openParams(early, 1, roundModel))
		s.initialize(t)
		// the early didOpen was dropped: the document is not open, so hover answers null
		if m := s.call(t, "textDocument/hover", hoverParams(early, probePos)); m.Error != nil || string(m.Result) != "null" {
			t.Errorf("hover on a document opened before initialize: %s, want null (the didOpen is dropped)", m)
		}
		s.wantError(t, s.call(t, "initialize", map[string]any{"capabilities": map[string]any{}}), codeInvalidRequest)
		s.notify(t, "textDocument/didOpen", openParams(probe, 1, roundModel))
		if !hasCode(s.publish(t, probe, 1, chaosTimeout), "dynamic_shape_round") {
			t.Fatalf("the probe document has no dynamic_shape_round diagnostic")
		}
	})
	s.alive(t, "before initialize", probe, probePos, chaosRSSLimitKB)

	phase("malformed headers", func(t *testing.T) {
		lost := frame(mustJSON(t, map[string]any{"jsonrpc": "2.0", "id": "lost", "method": "exportdb/noSuchMethod"}))
		lostBody := lost[bytes.Index(lost, []byte("\r\n\r\n"))+4:]
		for _, c := range []struct {
			name        string
			junk        []byte
			mayLoseNext bool
		}{
			{"missing Content-Length", append([]byte("Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n"), lostBody...), false},
			{"non-numeric Content-Length", append([]byte("Content-Length: twelve\r\n\r\n"), lostBody...), false},
			{"negative Content-Length", append([]byte("Content-Length: -12\r\n\r\n"), lostBody...), false},
			{"zero Content-Length", []byte("Content-Length: 0\r\n\r\n"), false},
			{"overflowing Content-Length", append([]byte("Content-Length: 99999999999999999999999999\r\n\r\n"), lostBody...), false},
			{"header line without a colon", append([]byte("Content-Length 44\r\nnot a header\r\n\r\n"), lostBody...), false},
			{"bare LF line endings", []byte("Content-Length: 2\n\n{}"), true},
		} {
			s.write(t, c.junk)
			s.pingPair(t, c.name, c.mayLoseNext)
		}
		// Header variants the base protocol allows must be understood: another header
		// (Content-Type) and header names in any case.
		body := mustJSON(t, map[string]any{"jsonrpc": "2.0", "id": "ct", "method": "exportdb/noSuchMethod"})
		s.write(t, []byte(fmt.Sprintf("Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: %d\r\n\r\n%s", len(body), body)))
		s.wantError(t, s.response(t, "ct"), codeMethodNotFound)
		body = mustJSON(t, map[string]any{"jsonrpc": "2.0", "id": "lc", "method": "exportdb/noSuchMethod"})
		s.write(t, []byte(fmt.Sprintf("content-length: %d\r\ncontent-type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n%s", len(body), body)))
		s.wantError(t, s.response(t, "lc"), codeMethodNotFound)
	})

	phase("wrong Content-Length", func(t *testing.T) {
		body := mustJSON(t, map[string]any{"jsonrpc": "2.0", "id": "short", "method": "exportdb/noSuchMethod"})
		// shorter than the body: the truncated JSON is a parse error, the rest of the body
		// is junk before the next header
		n := s.nullErrors()
		s.write(t, []byte(fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body)-10, body)))
		s.waitNullErrors(t, n, 1, codeParseError)
		s.pingPair(t, "Content-Length shorter than the body", false)

		// longer than the body: the claimed bytes come from the next message (padding
		// here), which is lost; the body with those bytes after it is not valid JSON, a
		// parse error (answering the request in it would mean ignoring trailing junk)
		n = s.nullErrors()
		body = mustJSON(t, map[string]any{"jsonrpc": "2.0", "id": "long", "method": "exportdb/noSuchMethod"})
		pad := frame(mustJSON(t, map[string]any{"jsonrpc": "2.0", "method": "$/chaos/padding", "params": map[string]string{"pad": strings.Repeat("p", 200)}}))
		s.write(t, append([]byte(fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body)+30, body)), pad...))
		count := 0
		m := s.waitFor(t, "the answer to a body followed by junk", chaosTimeout, func(m *lspMsg) bool {
			if isNullError(m) {
				count++
			}
			return m.isResponse() && idIs(m, "long") || isNullError(m) && count > n
		})
		if !isNullError(m) || m.Error.Code != codeParseError {
			t.Errorf("a Content-Length covering a request and 30 more bytes: got %s, want a parse error with id null", m)
		}
		s.pingPair(t, "Content-Length longer than the body", false)
	})

	phase("invalid JSON", func(t *testing.T) {
		n := s.nullErrors()
		for _, b := range []string{`{not json`, `{"jsonrpc":"2.0","id":1,`, `{"jsonrpc":"2.0","method":"textDocument/hover"`, `}`} {
			s.write(t, frame([]byte(b)))
		}
		// JSON-RPC: a parse error is answered with id null
		s.waitNullErrors(t, n, 4, codeParseError)
	})

	phase("valid JSON that is not JSON-RPC", func(t *testing.T) {
		n := s.nullErrors()
		s.write(t, frame([]byte(`{"hello":"world"}`)))
		s.waitNullErrors(t, n, 1, codeInvalidRequest)
		// not an object at all: an error with id null (Invalid Request; Parse Error is
		// tolerated, the server cannot read an id either way)
		n = s.nullErrors()
		others := []string{`[1,2,3]`, `42`, `"text"`, `null`, `true`}
		for _, b := range others {
			s.write(t, frame([]byte(b)))
		}
		s.waitNullErrors(t, n, len(others), codeInvalidRequest, codeParseError)
		// objects that carry an id but are not valid requests: an error for that id.
		// The hover itself would succeed, so an answer with a result means the server
		// accepted a message that is not JSON-RPC 2.0.
		hover := hoverParams(probe, probePos)
		s.write(t, frame(mustJSON(t, map[string]any{"jsonrpc": "1.0", "id": "v1", "method": "textDocument/hover", "params": hover})))
		s.wantError(t, s.response(t, "v1"), codeInvalidRequest)
		s.write(t, frame(mustJSON(t, map[string]any{"id": "nov", "method": "textDocument/hover", "params": hover})))
		s.wantError(t, s.response(t, "nov"), codeInvalidRequest)
		// the method is not a string: valid JSON, so Invalid Request, for the id or null
		n = s.nullErrors()
		s.write(t, frame([]byte(`{"jsonrpc":"2.0","id":"m7","method":7}`)))
		count := 0
		m := s.waitFor(t, `an error for {"id":"m7","method":7}`, chaosTimeout, func(m *lspMsg) bool {
			if isNullError(m) {
				count++
			}
			return m.isResponse() && idIs(m, "m7") || isNullError(m) && count > n
		})
		s.wantError(t, m, codeInvalidRequest)
		// stray responses to requests the server never sent are ignored
		s.write(t, frame([]byte(`{"jsonrpc":"2.0","id":987654,"result":{"x":1}}`)))
		s.write(t, frame([]byte(`{"jsonrpc":"2.0","id":987655,"error":{"code":1,"message":"x"}}`)))
	})

	phase("unknown methods and bad params", func(t *testing.T) {
		s.wantError(t, s.call(t, "exportdb/noSuchMethod", map[string]int{"x": 1}), codeMethodNotFound)
		// string ids are echoed as strings
		s.send(t, map[string]any{"jsonrpc": "2.0", "id": "chaos-str-1", "method": "exportdb/noSuchMethod"})
		s.wantError(t, s.response(t, "chaos-str-1"), codeMethodNotFound)
		// LSP: a request whose method starts with $/ is answered MethodNotFound
		s.wantError(t, s.call(t, "$/noSuchRequest", nil), codeMethodNotFound)
		// unknown notifications are ignored
		s.notify(t, "$/noSuchNotification", map[string]int{"x": 1})
		s.notify(t, "exportdb/noSuchNotification", nil)
		// bad params: InvalidParams for requests, dropped for notifications
		s.wantError(t, s.call(t, "textDocument/hover", map[string]any{"textDocument": 5, "position": "x"}), codeInvalidParams)
		s.wantError(t, s.call(t, "textDocument/hover", nil), codeInvalidParams)
		s.wantError(t, s.call(t, "textDocument/codeAction", []int{1, 2}), codeInvalidParams)
		s.notify(t, "textDocument/didOpen", []int{1, 2, 3})
		s.notify(t, "textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": 7}, "contentChanges": "no"})
		s.notify(t, "$/cancelRequest", map[string]any{"id": map[string]int{"x": 1}})
	})

	phase("unopened documents and out-of-range edits", func(t *testing.T) {
		never := uri("never-opened.py")
		s.notify(t, "textDocument/didChange", changeParams(never, 2, rangeEdit(pos{0, 0}, pos{0, 0}, "x = 1\n")))
		s.notify(t, "textDocument/didChange", changeParams(never, 3, map[string]any{"text": roundModel}))
		s.notify(t, "textDocument/didSave", map[string]any{"textDocument": map[string]any{"uri": never}})
		s.notify(t, "textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": never}})
		if m := s.call(t, "textDocument/hover", hoverParams(never, probePos)); m.Error != nil || string(m.Result) != "null" {
			t.Errorf("hover on a document never opened: %s, want null", m)
		}

		doc := uri("edits.py")
		s.notify(t, "textDocument/didOpen", openParams(doc, 1, "# 🙂 starts with a surrogate pair\n"+cleanModel))
		s.publish(t, doc, 1, chaosTimeout)
		// Each change below is outside the document in some way; the server must apply it
		// somehow (it clamps) and publish diagnostics for the version, as after any change.
		for _, c := range []struct {
			name    string
			version int
			change  map[string]any
		}{
			{"line past the end", 2, rangeEdit(pos{100000, 0}, pos{100000, 0}, "\n# tail\n")},
			{"character past the line's end", 3, rangeEdit(pos{0, 100000}, pos{0, 100000}, "  # comment")},
			{"end before start", 4, rangeEdit(pos{5, 0}, pos{2, 0}, "")},
			{"largest uint32 line", 5, rangeEdit(pos{4294967295, 4294967295}, pos{4294967295, 4294967295}, "\n")},
			{"inside a surrogate pair", 6, rangeEdit(pos{0, 3}, pos{0, 3}, "x")},
		} {
			s.notify(t, "textDocument/didChange", changeParams(doc, c.version, c.change))
			s.publish(t, doc, c.version, chaosTimeout)
		}
		// not representable (negative, beyond uint32): invalid params, the change is dropped
		s.notify(t, "textDocument/didChange", changeParams(doc, 7, rangeEdit(pos{-1, -1}, pos{-1, -1}, "x")))
		s.notify(t, "textDocument/didChange", changeParams(doc, 8, rangeEdit(pos{4294967296, 0}, pos{4294967296, 0}, "x")))
		// an older version than the document's is ignored
		s.notify(t, "textDocument/didChange", changeParams(doc, 3, map[string]any{"text": "garbage ("}))
		// a full-text change brings the document to a known text, analysed correctly
		final := "# naïve 🙂 ünïcode before the finding\n" + strings.Replace(roundModel, "        return", "        e = \"🙂\"; return", 1)
		s.notify(t, "textDocument/didChange", changeParams(doc, 9, map[string]any{"text": final}))
		p := s.publish(t, doc, 9, chaosTimeout)
		at := strings.Index(final, "round(")
		wantRange := rng(utf16Pos(final, at), utf16Pos(final, at+len("round(n / 2)")))
		if !hasDiag(p, "dynamic_shape_round", wantRange) {
			t.Errorf("after the edits, diagnostics %+v, want dynamic_shape_round at %v", p.Diagnostics, wantRange)
		}
		s.wantHoverCard(t, doc, utf16Pos(final, at), "dynamic_shape_round")
	})

	phase("invalid UTF-8", func(t *testing.T) {
		// raw invalid bytes inside a JSON string (the document text)
		bad := uri("bad_utf8.py")
		body := []byte(`{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"` + bad +
			`","languageId":"python","version":1,"text":"import torch\nx = \"` + "\xff\xfe\xc3" + `\"\n"}}}`)
		s.write(t, frame(body))
		s.publish(t, bad, 1, chaosTimeout)
		// a lone surrogate escape
		sur := uri("surrogate.py")
		s.write(t, frame([]byte(`{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"`+sur+
			`","languageId":"python","version":1,"text":"x = \"\ud800\"\ny = 1\n"}}}`)))
		s.publish(t, sur, 1, chaosTimeout)
		// a NUL byte: not analysed, and the diagnostic says why
		nul := uri("nul.py")
		s.notify(t, "textDocument/didOpen", openParams(nul, 1, "import torch\x00\n"))
		if p := s.publish(t, nul, 1, chaosTimeout); !hasCode(p, "file_error") {
			t.Errorf("a document with a NUL byte: diagnostics %+v, want a file_error diagnostic", p.Diagnostics)
		}
		// invalid UTF-8 in a method name and in a URI; the answers must be valid UTF-8
		// (checked on every message the server writes)
		s.write(t, frame([]byte(`{"jsonrpc":"2.0","id":"badm","method":"exportdb/`+"\xff\xfe"+`"}`)))
		s.wantError(t, s.response(t, "badm"), codeMethodNotFound)
		s.write(t, frame([]byte(`{"jsonrpc":"2.0","id":"baduri","method":"textDocument/hover","params":{"textDocument":{"uri":"file:///`+
			"\xff\xfe"+`.py"},"position":{"line":0,"character":0}}}`)))
		s.response(t, "baduri")
	})

	phase("binary garbage", func(t *testing.T) {
		r := rand.New(rand.NewPCG(8, 5))
		random := func(n int) []byte {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			return b
		}
		every := bytes.Repeat(func() []byte {
			b := make([]byte, 256)
			for i := range b {
				b[i] = byte(i)
			}
			return b
		}(), 64)
		for _, c := range []struct {
			name        string
			junk        []byte
			mayLoseNext bool
		}{
			// garbage that ends on the next header's line: the server finds the header
			{"every byte value", every, false},
			{"64 KiB of random bytes", random(64 << 10), false},
			// a line longer than the server's read buffer is dropped whole, with the
			// header that follows it on that line
			{"a megabyte of NUL bytes", make([]byte, 1<<20), true},
		} {
			s.write(t, c.junk)
			s.pingPair(t, c.name, c.mayLoseNext)
		}
		for _, n := range []int{4 << 10, 1 << 20} {
			before := s.nullErrors()
			b := random(n)
			s.write(t, append([]byte(fmt.Sprintf("Content-Length: %d\r\n\r\n", len(b))), b...))
			s.waitNullErrors(t, before, 1, codeParseError, codeInvalidRequest)
			s.pingPair(t, fmt.Sprintf("a framed body of %d random bytes", n), false)
		}
	})

	phase("bursts of 1,000 edits with cancellations", func(t *testing.T) {
		burstDoc := uri("burst.py")
		text := chaosModel(2000) + burstTarget
		s.notify(t, "textDocument/didOpen", openParams(burstDoc, 1, text))
		if p := s.publish(t, burstDoc, 1, chaosTimeout); hasCode(p, "dynamic_shape_round") {
			t.Fatalf("the burst document starts with a dynamic_shape_round finding: %+v", p.Diagnostics)
		}
		rss0 := s.rssKB(t)
		// burst 1 ends by writing round(...) into the forward, burst 2 by removing it again
		text, v := s.burst(t, burstDoc, text, 1, "x.shape[0] // 2", "round(x.shape[0] / 2)", true)
		rss1 := s.rssKB(t)
		s.burst(t, burstDoc, text, v, "round(x.shape[0] / 2)", "x.shape[0] // 2", false)
		rss2 := s.rssKB(t)
		t.Logf("VmRSS: %d kB before the bursts, %d kB after the first, %d kB after the second", rss0, rss1, rss2)
		if rss2 > rss1+chaosBurstGrowKB {
			t.Errorf("VmRSS grew from %d kB to %d kB over the second burst of 1,000 edits (bound: +%d kB): memory grows with edits",
				rss1, rss2, chaosBurstGrowKB)
		}
	})

	phase("huge documents", func(t *testing.T) {
		// 3.5 MiB, under the editor's limit (4 MiB): analysed, with the finding at the end;
		// 10 MiB: analysed, or refused with a diagnostic that says why
		for _, size := range []int{7 << 19, 10 << 20} {
			mb := fmt.Sprintf("%.1f MiB", float64(size)/(1<<20))
			huge := uri(fmt.Sprintf("huge_%d.py", size))
			var b strings.Builder
			b.WriteString(chaosModel(0)) // the imports
			for i := 0; b.Len() < size; i++ {
				b.WriteString(chaosBlock(i))
			}
			b.WriteString(strings.Replace(burstTarget, "x.shape[0] // 2", "round(x.shape[0] / 2)", 1))
			text := b.String()
			s.notify(t, "textDocument/didOpen", openParams(huge, 1, text))
			p := s.publish(t, huge, 1, chaosHugeTimeout)
			at := strings.LastIndex(text, "round(")
			if hasCode(p, "file_error") {
				t.Logf("%s document: not analysed: %s", mb, p.Diagnostics[0].Message)
			} else {
				want := rng(utf16Pos(text, at), utf16Pos(text, at+len("round(x.shape[0] / 2)")))
				if !hasDiag(p, "dynamic_shape_round", want) {
					t.Errorf("%s document: %d diagnostics, none is dynamic_shape_round at %v (nor a file_error)", mb, len(p.Diagnostics), want)
				}
				s.wantHoverCard(t, huge, utf16Pos(text, at), "dynamic_shape_round")
			}
			rss := s.rssKB(t)
			t.Logf("VmRSS %d kB with the %s document open", rss, mb)
			if rss > chaosHugeRSSKB {
				t.Errorf("VmRSS %d kB with a %s document open, want at most %d kB", rss, mb, chaosHugeRSSKB)
			}
			s.notify(t, "textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": huge}})
			s.waitFor(t, "the empty diagnostics of the closed "+mb+" document", chaosTimeout, func(m *lspMsg) bool {
				if m.Method != "textDocument/publishDiagnostics" {
					return false
				}
				var p chaosPublish
				return json.Unmarshal(m.Params, &p) == nil && p.URI == huge && len(p.Diagnostics) == 0
			})
		}

		// 17 MiB: beyond the analysis limit (16 MiB): not analysed, and the diagnostic says why
		tooBig := uri("too_big.py")
		s.notify(t, "textDocument/didOpen", openParams(tooBig, 1, strings.Repeat("x = 1  # padding padding padding\n", (17<<20)/33)))
		if p := s.publish(t, tooBig, 1, chaosHugeTimeout); !hasCode(p, "file_error") {
			t.Errorf("17 MiB document: diagnostics %+v, want a file_error diagnostic", p.Diagnostics)
		}
		s.notify(t, "textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": tooBig}})
		if rss := s.rssKB(t); rss > chaosHugeRSSKB {
			t.Errorf("VmRSS %d kB after the huge documents, want at most %d kB", rss, chaosHugeRSSKB)
		}
	})

	t.Run("shutdown and exit", func(t *testing.T) {
		if m := s.call(t, "shutdown", nil); m.Error != nil || string(m.Result) != "null" {
			t.Fatalf("shutdown: %s, want result null", m)
		}
		// LSP: after shutdown, requests are errors (InvalidRequest)
		s.wantError(t, s.call(t, "textDocument/hover", hoverParams(probe, probePos)), codeInvalidRequest)
		s.notify(t, "exit", nil)
		if code := s.exitCode(t); code != 0 {
			t.Errorf("exit status %d after shutdown and exit, want 0", code)
		}
	})
	s.checkOutput(t, "shutdown and exit")
	if log := s.logText(); strings.Contains(log, "panic") {
		t.Errorf("the server log reports a panic:\n%s", tail(log, 40))
	}
}

// TestLSPChaosExit: the process ends with status 0 after shutdown and exit, 1 after an
// exit without shutdown (LSP), and 0 when its input ends, also in the middle of a message
// or with a request in flight.
func TestLSPChaosExit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the language server binary")
	}
	for _, c := range []struct {
		name string
		run  func(t *testing.T, s *lspProc)
		want int
	}{
		{"shutdown then exit", func(t *testing.T, s *lspProc) {
			s.initialize(t)
			s.call(t, "shutdown", nil)
			s.notify(t, "exit", nil)
		}, 0},
		{"exit without shutdown", func(t *testing.T, s *lspProc) {
			s.initialize(t)
			s.notify(t, "exit", nil)
		}, 1},
		{"exit before initialize", func(t *testing.T, s *lspProc) {
			s.notify(t, "exit", nil)
		}, 1},
		{"stdin closed", func(t *testing.T, s *lspProc) {
			s.initialize(t)
			s.stdin.Close()
		}, 0},
		{"stdin closed inside a message", func(t *testing.T, s *lspProc) {
			s.initialize(t)
			s.write(t, []byte("Content-Length: 99999999999\r\n\r\n{\"jsonrpc\":\"2.0\","))
			s.stdin.Close()
		}, 0},
		{"stdin closed with a request in flight", func(t *testing.T, s *lspProc) {
			s.initialize(t)
			uri := "file:///chaos/inflight.py"
			text := chaosModel(3000)
			s.notify(t, "textDocument/didOpen", openParams(uri, 1, text))
			s.request(t, "textDocument/hover", hoverParams(uri, pos{5, 10}))
			s.stdin.Close()
		}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := startLSP(t)
			c.run(t, s)
			if code := s.exitCode(t); code != c.want {
				t.Errorf("exit status %d, want %d\n%s", code, c.want, tail(s.logText(), 20))
			}
			s.checkOutput(t, c.name)
		})
	}
}

// ---- the burst ----

// burstTarget is the class the bursts edit: a line with non-ASCII text before the edited
// expression, so that UTF-16 columns differ from bytes and code points.
const burstTarget = `

class Target(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        e = "naïve 🙂"; n = x.shape[0] // 2
        h = self.proj(x)
        return h[:n]
`

// burst sends 1,000 didChange notifications from version v+1 in one write: 999 that
// type and delete a character in Target.forward, interleaved with hovers that are
// cancelled right away ($/cancelRequest) and cancellations of unknown ids; the last
// change replaces from with to. Then it checks that a hover answers for the final text,
// that the final version's diagnostics match a fresh open of the final text, that every
// cancelled hover was answered (a result or RequestCancelled) and that no older version
// was published after a newer one. It returns the final text and version.
func (s *lspProc) burst(t *testing.T, uri, text string, v int, from, to string, wantRound bool) (string, int) {
	t.Helper()
	var buf bytes.Buffer
	var hovers []string
	at := strings.Index(text, "n = x.shape[0]")
	if at < 0 {
		at = strings.Index(text, "n = round(")
	}
	for i := 0; i < 999; i++ {
		v++
		if i%2 == 0 {
			p := utf16Pos(text, at)
			buf.Write(notification(t, "textDocument/didChange", changeParams(uri, v, rangeEdit(p, p, "m"))))
			text = text[:at] + "m" + text[at:]
		} else {
			buf.Write(notification(t, "textDocument/didChange", changeParams(uri, v, rangeEdit(utf16Pos(text, at), utf16Pos(text, at+1), ""))))
			text = text[:at] + text[at+1:]
		}
		if i%10 == 5 {
			id := fmt.Sprintf("burst-%d", v)
			hovers = append(hovers, id)
			buf.Write(frame(mustJSON(t, map[string]any{"jsonrpc": "2.0", "id": id, "method": "textDocument/hover",
				"params": hoverParams(uri, utf16Pos(text, at+10))})))
			buf.Write(notification(t, "$/cancelRequest", map[string]any{"id": id}))
		}
		if i%100 == 50 {
			for _, id := range []any{987654321, "never-sent", "burst-1"} {
				buf.Write(notification(t, "$/cancelRequest", map[string]any{"id": id}))
			}
		}
	}
	i := strings.Index(text, from)
	v++
	buf.Write(notification(t, "textDocument/didChange", changeParams(uri, v, rangeEdit(utf16Pos(text, i), utf16Pos(text, i+len(from)), to))))
	text = text[:i] + to + text[i+len(from):]
	s.write(t, buf.Bytes())

	// a hover sent after the burst answers for the final text
	round := strings.Index(text, "round(")
	if wantRound {
		s.wantHoverCard(t, uri, utf16Pos(text, round), "dynamic_shape_round")
	} else if m := s.call(t, "textDocument/hover", hoverParams(uri, utf16Pos(text, i))); m.Error != nil || strings.Contains(string(m.Result), "dynamic_shape_round") {
		t.Errorf("hover after round() was removed: %s, want no dynamic_shape_round card", m)
	}
	// the final version's diagnostics are those of the final text opened afresh
	p := s.publish(t, uri, v, chaosTimeout)
	if got := hasCode(p, "dynamic_shape_round"); got != wantRound {
		t.Errorf("version %d: dynamic_shape_round reported: %v, want %v", v, got, wantRound)
	}
	fresh := uri[:len(uri)-len(".py")] + fmt.Sprintf("_fresh%d.py", v)
	s.notify(t, "textDocument/didOpen", openParams(fresh, 1, text))
	if f := s.publish(t, fresh, 1, chaosTimeout); !sameDiags(p.Diagnostics, f.Diagnostics) {
		t.Errorf("after the burst, version %d has diagnostics\n%+v\nbut the same text opened afresh has\n%+v", v, p.Diagnostics, f.Diagnostics)
	}
	s.notify(t, "textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": fresh}})
	// every request is answered, cancelled or not (LSP: a cancelled request still gets a
	// response, a result or RequestCancelled)
	answered, cancelled := 0, 0
	for _, id := range hovers {
		m := s.response(t, id)
		switch {
		case m.Error == nil:
			answered++
		case m.Error.Code == codeRequestCancelled || m.Error.Code == codeContentModified:
			cancelled++
		default:
			t.Errorf("cancelled hover %s: %s, want a result or RequestCancelled", id, m)
		}
	}
	t.Logf("%d hovers cancelled during the burst: %d answered RequestCancelled, %d with a result", len(hovers), cancelled, answered)
	// publishes of a document never go back to an older version
	last := -1
	for _, m := range s.messages() {
		var p chaosPublish
		if m.Method != "textDocument/publishDiagnostics" || json.Unmarshal(m.Params, &p) != nil || p.URI != uri || p.Version == nil {
			continue
		}
		if *p.Version < last {
			t.Errorf("diagnostics of version %d published after those of version %d", *p.Version, last)
		}
		last = *p.Version
	}
	return text, v
}

// chaosModel returns realistic module code of about n lines: imports and nn.Module blocks.
func chaosModel(n int) string {
	var b strings.Builder
	b.WriteString("import math\n\nimport torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n")
	for i := 0; strings.Count(b.String(), "\n") < n; i++ {
		b.WriteString(chaosBlock(i))
	}
	return b.String()
}

func chaosBlock(i int) string {
	return fmt.Sprintf(`

class Block%d(nn.Module):
    """A pre-norm residual block."""

    def __init__(self, dim, hidden=4):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, dim * hidden)
        self.fc2 = nn.Linear(dim * hidden, dim)
        self.scale = 1.0 / math.sqrt(dim)

    def forward(self, x):
        h = self.norm(x)
        h = F.gelu(self.fc1(h)) * self.scale
        h = self.fc2(h)
        return x + h.view(x.shape[0], -1, x.shape[-1])
`, i)
}

// ---- the process ----

// lspProc is one `exportdb lsp` process and a raw client: the test writes bytes, a reader
// goroutine parses every message the server writes (strictly) and keeps them all.
type lspProc struct {
	cmd      *exec.Cmd
	stdin    *os.File // write end of the server's stdin; writes have deadlines
	logPath  string
	exited   chan struct{} // closed when the process has exited
	readDone chan struct{} // closed when the server's stdout has ended
	waitErr  error         // cmd.Wait's result, set before exited is closed

	wmu sync.Mutex // serialises writes to stdin (the reader answers server requests)

	mu      sync.Mutex
	msgs    []*lspMsg
	bad     []string      // protocol violations in the server's output
	changed chan struct{} // closed and replaced when msgs grows
	nextID  int
}

// lspMsg is any JSON-RPC message from the server.
type lspMsg struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
	Result  json.RawMessage `json:"result"`
	Error   *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	raw []byte
}

func (m *lspMsg) isResponse() bool { return m.Method == "" }
func (m *lspMsg) String() string   { return string(m.raw) }

func startLSP(t *testing.T) *lspProc {
	t.Helper()
	dir := t.TempDir()
	s := &lspProc{logPath: filepath.Join(dir, "lsp.log"), exited: make(chan struct{}), readDone: make(chan struct{}),
		changed: make(chan struct{})}
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	errf, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(checkBin, "lsp", "--log-file", s.logPath)
	s.cmd.Dir = dir
	s.cmd.Stdin, s.cmd.Stdout, s.cmd.Stderr = inR, outW, errf
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	inR.Close()
	outW.Close()
	errf.Close()
	s.stdin = inW
	go s.read(outR)
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		s.stdin.Close()
		select {
		case <-s.exited:
		case <-time.After(5 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
		if t.Failed() {
			t.Logf("server log (tail):\n%s", tail(s.logText(), 30))
			if b, _ := os.ReadFile(filepath.Join(dir, "stderr")); len(b) > 0 {
				t.Logf("server stderr:\n%s", tail(string(b), 30))
			}
		}
	})
	return s
}

// read parses the server's output until it ends. Anything that is not a well-formed
// base-protocol frame holding a JSON-RPC 2.0 message in valid UTF-8 is a violation.
func (s *lspProc) read(r io.ReadCloser) {
	defer close(s.readDone)
	defer r.Close()
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		body, err := readFrameStrict(br)
		if err == io.EOF {
			s.signal()
			return
		}
		if err != nil {
			s.violation("unreadable output: %v", err)
			s.signal()
			return
		}
		m := &lspMsg{raw: body}
		if !utf8.Valid(body) {
			s.violation("a message that is not valid UTF-8: %q", clip(body))
		}
		if err := json.Unmarshal(body, m); err != nil {
			s.violation("a message that is not JSON (%v): %q", err, clip(body))
			continue
		}
		if m.JSONRPC != "2.0" {
			s.violation(`a message without "jsonrpc":"2.0": %q`, clip(body))
		}
		if m.isResponse() && (m.Error == nil) == (m.Result == nil) {
			s.violation("a response with both or neither of result and error: %q", clip(body))
		}
		if m.Method != "" && len(m.ID) > 0 {
			// a request from the server (none is expected: the client declares no
			// capabilities that invite one); answer null so it never waits
			var reply []byte
			if m.Method == "workspace/configuration" {
				reply = []byte(`{"jsonrpc":"2.0","id":` + string(m.ID) + `,"result":[]}`)
			} else {
				reply = []byte(`{"jsonrpc":"2.0","id":` + string(m.ID) + `,"result":null}`)
			}
			s.wmu.Lock()
			_ = s.stdin.SetWriteDeadline(time.Now().Add(chaosTimeout))
			_, _ = s.stdin.Write(frame(reply))
			s.wmu.Unlock()
		}
		s.mu.Lock()
		s.msgs = append(s.msgs, m)
		s.mu.Unlock()
		s.signal()
	}
}

func (s *lspProc) signal() {
	s.mu.Lock()
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

func (s *lspProc) violation(format string, args ...any) {
	s.mu.Lock()
	s.bad = append(s.bad, fmt.Sprintf(format, args...))
	s.mu.Unlock()
}

// readFrameStrict reads one frame as the base protocol specifies it: header lines ended
// by \r\n, one Content-Length, only Content-Length and Content-Type headers.
func readFrameStrict(r *bufio.Reader) ([]byte, error) {
	length := -1
	for first := true; ; first = false {
		line, err := r.ReadString('\n')
		if err != nil {
			if err == io.EOF && first && line == "" {
				return nil, io.EOF
			}
			return nil, fmt.Errorf("header: %v after %q", err, line)
		}
		if !strings.HasSuffix(line, "\r\n") {
			return nil, fmt.Errorf("header line not ended by \\r\\n: %q", line)
		}
		line = strings.TrimSuffix(line, "\r\n")
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ": ")
		switch {
		case !ok:
			return nil, fmt.Errorf("malformed header line %q", line)
		case strings.EqualFold(name, "Content-Length"):
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 || length >= 0 {
				return nil, fmt.Errorf("bad or repeated Content-Length %q", line)
			}
			length = n
		case strings.EqualFold(name, "Content-Type"):
		default:
			return nil, fmt.Errorf("unknown header %q", line)
		}
	}
	if length < 0 {
		return nil, fmt.Errorf("header without Content-Length")
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, fmt.Errorf("body: %v", err)
	}
	return body, nil
}

// write writes raw bytes to the server's stdin; a server that stops reading fails the
// test after chaosTimeout instead of hanging it.
func (s *lspProc) write(t *testing.T, b []byte) {
	t.Helper()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.stdin.SetWriteDeadline(time.Now().Add(chaosTimeout)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.stdin.Write(b); err != nil {
		t.Fatalf("writing to the server: %v (exited: %v)%s", err, s.hasExited(), s.exitNote())
	}
}

func (s *lspProc) send(t *testing.T, msg map[string]any) {
	t.Helper()
	s.write(t, frame(mustJSON(t, msg)))
}

func (s *lspProc) notify(t *testing.T, method string, params any) {
	t.Helper()
	msg := map[string]any{"jsonrpc": "2.0", "method": method}
	if params != nil {
		msg["params"] = params
	}
	s.send(t, msg)
}

// request sends a request with a new numeric id and returns the id.
func (s *lspProc) request(t *testing.T, method string, params any) int {
	t.Helper()
	s.mu.Lock()
	s.nextID++
	id := s.nextID
	s.mu.Unlock()
	msg := map[string]any{"jsonrpc": "2.0", "id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	s.send(t, msg)
	return id
}

// call sends a request and returns its response (an error response too).
func (s *lspProc) call(t *testing.T, method string, params any) *lspMsg {
	t.Helper()
	return s.response(t, s.request(t, method, params))
}

// response waits for the response to the request with id (an int or a string).
func (s *lspProc) response(t *testing.T, id any) *lspMsg {
	t.Helper()
	return s.waitFor(t, fmt.Sprintf("a response to request %v", id), chaosTimeout, func(m *lspMsg) bool {
		return m.isResponse() && idIs(m, id)
	})
}

func idIs(m *lspMsg, id any) bool {
	want, _ := json.Marshal(id)
	return bytes.Equal(bytes.TrimSpace(m.ID), want)
}

// waitFor returns the first message, in arrival order, that pred accepts; it fails the
// test when none arrives within timeout or the server's output ends.
func (s *lspProc) waitFor(t *testing.T, what string, timeout time.Duration, pred func(*lspMsg) bool) *lspMsg {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	seen := 0
	for {
		s.mu.Lock()
		msgs, changed := s.msgs, s.changed
		s.mu.Unlock()
		for ; seen < len(msgs); seen++ {
			if pred(msgs[seen]) {
				return msgs[seen]
			}
		}
		select {
		case <-changed:
		case <-s.readDone:
			s.mu.Lock()
			n := len(s.msgs)
			s.mu.Unlock()
			if n > seen {
				continue
			}
			t.Fatalf("waiting for %s: the server closed its output%s", what, s.exitNote())
		case <-deadline.C:
			t.Fatalf("waiting for %s: nothing within %v: the server hangs or dropped it%s\nits last messages:\n%s",
				what, timeout, s.exitNote(), s.lastMessages(8))
		}
	}
}

// lastMessages returns the last n messages from the server, for failure reports.
func (s *lspProc) lastMessages(n int) string {
	msgs := s.messages()
	var b strings.Builder
	for _, m := range msgs[max(0, len(msgs)-n):] {
		fmt.Fprintf(&b, "  %s\n", clip(m.raw))
	}
	return b.String()
}

func (s *lspProc) messages() []*lspMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.msgs
}

// nullErrors counts the error responses with id null so far.
func (s *lspProc) nullErrors() int {
	n := 0
	for _, m := range s.messages() {
		if isNullError(m) {
			n++
		}
	}
	return n
}

func isNullError(m *lspMsg) bool {
	return m.isResponse() && m.Error != nil && string(m.ID) == "null"
}

// waitNullErrors waits until k error responses with id null have arrived after the
// first base ones, and checks that each has one of codes.
func (s *lspProc) waitNullErrors(t *testing.T, base, k int, codes ...int) {
	t.Helper()
	count := 0
	s.waitFor(t, fmt.Sprintf("%d error responses with id null", k), chaosTimeout, func(m *lspMsg) bool {
		if !isNullError(m) {
			return false
		}
		count++
		if count <= base {
			return false
		}
		ok := false
		for _, c := range codes {
			ok = ok || m.Error.Code == c
		}
		if !ok {
			t.Errorf("error response %s: want code %v", m, codes)
		}
		return count == base+k
	})
}

func (s *lspProc) wantError(t *testing.T, m *lspMsg, code int) {
	t.Helper()
	if m.Error == nil || m.Error.Code != code {
		t.Errorf("got %s, want an error with code %d", m, code)
	}
}

// pingPair sends two well-formed requests after junk: the second must be answered
// (MethodNotFound), and the first too unless the junk may swallow it.
func (s *lspProc) pingPair(t *testing.T, after string, mayLoseFirst bool) {
	t.Helper()
	a := s.request(t, "exportdb/chaosPing", nil)
	b := s.request(t, "exportdb/chaosPing", nil)
	for _, id := range []int{b, a} {
		if id == a && mayLoseFirst {
			break
		}
		m := s.waitFor(t, fmt.Sprintf("the answer to a request sent after %s", after), chaosTimeout, func(m *lspMsg) bool {
			return m.isResponse() && idIs(m, id)
		})
		if m.Error == nil || m.Error.Code != codeMethodNotFound {
			t.Errorf("after %s: got %s, want MethodNotFound", after, m)
		}
	}
}

func (s *lspProc) initialize(t *testing.T) {
	t.Helper()
	m := s.call(t, "initialize", map[string]any{
		"processId": nil,
		"rootUri":   nil,
		"capabilities": map[string]any{
			"general":      map[string]any{"positionEncodings": []string{"utf-16"}},
			"textDocument": map[string]any{"publishDiagnostics": map[string]any{"versionSupport": true}},
		},
	})
	var res struct {
		Capabilities struct {
			PositionEncoding string `json:"positionEncoding"`
		} `json:"capabilities"`
	}
	if m.Error != nil || json.Unmarshal(m.Result, &res) != nil {
		t.Fatalf("initialize: %s", m)
	}
	if e := res.Capabilities.PositionEncoding; e != "" && e != "utf-16" {
		t.Fatalf("initialize: position encoding %q, want utf-16", e)
	}
	s.notify(t, "initialized", map[string]any{})
}

// chaosPublish is textDocument/publishDiagnostics.
type chaosPublish struct {
	URI         string      `json:"uri"`
	Version     *int        `json:"version"`
	Diagnostics []chaosDiag `json:"diagnostics"`
}

type chaosDiag struct {
	Range    chaosRange `json:"range"`
	Severity int        `json:"severity"`
	Code     any        `json:"code"`
	Message  string     `json:"message"`
}

type chaosRange struct {
	Start pos `json:"start"`
	End   pos `json:"end"`
}

// pos is an LSP position; int64 so that tests can write values LSP cannot hold.
type pos struct {
	Line      int64 `json:"line"`
	Character int64 `json:"character"`
}

// publish waits for the diagnostics of uri at version.
func (s *lspProc) publish(t *testing.T, uri string, version int, timeout time.Duration) chaosPublish {
	t.Helper()
	var p chaosPublish
	s.waitFor(t, fmt.Sprintf("diagnostics of %s version %d", filepath.Base(uri), version), timeout, func(m *lspMsg) bool {
		if m.Method != "textDocument/publishDiagnostics" {
			return false
		}
		var q chaosPublish
		if json.Unmarshal(m.Params, &q) != nil || q.URI != uri || q.Version == nil || *q.Version != version {
			return false
		}
		p = q
		return true
	})
	if p.Diagnostics == nil {
		t.Errorf("diagnostics of %s version %d: null, want a list", uri, version)
	}
	return p
}

func hasCode(p chaosPublish, code string) bool {
	for _, d := range p.Diagnostics {
		if d.Code == code {
			return true
		}
	}
	return false
}

func hasDiag(p chaosPublish, code string, r chaosRange) bool {
	for _, d := range p.Diagnostics {
		if d.Code == code && d.Range == r {
			return true
		}
	}
	return false
}

func sameDiags(a, b []chaosDiag) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, d := range a {
		seen[fmt.Sprint(d)]++
	}
	for _, d := range b {
		seen[fmt.Sprint(d)]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

// wantHoverCard hovers at p and wants a card naming the case.
func (s *lspProc) wantHoverCard(t *testing.T, uri string, p pos, caseName string) {
	t.Helper()
	m := s.call(t, "textDocument/hover", hoverParams(uri, p))
	var h struct {
		Contents struct {
			Value string `json:"value"`
		} `json:"contents"`
	}
	if m.Error != nil || json.Unmarshal(m.Result, &h) != nil || !strings.Contains(h.Contents.Value, "`"+caseName+"`") {
		t.Errorf("hover at %v in %s: %s, want the %s card", p, filepath.Base(uri), clip(m.raw), caseName)
	}
}

// alive checks, after a phase, that the server answers a well-formed request correctly,
// that everything it wrote so far was well-formed, and that its memory is bounded.
func (s *lspProc) alive(t *testing.T, after, probe string, probePos pos, rssLimitKB int) {
	t.Helper()
	if s.hasExited() {
		t.Fatalf("after %q: the server exited%s", after, s.exitNote())
	}
	s.wantHoverCard(t, probe, probePos, "dynamic_shape_round")
	s.checkOutput(t, after)
	if rss := s.rssKB(t); rss > rssLimitKB {
		t.Errorf("after %q: VmRSS %d kB, want at most %d kB", after, rss, rssLimitKB)
	}
}

// checkRunning stops the test when the server has died (later phases would only repeat it).
func (s *lspProc) checkRunning(t *testing.T) {
	t.Helper()
	if s.hasExited() {
		t.Fatalf("the server exited%s", s.exitNote())
	}
}

// checkOutput reports the protocol violations found in the server's output since the last call.
func (s *lspProc) checkOutput(t *testing.T, after string) {
	t.Helper()
	s.mu.Lock()
	bad := s.bad
	s.bad = nil
	s.mu.Unlock()
	for _, b := range bad {
		t.Errorf("server output during %q: %s", after, b)
	}
}

// exitCode waits for the process to exit and returns its status.
func (s *lspProc) exitCode(t *testing.T) int {
	t.Helper()
	select {
	case <-s.exited:
	case <-time.After(chaosTimeout):
		t.Fatalf("the server did not exit within %v", chaosTimeout)
	}
	return s.cmd.ProcessState.ExitCode()
}

func (s *lspProc) hasExited() bool {
	select {
	case <-s.exited:
		return true
	default:
		return false
	}
}

func (s *lspProc) exitNote() string {
	select {
	case <-s.exited:
	case <-time.After(500 * time.Millisecond):
		return ""
	}
	return fmt.Sprintf(" (the server exited: %v)\nserver log (tail):\n%s", s.waitErr, tail(s.logText(), 15))
}

// rssKB reads the server's resident set size (VmRSS) from /proc.
func (s *lspProc) rssKB(t *testing.T) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", s.cmd.Process.Pid)
	return 0
}

func (s *lspProc) logText() string {
	b, _ := os.ReadFile(s.logPath)
	return string(b)
}

// ---- messages ----

func frame(body []byte) []byte {
	return append([]byte("Content-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"), body...)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// notification returns a framed notification.
func notification(t *testing.T, method string, params any) []byte {
	t.Helper()
	return frame(mustJSON(t, map[string]any{"jsonrpc": "2.0", "method": method, "params": params}))
}

func openParams(uri string, version int, text string) map[string]any {
	return map[string]any{"textDocument": map[string]any{"uri": uri, "languageId": "python", "version": version, "text": text}}
}

func changeParams(uri string, version int, changes ...map[string]any) map[string]any {
	return map[string]any{"textDocument": map[string]any{"uri": uri, "version": version}, "contentChanges": changes}
}

func rangeEdit(start, end pos, text string) map[string]any {
	return map[string]any{"range": chaosRange{start, end}, "text": text}
}

func hoverParams(uri string, p pos) map[string]any {
	return map[string]any{"textDocument": map[string]any{"uri": uri}, "position": p}
}

func rng(start, end pos) chaosRange { return chaosRange{start, end} }

// utf16Pos converts a byte offset of text to an LSP position in UTF-16 code units,
// independently of the server's position code.
func utf16Pos(text string, off int) pos {
	start := strings.LastIndexByte(text[:off], '\n') + 1
	return pos{Line: int64(strings.Count(text[:start], "\n")), Character: int64(len(utf16.Encode([]rune(text[start:off]))))}
}

func clip(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// TestLSPCPUProfile: with EXPORTDB_CPUPROFILE set, `exportdb lsp` writes a CPU profile of
// its session (for the benchmarks that drive the binary), complete once it exits; a path it
// cannot create stops it at once with status 2 and says why.
func TestLSPCPUProfile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the language server binary")
	}
	path := filepath.Join(t.TempDir(), "cpu.prof")
	t.Setenv("EXPORTDB_CPUPROFILE", path)
	s := startLSP(t)
	s.initialize(t)
	uri := "file:///profile/model.py"
	s.notify(t, "textDocument/didOpen", openParams(uri, 1, chaosModel(500)))
	s.request(t, "textDocument/hover", hoverParams(uri, pos{5, 10}))
	s.call(t, "shutdown", nil)
	s.notify(t, "exit", nil)
	if code := s.exitCode(t); code != 0 {
		t.Fatalf("exit status %d, want 0\n%s", code, tail(s.logText(), 20))
	}
	prof, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// a pprof profile: gzip-compressed protobuf
	if len(prof) < 64 || prof[0] != 0x1f || prof[1] != 0x8b {
		t.Errorf("the profile is not a gzip-compressed pprof profile (%d bytes)", len(prof))
	}

	t.Setenv("EXPORTDB_CPUPROFILE", filepath.Join(t.TempDir(), "missing", "cpu.prof"))
	cmd := exec.Command(checkBin, "lsp")
	var stderr bytes.Buffer
	cmd.Stdin, cmd.Stderr = strings.NewReader(""), &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(stderr.String(), "EXPORTDB_CPUPROFILE") {
		t.Errorf("an uncreatable profile: %v, stderr %q; want status 2 naming EXPORTDB_CPUPROFILE", err, stderr.String())
	}
}
