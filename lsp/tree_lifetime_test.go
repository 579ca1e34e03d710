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
	settled int // trees made by settling one typed into in a piece
}

func (l *treeLedger) event(ev string, doc *syntax.Document) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch ev {
	case "new", "settled":
		l.live[doc] = true
		l.made++
		if ev == "settled" {
			l.settled++
		}
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
	// superseded have wound down (they close their trees on their own goroutines) and the
	// workers have let go (a worker settling its document's tree after the publish still
	// runs; the documents beyond maxWarm go cold when the runs end)
	var current map[*syntax.Document]bool
	var stray, running int
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		c.server.mu.Lock()
		current = map[*syntax.Document]bool{}
		running = 0
		for _, d := range c.server.docs {
			if d.parsed != nil {
				current[d.parsed] = true
			}
			if d.running {
				running++
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
		if stray == 0 && running == 0 || time.Now().After(deadline) {
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

// TestTypedTreeSettles: keystrokes inside one statement are reparsed in a piece, leaving
// the document's file-level tree-sitter tree at an earlier text (syntax.Document.Lags);
// once their diagnostics are out, the worker brings it up to date (Server.settle), closing
// the tree it replaces, and the next keystroke in another statement is diagnosed as a fresh
// open diagnoses its text.
func TestTypedTreeSettles(t *testing.T) {
	l := &treeLedger{t: t, live: map[*syntax.Document]bool{}, reading: map[*syntax.Document]int{}}
	c := newTestClient(t, roundOnly, func(s *Server) { s.testTree = l.event })
	c.start()
	text, _ := fixture(t, roundModel)
	uri := protocol.DocumentURI("file:///settle/model.py")
	c.open(uri, text)
	c.diagsFor(uri, 1)
	at := strings.Index(text, "shape[0] / 2") + len("shape[0] / 2")
	for i, ch := range []string{"1", "3", "4", "5"} { // "/ 21", "/ 213", ...: the second on in a piece
		pos := at + i
		r := rangeAt(text, pos, pos, c.enc)
		c.change(uri, int32(2+i), textDocumentContentChangeEvent{Range: &r, Text: ch})
		text = text[:pos] + ch + text[pos:]
		c.diagsFor(uri, int32(2+i))
	}
	// asked under the server's lock: a worker may close the tree it replaces meanwhile
	settled := func() bool {
		c.server.mu.Lock()
		defer c.server.mu.Unlock()
		d := c.server.docs[uri].parsed
		return d != nil && !d.Lags()
	}
	c.waitFor("the typed tree to settle", settled)
	if l.settled == 0 {
		t.Fatal("no tree was settled: the keystrokes did not go through a piece")
	}
	// a keystroke in the other class: the diagnostics of its text
	pos := strings.Index(text, "x.shape[0] // 2") + len("x.shape[0] //")
	r := rangeAt(text, pos, pos, c.enc)
	c.change(uri, 6, textDocumentContentChangeEvent{Range: &r, Text: " 2 //"})
	text = text[:pos] + " 2 //" + text[pos:]
	got := c.diagsFor(uri, 6)
	fresh := newTestClient(t, roundOnly)
	fresh.start()
	fresh.open(uri, text)
	want := fresh.diagsFor(uri, 1)
	if len(got.Diagnostics) != len(want.Diagnostics) {
		t.Fatalf("%d diagnostics after the keystrokes, a fresh open has %d", len(got.Diagnostics), len(want.Diagnostics))
	}
	for i := range want.Diagnostics {
		if got.Diagnostics[i].Range != want.Diagnostics[i].Range || got.Diagnostics[i].Message != want.Diagnostics[i].Message {
			t.Errorf("diagnostic %d: %v %q, a fresh open: %v %q", i, got.Diagnostics[i].Range, got.Diagnostics[i].Message,
				want.Diagnostics[i].Range, want.Diagnostics[i].Message)
		}
	}
	c.notify("textDocument/didClose", protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri}})
	c.waitFor("every tree closed", func() bool { l.mu.Lock(); defer l.mu.Unlock(); return len(l.live) == 0 })
}
