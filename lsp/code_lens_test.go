package lsp

import (
	"reflect"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/rules"
)

func TestCodeLens(t *testing.T) {
	c := newTestClient(t, withRules([]*analysis.Rule{rules.DynamicShapeRound, rules.AssumeConstantResult}))
	c.start()
	src := `import torch
import torch._dynamo


@torch._dynamo.assume_constant_result
def get_len(x):
    return x.shape[0]


def half(x):
    return round(x.shape[0] / 2)


class ⟨a⟩Blocked⟨/a⟩(torch.nn.Module):
    def ⟨fa⟩forward⟨/fa⟩(self, x):
        n = get_len(x)
        return x[: half(x)] + x[: round(x.shape[1] / 2)] + n


class ⟨b⟩Fine⟨/b⟩(torch.nn.Module):
    def ⟨fb⟩forward⟨/fb⟩(self, x):
        return x * 2


class NotAModule:
    def forward(self, x):
        return round(x.shape[0] / 2)
`
	text, m := fixture(t, src)
	uri := protocol.DocumentURI("file:///work/lens.py")
	c.open(uri, text)
	c.diagsFor(uri, 1)
	var lenses []protocol.CodeLens
	c.mustCall("textDocument/codeLens", protocol.CodeLensParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri}}, &lenses)
	if len(lenses) != 4 {
		t.Fatalf("lenses %+v, want the readiness and the dims lens of each nn.Module class", lenses)
	}
	want := []struct {
		rng   protocol.Range
		title string
		cmd   string
		arg   any
	}{
		// round in forward and in the helper forward calls: 2 blockers; the constant
		// result: a caveat (warning)
		{rangeAt(text, m["a"], m["/a"], c.enc), "torch.export: 2 blockers, 1 caveat", cmdShowCase, "dynamic_shape_round"},
		{rangeAt(text, m["fa"], m["/fa"], c.enc), "Declare dynamic dims…", cmdDeclareDims, map[string]any{"uri": string(uri), "class": "lens.Blocked"}},
		{rangeAt(text, m["b"], m["/b"], c.enc), "torch.export: no known blockers", "", nil},
		{rangeAt(text, m["fb"], m["/fb"], c.enc), "Declare dynamic dims…", cmdDeclareDims, map[string]any{"uri": string(uri), "class": "lens.Fine"}},
	}
	for i, w := range want {
		l := lenses[i]
		if l.Range != w.rng || l.Command == nil || l.Command.Title != w.title || l.Command.Command != w.cmd {
			t.Errorf("lens %d: %+v %+v, want %q (%s) at %+v", i, l.Range, l.Command, w.title, w.cmd, w.rng)
			continue
		}
		if w.arg != nil && (len(l.Command.Arguments) != 1 || !reflect.DeepEqual(l.Command.Arguments[0], w.arg)) {
			t.Errorf("lens %d arguments %#v, want %#v", i, l.Command.Arguments, w.arg)
		}
	}
	if got := readiness(0, 2); got != "torch.export: no known blockers, 2 caveats" {
		t.Errorf("readiness(0, 2) = %q", got)
	}
}

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir+"/pyproject.toml", "[tool.exportdb]\ntorch-version = \"2.6\"\n")
	c := newTestClient(t)
	c.start("utf-8", "utf-16")
	text, _ := fixture(t, roundModel)
	uri := pathToURI(dir + "/m.py")
	c.open(uri, text)
	c.diagsFor(uri, 1)

	var info string
	c.mustCall("workspace/executeCommand", protocol.ExecuteCommandParams{Command: cmdDebugInfo}, &info)
	for _, w := range []string{"exportdb test", "position encoding: utf-8", "pyproject.toml: target torch version 2.6", "diagnostics: push", "open documents: 1"} {
		if !strings.Contains(info, w) {
			t.Errorf("debugInfo lacks %q:\n%s", w, info)
		}
	}

	arg := func(s string) []any { return []any{s} }
	c.mustCall("workspace/executeCommand", protocol.ExecuteCommandParams{Command: cmdShowCase, Arguments: arg("dynamic_shape_round")}, nil)
	c.mu.Lock()
	shown := append([]protocol.ShowDocumentParams(nil), c.shown...)
	c.showDocumentOK = false // the next showDocument fails: fall back to a message
	c.mu.Unlock()
	if len(shown) != 1 || shown[0].URI != roundURL || !shown[0].External {
		t.Fatalf("window/showDocument %+v, want the ExportDB link, external", shown)
	}
	c.mustCall("workspace/executeCommand", protocol.ExecuteCommandParams{Command: cmdShowCase, Arguments: arg("unsupported_operator")}, nil)
	c.waitFor("the link in a message", func() bool {
		for _, m := range c.messages {
			if strings.Contains(m.Message, "torch_sym_min") && strings.Contains(m.Message, "#torch-sym-min") {
				return true
			}
		}
		return false
	})
	if err := c.call("workspace/executeCommand", protocol.ExecuteCommandParams{Command: cmdShowCase, Arguments: arg("no_such_case")}, nil); rpcCode(err) != -32602 {
		t.Errorf("unknown case: %v, want InvalidParams", err)
	}
	if err := c.call("workspace/executeCommand", protocol.ExecuteCommandParams{Command: "exportdb.nope"}, nil); rpcCode(err) != -32602 {
		t.Errorf("unknown command: %v, want InvalidParams", err)
	}
}
