package lsp

import (
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// treeLedger follows the tree-sitter trees of the analysis workers (Server.testTree).
type treeLedger struct {
	t       *testing.T
	mu      sync.Mutex
	live    map[*syntax.Document]bool // made and not closed
	reading map[*syntax.Document]int  // reparses from the tree in progress
	made    int
	closed  int
}

func (l *treeLedger) event(ev string, doc *syntax.Document) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch ev {
	case "new":
		l.live[doc] = true
		l.made++
	case "reparse":
		if !l.live[doc] {
			l.t.Errorf("reparse from a tree that is closed or unknown")
		}
		l.reading[doc]++
	case "reparsed":
		l.reading[doc]--
	case "close":
		if l.reading[doc] > 0 {
			l.t.Errorf("a tree closed while a worker reparses from it")
		}
		if !l.live[doc] {
			l.t.Errorf("a tree closed twice, or one no worker made")
		}
		delete(l.live, doc)
		l.closed++
	}
}

// TestTreeLifetime: the C trees of the document store are closed as soon as they are
// dropped or replaced, never while a worker reparses from one, and all of them by the end
// of the session. The workload mixes incremental edits, whole-text changes, out-of-range
// edits (a full reparse), bursts that supersede running analyses, closing and reopening,
// and more open documents than stay warm.
func TestTreeLifetime(t *testing.T) {
	l := &treeLedger{t: t, live: map[*syntax.Document]bool{}, reading: map[*syntax.Document]int{}}
	c := newTestClient(t, roundOnly, func(s *Server) { s.testTree = l.event })
	c.start()
	text, m := fixture(t, roundModel)
	const docs = maxWarm + 4
	uris := make([]protocol.DocumentURI, docs)
	texts := make([]string, docs)
	versions := make([]int32, docs)
	for i := range uris {
		uris[i] = protocol.DocumentURI("file:///work/tree" + itoa(i) + ".py")
		texts[i] = text
		versions[i] = 1
		c.open(uris[i], text)
	}
	bad := protocol.Range{Start: protocol.Position{Line: 999}, End: protocol.Position{Line: 999}}
	for round := 0; round < 6; round++ {
		for i := range uris {
			for k := 0; k < 5; k++ { // a burst: each edit supersedes the analysis of the last
				p := posAt(texts[i], m["eol"], c.enc)
				versions[i]++
				c.change(uris[i], versions[i], textDocumentContentChangeEvent{Range: &protocol.Range{Start: p, End: p}, Text: " "})
				texts[i] = texts[i][:m["eol"]] + " " + texts[i][m["eol"]:]
			}
			switch (round + i) % 4 {
			case 0: // whole text
				texts[i] = strings.Replace(texts[i], "// 2]", "// 3]", 1)
				versions[i]++
				c.change(uris[i], versions[i], textDocumentContentChangeEvent{Text: texts[i]})
			case 1: // out of range: appended, full reparse
				versions[i]++
				c.change(uris[i], versions[i], textDocumentContentChangeEvent{Range: &bad, Text: "\n"})
				texts[i] += "\n"
			case 2: // closed and reopened
				c.notify("textDocument/didClose", protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: uris[i]}})
				versions[i] = 1
				c.open(uris[i], texts[i])
			}
		}
		if round%2 == 1 { // a cold document is analysed again on demand
			hoverAt(t, c, uris[0], texts[0], m["round"]+1)
		}
	}
	for i := range uris {
		c.diagsFor(uris[i], versions[i])
		assertServerText(t, c, uris[i], texts[i])
	}
	// every tree still open is some document's parsed tree, once the runs the last edits
	// superseded have wound down (they close their trees on their own goroutines)
	var current map[*syntax.Document]bool
	var stray int
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		c.server.mu.Lock()
		current = map[*syntax.Document]bool{}
		for _, d := range c.server.docs {
			if d.parsed != nil {
				current[d.parsed] = true
			}
		}
		c.server.mu.Unlock()
		l.mu.Lock()
		stray = 0
		for doc := range l.live {
			if !current[doc] {
				stray++
			}
		}
		l.mu.Unlock()
		if stray == 0 || time.Now().After(deadline) {
			break
		}
	}
	l.mu.Lock()
	if stray > 0 {
		t.Errorf("%d trees no document holds are still open", stray)
	}
	if len(current) > maxWarm {
		t.Errorf("%d documents keep a tree, want at most %d", len(current), maxWarm)
	}
	t.Logf("%d trees made, %d closed, %d held", l.made, l.closed, len(current))
	l.mu.Unlock()

	if err := c.shutdown(); err != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.live) != 0 {
		t.Errorf("%d trees open after the session", len(l.live))
	}
}
