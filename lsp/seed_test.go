package lsp

import (
	"context"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/rules"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// TestSeedExamples is issue 5's bar, over every seed example whose rule is written: open
// it, see its diagnostic with the right code and link at the right range, hover it and
// read the card, and apply each quick fix, which leaves valid Python. The expected
// findings come from the analysis engine; the test checks what the editor gets.
func TestSeedExamples(t *testing.T) {
	implemented := map[string]bool{}
	for _, r := range rules.All() {
		implemented[r.Name] = r.Run != nil
	}
	for _, enc := range []string{"utf-8", "utf-16"} {
		t.Run(enc, func(t *testing.T) {
			c := newTestClient(t)
			c.start(enc)
			checked := 0
			for _, k := range catalog.Default().Cases() {
				if !implemented[k.Name] || k.Example == "" {
					continue
				}
				text := k.Example
				p := syntaxParser(t)
				f, err := analysis.Parse(context.Background(), p, []byte(text))
				if err != nil {
					t.Fatalf("%s: %v", k.Name, err)
				}
				var want []analysis.Finding
				for _, fd := range analysis.Analyze(context.Background(), f, rules.All(), analysis.Options{}).Findings {
					if fd.Case == k.Name {
						want = append(want, fd)
					}
				}
				if len(want) == 0 {
					t.Logf("%s: the rule reports nothing on its seed example", k.Name)
					continue
				}
				checked++
				uri := protocol.DocumentURI("file:///seed/" + k.Name + ".py")
				c.open(uri, text)
				diags := c.diagsFor(uri, 1).Diagnostics
				for _, fd := range want {
					rng := rangeAt(text, fd.Start, fd.End, c.enc)
					if sev, shown := lspSeverity(fd.Severity); shown {
						var d *protocol.Diagnostic
						for i := range diags {
							if diags[i].Code == k.Name && diags[i].Range == rng {
								d = &diags[i]
							}
						}
						if d == nil {
							t.Errorf("%s: no diagnostic at %+v in %+v", k.Name, rng, diags)
							continue
						}
						if d.Severity != sev || d.CodeDescription == nil || string(d.CodeDescription.Href) != k.URL("") {
							t.Errorf("%s: diagnostic %+v, want severity %v and link %s", k.Name, d, sev, k.URL(""))
						}
						acts := codeActions(t, c, uri, text, fd.Start, fd.Start, "quickfix")
						for _, a := range acts {
							if a.Edit == nil {
								t.Errorf("%s: action %q has no edit", k.Name, a.Title)
								continue
							}
							fixed := applyEdits(t, text, editsFor(t, a.Edit, uri), c.enc)
							if tree := parseForTest(t, fixed); tree.HasError(tree.Root()) {
								t.Errorf("%s: %q leaves invalid Python:\n%s", k.Name, a.Title, fixed)
							}
						}
					}
					h := hoverAt(t, c, uri, text, fd.Start)
					if h == nil || !strings.Contains(h.Contents.Value, "`"+k.Name+"`") || !strings.Contains(h.Contents.Value, k.URL("")) {
						t.Errorf("%s: hover %+v, want its card", k.Name, h)
					}
				}
				c.notify("textDocument/didClose", protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri}})
			}
			if checked == 0 {
				t.Fatal("no seed example checked")
			}
			t.Logf("%d seed examples checked", checked)
		})
	}
}
