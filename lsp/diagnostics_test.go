package lsp

import (
	"encoding/json"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"weak"

	"go.lsp.dev/protocol"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/rules"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// roundModel has one dynamic_shape_round finding (an error, with an unsafe fix).
const roundModel = `import torch
from torch.export import ⟨dim⟩Dim⟨/dim⟩


class ⟨cls⟩Model⟨/cls⟩(torch.nn.Module):
    def forward(self, x):
        return x[: ⟨round⟩round(x.⟨in⟩shape[0] / 2)⟨/round⟩]⟨eol⟩


class ⟨clean⟩Clean⟨/clean⟩(torch.nn.Module):
    def forward(self, x):
        return x[: x.shape[0] // 2]
`

const roundURL = "https://pytorch.org/docs/main/generated/exportdb/index.html#dynamic-shape-round"

func TestOpenPublishesDiagnostics(t *testing.T) {
	for _, enc := range []string{"utf-8", "utf-16"} {
		t.Run(enc, func(t *testing.T) {
			c := newTestClient(t, roundOnly)
			c.start(enc)
			text, m := fixture(t, roundModel)
			uri := protocol.DocumentURI("file:///work/model.py")
			c.open(uri, text)
			got := c.diagsFor(uri, 1)
			if len(got.Diagnostics) != 1 {
				t.Fatalf("diagnostics = %+v, want 1", got.Diagnostics)
			}
			d := got.Diagnostics[0]
			if want := rangeAt(text, m["round"], m["/round"], c.enc); d.Range != want {
				t.Errorf("range = %+v, want %+v", d.Range, want)
			}
			if d.Code != "dynamic_shape_round" || d.Severity != protocol.DiagnosticSeverityError || d.Source != "exportdb" {
				t.Errorf("code %q severity %v source %q, want dynamic_shape_round, error, exportdb", d.Code, d.Severity, d.Source)
			}
			if d.CodeDescription == nil || d.CodeDescription.Href != roundURL {
				t.Errorf("codeDescription = %+v, want %s", d.CodeDescription, roundURL)
			}
			if !strings.Contains(d.Message, "round()") {
				t.Errorf("message = %q", d.Message)
			}
		})
	}
}

func TestEditsUpdateDiagnostics(t *testing.T) {
	c := newTestClient(t, roundOnly)
	c.start()
	text, m := fixture(t, roundModel)
	uri := protocol.DocumentURI("file:///work/edit.py")
	c.open(uri, text)
	if got := c.diagsFor(uri, 1); len(got.Diagnostics) != 1 {
		t.Fatalf("v1: %d diagnostics, want 1", len(got.Diagnostics))
	}
	// replace the round(...) call with floor division: an incremental edit
	r := rangeAt(text, m["round"], m["/round"], c.enc)
	c.change(uri, 2, textDocumentContentChangeEvent{Range: &r, Text: "x.shape[0] // 2"})
	if got := c.diagsFor(uri, 2); len(got.Diagnostics) != 0 {
		t.Fatalf("v2: diagnostics = %+v, want an empty list after the fix", got.Diagnostics)
	}
	// an insert at 0:0 is not a whole-document change (v0.12's lossy type could not tell)
	zero := protocol.Range{}
	c.change(uri, 3, textDocumentContentChangeEvent{Range: &zero, Text: "# header\n"})
	got := c.diagsFor(uri, 3)
	if len(got.Diagnostics) != 0 {
		t.Fatalf("v3: diagnostics = %+v, want none", got.Diagnostics)
	}
	// a whole-document change (no range) brings the finding back, on the shifted line
	text2, m2 := fixture(t, "# header\n"+roundModel)
	c.change(uri, 4, textDocumentContentChangeEvent{Text: text2})
	got = c.diagsFor(uri, 4)
	if len(got.Diagnostics) != 1 || got.Diagnostics[0].Range != rangeAt(text2, m2["round"], m2["/round"], c.enc) {
		t.Fatalf("v4: diagnostics = %+v, want the round finding at %+v", got.Diagnostics, rangeAt(text2, m2["round"], m2["/round"], c.enc))
	}
	// several changes in one notification apply in order
	r1 := rangeAt(text2, m2["round"], m2["round"], c.enc)
	c.change(uri, 5,
		textDocumentContentChangeEvent{Range: &r1, Text: "int("},
		textDocumentContentChangeEvent{Range: &protocol.Range{Start: protocol.Position{Line: r1.Start.Line, Character: r1.Start.Character + 4}, End: protocol.Position{Line: r1.Start.Line, Character: r1.Start.Character + 4}}, Text: ""},
	)
	got = c.diagsFor(uri, 5)
	assertServerText(t, c, uri, strings.Replace(text2, "round(", "int(round(", 1))
	if len(got.Diagnostics) != 1 {
		t.Fatalf("v5: %d diagnostics, want 1", len(got.Diagnostics))
	}
	// an older version is ignored
	c.change(uri, 4, textDocumentContentChangeEvent{Text: "stale = 1\n"})
	c.change(uri, 6, textDocumentContentChangeEvent{Range: &protocol.Range{}, Text: ""})
	c.diagsFor(uri, 6)
	assertServerText(t, c, uri, strings.Replace(text2, "round(", "int(round(", 1))
	// close clears the document's diagnostics
	c.notify("textDocument/didClose", protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri}})
	c.waitFor("empty diagnostics after close", func() bool {
		l := c.diags[uri]
		return len(l) > 0 && l[len(l)-1].Version == nil && len(l[len(l)-1].Diagnostics) == 0
	})
}

// assertServerText checks the server's copy of a document.
func assertServerText(t *testing.T, c *testClient, uri protocol.DocumentURI, want string) {
	t.Helper()
	s := c.server
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.docs[uri]
	if d == nil {
		t.Fatalf("%s is not open", uri)
	}
	if string(d.text) != want {
		t.Fatalf("server text:\n%s\nwant:\n%s", d.text, want)
	}
}

func TestOutOfRangeEdit(t *testing.T) {
	c := newTestClient(t, roundOnly)
	c.start()
	uri := protocol.DocumentURI("file:///work/oor.py")
	text, _ := fixture(t, roundModel)
	c.open(uri, text)
	c.diagsFor(uri, 1)
	bad := protocol.Range{Start: protocol.Position{Line: 999, Character: 0}, End: protocol.Position{Line: 1000, Character: 3}}
	c.change(uri, 2, textDocumentContentChangeEvent{Range: &bad, Text: "\n# appended\n"})
	got := c.diagsFor(uri, 2)
	if len(got.Diagnostics) != 1 {
		t.Errorf("after an out-of-range edit: %d diagnostics, want 1 (clamped to the end)", len(got.Diagnostics))
	}
	assertServerText(t, c, uri, text+"\n# appended\n")
	// a character past the end of a line clamps to the line's end
	_, m := fixture(t, roundModel)
	eol := posAt(text, m["eol"], c.enc)
	past := protocol.Range{Start: protocol.Position{Line: eol.Line, Character: eol.Character + 50}, End: protocol.Position{Line: eol.Line, Character: eol.Character + 80}}
	c.change(uri, 3, textDocumentContentChangeEvent{Range: &past, Text: "  # tail"})
	c.diagsFor(uri, 3)
	want := text[:m["eol"]] + "  # tail" + text[m["eol"]:] + "\n# appended\n"
	assertServerText(t, c, uri, want)
}

// TestIncrementalMatchesFull checks that the reparsed tree of an edited document is the
// tree a full parse of its text gives.
func TestIncrementalMatchesFull(t *testing.T) {
	c := newTestClient(t, roundOnly)
	c.start()
	uri := protocol.DocumentURI("file:///work/inc.py")
	text, m := fixture(t, roundModel)
	c.open(uri, text)
	c.diagsFor(uri, 1)
	cur := text
	ins := m["in"]
	for v := int32(2); v <= 30; v++ {
		p := posAt(cur, ins, c.enc)
		if v%3 == 0 {
			c.change(uri, v, textDocumentContentChangeEvent{Range: &protocol.Range{Start: p, End: protocol.Position{Line: p.Line, Character: p.Character + 1}}, Text: ""})
			cur = cur[:ins] + cur[ins+1:]
		} else {
			c.change(uri, v, textDocumentContentChangeEvent{Range: &protocol.Range{Start: p, End: p}, Text: "s"})
			cur = cur[:ins] + "s" + cur[ins:]
		}
	}
	c.diagsFor(uri, 30)
	assertServerText(t, c, uri, cur)
	s := c.server
	s.mu.Lock()
	d := s.docs[uri]
	parsed := d.parsed
	res := d.result
	s.mu.Unlock()
	if parsed == nil || res == nil {
		t.Fatal("no parse state")
	}
	p := syntax.NewParser()
	defer p.Close()
	full, err := p.Parse(t.Context(), []byte(cur))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := dumpTree(res.file.Tree), dumpTree(full.Tree()); a != b {
		t.Fatalf("incremental tree differs from a full parse:\n%s\nvs\n%s", a, b)
	}
	// one more keystroke, alone: its model is built from the last one's (the tree is
	// spliced from that model's tree), kept for the next keystroke, and equal to the model
	// built from scratch
	s.mu.Lock()
	before := d.model
	s.mu.Unlock()
	if before == nil || before.Tree != parsed.Tree() {
		t.Fatal("the model of the last tree is not kept")
	}
	p31 := posAt(cur, ins, c.enc)
	c.change(uri, 31, textDocumentContentChangeEvent{Range: &protocol.Range{Start: p31, End: p31}, Text: "t"})
	cur = cur[:ins] + "t" + cur[ins:]
	c.diagsFor(uri, 31)
	s.mu.Lock()
	model, res := d.model, d.result
	s.mu.Unlock()
	if model == nil || model != res.file.File || model.Tree.Spliced() == nil || !model.Tree.Spliced().From(before.Tree) {
		t.Fatal("the keystroke's model is not built from the last one's and kept")
	}
	fresh := pysem.NewFile(model.Tree, model.Module)
	for _, f := range []*pysem.File{model, fresh} {
		for _, fn := range f.Funcs {
			fn.QualName()         // each function keeps its name once asked: ask all, on both sides
			f.BindsItself(fn, "") // and what it binds itself
		}
	}
	if string(fresh.Src) != cur || !reflect.DeepEqual(model.Funcs, fresh.Funcs) || !reflect.DeepEqual(model.Classes, fresh.Classes) ||
		!reflect.DeepEqual(model.ImportList, fresh.ImportList) || model.LineCount() != fresh.LineCount() {
		t.Fatal("the keystroke's model differs from one built from scratch")
	}
}

func dumpTree(t *syntax.Tree) string {
	var b strings.Builder
	for n := syntax.NodeID(0); int(n) < t.Len(); n++ {
		fmt.Fprintf(&b, "%d:%d-%d;", t.Kind(n), t.Start(n), t.End(n))
	}
	return b.String()
}

// TestCancellation sends a burst of edits without waiting: superseded analyses are
// cancelled and the last diagnostics match the last text and version.
func TestCancellation(t *testing.T) {
	c := newTestClient(t, roundOnly)
	c.start()
	uri := protocol.DocumentURI("file:///work/burst.py")
	text, m := fixture(t, roundModel)
	c.open(uri, text)
	cur := text
	const n = 300
	for v := int32(2); v <= n; v++ {
		p := posAt(cur, m["eol"], c.enc)
		c.change(uri, v, textDocumentContentChangeEvent{Range: &protocol.Range{Start: p, End: p}, Text: " "})
		cur = cur[:m["eol"]] + " " + cur[m["eol"]:]
	}
	// finally remove the finding
	r := rangeAt(cur, m["round"], m["/round"], c.enc)
	c.change(uri, n+1, textDocumentContentChangeEvent{Range: &r, Text: "1"})
	got := c.diagsFor(uri, n+1)
	if len(got.Diagnostics) != 0 {
		t.Fatalf("final diagnostics = %+v, want none", got.Diagnostics)
	}
	final := cur[:m["round"]] + "1" + cur[m["/round"]:]
	assertServerText(t, c, uri, final)
	c.mu.Lock()
	pubs := len(c.diags[uri])
	for _, p := range c.diags[uri] {
		if p.Version == nil {
			t.Errorf("publish without a version")
		}
	}
	last := c.diags[uri][pubs-1]
	c.mu.Unlock()
	if *last.Version != n+1 {
		t.Errorf("last publish is for version %d, want %d", *last.Version, n+1)
	}
	t.Logf("%d edits, %d publishes", n, pubs)
	// versions only increase
	c.mu.Lock()
	prev := int32(0)
	for _, p := range c.diags[uri] {
		if *p.Version < prev {
			t.Errorf("publish for v%d after v%d", *p.Version, prev)
		}
		prev = *p.Version
	}
	c.mu.Unlock()
}

func TestRelatedInformation(t *testing.T) {
	c := newTestClient(t)
	c.start()
	src := `import torch
import torch._dynamo


⟨dec⟩@torch._dynamo.assume_constant_result⟨/dec⟩
def get_len(x):
    return x.shape[0]


class M(torch.nn.Module):
    def forward(self, x):
        return x[: ⟨call⟩get_len(x)⟨/call⟩]
`
	text, m := fixture(t, src)
	uri := protocol.DocumentURI("file:///work/related.py")
	c.open(uri, text)
	got := c.diagsFor(uri, 1)
	var d *protocol.Diagnostic
	for i := range got.Diagnostics {
		if got.Diagnostics[i].Code == "assume_constant_result" {
			d = &got.Diagnostics[i]
		}
	}
	if d == nil {
		t.Fatalf("no assume_constant_result diagnostic in %+v", got.Diagnostics)
	}
	if d.Range != rangeAt(text, m["call"], m["/call"], c.enc) || d.Severity != protocol.DiagnosticSeverityWarning {
		t.Errorf("diagnostic %+v", d)
	}
	if len(d.RelatedInformation) != 1 {
		t.Fatalf("relatedInformation = %+v, want the decorator", d.RelatedInformation)
	}
	ri := d.RelatedInformation[0]
	decl := rangeAt(text, m["dec"], m["/dec"], c.enc)
	// the related range is the decorator expression (with or without its "@")
	if ri.Location.URI != uri || ri.Location.Range.End != decl.End || ri.Location.Range.Start.Line != decl.Start.Line {
		t.Errorf("related location %+v, want %s %+v", ri.Location, uri, decl)
	}
}

func TestDeprecatedTag(t *testing.T) {
	lines := newLineIndex([]byte("x = 1\n"))
	diags, _ := toDiagnostics("file:///d.py", lines, []analysis.Finding{
		{Case: "dynamic_shape_round", Start: 0, End: 1, Severity: analysis.Warning, Deprecated: true, Message: "m"},
		{Case: "static_if", Start: 0, End: 1, Severity: analysis.Off, Message: "hover only"},
		{Case: analysis.UnusedSuppression, Start: 2, End: 3, Severity: analysis.Hint, Message: "unused"},
	}, encUTF16, true)
	if len(diags) != 2 {
		t.Fatalf("%d diagnostics, want 2 (Off is not a diagnostic)", len(diags))
	}
	if len(diags[0].Tags) != 1 || diags[0].Tags[0] != protocol.DiagnosticTagDeprecated || diags[0].Severity != protocol.DiagnosticSeverityWarning {
		t.Errorf("deprecated finding: %+v", diags[0])
	}
	if diags[1].Severity != protocol.DiagnosticSeverityHint || diags[1].CodeDescription != nil {
		t.Errorf("engine code: %+v (no link for codes that are not cases)", diags[1])
	}
}

func TestFileErrorIsShown(t *testing.T) {
	c := newTestClient(t)
	c.start()
	uri := protocol.DocumentURI("file:///work/nul.py")
	c.open(uri, "x = 1\ny = '\x00'\n")
	got := c.diagsFor(uri, 1)
	if len(got.Diagnostics) != 1 || got.Diagnostics[0].Code != "file_error" || !strings.Contains(got.Diagnostics[0].Message, "NUL") {
		t.Fatalf("diagnostics = %+v, want one file_error about the NUL byte", got.Diagnostics)
	}
	if got.Diagnostics[0].Range.Start.Line != 1 {
		t.Errorf("file error at %+v, want line 1", got.Diagnostics[0].Range)
	}
}

func TestPullDiagnostics(t *testing.T) {
	c := newTestClient(t, roundOnly)
	caps := capsNeovim07()
	caps.Diagnostic = &diagnosticClientCapabilities{}
	caps.DiagnosticsRefresh = true
	c.initialize(initParams{Capabilities: caps})
	text, m := fixture(t, roundModel)
	uri := protocol.DocumentURI("file:///work/pull.py")
	c.open(uri, text)
	var rep struct {
		Kind     string                `json:"kind"`
		ResultID string                `json:"resultId"`
		Items    []protocol.Diagnostic `json:"items"`
	}
	c.mustCall("textDocument/diagnostic", documentDiagnosticParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri}}, &rep)
	if rep.Kind != "full" || len(rep.Items) != 1 || rep.Items[0].Range != rangeAt(text, m["round"], m["/round"], c.enc) {
		t.Fatalf("report = %+v", rep)
	}
	first := rep.ResultID
	c.mustCall("textDocument/diagnostic", documentDiagnosticParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri}, PreviousResultID: first}, &rep)
	if rep.Kind != "unchanged" || rep.ResultID != first {
		t.Errorf("same text: report %+v, want unchanged %s", rep, first)
	}
	r := rangeAt(text, m["round"], m["/round"], c.enc)
	c.change(uri, 2, textDocumentContentChangeEvent{Range: &r, Text: "1"})
	rep.Items = nil
	c.mustCall("textDocument/diagnostic", documentDiagnosticParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri}, PreviousResultID: first}, &rep)
	if rep.Kind != "full" || len(rep.Items) != 0 || rep.ResultID == first {
		t.Errorf("after the fix: report %+v, want full and empty", rep)
	}
	if n := c.publishes(uri); n != 0 {
		t.Errorf("%d publishDiagnostics for a pull client's open document, want 0", n)
	}
	// settings change: the client is asked to pull again
	c.notify("workspace/didChangeConfiguration", protocol.DidChangeConfigurationParams{Settings: json.RawMessage(`{"exportdb":{"torchVersion":"2.5"}}`)})
	c.waitFor("workspace/diagnostic/refresh", func() bool { return c.refreshes > 0 })
}

// TestPullWithoutRefresh: a client that pulls diagnostics but cannot be asked to pull
// again (Neovim 0.10: textDocument.diagnostic, no workspace.diagnostics.refreshSupport) is
// not offered pull diagnostics: it gets them pushed, also after a change of settings.
func TestPullWithoutRefresh(t *testing.T) {
	c := newTestClient(t, withRules(rulesWithSymMin()))
	caps := capsNeovim07()
	caps.PositionEncodings = []string{"utf-8", "utf-16"}
	caps.Diagnostic = &diagnosticClientCapabilities{}
	var raw json.RawMessage
	c.mustCall("initialize", initParams{Capabilities: caps, ClientInfo: &protocol.ClientInfo{Name: "Neovim", Version: "0.10.4"}}, &raw)
	var res struct {
		Capabilities map[string]json.RawMessage `json:"capabilities"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	if p, ok := res.Capabilities["diagnosticProvider"]; ok {
		t.Errorf("diagnosticProvider = %s offered to a pull client without refresh support", p)
	}
	c.enc = negotiateEncodingName(strings.Trim(string(res.Capabilities["positionEncoding"]), `"`))
	c.notify("initialized", struct{}{})

	src := "import torch\n\n\nclass M(torch.nn.Module):\n    def forward(self, x):\n        return torch.sym_min(x.size(0), 100)\n"
	uri := protocol.DocumentURI("file:///work/nvim010.py")
	c.open(uri, src)
	sevOf := func(p publishDiagnosticsParams) protocol.DiagnosticSeverity {
		for _, d := range p.Diagnostics {
			if d.Code == "torch_sym_min" {
				return d.Severity
			}
		}
		return 0
	}
	if got := sevOf(c.diagsFor(uri, 1)); got != protocol.DiagnosticSeverityHint && got != 0 {
		t.Fatalf("at the newest torch: torch_sym_min severity %v, want a hint or nothing", got)
	}
	n := c.publishes(uri)
	c.notify("workspace/didChangeConfiguration", protocol.DidChangeConfigurationParams{Settings: json.RawMessage(`{"exportdb":{"torchVersion":"2.5"}}`)})
	c.waitFor("diagnostics pushed after the settings change", func() bool {
		l := c.diags[uri]
		return len(l) > n && sevOf(l[len(l)-1]) == protocol.DiagnosticSeverityError
	})
	c.mu.Lock()
	refreshes := c.refreshes
	c.mu.Unlock()
	if refreshes != 0 {
		t.Errorf("%d workspace/diagnostic/refresh requests to a client without refresh support", refreshes)
	}
}

// TestTorchVersionSetting: the case's support level at the target version decides the
// severity; changing torchVersion re-publishes.
func TestTorchVersionSetting(t *testing.T) {
	c := newTestClient(t, withRules(rulesWithSymMin()))
	c.start()
	src := `import torch


class M(torch.nn.Module):
    def forward(self, x):
        return x.sum() + ⟨call⟩torch.sym_min(x.size(0), 100)⟨/call⟩
`
	text, m := fixture(t, src)
	uri := protocol.DocumentURI("file:///work/symmin.py")
	c.open(uri, text)
	sev := func(p publishDiagnosticsParams) protocol.DiagnosticSeverity {
		for _, d := range p.Diagnostics {
			if d.Code == "torch_sym_min" {
				if d.Range != rangeAt(text, m["call"], m["/call"], c.enc) {
					t.Errorf("range %+v", d.Range)
				}
				return d.Severity
			}
		}
		return 0
	}
	latest := sev(c.diagsFor(uri, 1))
	if latest == protocol.DiagnosticSeverityError {
		t.Fatalf("torch_sym_min is an error at the newest torch; it is supported from 2.12")
	}
	before := c.publishes(uri)
	c.notify("workspace/didChangeConfiguration", protocol.DidChangeConfigurationParams{Settings: json.RawMessage(`{"exportdb":{"torchVersion":"2.5"}}`)})
	c.waitFor("re-publish", func() bool { return len(c.diags[uri]) > before })
	if got := sev(c.diagsFor(uri, 1)); got != protocol.DiagnosticSeverityError {
		t.Fatalf("torchVersion 2.5: severity %v, want error (not supported before 2.12)", got)
	}
	// top-level settings (no "exportdb" key) work too
	before = c.publishes(uri)
	c.notify("workspace/didChangeConfiguration", protocol.DidChangeConfigurationParams{Settings: json.RawMessage(`{"torchVersion":"2.12"}`)})
	c.waitFor("re-publish", func() bool { return len(c.diags[uri]) > before })
	if got := sev(c.diagsFor(uri, 1)); got == protocol.DiagnosticSeverityError {
		t.Fatalf("torchVersion 2.12: still an error")
	}
	// an invalid setting is shown, never silent
	c.notify("workspace/didChangeConfiguration", protocol.DidChangeConfigurationParams{Settings: json.RawMessage(`{"exportdb":{"torchVersion":"two"}}`)})
	c.waitFor("an error message", func() bool {
		for _, msg := range c.messages {
			if msg.Type == protocol.MessageTypeError && strings.Contains(msg.Message, "torchVersion") {
				return true
			}
		}
		return false
	})
}

// rulesWithSymMin returns the registry, with a stand-in for torch_sym_min when its rule
// is not written yet (it reports every torch.sym_min call in traced code).
func rulesWithSymMin() []*analysis.Rule {
	all := rules.All()
	for i, r := range all {
		if r.Name == "torch_sym_min" && r.Run == nil {
			stand := *r
			stand.Run = func(pass *analysis.Pass) {
				pass.Traced(syntax.KindCall, func(call analysis.NodeID, _ *analysis.Function) {
					if pass.File.CallName(call) == "torch.sym_min" {
						pass.Reportf(call, analysis.Recognized, "torch.sym_min in traced code")
					}
				})
			}
			all[i] = &stand
		}
	}
	return all
}

func TestSeveritySettingAndSelect(t *testing.T) {
	c := newTestClient(t, roundOnly)
	caps := capsNeovim07()
	c.initialize(initParams{Capabilities: caps,
		InitializationOptions: json.RawMessage(`{"exportdb":{"severity":{"dynamic_shape_round":"warning"}}}`)})
	text, _ := fixture(t, roundModel)
	uri := protocol.DocumentURI("file:///work/sev.py")
	c.open(uri, text)
	got := c.diagsFor(uri, 1)
	if len(got.Diagnostics) != 1 || got.Diagnostics[0].Severity != protocol.DiagnosticSeverityWarning {
		t.Fatalf("diagnostics = %+v, want one warning", got.Diagnostics)
	}
	before := c.publishes(uri)
	c.notify("workspace/didChangeConfiguration", protocol.DidChangeConfigurationParams{Settings: json.RawMessage(`{"exportdb":{"ignore":["torch.dynamic-shape"]}}`)})
	c.waitFor("re-publish", func() bool { return len(c.diags[uri]) > before })
	if got := c.diagsFor(uri, 1); len(got.Diagnostics) != 0 {
		t.Fatalf("ignoring the tag: diagnostics = %+v, want none", got.Diagnostics)
	}
}

func TestCaseURLsExist(t *testing.T) {
	for _, r := range rules.All() {
		if _, ok := catalog.Default().Lookup(r.Name); !ok {
			t.Errorf("rule %s has no catalog case", r.Name)
		}
	}
}

// TestColdDocuments: past maxWarm open documents, the least recently used drop their tree
// and result; asking about one analyses it again, without publishing again.
func TestColdDocuments(t *testing.T) {
	c := newTestClient(t, roundOnly)
	c.start()
	text, m := fixture(t, roundModel)
	uri := func(i int) protocol.DocumentURI { return protocol.DocumentURI("file:///work/cold" + itoa(i) + ".py") }
	var first weak.Pointer[analysis.File] // the first document's analysis
	for i := 0; i < maxWarm+4; i++ {
		c.open(uri(i), text)
		c.diagsFor(uri(i), 1)
		if i == 0 {
			c.server.mu.Lock()
			first = weak.Make(c.server.docs[uri(0)].result.file)
			c.server.mu.Unlock()
		}
	}
	s := c.server
	s.mu.Lock()
	warm := 0
	for _, d := range s.docs {
		if d.parsed != nil || d.result != nil {
			warm++
		}
	}
	d0 := s.docs[uri(0)]
	cold := d0.result == nil && d0.parsed == nil && (d0.base == nil || d0.base.last == nil)
	s.mu.Unlock()
	if warm > maxWarm || !cold {
		t.Fatalf("%d warm documents (max %d); the first is cold (no tree, result or kept analysis): %v", warm, maxWarm, cold)
	}
	// nothing keeps a cold document's analysis (the program it was linked with kept it for
	// the next edit, so that 200 open documents held 440 MB)
	runtime.GC()
	runtime.GC()
	if first.Value() != nil {
		t.Error("the cold document's last analysis is still reachable")
	}
	if h := hoverAt(t, c, uri(0), text, m["in"]); h == nil || !strings.Contains(h.Contents.Value, "dynamic_shape_round") {
		t.Fatalf("hover on a cold document: %+v", h)
	}
	acts := codeActions(t, c, uri(0), text, m["in"], m["in"])
	if len(acts) != 2 {
		t.Fatalf("code actions on a cold document: %s", titles(acts))
	}
	if n := c.publishes(uri(0)); n != 1 {
		t.Errorf("%d publishes for the re-warmed document, want 1", n)
	}
	// editing a cold document works from a full parse
	c.change(uri(1), 2, textDocumentContentChangeEvent{Range: &protocol.Range{}, Text: "# edited\n"})
	if got := c.diagsFor(uri(1), 2); len(got.Diagnostics) != 1 || got.Diagnostics[0].Range.Start.Line != posAt(text, m["round"], c.enc).Line+1 {
		t.Errorf("edited cold document: %+v", got.Diagnostics)
	}
}

// TestReplaceCharacterMatchesFresh: Vim's r command replaces one character by another,
// an edit that can leave a statement's nodes as they were while changing what it means
// (the alias an import binds, a method's name). After each replacement the diagnostics
// are those a fresh open of the same text gets.
func TestReplaceCharacterMatchesFresh(t *testing.T) {
	c := newTestClient(t, roundOnly)
	c.start()
	uri := protocol.DocumentURI("file:///work/replace.py")
	text := "import torch as T\n\n\nclass Model(T.nn.Module):\n    def forward(self, x):\n        return x[: round(x.shape[0] / 2)]\n"
	c.open(uri, text)
	if got := c.diagsFor(uri, 1); len(got.Diagnostics) != 1 {
		t.Fatalf("the opened text has %d diagnostics, want the round one", len(got.Diagnostics))
	}
	cur := text
	for i, r := range []struct {
		at   string // the character replaced is the first of at
		with string
		want int // diagnostics after it
	}{
		{"T\n", "U", 0},            // the alias: T.nn.Module names nothing imported
		{"U\n", "T", 1},            // and back
		{"forward", "g", 0},        // def gorward: no forward
		{"gorward", "f", 1},        // and back
		{"round(", "r", 1},         // the same text
		{"x.shape[0] / 2", "y", 0}, // round(y.shape...): not a size of the input
	} {
		at := strings.Index(cur, r.at)
		if at < 0 {
			t.Fatalf("no %q in %q", r.at, cur)
		}
		cur = replaceMatchesFresh(t, c, uri, int32(i+2), cur, at, at+1, r.with, r.want, fmt.Sprintf("after %q -> %q", r.at[:1], r.with))
	}
}

// replaceMatchesFresh replaces cur[start:end] with s in uri as version v and checks its
// diagnostics with sameAsFreshOpen; it returns the new text.
func replaceMatchesFresh(t *testing.T, c *testClient, uri protocol.DocumentURI, v int32, cur string, start, end int, s string, want int, where string) string {
	t.Helper()
	r := rangeAt(cur, start, end, c.enc)
	c.change(uri, v, textDocumentContentChangeEvent{Range: &r, Text: s})
	cur = cur[:start] + s + cur[end:]
	sameAsFreshOpen(t, c, c.diagsFor(uri, v), cur, want, where)
	return cur
}

// sameAsFreshOpen fails t unless got, the diagnostics of text after edits, are want many
// and those a fresh open of text gets (in a new document).
func sameAsFreshOpen(t *testing.T, c *testClient, got publishDiagnosticsParams, text string, want int, where string) {
	t.Helper()
	c.mu.Lock()
	n := len(c.diags)
	c.mu.Unlock()
	fresh := protocol.DocumentURI(fmt.Sprintf("file:///work/fresh_%d.py", n))
	c.open(fresh, text)
	wantDiags := c.diagsFor(fresh, 1)
	if len(got.Diagnostics) != want || len(wantDiags.Diagnostics) != want {
		t.Fatalf("%s: %d diagnostics, a fresh open %d, want %d\n%s", where, len(got.Diagnostics), len(wantDiags.Diagnostics), want, text)
	}
	for j, w := range wantDiags.Diagnostics {
		if g := got.Diagnostics[j]; g.Range != w.Range || g.Message != w.Message || g.Severity != w.Severity {
			t.Fatalf("%s: diagnostic %d is %+v, a fresh open's %+v", where, j, g, w)
		}
	}
}

// TestFunctionImportMatchesFresh: an import inside a function binds its names there only,
// and typing one re-analyses what it changes, as a fresh open of each text has it:
// `from foo import range, round` in a helper leaves forward's range and round the builtins
// (their findings stay); typed at the top of forward, it makes them foo's (the findings
// go), and deleting it again brings them back.
func TestFunctionImportMatchesFresh(t *testing.T) {
	c := newTestClient(t)
	c.start()
	uri := protocol.DocumentURI("file:///work/func_import.py")
	text := "import torch\n\n\ndef helper():\n    pass\n\n\nclass Model(torch.nn.Module):\n    def forward(self, x):\n        for i in range(x.shape[0]):\n            x = x + 1\n        return round(x.shape[0] / 2)\n"
	c.open(uri, text)
	if got := c.diagsFor(uri, 1); len(got.Diagnostics) != 2 {
		t.Fatalf("the opened text has %d diagnostics, want the loop's and round's", len(got.Diagnostics))
	}
	cur := text
	version := int32(1)
	for _, e := range []struct {
		at, ins string
		want    int // diagnostics with ins typed, and 2 once deleted again
	}{
		{"    pass", "    from foo import range, round\n", 2},
		{"        for i in", "        from foo import range, round\n", 0},
	} {
		at := strings.Index(cur, e.at)
		where := fmt.Sprintf("%q before %q", strings.TrimSpace(e.ins), strings.TrimSpace(e.at))
		cur = replaceMatchesFresh(t, c, uri, version+1, cur, at, at, e.ins, e.want, where+" typed")
		cur = replaceMatchesFresh(t, c, uri, version+2, cur, at, at+len(e.ins), "", 2, where+" deleted")
		version += 2
	}
}
