package lsp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
)

// nastyStrings are texts that take every path of appendJSONString: escapes by name and by
// number, HTML characters, the JavaScript line separators, invalid UTF-8 of every kind,
// CJK, emoji (a surrogate pair in UTF-16) and U+FFFD itself.
var nastyStrings = []string{
	"",
	"plain ascii message",
	"quote \" backslash \\ slash /",
	"\b\f\n\r\t\x00\x01\x1f\x7f",
	"<script>a && b</script> > c",
	"line\u2028separator\u2029paragraph",
	"形状が動的です: 张量 x.shape[0]",
	"emoji 😀 then 🧪🔥 and a flag 🇯🇵",
	"replacement \ufffd character",
	"lone \xff byte, truncated \xe6\x97 rune, surrogate \xed\xa0\x80, overlong \xc0\x80",
	"\xe2\x80",     // the start of U+2028, cut
	"\xe2\x80\xa8", // U+2028 as bytes
	"trailing \xf0\x9f\x98",
}

// fullDiagnostic has every field of protocol.Diagnostic set.
func fullDiagnostic(msg string) protocol.Diagnostic {
	return protocol.Diagnostic{
		Range:           protocol.Range{Start: protocol.Position{Line: 3, Character: 7}, End: protocol.Position{Line: math.MaxUint32, Character: 12}},
		Severity:        protocol.DiagnosticSeverityHint,
		Code:            "dynamic_shape_round",
		CodeDescription: &protocol.CodeDescription{Href: "https://pytorch.org/docs/main/generated/exportdb/index.html#dynamic-shape-round?a=1&b=<2>"},
		Source:          "exportdb",
		Message:         msg,
		Tags:            []protocol.DiagnosticTag{protocol.DiagnosticTagUnnecessary, protocol.DiagnosticTagDeprecated},
		RelatedInformation: []protocol.DiagnosticRelatedInformation{
			{Location: protocol.Location{URI: "file:///ws/%E5%BD%A2/model%20a.py", Range: protocol.Range{End: protocol.Position{Line: 1, Character: 2}}}, Message: msg},
			{Location: protocol.Location{URI: "file:///ws/b.py"}, Message: "second <place>"},
		},
		Data: map[string]any{"fix": []any{"a<b", 1.5, nil, true}, "case": msg},
	}
}

// TestPublishDiagnosticsJSON holds appendPublishDiagnostics to json.Marshal, byte for
// byte, for diagnostics with every field and every kind of value each field may hold.
func TestPublishDiagnosticsJSON(t *testing.T) {
	v := int32(42)
	neg := int32(math.MinInt32)
	var diags []protocol.Diagnostic
	for _, s := range nastyStrings {
		diags = append(diags, fullDiagnostic(s))
	}
	bare := protocol.Diagnostic{Message: ""} // omitempty everywhere, empty message kept
	codes := []any{int32(7), int(-3), "", "unused_suppression", 2.5, json.Number("12"), map[string]int{"x": 1}, true}
	var coded []protocol.Diagnostic
	for _, c := range codes {
		d := fullDiagnostic("code")
		d.Code = c
		coded = append(coded, d)
	}
	datas := []any{json.RawMessage(`{"b": [1, 2],  "a":"<x>"}`), "a&b", 3, []string{}, struct {
		Edit string `json:"edit"`
		Skip string `json:"-"`
	}{Edit: "x<y", Skip: "hidden"}}
	var dataful []protocol.Diagnostic
	for _, dt := range datas {
		d := fullDiagnostic("data")
		d.Data = dt
		dataful = append(dataful, d)
	}
	numbers := protocol.Diagnostic{Severity: 2.5, Tags: []protocol.DiagnosticTag{0, 1e-7, 1e21, 123456789012, -1}, Message: "numbers"}
	emptyLists := protocol.Diagnostic{Tags: []protocol.DiagnosticTag{}, RelatedInformation: []protocol.DiagnosticRelatedInformation{}, Message: "empty lists"}

	tests := []struct {
		name string
		p    publishDiagnosticsParams
	}{
		{"null diagnostics", publishDiagnosticsParams{URI: "file:///a.py"}},
		{"empty diagnostics, version", publishDiagnosticsParams{URI: "file:///a.py", Version: &v, Diagnostics: []protocol.Diagnostic{}}},
		{"every field, nasty texts", publishDiagnosticsParams{URI: "file:///ws/%E5%BD%A2%20\u2028<&>.py", Version: &neg, Diagnostics: diags}},
		{"bare diagnostic", publishDiagnosticsParams{URI: "untitled:Untitled-1", Diagnostics: []protocol.Diagnostic{bare}}},
		{"codes of every type", publishDiagnosticsParams{URI: "file:///a.py", Diagnostics: coded}},
		{"data of every type", publishDiagnosticsParams{URI: "file:///a.py", Diagnostics: dataful}},
		{"numbers", publishDiagnosticsParams{URI: "file:///a.py", Diagnostics: []protocol.Diagnostic{numbers, emptyLists}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertSameJSON(t, &tt.p)
		})
	}
}

// assertSameJSON fails unless appendPublishDiagnostics writes what json.Marshal does.
func assertSameJSON(t *testing.T, p *publishDiagnosticsParams) {
	t.Helper()
	want, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := appendPublishDiagnostics([]byte("prefix"), p)
	if err != nil {
		t.Fatalf("appendPublishDiagnostics: %v", err)
	}
	got, ok := bytes.CutPrefix(got, []byte("prefix"))
	if !ok {
		t.Fatalf("appendPublishDiagnostics lost what it appended to: %q", got)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("hand-written encoding differs from encoding/json:\n got %s\nwant %s", got, want)
	}
}

// TestFullReportJSON holds the pull report's encoding (encodeResult, encodeFullReport) to
// json.Marshal's.
func TestFullReportJSON(t *testing.T) {
	var diags []protocol.Diagnostic
	for _, m := range nastyStrings {
		diags = append(diags, fullDiagnostic(m), protocol.Diagnostic{Message: m, Code: int32(3)})
	}
	for _, r := range []fullDocumentDiagnosticReport{
		{Kind: "full", Items: []protocol.Diagnostic{}},
		{Kind: "full", ResultID: "17", Items: diags},
		{Kind: "full", ResultID: "<&>\u2028"},
	} {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if res, err := encodeResult(r); err != nil || !bytes.Equal(res.(json.RawMessage), want) {
			t.Errorf("encodeResult: %s, %v; want %s", res, err, want)
		}
	}
	bad := fullDocumentDiagnosticReport{Kind: "full", Items: []protocol.Diagnostic{{Severity: protocol.DiagnosticSeverity(math.NaN())}}}
	if res, err := encodeResult(bad); err == nil {
		t.Errorf("a NaN severity encoded: %s", res)
	}
}

// TestPublishDiagnosticsJSONErrors: a value encoding/json refuses is refused, not
// written as something else.
func TestPublishDiagnosticsJSONErrors(t *testing.T) {
	for _, d := range []protocol.Diagnostic{
		{Severity: protocol.DiagnosticSeverity(math.NaN())},
		{Tags: []protocol.DiagnosticTag{protocol.DiagnosticTag(math.Inf(1))}},
		{Code: math.Inf(-1)},
		{Data: make(chan int)},
	} {
		p := publishDiagnosticsParams{URI: "file:///a.py", Diagnostics: []protocol.Diagnostic{d}}
		if _, err := json.Marshal(p); err == nil {
			t.Fatalf("json.Marshal accepted %+v", d)
		}
		if b, err := appendPublishDiagnostics(nil, &p); err == nil {
			t.Errorf("appendPublishDiagnostics(%+v) = %s, want an error", d, b)
		}
	}
}

// TestConvertedDiagnosticsJSON encodes what toDiagnostics makes of findings in a text of
// CJK and emoji (positions in UTF-16 code units, and in UTF-8 and UTF-32), with related
// places in the file and in another file, deprecated tags, an engine code without a link.
func TestConvertedDiagnosticsJSON(t *testing.T) {
	src, at := fixture(t, "import torch\n# 形状 😀😀 ⟨a⟩x = round(t.shape[0] / 2)⟨/a⟩  # 🔥\n"+
		"y = ⟨b⟩t.view(-1)⟨/b⟩ # 张量\n⟨c⟩# exportdb: ignore⟨/c⟩\n")
	other := []byte("def helper():\n    return '😀'  # ⟨⟩\n")
	findings := []analysis.Finding{
		{Case: "dynamic_shape_round", Start: at["a"], End: at["/a"], Message: "round() of a 形状 😀 specialises", Severity: analysis.Error,
			Related: []analysis.Related{{Start: at["b"], End: at["/b"], Message: "used here 🔥"}, {Start: 18, End: 30, Message: "helper <here>", Path: "/ws/helper mod.py", Src: other}}},
		{Case: "dynamic_shape_round", Start: at["b"], End: at["/b"], Message: "deprecated & old", Severity: analysis.Warning, Deprecated: true},
		{Case: analysis.UnusedSuppression, Start: at["c"], End: at["/c"], Message: "unused suppression", Severity: analysis.Hint},
		{Case: "dynamic_shape_round", Start: at["a"], End: at["a"], Message: "hover only", Severity: analysis.Off},
		{Case: "unsupported_operator", Start: at["b"], End: at["b"], Message: "an alias of torch_sym_min", Severity: analysis.Information},
	}
	// the code is the finding's case as written; the link is its catalog case's, if any
	wantCodes := []struct{ code, href string }{
		{"dynamic_shape_round", "https://pytorch.org/docs/main/generated/exportdb/index.html#dynamic-shape-round"},
		{"dynamic_shape_round", "https://pytorch.org/docs/main/generated/exportdb/index.html#dynamic-shape-round"},
		{analysis.UnusedSuppression, ""},
		{"unsupported_operator", "https://pytorch.org/docs/main/generated/exportdb/index.html#torch-sym-min"},
	}
	lines := newLineIndex([]byte(src))
	for _, enc := range []encoding{encUTF16, encUTF8, encUTF32} {
		for _, related := range []bool{true, false} {
			t.Run(fmt.Sprintf("%v related=%v", enc, related), func(t *testing.T) {
				diags, shown := toDiagnostics("file:///ws/%E5%BD%A2.py", lines, findings, enc, related)
				if !slices.Equal(shown, []int{0, 1, 2, 4}) {
					t.Fatalf("shown %v, want the 4 findings above Off", shown)
				}
				for i, w := range wantCodes {
					href := ""
					if diags[i].CodeDescription != nil {
						href = string(diags[i].CodeDescription.Href)
					}
					if diags[i].Code != w.code || href != w.href {
						t.Errorf("diagnostic %d: code %v, link %q; want %s, %q", i, diags[i].Code, href, w.code, w.href)
					}
				}
				if diags[0].Range.Start.Character == uint32(at["a"]-len("import torch\n")) && enc != encUTF8 {
					t.Fatalf("the %v range %v is in bytes", enc, diags[0].Range)
				}
				v := int32(3)
				assertSameJSON(t, &publishDiagnosticsParams{URI: "file:///ws/%E5%BD%A2.py", Version: &v, Diagnostics: diags})
			})
		}
	}
}

// TestAppendJSONString compares appendJSONString with encoding/json on every string of
// one and two bytes and on random strings biased towards the bytes that need care.
func TestAppendJSONString(t *testing.T) {
	check := func(s string) {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	}
	for i := 0; i < 256; i++ {
		check(string([]byte{byte(i)}))
		for j := 0; j < 256; j++ {
			check(string([]byte{byte(i), byte(j)}))
		}
	}
	pieces := []string{"a", "\"", "\\", "<", "&", "\n", "\x00", "\x7f", "\xff", "\xe2", "\x80", "\xa8", "é", "形", "😀", "\u2029", "\ufffd"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b []byte
		for range r.IntN(12) {
			b = append(b, pieces[r.IntN(len(pieces))]...)
		}
		check(string(b))
	}
}

// FuzzDiagnosticJSON holds the hand-written encoding to encoding/json on arbitrary texts
// (messages quote user code; URIs come from the client).
func FuzzDiagnosticJSON(f *testing.F) {
	for _, s := range nastyStrings {
		f.Add(s, "file:///a.py", "dynamic_shape_round")
	}
	f.Fuzz(func(t *testing.T, msg, uri, code string) {
		d := fullDiagnostic(msg)
		d.Code = code
		d.RelatedInformation[0].Location.URI = protocol.DocumentURI(uri)
		assertSameJSON(t, &publishDiagnosticsParams{URI: protocol.DocumentURI(uri), Diagnostics: []protocol.Diagnostic{d, {Message: code}}})
	})
}

// TestPublishFrameOnTheWire compares, byte for byte, the frame Server.notify writes for a
// publish with the frame of the path every other notification takes (json.Marshal, then
// jsonrpc2's Notify through the same stream), and checks that the two kinds of message
// keep their order in the stream.
func TestPublishFrameOnTheWire(t *testing.T) {
	server, client := net.Pipe()
	st := newStream(server, zap.NewNop())
	conn := jsonrpc2.NewConn(st)
	s := &Server{log: zap.NewNop(), stream: st, conn: conn}
	defer func() { _ = st.Close() }()

	v := int32(9)
	var diags []protocol.Diagnostic
	for _, m := range nastyStrings {
		diags = append(diags, fullDiagnostic(m))
	}
	p := publishDiagnosticsParams{URI: "file:///ws/%E5%BD%A2.py", Version: &v, Diagnostics: diags}
	const method = "textDocument/publishDiagnostics"

	frames := make(chan []byte, 8)
	go func() {
		in := bufio.NewReader(client)
		for {
			hdr, err := in.ReadString('\n')
			if err != nil {
				close(frames)
				return
			}
			n, err := strconv.Atoi(hdr[len("Content-Length: ") : len(hdr)-2])
			if err != nil {
				t.Errorf("bad header %q", hdr)
			}
			blank, _ := in.ReadString('\n')
			body := make([]byte, n)
			if _, err := io.ReadFull(in, body); err != nil {
				close(frames)
				return
			}
			frames <- append([]byte(hdr+blank), body...)
		}
	}()
	next := func() []byte {
		select {
		case f := <-frames:
			return f
		case <-time.After(waitTimeout):
			t.Fatal("no frame")
		}
		return nil
	}

	s.notify(method, p)
	fast := next()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Notify(context.Background(), method, json.RawMessage(b)); err != nil {
		t.Fatal(err)
	}
	slow := next()
	if !bytes.Equal(fast, slow) {
		t.Fatalf("the publish frame differs from jsonrpc2's:\n got %q\nwant %q", fast, slow)
	}

	// interleaved with messages that go through jsonrpc2, in the order sent
	for i := range 3 {
		s.notify(method, publishDiagnosticsParams{URI: protocol.DocumentURI("file:///" + strconv.Itoa(i)), Diagnostics: []protocol.Diagnostic{}})
		s.notify("window/logMessage", protocol.ShowMessageParams{Type: protocol.MessageTypeInfo, Message: strconv.Itoa(i)})
	}
	for i := range 3 {
		var pub, log struct {
			Method string          `json:"method"`
			Params json.RawMessage `json:"params"`
		}
		f := next()
		if err := json.Unmarshal(f[bytes.Index(f, []byte("\r\n\r\n"))+4:], &pub); err != nil {
			t.Fatal(err)
		}
		f = next()
		if err := json.Unmarshal(f[bytes.Index(f, []byte("\r\n\r\n"))+4:], &log); err != nil {
			t.Fatal(err)
		}
		wantPub := fmt.Sprintf(`{"uri":"file:///%d","diagnostics":[]}`, i)
		wl, _ := json.Marshal(protocol.ShowMessageParams{Type: protocol.MessageTypeInfo, Message: strconv.Itoa(i)})
		wantLog := string(wl)
		if pub.Method != method || string(pub.Params) != wantPub || log.Method != "window/logMessage" || string(log.Params) != wantLog {
			t.Fatalf("message %d: got %s %s then %s %s, want %s %s then window/logMessage %s", i, pub.Method, pub.Params, log.Method, log.Params, method, wantPub, wantLog)
		}
	}
}

// TestPublishFrameStorageReused: once a publish frame is written, the next publish is
// encoded into its storage, and what was written stays as it was sent; storage still
// queued or being written is not handed out.
func TestPublishFrameStorageReused(t *testing.T) {
	server, client := net.Pipe()
	st := newStream(server, zap.NewNop())
	s := &Server{log: zap.NewNop(), stream: st, conn: jsonrpc2.NewConn(st)}
	defer func() { _ = st.Close() }()
	const method = "textDocument/publishDiagnostics"
	publish := func(i int) publishDiagnosticsParams {
		var diags []protocol.Diagnostic
		for range 20 {
			diags = append(diags, fullDiagnostic(fmt.Sprintf("message %d", i)))
		}
		return publishDiagnosticsParams{URI: protocol.DocumentURI(fmt.Sprintf("file:///%d.py", i)), Diagnostics: diags}
	}
	in := bufio.NewReader(client)
	read := func() (frame []byte) {
		t.Helper()
		done := make(chan struct{})
		go func() {
			defer close(done)
			hdr, err := in.ReadString('\n')
			if err != nil {
				return
			}
			n, _ := strconv.Atoi(hdr[len("Content-Length: ") : len(hdr)-2])
			blank, _ := in.ReadString('\n')
			body := make([]byte, n)
			if _, err := io.ReadFull(in, body); err == nil {
				frame = append([]byte(hdr+blank), body...)
			}
		}()
		select {
		case <-done:
		case <-time.After(waitTimeout):
			t.Fatal("no frame")
		}
		return frame
	}
	want := func(p publishDiagnosticsParams) []byte {
		f, err := notificationFrame(nil, method, publishSize(&p), func(b []byte) ([]byte, error) { return appendPublishDiagnostics(b, &p) })
		if err != nil {
			t.Fatal(err)
		}
		return f
	}

	// the first frame: net.Pipe's Write returns once it was read, so the writer holds it
	// until then and nothing is spare
	p0 := publish(0)
	s.notify(method, p0)
	if st.frameStorage(publishSize(&p0)) != nil {
		t.Fatal("storage handed out before its frame was written")
	}
	first := read()
	if !bytes.Equal(first, want(p0)) {
		t.Fatalf("frame 0 differs:\n got %q\nwant %q", first, want(p0))
	}
	// the writer gives a frame's storage back after the reader took the frame: wait for it
	// before each next publish, which then encodes into it
	waitSpare := func(after int) {
		t.Helper()
		for deadline := time.Now().Add(waitTimeout); ; time.Sleep(time.Millisecond) {
			st.qmu.Lock()
			kept := st.spare != nil
			st.qmu.Unlock()
			if kept {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the storage of frame %d was not kept", after)
			}
		}
	}
	for i := 1; i <= 3; i++ {
		waitSpare(i - 1)
		p := publish(i)
		s.notify(method, p)
		st.qmu.Lock()
		reused := st.spare == nil // taken by notify, and not given back before the frame is read
		st.qmu.Unlock()
		got := read()
		if !reused || !bytes.Equal(got, want(p)) {
			t.Fatalf("frame %d (storage reused: %v):\n got %q\nwant %q", i, reused, got, want(p))
		}
	}
	if st.frameStorage(1<<30) != nil {
		t.Error("storage handed out for a frame larger than it")
	}
}

// BenchmarkPublish measures the server's side of a keystroke's publish on the 5,680-line
// model (317 diagnostics): converting the findings (toDiagnostics) and encoding the
// framed notification, by hand (what notify does) and, for comparison, the way every other
// notification goes (json.Marshal, then jsonrpc2's Notification and the stream's framing);
// and the encoding of a pull client's report, by hand (encodeResult) and by encoding/json.
func BenchmarkPublish(b *testing.B) {
	c := newTestClient(b)
	c.start()
	uri := protocol.DocumentURI("file:///bench/big.py")
	c.open(uri, bigModel(editLines))
	c.diagsFor(uri, 1)
	s := c.server
	s.mu.Lock()
	res := s.docs[uri].result
	s.mu.Unlock()
	v := res.version
	p := publishDiagnosticsParams{URI: uri, Version: &v, Diagnostics: res.diags}
	const method = "textDocument/publishDiagnostics"
	enc, _ := appendPublishDiagnostics(nil, &p)
	b.Logf("%d diagnostics, %d bytes", len(res.diags), len(enc))

	b.Run("toDiagnostics", func(b *testing.B) {
		for b.Loop() {
			toDiagnostics(uri, res.lines, res.findings, encUTF16, true)
		}
	})
	b.Run("hand-written", func(b *testing.B) {
		for b.Loop() {
			if _, err := notificationFrame(nil, method, publishSize(&p), func(b []byte) ([]byte, error) {
				return appendPublishDiagnostics(b, &p)
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
	report := fullDocumentDiagnosticReport{Kind: "full", ResultID: "1", Items: res.diags}
	b.Run("pull report", func(b *testing.B) {
		for b.Loop() {
			if _, err := encodeResult(report); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pull report, encoding/json", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(report); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json+jsonrpc2", func(b *testing.B) {
		for b.Loop() {
			params, err := json.Marshal(p)
			if err != nil {
				b.Fatal(err)
			}
			n, err := jsonrpc2.NewNotification(method, json.RawMessage(params))
			if err != nil {
				b.Fatal(err)
			}
			body, err := encodeMessage(n)
			if err != nil {
				b.Fatal(err)
			}
			appendHeader(make([]byte, 0, len(body)+32), len(body))
		}
	})
}

// TestPublishParamsAt: the test client takes a publish off its stream only when it is
// sure of it (publishParamsAt), and finds its params where they begin; anything else goes
// to jsonrpc2.
func TestPublishParamsAt(t *testing.T) {
	params := `{"uri":"file:///a.py","version":3,"diagnostics":[]}`
	for _, tt := range []struct {
		body string
		ok   bool
	}{
		{`{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":` + params + `}`, true},
		{"{ \"method\" : \"textDocument/publishDiagnostics\",\n\"jsonrpc\": \"2.0\" ,\r\n \"params\" :\t " + params + "}", true},
		{`{"jsonrpc":"2.0","params":` + params + `,"method":"textDocument/publishDiagnostics"}`, false},
		{`{"jsonrpc":"2.0","id":1,"method":"textDocument/publishDiagnostics","params":` + params + `}`, false},
		{`{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","id":1,"params":` + params + `}`, false},
		{`{"jsonrpc":"1.0","method":"textDocument/publishDiagnostics","params":` + params + `}`, false},
		{`{"method":"textDocument/publishDiagnostics","params":` + params + `}`, false},
		{`{"jsonrpc":"2.0","method":"window/logMessage","params":{"type":3,"message":"x"}}`, false},
		{`[1,2]`, false},
		{`{"jsonrpc":"2.0","method":`, false},
	} {
		at, ok := publishParamsAt([]byte(tt.body))
		if ok != tt.ok {
			t.Errorf("publishParamsAt(%s) = %v, want %v", tt.body, ok, tt.ok)
			continue
		}
		if ok {
			got := strings.TrimSuffix(tt.body[at:], "}")
			if got != params {
				t.Errorf("publishParamsAt(%s): params at %d read %s", tt.body, at, got)
			}
			uri, v, err := peekPublish([]byte(tt.body[at:]))
			if err != nil || uri != "file:///a.py" || v == nil || *v != 3 {
				t.Errorf("peekPublish: %s %v %v", uri, v, err)
			}
		}
	}
}
