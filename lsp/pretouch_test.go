package lsp

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"go.lsp.dev/protocol"
)

// forcedCycles reads how many collections runtime.GC has run.
func forcedCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/forced:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestTouchHeap: touching writes whole chunks up to the amount asked and collects once
// after, so that the pages are free for what comes next; stopped between chunks, it keeps
// what it touched as garbage and does not collect (an analysis is running).
func TestTouchHeap(t *testing.T) {
	before := forcedCycles()
	if got := touchHeap(4*touchChunk+touchChunk/2, func() bool { return false }); got != 4*touchChunk {
		t.Errorf("touched %d bytes, want %d (whole chunks)", got, 4*touchChunk)
	}
	if n := forcedCycles() - before; n != 1 {
		t.Errorf("%d collections after touching, want 1", n)
	}
	before = forcedCycles()
	asked := 0
	if got := touchHeap(8*touchChunk, func() bool { asked++; return asked > 3 }); got != 3*touchChunk {
		t.Errorf("stopped after 3 chunks: touched %d bytes, want %d", got, 3*touchChunk)
	}
	if n := forcedCycles() - before; n != 0 {
		t.Errorf("%d collections after a touch cut short, want none", n)
	}
}

// TestTouchDue: with a live heap of 32 MiB and the default collector, the goal lies far
// above what the heap holds resident right after a collection; once that much is touched,
// what is due falls below minTouch (the touched pages stay, free). Under a memory limit the
// goal touched is at most touchLimitShare of it.
func TestTouchDue(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	live := make([]byte, 32<<20)
	for i := range live {
		live[i] = byte(i)
	}
	runtime.GC()
	due := touchDue()
	if due < minTouch {
		t.Fatalf("%d bytes due with a 32 MiB live heap at GOGC=100, want at least %d", due, minTouch)
	}
	touchHeap(due, func() bool { return false })
	if after := touchDue(); after >= minTouch {
		t.Errorf("%d bytes still due after touching %d", after, due)
	}
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(40 << 20))
	runtime.GC()
	if d := touchDue(); d > 0 {
		t.Errorf("%d bytes due under a 40 MiB limit, with 32 MiB live: touching would pass %.0f%% of the limit", d, touchLimitShare*100)
	}
	runtime.KeepAlive(live)
}

// TestIdleCollectorTouchesOnceEdited: the idle collector touches the heap only once a
// document has been changed: not after opening one (a session that only reads keeps its
// footprint), and after each analysis from the first edit on.
func TestIdleCollectorTouchesOnceEdited(t *testing.T) {
	const delay = 50 * time.Millisecond
	var touched atomic.Int32
	c := newTestClient(t, func(s *Server) {
		s.idleKick = make(chan struct{}, 1)
		s.idleDelay = delay
		s.garbageDue = func() bool { return false }
		s.collect = func() {}
		s.touch = func() { touched.Add(1) }
	})
	c.initialize(initParams{Capabilities: capsNeovim07()})
	uri := protocol.DocumentURI("file:///idle/model.py")
	text, _ := fixture(t, roundModel)
	c.open(uri, text)
	c.diagsFor(uri, 1)
	time.Sleep(4 * delay)
	if n := touched.Load(); n != 0 {
		t.Fatalf("touched %d times after opening a document", n)
	}
	end := rangeAt(text, len(text), len(text), c.enc)
	c.change(uri, 2, textDocumentContentChangeEvent{Range: &end, Text: "#"})
	c.diagsFor(uri, 2)
	c.waitFor("a touch after the edit's analysis", func() bool { return touched.Load() >= 1 })
}
