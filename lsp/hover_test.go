package lsp

import (
	"encoding/json"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
)

func hoverAt(t *testing.T, c *testClient, uri protocol.DocumentURI, text string, off int) *protocol.Hover {
	t.Helper()
	var h *protocol.Hover
	c.mustCall("textDocument/hover", protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: uri}, Position: posAt(text, off, c.enc)}, &h)
	return h
}

func TestHoverFinding(t *testing.T) {
	c := newTestClient(t, roundOnly)
	c.start()
	text, m := fixture(t, roundModel)
	uri := protocol.DocumentURI("file:///work/hover.py")
	c.open(uri, text)
	h := hoverAt(t, c, uri, text, m["in"])
	if h == nil {
		t.Fatal("no hover on the finding")
	}
	if h.Contents.Kind != "markdown" {
		t.Errorf("kind %q, want markdown", h.Contents.Kind)
	}
	v := h.Contents.Value
	for _, want := range []string{
		"`dynamic_shape_round`",
		"**error**",
		"NOT_SUPPORTED_YET",               // support level at the target version
		"not supported in any recorded",   // level history
		"**Why:** A dynamic dimension",    // from the rule's "Why is this bad"
		"**Instead:** Integer arithmetic", // from "Use instead"
		"x[: x.shape[0] // 2]",            // its example
		"**Example:**",                    // short example
		"torch.dynamic-shape",             // tags
		"(" + roundURL + ")",              // the link
	} {
		if !strings.Contains(v, want) {
			t.Errorf("hover lacks %q:\n%s", want, v)
		}
	}
	if h.Range == nil || *h.Range != rangeAt(text, m["round"], m["/round"], c.enc) {
		t.Errorf("hover range %+v, want the finding's", h.Range)
	}
	// nothing to say on plain code
	if h := hoverAt(t, c, uri, text, m["eol"]-1); h != nil {
		t.Errorf("hover on ']' = %+v, want null", h)
	}
	// a document that is not open
	var none json.RawMessage
	c.mustCall("textDocument/hover", protocol.TextDocumentPositionParams{TextDocument: protocol.TextDocumentIdentifier{URI: "file:///nope.py"}}, &none)
	if string(none) != "null" {
		t.Errorf("hover on a closed document = %s, want null", none)
	}
}

func TestHoverExportAPI(t *testing.T) {
	c := newTestClient(t)
	c.start()
	src := `import torch
from torch.export import ⟨dim⟩Dim
from functorch.experimental.control_flow import cond

batch = ⟨dim2⟩Dim("batch")


class M(torch.nn.Module):
    def forward(self, x):
        torch._check⟨check⟩(x.shape[0] > 1)
        return ⟨cond⟩cond(x.sum() > 0, lambda x: x + 1, lambda x: x - 1, [x])


ep = torch.export.⟨export⟩export(M(), (torch.randn(3),))
`
	text, m := fixture(t, src)
	uri := protocol.DocumentURI("file:///work/api.py")
	c.open(uri, text)
	c.diagsFor(uri, 1)
	for _, tc := range []struct {
		mark  string
		wants []string
	}{
		{"dim2", []string{"`torch.export.Dim`", "torch.dynamic-shape", "dynamic_shape_round", "dynamic_shape_view"}},
		{"cond", []string{"`functorch.experimental.control_flow.cond`", "torch.cond", "cond_operands", "cond_predicate"}},
		{"check", []string{"`torch._check`", "torch.dynamic-value", "constrain_as_size_example"}},
		{"export", []string{"`torch.export.export`", "ExportDB catalogs", "torch.cond", "python.control-flow"}},
	} {
		off := m[tc.mark]
		if tc.mark == "check" {
			off-- // on the "k" of _check
		}
		h := hoverAt(t, c, uri, text, off)
		if h == nil {
			t.Errorf("%s: no hover", tc.mark)
			continue
		}
		for _, w := range tc.wants {
			if !strings.Contains(h.Contents.Value, w) {
				t.Errorf("%s: hover lacks %q:\n%s", tc.mark, w, h.Contents.Value)
			}
		}
	}
}

func TestHoverOffFinding(t *testing.T) {
	c := newTestClient(t, withRules(rulesWithSymMin()))
	c.start()
	src := `import torch


class M(torch.nn.Module):
    def forward(self, x):
        return x.sum() + torch.⟨call⟩sym_min(x.size(0), 100)
`
	text, m := fixture(t, src)
	uri := protocol.DocumentURI("file:///work/off.py")
	c.open(uri, text)
	got := c.diagsFor(uri, 1)
	for _, d := range got.Diagnostics {
		if d.Code == "torch_sym_min" && d.Severity == protocol.DiagnosticSeverityError {
			t.Fatalf("torch_sym_min is an error at the newest torch")
		}
	}
	h := hoverAt(t, c, uri, text, m["call"])
	if h == nil || !strings.Contains(h.Contents.Value, "`torch_sym_min`") || !strings.Contains(h.Contents.Value, "SUPPORTED") {
		t.Fatalf("hover on a supported (recognised) finding: %+v", h)
	}
	if !strings.Contains(h.Contents.Value, "from torch 2.12") {
		t.Errorf("hover does not say when support changed:\n%s", h.Contents.Value)
	}
}

// TestHoverOnHoverOnlyRule: the diagnostics run skips rules that only recognise supported
// code; hover computes their findings on demand (under the server's context, so a
// cancelled hover cannot leave a result without them).
func TestHoverOnHoverOnlyRule(t *testing.T) {
	c := newTestClient(t)
	c.start()
	src := `import torch


class M(torch.nn.Module):
    def forward(self, x):
        if ⟨rank⟩len(x.shape) == 3:
            return x.sum(0)
        return x
`
	text, m := fixture(t, src)
	uri := protocol.DocumentURI("file:///work/rank.py")
	c.open(uri, text)
	if d := c.diagsFor(uri, 1); len(d.Diagnostics) != 0 {
		t.Fatalf("a rank check is no diagnostic: %+v", d.Diagnostics)
	}
	h := hoverAt(t, c, uri, text, m["rank"])
	if h == nil || !strings.Contains(h.Contents.Value, "static_if") {
		t.Fatalf("hover on a rank check does not explain static_if: %+v", h)
	}
}
