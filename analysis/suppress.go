package analysis

import (
	"regexp"
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
		m := suppressRE.FindSubmatchIndex(text)
		if m == nil {
			continue
		}
		sp := &suppression{start: t.Start(c), end: t.End(c), file: string(text[m[2]:m[3]]) == "ignore-file", used: map[string]bool{}}
		if m[4] >= 0 {
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
func (s *suppressions) unused(opts *Options, skipped []string) []Finding {
	var out []Finding
	for _, sp := range s.list {
		if len(sp.cases) == 0 {
			if !sp.usedAll {
				out = append(out, Finding{Case: UnusedSuppression, Start: sp.start, End: sp.end, Effect: Note, Severity: Hint,
					Message: "suppression comment suppresses nothing",
					Fixes:   []Fix{{Title: "remove the unused suppression", Safety: Safe, Edits: []Edit{{Start: sp.start, End: sp.end}}}}})
			}
			continue
		}
		var stale []string
		for _, c := range sp.cases {
			if !sp.used[c] && opts.Enabled(c) && !contains(skipped, c) {
				stale = append(stale, c)
			}
		}
		if len(stale) > 0 {
			out = append(out, Finding{Case: UnusedSuppression, Start: sp.start, End: sp.end, Effect: Note, Severity: Hint,
				Message: "suppression of " + strings.Join(stale, ", ") + " suppresses nothing"})
		}
	}
	return out
}
