package check

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// --add-ignore (ruff's --add-noqa): a suppression comment for every finding shown, so that
// a project adopting exportdb starts clean and only new code is held to it.
//
// Each line with findings gets "# exportdb: ignore[case, ...]" at its end; a suppression
// comment already there has the missing cases added to its list; another comment there
// (# noqa, # type: ignore) gets ours after it. A line that ends inside a string or after a
// backslash continuation cannot take a comment at its end: the suppression goes on a
// comment line of its own above it, indented as the line (a comment alone on its line
// covers the next line). Where neither is possible the line is left alone, with a note.
//
// The file keeps its line endings (an inserted line ends as the line below it does). The
// new text is parsed again before it is written: if it had more syntax errors than the
// old, nothing is written. It is written atomically and only if the file did not change
// on disk meanwhile, as --fix writes.

// ignoreListRE finds a line suppression with a case list in a comment.
var ignoreListRE = regexp.MustCompile(`exportdb:\s*ignore\[([^\]]*)\]`)

// addIgnores adds the suppressions for fr's findings in f, writes the file and returns
// the analysis of the new text (the findings that remain).
func (r *runner) addIgnores(ctx context.Context, p *syntax.Parser, fr *FileResult, t *target, f *analysis.File, res analysis.Result, opts analysis.Options) analysis.Result {
	minSev := max(r.o.MinSeverity, analysis.Hint)
	byLine := map[int][]string{}
	for _, fd := range res.Findings {
		if fd.Severity < minSev || fd.Case == analysis.UnusedSuppression {
			continue
		}
		l := f.Line(fd.Start)
		if !slices.Contains(byLine[l], fd.Case) {
			byLine[l] = append(byLine[l], fd.Case)
		}
	}
	if len(byLine) == 0 {
		return res
	}
	edits, added, notes := suppressionEdits(f, byLine)
	fr.Notes = append(fr.Notes, notes...)
	if len(edits) == 0 {
		return res
	}
	ft := fixTarget{text: f.Src}
	if fr.nb != nil {
		ft.mod = fr.nb.mod // a notebook: the comments go into its cells
	}
	next, err := ft.apply(edits)
	if err != nil {
		fr.Notes = append(fr.Notes, fmt.Sprintf("suppressions not added: %v (please report it)", err))
		return res
	}
	nf, nres, err := r.analyze(ctx, p, next, f, opts)
	if err != nil || syntaxErrors(nf) > syntaxErrors(f) {
		fr.Notes = append(fr.Notes, "suppressions not added: they would introduce a syntax error (please report it)")
		return res
	}
	if err := r.writeFixed(t.abs, fr, f.Src, next); err != nil {
		fr.Err = &writeError{err}
		return res
	}
	fr.Src, fr.lines = next.text, nil
	fr.Ignored, fr.Changed = added, true
	return nres
}

// suppressionEdits returns the edits that add suppressions of the cases of each line
// (0-based), the number of case names added and notes for lines left alone.
func suppressionEdits(f *analysis.File, byLine map[int][]string) ([]analysis.Edit, int, []string) {
	src, t := f.Src, f.Tree
	strs := f.Nodes(syntax.KindString)
	comments := f.Nodes(syntax.KindComment)
	inString := func(off int) bool {
		for _, s := range strs {
			if t.Start(s) < off && off < t.End(s) {
				return true
			}
		}
		return false
	}
	lines := make([]int, 0, len(byLine))
	for l := range byLine {
		lines = append(lines, l)
	}
	sort.Ints(lines)

	var edits []analysis.Edit
	var notes []string
	added := 0
	for _, l := range lines {
		cases := byLine[l]
		sort.Strings(cases)
		start, end, newline := lineBounds(src, f.LineStart(l), f.LineStart(l+1))
		// the end of the line's text: trailing blanks and a CR are not part of it
		end = start + len(strings.TrimRight(string(src[start:end]), " \t\r\f"))

		if c := trailingComment(t, comments, start, end); c != syntax.NoNode {
			text := string(t.Text(c))
			if m := ignoreListRE.FindStringSubmatchIndex(text); m != nil {
				listed := strings.Split(text[m[2]:m[3]], ",")
				for i := range listed {
					listed[i] = strings.TrimSpace(listed[i])
				}
				var missing []string
				for _, c := range cases {
					if !slices.Contains(listed, c) {
						missing = append(missing, c)
					}
				}
				if len(missing) > 0 {
					sep := ", "
					if strings.TrimSpace(text[m[2]:m[3]]) == "" {
						sep = ""
					}
					at := t.Start(c) + m[3]
					edits = append(edits, analysis.Edit{Start: at, End: at, NewText: sep + strings.Join(missing, ", ")})
					added += len(missing)
				}
				continue
			}
			edits = append(edits, analysis.Edit{Start: end, End: end, NewText: "  " + ignoreComment(cases)})
			added += len(cases)
			continue
		}
		if !inString(end) && (end == start || src[end-1] != '\\') {
			edits = append(edits, analysis.Edit{Start: end, End: end, NewText: "  " + ignoreComment(cases)})
			added += len(cases)
			continue
		}
		// a comment line of its own above
		prevContinues := false
		if l > 0 {
			ps, pe, _ := lineBounds(src, f.LineStart(l-1), start)
			prev := strings.TrimRight(string(src[ps:pe]), " \t\r\f")
			prevContinues = strings.HasSuffix(prev, "\\") && trailingComment(t, comments, ps, ps+len(prev)) == syntax.NoNode
		}
		if inString(start) || prevContinues {
			notes = append(notes, fmt.Sprintf("line %d: no suppression added for %s: the line starts and ends inside a string or a line continuation", l+1, strings.Join(cases, ", ")))
			continue
		}
		if newline == "" {
			newline = "\n"
		}
		edits = append(edits, analysis.Edit{Start: start, End: start, NewText: f.Indent(start) + ignoreComment(cases) + newline})
		added += len(cases)
	}
	return edits, added, notes
}

func ignoreComment(cases []string) string {
	return "# exportdb: ignore[" + strings.Join(cases, ", ") + "]"
}

// lineBounds returns the text of the line in src[start:next] without its line ending, and
// that ending ("\n", "\r\n" or "" at the end of the file).
func lineBounds(src []byte, start, next int) (int, int, string) {
	end := next
	nl := ""
	if end > start && src[end-1] == '\n' {
		end--
		nl = "\n"
		if end > start && src[end-1] == '\r' {
			end--
			nl = "\r\n"
		}
	}
	return start, end, nl
}

// trailingComment returns the comment that ends the line text src[start:end], or NoNode.
func trailingComment(t *syntax.Tree, comments []syntax.NodeID, start, end int) syntax.NodeID {
	i := sort.Search(len(comments), func(i int) bool { return t.Start(comments[i]) >= start })
	for ; i < len(comments) && t.Start(comments[i]) < end; i++ {
		if t.End(comments[i]) >= end {
			return comments[i]
		}
	}
	return syntax.NoNode
}
