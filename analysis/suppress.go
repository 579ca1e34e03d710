package analysis

import (
	"bytes"
	"regexp"
	"slices"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// A suppression comment:
//
//	x = round(n / 2)  # exportdb: ignore[dynamic_shape_round]
//	# exportdb: ignore            (on the line above; bare: every case)
//	# exportdb: ignore-file[model_attr_mutation]
var suppressRE = regexp.MustCompile(`exportdb:\s*(ignore-file|ignore)(?:\[([^\]]*)\])?`)

type suppression struct {
	start, end int      // the comment's byte range
	dir        [2]int   // the directive's byte range inside it ("exportdb: ignore[...]")
	list       [2]int   // the byte range of the case list between the brackets; [-1 -1] without one
	line       int      // the line it covers (its own, or the next for a comment-only line)
	file       bool     // ignore-file
	cases      []string // empty: all cases
	used       map[string]bool
	usedAll    bool
}

type suppressions struct {
	list   []*suppression
	byLine map[int][]*suppression
}

func parseSuppressions(f *File) *suppressions {
	s := &suppressions{byLine: map[int][]*suppression{}}
	t := f.Tree
	for _, c := range f.Nodes(syntax.KindComment) {
		text := t.Text(c)
		if !bytes.Contains(text, []byte("exportdb")) {
			continue // the regexp would cost more than every other comment's scan together
		}
		m := suppressRE.FindSubmatchIndex(text)
		if m == nil {
			continue
		}
		base := t.Start(c)
		sp := &suppression{start: base, end: t.End(c), file: string(text[m[2]:m[3]]) == "ignore-file", used: map[string]bool{},
			dir: [2]int{base + m[0], base + m[1]}, list: [2]int{-1, -1}}
		if m[4] >= 0 {
			sp.list = [2]int{base + m[4], base + m[5]}
			for _, name := range strings.Split(string(text[m[4]:m[5]]), ",") {
				if name = strings.TrimSpace(name); name != "" {
					sp.cases = append(sp.cases, name)
				}
			}
		}
		line := f.Line(sp.start)
		sp.line = line
		// a comment alone on its line covers the next line; one after code covers its own
		if strings.TrimSpace(string(f.Src[f.LineStart(line):sp.start])) == "" && !sp.file {
			sp.line = line + 1
			s.byLine[line] = append(s.byLine[line], sp) // findings on the comment's line too
		}
		s.list = append(s.list, sp)
		if !sp.file {
			s.byLine[sp.line] = append(s.byLine[sp.line], sp)
		}
	}
	return s
}

func (sp *suppression) covers(name string) bool {
	if len(sp.cases) == 0 {
		return true
	}
	for _, c := range sp.cases {
		if c == name {
			return true
		}
	}
	return false
}

func (sp *suppression) use(name string) {
	if len(sp.cases) == 0 {
		sp.usedAll = true
	}
	sp.used[name] = true
}

// suppresses reports whether a suppression covers the finding, and marks it used.
func (s *suppressions) suppresses(f *File, fd *Finding) bool {
	if len(s.list) == 0 {
		return false
	}
	hit := false
	for _, sp := range s.list {
		if sp.file && sp.covers(fd.Case) {
			sp.use(fd.Case)
			hit = true
		}
	}
	for _, sp := range s.byLine[f.Line(fd.Start)] {
		if sp.covers(fd.Case) {
			sp.use(fd.Case)
			hit = true
		}
	}
	return hit
}

// unused reports suppressions (or names inside them) that suppressed nothing. Names of
// rules that did not run (skipped) are never reported: nothing could have used them.
func (s *suppressions) unused(f *File, opts *Options, skipped []string) []Finding {
	var out []Finding
	for _, sp := range s.list {
		if len(sp.cases) == 0 {
			if !sp.usedAll {
				out = append(out, Finding{Case: UnusedSuppression, Start: sp.start, End: sp.end, Effect: Note, Severity: Hint,
					Message: "suppression comment suppresses nothing",
					Fixes:   []Fix{{Title: "remove the unused suppression", Safety: Safe, Edits: []Edit{sp.removal(f)}}}})
			}
			continue
		}
		var stale []string
		for _, c := range sp.cases {
			if !sp.used[c] && opts.Enabled(c) && !slices.Contains(skipped, c) {
				stale = append(stale, c)
			}
		}
		if len(stale) > 0 {
			fix := Fix{Title: "remove the unused suppression", Safety: Safe, Edits: []Edit{sp.removal(f)}}
			var keep []string
			for _, c := range sp.cases {
				if !slices.Contains(stale, c) {
					keep = append(keep, c)
				}
			}
			if len(keep) > 0 {
				fix = Fix{Title: "remove " + strings.Join(stale, ", ") + " from the suppression", Safety: Safe,
					Edits: []Edit{{Start: sp.list[0], End: sp.list[1], NewText: strings.Join(keep, ", ")}}}
			}
			out = append(out, Finding{Case: UnusedSuppression, Start: sp.start, End: sp.end, Effect: Note, Severity: Hint,
				Message: "suppression of " + strings.Join(stale, ", ") + " suppresses nothing", Fixes: []Fix{fix}})
		}
	}
	return out
}

// removal is the edit that removes the suppression's directive and leaves the code as if
// it had never been written: a comment that held only the directive goes, with the
// blanks before it, and so does its line when the comment was alone on it; other text in
// the comment (# noqa: E501, # type: ignore) stays.
func (sp *suppression) removal(f *File) Edit {
	src := f.Src
	cs, ce := sp.start, sp.end
	for ce > cs && src[ce-1] == '\r' {
		ce-- // a comment token runs to the LF of a CRLF line ending
	}
	ds, de := sp.dir[0], sp.dir[1]
	before := strings.TrimSpace(string(src[cs:ds])) // "#", or "# noqa: E501  #"
	after := strings.TrimSpace(string(src[de:ce]))
	blank := func(b byte) bool { return b == ' ' || b == '\t' }
	if before == "#" && after == "" {
		line := f.Line(cs)
		ls, next := f.LineStart(line), f.LineStart(line+1)
		if strings.TrimSpace(string(src[ls:cs])) == "" && strings.TrimSpace(string(src[ce:next])) == "" {
			return Edit{Start: ls, End: next} // the comment's line
		}
		s := cs
		for s > ls && blank(src[s-1]) {
			s--
		}
		return Edit{Start: s, End: ce}
	}
	if before == "#" {
		// "# exportdb: ignore[x]  # noqa: E501" -> "# noqa: E501"
		e := de
		for e < ce && blank(src[e]) {
			e++
		}
		if e < ce && src[e] == '#' {
			e++
			for e < ce && blank(src[e]) {
				e++
			}
		}
		return Edit{Start: ds, End: e}
	}
	// "# noqa: E501  # exportdb: ignore[x]" -> "# noqa: E501"
	s := ds
	for s > cs && blank(src[s-1]) {
		s--
	}
	if s > cs && src[s-1] == '#' {
		s--
		for s > cs && blank(src[s-1]) {
			s--
		}
	}
	return Edit{Start: s, End: de}
}
