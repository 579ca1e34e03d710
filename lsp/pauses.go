package lsp

import (
	"slices"
	"time"
)

// Knowing whether the editor's pauses are long enough for a collection.
//
// The idle collector (idle_gc.go) runs a cycle in the pauses between keystrokes, so that
// the runtime does not start one in the middle of an analysis. On the 2-core machine of
// bench/lsplatency a cycle of the 2,000-file workspace's hundred megabytes of live heap
// takes 30-60 ms. Typed at a person's pace (100 ms a key) the cycle fits in the pause and
// the keystrokes after it run undisturbed: p95 14.5 ms against 27.2 ms without the idle
// collector. Typed faster than a cycle, a keystroke lands in the middle of each one, and the
// idle collector, which collects at half the headroom the runtime would wait for, doubles
// the cycles the keystrokes run beside: back to back, p95 39-41 ms against 21-22 ms
// without it (stop 33, README). So the server remembers how long the last pauses were,
// and when they are shorter than a cycle it waits first for a pause longer than a cycle
// and than twice the typical one: typing has likely stopped then.

// pauseWindow is how many of the last pauses the server remembers.
const pauseWindow = 5

// pauseLog records the pauses between the end of the server's analyses and the next
// change of a document: zero for a change that arrives while an analysis runs.
type pauseLog struct {
	idleAt time.Time // when the last analysis ended with none running; zero once a change arrived
	gaps   [pauseWindow]time.Duration
	n      int // pauses recorded so far; the latest is gaps[(n-1)%pauseWindow]
}

// ended notes that the analyses ended at now: a pause starts.
func (p *pauseLog) ended(now time.Time) { p.idleAt = now }

// changed notes a document change at now; busy says an analysis is running or queued.
func (p *pauseLog) changed(now time.Time, busy bool) {
	switch {
	case busy:
		p.record(0)
	case !p.idleAt.IsZero():
		p.record(now.Sub(p.idleAt))
	}
	p.idleAt = time.Time{}
}

func (p *pauseLog) record(d time.Duration) {
	p.gaps[p.n%pauseWindow] = d
	p.n++
}

// typical returns the median of the pauses remembered; false before the first.
func (p *pauseLog) typical() (time.Duration, bool) {
	n := min(p.n, pauseWindow)
	if n == 0 {
		return 0, false
	}
	g := p.gaps
	s := g[:n]
	slices.Sort(s)
	return s[n/2], true
}

// idleWait returns how long the analyses must have been quiet before the idle collector
// runs a cycle that takes about cycle: delay when the typical pause leaves room for the
// cycle after it (or when nothing is known yet), otherwise until the pause has outlasted
// both a cycle and twice the typical pause. A cycle's length alone is not enough: typed
// every 30 ms, the pauses (about 33 ms) outlast a 30 ms cycle by a little, so the cycle
// started just before each next keystroke, which then ran beside it.
func (p *pauseLog) idleWait(delay, cycle time.Duration) time.Duration {
	typical, ok := p.typical()
	if !ok || cycle <= 0 || typical >= delay+cycle {
		return delay
	}
	return max(delay, cycle, 2*typical)
}

// cycleClock estimates how long the idle collector's cycle takes: a moving average of the
// cycles it timed, each weighing a quarter.
type cycleClock struct{ avg time.Duration }

func (c *cycleClock) observe(d time.Duration) {
	if c.avg == 0 {
		c.avg = d
		return
	}
	c.avg += (d - c.avg) / 4
}
