package analysis

import "sort"

// Places of kept findings in other units of their file.
//
// A Local rule's finding lies in the unit whose callback reported it, but it may point
// elsewhere in the file: a related place at the Dim an export call declares, a fix that
// edits the export call. Such a place is kept relative to the unit that holds it, with
// what the engine keeps in that unit's memo (its localUnit), which ReplaceFrom carries to
// the next text (with the unit's text, moved) only when the edit cannot reach the unit. The
// finding is kept while every unit it names this way is a unit of the current text; the
// place is then that unit's start plus the kept offset.

// anchor is one place of a kept finding that lies in another unit than the finding's.
type anchor struct {
	finding   int // index into the entry's findings
	related   int // index into the finding's Related, or -1 for a fix's edit
	fix, edit int
	unit      *localUnit // kept in the memo of the unit holding the place; the place is relative to the unit's start
}

// unitOfKept returns the index of the unit of the current text whose memo holds k, or -1.
func (lu *localUnits) unitOfKept(k *localUnit) int {
	lu.byKept.once.Do(func() {
		lu.byKept.m = make(map[*localUnit]int, len(lu.units))
		for u, k := range lu.kept {
			lu.byKept.m[k] = u
		}
	})
	if u, ok := lu.byKept.m[k]; ok {
		return u
	}
	return -1
}

// anchored reports whether every place entry e keeps in another unit is in a unit of the
// current text.
func (lu *localUnits) anchored(e *localEntry) bool {
	for _, a := range e.anchors {
		if lu.unitOfKept(a.unit) < 0 {
			return false
		}
	}
	return true
}

// unitAt returns the unit whose text holds the bytes [start, end], or -1. An empty place
// at a unit's start belongs to no unit: what comes before the unit may have placed it (the
// line after the statement above, when no blank line is left between them).
func (lu *localUnits) unitAt(start, end int) int {
	t := lu.file.Tree
	i := sort.Search(len(lu.units), func(i int) bool { return t.End(lu.units[i]) >= end })
	if i >= len(lu.units) || start > end {
		return -1
	}
	if s := lu.starts[i]; s > start || s == start && start == end {
		return -1
	}
	return i
}

// anchorsOf returns the anchors of the places of finding fd (number n of its unit's entry)
// outside its unit [base, end], and writes those places of rel (fd moved by -base) relative
// to the units holding them. ok is false when fd cannot be kept: it does not lie in its
// unit itself, or one of its places lies outside every unit.
func (lr *localRun) anchorsOf(fd *Finding, rel *Finding, n, base, end int) (anchors []anchor, ok bool) {
	in := func(s, e int) bool { return s >= base && e <= end }
	if !in(fd.Start, fd.End) {
		return nil, false
	}
	place := func(s, e int, related, fix, edit int, rs, re *int) bool {
		if in(s, e) {
			return true
		}
		u := lr.unitAt(s, e)
		if u < 0 {
			return false
		}
		*rs, *re = s-lr.starts[u], e-lr.starts[u]
		anchors = append(anchors, anchor{finding: n, related: related, fix: fix, edit: edit, unit: lr.kept[u]})
		return true
	}
	for i, fx := range fd.Fixes {
		if fx.Elsewhere() {
			continue
		}
		for j, e := range fx.Edits {
			r := &rel.Fixes[i].Edits[j]
			if !place(e.Start, e.End, -1, i, j, &r.Start, &r.End) {
				return nil, false
			}
		}
	}
	for i, r := range fd.Related {
		if r.Path != "" {
			continue
		}
		rr := &rel.Related[i]
		if !place(r.Start, r.End, i, 0, 0, &rr.Start, &rr.End) {
			return nil, false
		}
	}
	return anchors, true
}

// placeAnchors moves the anchored places of kept (a unit's kept findings, moved to the
// unit's start base) to the starts of the units holding them now.
func (lr *localRun) placeAnchors(kept []Finding, anchors []anchor, base int) {
	for _, a := range anchors {
		d := lr.starts[lr.unitOfKept(a.unit)] - base
		fd := &kept[a.finding]
		if a.related >= 0 {
			r := &fd.Related[a.related]
			r.Start += d
			r.End += d
		} else {
			e := &fd.Fixes[a.fix].Edits[a.edit]
			e.Start += d
			e.End += d
		}
	}
}
