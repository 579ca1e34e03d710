package check

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// output writes the report to Stdout (or the output file, atomically) and the errors and
// notes to Stderr.
func (r *runner) output(results []*FileResult) error {
	r.printErrors(results)
	var buf bytes.Buffer
	var err error
	switch {
	case r.o.Diff:
		r.writeDiffs(&buf, results)
	case r.o.Statistics && r.o.Format == FormatJSON:
		err = r.writeStatisticsJSON(&buf, results)
	case r.o.Statistics:
		r.writeStatistics(&buf, results)
	case r.o.Format == FormatJSON:
		err = r.writeJSON(&buf, results)
	case r.o.Format == FormatSARIF:
		err = r.writeSARIF(&buf, results)
	case r.o.Format == FormatGitHub:
		r.writeGitHub(&buf, results)
	case r.o.Format == FormatGitLab:
		err = r.writeGitLab(&buf, results)
	case r.o.Format == FormatJUnit:
		err = r.writeJUnit(&buf, results)
	default:
		r.writeText(&buf, results, r.o.Format == FormatConcise)
	}
	if err != nil {
		return err
	}
	if r.o.Fix && r.o.Format != FormatText && r.o.Format != FormatConcise && !r.o.Quiet {
		fixed, files := fixTotals(results)
		fmt.Fprintf(r.o.Stderr, "exportdb check: fixed %s in %s\n", plural(fixed, "finding"), plural(files, "file"))
	}
	if r.o.AddIgnore && !r.o.Quiet {
		added, files := 0, 0
		for _, fr := range results {
			if fr.Ignored > 0 {
				added += fr.Ignored
				files++
			}
		}
		fmt.Fprintf(r.o.Stderr, "exportdb check: added %s to %s\n", plural(added, "suppression"), plural(files, "file"))
	}
	stdinFix := r.o.stdinMode() && r.o.Fix
	if r.o.OutputFile != "" {
		out := r.o.OutputFile
		if !filepath.IsAbs(out) {
			out = filepath.Join(r.cwd, out)
		}
		if err := r.checkOutputFile(out); err != nil {
			return fmt.Errorf("--output-file: %s: %v", termSafe(r.o.OutputFile), err)
		}
		if err := writeFileAtomic(out, buf.Bytes(), nil); err != nil {
			return fmt.Errorf("--output-file: %v", cleanPathError(err))
		}
	} else if stdinFix {
		// stdout carries the fixed source: the report goes to stderr
		if _, err := r.o.Stderr.Write(buf.Bytes()); err != nil {
			return err
		}
	} else if _, err := r.o.Stdout.Write(buf.Bytes()); err != nil {
		return err
	}
	if stdinFix {
		return r.writeStdinSource(results)
	}
	return nil
}

// checkOutputFile refuses an output file that a repository could have placed to make the
// report overwrite something else: a symbolic link (it is not followed) or one of the files
// being checked.
func (r *runner) checkOutputFile(out string) error {
	fi, err := os.Lstat(out)
	if err != nil {
		return nil // a new file
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return errors.New("a symbolic link: not followed (remove it, or name another file)")
	}
	if key, ok := keyOf(fi); ok && r.inputs[key] != nil || r.inputPaths[out] {
		return errors.New("one of the files being checked: not overwritten")
	}
	return nil
}

// printErrors reports, on stderr, every file that could not be checked, rules that
// panicked and fix notes: "path[:line:col]: error: reason".
func (r *runner) printErrors(results []*FileResult) {
	stderr := termWriter{r.o.Stderr} // paths and messages come from the repository
	for _, fr := range results {
		if fr.Err != nil {
			fmt.Fprintf(stderr, "%s: error: %s\n", r.errorLocation(fr), fr.Err)
		}
		for _, re := range fr.RuleErrors {
			fmt.Fprintf(stderr, "%s: error: internal error: rule %s panicked: %s (please report it)\n", fr.Path, re.Rule, re.Panic)
		}
		for _, n := range fr.Notes {
			fmt.Fprintf(stderr, "%s: note: %s\n", fr.Path, n)
		}
	}
}

// errorLocation is "path" or, for a source error at a known offset, "path:line:col".
func (r *runner) errorLocation(fr *FileResult) string {
	if p, ok := fr.errorPos(); ok {
		return fr.location(p)
	}
	return fr.Path
}

func (fr *FileResult) errorPos() (position, bool) {
	if off := fr.errorOffset(); off >= 0 {
		return fr.pos(off), true
	}
	return position{}, false
}

// errorOffset is the offset in Src of a source error, or -1.
func (fr *FileResult) errorOffset() int {
	var fe *analysis.FileError
	if errors.As(fr.Err, &fe) && fe.Offset >= 0 && fr.Src != nil {
		return fe.Offset
	}
	return -1
}

func (r *runner) writeDiffs(w io.Writer, results []*FileResult) {
	fixed, files := 0, 0
	for _, fr := range results {
		if fr.Diff != "" {
			io.WriteString(w, fr.Diff)
			fixed += fr.Fixed
			files++
		}
	}
	if !r.o.Quiet {
		if files == 0 {
			fmt.Fprintln(r.o.Stderr, "exportdb check: no fixes to apply")
		} else {
			fmt.Fprintf(r.o.Stderr, "exportdb check: would fix %s in %s\n", plural(fixed, "finding"), plural(files, "file"))
		}
	}
}

// writeText writes ruff's full format (or, concise, one line per finding) and a summary.
func (r *runner) writeText(w io.Writer, results []*FileResult, concise bool) {
	for _, fr := range results {
		if fr.rendered != nil {
			w.Write(fr.rendered)
		} else {
			writeTextFindings(w, fr, concise, palette(r.o.Color))
		}
	}
	if !r.o.Quiet {
		r.writeSummary(w, results)
	}
}

// renderTextFindings renders fr's findings in the text (or concise) format. The workers
// call it, so that a run keeps rendered text rather than every file's source.
func renderTextFindings(fr *FileResult, concise, color bool) {
	var b bytes.Buffer
	writeTextFindings(&b, fr, concise, palette(color))
	fr.rendered = b.Bytes()
}

// writeTextFindings writes fr's findings in the text (or concise) format. What comes from
// the repository (paths, source lines, messages quoting them) has its control characters
// shown as visible ones (escape.go); the palette's own escape sequences are left alone.
func writeTextFindings(w io.Writer, fr *FileResult, concise bool, c palette) {
	for i := range fr.Findings {
		fd := &fr.Findings[i]
		p := fr.pos(fd.Start)
		fmt.Fprintf(w, "%s:%s: %s %s: %s", c.path(termSafe(fr.Path)), posText(p),
			c.severity(fd.Severity, fd.Severity.String()), c.bold(fd.Case), termSafe(fd.Message))
		if concise {
			if m := fixMarker(fd); m != "" {
				fmt.Fprintf(w, " %s", c.fix(m))
			}
			io.WriteString(w, "\n")
			continue
		}
		io.WriteString(w, "\n")
		gutter := writeSnippet(w, fr, fd.Start, fd.End, fd.Severity, c)
		pad := strings.Repeat(" ", gutter)
		eq := c.gutter("=")
		for _, fx := range fd.Fixes {
			if fd.Severity == analysis.Off {
				break // hover-only: --fix leaves it; the editor offers its fixes
			}
			if fx.Elsewhere() {
				fmt.Fprintf(w, "%s %s %s: %s (in %s; the editor's quick fix applies it)\n", pad, eq, c.bold("help"), termSafe(fx.Title), termSafe(fr.display(fx.Path)))
				continue
			}
			if fx.Safety == analysis.Safe {
				fmt.Fprintf(w, "%s %s %s: %s\n", pad, eq, c.fix("[*] fix available"), termSafe(fx.Title))
			} else {
				fmt.Fprintf(w, "%s %s %s: %s\n", pad, eq, c.severity(analysis.Warning, "[unsafe fix available]"), termSafe(fx.Title))
			}
		}
		for _, rel := range fd.Related {
			rp := fr.relatedPos(rel, rel.Start)
			path := fr.Path
			if rel.Path != "" {
				path = fr.display(rel.Path)
			}
			fmt.Fprintf(w, "%s %s %s: %s:%s: %s\n", pad, eq, c.bold("note"), termSafe(path), posText(rp), termSafe(rel.Message))
		}
		if u := caseURL(fd.Case); u != "" {
			fmt.Fprintf(w, "%s %s %s: %s\n", pad, eq, c.bold("see"), u)
		}
		io.WriteString(w, "\n")
	}
}

// fixMarker is "[*]" for a safe fix, "[unsafe fix]" when only unsafe ones exist, and ""
// for hover-only (off) findings, whose fixes --fix never applies.
func fixMarker(fd *analysis.Finding) string {
	if fd.Severity == analysis.Off {
		return ""
	}
	m := ""
	for _, fx := range fd.Fixes {
		if fx.Elsewhere() {
			continue // the editor's: --fix leaves it
		}
		if fx.Safety == analysis.Safe {
			return "[*]"
		}
		m = "[unsafe fix]"
	}
	return m
}

// writeSnippet writes the source lines of [start, end) with carets under the range and
// returns the gutter width. Long ranges show their first lines only.
func writeSnippet(w io.Writer, fr *FileResult, start, end int, sev analysis.Severity, c palette) int {
	const maxLines = 5
	if fr.nb != nil {
		end = fr.nb.clampEnd(start, end) // a range past its cell: that cell's part of it
	}
	sp, ep := fr.pos(start), fr.pos(end)
	last := ep.Line
	if end > start && ep.Column == 1 && last > sp.Line {
		last-- // the range ends at the start of a line
	}
	cut := last-sp.Line+1 > maxLines
	if cut {
		last = sp.Line + maxLines - 1
	}
	gutter := len(strconv.Itoa(last))
	pad := strings.Repeat(" ", gutter)
	bar := c.gutter("|")
	fmt.Fprintf(w, "%s %s\n", pad, bar)
	for l := sp.Line; l <= last; l++ {
		text := fr.lineText(sp.Cell, l)
		shown := termSafe(expandTabs(text)) // one rune for one: the carets stay under their columns
		from, to := 0, len([]rune(shown))
		if l == sp.Line {
			from = displayCol(text, sp.Column-1)
		} else {
			from = len([]rune(shown)) - len([]rune(strings.TrimLeft(shown, " ")))
		}
		if l == ep.Line {
			to = displayCol(text, ep.Column-1)
		}
		if to <= from {
			to = from + 1
		}
		fmt.Fprintf(w, "%s %s %s\n", c.gutter(fmt.Sprintf("%*d", gutter, l)), bar, shown)
		fmt.Fprintf(w, "%s %s %s%s\n", pad, bar, strings.Repeat(" ", from), c.severity(sev, strings.Repeat("^", to-from)))
	}
	if cut {
		fmt.Fprintf(w, "%s %s ...\n", pad, bar)
	}
	fmt.Fprintf(w, "%s %s\n", pad, bar)
	return gutter
}

const tabWidth = 4

func expandTabs(s string) string {
	if !strings.Contains(s, "\t") {
		return s
	}
	var b strings.Builder
	col := 0
	for _, c := range s {
		if c == '\t' {
			n := tabWidth - col%tabWidth
			b.WriteString(strings.Repeat(" ", n))
			col += n
			continue
		}
		b.WriteRune(c)
		col++
	}
	return b.String()
}

// displayCol is the display column (0-based) of the rune index i of s, tabs expanded.
func displayCol(s string, i int) int {
	col, n := 0, 0
	for _, c := range s {
		if n == i {
			break
		}
		if c == '\t' {
			col += tabWidth - col%tabWidth
		} else {
			col++
		}
		n++
	}
	return col + (i - n) // past the end of the line (a range ending at its newline)
}

func (r *runner) writeSummary(w io.Writer, results []*FileResult) {
	shown, safe, unsafe, errs := 0, 0, 0, 0
	bySev := map[analysis.Severity]int{}
	for _, fr := range results {
		if fr.Err != nil {
			errs++
		}
		for i := range fr.Findings {
			fd := &fr.Findings[i]
			shown++
			bySev[fd.Severity]++
			switch fixMarker(fd) {
			case "[*]":
				safe++
			case "[unsafe fix]":
				unsafe++
			}
		}
	}
	fixed, _ := fixTotals(results)
	c := palette(r.o.Color)
	switch {
	case len(results) == 0:
		io.WriteString(w, "No Python files found: nothing was checked.\n")
	case shown == 0 && fixed == 0:
		io.WriteString(w, c.paint(ansiBold+ansiGreen, "All checks passed!")+"\n")
	default:
		var parts []string
		for s := analysis.Error; s >= analysis.Off; s-- {
			if n := bySev[s]; n > 0 {
				parts = append(parts, severityCount(n, s))
			}
		}
		line := "Found " + plural(shown+fixed, "finding")
		if fixed > 0 {
			line += fmt.Sprintf(" (%d fixed, %d remaining)", fixed, shown)
		}
		if len(parts) > 0 {
			line += ": " + strings.Join(parts, ", ")
		}
		fmt.Fprintln(w, c.bold(line+"."))
		if safe > 0 && !r.o.Fix {
			fmt.Fprintf(w, "%s %d fixable with --fix.\n", c.fix("[*]"), safe)
		}
		if unsafe > 0 && !r.o.UnsafeFixes {
			fmt.Fprintf(w, "%d more fixable with --fix --unsafe-fixes (these fixes may change behaviour).\n", unsafe)
		}
	}
	if errs > 0 {
		fmt.Fprintf(w, "%s could not be checked (see the errors on stderr).\n", plural(errs, "file"))
	}
}

func severityCount(n int, s analysis.Severity) string {
	switch s {
	case analysis.Error, analysis.Warning, analysis.Hint:
		return plural(n, s.String())
	}
	return fmt.Sprintf("%d %s", n, s)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func fixTotals(results []*FileResult) (fixed, files int) {
	for _, fr := range results {
		if fr.Fixed > 0 {
			fixed += fr.Fixed
			files++
		}
	}
	return fixed, files
}

// caseStats is one line of --statistics.
type caseStats struct {
	Case          string `json:"case"`
	Count         int    `json:"count"`
	Severity      string `json:"severity"`       // the highest among the case's findings
	Fixable       int    `json:"fixable"`        // findings with a safe fix
	UnsafeFixable int    `json:"unsafe_fixable"` // findings with unsafe fixes only
	sev           analysis.Severity
}

func statistics(results []*FileResult) []*caseStats {
	by := map[string]*caseStats{}
	for _, fr := range results {
		for i := range fr.Findings {
			fd := &fr.Findings[i]
			s := by[fd.Case]
			if s == nil {
				s = &caseStats{Case: fd.Case, sev: fd.Severity}
				by[fd.Case] = s
			}
			s.Count++
			s.sev = max(s.sev, fd.Severity)
			switch fixMarker(fd) {
			case "[*]":
				s.Fixable++
			case "[unsafe fix]":
				s.UnsafeFixable++
			}
		}
	}
	out := make([]*caseStats, 0, len(by))
	for _, s := range by {
		s.Severity = s.sev.String()
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Case < out[j].Case
	})
	return out
}

func (r *runner) writeStatistics(w io.Writer, results []*FileResult) {
	stats := statistics(results)
	// counts right-aligned, the other columns left-aligned
	width := 1
	caseW, sevW := 0, 0
	for _, s := range stats {
		width = max(width, len(strconv.Itoa(s.Count)))
		caseW = max(caseW, len(s.Case))
		sevW = max(sevW, len(s.Severity))
	}
	for _, s := range stats {
		mark := ""
		switch {
		case s.Fixable > 0:
			mark = "[*]"
		case s.UnsafeFixable > 0:
			mark = "[unsafe fix]"
		}
		line := fmt.Sprintf("%*d  %-*s  %-*s  %s", width, s.Count, caseW, s.Case, sevW, s.Severity, mark)
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	if !r.o.Quiet {
		total := 0
		for _, s := range stats {
			total += s.Count
		}
		if total == 0 {
			io.WriteString(w, "All checks passed!\n")
		} else {
			fmt.Fprintf(w, "Found %s.\n", plural(total, "finding"))
		}
	}
}

// caseURL is the documentation page of a case, or "" for engine codes.
func caseURL(name string) string {
	if k, ok := catalog.Default().Lookup(name); ok {
		return k.URL("")
	}
	return ""
}

func caseTags(name string) []string {
	if k, ok := catalog.Default().Lookup(name); ok && len(k.Tags) > 0 {
		return append([]string(nil), k.Tags...)
	}
	return []string{}
}

var effectNames = [...]string{"recognized", "note", "caveat", "changes", "fails"}

func effectName(e analysis.Effect) string {
	if int(e) >= 0 && int(e) < len(effectNames) {
		return effectNames[e]
	}
	return strconv.Itoa(int(e))
}
