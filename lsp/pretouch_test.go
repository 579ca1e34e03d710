package lsp

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"
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

// TestTouchDue: what is due is dueOf the runtime's heap and limit; touching leaves the
// touched pages resident and free after its collection (the heap they take from next
// faults no more); under a memory limit the goal touched is at most touchLimitShare of it.
func TestTouchDue(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	live := make([]byte, 32<<20)
	for i := range live {
		live[i] = byte(i)
	}
	runtime.GC()
	goal, resident, free, ok := heapPages()
	if !ok {
		t.Fatal("the runtime's heap metrics are not there")
	}
	if due, want := touchDue(), dueOf(goal, resident, free, min(debug.SetMemoryLimit(-1), memoryLimit)); due != want {
		t.Errorf("%d bytes due with a goal of %d, %d resident and %d free, want %d", due, goal, resident, free, want)
	}
	// more than the free pages: the rest is new
	n := int(free) + 16<<20
	touched := touchHeap(n, func() bool { return false })
	_, after, afterFree, _ := heapPages()
	if grew := int(after) - int(resident); grew < touched-int(free)-4<<20 {
		t.Errorf("touched %d bytes (%d free before): the resident heap grew by %d", touched, free, grew)
	}
	if afterFree < 12<<20 {
		t.Errorf("%d bytes free after touching: the touched pages were not let go", afterFree)
	}
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(40 << 20))
	runtime.GC()
	_, resident, _, _ = heapPages()
	if d, most := touchDue(), int(float64(40<<20)*touchLimitShare)-int(resident); d > max(most, 0) || d >= minTouch {
		t.Errorf("%d bytes due under a 40 MiB limit, with %d resident: touching would pass %.0f%% of the limit", d, resident, touchLimitShare*100)
	}
	// the collector off: the goal is unbounded, the touch is not
	debug.SetMemoryLimit(noLimit)
	debug.SetGCPercent(-1)
	_, resident, _, _ = heapPages()
	share := touchLimitShare
	if d, most := touchDue(), int(float64(memoryLimit)*share)-int(resident); d > max(most, 0) {
		t.Errorf("%d bytes due with GOGC=off, %d resident: more than %.0f%% of %d MiB", d, resident, touchLimitShare*100, memoryLimit>>20)
	}
	debug.SetGCPercent(100)
	runtime.KeepAlive(live)
}

// TestDueOf: what is due is the goal (at most touchLimitShare of the limit) less the
// resident heap, and nothing while the free pages cover it: the allocator hands those out
// first, so touching would write them again and collect for nothing.
func TestDueOf(t *testing.T) {
	const mb = 1 << 20
	limit := int64(256 * mb)
	capped := uint64(float64(limit) * touchLimitShare)
	cases := []struct {
		name                 string
		goal, resident, free uint64
		want                 int
	}{
		{"the heap's first growth", 233 * mb, 141 * mb, 0, int(capped - 141*mb)}, // the goal capped at 85% of the limit
		{"typing's steady state", 218 * mb, 182 * mb, 46 * mb, 0},                // measured in the workspace
		{"free pages cover exactly", 200 * mb, 150 * mb, 50 * mb, 0},
		{"free pages cover part", 200 * mb, 150 * mb, 20 * mb, 50 * mb},
		{"resident at the goal", 200 * mb, 200 * mb, 0, 0},
		{"resident past the capped goal", 400 * mb, 230 * mb, 0, 0},
	}
	for _, c := range cases {
		if got := dueOf(c.goal, c.resident, c.free, limit); got != c.want {
			t.Errorf("%s: dueOf(goal %d MB, resident %d MB, free %d MB) = %d MB, want %d MB", c.name, c.goal/mb, c.resident/mb, c.free/mb, got/mb, c.want/mb)
		}
	}
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
	uri, text := openIdleModel(t, c)
	time.Sleep(4 * delay)
	if n := touched.Load(); n != 0 {
		t.Fatalf("touched %d times after opening a document", n)
	}
	end := rangeAt(text, len(text), len(text), c.enc)
	c.change(uri, 2, textDocumentContentChangeEvent{Range: &end, Text: "#"})
	c.diagsFor(uri, 2)
	c.waitFor("a touch after the edit's analysis", func() bool { return touched.Load() >= 1 })
}
