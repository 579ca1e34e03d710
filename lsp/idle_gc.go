package lsp

import (
	"runtime"
	"runtime/metrics"
	"time"
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
// benchmark), but after an analysis, not during one.

// idleDelay is how long no analysis may run before the server collects (Server.idleDelay:
// tests lengthen it).
const idleDelay = 5 * time.Millisecond

// idleCollector waits for analyses to end and collects garbage when the server is idle
// and enough has piled up. It runs for the server's life when Options.IdleCollect is set.
func (s *Server) idleCollector() {
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.idleKick:
		}
		// idle for idleDelay: an analysis ending meanwhile starts the wait again
		t := time.NewTimer(s.idleDelay)
	wait:
		for {
			select {
			case <-s.ctx.Done():
				t.Stop()
				return
			case <-s.idleKick:
				t.Reset(s.idleDelay)
			case <-t.C:
				break wait
			}
		}
		if s.analysing() || !s.garbageDue() {
			continue // the analysis running kicks again when it ends
		}
		s.collect()
	}
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

// garbageDue reports whether the heap holds more garbage than half the headroom between
// the live heap and the next collection: the collector's goal, or the memory limit
// (TuneCollector sets one), less the memory outside the heap, when that comes first.
func garbageDue() bool {
	sample := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/gc/heap/live:bytes"},
		{Name: "/gc/heap/goal:bytes"},
		{Name: "/memory/classes/total:bytes"},
		{Name: "/gc/gomemlimit:bytes"},
	}
	metrics.Read(sample)
	var v [5]uint64
	for i, m := range sample {
		if m.Value.Kind() != metrics.KindUint64 {
			return false
		}
		v[i] = m.Value.Uint64()
	}
	objects, live, goal, total, limit := v[0], v[1], v[2], v[3], v[4]
	if objects <= live || goal <= live {
		return false
	}
	headroom := goal - live
	if other := total - objects; limit > other+live && limit-other-live < headroom {
		headroom = limit - other - live
	}
	return objects-live > headroom/2
}

// collectGarbage is the idle collector's cycle.
func collectGarbage() { runtime.GC() }
