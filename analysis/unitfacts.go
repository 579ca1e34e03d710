package analysis

import (
	"encoding/binary"
	"hash/fnv"
)

// Facts a Local rule gathers per unit and aggregates over the whole file.
//
// Some rules judge each place by what the whole file holds: dynamic_shape_divisible
// suggests one derived dim per declared Dim, the least common multiple of what every
// reshape of the file needs of it. Such a rule is Local when it gathers, per unit, a small
// summary of what the unit contributes (PerUnit, kept with the unit as its findings are),
// aggregates the summaries, and makes its kept findings hold only while the aggregate is
// the same (KeepWhile). After a keystroke only the edited units are gathered again.

// factEntry is one rule's summary of one unit (localSet.facts).
type factEntry struct {
	decls uint64 // the DeclFingerprintIn it was computed with (Declarations rules)
	v     any
}

// PerUnit returns what gather finds in each unit of the file, for the rule to aggregate:
// gather runs once per unit, given the unit's node, with the pass's Traced, Calls, AllCalls,
// Conditions, Classes and Funcs visiting only that unit, and returns a summary of it. For a
// Local rule in an incremental analysis the summaries are kept with the units, as their
// findings are, and gather runs only for the units an edit reached (and, for a
// Declarations rule, for all of them when the declarations changed). Otherwise gather runs
// once over the whole file, given NoNode, and the result has one element.
//
// A summary must depend only on what those visits show, hold no node IDs, offsets or
// pointers into the program (a kept one outlives them), and must not be written after it
// is returned; gather must not report. A rule keeps one summary per unit: one PerUnit
// call per pass.
func (p *Pass) PerUnit(gather func(unit NodeID) any) []any {
	lr := p.local
	if lr == nil {
		return []any{gather(NoNode)}
	}
	out := make([]any, len(lr.units))
	live, planned, cur, reported := lr.live, lr.planned, lr.cur, len(p.findings)
	defer func() { lr.live, lr.planned, lr.cur = live, planned, cur }()
	lr.planned = true // each gather visits its unit alone
	one := []int{0}
	for u := range lr.units {
		slot := &lr.sets[u].facts[lr.id]
		if e := slot.Load(); e != nil && e.decls == lr.declFP {
			out[u] = e.v
			continue
		}
		one[0] = u
		lr.live = one
		out[u] = gather(lr.units[u])
		slot.Store(&factEntry{decls: lr.declFP, v: out[u]})
	}
	if len(p.findings) != reported {
		panic("analysis: a PerUnit gather reported a finding")
	}
	return out
}

// KeepWhile makes the Local rule's kept findings hold only while fp is the same: the
// rule's findings read an aggregate over the file (of PerUnit's summaries), and fp hashes
// it. When fp differs from the one the kept findings were computed with, every unit is
// visited again. It must come before the pass's first callback; other rules ignore it.
func (p *Pass) KeepWhile(fp uint64) {
	lr := p.local
	if lr == nil {
		return
	}
	h := fnv.New64a()
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], lr.declFP)
	binary.LittleEndian.PutUint64(b[8:], fp)
	h.Write(b[:])
	lr.decls = h.Sum64()
	lr.planned = false
}
