package lsp

import (
	"sync/atomic"
	"testing"
	"time"

	"go.lsp.dev/protocol"
)

// TestIdleCollector: with IdleCollect, the server collects garbage after an analysis once
// none runs and enough garbage piled up; never while an analysis runs, and not when the
// garbage is below its threshold.
func TestIdleCollector(t *testing.T) {
	var due atomic.Bool
	var asked, collected atomic.Int32
	release := make(chan struct{})
	var hold atomic.Bool
	c := newTestClient(t, func(s *Server) {
		s.idleKick = make(chan struct{}, 1)
		s.garbageDue = func() bool { asked.Add(1); return due.Load() }
		s.collect = func() { collected.Add(1) }
		s.testAnalyzeHook = func(protocol.DocumentURI, int32) {
			if hold.Load() {
				<-release
			}
		}
	})
	c.initialize(initParams{Capabilities: capsNeovim07()})
	uri := protocol.DocumentURI("file:///idle/model.py")
	text, _ := fixture(t, roundModel)
	due.Store(true)
	c.open(uri, text)
	c.diagsFor(uri, 1)
	c.waitFor("a collection after the first analysis", func() bool { return collected.Load() == 1 })

	// an analysis running: the collector does not run, however long it takes
	hold.Store(true)
	end := rangeAt(text, len(text), len(text), c.enc)
	c.change(uri, 2, textDocumentContentChangeEvent{Range: &end, Text: "#"})
	c.waitFor("the analysis to start", func() bool { return c.server.analysing() })
	time.Sleep(20 * idleDelay)
	if n := collected.Load(); n != 1 {
		t.Fatalf("%d collections while an analysis ran", n-1)
	}
	hold.Store(false)
	close(release)
	c.diagsFor(uri, 2)
	c.waitFor("a collection after it", func() bool { return collected.Load() == 2 })

	// little garbage: asked, not collected
	due.Store(false)
	before := asked.Load()
	text += "#"
	end = rangeAt(text, len(text), len(text), c.enc)
	c.change(uri, 3, textDocumentContentChangeEvent{Range: &end, Text: "#"})
	c.diagsFor(uri, 3)
	c.waitFor("the collector's question", func() bool { return asked.Load() > before })
	if n := collected.Load(); n != 2 {
		t.Errorf("collected with little garbage (%d collections)", n)
	}
}

// TestIdleCollectorOff: without IdleCollect the server never collects on its own.
func TestIdleCollectorOff(t *testing.T) {
	var collected atomic.Int32
	c := newTestClient(t, func(s *Server) {
		s.garbageDue = func() bool { return true }
		s.collect = func() { collected.Add(1) }
	})
	c.initialize(initParams{Capabilities: capsNeovim07()})
	uri := protocol.DocumentURI("file:///idle/model.py")
	text, _ := fixture(t, roundModel)
	c.open(uri, text)
	c.diagsFor(uri, 1)
	time.Sleep(20 * idleDelay)
	if n := collected.Load(); n != 0 {
		t.Errorf("%d collections without IdleCollect", n)
	}
}

// TestGarbageDue reads the runtime's heap metrics: right after a collection little
// garbage is due; after allocating well past the goal's headroom, it is.
func TestGarbageDue(t *testing.T) {
	collectGarbage()
	if garbageDue() {
		t.Errorf("garbage due right after a collection")
	}
	var keep [][]byte
	for i := 0; i < 64 && !garbageDue(); i++ {
		keep = append(keep, make([]byte, 1<<20))
		keep[len(keep)-1][0] = 1
		keep = keep[:0] // garbage from now on
	}
	if !garbageDue() {
		t.Errorf("no garbage due after allocating 64 MiB")
	}
}
