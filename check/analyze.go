package check

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/rules"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
	"github.com/exportdb-lsp/exportdb-lsp/config"
	"github.com/exportdb-lsp/exportdb-lsp/internal/safefile"
	"github.com/exportdb-lsp/exportdb-lsp/notebook"
)

// analyzeAll analyses the targets as one project. The workers first read each file and scan
// its import statements (no parse). A file that imports no other file of the project and
// that no file imports is analysed alone at once, and its tree released, as before projects
// existed: a corpus of independent files costs nothing more. The other files are parsed
// and kept (with the project files they import that were not given, read as context),
// linked into one program, so that a forward in one file traces helpers in another, and
// then analysed. With the result cache (cache.go), what it serves after the read is
// neither parsed nor analysed, and a linked file is served after linking when what it sees
// of its neighbours did not change. Results come back in the targets' order, whatever the
// order the workers finish in.
func (r *runner) analyzeAll(ctx context.Context, targets []*target) []*FileResult {
	results := make([]*FileResult, len(targets))
	if len(targets) == 0 {
		return results
	}
	prog := startProgress(r.o.Stderr, len(targets), r.o.Quiet)
	defer prog.stop()

	proj := r.newProject(targets)
	loaded := make([]*loadedFile, len(targets))
	r.parallel(ctx, len(targets), func(_ *syntax.Parser, i int) {
		loaded[i] = r.read(targets[i], proj)
	})
	proj.link(loaded)
	for range r.serveCached(ctx, proj, targets, loaded, results) {
		prog.add()
	}

	// isolated files: parsed, analysed alone and rendered; the others parsed and kept
	r.parallel(ctx, len(targets), func(p *syntax.Parser, i int) {
		lf := loaded[i]
		if lf == nil {
			return // served from the cache
		}
		r.parse(ctx, p, lf)
		if lf.linked {
			return
		}
		if lf.file != nil {
			lf.sem = torchsem.New(lf.file, torchsem.WithClassDims(lf.classDims()))
		}
		results[i] = r.finish(ctx, p, targets[i], lf)
		r.store(ctx, i, lf, results[i])
		loaded[i] = nil
		prog.add()
	})
	extra := r.loadImports(ctx, proj, targets, loaded)

	var files []*pysem.File
	var index []int // loaded index of each file of the program (-1: a context file)
	for i, lf := range loaded {
		if lf != nil && lf.file != nil {
			files = append(files, lf.file)
			index = append(index, i)
		}
	}
	for _, cf := range extra {
		files = append(files, cf)
		index = append(index, -1)
	}
	if len(files) > 0 {
		program := torchsem.NewProgram(files, torchsem.WithClassDims(classDims(targets)))
		for k, i := range index {
			if i >= 0 {
				loaded[i].sem = program.Files[k]
			}
		}
		r.serveBySurface(ctx, program, targets, loaded, results, prog.add)
	}
	r.parallel(ctx, len(targets), func(p *syntax.Parser, i int) {
		lf := loaded[i]
		if lf == nil {
			return
		}
		if lf.served {
			return // linked for the files of its component that were not served
		}
		results[i] = r.finish(ctx, p, targets[i], lf)
		r.store(ctx, i, lf, results[i])
		prog.add()
	})
	r.finishCache()
	for i, lf := range loaded {
		if lf != nil && lf.sem != nil {
			lf.sem.Release()
		}
		loaded[i] = nil
	}
	for i, fr := range results {
		if fr == nil {
			results[i] = &FileResult{Path: targets[i].path, Abs: targets[i].abs, Err: errors.New("not checked: interrupted")}
		}
	}
	return results
}

// parallel calls do(p, i) for i in [0, n) on the workers, each with its own parser (a
// parser is not safe for concurrent use). Workers take the next index themselves: a
// channel fed by another goroutine would wake that goroutine for every file while the
// workers sit in long cgo calls.
func (r *runner) parallel(ctx context.Context, n int, do func(p *syntax.Parser, i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range jobs(r.o.Jobs, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := syntax.NewParser()
			defer p.Close()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				do(p, i)
			}
		}()
	}
	wg.Wait()
}

// loadedFile is a target as the run goes: its source and what it imports, then its parsed
// model unless no rule can report in it or it could not be read or parsed.
type loadedFile struct {
	src     []byte    // the file; for a notebook, the module of its cells (nb.mod.Text)
	sum     [32]byte  // src's SHA-256, when the run caches
	nb      *nbResult // a notebook's cells
	opts    analysis.Options
	cfg     *config.Config // the configuration that applies to it; nil when none
	err     error
	module  pysem.Module
	path    string
	imports []string       // qualified names its import statements name (pysem.ScanImports)
	linked  bool           // it imports, or is imported by, another file of the project
	file    *pysem.File    // nil: not parsed
	sem     *torchsem.File // the file in its program
	served  bool           // its result came from the cache; parsed only to link others
}

// read reads one target and scans its imports.
func (r *runner) read(t *target, proj *project) *loadedFile {
	lf := &loadedFile{opts: t.cfg.Options(t.abs), cfg: t.cfg, module: proj.modules[t.abs], path: t.abs}
	limit, tooLarge := syntax.MaxSourceSize, syntax.ErrTooLarge.Error()
	if IsNotebook(t.abs) {
		limit, tooLarge = maxNotebookSize, errNotebookTooLarge // outputs (plots) make notebooks large
	}
	src, err := t.src, error(nil)
	if !t.stdin {
		src, err = readSource(t.abs, limit, tooLarge)
	}
	if err != nil {
		lf.err = err
		return lf
	}
	lf.src = src
	if IsNotebook(t.abs) {
		if !lf.readNotebook() {
			return lf
		}
		r.notebooks.Store(t.abs, &notebookRead{file: lf.nb.file, mod: lf.nb.mod})
	}
	if analysis.CheckSource(lf.src) == nil {
		lf.imports = pysem.ScanImports(lf.src, lf.module)
	}
	if r.cache != nil {
		lf.sum = sha256.Sum256(lf.src)
	}
	return lf
}

// parse parses a loaded target, counting the parses for tests.
func (r *runner) parse(ctx context.Context, p *syntax.Parser, lf *loadedFile) {
	had := lf.file != nil
	lf.parse(ctx, p, !r.builtinRules)
	if !had && lf.file != nil {
		r.o.trace.parse(lf.path)
	}
}

// parse parses the loaded source into its module model, unless no rule can report in it
// (no torch, LightningModule or exportdb in it) and it is not linked (a helper another file
// imports is parsed whatever it mentions), or force.
func (lf *loadedFile) parse(ctx context.Context, p *syntax.Parser, force bool) {
	if lf.err != nil || lf.src == nil || lf.file != nil {
		return
	}
	if !force && !lf.linked && !rules.MayReport(lf.src) {
		lf.err = analysis.CheckSource(lf.src)
	} else {
		lf.file, lf.err = analysis.ParseModule(ctx, p, lf.src, lf.module)
		if lf.file != nil {
			lf.file.Path = lf.path
			if lf.nb != nil {
				lf.file.Cells = lf.nb.mod.Cells()
			}
		}
	}
	if lf.nb != nil && lf.err != nil {
		lf.err = notebookSourceError(lf.err)
	}
}

// finish analyses one loaded target in the linked program, applies fixes on request and
// renders its findings.
func (r *runner) finish(ctx context.Context, p *syntax.Parser, t *target, lf *loadedFile) *FileResult {
	fr := &FileResult{Path: t.path, Abs: t.abs, Target: lf.opts.TargetVersion(), Src: lf.src, nb: lf.nb, cwd: r.cwd, run: r}
	if lf.err != nil {
		r.o.trace.analyse(t.path)
		fr.Err = lf.err // Src stays: a source error's position is reported as a line and column
		return fr
	}
	src := lf.src
	if lf.sem == nil {
		fr.Src, fr.nb = nil, nil // not parsed: no rule can report in it
		return fr
	}
	r.o.trace.analyse(t.path)
	f := lf.sem
	opts := lf.opts
	opts.MinSeverity = r.o.MinSeverity
	res := analysis.Analyze(ctx, f, r.o.Rules, opts)
	if !lf.linked {
		// the results keep the source and findings, not the model; a linked file's model is
		// read by the other files' analyses (declarations, callees) until all are done
		defer f.Release()
	}
	if r.o.Fix || r.o.Diff {
		ft := fixTarget{text: src}
		if fr.nb != nil {
			ft.mod = fr.nb.mod
		}
		fixed, fres, n, notes := r.fixLoop(ctx, p, ft, f, res, opts)
		fr.Notes = notes
		if n > 0 && !bytes.Equal(fixed.text, src) {
			fr.Changed, fr.Fixed = true, n
			switch {
			case r.o.Diff && fr.nb != nil:
				fr.Diff = notebookDiff(fr.Path, fr.nb.mod, fixed.mod)
			case r.o.Diff:
				fr.Diff = unifiedDiff(fr.Path, fr.Path, src, fixed.text)
			case t.stdin:
				fr.Output = fixed.text
				if fr.nb != nil {
					fr.Output = fixedNotebook(fr.nb.file, fixed.mod)
					nb, _ := notebook.Parse(fr.Output)
					fr.nb = newNBResult(nb, fixed.mod)
				}
				fr.Src, res = fixed.text, fres
			default:
				if err := r.writeFixed(t.abs, fr, src, fixed); err != nil {
					// the file keeps its text: report the findings of that text
					fr.Err = &writeError{err}
					fr.Changed, fr.Fixed = false, 0
				} else {
					fr.Src, res = fixed.text, fres
				}
			}
		}
	}
	if r.o.AddIgnore {
		res = r.addIgnores(ctx, p, fr, t, f, res, opts)
	}
	fr.RuleErrors = res.RuleErrors
	for _, fd := range res.Findings {
		if fd.Severity < r.o.MinSeverity {
			continue // what is not shown never fails the run
		}
		fr.Findings = append(fr.Findings, fd)
	}
	r.render(fr)
	return fr
}

// render counts the failing findings of fr and renders them here, in parallel, keeping
// the text rather than the source (a run over a large tree would otherwise hold every
// source until the end).
func (r *runner) render(fr *FileResult) {
	for i := range fr.Findings {
		if fr.Findings[i].Severity >= r.o.FailLevel {
			fr.Failing++
		}
	}
	rendered := true
	switch {
	case r.o.Statistics || r.o.Diff || len(fr.Findings) == 0:
	case r.o.Format == FormatJSON:
		renderJSONFindings(fr)
	case r.o.Format == FormatText || r.o.Format == FormatConcise:
		renderTextFindings(fr, r.o.Format == FormatConcise, r.o.Color)
	default:
		rendered = false // the other formats render from the source at the end
	}
	if rendered {
		fr.lines = nil
		fr.Src, fr.nb = nil, nil
	}
}

// writeFixed writes the fixed text of a file (whose text was src); a notebook gets its
// cells rewritten and fr.nb then describes the file as written.
func (r *runner) writeFixed(path string, fr *FileResult, src []byte, fixed fixTarget) error {
	if fr.nb == nil {
		return writeFileAtomic(path, fixed.text, src)
	}
	out := fixedNotebook(fr.nb.file, fixed.mod)
	if err := writeFileAtomic(path, out, fr.nb.file.Bytes()); err != nil {
		return err
	}
	nb, err := notebook.Parse(out)
	if err != nil {
		return fmt.Errorf("internal error: the fixed notebook does not read back: %v", err) // written; cannot happen
	}
	fr.nb = newNBResult(nb, fixed.mod)
	return nil
}

// writeError is a failure to write fixes back.
type writeError struct{ err error }

func (e *writeError) Error() string { return "cannot write fixes: " + e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// readSource reads a file: a regular file (a named pipe would block), refused with the
// reason tooLarge, before it is read, when it holds more than limit bytes.
func readSource(path string, limit int, tooLarge string) ([]byte, error) {
	src, err := safefile.Read(path, int64(limit))
	switch {
	case safefile.IsTooLarge(err):
		return nil, &analysis.FileError{Offset: -1, Reason: tooLarge}
	case err != nil:
		return nil, fmt.Errorf("cannot read: %w", cleanPathError(err))
	}
	return src, nil
}

func (r *runner) analyze(ctx context.Context, p *syntax.Parser, src fixTarget, in *analysis.File, opts analysis.Options) (*analysis.File, analysis.Result, error) {
	pf, err := analysis.ParseModule(ctx, p, src.text, in.Module)
	if err != nil {
		return nil, analysis.Result{}, err
	}
	pf.Path = in.Path
	if src.mod != nil {
		pf.Cells = src.mod.Cells()
	}
	// the new text, linked against the rest of the project as it was
	f := in.Program().Replace(pf)
	// rules that can only report hover-only recognitions are skipped unless --min-severity off
	opts.MinSeverity = r.o.MinSeverity
	return f, analysis.Analyze(ctx, f, r.o.Rules, opts), nil
}

// fixLoop applies fixes until none is left or maxFixRounds: each round takes, in position
// order, the first allowed fix of each finding whose edits overlap no fix already taken
// (the others wait for the next round, on the re-analysed text). A round whose result has
// more syntax errors than the original is not applied: its fixes are tried one by one and
// the ones that break the syntax are dropped for good. It returns the final text, its
// analysis and the number of fixes applied.
func (r *runner) fixLoop(ctx context.Context, p *syntax.Parser, src fixTarget, f *analysis.File, res analysis.Result, opts analysis.Options) (fixTarget, analysis.Result, int, []string) {
	base := syntaxErrors(f)
	rejected := map[string]bool{}
	var notes []string
	applied := 0
	for round := 0; round < maxFixRounds && ctx.Err() == nil; round++ {
		chosen := r.chooseFixes(res.Findings, len(src.text), rejected)
		if len(chosen) == 0 {
			break
		}
		next, nres, err := r.tryFixes(ctx, p, src, f, chosen, base, opts)
		if err != nil {
			// find the culprits: each fix alone on the current text
			for _, c := range chosen {
				if _, _, err := r.tryFixes(ctx, p, src, f, []chosenFix{c}, base, opts); err != nil {
					rejected[c.key] = true
					notes = append(notes, fmt.Sprintf("fix %q not applied: %v", c.fix.Title, err))
				}
			}
			if len(chosen) > 1 && !anyRejected(chosen, rejected) {
				// each alone is fine but not together: keep the first for this round
				for _, c := range chosen[1:] {
					rejected[c.key] = true
				}
			}
			continue
		}
		src, res = next, nres
		applied += len(chosen)
	}
	return src, res, applied, notes
}

func anyRejected(cs []chosenFix, rejected map[string]bool) bool {
	for _, c := range cs {
		if rejected[c.key] {
			return true
		}
	}
	return false
}

type chosenFix struct {
	fix analysis.Fix
	key string
}

// tryFixes applies fixes and re-analyses. It fails with errSyntax when that adds syntax
// errors, or with why the edits cannot be applied (in a notebook: an edit across cells
// or of a magic).
func (r *runner) tryFixes(ctx context.Context, p *syntax.Parser, src fixTarget, in *analysis.File, cs []chosenFix, base int, opts analysis.Options) (fixTarget, analysis.Result, error) {
	var edits []analysis.Edit
	for _, c := range cs {
		edits = append(edits, c.fix.Edits...)
	}
	next, err := src.apply(edits)
	if err != nil {
		if errors.Is(err, notebook.ErrCrossesCells) {
			err = notebook.ErrCrossesCells
		} else if errors.Is(err, notebook.ErrTouchesMagic) {
			err = notebook.ErrTouchesMagic
		}
		return fixTarget{}, analysis.Result{}, err
	}
	nf, nres, err := r.analyze(ctx, p, next, in, opts)
	if err != nil || syntaxErrors(nf) > base {
		return fixTarget{}, analysis.Result{}, errSyntax
	}
	return next, nres, nil
}

// chooseFixes picks this round's fixes: of each finding shown (and never of Off ones,
// which describe supported code), the first fix allowed by the safety flags; fixes whose
// edits overlap one already picked wait for the next round. A fix shared by several
// findings is applied once.
func (r *runner) chooseFixes(findings []analysis.Finding, n int, rejected map[string]bool) []chosenFix {
	minSev := max(r.o.MinSeverity, analysis.Hint)
	var out []chosenFix
	var taken []analysis.Edit
	seen := map[string]bool{}
	for _, fd := range findings {
		if fd.Severity < minSev {
			continue
		}
		for _, fx := range fd.Fixes {
			if (fx.Safety == analysis.Unsafe && !r.o.UnsafeFixes) || fx.Elsewhere() {
				continue // an edit of another file (an export call's dims) is the editor's
			}
			key := fixKey(fx)
			if seen[key] {
				break // the same fix, through another finding
			}
			if rejected[key] || !wellFormed(fx.Edits, n) {
				continue
			}
			if overlaps(fx.Edits, taken) {
				break // next round
			}
			seen[key] = true
			taken = append(taken, fx.Edits...)
			out = append(out, chosenFix{fx, key})
			break
		}
	}
	return out
}

func fixKey(fx analysis.Fix) string {
	var b strings.Builder
	b.WriteString(fx.Title)
	for _, e := range fx.Edits {
		b.WriteString("\x00" + strconv.Itoa(e.Start) + ":" + strconv.Itoa(e.End) + ":" + e.NewText)
	}
	return b.String()
}

// wellFormed reports whether edits lie within n bytes and do not overlap each other.
func wellFormed(edits []analysis.Edit, n int) bool {
	if len(edits) == 0 {
		return false
	}
	s := append([]analysis.Edit(nil), edits...)
	sort.Slice(s, func(i, j int) bool { return s[i].Start < s[j].Start })
	last := 0
	for i, e := range s {
		if e.Start < 0 || e.End < e.Start || e.End > n || (i > 0 && e.Start < last) {
			return false
		}
		last = e.End
	}
	return true
}

// overlaps reports whether any edit of a overlaps one of b. Two insertions at one point
// overlap too: their order would be arbitrary.
func overlaps(a, b []analysis.Edit) bool {
	for _, x := range a {
		for _, y := range b {
			if x.Start < y.End && y.Start < x.End || x.Start == y.Start {
				return true
			}
		}
	}
	return false
}

// syntaxErrors counts ERROR and MISSING nodes.
func syntaxErrors(f *analysis.File) int {
	t := f.Tree
	if !t.HasError(t.Root()) {
		return 0
	}
	n := 0
	for i := 0; i < t.Len(); i++ {
		if t.IsError(syntax.NodeID(i)) {
			n++
		}
	}
	return n
}

// classDims gathers the dynamic-shapes declarations of the targets' configurations, each
// configuration once.
func classDims(targets []*target) []torchsem.ClassDims {
	var out []torchsem.ClassDims
	seen := map[*config.Config]bool{}
	for _, t := range targets {
		if t.cfg == nil || seen[t.cfg] {
			continue
		}
		seen[t.cfg] = true
		out = append(out, t.cfg.ClassDims()...)
	}
	return out
}

// classDims is the dynamic-shapes declarations of the file's configuration.
func (lf *loadedFile) classDims() []torchsem.ClassDims {
	if lf.cfg == nil || len(lf.cfg.DynamicShapes) == 0 {
		return nil
	}
	return lf.cfg.ClassDims()
}
