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

// TestIdleCollector: with IdleCollect, the server collects garbage after an analysis once
// none has run for its idle delay and enough garbage piled up; not when an analysis starts
// within the delay (it collects after that one), and not when the garbage is below its
// threshold.
func TestIdleCollector(t *testing.T) {
	const delay = 300 * time.Millisecond
	var due atomic.Bool
	var asked, collected atomic.Int32
	release := make(chan struct{})
	var hold atomic.Bool
	c := newTestClient(t, func(s *Server) {
		s.idleKick = make(chan struct{}, 1)
		s.idleDelay = delay
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
	c.waitFor("a collection after the first analysis", func() bool { return collected.Load() >= 1 })
	time.Sleep(2 * delay) // nothing else pending
	base := collected.Load()

	// an analysis ends (the delay starts), and another starts within it and runs past it:
	// no collection until that one ends
	type_ := func(v int32) {
		end := rangeAt(text, len(text), len(text), c.enc)
		c.change(uri, v, textDocumentContentChangeEvent{Range: &end, Text: "#"})
		text += "#"
	}
	type_(2)
	c.diagsFor(uri, 2)
	hold.Store(true)
	type_(3)
	c.waitFor("the held analysis to start", func() bool { return c.server.analysing() })
	time.Sleep(2 * delay)
	if n := collected.Load(); n != base {
		t.Fatalf("%d collections while an analysis ran", n-base)
	}
	hold.Store(false)
	close(release)
	c.diagsFor(uri, 3)
	c.waitFor("a collection after it", func() bool { return collected.Load() > base })

	// little garbage: asked, not collected
	time.Sleep(2 * delay)
	due.Store(false)
	done, before := collected.Load(), asked.Load()
	type_(4)
	c.diagsFor(uri, 4)
	c.waitFor("the collector's question", func() bool { return asked.Load() > before })
	if n := collected.Load(); n != done {
		t.Errorf("collected with little garbage (%d collections)", n-done)
	}
}

// TestIdleCollectorOff: without IdleCollect the server never collects on its own.
func TestIdleCollectorOff(t *testing.T) {
	var collected atomic.Int32
	c := newTestClient(t, func(s *Server) {
		s.garbageDue = func() bool { return true }
		s.collect = func() { collected.Add(1) }
	})
	uri, _ := openIdleModel(t, c)
	time.Sleep(20 * idleDelay)
	if n := collected.Load(); n != 0 {
		t.Errorf("%d collections without IdleCollect (%s open)", n, uri)
	}
}

// openIdleModel initializes c and opens a model, waiting for its first diagnostics.
func openIdleModel(t *testing.T, c *testClient) (protocol.DocumentURI, string) {
	t.Helper()
	c.initialize(initParams{Capabilities: capsNeovim07()})
	uri := protocol.DocumentURI("file:///idle/model.py")
	text, _ := fixture(t, roundModel)
	c.open(uri, text)
	c.diagsFor(uri, 1)
	return uri, text
}

// TestGarbageDue reads the runtime's heap metrics: right after a collection little
// garbage is due, also after one the runtime started itself (whose garbage is not swept
// yet); after allocating past half the goal's headroom, it is.
func TestGarbageDue(t *testing.T) {
	// a live heap of 16 MiB and a goal at five times it (TuneCollector widens the goal too):
	// half the headroom is due well before the runtime starts a cycle itself, at 70% of it
	// at the earliest (with the default goal and a test's few megabytes of heap, the
	// runtime's own cycles came first under load, each one starting the count again)
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	live := smallObjects(1 << 15)
	collectGarbage()
	if garbageDue() {
		t.Errorf("garbage due right after a collection")
	}
	var keep [][]byte
	for i := 0; i < 256 && !garbageDue(); i++ {
		keep = append(keep, make([]byte, 1<<20))
		keep[len(keep)-1][0] = 1
		keep = keep[:0] // garbage from now on
	}
	if !garbageDue() {
		t.Errorf("no garbage due after allocating 256 MiB")
	}

	// a cycle the runtime starts itself, seen as the idle collector sees it (after an
	// analysis): the garbage it found does not count again
	cycles := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
	metrics.Read(cycles)
	from := cycles[0].Value.Uint64()
	if !allocateUntil(func() bool {
		metrics.Read(cycles)
		return cycles[0].Value.Uint64() != from
	}) {
		t.Fatalf("no cycle after allocating 4 GiB")
	}
	gcWatch.observe()
	unswept := int64(cycles[1].Value.Uint64()) - int64(cycles[2].Value.Uint64())
	if garbageDue() {
		t.Errorf("garbage due right after a cycle (heap objects %d bytes above the live heap)", unswept)
	}
	t.Logf("heap objects right after the cycle: %d bytes above the live heap", unswept)
	runtime.KeepAlive(live)
}

// TestCycleRunning: no cycle is under way right after a forced one; while the program
// allocates over a live heap of 64 MiB, the runtime's own cycles are seen running.
func TestCycleRunning(t *testing.T) {
	sample := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/sched/pauses/total/gc:seconds"}}
	running := func() (bool, uint64) {
		metrics.Read(sample)
		return cycleRunning(sample[0].Value.Uint64(), sample[1]), sample[0].Value.Uint64()
	}
	runtime.GC()
	if r, _ := running(); r {
		t.Fatal("a cycle is under way right after runtime.GC")
	}
	live := smallObjects(1 << 17)
	_, from := running()
	seen, polls := 0, 0
	allocateUntil(func() bool {
		r, cycles := running()
		polls++
		if r {
			seen++
		}
		return cycles >= from+4
	})
	if seen == 0 {
		t.Errorf("no cycle seen running in %d polls", polls)
	}
	t.Logf("a cycle was running at %d of %d polls", seen, polls)
	runtime.KeepAlive(live)
}

// smallObjects returns n objects of 512 bytes: a live heap whose marking takes a while.
func smallObjects(n int) [][]byte {
	objs := make([][]byte, n)
	for i := range objs {
		objs[i] = make([]byte, 512)
	}
	return objs
}

// allocateUntil makes garbage in objects of 512 bytes, asking done after every 128 of them,
// until done says so (true) or 4 GiB went by (false).
func allocateUntil(done func() bool) bool {
	var garbage [][]byte
	for i := 1; i <= 1<<23; i++ {
		garbage = append(garbage, make([]byte, 512))
		garbage[len(garbage)-1][0] = 1
		if len(garbage) == 1024 {
			garbage = garbage[:0]
		}
		if i%128 == 0 && done() {
			return true
		}
	}
	return false
}

// TestIdleCollectorWaitsOutFastTyping: while keystrokes come faster than the idle
// collector's cycle takes, it does not collect in the short pauses between them (each
// keystroke would run beside the cycle); once typing stops for a cycle's length, it does.
func TestIdleCollectorWaitsOutFastTyping(t *testing.T) {
	const (
		delay = 20 * time.Millisecond
		cycle = 3 * time.Second // what the cycles took, as the server timed them
	)
	var collected atomic.Int32
	c := newTestClient(t, func(s *Server) {
		s.idleKick = make(chan struct{}, 1)
		s.idleDelay = delay
		s.garbageDue = func() bool { return true }
		s.collect = func() { collected.Add(1) }
		s.touch = func() {}
		s.cycle.observe(cycle)
	})
	uri, text := openIdleModel(t, c)
	// nothing known of the pauses yet: the first collection comes after the delay
	c.waitFor("a collection after the first analysis", func() bool { return collected.Load() >= 1 })
	base := collected.Load()
	start := time.Now()
	for v := int32(2); v <= 8; v++ {
		end := rangeAt(text, len(text), len(text), c.enc)
		c.change(uri, v, textDocumentContentChangeEvent{Range: &end, Text: "#"})
		text += "#"
		c.diagsFor(uri, v)
	}
	typed := time.Since(start)
	if n := collected.Load(); n != base && typed < cycle*3/4 {
		// (the estimate fell to three quarters of the cycle with the first collection's
		// instant cycle; a machine slow enough to pause that long between keystrokes
		// proves nothing either way)
		t.Errorf("%d collections while typing 7 keystrokes in %v", n-base, typed)
	}
	c.server.mu.Lock()
	typical, _ := c.server.pauses.typical()
	c.server.mu.Unlock()
	if typical >= cycle*3/4 {
		t.Fatalf("typical pause %v between keystrokes sent back to back", typical)
	}
	c.waitFor("a collection once typing stopped", func() bool { return collected.Load() > base })
	if quiet := time.Since(start) - typed; quiet < cycle/2 {
		t.Errorf("collected %v after the last keystroke, before the pause was a cycle long", quiet)
	}
}
