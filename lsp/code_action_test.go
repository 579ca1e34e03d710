package lsp

import (
	"encoding/json"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
)

func codeActions(t *testing.T, c *testClient, uri protocol.DocumentURI, text string, start, end int, only ...protocol.CodeActionKind) []protocol.CodeAction {
	t.Helper()
	var out []protocol.CodeAction
	c.mustCall("textDocument/codeAction", protocol.CodeActionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: uri},
		Range:        rangeAt(text, start, end, c.enc),
		Context:      protocol.CodeActionContext{Diagnostics: []protocol.Diagnostic{}, Only: only},
	}, &out)
	return out
}

func titles(actions []protocol.CodeAction) string {
	var ts []string
	for _, a := range actions {
		ts = append(ts, a.Title)
	}
	return strings.Join(ts, " | ")
}

func TestCodeActionQuickFix(t *testing.T) {
	for _, docChanges := range []bool{false, true} {
		name := "changes"
		if docChanges {
			name = "documentChanges"
		}
		t.Run(name, func(t *testing.T) {
			c := newTestClient(t, roundOnly)
			caps := capsNeovim07()
			caps.Workspace.WorkspaceEdit.DocumentChanges = docChanges
			c.initialize(initParams{Capabilities: caps})
			text, m := fixture(t, roundModel)
			uri := protocol.DocumentURI("file:///work/fix.py")
			c.open(uri, text)
			c.diagsFor(uri, 1)
			acts := codeActions(t, c, uri, text, m["in"], m["in"])
			if len(acts) != 2 {
				t.Fatalf("actions: %s; want the fix then the ignore", titles(acts))
			}
			fix, ign := acts[0], acts[1]
			if fix.Kind != protocol.QuickFix || !strings.HasSuffix(fix.Title, "(unsafe)") || fix.IsPreferred {
				t.Errorf("fix action %+v: want a quickfix saying (unsafe), not preferred", fix)
			}
			if len(fix.Diagnostics) != 1 || fix.Diagnostics[0].Code != "dynamic_shape_round" {
				t.Errorf("fix action diagnostics %+v", fix.Diagnostics)
			}
			if docChanges {
				if len(fix.Edit.DocumentChanges) != 1 || fix.Edit.DocumentChanges[0].TextDocument.Version == nil || *fix.Edit.DocumentChanges[0].TextDocument.Version != 1 {
					t.Errorf("edit %+v: want documentChanges at version 1", fix.Edit)
				}
			} else if fix.Edit.Changes == nil {
				t.Errorf("edit %+v: want changes", fix.Edit)
			}
			fixed := applyEdits(t, text, editsFor(t, fix.Edit, uri), c.enc)
			want := text[:m["round"]] + "(x.shape[0] // 2)" + text[m["/round"]:]
			if fixed != want {
				t.Fatalf("after the fix:\n%s\nwant:\n%s", fixed, want)
			}
			// the fixed text is valid Python without the finding
			c.change(uri, 2, textDocumentContentChangeEvent{Text: fixed})
			if got := c.diagsFor(uri, 2); len(got.Diagnostics) != 0 {
				t.Fatalf("after applying the fix: %+v", got.Diagnostics)
			}
			assertParses(t, fixed)

			if ign.Title != "ignore dynamic_shape_round on this line" || ign.Kind != protocol.QuickFix {
				t.Errorf("ignore action %+v", ign)
			}
			ignored := applyEdits(t, text, editsFor(t, ign.Edit, uri), c.enc)
			if want := text[:m["eol"]] + "  # exportdb: ignore[dynamic_shape_round]" + text[m["eol"]:]; ignored != want {
				t.Fatalf("after ignore:\n%s\nwant:\n%s", ignored, want)
			}
			c.change(uri, 3, textDocumentContentChangeEvent{Text: ignored})
			if got := c.diagsFor(uri, 3); len(got.Diagnostics) != 0 {
				t.Fatalf("after the ignore comment: %+v (want none, and no unused suppression)", got.Diagnostics)
			}
			// only= filters kinds
			c.change(uri, 4, textDocumentContentChangeEvent{Text: text})
			c.diagsFor(uri, 4)
			if acts := codeActions(t, c, uri, text, m["in"], m["in"], "source.fixAll"); len(acts) != 0 {
				t.Errorf("only source.fixAll: %s, want none (no safe fix)", titles(acts))
			}
			if acts := codeActions(t, c, uri, text, m["in"], m["in"], "quickfix"); len(acts) != 2 {
				t.Errorf("only quickfix: %s", titles(acts))
			}
			// outside the finding: nothing
			if acts := codeActions(t, c, uri, text, m["cls"], m["cls"]); len(acts) != 0 {
				t.Errorf("on the class name: %s", titles(acts))
			}
		})
	}
}

// assertParses checks that text is Python without syntax errors.
func assertParses(t *testing.T, text string) {
	t.Helper()
	tree := parseForTest(t, text)
	if tree.HasError(tree.Root()) {
		t.Fatalf("not valid Python:\n%s", text)
	}
}

func TestIgnoreExtendsComment(t *testing.T) {
	c := newTestClient(t, roundOnly)
	c.start()
	src := `import torch


class M(torch.nn.Module):
    def forward(self, x):
        a = ⟨r1⟩round(x.shape[0] / 2)  # exportdb: ignore[static_if⟨end1⟩]
        b = ⟨r2⟩round(x.shape[1] / 2)  # keep this note
        return x[a:b]
`
	text, m := fixture(t, src)
	uri := protocol.DocumentURI("file:///work/ign.py")
	c.open(uri, text)
	c.diagsFor(uri, 1)
	acts := codeActions(t, c, uri, text, m["r1"], m["r1"])
	ign := findAction(t, acts, "ignore dynamic_shape_round on this line")
	got := applyEdits(t, text, editsFor(t, ign.Edit, uri), c.enc)
	if want := text[:m["end1"]] + ", dynamic_shape_round" + text[m["end1"]:]; got != want {
		t.Fatalf("extending the comment:\n%s\nwant:\n%s", got, want)
	}
	acts = codeActions(t, c, uri, text, m["r2"], m["r2"])
	ign = findAction(t, acts, "ignore dynamic_shape_round on this line")
	got = applyEdits(t, text, editsFor(t, ign.Edit, uri), c.enc)
	if !strings.Contains(got, "b = round(x.shape[1] / 2)  # keep this note  # exportdb: ignore[dynamic_shape_round]\n") {
		t.Fatalf("after another comment:\n%s", got)
	}
	c.change(uri, 2, textDocumentContentChangeEvent{Text: got})
	for _, d := range c.diagsFor(uri, 2).Diagnostics {
		if d.Code == "dynamic_shape_round" && d.Range.Start.Line == posAt(text, m["r2"], c.enc).Line {
			t.Errorf("the second finding is still reported: %+v", d)
		}
	}
}

func findAction(t *testing.T, acts []protocol.CodeAction, title string) protocol.CodeAction {
	t.Helper()
	for _, a := range acts {
		if a.Title == title {
			return a
		}
	}
	t.Fatalf("no action %q in %s", title, titles(acts))
	return protocol.CodeAction{}
}

func TestFixAll(t *testing.T) {
	c := newTestClient(t, roundOnly)
	c.start()
	// two unused suppressions (safe fix: remove the comment) and a round finding (unsafe
	// fix: never applied by fix-all)
	src := `import torch


class M(torch.nn.Module):
    def forward(self, x):
        y = x + 1  # exportdb: ignore
        z = x * 2  # exportdb: ignore
        return x[: round(x.shape[0] / 2)]
`
	text, _ := fixture(t, src)
	uri := protocol.DocumentURI("file:///work/fixall.py")
	c.open(uri, text)
	c.diagsFor(uri, 1)
	acts := codeActions(t, c, uri, text, 0, 0, "source.fixAll.exportdb")
	if len(acts) != 1 || acts[0].Kind != KindFixAllExportDB {
		t.Fatalf("fix-all actions: %s", titles(acts))
	}
	got := applyEdits(t, text, editsFor(t, acts[0].Edit, uri), c.enc)
	want := strings.Replace(strings.Replace(text, "x + 1  # exportdb: ignore", "x + 1", 1), "x * 2  # exportdb: ignore", "x * 2", 1)
	if got != want {
		t.Fatalf("after fix-all:\n%s\nwant:\n%s", got, want)
	}
	// the same through the command: the client gets workspace/applyEdit
	var res json.RawMessage
	c.mustCall("workspace/executeCommand", protocol.ExecuteCommandParams{Command: cmdApplyAllFixes, Arguments: []any{uri}}, &res)
	c.mu.Lock()
	applied := append([]protocol.ApplyWorkspaceEditParams(nil), c.applied...)
	c.mu.Unlock()
	if len(applied) != 1 {
		t.Fatalf("%d workspace/applyEdit requests, want 1", len(applied))
	}
	if got := applyEdits(t, text, editsFor(t, &applied[0].Edit, uri), c.enc); got != want {
		t.Fatalf("applyAllFixes:\n%s\nwant:\n%s", got, want)
	}
	// the fix-all action appears in an unfiltered request too, after the quickfixes
	all := codeActions(t, c, uri, text, 0, len(text))
	if len(all) == 0 || all[len(all)-1].Kind != KindFixAllExportDB {
		t.Errorf("unfiltered actions: %s; want source.fixAll.exportdb last", titles(all))
	}
	if !all[0].IsPreferred || all[0].Title != "remove the unused suppression" {
		t.Errorf("first action %+v: want the safe fix, preferred", all[0])
	}
}
