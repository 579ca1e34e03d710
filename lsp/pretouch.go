package lsp

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// Touching the heap's pages before typing needs them.
//
// A keystroke in a large model allocates a few megabytes, and until the heap has grown to
// the size it cycles at (the collector's goal), those megabytes come from pages the
// process never wrote: each first write is a page fault. On the 2-core virtual machine of
// bench/lsplatency one costs about 10 µs, and a keystroke takes about 1,150 of them: the
// first twenty keystrokes after the workspace is indexed took 20-25 ms instead of 8-11
// (bench/lsplatency -mode workspace, the server's minor faults per edit read from
// getrusage). Once typing has started, the server writes those pages itself while the
// editor is idle, as a JVM's AlwaysPreTouch does at start: it allocates the difference
// between the heap's goal and what it holds resident, writes one byte per page, drops it
// and collects. The keystrokes after it reuse the pages. It stops between chunks when an
// analysis starts, and does nothing before the first edit: a session that only opens
// files (200 documents at once, bench/lsplatency -mode memory) keeps its small
// footprint.

const (
	// touchChunk is what the server allocates and writes at a time between looks at
	// whether an analysis started (about 1.3 ms of faults on that machine).
	touchChunk = 512 << 10
	// minTouch is the least worth touching: less is what a few keystrokes fault in.
	minTouch = 8 << 20
	// touchLimitShare bounds the resident heap touching aims at to a share of the memory
	// limit, below the 95% the runtime's scavenger returns memory above: what is touched
	// stays resident.
	touchLimitShare = 0.85
	pageSize        = 4096
)

// touchDue returns how many bytes of heap the server should touch: the heap's goal less
// the heap it holds resident, or nothing while the heap's free pages cover that much. The
// goal counts for no more than touchLimitShare of the memory limit, and of the limit
// TuneCollector sets (memoryLimit) whatever the process runs with: with GOGC=off the goal
// is unbounded, and a GOMEMLIMIT of gigabytes is no reason to write them.
func touchDue() int {
	goal, resident, free, ok := heapPages()
	if !ok {
		return 0
	}
	return dueOf(goal, resident, free, min(debug.SetMemoryLimit(-1), memoryLimit))
}

// dueOf is touchDue for a heap of that goal, resident and free size, under limit.
//
// Touching allocates, and the allocator hands out the heap's free pages before any it
// never wrote (or gave back to the system), so while they cover what is due a touch
// writes only pages already resident and forces a cycle for nothing. That was the steady
// state of typing in the 2,000-file workspace: the collector runs before the heap reaches
// its goal (at its trigger, or at half the headroom in a pause), so the last 36 MB below
// the goal stayed given back, 46-48 MB of free pages sat below them, and every pause
// touched the free ones and collected, 30-40 ms of CPU a keystroke (184 touches in 200
// keystrokes at a 100 ms pace). Keystrokes allocate from those free pages without
// faulting; the touch is for the heap's first growth, before there are any.
func dueOf(goal, resident, free uint64, limit int64) int {
	goal = min(goal, uint64(float64(limit)*touchLimitShare))
	if goal <= resident || free >= goal-resident {
		return 0
	}
	return int(goal - resident)
}

// heapPages reads the heap's goal, the heap it holds resident (objects, the unused room of
// their spans, and free pages not given back to the system) and the free part of it.
func heapPages() (goal, resident, free uint64, ok bool) {
	sample := []metrics.Sample{
		{Name: "/gc/heap/goal:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
	}
	metrics.Read(sample)
	v, ok := uint64s(sample)
	if !ok {
		return 0, 0, 0, false
	}
	return v[0], v[1] + v[2] + v[3], v[3], true
}

// touchHeap touches up to n bytes of new heap, a chunk at a time while stop reports false,
// then lets them go and, unless stop cut it short, collects, so that the pages are free
// and resident. It returns the bytes touched.
func touchHeap(n int, stop func() bool) int {
	// the chunks stay reachable until the loop ends: a collection in the middle (the heap
	// passing its trigger) must not hand a chunk's pages to the next one
	var chunks [][]byte
	done, stopped := 0, false
	for done+touchChunk <= n {
		if stopped = stop(); stopped {
			break
		}
		b := make([]byte, touchChunk)
		for i := 0; i < len(b); i += pageSize {
			b[i] = 1
		}
		chunks = append(chunks, b)
		done += touchChunk
	}
	if done > 0 && !stopped {
		// not while an analysis runs: the chunks are garbage the idle collector counts,
		// and the next pause touches on from where this one stopped
		runtime.GC()
		gcWatch.observe()
	}
	return done
}
