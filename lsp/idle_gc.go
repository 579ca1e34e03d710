package lsp

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Collecting garbage while the editor is idle.
//
// A keystroke in a large workspace allocates a few megabytes (the reparsed flat tree, the
// replaced file's model and links, the findings), and the collector starts a cycle
// whenever the heap reaches its goal: every twenty-odd keystrokes, in the middle of one,
// which then takes about twice as long (marking a hundred megabytes of live heap competes
// for the editor's cores and makes the analysis assist it). People type in bursts with
// pauses of 50 ms and more between keys, so the server collects in those pauses instead:
// once no document is being analysed for idleDelay and the garbage since the last cycle
// passed half of the headroom to the goal, it runs a cycle itself. The cycles come two to
// three times as often (29 instead of 12 in 200 paced keystrokes of the workspace
// benchmark), but after an analysis, not during one. While keystrokes come faster than a
// cycle takes, it waits for a pause of a cycle's length instead (pauses.go).

// idleDelay is how long no analysis may run before the server collects (Server.idleDelay:
// tests lengthen it).
const idleDelay = 5 * time.Millisecond

// idleCollector waits for analyses to end and collects garbage when the server is idle
// and enough has piled up; once a document has been edited it also touches the heap that
// typing will grow into (pretouch.go). It runs for the server's life when
// Options.IdleCollect is set.
func (s *Server) idleCollector() {
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.idleKick:
		}
		gcWatch.observe()
		// idle for idleWait: an analysis ending meanwhile starts the wait again
		t := time.NewTimer(s.idleWait())
	wait:
		for {
			select {
			case <-s.ctx.Done():
				t.Stop()
				return
			case <-s.idleKick:
				gcWatch.observe()
				t.Reset(s.idleWait())
			case <-t.C:
				break wait
			}
		}
		if s.analysing() {
			continue // the analysis running kicks again when it ends
		}
		if s.garbageDue() {
			start := time.Now()
			s.collect()
			took := time.Since(start)
			s.mu.Lock()
			s.cycle.observe(took)
			typical, _ := s.pauses.typical()
			s.mu.Unlock()
			s.log.Debug("idle collection", zap.Duration("took", took), zap.Duration("pause", typical))
		}
		if s.edited.Load() {
			s.touch() // pretouch.go
		}
	}
}

// idleWait is how long no analysis may run before the idle collector collects: its idle
// delay, or a cycle's length while keystrokes come faster than a cycle takes (pauses.go).
func (s *Server) idleWait() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pauses.idleWait(s.idleDelay, s.cycle.avg)
}

// kickIdle tells the idle collector that an analysis ended with none running.
func (s *Server) kickIdle() {
	if s.idleKick == nil {
		return
	}
	select {
	case s.idleKick <- struct{}{}:
	default:
	}
}

// analysing reports whether a document's analysis is running or scheduled.
func (s *Server) analysing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.analysingLocked()
}

func (s *Server) analysingLocked() bool {
	for _, d := range s.docs {
		if d.running {
			return true
		}
	}
	return false
}

// heapWatch measures the garbage made since the collector's last cycle: the bytes
// allocated since the watch first saw that cycle end. The runtime's own count of heap
// objects cannot tell: after a cycle it started itself, the dead objects it found stay in
// that count until they are swept, so the server collected again right behind each such
// cycle (about 40 ms later, marking the whole live heap for nothing).
type heapWatch struct {
	mu     sync.Mutex
	cycles uint64 // the cycles completed when last seen
	allocs uint64 // the bytes allocated so far then
}

var gcWatch heapWatch

// observe notes a cycle that ended since the last look: the allocations count from now.
// The idle collector looks after every analysis, so a cycle is seen at most one analysis
// late, and the garbage it made meanwhile is not counted (the next cycle comes later).
func (w *heapWatch) observe() {
	sample := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(sample)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen(sample[0].Value.Uint64(), sample[1].Value.Uint64())
}

func (w *heapWatch) seen(cycles, allocs uint64) {
	if cycles != w.cycles {
		w.cycles, w.allocs = cycles, allocs
	}
}

// garbageDue reports whether the garbage since the last cycle passed half of the
// headroom between the live heap and the next cycle's goal (which the runtime already
// lowers to keep under a memory limit), and no cycle is under way: forcing one then
// waits for it to end and marks the whole live heap again.
func garbageDue() bool { return gcWatch.garbageDue() }

func (w *heapWatch) garbageDue() bool {
	sample := []metrics.Sample{
		{Name: "/gc/cycles/total:gc-cycles"},
		{Name: "/gc/heap/allocs:bytes"},
		{Name: "/gc/heap/live:bytes"},
		{Name: "/gc/heap/goal:bytes"},
		{Name: "/sched/pauses/total/gc:seconds"},
	}
	metrics.Read(sample)
	v, ok := uint64s(sample[:4])
	if !ok {
		return false
	}
	cycles, allocs, live, goal := v[0], v[1], v[2], v[3]
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen(cycles, allocs)
	if goal <= live || cycleRunning(cycles, sample[4]) {
		return false
	}
	return allocs-w.allocs > (goal-live)/2
}

// cycleRunning reports whether a collection is under way: each cycle stops the world
// twice, as it starts and as it ends, so the pauses outnumber twice the cycles completed.
func cycleRunning(cycles uint64, pauses metrics.Sample) bool {
	if pauses.Value.Kind() != metrics.KindFloat64Histogram {
		return false
	}
	var n uint64
	for _, c := range pauses.Value.Float64Histogram().Counts {
		n += c
	}
	return n != 2*cycles
}

// collectGarbage is the idle collector's cycle.
func collectGarbage() {
	runtime.GC()
	gcWatch.observe()
}

// uint64s returns the values of samples read by metrics.Read, false when one is not a
// uint64 (a metric this runtime does not have).
func uint64s(samples []metrics.Sample) ([]uint64, bool) {
	v := make([]uint64, len(samples))
	for i, m := range samples {
		if m.Value.Kind() != metrics.KindUint64 {
			return nil, false
		}
		v[i] = m.Value.Uint64()
	}
	return v, true
}
