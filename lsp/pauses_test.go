package lsp

import (
	"testing"
	"time"
)

// TestPauseLogIdleWait: the idle collector waits its delay while the editor's pauses leave
// room for a cycle after it, and while keystrokes come faster than that, a cycle's length
// or twice the typical pause, whichever is longer;
// a change during an analysis is a pause of zero, and only the last pauseWindow count.
func TestPauseLogIdleWait(t *testing.T) {
	const (
		delay = 5 * time.Millisecond
		cycle = 40 * time.Millisecond
		ms    = time.Millisecond
	)
	t0 := time.Unix(1000, 0)
	cases := []struct {
		name   string
		pauses []time.Duration
		cycle  time.Duration
		want   time.Duration
	}{
		{"nothing known yet", nil, cycle, delay},
		{"no cycle timed yet", []time.Duration{ms, ms, ms}, 0, delay},
		{"typed at a person's pace", []time.Duration{90 * ms, 95 * ms, 88 * ms}, cycle, delay},
		{"exactly room for a cycle", []time.Duration{delay + cycle}, cycle, delay},
		{"back to back", []time.Duration{3 * ms, 4 * ms, 2 * ms, 5 * ms}, cycle, cycle},
		{"pauses a little longer than a cycle", []time.Duration{33 * ms, 34 * ms, 32 * ms}, 30 * ms, 66 * ms},
		{"pauses just short of room for a cycle", []time.Duration{44 * ms}, cycle, 88 * ms},
		{"faster than the analysis", []time.Duration{-1, -1, -1}, cycle, cycle},
		{"short pauses, a long delay", []time.Duration{ms, ms}, ms, delay},
		{"mostly short, one long", []time.Duration{2 * ms, 300 * ms, 2 * ms, 3 * ms, 2 * ms}, cycle, cycle},
		{"mostly long, one short", []time.Duration{200 * ms, 2 * ms, 150 * ms, 3 * ms, 120 * ms}, cycle, delay},
		{"the short ones left the window", []time.Duration{ms, ms, ms, 100 * ms, 100 * ms, 100 * ms, 100 * ms, 100 * ms}, cycle, delay},
		{"the long ones left the window", []time.Duration{100 * ms, 100 * ms, 100 * ms, ms, ms, ms, ms, ms}, cycle, cycle},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p pauseLog
			now := t0
			for _, gap := range c.pauses {
				if gap < 0 {
					p.changed(now, true)
					continue
				}
				p.ended(now)
				now = now.Add(gap)
				p.changed(now, false)
			}
			if got := p.idleWait(delay, c.cycle); got != c.want {
				t.Errorf("idleWait after pauses %v with a cycle of %v = %v, want %v", c.pauses, c.cycle, got, c.want)
			}
		})
	}
}

// TestPauseLogCountsOnlyPauses: a change records nothing when no analysis ended since the
// last change (the document's first change, or a change that made no analysis run); a
// pause is measured from the last end, not from an earlier one.
func TestPauseLogCountsOnlyPauses(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var p pauseLog
	p.changed(t0, false) // no analysis ended yet
	if _, ok := p.typical(); ok {
		t.Fatalf("a pause recorded before any analysis ended")
	}
	p.ended(t0)
	p.ended(t0.Add(30 * time.Millisecond)) // a dependent's analysis ended later
	p.changed(t0.Add(40*time.Millisecond), false)
	if got, ok := p.typical(); !ok || got != 10*time.Millisecond {
		t.Errorf("typical() = %v, %v; want 10ms, true", got, ok)
	}
	p.changed(t0.Add(50*time.Millisecond), false) // the pause already ended with the last change
	if p.n != 1 {
		t.Errorf("%d pauses recorded, want 1", p.n)
	}
}

// TestCycleClock: the first cycle timed is the estimate; later ones move it by a quarter
// of the difference.
func TestCycleClock(t *testing.T) {
	var c cycleClock
	c.observe(40 * time.Millisecond)
	if c.avg != 40*time.Millisecond {
		t.Fatalf("after one cycle: %v", c.avg)
	}
	c.observe(80 * time.Millisecond)
	if c.avg != 50*time.Millisecond {
		t.Errorf("after 40ms and 80ms: %v, want 50ms", c.avg)
	}
	c.observe(10 * time.Millisecond)
	if c.avg != 40*time.Millisecond {
		t.Errorf("after 40ms, 80ms and 10ms: %v, want 40ms", c.avg)
	}
}
