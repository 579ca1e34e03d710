package analysis

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// ApplyEdits returns src with the edits applied. Edits must lie within src and not overlap;
// an edit identical to one already applied is applied once (fixes of several findings may
// share an edit, such as one import rewrite for every call site; go/analysis merges these
// the same way).
func ApplyEdits(src []byte, edits []Edit) ([]byte, error) {
	sorted := append([]Edit(nil), edits...)
	SortEdits(sorted)
	var out bytes.Buffer
	last := 0
	for i, e := range sorted {
		if isDuplicateEdit(sorted[:i], e) {
			continue
		}
		if e.Start < last || e.End < e.Start || e.End > len(src) {
			return nil, fmt.Errorf("edit [%d,%d) overlaps another or lies outside the %d-byte source", e.Start, e.End, len(src))
		}
		out.Write(src[last:e.Start])
		out.WriteString(e.NewText)
		last = e.End
	}
	out.Write(src[last:])
	return out.Bytes(), nil
}

// SortEdits orders edits by position, keeping their order otherwise; an insertion comes
// before a replacement starting where it is inserted (an import added at the top of a file
// whose first statement a fix rewrites), which is the order the edits apply in: LSP
// clients apply a fix's edits in the order given when their ranges touch.
func SortEdits(edits []Edit) {
	slices.SortStableFunc(edits, func(a, b Edit) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		ai, bi := a.End == a.Start, b.End == b.Start
		switch {
		case ai && !bi:
			return -1
		case bi && !ai:
			return 1
		}
		return 0
	})
}

// isDuplicateEdit reports whether e equals an edit of done (sorted by Start) with its Start.
func isDuplicateEdit(done []Edit, e Edit) bool {
	for i := len(done) - 1; i >= 0 && done[i].Start == e.Start; i-- {
		if done[i] == e {
			return true
		}
	}
	return false
}

// adaptNewlines writes the line breaks of the edits' new text with the file's line ending
// (rules write "\n": a fix that adds lines to a "\r\n" or "\r" file must not mix endings),
// and moves an edit boundary that falls between the "\r" and "\n" of a line ending before
// the "\r" (a rule finds the end of a line at its "\n").
func adaptNewlines(src []byte, edits []Edit, nl string) {
	if nl == "\n" {
		return
	}
	splits := func(k int) bool { return k > 0 && k < len(src) && src[k-1] == '\r' && src[k] == '\n' }
	for i := range edits {
		e := &edits[i]
		if splits(e.End) {
			e.End--
		}
		if splits(e.Start) {
			e.Start--
		}
		t := e.NewText
		if !strings.ContainsAny(t, "\r\n") {
			continue
		}
		t = strings.ReplaceAll(t, "\r\n", "\n")
		t = strings.ReplaceAll(t, "\r", "\n")
		e.NewText = strings.ReplaceAll(t, "\n", nl)
	}
}
